/**
 * Paths of the margin session, its module and the stress lens on a margin session that the main suites leave
 * unexecuted: redemption before t1, the int128 range of a subscription, the corporate-action argument checks,
 * a closed leg, an empty basket, an overflowing split scale, a fee-taking cash leg, actions and proposals after
 * settlement, a dispute by a participant without shares, a liquidation of a vector with a zero leg, and the
 * stress lens pricing a closed leg at zero.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { ActionKind } from "../../sdk/sessions/config.js";
import type { MockERC20, RebasingToken, SessionStressLens } from "../../types/ethers-contracts/index.js";
import { WAD, deployBase, makeOrder, sign } from "./fixtures.js";
import {
  BOND,
  START8,
  UNITS,
  createMargin,
  deployMarginLegs,
  e36,
  setPrices,
  settleMargin,
  subscribeMargin,
  windows,
  type MarginEnv,
  type MarginHandles,
} from "./margin-fixtures.js";

const conn = await network.create();
const USDC = 10n ** 6n;
const TOKEN1 = 10n ** 18n;
const TOKEN2 = 10n ** 8n;
const MAX_AMOUNT = 2n ** 127n - 1n;
const U64 = 2n ** 64n - 1n;

async function env() {
  return deployMarginLegs(await deployBase(conn, 0));
}

/** Alice 2, Bob 14, Carol 14 shares, before t1. */
async function subscribed() {
  const m = await env();
  const h = await createMargin(m);
  await subscribeMargin(m, h, m.alice, 2n);
  await subscribeMargin(m, h, m.bob, 14n);
  await subscribeMargin(m, h, m.carol, 14n);
  return { m, h };
}

/** As {subscribed}, trading, with Alice short 6 of leg 1 against Bob for 600 USDC. */
async function shortTraded() {
  const f = await subscribed();
  await f.m.networkHelpers.time.increaseTo(windows(f.m).t1);
  const order = await makeOrder(f.m, f.m.alice.address, [0, 1], [600n * USDC, -6n * TOKEN1]);
  await f.h.session.connect(f.m.bob).fill(order, await sign(f.m, f.h.session, f.m.alice, order), WAD);
  return f;
}

/** As {subscribed}, settled at t2 at the start prices. */
async function settled() {
  const f = await subscribed();
  await f.m.networkHelpers.time.increaseTo(windows(f.m).t2);
  await settleMargin(f.m, f.h, START8);
  return f;
}

/** A margin session nobody subscribed to. */
async function empty() {
  const m = await env();
  const h = await createMargin(m);
  return { m, h };
}

async function allocations(h: MarginHandles, who: string) {
  return Array.from(await h.session.allocationOf(who));
}

/** Schedules and executes cash in lieu of leg 2 (30 tokens at 50 = 1500 USDC paid by the organiser). */
async function cashInLieuOfLeg2(m: MarginEnv, h: MarginHandles) {
  const a = h.module.connect(m.admin);
  await a.scheduleAction(ActionKind.CashInLieu, 2, 0n, 0n);
  await a.scheduleAction(ActionKind.Dividend, 2, USDC, 0n);
  await m.networkHelpers.time.increaseTo(windows(m).t1 + 3_600n);
  await m.usdc.mint(m.admin.address, 1500n * USDC);
  await m.usdc.connect(m.admin).approve(h.address, 1500n * USDC);
  await a.executeAction(0n);
}

describe("Margin session uncovered paths", () => {
  it("test_redeem_beforeT1_paysTheBasketBackAndDebitsTheAllocation", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
    await expect(h.session.connect(m.alice).redeem(1n))
      .to.emit(h.session, "Redeemed")
      .withArgs(m.alice.address, 1n, [UNITS[0], UNITS[1], UNITS[2]]);
    expect(await allocations(h, m.alice.address)).to.deep.equal([UNITS[0], UNITS[1], UNITS[2]]);
    for (let k = 0; k < 3; k++) {
      expect(await m.legs[k].balanceOf(m.alice.address)).to.equal(UNITS[k]);
      expect(await m.legs[k].balanceOf(h.address)).to.equal(29n * UNITS[k]);
    }
    expect(await h.session.totalShares()).to.equal(29n);
  });

  it("test_subscribe_revertsAmountOutOfRange_whenLeg1BasketPassesInt128", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(empty);
    // Leg 0 (100 USDC a share) still fits; leg 1 (one 18-decimal token a share) does not.
    const shares = MAX_AMOUNT / UNITS[1] + 1n;
    await m.usdc.mint(m.alice.address, shares * UNITS[0]);
    await m.usdc.connect(m.alice).approve(h.address, shares * UNITS[0]);
    await expect(h.session.connect(m.alice).subscribe(shares, []))
      .to.be.revertedWithCustomError(h.session, "AmountOutOfRange")
      .withArgs(shares * UNITS[1]);
  });

  it("test_scheduleAction_revertsBadAction_whenDividendAmountZeroOrDenSetOrCashInLieuHasNum", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
    const a = h.module.connect(m.admin);
    await expect(a.scheduleAction(ActionKind.Dividend, 1, 0n, 0n))
      .to.be.revertedWithCustomError(h.module, "BadAction")
      .withArgs("amount", 0n);
    await expect(a.scheduleAction(ActionKind.Dividend, 1, USDC, 3n))
      .to.be.revertedWithCustomError(h.module, "BadAction")
      .withArgs("den", 3n);
    await expect(a.scheduleAction(ActionKind.CashInLieu, 2, 5n, 0n))
      .to.be.revertedWithCustomError(h.module, "BadAction")
      .withArgs("num", 5n);
  });

  it("test_executeAction_revertsLegClosed_whenAnEarlierActionClosedTheLeg", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
    await cashInLieuOfLeg2(m, h);
    expect((await h.module.legState(2)).closed).to.equal(true);
    await expect(h.module.connect(m.admin).executeAction(1n))
      .to.be.revertedWithCustomError(h.module, "LegClosed")
      .withArgs(2n);
  });

  it("test_stressLens_marginSession_pricesAClosedLegAtZero", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
    const lens = (await m.ethers.deployContract("SessionStressLens")) as unknown as SessionStressLens;
    const before = await lens.stress(h.address, [m.alice.address], []);
    // Alice [200 USDC, 2 x 100, 2 x 50] = 500 while every leg is open.
    expect(before[0].valueE36).to.deep.equal([e36("500")]);
    await cashInLieuOfLeg2(m, h);
    const res = await lens.stress(h.address, [m.alice.address, m.bob.address], [[WAD, 2n * WAD, 2n * WAD]]);
    // The closed leg is not read from the oracle and prices 0; Alice's 2 tokens of it are worth nothing.
    expect(res[0].prices).to.deep.equal([WAD, 100n * WAD, 0n]);
    expect(res[0].valueE36).to.deep.equal([e36("400"), e36("2800")]);
    expect(res[0].pnlE36).to.deep.equal([0n, 0n]);
    // Doubling every price: leg 1 is worth 200, the closed leg still 0.
    expect(res[1].prices).to.deep.equal([WAD, 200n * WAD, 0n]);
    expect(res[1].valueE36).to.deep.equal([e36("600"), e36("4200")]);
  });

  it("test_executeAction_revertsBadActionBasket_whenDividendLegHasNoBasket", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(empty);
    const a = h.module.connect(m.admin);
    await a.scheduleAction(ActionKind.Dividend, 1, USDC, 0n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    await expect(a.executeAction(0n)).to.be.revertedWithCustomError(h.module, "BadAction").withArgs("basket", 0n);
  });

  it("test_executeAction_revertsBadActionScale_whenSplitsOverflow128Bits", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(empty);
    const a = h.module.connect(m.admin);
    // With an empty basket every split passes the balance checks; three of 2^64-1 : 1 pass 2^128.
    for (let i = 0; i < 3; i++) await a.scheduleAction(ActionKind.Split, 1, U64, 1n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    await a.executeAction(0n);
    await a.executeAction(1n);
    expect((await h.module.legState(1)).scaleNum).to.equal(U64 * U64);
    await expect(a.executeAction(2n))
      .to.be.revertedWithCustomError(h.module, "BadAction")
      .withArgs("scale", U64 * U64 * U64);
  });

  it("test_executeDividend_revertsTransferShortfall_whenCashLegTokenRebasesUp", async () => {
    const m0 = await env();
    const reb = (await m0.ethers.deployContract("RebasingToken")) as unknown as RebasingToken;
    const m: MarginEnv = { ...m0, legs: [reb as unknown as MockERC20, m0.legs[1], m0.legs[2]] };
    const h = await createMargin(m);
    await subscribeMargin(m, h, m.alice, 2n);
    const a = h.module.connect(m.admin);
    const pay = 10n * USDC;
    await a.scheduleAction(ActionKind.Dividend, 1, pay, 0n);
    await reb.mint(m.admin.address, pay);
    await reb.connect(m.admin).approve(h.address, pay);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // Balances now read twice the stored units: the session sees 2 * pay arrive for pay sent.
    await reb.rebase(20_000n);
    await expect(a.executeAction(0n))
      .to.be.revertedWithCustomError(h.module, "TransferShortfall")
      .withArgs(await reb.getAddress(), pay, 2n * pay);
  });

  it("test_scheduleActionAndProposeFixing_revertAlreadyFinal_afterSettlement", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(settled);
    const a = h.module.connect(m.admin);
    await expect(a.scheduleAction(ActionKind.Split, 1, 2n, 1n))
      .to.be.revertedWithCustomError(h.module, "AlreadyFinal")
      .withArgs(1n);
    await expect(a.proposeFixing([WAD, 100n * WAD, 50n * WAD]))
      .to.be.revertedWithCustomError(h.module, "AlreadyFinal")
      .withArgs(1n);
  });

  it("test_claimValueOf_isZeroBeforeSettlement_andTheAccountValueAfter", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
    expect(await h.module.claimValueOf(m.bob.address)).to.equal(0n);
    await m.networkHelpers.time.increaseTo(windows(m).t2);
    await settleMargin(m, h, START8);
    // Bob's 14 baskets of 250 at the start prices.
    expect(await h.module.claimValueOf(m.bob.address)).to.equal(e36("3500"));
  });

  it("test_minShortEquityBps_returnsTheConfiguredValue", async () => {
    const m = await env();
    const dflt = await createMargin(m);
    expect(await dflt.module.minShortEquityBps()).to.equal(10n);
    const set = await createMargin(m, {}, { minShortEquityBps: 200 });
    expect(await set.module.minShortEquityBps()).to.equal(200n);
  });

  it("test_disputeFixing_byFeeRecipient_countsAllocationWithoutShares", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
    await m.networkHelpers.time.increaseTo(windows(m).fallbackDeadline + 1n);
    await h.module.connect(m.admin).proposeFixing([WAD, 120n * WAD, 40n * WAD]);
    // The fee recipient holds no shares, only fee allocation: it is a participant.
    expect((await h.session.accountOf(m.feeTo.address)).shares).to.equal(0n);
    expect((await allocations(h, m.feeTo.address)).some((v) => v !== 0n)).to.equal(true);
    await m.usdc.mint(m.feeTo.address, BOND);
    await m.usdc.connect(m.feeTo).approve(h.address, BOND);
    await expect(h.module.connect(m.feeTo).disputeFixing())
      .to.emit(h.module, "FixingDisputed")
      .withArgs(m.feeTo.address, BOND);
    expect(await h.session.status()).to.equal(2n);
  });

  it("test_liquidate_leavesTheLiquidatorsLegUntouched_whenTheAccountHoldsNoneOfIt", async () => {
    const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
    // Alice sells her 2 tokens of leg 2 to Bob for 100 USDC: her vector is then [cash, -4, 0].
    const order = await makeOrder(m, m.alice.address, [0, 2], [100n * USDC, -2n * TOKEN2]);
    await h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD);
    const alice = await allocations(h, m.alice.address);
    expect(alice[2]).to.equal(0n);
    const carol = await allocations(h, m.carol.address);
    await setPrices(m, [START8[0], 180_00000000n, START8[2]]);
    const tx = await h.session.connect(m.carol).liquidate(m.alice.address);
    const rc = await tx.wait();
    const ev = rc!.logs
      .map((l) => {
        try {
          return h.session.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "Liquidated");
    const compensation = ev!.args[5] as bigint;
    expect(compensation).to.be.greaterThan(0n);
    expect(await allocations(h, m.alice.address)).to.deep.equal([compensation, 0n, 0n]);
    expect(await allocations(h, m.carol.address)).to.deep.equal([
      carol[0] + alice[0] - compensation,
      carol[1] + alice[1],
      carol[2],
    ]);
  });
});
