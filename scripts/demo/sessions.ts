/**
 * Demo, session pools: a 5-leg equity session (physical, delivered in kind) and a 3-tenor gold curve
 * session (cash-settled in USDC). Several participants subscribe, trade with wallet-signed EIP-712 orders
 * (partial fills, a crossed pair of RFQ orders), the keeper settles through the sessions' Chainlink
 * Automation interface after t2, and everyone claims. Conservation is checked after every step.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress } from "ethers";

import SessionsModule from "../../deploy/modules/Sessions.js";
import { decodeError } from "../../sdk/errors.js";
import { keeperTick } from "../../sdk/keeper.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import { cashLeg, physicalLeg, SessionKind, sessionConfig, type SessionConfig } from "../../sdk/sessions/config.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import { barChart, stepChart, type Series } from "../../sdk/report/svg.js";
import { textTable } from "../../sdk/report/html.js";
import { legMask, sessionDomain, signSessionOrder, type SessionOrder } from "../../sdk/sessions/orders.js";
import type {
  CashSession,
  MockV3Aggregator,
  PhysicalSession,
  SessionFactory,
} from "../../types/ethers-contracts/index.js";
import { asNumber, check, DAY, demoTerms, units, WAD, type Check, type Connection, type DemoPart } from "./common.js";

const FEED_DECIMALS = 8;
const price8 = (usd: number): bigint => BigInt(Math.round(usd * 100)) * 10n ** BigInt(FEED_DECIMALS - 2);

/** First round at or after t2; feeds publish daily, so a 3-day heartbeat; answers at 0 or 1e15 are pinned. */
const fixing = (feed: string) =>
  firstAfterFixing(feed, { heartbeat: 3 * 86_400, maxDelay: 6 * 3_600, minAnswer: 1n, maxAnswer: 10n ** 15n });

/**
 * Moves the chain to `to`, with each feed publishing a round every day on a straight path from `from` to
 * `close` prices (a live feed keeps its heartbeat; a fixing needs the round before t2 to be fresh).
 */
async function publishDaily(conn: Connection, feeds: MockV3Aggregator[], from: number[], close: number[], to: bigint) {
  const { networkHelpers } = conn;
  const start = BigInt(await networkHelpers.time.latest());
  const days = Number((to - start - 1n) / DAY); // every round strictly before `to`
  for (let d = 1; d <= days; d++) {
    await networkHelpers.time.increaseTo(start + BigInt(d) * DAY);
    for (let k = 0; k < feeds.length; k++)
      await feeds[k].updateAnswer(price8(from[k] + ((close[k] - from[k]) * d) / (days + 1)));
  }
  await networkHelpers.time.increaseTo(to);
}

/** Publishes the daily path up to t2, then the first round after t2 at the `close` prices: the fixing. */
async function publishUntilFixing(
  conn: Connection,
  feeds: MockV3Aggregator[],
  from: number[],
  close: number[],
  t2: bigint,
) {
  await publishDaily(conn, feeds, from, close, t2);
  await conn.networkHelpers.time.increaseTo(t2 + 60n);
  for (let k = 0; k < feeds.length; k++) await feeds[k].updateAnswer(price8(close[k]));
}

interface Snapshot {
  step: number;
  label: string;
  x: Map<string, bigint[]>;
}

export async function runSessionsDemo(conn: Connection): Promise<{ parts: DemoPart[]; factory: string }> {
  const { ethers, networkHelpers, ignition } = conn;
  const [organiser, feeDesk, alice, bob, carol, dave] = await ethers.getSigners();
  const names = new Map<string, string>([
    [alice.address, "alice"],
    [bob.address, "bob"],
    [carol.address, "carol"],
    [dave.address, "dave (market maker)"],
    [feeDesk.address, "fee account"],
  ]);
  const { factory } = (await ignition.deploy(SessionsModule)) as unknown as { factory: SessionFactory };
  const chainId = (await ethers.provider.getNetwork()).chainId;

  const parts: DemoPart[] = [];
  parts.push(await equitySession());
  parts.push(await curveSession());
  return { parts, factory: await factory.getAddress() };

  async function create<T>(cfg: SessionConfig, kind: "PhysicalSession" | "CashSession"): Promise<T> {
    const { session } = await createSessionFromConfig(factory, cfg);
    return (await ethers.getContractAt(kind, session)) as unknown as T;
  }

  async function order(session: string, maker: HardhatEthersSigner, legs: number[], amounts: bigint[], salt: bigint) {
    const o: SessionOrder = {
      maker: maker.address,
      taker: ZeroAddress,
      legs: legMask(legs),
      amounts,
      maxFeeBps: 25n,
      expiry: BigInt(await networkHelpers.time.latest()) + 30n * DAY,
      nonce: 0n,
      salt,
    };
    return { o, sig: await signSessionOrder(maker, o, sessionDomain(session, chainId)) };
  }

  // ------------------------------------------------------------------ 1. five-leg equity session
  async function equitySession(): Promise<DemoPart> {
    const tickers = ["AAPL", "TSLA", "NVDA", "META", "ORCL"];
    const open = [190, 250, 120, 480, 140];
    const close = [201.5, 231, 148, 465, 152]; // prices at t2
    const tokens = [];
    const feeds: MockV3Aggregator[] = [];
    for (let k = 0; k < tickers.length; k++) {
      tokens.push(await ethers.deployContract("MockERC20", [`Mock ${tickers[k]}`, tickers[k], 18]));
      feeds.push(await ethers.deployContract("MockV3Aggregator", [FEED_DECIMALS, price8(open[k])]));
    }
    const now = BigInt(await networkHelpers.time.latest());
    const cfg = sessionConfig({
      kind: SessionKind.Physical, // delivered in kind
      legs: await Promise.all(
        tokens.map(async (t, k) => physicalLeg(await t.getAddress(), WAD, fixing(await feeds[k].getAddress()))),
      ),
      ...demoTerms(now, feeDesk, organiser),
    });
    const session = await create<PhysicalSession>(cfg, "PhysicalSession");
    const addr = await session.getAddress();
    const people = [alice, bob, carol, dave];
    const shares = [10n, 10n, 5n, 25n];
    for (let i = 0; i < people.length; i++) {
      for (const t of tokens) {
        await t.mint(people[i].address, shares[i] * WAD);
        await t.connect(people[i]).approve(addr, shares[i] * WAD);
      }
      await session.connect(people[i]).subscribe(shares[i], []);
    }
    const q = shares.reduce((a, b) => a + b, 0n) * WAD; // basket per leg

    const snaps: Snapshot[] = [];
    const checks: Check[] = [];
    const trades: Array<Array<string>> = [];
    const holders = [...people, feeDesk];
    const snap = async (label: string) => {
      const x = new Map<string, bigint[]>();
      for (const h of holders)
        x.set(
          h.address,
          (await session.allocationOf(h.address)).map((v) => BigInt(v)),
        );
      snaps.push({ step: snaps.length, label, x });
      const sums = tickers.map((_, k) => holders.reduce((s, h) => s + (x.get(h.address) as bigint[])[k], 0n));
      checks.push(
        check(
          `equity session, ${label}: sum of allocations == basket in every leg`,
          sums.every((s) => s === q),
          sums.map((s) => units(s, 18)).join(" / "),
        ),
      );
    };
    await snap("after subscriptions");

    await networkHelpers.time.increaseTo(cfg.t1);
    // alice: +4 NVDA for -1 META (an RFQ-style limit order), filled 50% by bob then 50% by dave.
    const a1 = await order(addr, alice, [2, 3], [4n * WAD, -1n * WAD], 1n);
    await session.connect(bob).fill(a1.o, a1.sig, WAD / 2n);
    trades.push(["alice", "+4 NVDA / -1 META", "bob", "50%"]);
    await snap("bob fills half of alice's order");
    await session.connect(dave).fill(a1.o, a1.sig, WAD / 2n);
    trades.push(["alice", "+4 NVDA / -1 META", "dave", "remaining 50%"]);
    await snap("dave fills the rest");
    // carol wants TSLA for AAPL, bob wants AAPL for TSLA: two crossing pairwise orders, matched by anyone.
    const c1 = await order(addr, carol, [0, 1], [-3n * WAD, 2n * WAD], 2n); // gives 3 AAPL for 2 TSLA (1.5 AAPL per TSLA)
    const b1 = await order(addr, bob, [0, 1], [(31n * WAD) / 10n, -2n * WAD], 3n); // wants >= 3.1 AAPL... crossing below
    const b1ok = await order(addr, bob, [0, 1], [(29n * WAD) / 10n, -2n * WAD], 4n); // gives 2 TSLA for at least 2.9 AAPL
    let refused = "";
    try {
      await session.connect(organiser).matchOrders.staticCall(c1.o, c1.sig, b1.o, b1.sig, WAD);
    } catch (e) {
      refused = decodeError(e, [session.interface])?.name ?? "";
    }
    checks.push(
      check(
        "equity session: orders that do not cross are refused by matchOrders",
        refused === "OrdersDoNotCross",
        refused,
      ),
    );
    await session.connect(organiser).matchOrders(c1.o, c1.sig, b1ok.o, b1ok.sig, WAD);
    trades.push(["carol", "-3 AAPL / +2 TSLA", "bob (matched)", "100% at carol's rate"]);
    await snap("carol and bob matched");
    // dave, as market maker, sells META exposure to carol for ORCL.
    const d1 = await order(addr, dave, [3, 4], [-1n * WAD, (34n * WAD) / 10n], 5n);
    await session.connect(carol).fill(d1.o, d1.sig, WAD);
    trades.push(["dave", "-1 META / +3.4 ORCL", "carol", "100%"]);
    await snap("carol takes dave's META");

    // t2: new prices arrive; the keeper sees the upkeep and settles.
    await publishUntilFixing(conn, feeds, open, close, cfg.t2);
    const outcomes = await keeperTick(
      organiser,
      [{ address: addr, checkData: "0x", label: "equity session" }],
      [session.interface],
    );
    if (outcomes[0].status !== "performed") throw new Error(`keeper did not settle: ${JSON.stringify(outcomes[0])}`);
    const again = await keeperTick(
      organiser,
      [{ address: addr, checkData: "0x", label: "equity session" }],
      [session.interface],
    );
    checks.push(
      check(
        "equity session: the keeper settled once and a second run found nothing to do",
        outcomes[0].status === "performed" && again[0].status !== "performed",
        `${outcomes[0].status}, then ${again[0].status}`,
      ),
    );

    // Claims, pull-based: each holder claims its allocation in kind.
    const claimRows: Array<Array<string>> = [];
    const pnl: Array<{ label: string; value: number }> = [];
    const settle = await Promise.all(tickers.map((_, k) => session.settlementPrice(k)));
    let pnlSum = 0n;
    const paidTotals = tickers.map(() => 0n);
    for (const h of holders) {
      const x = (await session.allocationOf(h.address)).map((v) => BigInt(v));
      const b = (await session.baselineOf(h.address)).map((v) => BigInt(v));
      const valueX = x.reduce((s, v, k) => s + v * settle[k], 0n) / WAD;
      const valueB = b.reduce((s, v, k) => s + v * settle[k], 0n) / WAD;
      pnlSum += valueX - valueB;
      const before = await Promise.all(tokens.map((t) => t.balanceOf(h.address)));
      await session.connect(h).claim(h.address);
      const after = await Promise.all(tokens.map((t) => t.balanceOf(h.address)));
      after.forEach((v, k) => (paidTotals[k] += v - before[k]));
      claimRows.push([
        names.get(h.address) as string,
        ...after.map((v, k) => units(v - before[k], 18, 3)),
        units(valueX, 18, 2),
        units(valueX - valueB, 18, 2),
      ]);
      pnl.push({ label: names.get(h.address) as string, value: asNumber(valueX - valueB, 18) });
    }
    checks.push(
      check(
        "equity session: every leg paid out exactly the basket (sum of claims == pool)",
        paidTotals.every((p) => p === q),
        paidTotals.map((p) => units(p, 18)).join(" / "),
      ),
    );
    checks.push(
      check(
        "equity session: P&L versus baseline sums to zero across participants",
        pnlSum === 0n || (pnlSum < 0n ? -pnlSum : pnlSum) < 10n,
        `sum = ${pnlSum} wei`,
      ),
    );
    const left = await Promise.all(tokens.map((t) => t.balanceOf(addr)));
    checks.push(
      check(
        "equity session: nothing stranded in the pool after all claims",
        left.every((v) => v === 0n),
        left.join(" / "),
      ),
    );

    const series = (k: number): Series[] =>
      holders.map((h) => ({
        name: names.get(h.address) as string,
        points: snaps.map((s) => [s.step, asNumber((s.x.get(h.address) as bigint[])[k], 18)] as [number, number]),
      }));
    const stepsTable = snaps.map((s) => [String(s.step), s.label]);
    return {
      title: "Session pool: 5-leg equity basket (physical, in kind)",
      blocks: [
        { kind: "h2", text: "Session pool: 5-leg equity basket (physical, delivered in kind)" },
        {
          kind: "p",
          text: `Basket per share: one token of each of ${tickers.join(", ")}. Subscriptions: alice 10, bob 10, carol 5, dave 25 shares; q = 50 of each leg. Fees: taker 10 bps, maker 5 bps, paid in allocation to the fee account. Settlement from Chainlink-style feeds, first round at or after t2.`,
        },
        {
          kind: "table",
          columns: ["maker", "order (maker's change)", "taker", "fill"],
          rows: trades,
          caption: "Trades (wallet-signed EIP-712 orders)",
        },
        {
          kind: "table",
          columns: ["step", "what happened"],
          rows: stepsTable,
          caption: "Steps of the trajectories below",
        },
        { kind: "svg", svg: stepChart("NVDA allocation x_i(t)", series(2), "step", "NVDA") },
        { kind: "svg", svg: stepChart("META allocation x_i(t)", series(3), "step", "META") },
        {
          kind: "table",
          columns: ["leg", "price at t1", "fixing at t2"],
          rows: tickers.map((t, k) => [t, open[k].toFixed(2), units(settle[k], 18, 2)]),
          caption: "Prices (USD)",
        },
        {
          kind: "table",
          columns: ["holder", ...tickers, "value at t2 (USD)", "P&L vs baseline"],
          rows: claimRows,
          caption: "Claims (tokens delivered in kind)",
        },
        { kind: "svg", svg: barChart("P&L versus baseline at the t2 fixing (USD)", pnl) },
      ],
      summary: [
        "Equity session (5 legs, physical, in kind): claims and P&L at the t2 fixing",
        textTable(["holder", ...tickers, "value", "P&L"], claimRows),
      ],
      checks,
    };
  }

  // ------------------------------------------------------------------ 2. three-tenor gold curve, cash-settled
  async function curveSession(): Promise<DemoPart> {
    const tenors = ["GOLD-3M", "GOLD-1Y", "GOLD-5Y"];
    const open = [2400, 2460, 2700];
    const close = [2380, 2470, 2850]; // the curve steepens
    const floors = [1600n, 1650n, 1800n];
    const caps = [3200n, 3300n, 3600n];
    const usdc = await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", 6]);
    const feeds: MockV3Aggregator[] = [];
    for (const p of open) feeds.push(await ethers.deployContract("MockV3Aggregator", [FEED_DECIMALS, price8(p)]));
    const now = BigInt(await networkHelpers.time.latest());
    const cfg = sessionConfig({
      kind: SessionKind.Cash, // settled in USDC
      legs: await Promise.all(
        feeds.map(async (f, k) => cashLeg(WAD, floors[k] * WAD, caps[k] * WAD, fixing(await f.getAddress()))),
      ),
      collateral: await usdc.getAddress(),
      t1: now + DAY,
      t2: now + 30n * DAY,
      fallbackDeadline: now + 32n * DAY,
      claimDeadline: now + 60n * DAY,
      takerFeeBps: 10,
      makerFeeBps: 5,
      feeRecipient: feeDesk.address,
      admin: organiser.address,
    });
    const session = await create<CashSession>(cfg, "CashSession");
    const addr = await session.getAddress();
    const people = [alice, bob, carol];
    const shares = [2n, 2n, 1n];
    let deposits = 0n;
    for (let i = 0; i < people.length; i++) {
      const dep = await session.depositFor(shares[i]);
      deposits += dep;
      await usdc.mint(people[i].address, dep);
      await usdc.connect(people[i]).approve(addr, dep);
      await session.connect(people[i]).subscribe(shares[i], []);
    }
    await networkHelpers.time.increaseTo(cfg.t1);
    // alice puts on a steepener (long 5Y, short 3M); bob takes the other side (a flattener).
    const a = await order(addr, alice, [0, 2], [-1n * WAD, 1n * WAD], 11n);
    await session.connect(bob).fill(a.o, a.sig, WAD);
    // carol sells 1Y for 5Y, partly filled by bob.
    const c = await order(addr, carol, [1, 2], [-1n * WAD, 1n * WAD], 12n);
    await session.connect(bob).fill(c.o, c.sig, (WAD * 6n) / 10n);
    const margins = await Promise.all(people.map((p) => session.marginE36(p.address)));

    await publishUntilFixing(conn, feeds, open, close, cfg.t2);
    await keeperTick(organiser, [{ address: addr, checkData: "0x", label: "curve session" }], [session.interface]);

    const rows: Array<Array<string>> = [];
    const pnl: Array<{ label: string; value: number }> = [];
    let paid = 0n;
    for (const h of [...people, feeDesk]) {
      const [, deposit] = await session.accountOf(h.address);
      const x = (await session.allocationOf(h.address)).map((v) => BigInt(v));
      const b = (await session.baselineOf(h.address)).map((v) => BigInt(v));
      const before = await usdc.balanceOf(h.address);
      await session.connect(h).claim(h.address);
      const got = (await usdc.balanceOf(h.address)) - before;
      paid += got;
      rows.push([
        names.get(h.address) as string,
        ...x.map((v, k) => units(v - b[k], 18, 2)),
        units(deposit, 6, 2),
        units(got, 6, 2),
        units(got - deposit, 6, 2),
      ]);
      pnl.push({ label: names.get(h.address) as string, value: asNumber(got - deposit, 6) });
    }
    const left = await usdc.balanceOf(addr);
    const swept = await session.swept(0);
    const checks: Check[] = [
      check(
        "curve session: every margin check held (deposit + worst case over the price box >= 0)",
        margins.every((m) => m >= 0n),
        margins.map((m) => units(m, 36, 2)).join(" / "),
      ),
      check(
        "curve session: claims + dust left in the pool == deposits (nothing created, nothing lost)",
        paid + left === deposits,
        `paid ${units(paid, 6, 2)} + dust ${units(left, 6, 6)} (swept so far ${swept}) vs deposits ${units(deposits, 6, 2)}`,
      ),
      check("curve session: rounding dust is below one unit per claim", left < 5n, `${left} units`),
    ];
    return {
      title: "Session pool: gold curve 3M/1Y/5Y (cash-settled)",
      blocks: [
        { kind: "h2", text: "Session pool: gold forward curve 3M / 1Y / 5Y (cash-settled in USDC)" },
        {
          kind: "p",
          text: "Each leg declares a floor and a cap; a share deposits the sum of the caps, so the pool is fully funded for every possible price. Payout = deposit + (x - baseline) . clamp(S). alice buys the steepener from bob; carol sells 1Y for 5Y, 60% filled by bob. The curve steepens by t2.",
        },
        {
          kind: "table",
          columns: ["tenor", "floor", "cap", "price at t1", "fixing at t2"],
          rows: tenors.map((t, k) => [t, String(floors[k]), String(caps[k]), String(open[k]), String(close[k])]),
          caption: "Legs (USD per oz)",
        },
        {
          kind: "table",
          columns: ["holder", ...tenors.map((t) => `${t} vs baseline`), "deposit", "paid", "P&L"],
          rows,
          caption: "Positions and claims (USDC)",
        },
        { kind: "svg", svg: barChart("P&L of the curve session (USDC)", pnl) },
      ],
      summary: [
        "Curve session (3 tenors, cash-settled): positions versus baseline and claims",
        textTable(["holder", ...tenors, "deposit", "paid", "P&L"], rows),
      ],
      checks,
    };
  }
}
