/**
 * Margin sessions: one test per rule and per revert path. Every expected number is worked out here from the
 * fixture's units and prices (see the comments), never read back from the contract.
 *
 * Fixture (margin-fixtures.ts): leg 0 USDC (6 dec, price 1, 100 per share, the cash leg), leg 1 a splittable
 * 18-dec equity (price 100, 1 per share), leg 2 an 8-dec token (price 50, 1 per share). Alice subscribes 2
 * shares, Bob and Carol 14 each: baskets q = [3000 USDC, 30, 30]. Fees: taker 10 bps, maker 5 bps. Margin:
 * initial 20%, maintenance 10%, penalty 5%, short cap 50% of q_k, +-25% shocks on legs 1 and 2.
 *
 * The standard short: Alice signs "give 6 of leg 1 for 600 USDC", Bob fills it. Alice pays a 0.3 USDC maker fee,
 * Bob a 0.006 leg-1 taker fee. Allocations then:
 *   alice [799.7 USDC, -4, 2], bob [800 USDC, 19.994, 14], carol [1400 USDC, 14, 14], fee recipient [0.3, 0.006, 0].
 */
import { expect } from "chai";
import { AbiCoder, ZeroAddress, ZeroHash } from "ethers";
import { network } from "hardhat";

import { decodeError } from "../../sdk/errors.js";
import { ActionKind, SessionKind, SettlementMode } from "../../sdk/sessions/config.js";
import { createMarginSession, MARGIN_ABIS, marginReport, scheduleAndExecute } from "../../sdk/sessions/margin.js";
import { OracleFixing__factory } from "../../types/ethers-contracts/index.js";
import { DAY, WAD, deployBase, makeOrder, sign } from "./fixtures.js";
import {
  BOND,
  BPS,
  DECIMALS,
  E36,
  START8,
  UNITS,
  createMargin,
  deployMarginLegs,
  e36,
  fixtureMarginConfig,
  marginSessionConfig,
  risk,
  setPrices,
  settleMargin,
  subscribeMargin,
  unitValue,
  windows,
  type MarginEnv,
  type MarginHandles,
} from "./margin-fixtures.js";

const conn = await network.create();
const USDC = 10n ** 6n;
const TOKEN1 = 10n ** 18n;
const TOKEN2 = 10n ** 8n;
const SHOCKS = [0n, 2_500n, 2_500n];
const HEARTBEAT = 30n * DAY;

// ------------------------------------------------------------------ fixtures

async function env() {
  const m = await deployMarginLegs(await deployBase(conn, 0));
  return m;
}

async function subscribed() {
  const m = await env();
  const h = await createMargin(m);
  await subscribeMargin(m, h, m.alice, 2n);
  await subscribeMargin(m, h, m.bob, 14n);
  await subscribeMargin(m, h, m.carol, 14n);
  return { m, h };
}

async function trading() {
  const f = await subscribed();
  await f.m.networkHelpers.time.increaseTo(windows(f.m).t1);
  return f;
}

/** Alice signs an order giving `give1` of leg 1 for `get0` USDC. */
async function aliceSells(m: MarginEnv, h: MarginHandles, give1: bigint, get0: bigint) {
  const order = await makeOrder(m, m.alice.address, [0, 1], [get0, -give1]);
  return { order, sig: await sign(m, h.session, m.alice, order) };
}

async function shortTraded() {
  const f = await trading();
  const { order, sig } = await aliceSells(f.m, f.h, 6n * TOKEN1, 600n * USDC);
  await f.h.session.connect(f.m.bob).fill(order, sig, WAD);
  return f;
}

/** The standard short's allocations (see the header). */
const X = {
  alice: [799_700_000n, -4n * TOKEN1, 2n * TOKEN2],
  bob: [800n * USDC, 19_994n * 10n ** 15n, 14n * TOKEN2],
  carol: [1400n * USDC, 14n * TOKEN1, 14n * TOKEN2],
  feeTo: [300_000n, 6n * 10n ** 15n, 0n],
};

const prices = (p8: readonly bigint[]) => p8.map((p, k) => unitValue(p, DECIMALS[k]));

async function allocations(h: MarginHandles, who: string) {
  return Array.from(await h.session.allocationOf(who));
}

async function expectConservation(m: MarginEnv, h: MarginHandles) {
  for (let k = 0; k < 3; k++) {
    let sum = 0n;
    for (const who of [m.alice, m.bob, m.carol, m.dave, m.feeTo, m.admin])
      sum += (await allocations(h, who.address))[k];
    expect(sum, `leg ${k}`).to.equal((await h.module.legState(k)).basket);
  }
}

const mulDivDown = (a: bigint, b: bigint, c: bigint) => (a * b) / c;

describe("MarginSession", () => {
  // ---------------------------------------------------------------- factory and configuration
  describe("factory", () => {
    it("createMarginSession_storesMarginAndStressConfig", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const h = await createMargin(m, {}, { groupMask: 0b110, groupShockBps: 1_500 });
      const c = await h.module.marginConfig();
      expect([c.cashLeg, c.initialMarginBps, c.maintenanceMarginBps, c.liquidationPenaltyBps]).to.deep.equal([
        0n,
        2_000n,
        1_000n,
        500n,
      ]);
      expect([c.concentrationBps, c.actionDelay, c.disputeWindow, c.disputeBond, c.dividendReserve]).to.deep.equal([
        5_000n,
        3_600n,
        86_400n,
        BOND,
        0n,
      ]);
      const s = await h.module.stressConfig();
      expect(Array.from(s.shockBps)).to.deep.equal(SHOCKS);
      expect(s.groupMask).to.equal(6n);
      expect(s.groupShockBps).to.equal(1_500n);
      expect(await m.factory.isSession(h.address)).to.equal(true);
    });

    it("reverts_createSession_whenKindMargin", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const cfg = await marginSessionConfig(m);
      await expect(m.factory.createSession(cfg))
        .to.be.revertedWithCustomError(m.factory, "InvalidConfig")
        .withArgs("kind", SessionKind.Margin);
    });

    it("reverts_createMarginSession_whenKindPhysical", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const cfg = await marginSessionConfig(m, { kind: SessionKind.Physical });
      await expect(m.factory.createMarginSession(cfg, fixtureMarginConfig()))
        .to.be.revertedWithCustomError(m.factory, "InvalidConfig")
        .withArgs("kind", SessionKind.Physical);
    });

    it("reverts_createMarginSession_whenModeInKind", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const cfg = await marginSessionConfig(m, { mode: SettlementMode.InKind });
      await expect(m.factory.createMarginSession(cfg, fixtureMarginConfig()))
        .to.be.revertedWithCustomError(m.factory, "InvalidConfig")
        .withArgs("mode", SettlementMode.InKind);
    });

    it("reverts_createMarginSession_whenModeCash", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const cfg = await marginSessionConfig(m, { mode: SettlementMode.Cash });
      await expect(m.factory.createMarginSession(cfg, fixtureMarginConfig()))
        .to.be.revertedWithCustomError(m.factory, "InvalidConfig")
        .withArgs("mode", SettlementMode.Cash);
    });

    // Each bad field with the value the error must name (for shockBps values: the leg index).
    const bad: Array<[string, Parameters<typeof fixtureMarginConfig>[0], string, bigint]> = [
      ["cashLegBeyondLegs", { cashLeg: 3 }, "cashLeg", 3n],
      ["initialMarginZero", { initialMarginBps: 0 }, "initialMarginBps", 0n],
      ["initialMarginAbove100pc", { initialMarginBps: 10_001 }, "initialMarginBps", 10_001n],
      ["maintenanceZero", { maintenanceMarginBps: 0 }, "maintenanceMarginBps", 0n],
      ["maintenanceAboveInitial", { maintenanceMarginBps: 2_001 }, "maintenanceMarginBps", 2_001n],
      ["penaltyAboveMaintenance", { liquidationPenaltyBps: 1_001 }, "liquidationPenaltyBps", 1_001n],
      ["concentrationZero", { concentrationBps: 0 }, "concentrationBps", 0n],
      ["concentrationAbove100pc", { concentrationBps: 10_001 }, "concentrationBps", 10_001n],
      ["shockLengthNotLegCount", { shockBps: [0, 2_500] }, "shockBps", 2n],
      ["shockValueAbove100pc", { shockBps: [0, 10_001, 0] }, "shockBps", 1n],
      ["groupShockAbove100pc", { groupShockBps: 10_001 }, "groupShockBps", 10_001n],
      ["groupMaskBeyondLegs", { groupMask: 0b1000 }, "groupMask", 8n],
      ["actionDelayZero", { actionDelay: 0 }, "actionDelay", 0n],
      ["actionDelayBelowOneHour", { actionDelay: 3_599 }, "actionDelay", 3_599n],
      ["minShortEquityZero", { minShortEquityBps: 0 }, "minShortEquityBps", 0n],
      ["minShortEquityAbove200", { minShortEquityBps: 201 }, "minShortEquityBps", 201n],
      ["disputeWindowZero", { disputeWindow: 0 }, "disputeWindow", 0n],
      ["disputeBondZero", { disputeBond: 0n }, "disputeBond", 0n],
    ];
    for (const [name, over, field, value] of bad) {
      it(`reverts_invalidMarginConfig_${name}`, async () => {
        const m = await conn.networkHelpers.loadFixture(env);
        const cfg = await marginSessionConfig(m);
        const module = await m.ethers.getContractAt("MarginModule", ZeroAddress);
        await expect(m.factory.createMarginSession(cfg, fixtureMarginConfig(over)))
          .to.be.revertedWithCustomError(module, "InvalidMarginConfig")
          .withArgs(field, value);
      });
    }

    it("reverts_configureMarginTwice", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const h = await createMargin(m);
      await expect(h.module.connect(m.admin).configureMargin(fixtureMarginConfig())).to.be.revertedWithCustomError(
        h.module,
        "InvalidInitialization",
      );
    });

    it("reverts_moduleCalledDirectly_NotASession", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const h = await createMargin(m);
      const module = await m.ethers.getContractAt("MarginModule", await h.session.module());
      await expect(module.disputeFixing()).to.be.revertedWithCustomError(module, "NotASession");
      await expect(module.recordGap([WAD, WAD, WAD])).to.be.revertedWithCustomError(module, "NotASession");
      await expect(module.claimDividends(m.alice.address)).to.be.revertedWithCustomError(module, "NotASession");
      await expect(module.configureMargin(fixtureMarginConfig())).to.be.revertedWithCustomError(module, "NotASession");
      // The organiser functions check the session before the role (the module has no roles to ask).
      await expect(module.connect(m.admin).scheduleAction(0, 1, 2, 1)).to.be.revertedWithCustomError(
        module,
        "NotASession",
      );
      await expect(module.connect(m.admin).cancelAction(0)).to.be.revertedWithCustomError(module, "NotASession");
      await expect(module.connect(m.admin).executeAction(0)).to.be.revertedWithCustomError(module, "NotASession");
      await expect(module.connect(m.admin).proposeFixing([WAD, WAD, WAD])).to.be.revertedWithCustomError(
        module,
        "NotASession",
      );
    });

    it("reverts_recordGap_calledThroughSessionWhileOpen", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const h = await createMargin(m);
      await expect(h.module.recordGap([WAD, WAD, WAD]))
        .to.be.revertedWithCustomError(h.module, "AlreadyFinal")
        .withArgs(0);
    });
  });

  // ---------------------------------------------------------------- shorting
  describe("shorting", () => {
    it("fill_takesMakerShortWithinMargin_marginOfMatchesHand", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const { order, sig } = await aliceSells(m, h, 6n * TOKEN1, 600n * USDC);
      await expect(h.session.connect(m.bob).fill(order, sig, WAD)).to.emit(h.session, "Traded");
      expect(await allocations(h, m.alice.address)).to.deep.equal(X.alice);
      expect(await allocations(h, m.bob.address)).to.deep.equal(X.bob);
      expect(await allocations(h, m.feeTo.address)).to.deep.equal(X.feeTo);
      expect(await h.module.shortAccounts()).to.deep.equal([m.alice.address]);
      // equity 799.7 - 400 + 100 = 499.7; gross 799.7 + 400 + 100 = 1299.7; worst shock 25% of 400 = 100.
      const r = await h.module.marginOf(m.alice.address);
      expect(r.equityE36).to.equal(e36("499.7"));
      expect(r.stressedE36).to.equal(e36("399.7"));
      expect(r.grossE36).to.equal(e36("1299.7"));
      expect(r.initialE36).to.equal(e36("259.94"));
      expect(r.maintenanceE36).to.equal(e36("129.97"));
      expect(r.liquidatable).to.equal(false);
      // The mirror agrees with the hand numbers.
      const mirror = risk(X.alice, prices(START8), SHOCKS);
      expect([mirror.equity, mirror.stressed, mirror.gross]).to.deep.equal([e36("499.7"), e36("399.7"), e36("1299.7")]);
      await expectConservation(m, h);
    });

    it("fill_longOnlyAccountsSkipTheMarginRule", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      // Carol sells 1 of her 14 leg-1 units: nobody goes short, nothing is checked, nobody enters the short set.
      const order = await makeOrder(m, m.carol.address, [0, 1], [100n * USDC, -TOKEN1]);
      await h.session.connect(m.bob).fill(order, await sign(m, h.session, m.carol, order), WAD);
      expect(await h.module.shortAccounts()).to.deep.equal([]);
      expect((await allocations(h, m.carol.address))[1]).to.equal(13n * TOKEN1);
    });

    it("reverts_fill_BelowInitialMargin_exactArgs", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      // Alice sells 14 for 1400 USDC: x = [200 + 1400 - 0.7, -12, 2] USDC/units.
      // equity 1599.3 - 1200 + 100 = 499.3; gross 2899.3; worst 25% of 1200 = 300 -> stressed 199.3;
      // initial 20% of 2899.3 = 579.86.
      const { order, sig } = await aliceSells(m, h, 14n * TOKEN1, 1400n * USDC);
      await expect(h.session.connect(m.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError(h.session, "BelowInitialMargin")
        .withArgs(m.alice.address, e36("199.3"), e36("579.86"));
    });

    it("reverts_fill_ConcentrationExceeded_exactArgs", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      // Selling 20 of her 2 leaves Alice short 18; the cap is 50% of q_1 = 30, i.e. 15.
      const { order, sig } = await aliceSells(m, h, 20n * TOKEN1, 2000n * USDC);
      await expect(h.session.connect(m.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError(h.session, "ConcentrationExceeded")
        .withArgs(m.alice.address, 1n, 18n * TOKEN1, 15n * TOKEN1);
    });

    it("reverts_fill_whenPriceStale_withOracleError", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const updatedAt = m.now - 40n * DAY;
      await m.mfeeds[2].updateRoundData(9n, START8[2], updatedAt, updatedAt);
      const { order, sig } = await aliceSells(m, h, 6n * TOKEN1, 600n * USDC);
      await expect(h.session.connect(m.bob).fill(order, sig, WAD))
        .to.be.revertedWithCustomError({ interface: OracleFixing__factory.createInterface() }, "StaleRound")
        .withArgs(await m.mfeeds[2].getAddress(), updatedAt, HEARTBEAT);
    });
  });

  // ---------------------------------------------------------------- liquidation
  describe("liquidation", () => {
    // At leg-1 price 180: equity 799.7 - 720 + 100 = 179.7; gross 1619.7; worst 25% of 720 = 180 -> stressed -0.3;
    // maintenance 161.97; penalty 5% of 1619.7 = 80.985; compensation (179.7 - 80.985) / 1 = 98.715 USDC.
    const MOVED = [START8[0], 180_00000000n, START8[2]];

    it("reverts_liquidate_NotLiquidatable_beforePriceMove", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await expect(h.session.connect(m.carol).liquidate(m.alice.address))
        .to.be.revertedWithCustomError(h.session, "NotLiquidatable")
        .withArgs(m.alice.address, e36("399.7"), e36("129.97"));
    });

    it("reverts_liquidate_NotLiquidatable_whenLongOnly", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await setPrices(m, MOVED);
      // Carol [1400, 14, 14] at 180: equity = gross = 1400 + 2520 + 700 = 4620; worst 25% of 2520 = 630.
      await expect(h.session.connect(m.bob).liquidate(m.carol.address))
        .to.be.revertedWithCustomError(h.session, "NotLiquidatable")
        .withArgs(m.carol.address, e36("3990"), e36("462"));
    });

    it("liquidate_afterPriceMove_liquidatorTakesVector_compensationExact", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await setPrices(m, MOVED);
      const before = await h.module.marginOf(m.alice.address);
      expect(before.liquidatable).to.equal(true);
      const p = prices(MOVED);
      const r = risk(X.alice, p, SHOCKS);
      expect([r.equity, r.stressed, r.gross]).to.deep.equal([e36("179.7"), e36("-0.3"), e36("1619.7")]);
      const penalty = (r.gross * 500n) / BPS;
      const compensation = (r.equity - penalty) / p[0];
      expect(compensation).to.equal(98_715_000n);
      await expect(h.session.connect(m.carol).liquidate(m.alice.address))
        .to.emit(h.session, "Liquidated")
        .withArgs(m.alice.address, m.carol.address, e36("179.7"), e36("-0.3"), e36("80.985"), 98_715_000n);
      expect(await allocations(h, m.alice.address)).to.deep.equal([98_715_000n, 0n, 0n]);
      expect(await allocations(h, m.carol.address)).to.deep.equal([
        X.carol[0] + X.alice[0] - 98_715_000n,
        X.carol[1] + X.alice[1],
        X.carol[2] + X.alice[2],
      ]);
      expect(await h.module.shortAccounts()).to.deep.equal([]);
      await expectConservation(m, h);
    });

    it("reverts_liquidate_SelfFill", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await setPrices(m, MOVED);
      await expect(h.session.connect(m.alice).liquidate(m.alice.address))
        .to.be.revertedWithCustomError(h.session, "SelfFill")
        .withArgs(m.alice.address);
    });

    it("reverts_liquidate_FeeRecipientCannotTrade", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await setPrices(m, MOVED);
      await expect(h.session.connect(m.feeTo).liquidate(m.alice.address))
        .to.be.revertedWithCustomError(h.session, "FeeRecipientCannotTrade")
        .withArgs(m.feeTo.address);
    });

    it("reverts_liquidate_whenLiquidatorBelowInitialMarginAfterTakeOver", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await setPrices(m, MOVED);
      // Dave holds nothing: he would hold [799.7 - 98.715, -4, 2] = [700.985, -4, 2]. equity 80.985 (the penalty);
      // gross 700.985 + 720 + 100 = 1520.985; stressed 80.985 - 180 = -99.015; initial 20% = 304.197.
      const dave = risk([700_985_000n, -4n * TOKEN1, 2n * TOKEN2], prices(MOVED), SHOCKS);
      expect(dave.stressed).to.equal(e36("-99.015"));
      await expect(h.session.connect(m.dave).liquidate(m.alice.address))
        .to.be.revertedWithCustomError(h.session, "BelowInitialMargin")
        .withArgs(m.dave.address, e36("-99.015"), e36("304.197"));
    });

    it("reverts_liquidate_outsideTrading", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await m.networkHelpers.time.increaseTo(windows(m).t2);
      await setPrices(m, MOVED);
      await expect(h.session.connect(m.carol).liquidate(m.alice.address)).to.be.revertedWithCustomError(
        h.session,
        "TradingClosed",
      );
    });
  });

  // ---------------------------------------------------------------- corporate actions
  describe("corporate actions", () => {
    it("reverts_schedule_notOrganiser", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      await expect(h.module.connect(m.alice).scheduleAction(ActionKind.Split, 1, 2n, 1n))
        .to.be.revertedWithCustomError(h.module, "AccessControlUnauthorizedAccount")
        .withArgs(m.alice.address, ZeroHash);
    });

    it("reverts_schedule_cashLeg", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      await expect(h.module.connect(m.admin).scheduleAction(ActionKind.Dividend, 0, USDC, 0n))
        .to.be.revertedWithCustomError(h.module, "BadAction")
        .withArgs("leg", 0n);
    });

    it("reverts_schedule_badRatio", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await expect(a.scheduleAction(ActionKind.Split, 1, 3n, 3n))
        .to.be.revertedWithCustomError(h.module, "BadAction")
        .withArgs("ratio", 3n);
      await expect(a.scheduleAction(ActionKind.Split, 1, 0n, 1n))
        .to.be.revertedWithCustomError(h.module, "BadAction")
        .withArgs("ratio", 0n);
      await expect(a.scheduleAction(ActionKind.Split, 1, 2n, 0n))
        .to.be.revertedWithCustomError(h.module, "BadAction")
        .withArgs("ratio", 2n);
    });

    it("reverts_schedule_whenEtaAtOrAfterT2_ActionsClosed", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const { t2 } = windows(m);
      await m.networkHelpers.time.setNextBlockTimestamp(t2 - 3_600n);
      await expect(h.module.connect(m.admin).scheduleAction(ActionKind.Split, 1, 2n, 1n))
        .to.be.revertedWithCustomError(h.module, "ActionsClosed")
        .withArgs(t2, t2);
    });

    it("schedule_lastSecondBeforeT2_isAccepted", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const { t2 } = windows(m);
      await m.networkHelpers.time.setNextBlockTimestamp(t2 - 3_601n);
      await expect(h.module.connect(m.admin).scheduleAction(ActionKind.Split, 1, 2n, 1n))
        .to.emit(h.module, "ActionScheduled")
        .withArgs(0n, ActionKind.Split, 1n, 2n, 1n, t2 - 1n);
    });

    it("reverts_execute_beforeEta_ActionNotReady", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const t = windows(m).t1 + 100n;
      await m.networkHelpers.time.setNextBlockTimestamp(t);
      await h.module.connect(m.admin).scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await m.networkHelpers.time.setNextBlockTimestamp(t + 3_599n);
      await expect(h.module.connect(m.admin).executeAction(0n))
        .to.be.revertedWithCustomError(h.module, "ActionNotReady")
        .withArgs(0n, t + 3_600n, t + 3_599n);
    });

    it("reverts_execute_notOrganiser", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      await h.module.connect(m.admin).scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await expect(h.module.connect(m.bob).executeAction(0n))
        .to.be.revertedWithCustomError(h.module, "AccessControlUnauthorizedAccount")
        .withArgs(m.bob.address, ZeroHash);
    });

    it("reverts_execute_afterCancel_ActionNotScheduled", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await expect(a.cancelAction(0n)).to.emit(h.module, "ActionCancelled").withArgs(0n);
      await m.networkHelpers.time.increase(3_600n);
      await expect(a.executeAction(0n)).to.be.revertedWithCustomError(h.module, "ActionNotScheduled").withArgs(0n, 3n);
      await expect(a.cancelAction(0n)).to.be.revertedWithCustomError(h.module, "ActionNotScheduled").withArgs(0n, 3n);
      await expect(a.executeAction(7n)).to.be.revertedWithCustomError(h.module, "ActionNotScheduled").withArgs(7n, 0n);
    });

    it("split_2for1_tokenFirstThenExecute_unitsUnchanged_claimsPayTwiceTheTokens", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await m.networkHelpers.time.increase(3_600n);
      await m.split.split(2n, 1n);
      expect(await m.split.balanceOf(h.address)).to.equal(60n * TOKEN1);
      await expect(a.executeAction(0n))
        .to.emit(h.module, "ActionExecuted")
        .withArgs(0n, ActionKind.Split, 1n, 2n, 1n, 0n, 0n);
      // Session units unchanged; leg 1 is now 2 tokens per session unit.
      expect(await allocations(h, m.alice.address)).to.deep.equal([2n * UNITS[0], 2n * TOKEN1, 2n * TOKEN2]);
      const ls = await h.module.legState(1);
      expect([ls.scaleNum, ls.scaleDen, ls.closed, ls.dividendIndex, ls.basket]).to.deep.equal([
        2n,
        1n,
        false,
        0n,
        30n * TOKEN1,
      ]);
      // The split token trades at half: 50. A session unit of leg 1 is still worth 100.
      await m.networkHelpers.time.increaseTo(windows(m).t2);
      await settleMargin(m, h, [START8[0], 50_00000000n, START8[2]]);
      // Alice's value 200 + 2 * 100 + 2 * 50 = 500 of V = 30 * 250 = 7500: 1/15 of each basket.
      await h.session.connect(m.alice).claim(m.alice.address);
      expect(await m.split.balanceOf(m.alice.address)).to.equal(4n * TOKEN1);
      expect(await m.usdc.balanceOf(m.alice.address)).to.equal(200n * USDC);
      expect(await m.other.balanceOf(m.alice.address)).to.equal(2n * TOKEN2);
    });

    it("reverts_split_withoutTokenSplit_BalanceShortfall", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await m.networkHelpers.time.increase(3_600n);
      await expect(a.executeAction(0n))
        .to.be.revertedWithCustomError(h.module, "BalanceShortfall")
        .withArgs(await m.split.getAddress(), 30n * TOKEN1, 60n * TOKEN1);
    });

    it("reverseSplitThatNeverHappened_isRefused", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      const token = await m.split.getAddress();
      // 1:10 scheduled, the token never splits: the pool still holds the old basket of 30, far above the new
      // basket of 3 (at most 2 * 3 + 1 unit allowed). Before the fix only have >= need was checked, which passed.
      await a.scheduleAction(ActionKind.Split, 1, 1n, 10n);
      // 2:3 scheduled, the token never splits: 30 is not below the old basket of 30.
      await a.scheduleAction(ActionKind.Split, 1, 2n, 3n);
      await m.networkHelpers.time.increase(3_600n);
      await expect(a.executeAction(0n))
        .to.be.revertedWithCustomError(h.module, "SplitNotReflected")
        .withArgs(token, 30n * TOKEN1, 6n * TOKEN1 + 1n);
      await expect(a.executeAction(1n))
        .to.be.revertedWithCustomError(h.module, "SplitNotReflected")
        .withArgs(token, 30n * TOKEN1, 30n * TOKEN1 - 1n);
      expect((await h.module.legState(1)).scaleDen).to.equal(1n);
    });

    it("reverts_split_ofAnotherRatio_SplitNotReflected", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      // 2:1 scheduled, the token splits 10:1: 300 held, the new basket is 60, at most 121 allowed.
      await a.scheduleAction(ActionKind.Split, 1, 2n, 1n);
      await m.networkHelpers.time.increase(3_600n);
      await m.split.split(10n, 1n);
      await expect(a.executeAction(0n))
        .to.be.revertedWithCustomError(h.module, "SplitNotReflected")
        .withArgs(await m.split.getAddress(), 300n * TOKEN1, 120n * TOKEN1 + 1n);
    });

    it("reverseSplit_thatHappened_isAccepted_andSurplusReleasedAfterClaims", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      // Someone donated 1 token: the pool holds 31 for a basket of 30.
      await m.split.mint(m.dave.address, TOKEN1);
      await m.split.connect(m.dave).transfer(h.address, TOKEN1);
      await a.scheduleAction(ActionKind.Split, 1, 1n, 10n);
      await m.networkHelpers.time.increase(3_600n);
      await m.split.split(1n, 10n);
      // 31 became 3.1: at least the new basket of 3, at most 6 + 1 unit.
      expect(await m.split.balanceOf(h.address)).to.equal(31n * 10n ** 17n);
      await expect(a.executeAction(0n))
        .to.emit(h.module, "ActionExecuted")
        .withArgs(0n, ActionKind.Split, 1n, 1n, 10n, 0n, 0n);
      expect(await h.module.basketTokens(1)).to.equal(3n * TOKEN1);
      // The token is 10x the price per token: a session unit keeps its value of 100.
      await m.networkHelpers.time.increaseTo(windows(m).t2);
      await settleMargin(m, h, [START8[0], 1000_00000000n, START8[2]]);
      for (const who of [m.alice, m.bob, m.carol]) await h.session.connect(who).claim(who.address);
      // Every claim was paid its share of the basket of 3; the 0.1 surplus is left, owed to nobody.
      expect(await m.split.balanceOf(h.address)).to.equal(10n ** 17n);
      await m.networkHelpers.time.increaseTo(windows(m).claimDeadline + 1n);
      await h.session.sweepDust();
      // Released to the fee recipient, not stranded (before the fix the sweep stopped at the basket).
      expect(await m.split.balanceOf(m.feeTo.address)).to.equal(10n ** 17n);
      for (let k = 0; k < 3; k++) expect(await m.legs[k].balanceOf(h.address), `leg ${k}`).to.equal(0n);
    });

    it("cashInLieu_clearsFormerShorts", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      // Alice sells 6 of leg 2 (holding 2) for 300 USDC, paying a 0.15 maker fee: [499.85, 2, -4].
      const order = await makeOrder(m, m.alice.address, [0, 2], [300n * USDC, -6n * TOKEN2]);
      await h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD);
      expect(await h.module.shortAccounts()).to.deep.equal([m.alice.address]);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.CashInLieu, 2, 0n, 0n);
      await m.networkHelpers.time.increase(3_600n);
      await setPrices(m, START8);
      await m.usdc.mint(m.admin.address, 1500n * USDC);
      await m.usdc.connect(m.admin).approve(h.address, 1500n * USDC);
      await a.executeAction(0n);
      // She paid the leg's value, 4 x 50, from her cash; her short of the closed leg is cleared and she has
      // left the short set (before the fix: -4 stayed stored and she stayed listed until settlement).
      expect(await allocations(h, m.alice.address)).to.deep.equal([499_850_000n - 200n * USDC, 2n * TOKEN1, 0n]);
      expect(await h.module.shortAccounts()).to.deep.equal([]);
      expect((await h.module.marginOf(m.alice.address)).liquidatable).to.equal(false);
    });

    it("dividend_organiserPays_shortsDebitedAtOnce_longsClaimExact", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      const a = h.module.connect(m.admin);
      const pay = 300n * USDC;
      await a.scheduleAction(ActionKind.Dividend, 1, pay, 0n);
      await m.networkHelpers.time.increase(3_600n);
      await m.usdc.mint(m.admin.address, pay);
      await m.usdc.connect(m.admin).approve(h.address, pay);
      // Index delta = 300e6 * 1e36 / 30e18 = 1e25 (10 USDC per token). Alice, short 4, owes 40 USDC now.
      const delta = (pay * E36) / (30n * TOKEN1);
      expect(delta).to.equal(10n ** 25n);
      const tx = a.executeAction(0n);
      await expect(tx)
        .to.emit(h.module, "DividendAccrued")
        .withArgs(m.alice.address, 1n, 0n, 40n * USDC);
      await expect(tx).to.emit(h.module, "ActionExecuted").withArgs(0n, ActionKind.Dividend, 1n, 0n, 0n, delta, pay);
      expect(await m.usdc.balanceOf(m.admin.address)).to.equal(0n);
      expect((await allocations(h, m.alice.address))[0]).to.equal(X.alice[0] - 40n * USDC);
      expect((await h.module.legState(0)).basket).to.equal(3000n * USDC - 40n * USDC);
      expect((await h.module.marginConfig()).dividendReserve).to.equal(340n * USDC);
      // Longs: bob 19.994 * 10 = 199.94; carol 14 * 10 = 140; fee recipient 0.006 * 10 = 0.06 (sum 340).
      expect(await h.module.dividendsOf(m.bob.address)).to.equal(199_940_000n);
      expect(await h.module.dividendsOf(m.carol.address)).to.equal(140n * USDC);
      expect(await h.module.dividendsOf(m.feeTo.address)).to.equal(60_000n);
      expect(await h.module.dividendsOf(m.alice.address)).to.equal(0n);
      await expect(h.module.connect(m.bob).claimDividends(m.dave.address))
        .to.emit(h.module, "DividendsClaimed")
        .withArgs(m.bob.address, m.dave.address, 199_940_000n);
      expect(await m.usdc.balanceOf(m.dave.address)).to.equal(199_940_000n);
      expect(await h.module.dividendsOf(m.bob.address)).to.equal(0n);
      await expect(h.module.connect(m.carol).claimDividends(m.carol.address))
        .to.emit(h.module, "DividendAccrued")
        .withArgs(m.carol.address, 1n, 140n * USDC, 0n);
      await expect(h.module.connect(m.alice).claimDividends(m.alice.address))
        .to.be.revertedWithCustomError(h.module, "NothingToClaim")
        .withArgs(m.alice.address);
      expect((await h.module.marginConfig()).dividendReserve).to.equal(340n * USDC - 199_940_000n - 140n * USDC);
      await expectConservation(m, h);
    });

    it("cashInLieu_closesLeg_organiserTakesTokensAndPaysExactCash", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.CashInLieu, 2, 0n, 0n);
      await m.networkHelpers.time.increase(3_600n);
      // q_2 = 30 tokens at 50 = 1500 USDC; per session unit 50 * 1e28 * 1e36 / 1e30 = 5e35.
      const pay = 1500n * USDC;
      const delta = (unitValue(START8[2], 8) * E36) / unitValue(START8[0], 6);
      expect(delta).to.equal(5n * 10n ** 35n);
      await m.usdc.mint(m.admin.address, pay);
      await m.usdc.connect(m.admin).approve(h.address, pay);
      await expect(a.executeAction(0n))
        .to.emit(h.module, "ActionExecuted")
        .withArgs(0n, ActionKind.CashInLieu, 2n, 0n, 0n, delta, pay);
      expect(await m.usdc.balanceOf(m.admin.address)).to.equal(0n);
      expect(await m.other.balanceOf(m.admin.address)).to.equal(30n * TOKEN2);
      expect(await m.other.balanceOf(h.address)).to.equal(0n);
      expect((await h.module.legState(2)).closed).to.equal(true);
      expect(await h.module.dividendsOf(m.alice.address)).to.equal(100n * USDC);
      expect(await h.module.dividendsOf(m.bob.address)).to.equal(700n * USDC);
      // Trading the closed leg reverts.
      const order = await makeOrder(m, m.alice.address, [0, 2], [50n * USDC, -TOKEN2]);
      await expect(h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD))
        .to.be.revertedWithCustomError(h.session, "LegClosed")
        .withArgs(2n);
      await expect(a.scheduleAction(ActionKind.Dividend, 2, USDC, 0n))
        .to.be.revertedWithCustomError(h.module, "LegClosed")
        .withArgs(2n);
      // It prices zero: Alice [200, 2, 2] is worth 200 + 200 + 0.
      expect((await h.module.marginOf(m.alice.address)).equityE36).to.equal(e36("400"));
    });

    it("reverts_actions_atOrAfterT2", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const a = h.module.connect(m.admin);
      await a.scheduleAction(ActionKind.Split, 1, 2n, 1n);
      const { t2 } = windows(m);
      await m.networkHelpers.time.setNextBlockTimestamp(t2);
      await expect(a.executeAction(0n)).to.be.revertedWithCustomError(h.module, "ActionsClosed").withArgs(t2, t2);
      await m.networkHelpers.time.setNextBlockTimestamp(t2 + 1n);
      await expect(a.scheduleAction(ActionKind.Split, 1, 2n, 1n))
        .to.be.revertedWithCustomError(h.module, "ActionsClosed")
        .withArgs(t2 + 1n + 3_600n, t2);
    });
  });

  // ---------------------------------------------------------------- settlement with a gap
  describe("settlement gap", () => {
    async function settledAt(price1: bigint) {
      const f = await shortTraded();
      await f.m.networkHelpers.time.increaseTo(windows(f.m).t2);
      await settleMargin(f.m, f.h, [START8[0], price1, START8[2]]);
      return f;
    }
    const gapAt250 = () => settledAt(250_00000000n);
    const gapAt225 = () => settledAt(225_00000000n);

    it("gap_socialisedProRata_afterInsurance_whenShortUnderwater", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(gapAt250);
      const p = prices([START8[0], 250_00000000n, START8[2]]);
      const value = (x: bigint[]) => x.reduce((s, v, k) => s + v * p[k], 0n);
      // V = 3000 + 30 * 250 + 30 * 50 = 12000; Alice 799.7 - 1000 + 100 = -100.3; insurance 0.3 + 1.5 = 1.8.
      const V = 3000n * USDC * p[0] + 30n * TOKEN1 * p[1] + 30n * TOKEN2 * p[2];
      expect(V).to.equal(e36("12000"));
      const D = -value(X.alice);
      const I = value(X.feeTo);
      expect([D, I]).to.deep.equal([e36("100.3"), e36("1.8")]);
      const P = V + D - I;
      expect(P).to.equal(e36("12098.5"));
      expect(value(X.bob) + value(X.carol)).to.equal(P);
      const g = await h.module.gap();
      expect([g.basketE36, g.deficitE36, g.insuranceE36, g.positiveE36, g.socialisedE36]).to.deep.equal([
        V,
        D,
        I,
        P,
        D - I,
      ]);
      const baskets = [3000n * USDC, 30n * TOKEN1, 30n * TOKEN2];
      const paid = [0n, 0n, 0n];
      for (const [who, x] of [
        [m.bob, X.bob],
        [m.carol, X.carol],
      ] as const) {
        const claimValue = mulDivDown(value(x), V, P);
        expect(await h.module.claimValueOf(who.address)).to.equal(claimValue);
        const want = baskets.map((q) => mulDivDown(claimValue, q, V));
        await expect(h.session.connect(who).claim(who.address))
          .to.emit(h.session, "Claimed")
          .withArgs(who.address, who.address, want);
        want.forEach((w, k) => (paid[k] += w));
      }
      for (let k = 0; k < 3; k++) expect(paid[k] <= baskets[k], `leg ${k}`).to.equal(true);
      // Bob's claim: 6498.5 * 12000 / 12098.5 = 6445.59...; of leg 1, 6445.59 / 12000 * 30 = 16.113...
      expect(paid[1]).to.equal(
        mulDivDown(mulDivDown(e36("6498.5"), V, P), 30n * TOKEN1, V) +
          mulDivDown(mulDivDown(e36("5600"), V, P), 30n * TOKEN1, V),
      );
      for (const who of [m.alice, m.feeTo]) {
        expect(await h.module.claimValueOf(who.address)).to.equal(0n);
        await expect(h.session.connect(who).claim(who.address))
          .to.be.revertedWithCustomError(h.session, "NothingToClaim")
          .withArgs(who.address);
      }
    });

    it("gap_emitsGapSettled_withDeficitInsuranceAndSocialised", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      await m.networkHelpers.time.increaseTo(windows(m).t2);
      await expect(settleMargin(m, h, [START8[0], 250_00000000n, START8[2]]))
        .to.emit(h.module, "GapSettled")
        .withArgs(e36("100.3"), e36("1.8"), e36("98.5"));
    });

    it("gap_coveredByInsurance_whenSmall_feeRecipientKeepsTheRest", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(gapAt225);
      // Alice 799.7 - 900 + 100 = -0.3; insurance 0.3 + 0.006 * 225 = 1.65 covers it, 1.35 left.
      const g = await h.module.gap();
      expect([g.deficitE36, g.insuranceE36, g.socialisedE36]).to.deep.equal([e36("0.3"), e36("1.65"), 0n]);
      expect(await h.module.claimValueOf(m.feeTo.address)).to.equal(e36("1.35"));
      // Positive accounts are paid their value unscaled: Bob 800 + 19.994 * 225 + 700 = 5998.65.
      expect(await h.module.claimValueOf(m.bob.address)).to.equal(e36("5998.65"));
      expect(await h.module.claimValueOf(m.alice.address)).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- fallback fixing
  describe("fallback", () => {
    const PROPOSED = [WAD, 120n * WAD, 40n * WAD];

    async function pastDeadline() {
      const f = await subscribed();
      await f.m.networkHelpers.time.increaseTo(windows(f.m).fallbackDeadline + 1n);
      return f;
    }
    async function proposed() {
      const f = await pastDeadline();
      await f.h.module.connect(f.m.admin).proposeFixing(PROPOSED);
      return f;
    }

    it("reverts_propose_beforeDeadline_ProposalWindow", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
      const { fallbackDeadline } = windows(m);
      await m.networkHelpers.time.setNextBlockTimestamp(fallbackDeadline);
      await expect(h.module.connect(m.admin).proposeFixing(PROPOSED))
        .to.be.revertedWithCustomError(h.module, "ProposalWindow")
        .withArgs(fallbackDeadline, fallbackDeadline + 1n, fallbackDeadline + DAY);
    });

    it("reverts_propose_afterProposalWindow", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(subscribed);
      const { fallbackDeadline } = windows(m);
      await m.networkHelpers.time.setNextBlockTimestamp(fallbackDeadline + DAY + 1n);
      await expect(h.module.connect(m.admin).proposeFixing(PROPOSED))
        .to.be.revertedWithCustomError(h.module, "ProposalWindow")
        .withArgs(fallbackDeadline + DAY + 1n, fallbackDeadline + 1n, fallbackDeadline + DAY);
    });

    it("reverts_propose_notOrganiser", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(pastDeadline);
      await expect(h.module.connect(m.bob).proposeFixing(PROPOSED))
        .to.be.revertedWithCustomError(h.module, "AccessControlUnauthorizedAccount")
        .withArgs(m.bob.address, ZeroHash);
    });

    it("reverts_propose_badPrices", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(pastDeadline);
      const a = h.module.connect(m.admin);
      await expect(a.proposeFixing([WAD, WAD]))
        .to.be.revertedWithCustomError(h.module, "BadProposal")
        .withArgs(2n);
      await expect(a.proposeFixing([WAD, 0n, WAD]))
        .to.be.revertedWithCustomError(h.module, "BadProposal")
        .withArgs(1n);
    });

    it("propose_thenDispute_releasesProRata_bondHeldForFeeRecipient", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      const p = await h.module.proposal();
      expect(Array.from(p.prices)).to.deep.equal(PROPOSED);
      expect(p.disputer).to.equal(ZeroAddress);
      await expect(h.module.connect(m.admin).proposeFixing(PROPOSED)).to.be.revertedWithCustomError(
        h.module,
        "ProposalExists",
      );
      await m.usdc.mint(m.bob.address, BOND);
      await m.usdc.connect(m.bob).approve(h.address, BOND);
      const sessionUsdc = await m.usdc.balanceOf(h.address);
      await expect(h.module.connect(m.bob).disputeFixing())
        .to.emit(h.module, "FixingDisputed")
        .withArgs(m.bob.address, BOND);
      expect(await h.session.status()).to.equal(2n);
      // The bond stays in the pool as the fee recipient's balance; nothing is pushed to it.
      expect(await m.usdc.balanceOf(m.feeTo.address)).to.equal(0n);
      expect(await m.usdc.balanceOf(m.bob.address)).to.equal(0n);
      expect(await m.usdc.balanceOf(h.address)).to.equal(sessionUsdc + BOND);
      expect(await h.module.bondOf(m.feeTo.address)).to.equal(BOND);
      await expect(h.module.connect(m.feeTo).withdrawBond(m.feeTo.address))
        .to.emit(h.module, "BondWithdrawn")
        .withArgs(m.feeTo.address, m.feeTo.address, BOND);
      expect(await m.usdc.balanceOf(m.feeTo.address)).to.equal(BOND);
      expect(await h.module.bondOf(m.feeTo.address)).to.equal(0n);
      expect((await h.module.proposal()).disputer).to.equal(m.bob.address);
      // Pro rata to shares: Alice has 2 of 30, i.e. her subscription back.
      await expect(h.session.connect(m.alice).claim(m.alice.address))
        .to.emit(h.session, "Claimed")
        .withArgs(m.alice.address, m.alice.address, [2n * UNITS[0], 2n * UNITS[1], 2n * UNITS[2]]);
      await expect(h.module.connect(m.carol).disputeFixing()).to.be.revertedWithCustomError(h.module, "NoProposal");
    });

    it("blocklistedFeeRecipient_disputeStillWorks_bondPulled", async () => {
      // The cash leg is a USDC-style token that blocklists the fee recipient. Before the fix the bond was pushed
      // to the fee recipient inside disputeFixing, so every dispute reverted and the proposal went through.
      const m = await deployMarginLegs(await deployBase(conn, 0));
      const blk = (await m.ethers.deployContract("BlocklistToken", [6])) as unknown as MarginEnv["usdc"];
      m.usdc = blk;
      m.legs[0] = blk;
      const h = await createMargin(m);
      await subscribeMargin(m, h, m.alice, 2n);
      await subscribeMargin(m, h, m.bob, 14n);
      await m.networkHelpers.time.increaseTo(windows(m).fallbackDeadline + 1n);
      await h.module.connect(m.admin).proposeFixing(PROPOSED);
      const blocked = await m.ethers.getContractAt("BlocklistToken", await blk.getAddress());
      await blocked.setBlocked(m.feeTo.address, true);
      await blk.mint(m.bob.address, BOND);
      await blk.connect(m.bob).approve(h.address, BOND);
      await expect(h.module.connect(m.bob).disputeFixing())
        .to.emit(h.module, "FixingDisputed")
        .withArgs(m.bob.address, BOND);
      expect(await h.session.status()).to.equal(2n);
      expect(await h.module.bondOf(m.feeTo.address)).to.equal(BOND);
      // The blocked owner cannot receive it, but pulls it to an address of its choosing.
      await expect(h.module.connect(m.feeTo).withdrawBond(m.feeTo.address))
        .to.be.revertedWithCustomError(blocked, "Blocked")
        .withArgs(m.feeTo.address);
      await expect(h.module.connect(m.feeTo).withdrawBond(m.dave.address))
        .to.emit(h.module, "BondWithdrawn")
        .withArgs(m.feeTo.address, m.dave.address, BOND);
      expect(await blk.balanceOf(m.dave.address)).to.equal(BOND);
      // Claims go on as usual: Alice's 2 of 16 shares.
      await h.session.connect(m.alice).claim(m.alice.address);
      expect(await blk.balanceOf(m.alice.address)).to.equal(2n * UNITS[0]);
    });

    it("reverts_withdrawBond_NothingToClaim_whenNoBondHeld", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      await expect(h.module.connect(m.feeTo).withdrawBond(m.feeTo.address))
        .to.be.revertedWithCustomError(h.module, "NothingToClaim")
        .withArgs(m.feeTo.address);
      await m.usdc.mint(m.bob.address, BOND);
      await m.usdc.connect(m.bob).approve(h.address, BOND);
      await h.module.connect(m.bob).disputeFixing();
      // Only the owner of the bond (the fee recipient) can pull it.
      await expect(h.module.connect(m.bob).withdrawBond(m.bob.address))
        .to.be.revertedWithCustomError(h.module, "NothingToClaim")
        .withArgs(m.bob.address);
    });

    it("reverts_dispute_nonParticipant", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      await m.usdc.mint(m.dave.address, BOND);
      await m.usdc.connect(m.dave).approve(h.address, BOND);
      await expect(h.module.connect(m.dave).disputeFixing())
        .to.be.revertedWithCustomError(h.module, "NotParticipant")
        .withArgs(m.dave.address);
    });

    it("reverts_dispute_afterWindow", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      const at = (await h.module.proposal()).proposedAt;
      await m.networkHelpers.time.setNextBlockTimestamp(at + DAY + 1n);
      await expect(h.module.connect(m.bob).disputeFixing())
        .to.be.revertedWithCustomError(h.module, "DisputeWindow")
        .withArgs(at + DAY + 1n, at + DAY);
    });

    it("undisputed_finalizeFixing_afterWindow_settlesAtProposal", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      const at = (await h.module.proposal()).proposedAt;
      await m.networkHelpers.time.setNextBlockTimestamp(at + DAY);
      await expect(h.session.finalizeFixing())
        .to.be.revertedWithCustomError(h.session, "DisputeWindow")
        .withArgs(at + DAY, at + DAY);
      // The reverted call mined no block: the next one lands one second after the window.
      await m.networkHelpers.time.setNextBlockTimestamp(at + DAY + 1n);
      await expect(h.session.finalizeFixing()).to.emit(h.session, "SessionSettled");
      expect(await h.session.status()).to.equal(1n);
      for (let k = 0; k < 3; k++) expect(await h.session.settlementPrice(k)).to.equal(PROPOSED[k]);
      // V = 30 * (100 + 120 + 40) = 7800; Alice's 2 shares are worth 520, 1/15 of every basket.
      const g = await h.module.gap();
      expect(g.basketE36).to.equal(e36("7800"));
      expect(await h.module.claimValueOf(m.alice.address)).to.equal(e36("520"));
      await expect(h.session.connect(m.alice).claim(m.alice.address))
        .to.emit(h.session, "Claimed")
        .withArgs(m.alice.address, m.alice.address, [2n * UNITS[0], 2n * UNITS[1], 2n * UNITS[2]]);
    });

    it("reverts_releaseFallback_beforeDeadlinePlusWindow_ReleaseNotYet", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(pastDeadline);
      const end = windows(m).fallbackDeadline + DAY;
      await m.networkHelpers.time.setNextBlockTimestamp(end);
      await expect(h.session.releaseFallback())
        .to.be.revertedWithCustomError(h.session, "ReleaseNotYet")
        .withArgs(end, end);
      await m.networkHelpers.time.setNextBlockTimestamp(end + 1n);
      await expect(h.session.releaseFallback()).to.emit(h.session, "FallbackReleased");
    });

    it("fallbackPath_withPendingProposal_settlesAtItAfterItsWindow_andCheckUpkeepAgrees", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(proposed);
      const at = (await h.module.proposal()).proposedAt;
      const fallbackData = AbiCoder.defaultAbiCoder().encode(["bool", "uint80[][]"], [true, []]);
      await m.networkHelpers.time.increaseTo(at + DAY - 60n);
      expect((await h.session.checkUpkeep("0x"))[0]).to.equal(false); // inside the proposal's dispute window
      await m.networkHelpers.time.setNextBlockTimestamp(at + DAY);
      await expect(h.session.releaseFallback())
        .to.be.revertedWithCustomError(h.session, "DisputeWindow")
        .withArgs(at + DAY, at + DAY);
      await m.networkHelpers.time.increaseTo(at + DAY + 1n);
      const [needed, data] = await h.session.checkUpkeep("0x");
      expect([needed, data]).to.deep.equal([true, fallbackData]);
      // Automation's fallback path settles at the undisputed proposal, as finalizeFixing does.
      await expect(h.session.performUpkeep(data)).to.emit(h.session, "SessionSettled");
      expect(await h.session.status()).to.equal(1n);
      for (let k = 0; k < 3; k++) expect(await h.session.settlementPrice(k)).to.equal(PROPOSED[k]);
      expect((await h.module.gap()).basketE36).to.equal(e36("7800"));
      expect((await h.session.checkUpkeep("0x"))[0]).to.equal(false);
      await expect(h.session.finalizeFixing()).to.be.revertedWithCustomError(h.session, "NoProposal");
    });

    it("checkUpkeep_pastDeadlineWithoutProposal_waitsForTheProposalWindow_thenReleases", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(pastDeadline);
      const end = windows(m).fallbackDeadline + DAY;
      await m.networkHelpers.time.increaseTo(end - 60n);
      expect((await h.session.checkUpkeep("0x"))[0]).to.equal(false);
      await m.networkHelpers.time.increaseTo(end + 1n);
      const [needed, data] = await h.session.checkUpkeep("0x");
      expect(needed).to.equal(true);
      await expect(h.session.performUpkeep(data)).to.emit(h.session, "FallbackReleased");
      expect(await h.session.status()).to.equal(2n);
    });
  });

  // ---------------------------------------------------------------- SDK client
  describe("sdk/sessions/margin", () => {
    it("createMarginSession_createsAndReturnsTheSession", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const r = await createMarginSession(m.factory, await marginSessionConfig(m), fixtureMarginConfig());
      expect(r.session).to.equal(await m.factory.sessions((await m.factory.sessionCount()) - 1n));
      expect(r.gasUsed > 0n).to.equal(true);
      const module = await m.ethers.getContractAt("MarginModule", r.session);
      expect((await module.marginConfig()).disputeBond).to.equal(BOND);
    });

    it("createMarginSession_throwsDecodedMessage_onBadMarginField", async () => {
      const m = await conn.networkHelpers.loadFixture(env);
      const count = await m.factory.sessionCount();
      let message = "";
      try {
        await createMarginSession(
          m.factory,
          await marginSessionConfig(m),
          fixtureMarginConfig({ maintenanceMarginBps: 2_001 }),
        );
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.equal(
        'InvalidMarginConfig: The margin config\'s "maintenanceMarginBps" (value 2001) is out of range: bps at most 10,000, 0 < maintenance <= initial, penalty <= maintenance, one shock per leg, a group mask within the legs, an action delay of at least 3,600 s, a non-zero dispute window and bond, and a minimum short equity of 1 to 200 bps.',
      );
      expect(await m.factory.sessionCount()).to.equal(count);
    });

    it("marginReport_givesQuoteUnitDecimals", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(shortTraded);
      expect(await marginReport(h.module, m.alice.address)).to.deep.equal({
        account: m.alice.address,
        equity: "499.7",
        stressed: "399.7",
        gross: "1299.7",
        initial: "259.94",
        maintenance: "129.97",
        headroom: "139.76",
        liquidatable: false,
      });
      await setPrices(m, [START8[0], 180_00000000n, START8[2]]);
      const r = await marginReport(h.module, m.alice.address);
      expect([r.equity, r.stressed, r.headroom, r.liquidatable]).to.deep.equal(["179.7", "-0.3", "-324.24", true]);
    });

    it("scheduleAndExecute_runsASplitThroughTheTimelock", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      await m.split.split(2n, 1n);
      const advanced: bigint[] = [];
      const run = await scheduleAndExecute(h.module.connect(m.admin), ActionKind.Split, 1, 2n, 1n, async (s) => {
        advanced.push(s);
        await m.networkHelpers.time.increase(s);
      });
      expect(run.id).to.equal(0n);
      expect(advanced).to.deep.equal([3_599n]);
      const a = await h.module.action(0n);
      expect([a.state, a.eta]).to.deep.equal([2n, run.eta]);
      const ls = await h.module.legState(1);
      expect([ls.scaleNum, ls.scaleDen]).to.deep.equal([2n, 1n]);
    });

    it("scheduleAndExecute_throwsDecodedMessage", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      let message = "";
      try {
        await scheduleAndExecute(h.module.connect(m.admin), ActionKind.Split, 1, 2n, 1n, (s) =>
          m.networkHelpers.time.increase(s),
        );
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.equal(
        `BalanceShortfall: The session would hold ${30n * TOKEN1} of token ${await m.split.getAddress()} but owes ${60n * TOKEN1}: split the token itself before executing the split.`,
      );
    });

    it("decodeError_explainsMarginErrors", async () => {
      const { m, h } = await conn.networkHelpers.loadFixture(trading);
      const { order, sig } = await aliceSells(m, h, 14n * TOKEN1, 1400n * USDC);
      let err: unknown;
      try {
        await h.session.connect(m.bob).fill(order, sig, WAD);
      } catch (e) {
        err = e;
      }
      const d = decodeError(err, MARGIN_ABIS);
      expect(d?.name).to.equal("BelowInitialMargin");
      expect(d?.message).to.equal(
        `${m.alice.address} would have a stressed equity of 199.3, below the initial margin of 579.86 (quote units): trade smaller or hold more collateral.`,
      );
    });
  });
});
