/**
 * The margin-session commands end to end on the in-process chain: `session create` from a human-units config
 * of kind "margin", `session margin` (report in quote units and dividends due), `session liquidate`
 * (decoded NotLiquidatable before the price move, the compensation of the Liquidated event after it),
 * `session action` (schedule, list, execute a dividend and a cash-in-lieu with the exact cash approval, cancel;
 * ActionNotReady, BalanceShortfall, ActionNotScheduled decoded), `session dividends`, `session fixing` (propose, dispute,
 * finalize with their window errors) and the keeper's finalisation of an undisputed proposal (idle inside the
 * dispute window, performed after it, exactly once when two keepers race). Every command is checked for its
 * exit code, its text or JSON output, and a bad input.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { keeperPass, sessionTargets } from "../../sdk/cli/keeper.js";
import { MARGIN_ABIS } from "../../sdk/sessions/margin.js";
import type { SessionConfigFile } from "../../sdk/sessions/client.js";
import sessionAction from "../../tasks/actions/session/action.js";
import sessionCreate from "../../tasks/actions/session/create.js";
import sessionDividends from "../../tasks/actions/session/dividends.js";
import sessionFill from "../../tasks/actions/session/fill.js";
import sessionFixing from "../../tasks/actions/session/fixing.js";
import sessionLiquidate from "../../tasks/actions/session/liquidate.js";
import sessionMargin from "../../tasks/actions/session/margin.js";
import sessionOrder from "../../tasks/actions/session/order.js";
import sessionShow from "../../tasks/actions/session/show.js";
import type { MarginModule, MarginSession } from "../../types/ethers-contracts/index.js";
import { SessionKind, SettlementMode } from "../../sdk/sessions/config.js";
import { DAY, makeOrder, sign, WAD } from "../sessions/fixtures.js";
import {
  createMargin,
  deployMarginLegs,
  e36,
  marginSessionConfig,
  setPrices,
  START8,
  subscribeMargin,
  windows,
  type MarginEnv,
  type MarginHandles,
} from "../sessions/margin-fixtures.js";
import { capture, deployShared, hre, tempDir } from "./helpers.js";

const USDC = 10n ** 6n;
const TOKEN1 = 10n ** 18n;
/** Account indices in the default network: 0 admin (organiser), 2 fee recipient, 3 alice, 4 bob, 5 carol, 6 dave. */
const ADMIN = "0";
const ALICE = "3";
const BOB = "4";
const CAROL = "5";
const DAVE = "6";
/** Leg 1 rises from 100 to 180: alice's short falls below maintenance. */
const MOVED = [START8[0], 180_00000000n, START8[2]];

interface Parsed {
  [k: string]: unknown;
}
const json = (out: string) => JSON.parse(out) as Parsed;

describe("CLI: margin session commands", function () {
  let m: MarginEnv;
  let dir: string;
  let factory: string;
  /** Trading session: alice shorts leg 1, is liquidated, then corporate actions and dividends. */
  let a: MarginHandles;
  /** Fallback session: never fixed, the organiser proposes after the deadline. */
  let f: MarginHandles;
  let cfgFile: SessionConfigFile;
  /** The session created through the CLI (bond 25.5 USDC): bob subscribes and later disputes its proposal. */
  let c: string;

  before(async function () {
    m = await deployMarginLegs(await deployShared(0));
    dir = tempDir();
    factory = await m.factory.getAddress();
    a = await createMargin(m);
    f = await createMargin(m);
    for (const h of [a, f]) {
      await subscribeMargin(m, h, m.alice, 2n);
      await subscribeMargin(m, h, m.bob, 14n);
      await subscribeMargin(m, h, m.carol, 14n);
    }
    await m.usdc.mint(m.admin.address, 1_000n * USDC);
    await m.usdc.mint(m.dave.address, 100n * USDC);
    cfgFile = {
      kind: "margin",
      legs: await Promise.all(
        [0, 1, 2].map(async (k) => ({
          token: await m.legs[k].getAddress(),
          unit: ["100", "1", "1"][k],
          feed: await m.mfeeds[k].getAddress(),
        })),
      ),
      t1: "+1d",
      t2: "+2d",
      fallbackDeadline: "+3d",
      claimDeadline: "+10d",
      takerFeeBps: 10,
      makerFeeBps: 5,
      feeRecipient: m.feeTo.address,
      margin: { disputeBond: "25.5", initialMarginBps: 2_500, groupLegs: [1], groupShockBps: 1_000 },
    };
  });

  // ---------------------------------------------------------------- create

  it("create_marginKind_createsAMarginSessionWithTheHumanUnitsMarginConfig", async function () {
    const file = path.join(dir, "margin.json");
    writeFileSync(file, JSON.stringify(cfgFile));
    const r = await capture(() => sessionCreate({ file, factory, account: ADMIN, json: true }, hre));
    expect(r.exitCode, r.err).to.equal(0);
    const out = json(r.out) as { session: string; info: { kind: string; mode: string } };
    expect(await m.factory.isSession(out.session)).to.equal(true);
    c = out.session;
    expect([out.info.kind, out.info.mode]).to.deep.equal(["margin", "value-weighted"]);
    const mod = (await m.ethers.getContractAt("MarginModule", out.session)) as unknown as MarginModule;
    const cfg = await mod.marginConfig();
    // "25.5" in the cash leg's 6 decimals; unset fields keep marginConfig's defaults
    expect([cfg.disputeBond, cfg.initialMarginBps, cfg.maintenanceMarginBps]).to.deep.equal([
      25_500_000n,
      2_500n,
      1_000n,
    ]);
    const stress = await mod.stressConfig();
    expect([stress.groupMask, stress.groupShockBps]).to.deep.equal([2n, 1_000n]);
    await subscribeMargin(
      m,
      { address: c, session: await m.ethers.getContractAt("MarginSession", c) } as MarginHandles,
      m.bob,
      1n,
    );
  });

  it("create_marginKind_withoutMarginObject_exitsOneNamingTheFix", async function () {
    const file = path.join(dir, "no-margin.json");
    writeFileSync(file, JSON.stringify({ ...cfgFile, margin: undefined }));
    const r = await capture(() => sessionCreate({ file, factory, account: ADMIN, json: false }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain('needs a "margin" object');
  });

  it("create_marginKind_outOfRangeBps_exitsOneWithInvalidMarginConfig", async function () {
    const file = path.join(dir, "bad-margin.json");
    writeFileSync(file, JSON.stringify({ ...cfgFile, margin: { disputeBond: "25", initialMarginBps: 20_000 } }));
    const r = await capture(() => sessionCreate({ file, factory, account: ADMIN, json: false }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/InvalidMarginConfig: The margin config's "initialMarginBps" \(value 20000\)/);
  });

  // ---------------------------------------------------------------- margin report

  it("margin_afterAShortTrade_printsTheReportInQuoteUnits", async function () {
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // alice gives 6 tokens of leg 1 for 600 USDC: allocation 799.7 USDC, -4 leg 1, 2 leg 2 (taker fee on bob)
    const order = await makeOrder(m, m.alice.address, [0, 1], [600n * USDC, -6n * TOKEN1]);
    await a.session.connect(m.bob).fill(order, await sign(m, a.session, m.alice, order), WAD);
    const r = await capture(() => sessionMargin({ session: a.address, account: ALICE, factory: "", json: true }, hre));
    expect(r.exitCode, r.err).to.equal(0);
    // equity 799.7 - 400 + 100; gross 799.7 + 400 + 100; stress 25% of the 400 short
    expect(json(r.out)).to.deep.include({
      account: m.alice.address,
      equity: "499.7",
      stressed: "399.7",
      gross: "1299.7",
      initial: "259.94",
      maintenance: "129.97",
      headroom: "139.76",
      liquidatable: false,
      dividends: "0",
      cashSymbol: "USDC",
    });
    const t = await capture(() =>
      sessionMargin({ session: a.address, account: m.alice.address, factory, json: false }, hre),
    );
    expect(t.out).to.contain("499.7").and.to.contain("liquidatable").and.to.contain("dividends due: 0 USDC");
  });

  it("fill_overShort_exitsOneWithBelowInitialMarginDecodedWithItsNumbers", async function () {
    // alice offers 3 more tokens of leg 1 for 300 USDC: short 7, stressed 499.55 - 175 < 20% of gross 1899.55
    const file = path.join(dir, "over-short.json");
    const o = await capture(() =>
      sessionOrder(
        {
          session: a.address,
          legs: "0,1",
          amounts: "300,-3",
          taker: "",
          expiryHours: "24",
          nonce: "",
          maxFeeBps: "",
          out: file,
          factory: "",
          account: ALICE,
          json: false,
        },
        hre,
      ),
    );
    expect(o.exitCode, o.err).to.equal(0);
    const before = Array.from(await a.session.allocationOf(m.alice.address));
    const r = await capture(() =>
      sessionFill({ order: file, fraction: "1", factory: "", account: BOB, json: false }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.equal(
      `error: BelowInitialMargin: ${m.alice.address} would have a stressed equity of 324.55, below the initial margin of 379.91 (quote units): trade smaller or hold more collateral.`,
    );
    expect(Array.from(await a.session.allocationOf(m.alice.address))).to.deep.equal(before);
  });

  it("show_marginSession_printsConfigStressShortsLegsAndTheAccountsMargin_withTheShortSigned", async function () {
    const r = await capture(() => sessionShow({ session: a.address, account: ALICE, factory, json: true }, hre));
    expect(r.exitCode, r.err).to.equal(0);
    const out = json(r.out) as { account: { allocation: string[] }; margin: Parsed & { account: Parsed } };
    const cfg = await a.module.marginConfig();
    const stress = await a.module.stressConfig();
    const onChain = await a.session.allocationOf(m.alice.address);
    expect(out.account.allocation).to.deep.equal(Array.from(onChain, String));
    expect(out.account.allocation[1]).to.equal("-4000000000000000000"); // the short, signed
    expect(out.margin).to.deep.include({
      cashLeg: Number(cfg.cashLeg),
      cashSymbol: "USDC",
      initialMarginBps: Number(cfg.initialMarginBps),
      maintenanceMarginBps: Number(cfg.maintenanceMarginBps),
      liquidationPenaltyBps: Number(cfg.liquidationPenaltyBps),
      concentrationBps: Number(cfg.concentrationBps),
      actionDelay: Number(cfg.actionDelay),
      disputeWindow: Number(cfg.disputeWindow),
      disputeBondUnits: cfg.disputeBond.toString(),
      disputeBond: "25",
      shockBps: Array.from(stress.shockBps, Number),
      groupLegs: [],
      groupShockBps: Number(stress.groupShockBps),
      shortAccounts: (await a.module.shortAccounts()).length,
      gap: null,
    });
    expect(out.margin.shortAccounts).to.equal(1);
    expect(out.margin.shockBps).to.deep.equal([0, 2_500, 2_500]);
    const legs = [];
    for (let k = 0; k < 3; k++) {
      const st = await a.module.legState(k);
      legs.push({
        leg: k,
        symbol: ["USDC", "SPLT", "OTHR"][k],
        closed: st.closed,
        scaleNum: st.scaleNum.toString(),
        scaleDen: st.scaleDen.toString(),
        shockBps: Number(stress.shockBps[k]),
        inGroup: false,
      });
    }
    expect(out.margin.legs).to.deep.equal(legs);
    // the account's margin is `session margin`'s report, read from marginOf and dividendsOf
    const mo = await a.module.marginOf(m.alice.address);
    const acc = out.margin.account as Record<string, string>;
    expect(["equity", "stressed", "gross", "initial", "maintenance", "headroom"].map((k) => e36(acc[k]))).to.deep.equal(
      [mo.equityE36, mo.stressedE36, mo.grossE36, mo.initialE36, mo.maintenanceE36, mo.stressedE36 - mo.initialE36],
    );
    expect(out.margin.account).to.deep.include({
      account: m.alice.address,
      equity: "499.7",
      liquidatable: mo.liquidatable,
      dividends: "0",
      dividendUnits: (await a.module.dividendsOf(m.alice.address)).toString(),
    });

    const t = await capture(() => sessionShow({ session: a.address, account: ALICE, factory: "", json: false }, hre));
    expect(t.exitCode, t.err).to.equal(0);
    expect(t.out)
      .to.contain("Margin (cash leg 0 USDC)")
      .and.to.contain("initial 2000 bps, maintenance 1000 bps of gross exposure; liquidation penalty 500 bps")
      .and.to.contain(
        "1 account short now; concentration cap 5000 bps of a leg's basket; each keeps 10 bps of the pool's value as stressed equity",
      )
      .and.to.contain("group legs none, group shock 0 bps")
      .and.to.contain("delay 3600 s; dividend reserve 0 USDC")
      .and.to.contain("dispute window 86400 s, bond 25 USDC")
      .and.to.contain("gap       none (not settled yet)")
      .and.to.contain("equity 499.7, stressed 399.7, gross 1299.7")
      .and.to.contain("requirement initial 259.94, maintenance 129.97; headroom 139.76 above initial; liquidatable: no")
      .and.to.contain("dividends due: 0 USDC");
    expect(t.out).to.match(/\n1 +SPLT +no +1\/1 +2500 bps +no/); // leg state row
    expect(t.out).to.match(/\n1 +SPLT +2 +-4 +-6\n/); // alice's leg 1: baseline 2, allocation -4, change -6
    expect(t.out).to.match(/\n0 +USDC +200 +799\.7 +599\.7\n/);
  });

  it("margin_onANonMarginSession_exitsOneSayingSo", async function () {
    const now = BigInt(await m.networkHelpers.time.latest());
    const cfg = await marginSessionConfig(m, {
      kind: SessionKind.Physical,
      mode: SettlementMode.InKind,
      t1: now + DAY,
      t2: now + 2n * DAY,
      fallbackDeadline: now + 3n * DAY,
      claimDeadline: now + 10n * DAY,
    });
    const physical = await m.factory.createSession.staticCall(cfg);
    await (await m.factory.createSession(cfg)).wait();
    const r = await capture(() => sessionMargin({ session: physical, account: ALICE, factory: "", json: true }, hre));
    expect(r.exitCode).to.equal(1);
    expect((json(r.out) as { error: string }).error).to.equal(
      `${physical} is a physical session, not a margin session: margin commands need a session created with kind "margin"`,
    );
    const bad = await capture(() => sessionMargin({ session: "0x12", account: ALICE, factory: "", json: false }, hre));
    expect(bad.err).to.contain('--session "0x12" is not an address');
  });

  // ---------------------------------------------------------------- liquidation

  it("liquidate_beforeThePriceMove_exitsOneWithNotLiquidatableAndItsNumbers", async function () {
    const r = await capture(() =>
      sessionLiquidate({ session: a.address, target: m.alice.address, factory: "", account: CAROL, json: false }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(
      /NotLiquidatable: 0x[0-9a-fA-F]{40} is not liquidatable: its stressed equity 399\.7 .*129\.97/,
    );
    expect(await a.module.shortAccounts()).to.deep.equal([m.alice.address]);
  });

  it("liquidate_badTarget_exitsOneBeforeAnyTransaction", async function () {
    const r = await capture(() =>
      sessionLiquidate({ session: a.address, target: "alice", factory: "", account: CAROL, json: false }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain('--target "alice" is not an address');
  });

  it("liquidate_afterThePriceMove_printsTheCompensationOfTheLiquidatedEvent", async function () {
    await setPrices(m, MOVED);
    const r = await capture(() =>
      sessionLiquidate({ session: a.address, target: m.alice.address, factory, account: CAROL, json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    // equity 799.7 - 720 + 100 = 179.7; penalty 5% of gross 1619.7; (179.7 - 80.985) / 1.0 USDC
    expect(json(r.out)).to.deep.include({
      account: m.alice.address,
      liquidator: m.carol.address,
      equity: "179.7",
      stressed: "-0.3",
      penalty: "80.985",
      compensationUnits: "98715000",
      compensation: "98.715",
    });
    expect(Array.from(await a.session.allocationOf(m.alice.address))).to.deep.equal([98_715_000n, 0n, 0n]);
  });

  // ---------------------------------------------------------------- corporate actions

  it("action_scheduleDividend_thenListShowsItWithItsIsoEta", async function () {
    const r = await capture(() =>
      sessionAction(
        { ...noAction, session: a.address, do: "schedule", kind: "dividend", leg: "2", amount: "30", json: true },
        hre,
      ),
    );
    expect(r.exitCode, r.err).to.equal(0);
    const out = json(r.out) as { action: { id: number; state: string; eta: string; parameters: string } };
    expect(out.action).to.deep.include({ id: 0, kind: "dividend", state: "scheduled", parameters: "30 USDC" });
    const now = BigInt(await m.networkHelpers.time.latest());
    expect(BigInt(out.action.eta)).to.equal(now + 3_600n);
    const list = await capture(() => sessionAction({ ...noAction, session: a.address, do: "list", json: false }, hre));
    expect(list.exitCode).to.equal(0);
    const iso = new Date(Number(now + 3_600n) * 1000).toISOString().replace(".000Z", "Z");
    expect(list.out).to.match(new RegExp(`0 +dividend +2 OTHR +30 USDC +${iso} +scheduled`));
  });

  it("action_executeBeforeTheEta_exitsOneWithActionNotReadyAndTheTimes", async function () {
    const r = await capture(() => sessionAction({ ...noAction, session: a.address, do: "execute", id: "0" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/ActionNotReady: Corporate action 0 may run from \d+; chain time is \d+\./);
    expect(await m.usdc.allowance(m.admin.address, a.address)).to.equal(0n); // refused before approving
  });

  it("action_executeDividend_approvesExactlyTheAmountAndAccruesToLongs", async function () {
    await m.networkHelpers.time.increase(3_600);
    const before = await m.usdc.balanceOf(m.admin.address);
    const r = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "execute", id: "0", json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    expect(json(r.out)).to.deep.include({ approved: "30000000" });
    expect(before - (await m.usdc.balanceOf(m.admin.address))).to.equal(30n * USDC);
    expect(await m.usdc.allowance(m.admin.address, a.address)).to.equal(0n);
    // 30 USDC over a basket of 30 tokens of leg 2: bob holds 14
    const rep = await capture(() => sessionMargin({ session: a.address, account: BOB, factory: "", json: true }, hre));
    expect(json(rep.out)).to.deep.include({ dividends: "14" });
  });

  it("action_splitBeforeTheIssuerSplits_exitsOneWithBalanceShortfall_thenCancel", async function () {
    const s = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "schedule", kind: "split", leg: "1", ratio: "2:1" }, hre),
    );
    expect(s.exitCode, s.err).to.equal(0);
    expect(s.out).to.contain("Scheduled corporate action 1").and.to.contain("2:1");
    await m.networkHelpers.time.increase(3_600);
    const e = await capture(() => sessionAction({ ...noAction, session: a.address, do: "execute", id: "1" }, hre));
    expect(e.exitCode).to.equal(1);
    expect(e.err).to.match(
      /BalanceShortfall: The session would hold 30000000000000000000 of token 0x[0-9a-fA-F]{40} but owes 60000000000000000000/,
    );
    const c = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "cancel", id: "1", json: true }, hre),
    );
    expect(c.exitCode, c.err).to.equal(0);
    expect((json(c.out) as { action: { state: string } }).action.state).to.equal("cancelled");
    const again = await capture(() => sessionAction({ ...noAction, session: a.address, do: "cancel", id: "1" }, hre));
    expect(again.exitCode).to.equal(1);
    expect(again.err).to.contain("ActionNotScheduled: Corporate action 1 is cancelled, not scheduled");
  });

  it("action_badInput_exitsOneNamingTheOption", async function () {
    const kind = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "schedule", kind: "merger", leg: "1" }, hre),
    );
    expect(kind.exitCode).to.equal(1);
    expect(kind.err).to.contain('--kind "merger" must be one of: split, dividend, cash-in-lieu');
    const ratio = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "schedule", kind: "split", leg: "1", ratio: "1:1" }, hre),
    );
    expect(ratio.err).to.contain("two positive, different sides");
    const step = await capture(() => sessionAction({ ...noAction, session: a.address, do: "merge" }, hre));
    expect(step.err).to.contain('--do "merge" must be one of: schedule, execute, cancel, list');
    const notOrganiser = await capture(() =>
      sessionAction(
        { ...noAction, session: a.address, do: "schedule", kind: "dividend", leg: "2", amount: "1", account: BOB },
        hre,
      ),
    );
    expect(notOrganiser.exitCode).to.equal(1);
    expect(await a.module.actionCount()).to.equal(2n);
  });

  // ---------------------------------------------------------------- dividends

  it("dividends_claimToAnotherAddress_paysTheAccrual_thenNothingLeft", async function () {
    const before = await m.usdc.balanceOf(m.dave.address);
    const r = await capture(() =>
      sessionDividends({ session: a.address, to: m.dave.address, factory: "", account: BOB, json: false }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    expect(r.out)
      .to.contain(`${m.bob.address} claimed 14 USDC of dividends`)
      .and.to.contain(`paid to ${m.dave.address}`);
    expect((await m.usdc.balanceOf(m.dave.address)) - before).to.equal(14n * USDC);
    const again = await capture(() =>
      sessionDividends({ session: a.address, to: "", factory: "", account: BOB, json: true }, hre),
    );
    expect(again.exitCode).to.equal(1);
    expect((json(again.out) as { error: string }).error).to.match(/^NothingToClaim/);
  });

  it("action_cashInLieu_approvesTheBasketValueAtLatestPrices_andClosesTheLeg", async function () {
    await m.usdc.mint(m.admin.address, 2_000n * USDC);
    const s = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "schedule", kind: "cash-in-lieu", leg: "2" }, hre),
    );
    expect(s.exitCode, s.err).to.equal(0);
    await m.networkHelpers.time.increase(3_600);
    const before = await m.usdc.balanceOf(m.admin.address);
    const r = await capture(() =>
      sessionAction({ ...noAction, session: a.address, do: "execute", id: "2", json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    // the basket of leg 2 is 30 tokens at 50 USDC: 1,500 USDC, approved exactly and pulled
    expect(json(r.out)).to.deep.include({ approved: "1500000000" });
    expect(before - (await m.usdc.balanceOf(m.admin.address))).to.equal(1_500n * USDC);
    expect(await m.usdc.allowance(m.admin.address, a.address)).to.equal(0n);
    expect((await a.module.legState(2)).closed).to.equal(true);
    const list = await capture(() => sessionAction({ ...noAction, session: a.address, do: "list", json: true }, hre));
    const rows = JSON.parse(list.out) as Array<{ kind: string; state: string }>;
    expect(rows.map((x) => `${x.kind} ${x.state}`)).to.deep.equal([
      "dividend executed",
      "split cancelled",
      "cash-in-lieu executed",
    ]);
  });

  // ---------------------------------------------------------------- fallback fixing and the keeper

  it("fixing_proposeBeforeTheDeadline_exitsOneWithProposalWindow", async function () {
    const r = await capture(() =>
      sessionFixing({ ...noFixing, session: f.address, do: "propose", prices: "1,120,40" }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/ProposalWindow: Fallback fixings may be proposed from \d+ to \d+/);
  });

  it("fixing_propose_wrongPriceCount_exitsOneBeforeAnyTransaction", async function () {
    const r = await capture(() =>
      sessionFixing({ ...noFixing, session: f.address, do: "propose", prices: "1,2" }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain("--prices needs one price per leg (3), got 2");
  });

  it("fixing_propose_afterTheDeadline_sendsWadPrices", async function () {
    await m.networkHelpers.time.increaseTo(windows(m).fallbackDeadline + 1n);
    const r = await capture(() =>
      sessionFixing({ ...noFixing, session: f.address, do: "propose", prices: "1,120.5,40", json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    expect(json(r.out)).to.deep.include({ step: "propose", status: "open" });
    const [prices, proposedAt] = await f.module.proposal();
    expect(Array.from(prices)).to.deep.equal([WAD, 1205n * 10n ** 17n, 40n * WAD]);
    expect(proposedAt).to.be.greaterThan(0n);
  });

  it("fixing_disputeByANonParticipant_exitsOneWithNotParticipant_andApprovesNothing", async function () {
    const r = await capture(() =>
      sessionFixing({ ...noFixing, session: f.address, do: "dispute", account: DAVE }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/NotParticipant: 0x[0-9a-fA-F]{40} holds no shares/);
    expect(await m.usdc.allowance(m.dave.address, f.address)).to.equal(0n);
  });

  it("fixing_dispute_approvesExactlyTheBond_andReleasesTheSession", async function () {
    const cs = (await m.ethers.getContractAt("MarginSession", c)) as unknown as MarginSession;
    const [, , deadline] = await cs.windows();
    if (BigInt(await m.networkHelpers.time.latest()) <= deadline) await m.networkHelpers.time.increaseTo(deadline + 1n);
    const p = await capture(() => sessionFixing({ ...noFixing, session: c, do: "propose", prices: "1,120,40" }, hre));
    expect(p.exitCode, p.err).to.equal(0);
    await m.usdc.mint(m.bob.address, 26n * USDC);
    const fee0 = await m.usdc.balanceOf(m.feeTo.address);
    const r = await capture(() =>
      sessionFixing({ ...noFixing, session: c, do: "dispute", account: BOB, json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    expect(json(r.out)).to.deep.include({ step: "dispute", bond: "25500000", status: "fallback released" });
    // The bond stays in the pool for the fee recipient (account 2), which pulls it with withdraw-bond.
    const mod = (await m.ethers.getContractAt("MarginModule", c)) as unknown as MarginModule;
    expect(await mod.bondOf(m.feeTo.address)).to.equal(25_500_000n);
    expect(await m.usdc.balanceOf(m.feeTo.address)).to.equal(fee0);
    const w = await capture(() =>
      sessionFixing({ ...noFixing, session: c, do: "withdraw-bond", account: "2", json: true }, hre),
    );
    expect(w.exitCode, w.err).to.equal(0);
    expect(json(w.out)).to.deep.include({ step: "withdraw-bond", bond: "25500000" });
    expect((await m.usdc.balanceOf(m.feeTo.address)) - fee0).to.equal(25_500_000n);
    expect(await mod.bondOf(m.feeTo.address)).to.equal(0n);
    expect(await m.usdc.allowance(m.bob.address, c)).to.equal(0n);
    const again = await capture(() => sessionFixing({ ...noFixing, session: c, do: "dispute", account: BOB }, hre));
    expect(again.exitCode).to.equal(1);
    expect(again.err).to.match(/^error: NoProposal/);
  });

  it("fixing_finalizeInsideTheDisputeWindow_exitsOneWithDisputeWindow", async function () {
    const r = await capture(() => sessionFixing({ ...noFixing, session: f.address, do: "finalize" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/DisputeWindow: The proposal's dispute window ends at \d+/);
  });

  it("keeper_insideTheDisputeWindow_isIdleForTheProposal", async function () {
    // the session's own checkUpkeep says nothing is due until the proposal's window has passed
    const pass = await keeperPass(m.admin, [(r) => sessionTargets(r, factory)], MARGIN_ABIS);
    expect(pass.outcomes.filter((o) => o.label.includes(f.address)).map((o) => o.status)).to.deep.equal(["idle"]);
  });

  it("keeper_afterTheDisputeWindow_twoKeepersAtOnce_finaliseExactlyOnce", async function () {
    await m.networkHelpers.time.increase(DAY + 1n);
    const session = (await m.ethers.getContractAt("MarginSession", f.address)) as unknown as MarginSession;
    const passes = await Promise.all(
      [m.guardian, m.dave].map((s) => keeperPass(s, [(r) => sessionTargets(r, factory)], MARGIN_ABIS)),
    );
    const mine = passes.flatMap((p) => p.outcomes.filter((o) => o.label.includes(f.address)));
    expect(mine.filter((o) => o.status === "performed")).to.have.length(1);
    expect(mine.every((o) => o.status === "performed" || o.status === "skipped" || o.status === "idle")).to.equal(true);
    expect(await session.status()).to.equal(1n); // settled at the proposal
    expect(await session.settlementPrice(1)).to.equal(1205n * 10n ** 17n);
    // run again: the settled session is no target any more, and finalising directly says why it cannot
    const again = await keeperPass(m.admin, [(r) => sessionTargets(r, factory)], MARGIN_ABIS);
    expect(again.outcomes.filter((o) => o.label.includes(f.address))).to.deep.equal([]);
    const r = await capture(() => sessionFixing({ ...noFixing, session: f.address, do: "finalize" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/NoProposal/);
  });

  it("show_afterSettlementAndCorporateActions_printsTheGap_closedLegs_andGroupLegs", async function () {
    // f settled at the undisputed proposal: its gap is shown, from gap()
    const fs = await capture(() => sessionShow({ session: f.address, account: BOB, factory, json: true }, hre));
    expect(fs.exitCode, fs.err).to.equal(0);
    const fOut = json(fs.out) as { session: { status: string }; margin: { gap: Parsed } };
    expect(fOut.session.status).to.equal("settled");
    const g = await f.module.gap();
    const gap = fOut.margin.gap as Record<string, string>;
    expect(Object.keys(gap)).to.deep.equal(["basket", "deficit", "insurance", "positive", "socialised"]);
    expect(Object.values(gap).map(e36)).to.deep.equal([
      g.basketE36,
      g.deficitE36,
      g.insuranceE36,
      g.positiveE36,
      g.socialisedE36,
    ]);
    expect(g.basketE36).to.be.greaterThan(0n);
    const ft = await capture(() => sessionShow({ session: f.address, account: BOB, factory, json: false }, hre));
    expect(ft.out).to.contain(
      `gap       basket ${gap.basket}, deficit ${gap.deficit}, insurance ${gap.insurance}, ` +
        `positive ${gap.positive}, socialised ${gap.socialised} (quote units)`,
    );
    // a: leg 2 closed by cash-in-lieu, nobody short after the liquidation
    const as = await capture(() => sessionShow({ session: a.address, account: ALICE, factory, json: true }, hre));
    expect(as.exitCode, as.err).to.equal(0);
    const aOut = json(as.out) as { margin: { shortAccounts: number; legs: Array<{ closed: boolean }>; gap: unknown } };
    expect(aOut.margin.shortAccounts).to.equal(0);
    expect(aOut.margin.legs.map((l) => l.closed)).to.deep.equal([false, false, true]);
    expect((await a.module.legState(2)).closed).to.equal(true);
    expect(aOut.margin.gap).to.equal(null);
    const at = await capture(() => sessionShow({ session: a.address, account: ALICE, factory, json: false }, hre));
    expect(at.out)
      .to.match(/\n2 +OTHR +yes +1\/1 +2500 bps +no/)
      .and.to.contain("0 accounts short now");
    // c (created through the CLI): group leg 1 at 1,000 bps, bond 25.5, released to the fallback after the dispute
    const cs = await capture(() => sessionShow({ session: c, account: BOB, factory, json: true }, hre));
    const cOut = json(cs.out) as { margin: Parsed };
    const stress = await (await m.ethers.getContractAt("MarginModule", c)).stressConfig();
    expect(cOut.margin).to.deep.include({
      groupLegs: [1],
      groupShockBps: Number(stress.groupShockBps),
      initialMarginBps: 2_500,
      disputeBond: "25.5",
      gap: null,
    });
    // days after the last price push the feeds are stale: the account's margin says why, the rest still shows
    expect(cOut.margin.account).to.equal(undefined);
    const stale = `StaleRound: Feed ${await m.mfeeds[0].getAddress()}'s round from `;
    expect(String(cOut.margin.accountError)).to.contain(stale);
    const ct = await capture(() => sessionShow({ session: c, account: BOB, factory, json: false }, hre));
    expect(ct.exitCode, ct.err).to.equal(0);
    expect(ct.out).to.contain(`Margin: cannot be read now (${stale}`);
    expect(ct.out)
      .to.contain("group legs 1 SPLT, group shock 1000 bps")
      .and.to.contain("gap       none (session fallback released)")
      .and.to.contain("bond 25.5 USDC");
    expect(ct.out).to.match(/\n1 +SPLT +no +1\/1 +2500 bps +yes/);
  });

  it("fixing_badStep_exitsOneNamingTheChoices", async function () {
    const r = await capture(() => sessionFixing({ ...noFixing, session: f.address, do: "accept" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain('--do "accept" must be one of: propose, dispute, finalize');
  });
});

const noAction = {
  session: "",
  do: "list",
  kind: "",
  leg: "",
  ratio: "",
  amount: "",
  id: "",
  factory: "",
  account: ADMIN,
  json: false,
};
const noFixing = { session: "", do: "", prices: "", factory: "", account: ADMIN, json: false };
