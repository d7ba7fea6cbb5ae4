/**
 * A trader's own swap with a pool through the session (`PhysicalSession.swapWithPool`): no order, no signature.
 * The session asks the pool (`onSessionSwap`) for the amounts, then moves both allocations with every check of
 * a fill. Covers the quote it pays, the trader's limit, every revert path of the entry, and a hostile pool
 * (answers it cannot pay, amounts off the call, beyond the allocation range, re-entry).
 */
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { network } from "hardhat";

import { rebuildPositions, type StoredEvent } from "../../sdk/data/positions.js";
import { Participation } from "../../sdk/sessions/config.js";
import { poolSwapArgs, quotePoolSwap, signExactIn } from "../../sdk/sessions/amm.js";
import { sessionDomain } from "../../sdk/sessions/orders.js";
import type { MockSessionPool, PhysicalSession, SessionAmm } from "../../types/ethers-contracts/index.js";
import { DAY, createPhysical, deployBase, physicalUnit, poolTraded, subscribePhysical, type Base } from "./fixtures.js";

const conn = await network.create();

const WEIGHTS = [4n * 10n ** 17n, 3n * 10n ** 17n, 2n * 10n ** 17n, 1n * 10n ** 17n, 0n];
const PRICES8 = [400_00000000n, 300_00000000n, 200_00000000n, 100_00000000n, 100_00000000n];
const U = [0, 1, 2, 3, 4].map(physicalUnit);
const MAKER_BPS = 5n;
const MAX_AMOUNT = 2n ** 127n - 1n;

/** Terms of a signed swap order: fee cap 50 bps, 30 days to expiry, nonce 0, the given salt. */
function swapTerms(b: Base, salt: bigint) {
  return { maxFeeBps: 50n, expiry: b.now + 30n * DAY, nonce: 0n, salt };
}

async function setUp(b: Base, session: PhysicalSession) {
  const amm = (await b.ethers.deployContract("SessionAmm", [
    await session.getAddress(),
    b.carol.address,
    WEIGHTS,
    30n,
    200n,
  ])) as unknown as SessionAmm;
  await subscribePhysical(b, session, b.alice, 10n);
  for (let k = 0; k < 5; k++) {
    await b.tokens[k].mint(b.carol.address, 100n * U[k]);
    await b.tokens[k].connect(b.carol).approve(await amm.getAddress(), 100n * U[k]);
  }
  await amm.connect(b.carol).subscribe(100n, []);
  return amm;
}

/** A 5-leg physical session before t1 with an AMM seeded by the LP (carol) and alice subscribed. */
async function beforeTrading() {
  const b = await deployBase(conn);
  for (let k = 0; k < 5; k++) await b.feeds[k].updateAnswer(PRICES8[k]);
  const session = await createPhysical(b);
  const amm = await setUp(b, session);
  return { b, session, amm };
}

async function trading() {
  const f = await beforeTrading();
  await f.b.networkHelpers.time.increaseTo(f.b.now + DAY);
  return f;
}

/** The same session in its trading window with a scriptable pool that holds 1 share's allocation. */
async function withMockPool() {
  const f = await beforeTrading();
  const pool = (await f.b.ethers.deployContract("MockSessionPool")) as unknown as MockSessionPool;
  const addr = await pool.getAddress();
  for (let k = 0; k < 5; k++) await f.b.tokens[k].mint(addr, U[k]);
  await pool.subscribe(await f.session.getAddress(), await Promise.all(f.b.tokens.map((t) => t.getAddress())), U, 1n);
  await f.b.networkHelpers.time.increaseTo(f.b.now + DAY);
  return { ...f, pool };
}

async function expectReservesMatchAllocation(session: PhysicalSession, amm: SessionAmm) {
  const [r] = await amm.reserves();
  expect([...r]).to.deep.equal([...(await session.allocationOf(await amm.getAddress()))]);
}

async function expectConservation(b: Base, session: PhysicalSession, accounts: string[]) {
  const total = await session.totalShares();
  for (let k = 0; k < 5; k++) {
    let s = 0n;
    for (const a of [...accounts, b.feeTo.address]) s += (await session.allocationOf(a))[k];
    expect(s).to.equal(total * U[k]);
  }
}

describe("PhysicalSession.swapWithPool", () => {
  describe("with a SessionAmm", () => {
    it("exactIn_paysTheFullQuote_andTheReservesFollowTheAllocation", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const amountIn = U[0] / 10n;
      const q = await amm.quoteExactIn(0, 1, amountIn);
      const before = await session.allocationOf(b.alice.address);
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 0, 1, amountIn, q.amountOut, false))
        .to.emit(session, "Traded")
        .withArgs(
          ...poolTraded(ZeroHash, b.alice.address, ammAddr, 3n, [-amountIn, q.traderReceives], [q.netIn, -q.amountOut]),
        );
      const x = await session.allocationOf(b.alice.address);
      expect(before[0] - x[0]).to.equal(amountIn);
      expect(x[1] - before[1]).to.equal(q.traderReceives);
      expect(q.traderReceives).to.equal(q.amountOut - (q.amountOut * MAKER_BPS) / 10_000n);
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, [b.alice.address, b.carol.address, ammAddr]);
    });

    it("exactOut_givesTheFewestUnitsTheCurveNeeds_whenLegInIsTheHigherLeg", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const amountOut = U[0] / 20n;
      const q = await amm.quoteExactOut(2, 0, amountOut);
      const before = await session.allocationOf(b.alice.address);
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 2, 0, amountOut, q.amountIn, true))
        .to.emit(session, "Traded")
        .withArgs(
          ...poolTraded(ZeroHash, b.alice.address, ammAddr, 5n, [q.traderReceives, -q.amountIn], [-amountOut, q.netIn]),
        );
      const x = await session.allocationOf(b.alice.address);
      expect(before[2] - x[2]).to.equal(q.amountIn);
      expect(x[0] - before[0]).to.equal(q.traderReceives);
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, [b.alice.address, b.carol.address, ammAddr]);
    });

    it("emitsTraded_withAZeroDigest_theTraderAsMakerAndThePoolAsTaker", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const amountIn = U[1] / 10n;
      const q = await amm.quoteExactIn(1, 0, amountIn);
      const takerFee = (amountIn * 10n) / 10_000n;
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 1, 0, amountIn, q.amountOut, false))
        .to.emit(session, "Traded")
        .withArgs(
          ...poolTraded(
            ZeroHash,
            b.alice.address,
            ammAddr,
            3n,
            [q.traderReceives, -amountIn],
            [-q.amountOut, amountIn - takerFee],
          ),
        );
    });

    it("reverts_PoolOutsideLimit_whenTheQuoteMissesTheTradersLimit", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const qIn = await amm.quoteExactIn(0, 1, U[0] / 10n);
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, qIn.amountOut + 1n, false))
        .to.be.revertedWithCustomError(session, "PoolOutsideLimit")
        .withArgs(ammAddr, U[0] / 10n, qIn.amountOut, qIn.amountOut + 1n);
      const qOut = await amm.quoteExactOut(0, 1, U[1] / 10n);
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[1] / 10n, qOut.amountIn - 1n, true))
        .to.be.revertedWithCustomError(session, "PoolOutsideLimit")
        .withArgs(ammAddr, qOut.amountIn, U[1] / 10n, qOut.amountIn - 1n);
      // Nothing moved: the AMM's booking reverted with the call.
      await expectReservesMatchAllocation(session, amm);
    });

    it("reverts_OracleBandExceeded_fromThePool_whenTheSwapLeavesTheBand", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      // 5 tokens of leg 0 (5% of the reserve) push its pool price ~11% below the oracle (band 2%).
      await expect(
        session.connect(b.alice).swapWithPool(await amm.getAddress(), 0, 1, 5n * U[0], 0n, false),
      ).to.be.revertedWithCustomError(amm, "OracleBandExceeded");
    });

    it("reverts_InsufficientAllocation_whenTheTraderGivesMoreThanItHolds", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      // Bob never subscribed: he holds nothing to give.
      await expect(session.connect(b.bob).swapWithPool(await amm.getAddress(), 0, 1, U[0] / 100n, 0n, false))
        .to.be.revertedWithCustomError(session, "InsufficientAllocation")
        .withArgs(b.bob.address, 0n, 0n, U[0] / 100n);
    });

    it("onSessionSwap_reverts_NotSession_whenCalledByAnyoneButTheSession", async () => {
      const { b, amm } = await conn.networkHelpers.loadFixture(trading);
      await expect(amm.connect(b.alice).onSessionSwap(b.alice.address, 0, 1, U[0], false, U[0], U[1]))
        .to.be.revertedWithCustomError(amm, "NotSession")
        .withArgs(b.alice.address);
    });

    it("reverts_UnknownLeg_fromThePool_whenALegIsNotWeighted", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      await expect(
        session.connect(b.alice).swapWithPool(await amm.getAddress(), 4, 0, U[4] / 10n, 0n, false),
      ).to.be.revertedWithCustomError(amm, "UnknownLeg");
    });

    it("sdkQuotePoolSwap_setsTheLimitFromTheQuote_andTheSwapPaysIt", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const inQ = await quotePoolSwap(amm, 0, 1, U[0] / 10n, { slippageBps: 50n });
      expect(inQ.limit).to.equal((inQ.amountOut * 9_950n) / 10_000n);
      const before = await session.allocationOf(b.alice.address);
      await session.connect(b.alice).swapWithPool(...poolSwapArgs(inQ));
      // The pool pays its full quote, not the limit.
      expect((await session.allocationOf(b.alice.address))[1] - before[1]).to.equal(inQ.traderReceives);
      const outQ = await quotePoolSwap(amm, 1, 0, U[0] / 20n, { exactOut: true, slippageBps: 50n });
      expect(outQ.limit).to.equal((outQ.amountIn * 10_050n + 9_999n) / 10_000n);
      expect(outQ.amount).to.equal(U[0] / 20n);
      const mid = await session.allocationOf(b.alice.address);
      await session.connect(b.alice).swapWithPool(...poolSwapArgs(outQ));
      const x = await session.allocationOf(b.alice.address);
      expect(mid[1] - x[1]).to.equal(outQ.amountIn);
      expect(x[0] - mid[0]).to.equal(outQ.traderReceives);
      await expect(quotePoolSwap(amm, 0, 1, 1n, { slippageBps: 10_001n })).to.be.rejectedWith("slippage");
    });

    it("dataSet_rebuildsEveryAllocation_andTheAmmReserves_fromTheSessionsTradedEventsAlone", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      await session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, 0n, false);
      await session.connect(b.alice).swapWithPool(ammAddr, 3, 1, U[1] / 50n, 2n ** 128n, true);
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const signed = await signExactIn(amm, b.alice, domain, 2, 0, U[2] / 20n, swapTerms(b, 7n));
      await amm.swapExactIn(signed.order, signed.signature);
      const logs = await session.queryFilter("*" as never, 0);
      const events: StoredEvent[] = [];
      for (const l of logs) {
        const parsed = session.interface.parseLog(l);
        if (parsed === null) continue;
        const args: Record<string, unknown> = {};
        parsed.fragment.inputs.forEach((input, i) => {
          const v = parsed.args[i] as unknown;
          args[input.name] = Array.isArray(v) ? v.map(String) : String(v);
        });
        events.push({
          blockNumber: BigInt(l.blockNumber),
          blockTime: 0n,
          txHash: l.transactionHash,
          logIndex: BigInt(l.index),
          address: l.address.toLowerCase(),
          name: parsed.name,
          args,
        });
      }
      const { final } = rebuildPositions(events, [
        { address: await session.getAddress(), kind: "physical", units: U, feeRecipient: b.feeTo.address },
      ]);
      const book = final.get((await session.getAddress()).toLowerCase());
      for (const who of [b.alice.address, ammAddr, b.feeTo.address]) {
        expect(book?.get(who.toLowerCase())).to.deep.equal([...(await session.allocationOf(who))]);
      }
      // The AMM emits no swap event: its reserves are its allocation as the session's logs rebuild it.
      const [reserves] = await amm.reserves();
      expect(book?.get(ammAddr.toLowerCase())?.slice(0, reserves.length)).to.deep.equal([...reserves]);
    });

    it("andTheSignedPath_stillWork_sideBySide", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const domain = sessionDomain(await session.getAddress(), b.chainId);
      const s = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 10n, swapTerms(b, 1n));
      await expect(amm.swapExactIn(s.order, s.signature)).to.emit(session, "Traded");
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 1, 0, U[1] / 10n, 0n, false)).to.emit(
        session,
        "Traded",
      );
      await expectReservesMatchAllocation(session, amm);
      await expectConservation(b, session, [b.alice.address, b.carol.address, ammAddr]);
    });
  });

  describe("entry checks", () => {
    it("reverts_TradingClosed_beforeT1_andFromT2", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(beforeTrading);
      const ammAddr = await amm.getAddress();
      await expect(
        session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, 0n, false),
      ).to.be.revertedWithCustomError(session, "TradingClosed");
      await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
      await expect(
        session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, 0n, false),
      ).to.be.revertedWithCustomError(session, "TradingClosed");
    });

    it("reverts_EnforcedPause_whilePaused_andSwapsAgainAfterUnpause", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      await session.connect(b.guardian).pause();
      await expect(
        session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, 0n, false),
      ).to.be.revertedWithCustomError(session, "EnforcedPause");
      await session.connect(b.guardian).unpause();
      await expect(session.connect(b.alice).swapWithPool(ammAddr, 0, 1, U[0] / 10n, 0n, false)).to.emit(
        session,
        "Traded",
      );
    });

    it("reverts_SelfFill_NotAPool_ZeroFill_andBadSwapLegs", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      const ammAddr = await amm.getAddress();
      const alice = session.connect(b.alice);
      await expect(alice.swapWithPool(b.alice.address, 0, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "SelfFill")
        .withArgs(b.alice.address);
      await expect(alice.swapWithPool(b.bob.address, 0, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "NotAPool")
        .withArgs(b.bob.address);
      await expect(alice.swapWithPool(ammAddr, 0, 1, 0n, 0n, false)).to.be.revertedWithCustomError(session, "ZeroFill");
      await expect(alice.swapWithPool(ammAddr, 1, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "BadSwapLegs")
        .withArgs(1n, 1n, 5n);
      await expect(alice.swapWithPool(ammAddr, 0, 5, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "BadSwapLegs")
        .withArgs(0n, 5n, 5n);
      await expect(alice.swapWithPool(ammAddr, 2n ** 255n, 0, 1n, 0n, false)).to.be.revertedWithCustomError(
        session,
        "BadSwapLegs",
      );
    });

    it("reverts_FeeRecipientCannotTrade_whenTheFeeRecipientSwaps", async () => {
      const { b, session, amm } = await conn.networkHelpers.loadFixture(trading);
      await expect(session.connect(b.feeTo).swapWithPool(await amm.getAddress(), 0, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "FeeRecipientCannotTrade")
        .withArgs(b.feeTo.address);
    });

    it("reverts_NotAllowed_inARoleCuratedSession_forTheTraderAndForThePool", async () => {
      const b = await deployBase(conn);
      const session = await createPhysical(b, { participation: Participation.Role });
      const pool = await b.ethers.deployContract("MockSessionPool");
      const poolAddr = await pool.getAddress();
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "NotAllowed")
        .withArgs(b.alice.address);
      await session.connect(b.admin).grantRole(await session.PARTICIPANT_ROLE(), b.alice.address);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, 1n, 0n, false))
        .to.be.revertedWithCustomError(session, "NotAllowed")
        .withArgs(poolAddr);
    });
  });

  describe("a hostile pool", () => {
    it("cannotPayWhatItDoesNotHold", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      await pool.setAnswer(U[0] / 10n, 2n * U[1]);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false))
        .to.be.revertedWithCustomError(session, "InsufficientAllocation")
        .withArgs(poolAddr, 1n, U[1], 2n * U[1]);
    });

    it("cannotTakeOtherThanTheTraderOffers_orPayNothing", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      const alice = session.connect(b.alice);
      // Exact-in: the pool must take exactly the amount the trader named.
      await pool.setAnswer(U[0] / 10n + 1n, U[1] / 10n);
      await expect(alice.swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false)).to.be.revertedWithCustomError(
        session,
        "PoolOutsideLimit",
      );
      // Exact-out: the pool must pay exactly the amount asked, and take at most the limit.
      await pool.setAnswer(U[0] / 10n, U[1] / 10n - 1n);
      await expect(alice.swapWithPool(poolAddr, 0, 1, U[1] / 10n, U[0], true)).to.be.revertedWithCustomError(
        session,
        "PoolOutsideLimit",
      );
      await pool.setAnswer(U[0] + 1n, U[1] / 10n);
      await expect(alice.swapWithPool(poolAddr, 0, 1, U[1] / 10n, U[0], true)).to.be.revertedWithCustomError(
        session,
        "PoolOutsideLimit",
      );
      // Zero on either side.
      await pool.setAnswer(U[0] / 10n, 0n);
      await expect(alice.swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false)).to.be.revertedWithCustomError(
        session,
        "PoolOutsideLimit",
      );
      await pool.setAnswer(0n, U[1] / 10n);
      await expect(alice.swapWithPool(poolAddr, 0, 1, U[1] / 10n, U[0], true)).to.be.revertedWithCustomError(
        session,
        "PoolOutsideLimit",
      );
    });

    it("cannotTurnAPaymentIntoATake_withAnAmountBeyondTheAllocationRange", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      const before = await session.allocationOf(b.alice.address);
      // 2^255 + 1 would read as a negative int256: the trader would give leg 1 instead of receiving it.
      await pool.setAnswer(U[0] / 10n, 2n ** 255n + 1n);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[0] / 10n, 1n, false))
        .to.be.revertedWithCustomError(session, "PoolOutsideLimit")
        .withArgs(poolAddr, U[0] / 10n, 2n ** 255n + 1n, 1n);
      // Exact-out with no limit: the amount taken must fit the allocation range too.
      await pool.setAnswer(MAX_AMOUNT + 1n, U[1] / 10n);
      await expect(
        session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[1] / 10n, 2n ** 256n - 1n, true),
      ).to.be.revertedWithCustomError(session, "PoolOutsideLimit");
      expect([...(await session.allocationOf(b.alice.address))]).to.deep.equal([...before]);
    });

    it("cannotReenterTheSession_fromItsAnswer", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      await pool.setAnswer(U[0] / 10n, U[1] / 10n);
      for (const data of [
        session.interface.encodeFunctionData("swapWithPool", [poolAddr, 1, 0, 1n, 0n, false]),
        session.interface.encodeFunctionData("redeem", [1n]),
        session.interface.encodeFunctionData("claim", [poolAddr]),
      ]) {
        await pool.setReentry(data);
        await expect(
          session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false),
        ).to.be.revertedWithCustomError(session, "ReentrancyGuardReentrantCall");
      }
    });

    it("movesOnlyItsOwnAndTheCallersAllocation_whenItAnswersFairly", async () => {
      const { b, session, amm, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      await pool.setAnswer(U[0] / 10n, U[1] / 10n);
      const carolBefore = await session.allocationOf(b.carol.address);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[0] / 10n, U[1] / 10n, false)).to.emit(
        session,
        "Traded",
      );
      expect([...(await session.allocationOf(b.carol.address))]).to.deep.equal([...carolBefore]);
      expect((await session.allocationOf(poolAddr))[1]).to.equal(U[1] - U[1] / 10n);
      await expectConservation(b, session, [b.alice.address, poolAddr, await amm.getAddress()]);
    });

    it("isHandedItsOwnAllocationsOfTheTwoLegs_asItsReserves", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      const alice = session.connect(b.alice);
      await pool.setAnswer(U[0] / 10n, U[1] / 10n);
      let held = await session.allocationOf(poolAddr);
      await alice.swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false);
      expect([await pool.lastReserveIn(), await pool.lastReserveOut()]).to.deep.equal([held[0], held[1]]);
      // Legs in different allocation words, the higher one given: each reserve is its own leg's.
      await pool.setAnswer(U[3] / 10n, U[0] / 20n);
      held = await session.allocationOf(poolAddr);
      await alice.swapWithPool(poolAddr, 3, 0, U[3] / 10n, 0n, false);
      expect([await pool.lastReserveIn(), await pool.lastReserveOut()]).to.deep.equal([held[3], held[0]]);
      expect(held[0]).to.not.equal(held[3]); // distinct, so a swapped pair would fail the check above
      const [x3, x0] = await session.allocationPair(poolAddr, 3, 0);
      const after = await session.allocationOf(poolAddr);
      expect([x3, x0]).to.deep.equal([after[3], after[0]]);
      expect(x0).to.equal(held[0] - U[0] / 20n); // the pool paid what it answered
      await expect(session.allocationPair(poolAddr, 0, 5))
        .to.be.revertedWithCustomError(session, "BadSwapLegs")
        .withArgs(0n, 5n, 5n);
    });

    it("cannotAnswerWithLessThanAPair_theSwapIsRefused", async () => {
      const { b, session, pool } = await conn.networkHelpers.loadFixture(withMockPool);
      const poolAddr = await pool.getAddress();
      await pool.setAnswer(U[0] / 10n, U[1] / 10n);
      await pool.setShortAnswer(true);
      const before = await session.allocationOf(b.alice.address);
      await expect(session.connect(b.alice).swapWithPool(poolAddr, 0, 1, U[0] / 10n, 0n, false))
        .to.be.revertedWithCustomError(session, "PoolOutsideLimit")
        .withArgs(poolAddr, 0n, 0n, 0n);
      expect([...(await session.allocationOf(b.alice.address))]).to.deep.equal([...before]);
    });
  });
});
