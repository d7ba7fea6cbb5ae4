import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { network } from "hardhat";

import { lpOrder, signExactIn, signExactOut, swapOrder, type OrderTerms } from "../../sdk/sessions/amm.js";
import { sessionDomain, signSessionOrder, type SessionOrder } from "../../sdk/sessions/orders.js";
import { OracleFixing__factory, type PhysicalSession, type SessionAmm } from "../../types/ethers-contracts/index.js";
import {
  DAY,
  WAD,
  createCash,
  createPhysical,
  deployBase,
  physicalUnit,
  poolTraded,
  settleWithPrices,
  subscribePhysical,
  type Base,
} from "./fixtures.js";

const conn = await network.create();

/** Weights of the AMM over the 5 legs: leg 4 is not traded. Prices are set proportional to them. */
const WEIGHTS = [4n * 10n ** 17n, 3n * 10n ** 17n, 2n * 10n ** 17n, 1n * 10n ** 17n, 0n];
const PRICES8 = [400_00000000n, 300_00000000n, 200_00000000n, 100_00000000n, 100_00000000n];
const SWAP_FEE = 30n;
const BAND = 200n;
const U = [0, 1, 2, 3, 4].map(physicalUnit);

async function fixture() {
  const b = await deployBase(conn);
  for (let k = 0; k < 5; k++) await b.feeds[k].updateAnswer(PRICES8[k]);
  const session = await createPhysical(b);
  const lp = b.carol;
  const amm = (await b.ethers.deployContract("SessionAmm", [
    await session.getAddress(),
    lp.address,
    WEIGHTS,
    SWAP_FEE,
    BAND,
  ])) as unknown as SessionAmm;
  await subscribePhysical(b, session, b.alice, 10n);
  await subscribePhysical(b, session, b.bob, 10n);
  // The LP seeds 100 shares through the AMM's own subscription.
  for (let k = 0; k < 5; k++) {
    await b.tokens[k].mint(lp.address, 100n * U[k]);
    await b.tokens[k].connect(lp).approve(await amm.getAddress(), 100n * U[k]);
  }
  await amm.connect(lp).subscribe(100n, []);
  return { b, session, amm, lp };
}

async function trading() {
  const f = await fixture();
  await f.b.networkHelpers.time.increaseTo(f.b.now + DAY);
  return f;
}

let salt = 1n;
function terms(b: Base, over: Partial<OrderTerms> = {}): OrderTerms {
  return { maxFeeBps: 50n, expiry: b.now + 30n * DAY, nonce: 0n, salt: salt++, ...over };
}

async function signOrder(b: Base, session: PhysicalSession, who: Base["alice"], o: SessionOrder) {
  return signSessionOrder(who, o, sessionDomain(await session.getAddress(), b.chainId));
}

/** `Traded` of `trader`'s signed swap `s` filled whole by the AMM (see {poolTraded}). */
async function signedSwapTraded(
  session: PhysicalSession,
  amm: SessionAmm,
  trader: string,
  s: { order: SessionOrder },
  legs: bigint,
  traderDeltas: bigint[],
  ammDeltas: bigint[],
) {
  const digest = await session.hashOrder(s.order);
  return poolTraded(digest, trader, await amm.getAddress(), legs, traderDeltas, ammDeltas);
}

async function expectReservesMatchAllocation(session: PhysicalSession, amm: SessionAmm) {
  const [r] = await amm.reserves();
  const x = await session.allocationOf(await amm.getAddress());
  expect(r.map((v) => v)).to.deep.equal(x.map((v) => v));
}

async function expectConservation(b: Base, session: PhysicalSession, amm: SessionAmm) {
  const accounts = [b.alice.address, b.bob.address, b.carol.address, b.feeTo.address, await amm.getAddress()];
  const total = await session.totalShares();
  for (let k = 0; k < 5; k++) {
    let s = 0n;
    for (const a of accounts) s += (await session.allocationOf(a))[k];
    expect(s).to.equal(total * U[k]);
  }
}

describe("SessionAmm", () => {
  describe("creation", () => {
    it("reverts_whenWeightsDoNotSumToOne", async () => {
      const { b, session, lp } = await conn.networkHelpers.loadFixture(fixture);
      const w = [...WEIGHTS];
      w[4] = 10n ** 16n;
      await expect(
        b.ethers.deployContract("SessionAmm", [await session.getAddress(), lp.address, w, SWAP_FEE, BAND]),
      ).to.be.rejectedWith("BadWeights");
    });

    it("reverts_whenAWeightIsBelowOnePercent", async () => {
      const { b, session, lp } = await conn.networkHelpers.loadFixture(fixture);
      const w = [4n * 10n ** 17n, 3n * 10n ** 17n, 2n * 10n ** 17n, 10n ** 17n - 1n, 1n];
      await expect(
        b.ethers.deployContract("SessionAmm", [await session.getAddress(), lp.address, w, SWAP_FEE, BAND]),
      ).to.be.rejectedWith("BadWeights");
    });

    it("reverts_whenWeightCountDiffersFromLegs", async () => {
      const { b, session, lp } = await conn.networkHelpers.loadFixture(fixture);
      await expect(
        b.ethers.deployContract("SessionAmm", [
          await session.getAddress(),
          lp.address,
          [WAD / 2n, WAD / 2n],
          SWAP_FEE,
          BAND,
        ]),
      ).to.be.rejectedWith("BadWeights");
    });

    it("reverts_whenSwapFeeOrBandOutOfRange", async () => {
      const { b, session, lp } = await conn.networkHelpers.loadFixture(fixture);
      const s = await session.getAddress();
      await expect(b.ethers.deployContract("SessionAmm", [s, lp.address, WEIGHTS, 501n, BAND])).to.be.rejectedWith(
        "BadParameter",
      );
      await expect(b.ethers.deployContract("SessionAmm", [s, lp.address, WEIGHTS, SWAP_FEE, 0n])).to.be.rejectedWith(
        "BadParameter",
      );
      await expect(b.ethers.deployContract("SessionAmm", [s, lp.address, WEIGHTS, SWAP_FEE, 5001n])).to.be.rejectedWith(
        "BadParameter",
      );
    });

    it("reverts_whenSessionIsCash", async () => {
      const { b, lp } = await conn.networkHelpers.loadFixture(fixture);
      const cash = await createCash(b);
      await expect(
        b.ethers.deployContract("SessionAmm", [await cash.getAddress(), lp.address, WEIGHTS, SWAP_FEE, BAND]),
      ).to.be.rejectedWith("UnsupportedSessionKind");
    });
  });

  describe("seeding", () => {
    it("subscribe_seedsReservesEqualToTheAmmAllocation", async () => {
      const { session, amm } = await conn.networkHelpers.loadFixture(fixture);
      const [r, w] = await amm.reserves();
      for (let k = 0; k < 5; k++) {
        expect(r[k]).to.equal(100n * U[k]);
        expect(w[k]).to.equal(WEIGHTS[k]);
      }
      expect(await amm.totalShares()).to.equal(WAD);
      await expectReservesMatchAllocation(session, amm);
    });

    it("subscribe_reverts_whenNotLp", async () => {
      const { b, amm } = await conn.networkHelpers.loadFixture(fixture);
      await expect(amm.connect(b.alice).subscribe(1n, []))
        .to.be.revertedWithCustomError(amm, "NotLp")
        .withArgs(b.alice.address);
    });

    it("subscribe_reverts_whenZeroShares", async () => {
      const { amm, lp } = await conn.networkHelpers.loadFixture(fixture);
      await expect(amm.connect(lp).subscribe(0n, [])).to.be.revertedWithCustomError(amm, "ZeroAmount");
    });

    it("quote_reverts_whenReservesEmpty", async () => {
      const { b, session, lp } = await conn.networkHelpers.loadFixture(fixture);
      const empty = (await b.ethers.deployContract("SessionAmm", [
        await session.getAddress(),
        lp.address,
        WEIGHTS,
        SWAP_FEE,
        BAND,
      ])) as unknown as SessionAmm;
      await expect(empty.quoteExactIn(0, 1, 10n))
        .to.be.revertedWithCustomError(empty, "EmptyReserve")
        .withArgs(0n);
    });
  });

  describe("swaps", () => {
    it("swapExactIn_atTheQuote_movesAllocationsAsQuoted", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const amountIn = U[0] / 10n;
      const q = await amm.quoteExactIn(0, 1, amountIn);
      expect(q.withinBand).to.equal(true);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, amountIn, terms(b));
      const before = await session.allocationOf(b.alice.address);
      // No event of the AMM's own: the session's Traded carries the AMM's reserve changes as taker deltas.
      await expect(amm.connect(b.bob).swapExactIn(s.order, s.signature))
        .to.emit(session, "Traded")
        .withArgs(
          ...(await signedSwapTraded(
            session,
            amm,
            b.alice.address,
            s,
            3n,
            [-amountIn, q.traderReceives],
            [q.netIn, -q.amountOut],
          )),
        );
      const after = await session.allocationOf(b.alice.address);
      expect(after[0]).to.equal(before[0] - amountIn);
      expect(after[1]).to.equal(before[1] + q.traderReceives);
      const [r] = await amm.reserves();
      expect(r[0]).to.equal(100n * U[0] + q.netIn);
      expect(r[1]).to.equal(100n * U[1] - q.amountOut);
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, amm);
    });

    it("swapExactOut_atTheQuote_movesAllocationsAsQuoted", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const amountOut = U[2] / 20n;
      const q = await amm.quoteExactOut(1, 2, amountOut);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactOut(amm, b.alice, domain, 1, 2, amountOut, terms(b));
      expect(s.amountIn).to.equal(q.amountIn);
      await expect(amm.swapExactOut(s.order, s.signature))
        .to.emit(session, "Traded")
        .withArgs(
          ...(await signedSwapTraded(
            session,
            amm,
            b.alice.address,
            s,
            6n,
            [-q.amountIn, q.traderReceives],
            [q.netIn, -amountOut],
          )),
        );
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, amm);
    });

    it("swap_raisesTheInvariantPerShare", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const v0 = await amm.lnInvariant();
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 3, 0, U[3], terms(b));
      await amm.swapExactIn(s.order, s.signature);
      expect(await amm.lnInvariant()).to.be.greaterThan(v0);
    });

    it("swapExactIn_reverts_whenAskingOneUnitAboveTheQuote", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const amountIn = U[0] / 10n;
      const q = await amm.quoteExactIn(0, 1, amountIn);
      const o = swapOrder({
        trader: b.alice.address,
        amm: await amm.getAddress(),
        legIn: 0,
        legOut: 1,
        amountIn,
        amountOut: q.amountOut + 1n,
        ...terms(b),
      });
      await expect(amm.swapExactIn(o, await signOrder(b, session, b.alice, o)))
        .to.be.revertedWithCustomError(amm, "OutExceedsQuote")
        .withArgs(1n, q.amountOut, q.amountOut + 1n);
    });

    it("swapExactOut_reverts_whenPayingOneUnitBelowTheQuote", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const amountOut = U[2] / 20n;
      const q = await amm.quoteExactOut(1, 2, amountOut);
      const o = swapOrder({
        trader: b.alice.address,
        amm: await amm.getAddress(),
        legIn: 1,
        legOut: 2,
        amountIn: q.amountIn - 1n,
        amountOut,
        ...terms(b),
      });
      await expect(amm.swapExactOut(o, await signOrder(b, session, b.alice, o))).to.be.revertedWithCustomError(
        amm,
        "InBelowQuote",
      );
    });

    it("swap_reverts_whenPostSwapRateLeavesTheOracleBand", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      // 5 tokens of leg 0 (5% of the reserve) push its pool price ~11% below the oracle.
      const q = await amm.quoteExactIn(0, 1, 5n * U[0]);
      expect(q.withinBand).to.equal(false);
      const o = swapOrder({
        trader: b.alice.address,
        amm: await amm.getAddress(),
        legIn: 0,
        legOut: 1,
        amountIn: 5n * U[0],
        amountOut: q.amountOut,
        ...terms(b),
      });
      await expect(amm.swapExactIn(o, await signOrder(b, session, b.alice, o))).to.be.revertedWithCustomError(
        amm,
        "OracleBandExceeded",
      );
    });

    it("swap_passes_whenItMovesAnOffBandPoolBackTowardsTheOracle", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      // The oracle halves leg 1: the pool now over-prices leg 1 by 100%; selling leg 1 is the arbitrage.
      await b.feeds[1].updateAnswer(PRICES8[1] / 2n);
      const [ok] = await amm.bandCheck(1, 0, 100n * U[1], 100n * U[0]);
      expect(ok).to.equal(true);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 1, 0, U[1], terms(b));
      await expect(amm.swapExactIn(s.order, s.signature)).to.emit(session, "Traded");
      // ...while buying leg 1 (selling leg 0) now fails the band even for a tiny amount.
      const q = await amm.quoteExactIn(0, 1, U[0] / 1000n);
      expect(q.withinBand).to.equal(false);
    });

    it("swap_reverts_whenOracleIsStale", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b, { expiry: b.now + 100n * DAY }));
      // Trading stays open only to t2 (2 days); make the feed stale inside the window by rewinding its round.
      await b.feeds[0].updateRoundData(9n, PRICES8[0], b.now - 40n * DAY, b.now - 40n * DAY);
      await expect(amm.swapExactIn(s.order, s.signature)).to.be.revertedWithCustomError(
        { interface: OracleFixing__factory.createInterface() },
        "StaleRound",
      );
    });

    it("swap_reverts_whenLegUnknown", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const o = swapOrder({
        trader: b.alice.address,
        amm: await amm.getAddress(),
        legIn: 4,
        legOut: 0,
        amountIn: U[4],
        amountOut: 1n,
        ...terms(b),
      });
      await expect(amm.swapExactIn(o, await signOrder(b, session, b.alice, o)))
        .to.be.revertedWithCustomError(amm, "UnknownLeg")
        .withArgs(4n);
      await expect(amm.quoteExactIn(0, 7, 1n))
        .to.be.revertedWithCustomError(amm, "UnknownLeg")
        .withArgs(7n);
      await expect(amm.quoteExactOut(4, 0, 1n))
        .to.be.revertedWithCustomError(amm, "UnknownLeg")
        .withArgs(4n);
    });

    it("quote_reverts_whenSameLeg", async () => {
      const { amm } = await conn.networkHelpers.loadFixture(trading);
      await expect(amm.quoteExactIn(1, 1, 1n))
        .to.be.revertedWithCustomError(amm, "SameLeg")
        .withArgs(1n);
      await expect(amm.quoteExactOut(2, 2, 1n))
        .to.be.revertedWithCustomError(amm, "SameLeg")
        .withArgs(2n);
    });

    it("swap_reverts_whenOrderHasOneLegOrBothGive", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const single: SessionOrder = {
        maker: b.alice.address,
        taker: await amm.getAddress(),
        legs: 1n,
        amounts: [-1n],
        ...terms(b),
      };
      await expect(amm.swapExactIn(single, await signOrder(b, session, b.alice, single)))
        .to.be.revertedWithCustomError(amm, "NotASwap")
        .withArgs(1n);
      const both: SessionOrder = {
        maker: b.alice.address,
        taker: await amm.getAddress(),
        legs: 3n,
        amounts: [-1n, -1n],
        ...terms(b),
      };
      await expect(amm.swapExactIn(both, await signOrder(b, session, b.alice, both)))
        .to.be.revertedWithCustomError(amm, "NotASwap")
        .withArgs(3n);
      const three: SessionOrder = {
        maker: b.alice.address,
        taker: await amm.getAddress(),
        legs: 7n,
        amounts: [-1n, 1n, 1n],
        ...terms(b),
      };
      await expect(amm.swapExactIn(three, await signOrder(b, session, b.alice, three)))
        .to.be.revertedWithCustomError(amm, "NotASwap")
        .withArgs(7n);
    });

    it("swap_reverts_whenAmountZero", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const o: SessionOrder = {
        maker: b.alice.address,
        taker: await amm.getAddress(),
        legs: 3n,
        amounts: [-U[0], 0n],
        ...terms(b),
      };
      await expect(amm.swapExactIn(o, await signOrder(b, session, b.alice, o))).to.be.revertedWithCustomError(
        amm,
        "ZeroAmount",
      );
      await expect(amm.quoteExactIn(0, 1, 0n)).to.be.revertedWithCustomError(amm, "ZeroAmount");
      await expect(amm.quoteExactOut(0, 1, 0n)).to.be.revertedWithCustomError(amm, "ZeroAmount");
    });

    it("swap_reverts_whenOrderNotPrivateToTheAmm", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const o = swapOrder({
        trader: b.alice.address,
        amm: ZeroAddress,
        legIn: 0,
        legOut: 1,
        amountIn: U[0] / 100n,
        amountOut: 1n,
        ...terms(b),
      });
      await expect(amm.swapExactIn(o, await signOrder(b, session, b.alice, o)))
        .to.be.revertedWithCustomError(amm, "NotAddressedToAmm")
        .withArgs(ZeroAddress);
    });

    it("swap_reverts_whenSessionPaused", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b));
      await session.connect(b.guardian).pause();
      await expect(amm.swapExactIn(s.order, s.signature)).to.be.revertedWithCustomError(session, "EnforcedPause");
      await session.connect(b.guardian).unpause();
      await expect(amm.swapExactIn(s.order, s.signature)).to.emit(session, "Traded");
    });

    it("swap_reverts_whenReplayed", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b), 100n);
      await amm.swapExactIn(s.order, s.signature);
      await expect(amm.swapExactIn(s.order, s.signature)).to.be.revertedWithCustomError(session, "OrderFullyFilled");
    });

    it("quote_reverts_whenTooLargeForTheCurve", async () => {
      const { amm } = await conn.networkHelpers.loadFixture(trading);
      await expect(amm.quoteExactOut(0, 1, 51n * U[1])).to.be.revertedWithCustomError(amm, "AmountOutTooLarge");
      await expect(amm.quoteExactIn(0, 1, 60n * U[0])).to.be.revertedWithCustomError(amm, "AmountInTooLarge");
    });

    it("directFill_byAnotherTaker_isImpossible", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b));
      await expect(session.connect(b.bob).fill(s.order, s.signature, WAD / 2n)).to.be.revertedWithCustomError(
        session,
        "NotPrivateTaker",
      );
    });

    it("ammAsMaker_cannotBeFilledByAnyone", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const o: SessionOrder = {
        maker: await amm.getAddress(),
        taker: ZeroAddress,
        legs: 3n,
        amounts: [-U[0], 1n],
        ...terms(b),
      };
      await expect(session.connect(b.bob).fill(o, "0x", WAD)).to.be.revertedWithCustomError(session, "BadSignature");
    });
  });

  describe("liquidity", () => {
    it("add_byLpOrder_mintsSharesProRataAndCreditsNetOfTakerFee", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      // The LP first holds allocation of its own: buy it from Bob.
      await giveAllocation(b, session, lp);
      const amounts = U.map((u) => 2n * u);
      amounts[4] = 0n;
      const o = lpOrder(lp.address, await amm.getAddress(), amounts, "add", terms(b));
      const [r0] = await amm.reserves();
      await expect(amm.connect(lp).add(o, await signOrder(b, session, lp, o))).to.emit(amm, "Added");
      const [r1] = await amm.reserves();
      for (let k = 0; k < 4; k++) expect(r1[k] - r0[k]).to.equal(amounts[k] - (amounts[k] * 10n) / 10_000n);
      // 2% added, minus the 10 bps taker fee: 1.998% of the shares.
      expect(await amm.totalShares()).to.equal(WAD + (WAD * 1998n) / 100_000n);
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, amm);
    });

    it("add_reverts_whenNotLpOrOrderGivesNothingWeighted", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      const o = lpOrder(b.alice.address, await amm.getAddress(), [U[0]], "add", terms(b));
      await expect(amm.connect(b.alice).add(o, await signOrder(b, session, b.alice, o))).to.be.revertedWithCustomError(
        amm,
        "NotLp",
      );
      await expect(amm.connect(lp).add(o, await signOrder(b, session, b.alice, o)))
        .to.be.revertedWithCustomError(amm, "BadLpOrder")
        .withArgs(0n);
      await giveAllocation(b, session, lp);
      const onlyIdle = lpOrder(lp.address, await amm.getAddress(), [0n, 0n, 0n, 0n, U[4]], "add", terms(b));
      await expect(
        amm.connect(lp).add(onlyIdle, await signOrder(b, session, lp, onlyIdle)),
      ).to.be.revertedWithCustomError(amm, "AddMintsNothing");
      const receives = lpOrder(lp.address, await amm.getAddress(), [U[0]], "withdraw", terms(b));
      await expect(amm.connect(lp).add(receives, await signOrder(b, session, lp, receives)))
        .to.be.revertedWithCustomError(amm, "BadLpOrder")
        .withArgs(3n);
    });

    it("withdraw_proRata_keepsInvariantPerShare", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      const shares = WAD / 4n;
      const allowed = await amm.previewWithdraw(shares);
      const o = lpOrder(lp.address, await amm.getAddress(), allowed, "withdraw", terms(b));
      const [r0] = await amm.reserves();
      await expect(amm.connect(lp).withdraw(o, await signOrder(b, session, lp, o), shares)).to.emit(amm, "Withdrew");
      const [r1] = await amm.reserves();
      // Reserves per share never fall: r1 / (S - s) >= r0 / S, exactly.
      for (let k = 0; k < 5; k++) expect(r1[k] * WAD).to.be.greaterThanOrEqual(r0[k] * (WAD - shares));
      const x = await session.allocationOf(lp.address);
      for (let k = 0; k < 5; k++) expect(x[k]).to.equal(allowed[k] - (allowed[k] * 5n) / 10_000n);
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, amm);
    });

    it("withdraw_reverts_whenAboveProRataOrTooManySharesOrZeroOrNotLp", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      const allowed = await amm.previewWithdraw(WAD / 4n);
      const greedy = [...allowed];
      greedy[0] += 1n;
      const o = lpOrder(lp.address, await amm.getAddress(), greedy, "withdraw", terms(b));
      const sig = await signOrder(b, session, lp, o);
      await expect(amm.connect(lp).withdraw(o, sig, WAD / 4n))
        .to.be.revertedWithCustomError(amm, "WithdrawalAboveProRata")
        .withArgs(0n, allowed[0], greedy[0]);
      await expect(amm.connect(lp).withdraw(o, sig, WAD + 1n)).to.be.revertedWithCustomError(amm, "InsufficientShares");
      await expect(amm.connect(lp).withdraw(o, sig, 0n)).to.be.revertedWithCustomError(amm, "ZeroAmount");
      await expect(amm.connect(b.alice).withdraw(o, sig, WAD / 4n)).to.be.revertedWithCustomError(amm, "NotLp");
      const gives = lpOrder(lp.address, await amm.getAddress(), [1n], "add", terms(b));
      await expect(amm.connect(lp).withdraw(gives, await signOrder(b, session, lp, gives), WAD / 4n))
        .to.be.revertedWithCustomError(amm, "BadLpOrder")
        .withArgs(3n);
    });

    it("withdraw_all_emptiesTheReserves", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      const all = await amm.previewWithdraw(WAD);
      const o = lpOrder(lp.address, await amm.getAddress(), all, "withdraw", terms(b));
      await amm.connect(lp).withdraw(o, await signOrder(b, session, lp, o), WAD);
      const [r] = await amm.reserves();
      expect(r.every((v) => v === 0n)).to.equal(true);
      expect(await amm.totalShares()).to.equal(0n);
    });

    it("claim_afterSettlement_paysTheAmmAllocationToTheLp", async () => {
      const { b, session, amm, lp } = await conn.networkHelpers.loadFixture(trading);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 10n, terms(b));
      await amm.swapExactIn(s.order, s.signature);
      await expect(amm.connect(b.alice).claim(b.alice.address)).to.be.revertedWithCustomError(amm, "NotLp");
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY + 10n);
      await settleWithPrices(b, session, PRICES8);
      const [r] = await amm.reserves();
      const bal0 = await b.tokens[1].balanceOf(lp.address);
      await expect(amm.connect(lp).claim(lp.address)).to.emit(amm, "ClaimedForLp");
      expect((await b.tokens[1].balanceOf(lp.address)) - bal0).to.equal(r[1]);
    });
  });

  describe("two-step LP transfer", () => {
    it("transferOwnership_needsAcceptance", async () => {
      const { b, amm, lp } = await conn.networkHelpers.loadFixture(fixture);
      await amm.connect(lp).transferOwnership(b.dave.address);
      expect(await amm.owner()).to.equal(lp.address);
      await amm.connect(b.dave).acceptOwnership();
      expect(await amm.owner()).to.equal(b.dave.address);
    });
  });
});

/** Gives `who` 5 whole units of every leg after t1: Bob signs an order that only gives, `who` takes it. */
async function giveAllocation(b: Base, session: PhysicalSession, who: Base["alice"]) {
  const o: SessionOrder = {
    maker: b.bob.address,
    taker: who.address,
    legs: 31n,
    amounts: U.map((u) => -5n * u),
    maxFeeBps: 50n,
    expiry: b.now + 30n * DAY,
    nonce: 0n,
    salt: salt++,
  };
  await session.connect(who).fill(o, await signOrder(b, session, b.bob, o), WAD);
}
