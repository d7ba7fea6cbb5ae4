import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";

import {
  minOverRange,
  payoffDown,
  rootWorst,
  shortfall,
  type Leg,
  type OpenOrder,
} from "../../sdk/markets/worstCase.js";
import { prng } from "../shared/prng.js";
import { deployMarkets, SCALE, UNIT, type MarketsFixture } from "./fixture.js";

const connection = await network.create();

/** A resting order the trader has not placed yet, for a prediction. */
interface Hypothetical {
  branch: number;
  tick: bigint;
  qty: bigint;
}

/**
 * The mirror's worst case for `trader` on `rootId`, from the contract's raw state (views only); with `extra`, as
 * if that order rested too.
 */
async function mirror(fx: MarketsFixture, trader: string, rootId: bigint, extra?: Hypothetical): Promise<bigint> {
  const root = await fx.core.root(rootId);
  const [, premiumPaid, branches, positions, refs] = await fx.core.traderRoot(trader, rootId);
  const pos = new Map<number, bigint>();
  (branches as bigint[]).forEach((b, i) => pos.set(Number(b), (positions as bigint[])[i]));
  let premium: bigint = premiumPaid;
  const opens: Array<{ branch: number; tick: bigint; qty: bigint }> = [];
  for (const ref of refs as bigint[]) {
    const branch = Number(ref >> 48n);
    const tick = (ref >> 40n) & 0xffn;
    const isBid = ((ref >> 32n) & 1n) === 1n;
    const key = await fx.core.orderKeyOf(rootId, branch, tick, ref & 0xffffffffn);
    const [remaining, unclaimed] = await fx.core.restingOrder(key);
    pos.set(branch, (pos.get(branch) ?? 0n) + (isBid ? unclaimed : -unclaimed));
    premium += (isBid ? 1n : -1n) * unclaimed * tick * SCALE;
    if (remaining > 0n) opens.push({ branch, tick, qty: isBid ? remaining : -remaining });
  }
  if (extra !== undefined) {
    opens.push(extra);
    pos.set(extra.branch, pos.get(extra.branch) ?? 0n);
  }
  const keep = [...pos.keys()].filter((b) => pos.get(b) !== 0n || opens.some((o) => o.branch === b));
  const legs: Leg[] = [];
  for (const b of keep) {
    const [min, max] = await fx.core.market(rootId, b);
    legs.push({ min, max, pos: pos.get(b)! });
  }
  const os: OpenOrder[] = opens.map((o) => ({ leg: keep.indexOf(o.branch), tick: o.tick, qty: o.qty }));
  return rootWorst(root.lo, root.hi, legs, os, SCALE, premium);
}

describe("markets worst-case mirror", () => {
  it("payoffDown and the check match the contract's numbers on a known case", () => {
    expect(payoffDown(10n, 0n, 30n, UNIT)).to.equal(333_333n);
    // Short 10 at 0.3 on [0, 100]: owes up to 10 * 1e6 at X = 100.
    expect(minOverRange(0n, 100n, [{ min: 0n, max: 100n, pos: -10n }], [], SCALE)).to.equal(-10n * UNIT);
    expect(shortfall(7n * UNIT - 1n, [-7n * UNIT])).to.equal(1n);
    expect(shortfall(7n * UNIT, [-7n * UNIT])).to.equal(0n);
  });

  it("equals the contract's worst case over random books on a tree of markets", async () => {
    const fx = await deployMarkets(connection);
    const traders: Signer[] = fx.signers.slice(1, 5);
    const rootId = await fx.createRoot(-20n, 80n);
    const subA = await fx.createSub(rootId, 1, 0n, 50n);
    const subB = await fx.createSub(rootId, subA, 10n, 17n);
    const branches = [1, subA, subB];
    for (const t of traders) await fx.fund(t, 1_000n * UNIT);
    const r = prng(12_345);
    let compared = 0;
    for (let step = 0; step < 60; step++) {
      const t = traders[r.below(traders.length)];
      const qty = BigInt(1 + r.below(20)) * r.sign();
      const o = await fx.order(t, rootId, branches[r.below(3)], 1 + r.below(99), qty, r.below(3) === 0 ? 1 : 0);
      try {
        await (await (fx.core.connect(t) as Contract).place(o, "0x", 3)).wait();
      } catch {
        continue; // e.g. too many open orders: the book stays as it was
      }
      if (step === 30) await (await fx.core.postBounds(rootId, subA, 5n, 50n)).wait(); // narrows: X >= 5
      for (const tr of traders) {
        const addr = await tr.getAddress();
        const [onChain] = await fx.core.previewWorst(addr, rootId);
        expect(await mirror(fx, addr, rootId)).to.equal(onChain);
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(100);
  });

  it("predicts the collateral check of resting orders across two roots: the exact shortfall, or a pass", async () => {
    const fx = await deployMarkets(connection);
    const traders: Signer[] = fx.signers.slice(1, 5);
    const token = await fx.token.getAddress();
    const rootA = await fx.createRoot(-20n, 80n);
    const subA = await fx.createSub(rootA, 1, 0n, 50n);
    const rootB = await fx.createRoot(0n, 100n);
    const books = [
      { rootId: rootA, branches: [1, subA] },
      { rootId: rootB, branches: [1] },
    ];
    for (const t of traders) await fx.fund(t, 15n * UNIT); // tight: many orders do not fit
    const r = prng(2_026);
    let passed = 0;
    let refused = 0;
    for (let step = 0; step < 90; step++) {
      const t = traders[r.below(traders.length)];
      const addr = await t.getAddress();
      const core = fx.core.connect(t) as Contract;
      const book = books[r.below(books.length)];
      const branch = book.branches[r.below(book.branches.length)];
      const tick = 1 + r.below(99);
      const qty = BigInt(1 + r.below(30)) * r.sign();
      if (r.below(2) === 0) {
        // A taking order (good-till-cancel or immediate-or-cancel) makes positions and maker fills not yet
        // credited; whether it fits is not predicted here.
        const o = await fx.order(t, book.rootId, branch, tick, qty, r.below(2));
        await core.place(o, "0x", 3).then(
          (tx: { wait(): Promise<unknown> }) => tx.wait(),
          () => undefined,
        );
        continue;
      }
      // A post-only order only rests: the mirror predicts the check from views alone.
      const o = await fx.order(t, book.rootId, branch, tick, qty, 2);
      const [cash, sumWorst, roots] = (await fx.core.account(addr, token)) as [bigint, bigint, bigint[]];
      const [storedWorst] = (await fx.core.traderRoot(addr, book.rootId)) as [bigint];
      const [, pendingCash] = (await fx.core.previewWorst(addr, book.rootId)) as [bigint, bigint];
      const otherWorsts: bigint[] = [];
      for (const id of roots) if (id !== book.rootId) otherWorsts.push((await fx.core.traderRoot(addr, id))[0]);
      expect(otherWorsts.reduce((a, b) => a + b, 0n)).to.equal(sumWorst - storedWorst);
      const worstAfter = await mirror(fx, addr, book.rootId, { branch, tick: BigInt(tick), qty });
      const cashAfter = cash + pendingCash;
      const sumAfter = sumWorst - storedWorst + worstAfter;
      const predicted = shortfall(cashAfter, [...otherWorsts, worstAfter]);
      let refusal: { name: string; args: unknown[] } | undefined;
      try {
        await core.place.staticCall(o, "0x", 3);
      } catch (e) {
        const parsed = fx.core.interface.parseError((e as { data?: string }).data ?? "0x");
        if (parsed === null) throw e;
        refusal = { name: parsed.name, args: [...parsed.args] };
      }
      if (refusal !== undefined && refusal.name !== "InsufficientCollateral") {
        // Refused before the check: it would cross the book, or the trader's order or market limit is reached.
        expect(refusal.name).to.be.oneOf(["PostOnlyWouldCross", "TooManyOpenOrders", "TooManyMarkets"]);
        continue;
      }
      if (refusal !== undefined) {
        expect(refusal.args).to.deep.equal([addr, token, cashAfter, sumAfter, predicted]);
        expect(predicted).to.be.greaterThan(0n);
        refused++;
        continue;
      }
      expect(predicted).to.equal(0n);
      await (await core.place(o, "0x", 3)).wait();
      const [cashNow, sumNow] = (await fx.core.account(addr, token)) as [bigint, bigint];
      expect([cashNow, sumNow]).to.deep.equal([cashAfter, sumAfter]);
      passed++;
    }
    expect(passed).to.be.greaterThan(10);
    expect(refused).to.be.greaterThan(5);
  });
});
