/**
 * Demo, the rest of the session rulebook: a margin session on a cash leg and two equities, where Alice goes
 * short within her margin, the equity triples and Carol liquidates her inside the pool; a 2-for-1 split and a
 * dividend go through the corporate-action timelock; Erin's short gaps through at t2 and the shortfall is
 * covered by the insurance (the fee account), then socialised. Then a weighted AMM in a physical session
 * quotes and executes a swap. Conservation is checked after every step.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress } from "ethers";

import { decodeError } from "../../sdk/errors.js";
import { keeperTick } from "../../sdk/keeper.js";
import { poolSwapArgs, quotePoolSwap } from "../../sdk/sessions/amm.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import { ActionKind, marginConfig, physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import { legMask, sessionDomain, signSessionOrder, type SessionOrder } from "../../sdk/sessions/orders.js";
import { textTable } from "../../sdk/report/html.js";
import type {
  MarginModule,
  MarginSession,
  MockERC20,
  MockSplitToken,
  MockV3Aggregator,
  PhysicalSession,
  SessionAmm,
  SessionFactory,
} from "../../types/ethers-contracts/index.js";
import { check, DAY, demoTerms, units, WAD, type Check, type Connection, type DemoPart } from "./common.js";

const USDC = 10n ** 6n;
const E36 = 10n ** 36n;
const price8 = (usd: number): bigint => BigInt(Math.round(usd * 100)) * 10n ** 6n;
const fixing = (feed: string) => firstAfterFixing(feed, { heartbeat: 3 * 86_400, maxDelay: 6 * 3_600 });
/** 1e36 quote units as dollars with two decimals. */
const usd = (v: bigint) => units(v, 36, 2);

export async function runMarginDemo(conn: Connection, factory: SessionFactory): Promise<DemoPart> {
  const { ethers, networkHelpers } = conn;
  const [organiser, feeDesk, alice, bob, carol, dave, erin] = await ethers.getSigners();
  const names = new Map<string, string>([
    [alice.address, "alice"],
    [bob.address, "bob"],
    [carol.address, "carol"],
    [dave.address, "dave"],
    [erin.address, "erin"],
    [feeDesk.address, "fee account (insurance)"],
  ]);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const checks: Check[] = [];
  const summary: string[] = [];
  const events: string[][] = [];

  const usdc = (await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", 6])) as unknown as MockERC20;
  const acme = (await ethers.deployContract("MockSplitToken", ["Mock ACME", "ACME", 18])) as unknown as MockSplitToken;
  const globex = (await ethers.deployContract("MockERC20", ["Mock GLOBEX", "GLOBEX", 18])) as unknown as MockERC20;
  const tokens = [usdc, acme, globex];
  const tickers = ["USDC", "ACME", "GLOBEX"];
  const decimals = [6, 18, 18];
  const unitsPerShare = [100n * USDC, WAD, WAD];
  const px = [1, 100, 100];
  const feeds: MockV3Aggregator[] = [];
  for (const p of px) feeds.push(await ethers.deployContract("MockV3Aggregator", [8, price8(p)]));
  const publish = async () => {
    for (let k = 0; k < 3; k++) await feeds[k].updateAnswer(price8(px[k]));
  };

  const now = BigInt(await networkHelpers.time.latest());
  const cfg = sessionConfig({
    kind: SessionKind.Margin,
    legs: await Promise.all(
      tokens.map(async (t, k) =>
        physicalLeg(await t.getAddress(), unitsPerShare[k], fixing(await feeds[k].getAddress())),
      ),
    ),
    ...demoTerms(now, feeDesk, organiser),
  });
  const margin = marginConfig(3, { disputeBond: 100n * USDC });
  const addr = await factory.createMarginSession.staticCall(cfg, margin);
  await (await factory.createMarginSession(cfg, margin)).wait();
  const session = (await ethers.getContractAt("MarginSession", addr)) as unknown as MarginSession;
  const module = (await ethers.getContractAt("MarginModule", addr)) as unknown as MarginModule;
  const errorAbis = [session.interface, module.interface];

  const people = [alice, bob, carol, dave, erin];
  const shares = [10n, 10n, 10n, 40n, 10n];
  for (let i = 0; i < people.length; i++) {
    for (let k = 0; k < 3; k++) {
      await tokens[k].mint(people[i].address, shares[i] * unitsPerShare[k]);
      await tokens[k].connect(people[i]).approve(addr, shares[i] * unitsPerShare[k]);
    }
    await session.connect(people[i]).subscribe(shares[i], []);
  }
  const holders = [...people, feeDesk];

  // Conservation in session units: every leg's allocations add up to its basket (the cash leg's basket
  // shrinks by the dividends shorts paid into the reserve).
  const conserve = async (label: string) => {
    const sums = [0n, 0n, 0n];
    for (const h of holders) (await session.allocationOf(h.address)).forEach((v, k) => (sums[k] += BigInt(v)));
    const baskets = await Promise.all([0, 1, 2].map(async (k) => (await module.legState(k)).basket));
    checks.push(
      check(
        `margin session, ${label}: sum of allocations == basket in every leg`,
        sums.every((s, k) => s === baskets[k]),
        sums.map((s, k) => units(s, decimals[k], 2)).join(" / "),
      ),
    );
  };
  const marginLine = async (who: HardhatEthersSigner) => {
    const m = await module.marginOf(who.address);
    return `${names.get(who.address)}: equity $${usd(m.equityE36)}, stressed $${usd(m.stressedE36)}, gross $${usd(m.grossE36)}, initial $${usd(m.initialE36)}, maintenance $${usd(m.maintenanceE36)}${m.liquidatable ? ", LIQUIDATABLE" : ""}`;
  };
  await conserve("after subscriptions");

  await networkHelpers.time.increaseTo(cfg.t1);
  await publish();
  const order = async (maker: HardhatEthersSigner, legs: number[], amounts: bigint[], salt: bigint) => {
    const o: SessionOrder = {
      maker: maker.address,
      taker: ZeroAddress,
      legs: legMask(legs),
      amounts,
      maxFeeBps: 25n,
      expiry: cfg.t2,
      nonce: 0n,
      salt,
    };
    return { o, sig: await signSessionOrder(maker, o, sessionDomain(addr, chainId)) };
  };

  // 1. Alice sells 20 ACME (she holds 10) for 2,000 USDC: she is short 10 ACME. Bob takes it.
  const a1 = await order(alice, [0, 1], [2_000n * USDC, -20n * WAD], 1n);
  await session.connect(bob).fill(a1.o, a1.sig, WAD);
  events.push(["alice", "sells 20 ACME for 2,000 USDC (short 10)", "bob takes it"]);
  summary.push(await marginLine(alice));
  await conserve("alice short");
  // Too much: Alice tries to sell 40 more ACME; the stressed-value margin refuses it.
  const a2 = await order(alice, [0, 1], [4_000n * USDC, -40n * WAD], 2n);
  let refused = "";
  try {
    await session.connect(dave).fill.staticCall(a2.o, a2.sig, WAD);
  } catch (e) {
    refused = decodeError(e, errorAbis)?.name ?? String(e);
  }
  checks.push(
    check(
      "margin session: a short beyond the cap or the initial margin is refused",
      refused === "ConcentrationExceeded" || refused === "BelowInitialMargin",
      refused,
    ),
  );

  // 2. Erin sells 20 GLOBEX for 2,000 USDC to Dave: short 10 GLOBEX.
  const e1 = await order(erin, [0, 2], [2_000n * USDC, -20n * WAD], 3n);
  await session.connect(dave).fill(e1.o, e1.sig, WAD);
  events.push(["erin", "sells 20 GLOBEX for 2,000 USDC (short 10)", "dave takes it"]);
  await conserve("erin short");

  // 3. ACME triples: Alice falls below the maintenance margin; Carol liquidates her inside the pool.
  await networkHelpers.time.increase(DAY);
  px[1] = 300;
  await publish();
  summary.push(await marginLine(alice));
  const liqTx = await session.connect(carol).liquidate(alice.address);
  const liq = (await liqTx.wait())?.logs
    .map((l) => {
      try {
        return session.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((l) => l?.name === "Liquidated");
  const compensation = liq ? BigInt(liq.args.compensation) : -1n;
  events.push([
    "carol",
    `liquidates alice at ACME $300; alice keeps ${units(compensation, 6, 2)} USDC`,
    "penalty to carol",
  ]);
  const aliceAfter = (await session.allocationOf(alice.address)).map((v) => BigInt(v));
  checks.push(
    check(
      "margin session: the liquidated account keeps only its equity minus the penalty, in cash",
      compensation > 0n && aliceAfter[0] === compensation && aliceAfter[1] === 0n && aliceAfter[2] === 0n,
      `alice now ${aliceAfter.map((v, k) => units(v, decimals[k], 2)).join(" / ")}`,
    ),
  );
  await conserve("after the liquidation");

  // 4. A 2-for-1 split of ACME through the timelock: announced, the token splits, the organiser executes.
  await module.connect(organiser).scheduleAction(ActionKind.Split, 1, 2, 1);
  await networkHelpers.time.increase(3_601);
  await acme.split(2, 1);
  px[1] = 150;
  await publish();
  const bobBefore = (await session.allocationOf(bob.address)).map((v) => BigInt(v));
  await module.connect(organiser).executeAction(0);
  const leg1 = await module.legState(1);
  const bobAfter = (await session.allocationOf(bob.address)).map((v) => BigInt(v));
  const poolAcme = await acme.balanceOf(addr);
  checks.push(
    check(
      "margin session: the 2-for-1 split doubled the tokens per session unit without touching an allocation",
      leg1.scaleNum === 2n && leg1.scaleDen === 1n && bobAfter.every((v, k) => v === bobBefore[k]),
      `pool holds ${units(poolAcme, 18, 2)} ACME for a basket of ${units(leg1.basket, 18, 2)} units`,
    ),
  );
  events.push(["organiser", "2-for-1 split of ACME (after a 1-hour notice)", "O(1): one scale factor"]);
  await conserve("after the split");

  // 5. A 300 USDC dividend on GLOBEX: Erin (short) pays her share at once, longs accrue theirs.
  await usdc.mint(organiser.address, 300n * USDC);
  await usdc.connect(organiser).approve(addr, 300n * USDC);
  await module.connect(organiser).scheduleAction(ActionKind.Dividend, 2, 300n * USDC, 0n);
  await networkHelpers.time.increase(3_601);
  await publish();
  const erinCashBefore = BigInt((await session.allocationOf(erin.address))[0]);
  await module.connect(organiser).executeAction(1);
  const erinCashAfter = BigInt((await session.allocationOf(erin.address))[0]);
  const bobDue = await module.dividendsOf(bob.address);
  const bobUsdc0 = await usdc.balanceOf(bob.address);
  await module.connect(bob).claimDividends(bob.address);
  const bobGot = (await usdc.balanceOf(bob.address)) - bobUsdc0;
  checks.push(
    check(
      "margin session: the dividend was paid by the short and claimed by a long",
      erinCashAfter < erinCashBefore && bobGot === bobDue && bobGot > 0n,
      `erin paid ${units(erinCashBefore - erinCashAfter, 6, 2)} USDC, bob claimed ${units(bobGot, 6, 2)} USDC`,
    ),
  );
  events.push(["organiser", "300 USDC dividend on GLOBEX", `erin pays ${units(erinCashBefore - erinCashAfter, 6, 2)}`]);
  await conserve("after the dividend");

  // 6. t2: GLOBEX gaps to $800 at the fixing. Erin is underwater; the keeper settles.
  const t2Prices = [1, 150, 800];
  while (BigInt(await networkHelpers.time.latest()) + DAY < cfg.t2) {
    await networkHelpers.time.increase(DAY);
    await publish();
  }
  await networkHelpers.time.increaseTo(cfg.t2 + 60n);
  for (let k = 0; k < 3; k++) await feeds[k].updateAnswer(price8(t2Prices[k]));
  const outcomes = await keeperTick(
    organiser,
    [{ address: addr, checkData: "0x", label: "margin session" }],
    errorAbis,
  );
  checks.push(check("margin session: the keeper settled it", outcomes[0].status === "performed", outcomes[0].status));
  const g = await module.gap();
  summary.push(
    `gap at t2: deficit $${usd(g.deficitE36)}, insurance $${usd(g.insuranceE36)}, socialised $${usd(g.socialisedE36)} over $${usd(g.positiveE36)} of positive value`,
  );

  // Claims: each account's value share of every leg; Erin (negative) has nothing to claim.
  const rows: string[][] = [];
  let claimed = 0n;
  const paid = [0n, 0n, 0n];
  for (const h of holders) {
    const value = await module.claimValueOf(h.address);
    if (value === 0n) {
      rows.push([names.get(h.address) as string, "-", "-", "-", "0.00"]);
      continue;
    }
    const before = await Promise.all(tokens.map((t) => t.balanceOf(h.address)));
    await session.connect(h).claim(h.address);
    const after = await Promise.all(tokens.map((t) => t.balanceOf(h.address)));
    after.forEach((v, k) => (paid[k] += v - before[k]));
    claimed += value;
    rows.push([
      names.get(h.address) as string,
      ...after.map((v, k) => units(v - before[k], decimals[k], 2)),
      usd(value),
    ]);
  }
  checks.push(
    check(
      "margin session: claims add up to the basket value V (the gap is covered, nothing is created)",
      claimed <= g.basketE36 && g.basketE36 - claimed < (BigInt(holders.length) * E36) / 10n ** 6n,
      `$${usd(claimed)} of $${usd(g.basketE36)}`,
    ),
  );
  const owed = await Promise.all([0, 1, 2].map(async (k) => (await module.legState(k)).basket));
  checks.push(
    check(
      "margin session: no leg paid out more tokens than its basket holds",
      paid[0] <= owed[0] && paid[1] <= owed[1] * 2n && paid[2] <= owed[2],
      paid.map((p, k) => `${units(p, decimals[k], 2)} ${tickers[k]}`).join(", "),
    ),
  );

  // 7. An AMM swap in a physical session: the AMM is a participant; its loss is bounded by its allocation.
  const amm = await ammSwap(conn, factory, checks, events);

  return {
    title: "Margin session: shorting, liquidation, corporate actions, gap at t2; and an AMM swap",
    blocks: [
      { kind: "h2", text: "Margin session: shorting, liquidation, split, dividend, gap" },
      {
        kind: "p",
        text: "Legs: USDC (the cash leg), ACME and GLOBEX; margin 20% initial / 10% maintenance of gross exposure under +-25% single-leg shocks; fees go to the fee account, which is the insurance.",
      },
      { kind: "table", columns: ["who", "what", "note"], rows: events },
      ...summary.map((text) => ({ kind: "p" as const, text })),
      { kind: "table", columns: ["account", "USDC", "ACME", "GLOBEX", "value $"], rows, caption: "Claims at t2" },
      { kind: "p", text: amm },
    ],
    summary: [...summary, textTable(["account", "USDC", "ACME", "GLOBEX", "value $"], rows), amm],
    checks,
  };
}

/** A two-leg physical session with a weighted AMM seeded by Dave; Carol swaps 0.25 WETH for USDC. */
async function ammSwap(
  conn: Connection,
  factory: SessionFactory,
  checks: Check[],
  events: string[][],
): Promise<string> {
  const { ethers, networkHelpers } = conn;
  const [organiser, feeDesk, , , carol, dave] = await ethers.getSigners();
  const weth = (await ethers.deployContract("MockERC20", ["Mock WETH", "WETH", 18])) as unknown as MockERC20;
  const usdc = (await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", 6])) as unknown as MockERC20;
  const feeds = [
    await ethers.deployContract("MockV3Aggregator", [8, price8(3_000)]),
    await ethers.deployContract("MockV3Aggregator", [8, price8(1)]),
  ];
  const now = BigInt(await networkHelpers.time.latest());
  const cfg = sessionConfig({
    kind: SessionKind.Physical,
    legs: [
      physicalLeg(await weth.getAddress(), WAD, fixing(await feeds[0].getAddress())),
      physicalLeg(await usdc.getAddress(), 3_000n * USDC, fixing(await feeds[1].getAddress())),
    ],
    ...demoTerms(now, feeDesk, organiser),
  });
  const { session: addr } = await createSessionFromConfig(factory, cfg);
  const session = (await ethers.getContractAt("PhysicalSession", addr)) as unknown as PhysicalSession;
  const amm = (await ethers.deployContract("SessionAmm", [
    addr,
    dave.address,
    [WAD / 2n, WAD / 2n],
    30n,
    200n,
  ])) as unknown as SessionAmm;
  for (const [who, n, spender] of [
    [dave, 50n, await amm.getAddress()],
    [carol, 5n, addr],
  ] as const) {
    await weth.mint(who.address, n * WAD);
    await usdc.mint(who.address, n * 3_000n * USDC);
    await weth.connect(who).approve(spender, n * WAD);
    await usdc.connect(who).approve(spender, n * 3_000n * USDC);
  }
  await amm.connect(dave).subscribe(50n, []);
  await session.connect(carol).subscribe(5n, []);
  await networkHelpers.time.increaseTo(cfg.t1);
  for (const f of feeds) await f.updateAnswer(await f.latestAnswer());
  // Carol's own call to the session (no signed order): quoted by the AMM, with a 0.5% slippage limit.
  const q = await quotePoolSwap(amm, 0, 1, WAD / 4n, { slippageBps: 50n });
  const before = (await session.allocationOf(carol.address)).map((v) => BigInt(v));
  await (await session.connect(carol).swapWithPool(...poolSwapArgs(q))).wait();
  const after = (await session.allocationOf(carol.address)).map((v) => BigInt(v));
  const sums = [0n, 0n];
  for (const h of [carol.address, await amm.getAddress(), feeDesk.address])
    (await session.allocationOf(h)).forEach((v, k) => (sums[k] += BigInt(v)));
  checks.push(
    check(
      "AMM session: the swap moved allocation between Carol and the AMM only (sum == basket)",
      sums[0] === 55n * WAD &&
        sums[1] === 55n * 3_000n * USDC &&
        before[0] - after[0] === WAD / 4n &&
        after[1] - before[1] === q.traderReceives &&
        q.traderReceives === q.amountOut - (q.amountOut * 5n) / 10_000n, // Carol is the maker: 5 bps fee
      `carol paid 0.25 WETH for ${units(q.amountOut, 6, 2)} USDC`,
    ),
  );
  events.push(["carol", `swaps 0.25 WETH for ${units(q.amountOut, 6, 2)} USDC with the AMM`, "AMM session"]);
  return `AMM swap: Carol paid 0.25 WETH and received ${units(q.amountOut, 6, 2)} USDC in her own call to the session (oracle $3,000, 0.3% swap fee, session fees); the AMM quoted within its 2% oracle band.`;
}
