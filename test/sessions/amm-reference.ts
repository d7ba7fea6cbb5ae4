/**
 * Compares the AMM's on-chain quotes with a reference written here: the weighted constant-function formulas
 * evaluated in bigint fixed point with 40 decimal digits (ln by the atanh series, exp by Taylor, both with
 * range reduction), across many random pool states reached by real swaps. Stated tolerance: the on-chain
 * exact-in amount is never above the exact real amount and at most 2e-14 of the out-reserve plus 2 units
 * below it; the on-chain exact-out amount in is never below the smallest gross amount whose curve-priced part
 * covers the exact real need, and at most 2e-14 of (need + in-reserve) plus 3 units above it.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { signExactIn } from "../../sdk/sessions/amm.js";
import { sessionDomain } from "../../sdk/sessions/orders.js";
import type { SessionAmm } from "../../types/ethers-contracts/index.js";
import { DAY, createPhysical, deployBase, physicalUnit, subscribePhysical } from "./fixtures.js";

const conn = await network.create();

// ------------------------------------------------------------------ reference math (scale 1e40)
const S = 10n ** 40n;

function atanhSeries(z: bigint): bigint {
  // atanh(z) = z + z^3/3 + z^5/5 + ..., z scaled by S, |z| <= 1/3.
  const z2 = (z * z) / S;
  let term = z;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n;
    term = (term * z2) / S;
  }
  return sum;
}

const LN2 = 2n * atanhSeries(S / 3n);

/** ln(num/den) scaled by S. */
function ln(num: bigint, den: bigint): bigint {
  let x = (num * S) / den;
  let k = 0n;
  while (x >= 2n * S) {
    x /= 2n;
    k += 1n;
  }
  while (x < S) {
    x *= 2n;
    k -= 1n;
  }
  return k * LN2 + 2n * atanhSeries(((x - S) * S) / (x + S));
}

/** exp(y) for y scaled by S, result scaled by S. */
function exp(y: bigint): bigint {
  const k = y >= 0n ? (y + LN2 / 2n) / LN2 : -((-y + LN2 / 2n) / LN2);
  const r = y - k * LN2;
  let term = S;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n++) {
    sum += term;
    term = (term * r) / S / n;
  }
  return k >= 0n ? sum << k : sum >> -k;
}

/** (bn/bd)^(en/ed) scaled by S. */
function pow(bn: bigint, bd: bigint, en: bigint, ed: bigint): bigint {
  return exp((ln(bn, bd) * en) / ed);
}

const BPS = 10_000n;
const TAKER = 10n;
const SWAP_FEE = 25n;
const curvePriced = (a: bigint) => ((a - (a * TAKER) / BPS) * (BPS - SWAP_FEE)) / BPS;

/** Exact real amount out, scaled by S. */
function refOut(bIn: bigint, wIn: bigint, bOut: bigint, wOut: bigint, eff: bigint): bigint {
  return bOut * (S - pow(bIn, bIn + eff, wIn, wOut));
}

/** Exact real curve need for `out`, scaled by S. */
function refNeed(bIn: bigint, wIn: bigint, bOut: bigint, wOut: bigint, out: bigint): bigint {
  return bIn * (pow(bOut, bOut - out, wOut, wIn) - S);
}

// ------------------------------------------------------------------ random states
let seed = 0x5eedn;
function rand(n: bigint): bigint {
  seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
  return (seed >> 11n) % n;
}

describe("SessionAmm quotes versus a 40-digit reference", () => {
  it("reference_selfCheck_matchesKnownConstants", () => {
    // ln 2, e, and 2^0.5 to 30 digits.
    expect(LN2 / 10n ** 10n).to.equal(693147180559945309417232121458n);
    expect(exp(S) / 10n ** 10n).to.equal(2718281828459045235360287471352n);
    expect(pow(2n, 1n, 1n, 2n) / 10n ** 10n).to.equal(1414213562373095048801688724209n);
  });

  it("quotes_matchReference_acrossRandomStates", async function () {
    this.timeout(600_000);
    const b = await deployBase(conn);
    const session = await createPhysical(b);
    // Oracle prices proportional to the weights, so the seeded pool (100 tokens of each leg) starts on the oracle.
    const prices8 = [300n, 50n, 250n, 200n, 200n];
    for (let k = 0; k < 5; k++) await b.feeds[k].updateAnswer(prices8[k] * 10n ** 8n);
    const weights = [3n * 10n ** 17n, 5n * 10n ** 16n, 25n * 10n ** 16n, 2n * 10n ** 17n, 2n * 10n ** 17n];
    const amm = (await b.ethers.deployContract("SessionAmm", [
      await session.getAddress(),
      b.carol.address,
      weights,
      SWAP_FEE,
      5_000n,
    ])) as unknown as SessionAmm;
    await subscribePhysical(b, session, b.alice, 60n);
    await subscribePhysical(b, session, b.bob, 60n);
    for (let k = 0; k < 5; k++) {
      await b.tokens[k].mint(b.carol.address, 100n * physicalUnit(k));
      await b.tokens[k].connect(b.carol).approve(await amm.getAddress(), 100n * physicalUnit(k));
    }
    await amm.connect(b.carol).subscribe(100n, []);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const domain = sessionDomain(await session.getAddress(), b.chainId);

    let compared = 0;
    let maxRelGapIn = 0;
    for (let state = 0; state < 30; state++) {
      const [reserves] = await amm.reserves();
      for (let q = 0; q < 4; q++) {
        const i = Number(rand(5n));
        const j = (i + 1 + Number(rand(4n))) % 5;
        const [bIn, bOut, wIn, wOut] = [reserves[i], reserves[j], weights[i], weights[j]];
        // exact in: up to 40% of the in-reserve
        const amountIn = 1n + rand((bIn * 4n) / 10n);
        const qi = await amm.quoteExactIn(i, j, amountIn);
        const ref = refOut(bIn, wIn, bOut, wOut, curvePriced(amountIn));
        expect(qi.amountOut * S <= ref, `exact-in above the curve at state ${state}`).to.equal(true);
        const gap = ref - qi.amountOut * S;
        expect(gap <= (bOut * S * 2n) / 10n ** 14n + 2n * S, `exact-in gap ${gap / S} too large`).to.equal(true);
        // gap relative to the out-reserve (the power's error margin is relative to a power near 1, so the
        // absolute gap scales with the reserve, not with the amount out)
        // beyond the one unit that flooring the amount itself costs
        if (gap > S) maxRelGapIn = Math.max(maxRelGapIn, Number(gap - S) / Number(bOut * S));
        // exact out: up to 40% of the out-reserve
        const amountOut = 1n + rand((bOut * 4n) / 10n);
        const qo = await amm.quoteExactOut(i, j, amountOut);
        const need = refNeed(bIn, wIn, bOut, wOut, amountOut);
        expect(
          curvePriced(qo.amountIn) * S >= need,
          `exact-out pays less than the curve needs at state ${state}`,
        ).to.equal(true);
        // smallest gross amount covering the need
        let minIn = qo.amountIn;
        while (minIn > 1n && curvePriced(minIn - 1n) * S >= need) minIn -= 1n;
        const tol = ((need + bIn * S) * 2n) / 10n ** 14n / S + 3n;
        expect(qo.amountIn - minIn <= tol, `exact-out overcharges by ${qo.amountIn - minIn} (> ${tol})`).to.equal(true);
        compared += 2;
      }
      // move to a new state with a real swap by Alice or Bob (up to 3% of the in-reserve)
      let i = Number(rand(5n));
      let j = (i + 1 + Number(rand(4n))) % 5;
      // keep within the oracle band: if selling i would leave it, sell j instead (that moves towards the oracle)
      const probe = await amm.quoteExactIn(i, j, 1n + reserves[i] / 1000n);
      if (!probe.withinBand) [i, j] = [j, i];
      const trader = state % 2 === 0 ? b.alice : b.bob;
      const amountIn = 1n + rand((reserves[i] * 3n) / 100n);
      if (!(await amm.quoteExactIn(i, j, amountIn)).withinBand) continue;
      const s = await signExactIn(amm, trader, domain, i, j, amountIn, {
        maxFeeBps: 50n,
        expiry: b.now + 30n * DAY,
        nonce: 0n,
        salt: BigInt(state) + 1n,
      });
      await (await amm.swapExactIn(s.order, s.signature)).wait();
    }
    expect(compared).to.equal(240);
    // Recorded for the docs: how far below the exact curve the on-chain exact-in quotes sit.
    console.log(`      max gap below the exact curve, relative to the out-reserve: ${maxRelGapIn.toExponential(2)}`);
    expect(maxRelGapIn).to.be.lessThan(2e-14);
  });
});
