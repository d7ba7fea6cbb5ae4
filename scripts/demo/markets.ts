/**
 * Demo, bounded-payoff markets: a rainfall root (0 to 100 mm) with a 30-40 mm sub-market, three traders,
 * signed and direct orders (a relayed signed bid, a better-price match, a partial fill resting, an
 * immediate-or-cancel order), a bound narrowing by the root's owner that releases collateral, settlement
 * from a Chainlink-style feed through the keeper, redemption and withdrawal, and the verifier replaying the
 * root's hash-chained log.
 */
import type { Contract, Signer } from "ethers";
import { AbiCoder, ZeroAddress } from "ethers";

import MarketsModule from "../../deploy/modules/Markets.js";
import { keeperTick } from "../../sdk/keeper.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import { marketsAt, marketsInterface } from "../../sdk/markets/abi.js";
import { marketsDomain, signMarketOrder, type MarketOrder } from "../../sdk/markets/typedData.js";
import { verifyRoot } from "../../sdk/markets/verifier.js";
import { barChart } from "../../sdk/report/svg.js";
import { textTable } from "../../sdk/report/html.js";
import { check, DAY, units, type Check, type Connection, type DemoPart } from "./common.js";

const USDC = 6;
const UNIT_SCALE = 10_000n; // one contract pays TICKS (100) * 10,000 = 1,000,000 units = 1 USDC at the top of its range

export async function runMarketsDemo(conn: Connection): Promise<DemoPart> {
  const { ethers, networkHelpers, ignition } = conn;
  const signers = await ethers.getSigners();
  const [owner, , , , , , alice, bob, carol, relayer] = signers;
  const names = new Map<string, string>([
    [alice.address, "alice"],
    [bob.address, "bob"],
    [carol.address, "carol"],
  ]);
  const { markets: deployed } = (await ignition.deploy(MarketsModule)) as unknown as { markets: Contract };
  const coreAddress = await deployed.getAddress();
  const core = marketsAt(coreAddress, owner);
  const usdc = await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", USDC]);
  const rain = await ethers.deployContract("MockV3Aggregator", [8, 20n * 10n ** 8n]); // rainfall gauge, mm
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = marketsDomain(chainId, coreAddress);
  const as = (s: Signer) => core.connect(s) as Contract;
  let salt = 0n;

  const now = BigInt(await networkHelpers.time.latest());
  const expiry = now + 7n * DAY;
  const params = {
    collateral: await usdc.getAddress(),
    unitScale: UNIT_SCALE,
    decimals: 0, // outcome in whole mm
    min: 0n,
    max: 100n,
    expiry,
    voidDeadline: expiry + 7n * DAY,
    source: 2, // Chainlink feed
    reporter: ZeroAddress,
    disputeWindow: 0,
  };
  const spec = firstAfterFixing(await rain.getAddress(), { heartbeat: 2 * 86_400 });
  const rootId: bigint = await core.createFeedRoot.staticCall(params, spec);
  await (await core.createFeedRoot(params, spec)).wait();
  const sub = Number(await core.createSub.staticCall(rootId, 1, 30n, 40n));
  await (await core.createSub(rootId, 1, 30n, 40n)).wait();

  const deposit = 100n * 10n ** BigInt(USDC);
  for (const t of [alice, bob, carol]) {
    await usdc.mint(t.address, deposit);
    await usdc.connect(t).approve(coreAddress, deposit);
    await (await as(t).deposit(await usdc.getAddress(), deposit)).wait();
  }

  const order = async (
    t: Signer,
    branchId: number,
    tick: number,
    quantity: bigint,
    orderType = 0,
  ): Promise<MarketOrder> => ({
    rootId,
    branchId,
    tick,
    quantity,
    orderType,
    expiry: BigInt(await networkHelpers.time.latest()) + DAY,
    nonce: 0n,
    salt: ++salt,
    trader: await t.getAddress(),
  });
  const log: Array<Array<string>> = [];
  const place = async (by: Signer, o: MarketOrder, note: string, signed = false) => {
    const trader = signers.find((s) => s.address === o.trader) as Signer;
    const sig = signed ? await signMarketOrder(trader, domain, o) : "0x";
    const [, traded] = (await as(by).place.staticCall(o, sig, 8)) as [bigint, bigint];
    await (await as(by).place(o, sig, 8)).wait();
    const side = o.quantity > 0n ? "bid" : "offer";
    log.push([
      names.get(o.trader) as string,
      o.branchId === 1 ? "0-100 mm" : "30-40 mm",
      `${side} ${o.quantity < 0n ? -o.quantity : o.quantity} @ ${(o.tick / 100).toFixed(2)}`,
      String(traded),
      note,
    ]);
  };

  // The seed's worked examples, on the root market (0-100 mm):
  await place(relayer, await order(alice, 1, 50, 10n), "signed by alice, submitted by a relayer; rests", true);
  await place(bob, await order(bob, 1, 40, -4n), "better-price match: trades at alice's 0.50");
  await place(carol, await order(carol, 1, 45, -10n), "6 trade at 0.50, 4 rest at 0.45 (partial fill)");
  await place(alice, await order(alice, 1, 45, 2n, 1), "immediate-or-cancel: takes 2 of carol's 4");
  // ...and on the 30-40 mm sub-market, whose underlying is the root:
  await place(bob, await order(bob, sub, 30, 3n), "rests");
  await place(carol, await order(carol, sub, 25, -3n), "trades at bob's 0.30");

  /** Collateral at risk: minus the trader's worst case over every outcome still possible (0 when it cannot lose more). */
  const lockedOf = async (t: Signer) => {
    const [, sumWorst] = (await core.account(await t.getAddress(), await usdc.getAddress())) as [bigint, bigint];
    return sumWorst < 0n ? -sumWorst : 0n;
  };
  const traders = [alice, bob, carol];
  for (const t of traders) await (await as(t).sync(rootId)).wait();
  const lockedBefore = await Promise.all(traders.map(lockedOf));
  // The root's owner learns that at least 35 mm fell: narrowing the sub-market's minimum narrows X for the tree.
  await (await core.postBounds(rootId, sub, 35n, 40n)).wait();
  for (const t of traders) await (await as(t).sync(rootId)).wait();
  const lockedAfter = await Promise.all(traders.map(lockedOf));

  // Expiry: the gauge publishes daily; the first round at or after expiry is the fixing (37 mm).
  const start = BigInt(await networkHelpers.time.latest());
  for (let d = 1n; start + d * DAY < expiry; d++) {
    await networkHelpers.time.increaseTo(start + d * DAY);
    await rain.updateAnswer(30n * 10n ** 8n + d * 10n ** 8n);
  }
  await networkHelpers.time.increaseTo(expiry + 600n);
  await rain.updateAnswer(37n * 10n ** 8n);
  const checkData = AbiCoder.defaultAbiCoder().encode(["uint256"], [rootId]);
  const kept = await keeperTick(
    owner,
    [{ address: coreAddress, checkData, label: `root ${rootId}` }],
    [marketsInterface],
  );

  const rows: Array<Array<string>> = [];
  const pnl: Array<{ label: string; value: number }> = [];
  let withdrawn = 0n;
  for (let i = 0; i < traders.length; i++) {
    const t = traders[i];
    const posRoot: bigint = await core.positionOf(t.address, rootId, 1);
    const posSub: bigint = await core.positionOf(t.address, rootId, sub);
    await (await as(t).redeem(rootId, t.address)).wait();
    const [cash] = (await core.account(t.address, await usdc.getAddress())) as [bigint];
    if (cash > 0n) await (await as(t).withdraw(await usdc.getAddress(), cash, t.address)).wait();
    withdrawn += cash;
    rows.push([
      names.get(t.address) as string,
      String(posRoot),
      String(posSub),
      units(lockedBefore[i], USDC, 2),
      units(lockedAfter[i], USDC, 2),
      units(cash, USDC, 2),
      units(cash - deposit, USDC, 2),
    ]);
    pnl.push({ label: names.get(t.address) as string, value: Number(cash - deposit) / 1e6 });
  }
  const replay = await verifyRoot(ethers.provider, coreAddress, rootId);
  const rootState = await core.root(rootId);
  const left = await usdc.balanceOf(coreAddress);

  const checks: Check[] = [
    check(
      "markets: the keeper settled the rainfall root from the feed",
      kept[0].status === "performed",
      kept[0].status,
    ),
    check(
      "markets: the narrowing released collateral for every trader with exposure (never raised it)",
      lockedAfter.every((v, i) => v <= lockedBefore[i]) && lockedAfter.some((v, i) => v < lockedBefore[i]),
      `${lockedBefore.map((v) => units(v, USDC, 2)).join("/")} -> ${lockedAfter.map((v) => units(v, USDC, 2)).join("/")}`,
    ),
    check(
      "markets: settled payouts sum to the collateral locked (withdrawn == deposited, nothing left)",
      withdrawn === 3n * deposit && left === 0n,
      `withdrawn ${units(withdrawn, USDC, 2)}, left ${left}`,
    ),
    check(
      "markets: positions net to zero in each market",
      (await sumPositions(1)) === 0n && (await sumPositions(sub)) === 0n,
    ),
    check(
      "markets: the verifier replayed the hash chain, every signature and the final positions without a problem",
      replay.problems.length === 0,
      replay.problems.length === 0 ? `${replay.records} records` : replay.problems.join("; "),
    ),
  ];
  async function sumPositions(branch: number): Promise<bigint> {
    let s = 0n;
    for (const t of traders) s += (await core.positionOf(t.address, rootId, branch)) as bigint;
    return s;
  }

  return {
    title: "Bounded-payoff markets: rainfall root with a 30-40 mm sub-market",
    blocks: [
      { kind: "h2", text: "Bounded-payoff markets: rainfall (0-100 mm) with a 30-40 mm sub-market" },
      {
        kind: "p",
        text: "A contract on [min, max] pays (clamp(X, min, max) - min) / (max - min) USDC. Prices are in (0, 1) on a 0.01 grid. Each trader deposits 100 USDC; an order is accepted only if the trader's collateral covers its worst case over every outcome still possible, counting each open order in whichever way hurts most.",
      },
      {
        kind: "table",
        columns: ["trader", "market", "order", "traded", "what happened"],
        rows: log,
        caption: "Order log (append-only, hash-chained)",
      },
      {
        kind: "p",
        text: `The root's owner posted [35, 40] on the sub-market: X is now known to be at least 35 mm, which releases collateral. The feed fixed X = ${rootState.lo} mm after expiry; the keeper settled through the contract's Automation interface.`,
      },
      {
        kind: "table",
        columns: ["trader", "root pos", "30-40 pos", "at risk before narrowing", "at risk after", "paid out", "P&L"],
        rows,
        caption: "Positions, collateral and settlement (USDC)",
      },
      { kind: "svg", svg: barChart("P&L of the rainfall markets (USDC)", pnl) },
    ],
    summary: [
      "Rainfall markets: positions, collateral released by the narrowing, payouts",
      textTable(["trader", "root", "30-40", "at risk", "after narrowing", "paid", "P&L"], rows),
    ],
    checks,
  };
}
