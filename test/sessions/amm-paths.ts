/**
 * Paths of `SessionAmm` the main suite (amm.ts) leaves unexecuted: unweighted or out-of-range legs, an emptied
 * reserve, the stale-oracle quote, a fee-on-transfer seeding, Merkle admission and the shape checks of LP orders.
 */
import { expect } from "chai";
import { AbiCoder, getCreateAddress, keccak256 } from "ethers";
import { network } from "hardhat";

import { lpOrder, signExactIn, swapOrder, type OrderTerms } from "../../sdk/sessions/amm.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import { Participation } from "../../sdk/sessions/config.js";
import type { FixingSpec } from "../../sdk/sessions/fixing.js";
import { legMask, sessionDomain, signSessionOrder, type SessionOrder } from "../../sdk/sessions/orders.js";
import {
  OracleFixing__factory,
  type FeeOnTransferToken,
  type MockERC20,
  type PhysicalSession,
  type SessionAmm,
} from "../../types/ethers-contracts/index.js";
import {
  DAY,
  WAD,
  createPhysical,
  deployBase,
  physicalConfig,
  physicalUnit,
  subscribePhysical,
  type Base,
} from "./fixtures.js";

const conn = await network.create();

const WEIGHTS = [4n * 10n ** 17n, 3n * 10n ** 17n, 2n * 10n ** 17n, 1n * 10n ** 17n, 0n];
const PRICES8 = [400_00000000n, 300_00000000n, 200_00000000n, 100_00000000n, 100_00000000n];
const U = [0, 1, 2, 3, 4].map(physicalUnit);

async function deployAmm(b: Base, session: PhysicalSession, weights: bigint[] = WEIGHTS): Promise<SessionAmm> {
  return (await b.ethers.deployContract("SessionAmm", [
    await session.getAddress(),
    b.carol.address,
    weights,
    30n,
    200n,
  ])) as unknown as SessionAmm;
}

/** A physical session over 5 legs, an AMM (leg 4 unweighted) seeded by the LP (carol) with 100 shares. */
function seeded() {
  return seededWithSpecs((_k, spec) => spec);
}

/**
 * {seeded} with each leg's fixing spec rewritten by `edit` before the session is created (the AMM copies
 * single-feed specs for its oracle band at construction and falls back to the session's specs otherwise).
 */
async function seededWithSpecs(
  edit: (k: number, spec: FixingSpec, b: Base) => FixingSpec,
  prepare?: (b: Base) => Promise<void>,
) {
  const b = await deployBase(conn);
  for (let k = 0; k < 5; k++) await b.feeds[k].updateAnswer(PRICES8[k]);
  if (prepare !== undefined) await prepare(b);
  const cfg = await physicalConfig(b);
  const legs = cfg.legs.map((l, k) => ({ ...l, fixing: edit(k, l.fixing, b) }));
  const { session: addr } = await createSessionFromConfig(b.factory, { ...cfg, legs });
  const session = (await b.ethers.getContractAt("PhysicalSession", addr)) as unknown as PhysicalSession;
  const amm = await deployAmm(b, session);
  await subscribePhysical(b, session, b.alice, 10n);
  for (let k = 0; k < 5; k++) {
    await b.tokens[k].mint(b.carol.address, 100n * U[k]);
    await b.tokens[k].connect(b.carol).approve(await amm.getAddress(), 100n * U[k]);
  }
  await amm.connect(b.carol).subscribe(100n, []);
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return { b, session, amm };
}

/** The same session in its trading window with an AMM nobody seeded. */
async function unseeded() {
  const b = await deployBase(conn);
  for (let k = 0; k < 5; k++) await b.feeds[k].updateAnswer(PRICES8[k]);
  const session = await createPhysical(b);
  const amm = await deployAmm(b, session);
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return { b, session, amm };
}

let salt = 1n;
function terms(b: Base): OrderTerms {
  return { maxFeeBps: 50n, expiry: b.now + 30n * DAY, nonce: 0n, salt: salt++ };
}

async function signFor(b: Base, session: PhysicalSession, who: Base["alice"], o: SessionOrder) {
  return signSessionOrder(who, o, sessionDomain(await session.getAddress(), b.chainId));
}

/** An LP order of the given raw shape (maker = LP), to probe the shape checks. */
function rawLpOrder(b: Base, taker: string, legs: bigint, amounts: bigint[]): SessionOrder {
  return { maker: b.carol.address, taker, legs, amounts, ...terms(b) };
}

describe("SessionAmm uncovered paths", () => {
  it("test_swap_revertsUnknownLeg_whenLegOutHasNoWeight", async () => {
    const { b, session, amm } = await conn.networkHelpers.loadFixture(seeded);
    const o = swapOrder({
      trader: b.alice.address,
      amm: await amm.getAddress(),
      legIn: 0,
      legOut: 4,
      amountIn: U[0],
      amountOut: 1n,
      ...terms(b),
    });
    await expect(amm.swapExactIn(o, await signFor(b, session, b.alice, o)))
      .to.be.revertedWithCustomError(amm, "UnknownLeg")
      .withArgs(4n);
  });

  it("test_quote_revertsUnknownLeg_whenLegInIsBeyondTheLegCount", async () => {
    const { amm } = await conn.networkHelpers.loadFixture(seeded);
    await expect(amm.quoteExactIn(5, 0, 1n))
      .to.be.revertedWithCustomError(amm, "UnknownLeg")
      .withArgs(5n);
  });

  it("test_quote_revertsUnknownLeg_whenLegOutHasNoWeight", async () => {
    const { amm } = await conn.networkHelpers.loadFixture(seeded);
    await expect(amm.quoteExactIn(0, 4, 1n))
      .to.be.revertedWithCustomError(amm, "UnknownLeg")
      .withArgs(4n);
  });

  it("test_spotRate_returnsTheWeightedMarginalPrice", async () => {
    const { amm } = await conn.networkHelpers.loadFixture(seeded);
    const [r, w] = await amm.reserves();
    // (r1 / w1) / (r0 / w0) in WAD, rounded down: 100e6 * 0.4 / (100e18 * 0.3) = 1.333e-12 -> 1_333_333.
    expect(await amm.spotRate(0, 1)).to.equal((r[1] * w[0] * WAD) / (r[0] * w[1]));
    expect(await amm.spotRate(0, 1)).to.equal(1_333_333n);
  });

  it("test_withdraw_skipsLegsOutsideTheOrder_andSpotRateRevertsEmptyReserve_whenLegOutDrained", async () => {
    const { b, session, amm } = await conn.networkHelpers.loadFixture(seeded);
    const [before] = await amm.reserves();
    // The LP burns every share but takes only leg 1: the other legs' amounts are zero and are skipped.
    const o = lpOrder(b.carol.address, await amm.getAddress(), [0n, before[1]], "withdraw", terms(b));
    await expect(amm.connect(b.carol).withdraw(o, await signFor(b, session, b.carol, o), WAD))
      .to.emit(amm, "Withdrew")
      .withArgs(b.carol.address, [0n, before[1], 0n, 0n, 0n], WAD, 0n);
    const [after] = await amm.reserves();
    expect(after).to.deep.equal([before[0], 0n, before[2], before[3], before[4]]);
    expect(await amm.totalShares()).to.equal(0n);
    await expect(amm.spotRate(0, 1)).to.be.revertedWithCustomError(amm, "EmptyReserve").withArgs(1n);
  });

  it("test_quoteExactIn_withinBandFalse_whenOracleStale", async () => {
    const { b, amm } = await conn.networkHelpers.loadFixture(seeded);
    const fresh = await amm.quoteExactIn(0, 1, U[0] / 100n);
    expect(fresh.withinBand).to.equal(true);
    await b.feeds[0].updateRoundData(9n, PRICES8[0], b.now - 40n * DAY, b.now - 40n * DAY);
    // bandCheck itself reverts with the oracle's error; the quote catches it and reports "not within band".
    const [r] = await amm.reserves();
    await expect(amm.bandCheck(0, 1, r[0] + 1n, r[1] - 1n)).to.be.revertedWithCustomError(
      { interface: OracleFixing__factory.createInterface() },
      "StaleRound",
    );
    const stale = await amm.quoteExactIn(0, 1, U[0] / 100n);
    expect(stale.withinBand).to.equal(false);
    expect(stale.amountOut).to.equal(fresh.amountOut);
  });

  it("test_swap_revertsAnswerOutOfBounds_whenTheCopiedSpecsFloorIsHit", async () => {
    // The fixtures' specs carry answer bounds (1, 1e30): the AMM's copy must enforce them as the session would.
    const { b, session, amm } = await conn.networkHelpers.loadFixture(seeded);
    const s = await signExactIn(
      amm,
      b.alice,
      sessionDomain(await session.getAddress(), b.chainId),
      0,
      1,
      U[0] / 100n,
      terms(b),
    );
    await b.feeds[0].updateAnswer(1n);
    await expect(amm.swapExactIn(s.order, s.signature))
      .to.be.revertedWithCustomError({ interface: OracleFixing__factory.createInterface() }, "AnswerOutOfBounds")
      .withArgs(await b.feeds[0].getAddress(), 1n, 1n, 10n ** 30n);
  });

  it("test_swap_revertsSequencerDown_whenTheCopiedSpecNamesASequencerFeed", async () => {
    let seq = "";
    const { b, session, amm } = await seededWithSpecs(
      (_k, spec) => ({ ...spec, sequencerFeed: seq, sequencerGrace: 3_600 }),
      async (b) => {
        const feed = await b.ethers.deployContract("MockSequencerUptimeFeed");
        await feed.setStatus(true, b.now - 10n * DAY);
        seq = await feed.getAddress();
      },
    );
    const domain = sessionDomain(await session.getAddress(), b.chainId);
    const ok = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b));
    await expect(amm.swapExactIn(ok.order, ok.signature)).to.emit(session, "Traded");
    const later = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b));
    const feed = await b.ethers.getContractAt("MockSequencerUptimeFeed", seq);
    await feed.setStatus(false, BigInt(await b.networkHelpers.time.latest()));
    await expect(amm.swapExactIn(later.order, later.signature))
      .to.be.revertedWithCustomError({ interface: OracleFixing__factory.createInterface() }, "SequencerDown")
      .withArgs(seq);
  });

  it("test_swap_readsTheSessionsSpecs_whenALegsSpecCannotBeCopied", async () => {
    // Leg 1's upper bound does not fit int128: the band decodes the session's own specs for that swap.
    const big = 2n ** 200n;
    const { b, session, amm } = await seededWithSpecs((k, spec) => (k === 1 ? { ...spec, maxAnswer: big } : spec));
    const domain = sessionDomain(await session.getAddress(), b.chainId);
    const ok = await signExactIn(amm, b.alice, domain, 0, 1, U[0] / 100n, terms(b));
    await expect(amm.swapExactIn(ok.order, ok.signature)).to.emit(session, "Traded");
    const [r] = await amm.reserves();
    expect((await amm.bandCheck(0, 1, r[0] + 1n, r[1] - 1n)).ok).to.equal(true);
    const later = await signExactIn(amm, b.alice, domain, 1, 0, U[1] / 100n, terms(b));
    await b.feeds[1].updateRoundData(9n, PRICES8[1], b.now - 40n * DAY, b.now - 40n * DAY);
    await expect(amm.swapExactIn(later.order, later.signature)).to.be.revertedWithCustomError(
      { interface: OracleFixing__factory.createInterface() },
      "StaleRound",
    );
  });

  it("test_subscribe_revertsTransferShortfall_whenALegTokenTakesAFee", async () => {
    const b = await deployBase(conn, 2);
    const fot = (await b.ethers.deployContract("FeeOnTransferToken", [100n])) as unknown as FeeOnTransferToken;
    b.tokens[0] = fot as unknown as MockERC20;
    const session = await createPhysical(b);
    const amm = await deployAmm(b, session, [WAD / 2n, WAD / 2n]);
    for (let k = 0; k < 2; k++) {
      await b.tokens[k].mint(b.carol.address, U[k]);
      await b.tokens[k].connect(b.carol).approve(await amm.getAddress(), U[k]);
    }
    // 1% of the one-token transfer is burnt on the way: the AMM receives 0.99 of the 1.0 it asked.
    await expect(amm.connect(b.carol).subscribe(1n, []))
      .to.be.revertedWithCustomError(amm, "TransferShortfall")
      .withArgs(await fot.getAddress(), U[0], (U[0] * 99n) / 100n);
  });

  it("test_admit_provesTheAmmOnAMerkleSession", async () => {
    const b = await deployBase(conn);
    // The AMM will be dave's next deployment; the allowlist is that one address (root = leaf, empty proof).
    const ammAddr = getCreateAddress({
      from: b.dave.address,
      nonce: await b.ethers.provider.getTransactionCount(b.dave.address),
    });
    const leaf = keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(["address"], [ammAddr])));
    const session = await createPhysical(b, { participation: Participation.Merkle, merkleRoot: leaf });
    const amm = (await b.ethers
      .getContractFactory("SessionAmm", b.dave)
      .then((f) => f.deploy(session, b.carol.address, WEIGHTS, 30n, 200n))) as unknown as SessionAmm;
    expect(await amm.getAddress()).to.equal(ammAddr);
    expect((await session.accountOf(ammAddr)).admitted).to.equal(false);
    await expect(amm.connect(b.carol).admit([])).to.emit(session, "Admitted").withArgs(ammAddr);
    expect((await session.accountOf(ammAddr)).admitted).to.equal(true);
  });

  it("test_add_revertsNotAddressedToAmm_whenLpOrderTakerIsAnother", async () => {
    const { b, amm } = await conn.networkHelpers.loadFixture(seeded);
    const o = rawLpOrder(b, b.alice.address, legMask([0]), [-1n]);
    await expect(amm.connect(b.carol).add(o, "0x"))
      .to.be.revertedWithCustomError(amm, "NotAddressedToAmm")
      .withArgs(b.alice.address);
  });

  it("test_add_revertsBadLpOrder1_whenMaskEmptyOrBeyondTheLegs", async () => {
    const { b, amm } = await conn.networkHelpers.loadFixture(seeded);
    const a = await amm.getAddress();
    await expect(amm.connect(b.carol).add(rawLpOrder(b, a, 0n, []), "0x"))
      .to.be.revertedWithCustomError(amm, "BadLpOrder")
      .withArgs(1n);
    await expect(amm.connect(b.carol).add(rawLpOrder(b, a, 1n << 5n, [-1n]), "0x"))
      .to.be.revertedWithCustomError(amm, "BadLpOrder")
      .withArgs(1n);
  });

  it("test_add_revertsBadLpOrder2_whenAmountsShorterOrLongerThanTheMask", async () => {
    const { b, amm } = await conn.networkHelpers.loadFixture(seeded);
    const a = await amm.getAddress();
    await expect(amm.connect(b.carol).add(rawLpOrder(b, a, legMask([0, 1]), [-1n]), "0x"))
      .to.be.revertedWithCustomError(amm, "BadLpOrder")
      .withArgs(2n);
    await expect(amm.connect(b.carol).add(rawLpOrder(b, a, legMask([0]), [-1n, -1n]), "0x"))
      .to.be.revertedWithCustomError(amm, "BadLpOrder")
      .withArgs(2n);
  });

  it("test_add_revertsZeroAmount_whenALpOrderAmountIsZero", async () => {
    const { b, amm } = await conn.networkHelpers.loadFixture(seeded);
    const o = rawLpOrder(b, await amm.getAddress(), legMask([0, 1]), [-1n, 0n]);
    await expect(amm.connect(b.carol).add(o, "0x")).to.be.revertedWithCustomError(amm, "ZeroAmount");
  });

  it("test_add_revertsEmptyReserve_whenFirstSeedingLeavesAWeightedLegUnfunded", async () => {
    const { b, session, amm } = await conn.networkHelpers.loadFixture(unseeded);
    expect(await amm.totalShares()).to.equal(0n);
    const o = lpOrder(b.carol.address, await amm.getAddress(), [U[0]], "add", terms(b));
    await expect(amm.connect(b.carol).add(o, await signFor(b, session, b.carol, o)))
      .to.be.revertedWithCustomError(amm, "EmptyReserve")
      .withArgs(1n);
  });

  it("test_previewWithdraw_revertsInsufficientShares_whenAboveTotal", async () => {
    const { amm } = await conn.networkHelpers.loadFixture(seeded);
    await expect(amm.previewWithdraw(WAD + 1n))
      .to.be.revertedWithCustomError(amm, "InsufficientShares")
      .withArgs(WAD + 1n, WAD);
    expect(await amm.previewWithdraw(WAD)).to.deep.equal((await amm.reserves())[0]);
  });
  it("test_band_readsEachLegsOwnFeed_legs0To7FromCode_legs8And9FromStorage", async () => {
    // Ten legs, each with its own feed price (100, 110, ..., 190): word 0 of the band specs of legs 0-7 lives in
    // the AMM's code, of legs 8-9 in storage. Each pair's oracle rate must be its own two feeds' ratio.
    const b = await deployBase(conn, 10);
    const session = await createPhysical(b);
    const amm = await deployAmm(
      b,
      session,
      Array.from({ length: 10 }, () => 10n ** 17n),
    );
    await subscribePhysical(b, session, b.alice, 10n);
    for (let k = 0; k < 10; k++) {
      const unit = physicalUnit(k);
      await b.tokens[k].mint(b.carol.address, 100n * unit);
      await b.tokens[k].connect(b.carol).approve(await amm.getAddress(), 100n * unit);
    }
    await amm.connect(b.carol).subscribe(100n, []);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const price = (k: number) => (100_00000000n + BigInt(k) * 10_00000000n) * 10n ** 10n; // WAD
    const [r] = await amm.reserves();
    for (let k = 0; k < 10; k++) {
      const j = (k + 1) % 10;
      // Value of one leg unit: price * 10^(18 - decimals); the rate is value(k) / value(j) in WAD.
      const vk = price(k) * 10n ** BigInt(18 - Number(await b.tokens[k].decimals()));
      const vj = price(j) * 10n ** BigInt(18 - Number(await b.tokens[j].decimals()));
      const band = await amm.bandCheck(k, j, r[k], r[j]);
      expect(band.oracleRateWad, `legs ${k} -> ${j}`).to.equal((vk * WAD) / vj);
    }
    // The storage path trades: leg 8 for leg 9 through the pool, then a stale leg 9 stops it.
    await expect(
      session.connect(b.alice).swapWithPool(await amm.getAddress(), 8, 9, physicalUnit(8) / 100n, 0n, false),
    ).to.emit(session, "Traded");
    await b.feeds[9].updateRoundData(9n, price(9) / 10n ** 10n, b.now - 40n * DAY, b.now - 40n * DAY);
    await expect(
      session.connect(b.alice).swapWithPool(await amm.getAddress(), 8, 9, physicalUnit(8) / 100n, 0n, false),
    ).to.be.revertedWithCustomError({ interface: OracleFixing__factory.createInterface() }, "StaleRound");
    await expect(
      session.connect(b.alice).swapWithPool(await amm.getAddress(), 6, 7, physicalUnit(6) / 100n, 0n, false),
    ).to.emit(session, "Traded");
  });
});
