import { expect } from "chai";
import { network } from "hardhat";

import { amountAt } from "../../sdk/sessions/orders.js";
import type { SessionMathHarness } from "../../types/ethers-contracts/index.js";
import { prng, type Prng } from "../shared/prng.js";
import { WAD } from "./fixtures.js";

const conn = await network.create();
/** `SessionMath.MAX_AMOUNT`: the largest magnitude of a signed order amount the sessions accept. */
const MAX_AMOUNT = (1n << 127n) - 1n;

/** A signed amount from one of several magnitude classes, so small, token-sized and extreme values all occur. */
function randomAmount(r: Prng): bigint {
  switch (r.below(6)) {
    case 0:
      return r.sign() * r.between(0n, 1_000n); // dust, where rounding is everything
    case 1:
      return r.sign() * r.between(1n, 10n ** 8n) * 10n ** BigInt(r.below(19)); // token amounts of 0..18 decimals
    case 2:
      return r.sign() * r.bits(1 + r.below(127)); // any width
    case 3:
      return r.sign() * (MAX_AMOUNT - r.between(0n, 1_000n)); // at the cap
    case 4:
      return r.sign() * (WAD * r.between(1n, 1_000_000n) + r.between(-3n, 3n)); // whole WAD units, off by a little
    default:
      return r.between(-MAX_AMOUNT, MAX_AMOUNT);
  }
}

/** Cumulative fill fractions of one order: 1 to 6 partial fills, ending at the full fill half the time. */
function randomFills(r: Prng): bigint[] {
  const out: bigint[] = [];
  let cum = 0n;
  const n = 1 + r.below(6);
  for (let i = 0; i < n && cum < WAD; i++) {
    const step = r.below(4) === 0 ? r.between(1n, 1_000n) : r.between(1n, WAD - cum); // a dust fill now and then
    cum += step;
    out.push(cum);
  }
  if (cum < WAD && r.below(2) === 0) out.push(WAD);
  return out;
}

describe("amountAt mirror (sdk/sessions/orders.ts) against SessionMath.amountAt", () => {
  let harness: SessionMathHarness;

  before(async () => {
    harness = await conn.ethers.deployContract("SessionMathHarness");
  });

  it("equalsContract_forManyRandomAmountsAndCumulativeFills", async () => {
    const r = prng(20_261_122);
    const amounts: bigint[] = [];
    const fractions: bigint[] = [];
    const orders: Array<{ amount: bigint; fills: bigint[] }> = [];
    for (let i = 0; i < 600; i++) {
      const order = { amount: randomAmount(r), fills: randomFills(r) };
      orders.push(order);
      for (const f of order.fills) {
        amounts.push(order.amount);
        fractions.push(f);
      }
    }
    const onChain: bigint[] = [];
    for (let i = 0; i < amounts.length; i += 400)
      onChain.push(...(await harness.amountsAt(amounts.slice(i, i + 400), fractions.slice(i, i + 400))));
    expect(onChain.length).to.equal(amounts.length);
    expect(amounts.length).to.be.greaterThan(1_200);
    for (let i = 0; i < amounts.length; i++) {
      expect(amountAt(amounts[i], fractions[i]), `amountAt(${amounts[i]}, ${fractions[i]})`).to.equal(onChain[i]);
    }
    // Every magnitude class and both ends of the fraction range were exercised.
    expect(amounts.some((a) => a > MAX_AMOUNT - 1_001n)).to.equal(true);
    expect(amounts.some((a) => a < -(MAX_AMOUNT - 1_001n))).to.equal(true);
    expect(amounts.some((a) => a !== 0n && a > -1_001n && a < 1_001n)).to.equal(true);
    expect(fractions.some((f) => f === WAD)).to.equal(true);
    expect(fractions.some((f) => f <= 1_000n)).to.equal(true);
  });

  it("roundsInMakersFavour_byLessThanOneUnit_andFillsTelescopeToTheFullAmount", () => {
    const r = prng(7);
    for (let i = 0; i < 2_000; i++) {
      const a = randomAmount(r);
      let prev = 0n;
      let sum = 0n;
      for (const f of [...randomFills(r), WAD]) {
        const at = amountAt(a, f);
        // Maker's favour: at >= a * f / WAD exactly, and by less than one unit of the leg.
        expect(at * WAD >= a * f, `amountAt(${a}, ${f}) = ${at} is below pro rata`).to.equal(true);
        expect(at * WAD - a * f < WAD, `amountAt(${a}, ${f}) = ${at} is a unit or more above pro rata`).to.equal(true);
        sum += at - prev; // the change one fill books
        prev = at;
      }
      expect(sum).to.equal(a);
      expect(amountAt(a, 0n)).to.equal(0n);
    }
  });

  it("singleCall_agreesWithBatch_atTheEdges", async () => {
    for (const a of [0n, 1n, -1n, MAX_AMOUNT, -MAX_AMOUNT, 3n, -3n])
      for (const f of [0n, 1n, WAD / 3n, WAD - 1n, WAD]) expect(await harness.amountAt(a, f)).to.equal(amountAt(a, f));
  });

  it("reverts_whenBatchListsDifferInLength", async () => {
    await expect(harness.amountsAt([1n, 2n], [WAD]))
      .to.be.revertedWithCustomError(harness, "LengthMismatch")
      .withArgs(2n, 1n);
  });
});
