/**
 * The SDK's order-effect prediction (sdk/markets/orderEffect.ts) and chain reads (sdk/markets/book.ts) against the
 * contract: for random orders of every type on a tree of markets, what the web app shows before signing (the
 * fills, the resting remainder, "this order locks X") equals what the chain does (the account's `sumWorst` and
 * `cash` after the order); post-only crossings are refused with the contract's reason; the payoff curve equals
 * what redemption pays after settlement.
 */
import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";

import { marketParents, readBook, traderOnRoot } from "../../sdk/markets/book.js";
import { orderEffect, payoffCurve, payoutAt, type MarketBounds } from "../../sdk/markets/orderEffect.js";
import { deployMarkets, SCALE, UNIT, type MarketsFixture } from "../markets/fixture.js";
import { prng } from "../shared/prng.js";

const connection = await network.create();

async function boundsOf(fx: MarketsFixture, rootId: bigint, branches: number[]): Promise<MarketBounds[]> {
  const out: MarketBounds[] = [];
  for (const b of branches) {
    const [min, max] = (await fx.core.market(rootId, b)) as [bigint, bigint];
    out.push({ branchId: b, min, max });
  }
  return out;
}

describe("SDK markets: order effect and payoff against the chain", () => {
  it("orderEffect_predictsFillsRestAndSumWorstChange_ofRandomOrders_exactly", async () => {
    const fx = await deployMarkets(connection);
    const traders: Signer[] = fx.signers.slice(1, 5);
    const token = await fx.token.getAddress();
    const rootId = await fx.createRoot(-20n, 80n);
    const subA = await fx.createSub(rootId, 1, 0n, 50n);
    const subB = await fx.createSub(rootId, subA, 10n, 17n);
    const branches = [1, subA, subB];
    const markets = await boundsOf(fx, rootId, branches);
    for (const t of traders) await fx.fund(t, 60n * UNIT);
    const info = { markets: fx.coreAddress, rootId, collateral: { address: token, symbol: "USDC", decimals: 6 } };
    const r = prng(4_242);
    let placed = 0;
    let withFills = 0;
    let postOnlyRefused = 0;
    let selfTrades = 0;
    for (let step = 0; step < 70; step++) {
      if (step === 35) await (await fx.core.postBounds(rootId, subA, 5n, 50n)).wait(); // narrowing: X >= 5
      const t = traders[r.below(traders.length)];
      const addr = await t.getAddress();
      const branchId = branches[r.below(branches.length)];
      const tick = 1 + r.below(99);
      const qty = BigInt(1 + r.below(12)) * r.sign();
      const orderType = r.below(3);
      const state = await traderOnRoot(fx.connection.ethers.provider, info, addr);
      const book = await readBook(fx.connection.ethers.provider, info, branchId);
      const root = await fx.core.root(rootId);
      const effect = orderEffect({
        lo: BigInt(root.lo),
        hi: BigInt(root.hi),
        unitScale: SCALE,
        markets,
        state,
        order: { branchId, tick, quantity: qty, orderType },
        opposite: qty > 0n ? book.asks : book.bids,
        maxLevels: 3,
      });
      const o = await fx.order(t, rootId, branchId, tick, qty, orderType);
      const core = fx.core.connect(t) as Contract;
      let refusal: string | undefined;
      try {
        await core.place.staticCall(o, "0x", 3);
      } catch (e) {
        const parsed = fx.core.interface.parseError((e as { data?: string }).data ?? "0x");
        if (parsed === null) throw e;
        refusal = parsed.name;
      }
      if (effect.refused !== undefined) {
        expect(refusal).to.equal(effect.refused.name);
        if (refusal === "PostOnlyWouldCross") postOnlyRefused++;
        continue;
      }
      if (refusal !== undefined) {
        // the only refusal left is the collateral check: the prediction says the account falls short
        expect(refusal).to.equal("InsufficientCollateral");
        expect(state.cash + effect.cashDelta + state.sumWorst + effect.sumWorstDelta < 0n).to.equal(true);
        continue;
      }
      const tx = await core.place(o, "0x", 3);
      const receipt = await tx.wait();
      const filled = receipt.logs
        .map((l: { topics: string[]; data: string }) => fx.core.interface.parseLog(l))
        .filter((p: { name: string } | null) => p?.name === "OrderFilled");
      const [cash, sumWorst] = (await fx.core.account(addr, token)) as [bigint, bigint];
      expect(sumWorst - state.sumWorst).to.equal(effect.sumWorstDelta);
      expect(cash - state.cash).to.equal(effect.cashDelta);
      expect(filled.length).to.equal(effect.fills.length);
      expect(filled.reduce((s: bigint, f: { args: { quantity: bigint } }) => s + f.args.quantity, 0n)).to.equal(
        effect.traded,
      );
      if (effect.fills.length > 0) withFills++;
      if (effect.selfCancelled.length > 0) selfTrades++;
      placed++;
    }
    expect(placed).to.be.greaterThan(20);
    expect(withFills).to.be.greaterThan(5);
    expect(postOnlyRefused).to.be.greaterThan(0);
    expect(selfTrades).to.be.greaterThan(0);
  });

  it("readBook_listsLiveLevelsBestFirst_withTheirOrdersInTimePriority", async () => {
    const fx = await deployMarkets(connection);
    const [, a, b] = fx.signers;
    const rootId = await fx.createRoot(0n, 100n);
    for (const t of [a, b]) await fx.fund(t, 100n * UNIT);
    const place = async (t: Signer, tick: number, q: bigint) =>
      (await (fx.core.connect(t) as Contract).place(await fx.order(t, rootId, 1, tick, q), "0x", 1)).wait();
    await place(a, 40, 5n);
    await place(b, 40, 3n);
    await place(a, 45, 2n);
    await place(b, 60, -4n);
    await place(a, 55, -1n);
    const info = { markets: fx.coreAddress, rootId };
    const book = await readBook(fx.connection.ethers.provider, info, 1);
    expect(book.bids.map((l) => [l.tick, l.size])).to.deep.equal([
      [45, 2n],
      [40, 8n],
    ]);
    // a's 5 and b's 3 at 40 share one storage slot (keys 0 and 1 of the level): each keeps its own size
    expect(book.bids[1].entries).to.deep.equal([
      { orderKey: await fx.core.orderKeyOf(rootId, 1, 40, 0), remaining: 5n },
      { orderKey: await fx.core.orderKeyOf(rootId, 1, 40, 1), remaining: 3n },
    ]);
    expect(book.asks.map((l) => [l.tick, l.size])).to.deep.equal([
      [55, 1n],
      [60, 4n],
    ]);
    expect(book.truncated).to.equal(false);
  });

  it("orderEffect_cancelsTheTradersOwnEntriesByItsOrderKeys_andFillsAnotherTradersAtTheSameLevel", async () => {
    const fx = await deployMarkets(connection);
    const [, a, b] = fx.signers;
    const token = await fx.token.getAddress();
    const rootId = await fx.createRoot(0n, 100n);
    const markets = await boundsOf(fx, rootId, [1]);
    for (const t of [a, b]) await fx.fund(t, 100n * UNIT);
    const place = async (t: Signer, tick: number, q: bigint) =>
      (await (fx.core.connect(t) as Contract).place(await fx.order(t, rootId, 1, tick, q), "0x", 5)).wait();
    // a, b, a offer at 0.50: three entries of one level, the first two in one storage slot, no trader stored
    await place(a, 50, -3n);
    await place(b, 50, -4n);
    await place(a, 50, -2n);
    const [k0, k1, k2] = await Promise.all([0, 1, 2].map((i) => fx.core.orderKeyOf(rootId, 1, 50, i)));
    const info = { markets: fx.coreAddress, rootId, collateral: { address: token, symbol: "USDC", decimals: 6 } };
    const provider = fx.connection.ethers.provider;
    const stA = await traderOnRoot(provider, info, await a.getAddress());
    expect(stA.opens.map((o) => o.orderKey)).to.deep.equal([k0, k2]);
    const book = await readBook(provider, info, 1);
    const root = await fx.core.root(rootId);
    const order = { branchId: 1, tick: 50, quantity: 5n, orderType: 0 };
    const args = { lo: BigInt(root.lo), hi: BigInt(root.hi), unitScale: SCALE, markets, order, opposite: book.asks };
    const effect = orderEffect({ ...args, state: stA });
    expect(effect.selfCancelled).to.deep.equal([
      { orderKey: k0, quantity: 3n },
      { orderKey: k2, quantity: 2n },
    ]);
    expect(effect.fills).to.deep.equal([{ orderKey: k1, tick: 50, quantity: 4n }]);
    expect([effect.traded, effect.rests]).to.deep.equal([4n, 1n]);
    // "own" is the state's list and nothing else: the same book seen with b's state cancels b's entry instead
    const stB = await traderOnRoot(provider, info, await b.getAddress());
    const asB = orderEffect({ ...args, state: stB });
    expect(asB.selfCancelled).to.deep.equal([{ orderKey: k1, quantity: 4n }]);
    expect(asB.fills.map((f) => [f.orderKey, f.quantity])).to.deep.equal([
      [k0, 3n],
      [k2, 2n],
    ]);
    // the chain does what the preview said for a: its own offers reduced as self-trades, b's filled
    const receipt = await place(a, 50, 5n);
    const logs = receipt.logs.map((l: { topics: string[]; data: string }) => fx.core.interface.parseLog(l));
    const reduced = logs.filter((l: { name: string } | null) => l?.name === "OrderReduced");
    expect(
      reduced.map((l: { args: { orderKey: bigint; reason: bigint } }) => [l.args.orderKey, l.args.reason]),
    ).to.deep.equal([
      [k0, 1n],
      [k2, 1n],
    ]);
    const filled = logs.filter((l: { name: string } | null) => l?.name === "OrderFilled");
    expect(
      filled.map((l: { args: { makerKey: bigint; quantity: bigint } }) => [l.args.makerKey, l.args.quantity]),
    ).to.deep.equal([[k1, 4n]]);
    const [, sumWorstAfter] = (await fx.core.account(await a.getAddress(), token)) as [bigint, bigint];
    expect(sumWorstAfter - stA.sumWorst).to.equal(effect.sumWorstDelta);
  });

  it("marketParents_readsTheTreeFromMarketCreatedEvents", async () => {
    const fx = await deployMarkets(connection);
    const rootId = await fx.createRoot(0n, 100n);
    const a = await fx.createSub(rootId, 1, 0n, 50n);
    const b = await fx.createSub(rootId, 1, 20n, 40n); // inside [0, 50] too, but created under the root market
    const c = await fx.createSub(rootId, a, 10n, 20n);
    const branches = (await boundsOf(fx, rootId, [1, a, b, c])).map((m) => ({ ...m }));
    const parents = await marketParents(fx.connection.ethers.provider, { markets: fx.coreAddress, rootId, branches });
    expect([...parents.entries()].sort((x, y) => x[0] - y[0])).to.deep.equal([
      [a, 1],
      [b, 1],
      [c, a],
    ]);
  });

  it("payoffCurve_equalsWhatRedemptionPays_afterSettlement", async () => {
    const fx = await deployMarkets(connection);
    const [, a, b] = fx.signers;
    const token = await fx.token.getAddress();
    const rootId = await fx.createRoot(0n, 100n);
    const sub = await fx.createSub(rootId, 1, 30n, 40n);
    const markets = await boundsOf(fx, rootId, [1, sub]);
    for (const t of [a, b]) await fx.fund(t, 100n * UNIT);
    const place = async (t: Signer, branch: number, tick: number, q: bigint, type = 0) =>
      (await (fx.core.connect(t) as Contract).place(await fx.order(t, rootId, branch, tick, q, type), "0x", 5)).wait();
    await place(a, sub, 50, 10n); // A bids 10 of [30, 40] at 0.50
    await place(b, sub, 40, -10n, 1); // B sells into it
    await place(b, 1, 30, 4n); // B bids 4 of the root market at 0.30
    await place(a, 1, 30, -4n, 1); // A sells into it
    const info = { markets: fx.coreAddress, rootId, collateral: { address: token, symbol: "USDC", decimals: 6 } };
    const stA = await traderOnRoot(fx.connection.ethers.provider, info, await a.getAddress());
    expect([...stA.positions.entries()]).to.deep.equal([
      [1, -4n],
      [sub, 10n],
    ]);
    const curve = payoffCurve({
      from: 0n,
      to: 100n,
      unitScale: SCALE,
      markets,
      positions: stA.positions,
      premiumPaid: stA.premiumPaid,
    });
    expect(curve.map((p) => p.x)).to.deep.equal([0n, 30n, 40n, 100n]);
    expect(curve.map((p) => p.payout)).to.deep.equal([0n, -1_200_000n, 8_400_000n, 6_000_000n]);
    expect(curve[0].pnl).to.equal(-stA.premiumPaid);
    await (await fx.core.postBounds(rootId, 1, 33n, 33n)).wait(); // settles at X = 33
    const [cashBefore] = (await fx.core.account(await a.getAddress(), token)) as [bigint];
    const credited = stA.pendingCash;
    await (await fx.core.redeem(rootId, await a.getAddress())).wait();
    const [cashAfter] = (await fx.core.account(await a.getAddress(), token)) as [bigint];
    expect(cashAfter - cashBefore - credited).to.equal(payoutAt(33n, SCALE, markets, stA.positions));
    expect(payoutAt(33n, SCALE, markets, stA.positions)).to.equal(-4n * 330_000n + 10n * 300_000n);
  });
});
