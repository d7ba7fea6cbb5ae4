/**
 * Off-chain mirror of the worst-case collateral computation (contracts/markets/libraries/WorstCase.sol and
 * PayoffMath.sol), in bigint with the same rounding, so a client can tell before sending whether an order
 * passes the collateral check and how much a withdrawal may take.
 */
import { TICKS } from "./typedData.js";

const T = BigInt(TICKS);

/** A market the trader holds: original bounds (outcome units) and signed position (contracts). */
export interface Leg {
  min: bigint;
  max: bigint;
  pos: bigint;
}

/** An open order: index into the legs, tick, signed remaining quantity (+ bid, - offer). */
export interface OpenOrder {
  leg: number;
  tick: bigint;
  qty: bigint;
}

/** `x` clamped into [min, max]. */
export function clamp(x: bigint, min: bigint, max: bigint): bigint {
  return x < min ? min : x > max ? max : x;
}

/** floor(a / b) for b > 0 (bigint `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Payoff per contract in collateral units at outcome x, rounded down: `floor(unit * (clamp - min) / (max - min))`. */
export function payoffDown(x: bigint, min: bigint, max: bigint, unit: bigint): bigint {
  return (unit * (clamp(x, min, max) - min)) / (max - min);
}

/** W(x): positions plus each open order where it hurts, every term rounded toward negative infinity. */
export function valueAt(x: bigint, legs: Leg[], opens: OpenOrder[], scale: bigint): bigint {
  let w = 0n;
  for (const l of legs) {
    if (l.pos === 0n) continue;
    const c = clamp(x, l.min, l.max);
    w += floorDiv(l.pos * T * scale * (c - l.min), l.max - l.min);
  }
  for (const o of opens) {
    const l = legs[o.leg];
    const c = clamp(x, l.min, l.max);
    const v = floorDiv(o.qty * scale * (T * (c - l.min) - o.tick * (l.max - l.min)), l.max - l.min);
    if (v < 0n) w += v;
  }
  return w;
}

/** The least W over the integers of [lo, hi], minus one unit per long contract (settlement rounding). */
export function minOverRange(lo: bigint, hi: bigint, legs: Leg[], opens: OpenOrder[], scale: bigint): bigint {
  const candidates: bigint[] = [lo, hi];
  let longs = 0n;
  const bids = new Set<number>();
  const offers = new Set<number>();
  // A minimum of W lies only at an end or at a convex kink: a market's min where the trader is long or bids, its
  // max where it is short or offers (an order's zero crossing and the other bounds are concave kinks), as in
  // contracts/markets/libraries/WorstCase.sol.
  for (const o of opens) {
    if (o.qty > 0n) {
      longs += o.qty;
      bids.add(o.leg);
    } else offers.add(o.leg);
  }
  legs.forEach((l, i) => {
    if (l.pos > 0n) longs += l.pos;
    if (l.pos > 0n || bids.has(i)) candidates.push(l.min);
    if (l.pos < 0n || offers.has(i)) candidates.push(l.max);
  });
  let worst: bigint | undefined;
  for (const x of candidates) {
    if (x < lo || x > hi) continue;
    const w = valueAt(x, legs, opens, scale);
    if (worst === undefined || w < worst) worst = w;
  }
  return (worst as bigint) - longs;
}

/**
 * The value the contract stores for a trader's open root: the least of the worst outcome and the void case
 * (the net premium paid into the root comes back if it is voided).
 */
export function rootWorst(
  lo: bigint,
  hi: bigint,
  legs: Leg[],
  opens: OpenOrder[],
  scale: bigint,
  premiumPaid: bigint,
): bigint {
  const w = minOverRange(lo, hi, legs, opens, scale);
  return premiumPaid < w ? premiumPaid : w;
}

/** The collateral check: `cash + sum of worst cases >= 0`. Returns the shortfall (0 when it passes). */
export function shortfall(cash: bigint, worstByRoot: bigint[]): bigint {
  const total = worstByRoot.reduce((a, b) => a + b, cash);
  return total < 0n ? -total : 0n;
}
