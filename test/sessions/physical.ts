import { expect } from "chai";
import { network } from "hardhat";

import { SettlementMode } from "../../sdk/sessions/config.js";
import { amountAt } from "../../sdk/sessions/orders.js";
import {
  DAY,
  WAD,
  createPhysical,
  deployBase,
  makeOrder,
  physicalUnit,
  settleWithPrices,
  sign,
  subscribePhysical,
  type Base,
} from "./fixtures.js";

const conn = await network.create();

async function fixture() {
  const b = await deployBase(conn);
  const session = await createPhysical(b);
  await subscribePhysical(b, session, b.alice, 10n);
  await subscribePhysical(b, session, b.bob, 10n);
  return { b, session };
}

async function trading() {
  const f = await fixture();
  await f.b.networkHelpers.time.increaseTo(f.b.now + DAY);
  return f;
}

const ONE0 = physicalUnit(0); // leg 0: 18 decimals
const ONE1 = physicalUnit(1); // leg 1: 6 decimals

async function sumAllocations(b: Base, session: Awaited<ReturnType<typeof createPhysical>>, k: number) {
  let s = 0n;
  for (const who of [b.alice, b.bob, b.carol, b.feeTo]) s += (await session.allocationOf(who.address))[k];
  return s;
}

describe("PhysicalSession", () => {
  describe("subscription", () => {
    it("subscribe_pullsBasketAndCreditsAllocationAndBaseline", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(subscribePhysical(b, session, b.carol, 3n)).to.emit(session, "Subscribed");
      const x = await session.allocationOf(b.carol.address);
      const base = await session.baselineOf(b.carol.address);
      for (let k = 0; k < 5; k++) {
        expect(x[k]).to.equal(3n * physicalUnit(k));
        expect(base[k]).to.equal(x[k]);
        expect(await b.tokens[k].balanceOf(await session.getAddress())).to.equal(23n * physicalUnit(k));
      }
      expect(await session.totalShares()).to.equal(23n);
    });

    it("redeem_returnsBasketBeforeT1", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(session.connect(b.alice).redeem(4n)).to.emit(session, "Redeemed");
      expect((await session.allocationOf(b.alice.address))[1]).to.equal(6n * ONE1);
      expect(await b.tokens[1].balanceOf(b.alice.address)).to.equal(4n * ONE1);
      expect(await session.totalShares()).to.equal(16n);
    });

    it("reverts_redeemMoreThanHeld", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(session.connect(b.alice).redeem(11n))
        .to.be.revertedWithCustomError(session, "InsufficientShares")
        .withArgs(b.alice.address, 10n, 11n);
    });

    it("reverts_zeroShares", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(session.connect(b.alice).subscribe(0n, [])).to.be.revertedWithCustomError(session, "ZeroShares");
      await expect(session.connect(b.alice).redeem(0n)).to.be.revertedWithCustomError(session, "ZeroShares");
    });

    it("reverts_subscribeAndRedeemAtOrAfterT1", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      await expect(subscribePhysical(b, session, b.carol, 1n)).to.be.revertedWithCustomError(
        session,
        "SubscriptionClosed",
      );
      await expect(session.connect(b.alice).redeem(1n)).to.be.revertedWithCustomError(session, "SubscriptionClosed");
    });

    it("reverts_subscribeWhilePaused_butRedeemWorks", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await session.connect(b.guardian).pause();
      await expect(subscribePhysical(b, session, b.carol, 1n)).to.be.revertedWithCustomError(session, "EnforcedPause");
      await expect(session.connect(b.alice).redeem(1n)).to.emit(session, "Redeemed");
    });

    it("reverts_pauseByNonGuardian", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(session.connect(b.alice).pause()).to.be.revertedWithCustomError(
        session,
        "AccessControlUnauthorizedAccount",
      );
      await expect(session.connect(b.alice).unpause()).to.be.revertedWithCustomError(
        session,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("reverts_initializeTwice_andImplementationUnusable", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      await expect(session.initialize(b.alice.address, b.alice.address)).to.be.revertedWithCustomError(
        session,
        "InvalidInitialization",
      );
      await expect(b.physicalImpl.subscribe(1n, [])).to.be.revertedWithCustomError(b.physicalImpl, "NotASession");
    });
  });

  describe("fills", () => {
    it("fill_fullOrderMovesAllocationsAndChargesFees", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      // Alice gives 2 of leg 0 for 3 of leg 1.
      const order = await makeOrder(b, b.alice.address, [0, 1], [-2n * ONE0, 3n * ONE1]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.emit(session, "Traded");
      const xa = await session.allocationOf(b.alice.address);
      const xb = await session.allocationOf(b.bob.address);
      const xf = await session.allocationOf(b.feeTo.address);
      const makerFee = (3n * ONE1 * 5n) / 10_000n;
      const takerFee = (2n * ONE0 * 10n) / 10_000n;
      expect(xa[0]).to.equal(8n * ONE0);
      expect(xa[1]).to.equal(13n * ONE1 - makerFee);
      expect(xb[0]).to.equal(12n * ONE0 - takerFee);
      expect(xb[1]).to.equal(7n * ONE1);
      expect(xf[0]).to.equal(takerFee);
      expect(xf[1]).to.equal(makerFee);
      for (const k of [0, 1]) expect(await sumAllocations(b, session, k)).to.equal(20n * physicalUnit(k));
      expect(await session.filledOf(order.maker, order.salt)).to.equal(WAD);
    });

    it("fill_acrossThreeAllocationWords_movesEveryLegAndItsFee", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      // Legs 1, 2 and 4 lie in words 0, 1 and 2 (two legs a word): Alice gives 2 of leg 1 and 1 of leg 4 for 3 of
      // leg 2. Each word of each party is moved on its own; the fee recipient is paid in the leg its payer receives.
      const u = [1, 2, 4].map(physicalUnit);
      const order = await makeOrder(b, b.alice.address, [1, 2, 4], [-2n * u[0], 3n * u[1], -u[2]]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD))
        .to.emit(session, "Traded")
        .withArgs(
          await session.hashOrder(order),
          b.alice.address,
          b.bob.address,
          WAD,
          order.legs,
          [-2n * u[0], 3n * u[1] - (3n * u[1] * 5n) / 10_000n, -u[2]],
          [2n * u[0] - (2n * u[0] * 10n) / 10_000n, -3n * u[1], u[2] - (u[2] * 10n) / 10_000n],
          0n,
          0n,
        );
      const xa = await session.allocationOf(b.alice.address);
      const xb = await session.allocationOf(b.bob.address);
      const xf = await session.allocationOf(b.feeTo.address);
      expect([xa[1], xa[2], xa[4]]).to.deep.equal([8n * u[0], 13n * u[1] - (3n * u[1] * 5n) / 10_000n, 9n * u[2]]);
      expect([xb[1], xb[2], xb[4]]).to.deep.equal([
        12n * u[0] - (2n * u[0] * 10n) / 10_000n,
        7n * u[1],
        11n * u[2] - (u[2] * 10n) / 10_000n,
      ]);
      expect([xf[1], xf[2], xf[4]]).to.deep.equal([
        (2n * u[0] * 10n) / 10_000n,
        (3n * u[1] * 5n) / 10_000n,
        (u[2] * 10n) / 10_000n,
      ]);
      // Legs 0 and 3 share words with moved legs and stay as they were.
      expect([xa[0], xa[3], xb[0], xb[3], xf[0], xf[3]]).to.deep.equal([
        10n * physicalUnit(0),
        10n * physicalUnit(3),
        10n * physicalUnit(0),
        10n * physicalUnit(3),
        0n,
        0n,
      ]);
      for (const k of [0, 1, 2, 3, 4]) expect(await sumAllocations(b, session, k)).to.equal(20n * physicalUnit(k));
    });

    it("fill_partialFillsSumToExactlyOneFullFill", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-7n, 3n], { maxFeeBps: 50n });
      const sig = await sign(b, session, b.alice, order);
      const before = await session.allocationOf(b.alice.address);
      const fractions = [WAD / 3n, WAD / 7n, WAD / 5n, WAD];
      let cum = 0n;
      for (const f of fractions) {
        cum = cum + f > WAD ? WAD : cum + f;
        const tx = session.connect(b.bob).fill(order, sig, f);
        await expect(tx).to.emit(session, "Traded");
        // maker gross change matches the SDK mirror of amountAt
        const now = await session.allocationOf(b.alice.address);
        expect(now[0] - before[0]).to.equal(amountAt(-7n, cum));
      }
      const after = await session.allocationOf(b.alice.address);
      expect(after[0] - before[0]).to.equal(-7n);
      expect(after[1] - before[1]).to.equal(3n); // fee rounds to zero on 3 units at 5 bps
      await expect(session.connect(b.bob).fill(order, sig, 1n)).to.be.revertedWithCustomError(
        session,
        "OrderFullyFilled",
      );
    });

    it("reverts_selfFill", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.alice).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "SelfFill");
    });

    it("reverts_expiredAtExactTimestamp", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const t = BigInt(await b.networkHelpers.time.latest()) + 10n;
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { expiry: t });
      const sig = await sign(b, session, b.alice, order);
      await b.networkHelpers.time.setNextBlockTimestamp(t);
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "OrderExpired");
    });

    it("reverts_privateTakerOther", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { taker: b.carol.address });
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError(session, "NotPrivateTaker")
        .withArgs(b.bob.address, b.carol.address);
    });

    it("reverts_wrongSigner", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.carol, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "BadSignature");
    });

    it("reverts_signatureForOtherSession", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const other = await createPhysical(b, {
        t1: b.now + 2n * DAY,
        t2: b.now + 3n * DAY,
        fallbackDeadline: b.now + 4n * DAY,
      });
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, other, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "BadSignature");
    });

    it("reverts_feeAboveSigned", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { maxFeeBps: 4n });
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError(session, "FeeAboveSigned")
        .withArgs(5n, 4n);
    });

    it("reverts_insufficientAllocation", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-11n * ONE0, 1n]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError(session, "InsufficientAllocation")
        .withArgs(b.alice.address, 0n, 10n * ONE0, 11n * ONE0);
    });

    it("reverts_badOrderShape", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const o1 = await makeOrder(b, b.alice.address, [0, 7], [-1n, 1n]);
      await expect(
        session.connect(b.bob).fill(o1, await sign(b, session, b.alice, o1), WAD),
      ).to.be.revertedWithCustomError(session, "BadOrderLegs");
      const o2 = await makeOrder(b, b.alice.address, [0, 1], [-1n]);
      await expect(
        session.connect(b.bob).fill(o2, await sign(b, session, b.alice, o2), WAD),
      ).to.be.revertedWithCustomError(session, "BadOrderAmounts");
      const o3 = await makeOrder(b, b.alice.address, [0, 1], [0n, 1n]);
      await expect(
        session.connect(b.bob).fill(o3, await sign(b, session, b.alice, o3), WAD),
      ).to.be.revertedWithCustomError(session, "BadOrderAmounts");
      await expect(session.connect(b.bob).fill(o3, "0x", 0n)).to.be.revertedWithCustomError(session, "ZeroFill");
    });

    it("reverts_feeRecipientTrading", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.feeTo).fill(order, sig, WAD)).to.be.revertedWithCustomError(
        session,
        "FeeRecipientCannotTrade",
      );
    });

    it("reverts_tradingBeforeT1_afterT2_andWhilePaused", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(fixture);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(
        session,
        "TradingClosed",
      );
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      await session.connect(b.guardian).pause();
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(
        session,
        "EnforcedPause",
      );
      // cancel and nonce bump still work while paused
      await expect(session.connect(b.alice).cancel(order)).to.emit(session, "OrderCancelled");
      await expect(session.connect(b.alice).raiseNonceFloor(5n)).to.emit(session, "NonceFloorRaised");
      await session.connect(b.guardian).unpause();
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      const o2 = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { nonce: 5n });
      await expect(
        session.connect(b.bob).fill(o2, await sign(b, session, b.alice, o2), WAD),
      ).to.be.revertedWithCustomError(session, "TradingClosed");
    });

    it("cancel_onlyMaker_thenFillReverts", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.alice, order);
      await expect(session.connect(b.bob).cancel(order)).to.be.revertedWithCustomError(session, "NotMaker");
      await session.connect(b.alice).cancel(order);
      await expect(session.connect(b.alice).cancel(order)).to.be.revertedWithCustomError(session, "OrderIsCancelled");
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(
        session,
        "OrderIsCancelled",
      );
    });

    it("cancelAll_nonceFloorKillsOlderOrders", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const old = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { nonce: 3n });
      const fresh = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n], { nonce: 4n });
      await session.connect(b.alice).raiseNonceFloor(4n);
      await expect(
        session.connect(b.bob).fill(old, await sign(b, session, b.alice, old), WAD),
      ).to.be.revertedWithCustomError(session, "NonceBelowFloor");
      await expect(session.connect(b.bob).fill(fresh, await sign(b, session, b.alice, fresh), WAD)).to.emit(
        session,
        "Traded",
      );
      await expect(session.connect(b.alice).raiseNonceFloor(4n)).to.be.revertedWithCustomError(
        session,
        "NonceFloorNotRaised",
      );
    });
  });

  describe("match", () => {
    async function pair(b: Base, session: Awaited<ReturnType<typeof createPhysical>>, bGive: bigint, bGet: bigint) {
      // A gives 4 of leg 0 for 6 of leg 1 (rate 1.5); B gives bGive of leg 1 for bGet of leg 0.
      const a = await makeOrder(b, b.alice.address, [0, 1], [-4n * ONE0, 6n * ONE1]);
      const bo = await makeOrder(b, b.bob.address, [0, 1], [bGet, -bGive]);
      return { a, bo, sigA: await sign(b, session, b.alice, a), sigB: await sign(b, session, b.bob, bo) };
    }

    it("match_executesAtFirstOrdersRate", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      // B would pay up to 8 of leg 1 for 4 of leg 0 (rate 2): crosses; executes at A's 1.5.
      const { a, bo, sigA, sigB } = await pair(b, session, 8n * ONE1, 4n * ONE0);
      await expect(session.connect(b.carol).matchOrders(a, sigA, bo, sigB, WAD / 2n)).to.emit(session, "Matched");
      const xa = await session.allocationOf(b.alice.address);
      const xb = await session.allocationOf(b.bob.address);
      expect(xa[0]).to.equal(8n * ONE0);
      expect(xa[1]).to.equal(13n * ONE1 - (3n * ONE1 * 5n) / 10_000n);
      expect(xb[1]).to.equal(7n * ONE1);
      expect(xb[0]).to.equal(12n * ONE0 - (2n * ONE0 * 10n) / 10_000n);
      // B paid 3 of its 8: fraction 3/8 consumed
      expect(await session.filledOf(bo.maker, bo.salt)).to.equal((3n * WAD) / 8n);
      for (const k of [0, 1]) expect(await sumAllocations(b, session, k)).to.equal(20n * physicalUnit(k));
    });

    it("reverts_matchNonCrossing", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const { a, bo, sigA, sigB } = await pair(b, session, 5n * ONE1, 4n * ONE0); // B pays at most 1.25
      await expect(session.matchOrders(a, sigA, bo, sigB, WAD)).to.be.revertedWithCustomError(
        session,
        "OrdersDoNotCross",
      );
    });

    it("reverts_matchSelf_notPairwise_exceeds", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const a = await makeOrder(b, b.alice.address, [0, 1], [-4n * ONE0, 6n * ONE1]);
      const a2 = await makeOrder(b, b.alice.address, [0, 1], [4n * ONE0, -6n * ONE1]);
      const sigA = await sign(b, session, b.alice, a);
      await expect(
        session.matchOrders(a, sigA, a2, await sign(b, session, b.alice, a2), WAD),
      ).to.be.revertedWithCustomError(session, "SelfMatch");
      const same = await makeOrder(b, b.bob.address, [0, 1], [-4n * ONE0, 6n * ONE1]);
      await expect(
        session.matchOrders(a, sigA, same, await sign(b, session, b.bob, same), WAD),
      ).to.be.revertedWithCustomError(session, "NotPairwise");
      const small = await makeOrder(b, b.bob.address, [0, 1], [1n * ONE0, -2n * ONE1]);
      await expect(
        session.matchOrders(a, sigA, small, await sign(b, session, b.bob, small), WAD),
      ).to.be.revertedWithCustomError(session, "MatchExceedsOrder");
    });
  });

  describe("settlement and claims", () => {
    it("reverts_settleTooEarly_twice_andAfterDeadline", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      await expect(session.settle([[], [], [], [], []])).to.be.revertedWithCustomError(session, "SettlementTooEarly");
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      await expect(settleWithPrices(b, session, [1e8, 2e8, 3e8, 4e8, 5e8])).to.emit(session, "SessionSettled");
      await expect(session.settle([[], [], [], [], []])).to.be.revertedWithCustomError(session, "AlreadyFinal");
      await expect(session.releaseFallback()).to.be.revertedWithCustomError(session, "AlreadyFinal");
    });

    it("reverts_settleWithWrongHintCount", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      await expect(session.settle([[]]))
        .to.be.revertedWithCustomError(session, "HintsLength")
        .withArgs(5n, 1n);
    });

    it("claimInKind_deliversAllocationsAndSumsToPool", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-2n * ONE0, 3n * ONE1]);
      await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD);
      await expect(session.connect(b.alice).claim(b.alice.address)).to.be.revertedWithCustomError(session, "NotFinal");
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      await settleWithPrices(b, session, [1e8, 2e8, 3e8, 4e8, 5e8]);
      await session.connect(b.guardian).pause(); // claims work while paused
      const xa = await session.allocationOf(b.alice.address);
      await expect(session.connect(b.alice).claim(b.alice.address)).to.emit(session, "Claimed");
      expect(await b.tokens[1].balanceOf(b.alice.address)).to.equal(xa[1]);
      await expect(session.connect(b.alice).claim(b.alice.address)).to.be.revertedWithCustomError(
        session,
        "AlreadyClaimed",
      );
      await session.connect(b.bob).claim(b.bob.address);
      await session.connect(b.feeTo).claim(b.feeTo.address);
      for (let k = 0; k < 5; k++) {
        expect(await b.tokens[k].balanceOf(await session.getAddress())).to.equal(0n);
        expect(await session.paid(k)).to.equal(20n * physicalUnit(k));
      }
      await expect(session.connect(b.carol).claim(b.carol.address)).to.be.revertedWithCustomError(
        session,
        "NothingToClaim",
      );
    });

    it("fallbackRelease_afterDeadlineDeliversInKind", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      await expect(session.releaseFallback()).to.be.revertedWithCustomError(session, "FallbackNotYet");
      await b.networkHelpers.time.increaseTo(b.now + 3n * DAY + 1n);
      await session.connect(b.guardian).pause();
      await expect(session.settle([[], [], [], [], []])).to.be.revertedWithCustomError(
        session,
        "SettlementWindowClosed",
      );
      const [needed, data] = await session.checkUpkeep("0x");
      expect(needed).to.equal(true);
      await expect(session.performUpkeep(data)).to.emit(session, "FallbackReleased");
      await session.connect(b.alice).claim(b.alice.address);
      expect(await b.tokens[2].balanceOf(b.alice.address)).to.equal(10n * physicalUnit(2));
    });

    it("valueWeighted_claimsShareOfEveryLegAndDustIsSweepableOnlyLater", async () => {
      const b = await deployBase(conn);
      const session = await createPhysical(b, { mode: SettlementMode.ValueWeighted });
      await subscribePhysical(b, session, b.alice, 3n);
      await subscribePhysical(b, session, b.bob, 4n);
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n * ONE0, 3n * ONE1]);
      await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD);
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      await settleWithPrices(b, session, [3e8, 1e8, 7e8, 11e8, 13e8]);
      expect(await session.basketValueE36()).to.be.greaterThan(0n);
      await expect(session.sweepDust()).to.be.revertedWithCustomError(session, "SweepTooEarly");
      for (const who of [b.alice, b.bob, b.feeTo]) await session.connect(who).claim(who.address);
      await b.networkHelpers.time.increaseTo(b.now + 10n * DAY + 1n);
      await session.sweepDust();
      for (let k = 0; k < 5; k++) {
        // every unit is accounted: paid + swept == basket, and the pool is empty
        expect((await session.paid(k)) + (await session.swept(k))).to.equal(7n * physicalUnit(k));
        expect(await b.tokens[k].balanceOf(await session.getAddress())).to.equal(0n);
      }
    });

    it("lens_pnlSumsToZeroAndRelativePrices", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(trading);
      const order = await makeOrder(b, b.alice.address, [0, 1], [-2n * ONE0, 3n * ONE1]);
      await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD);
      let sum = 0n;
      for (const who of [b.alice, b.bob, b.feeTo]) sum += await b.lens.pnlE36(await session.getAddress(), who.address);
      expect(sum).to.equal(0n);
      const rel = await b.lens.relativePrices(await session.getAddress(), 0);
      expect(rel[0]).to.equal(WAD);
      expect(rel[1]).to.equal((110n * WAD) / 100n);
      const mtm = await b.lens.markToMarketE36(await session.getAddress(), b.alice.address);
      expect(mtm).to.be.greaterThan(0n);
    });
  });
});
