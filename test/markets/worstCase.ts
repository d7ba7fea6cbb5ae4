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

/** The mirror's worst case for `trader` on `rootId`, from the contract's raw state (views only). */
async function mirror(fx: MarketsFixture, trader: string, rootId: bigint): Promise<bigint> {
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
    const [, remaining, unclaimed] = await fx.core.restingOrder(key);
    pos.set(branch, (pos.get(branch) ?? 0n) + (isBid ? unclaimed : -unclaimed));
    premium += (isBid ? 1n : -1n) * unclaimed * tick * SCALE;
    if (remaining > 0n) opens.push({ branch, tick, qty: isBid ? remaining : -remaining });
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
});
