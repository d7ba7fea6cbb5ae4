/**
 * Stacking: a piecewise-linear target payoff as a stack of bounded contracts, and back.
 *
 * A bounded contract on [a, b] pays `(clamp(X, a, b) - a) / (b - a)` of the unit payoff. A target given by
 * points (x0, y0) ... (xn, yn) (x strictly increasing; flat before x0 and after xn, as every stack is) equals
 * `y0 + sum_i (y_i - y_{i-1}) * contract[x_{i-1}, x_i](X)`: one contract per segment, long where the target
 * rises and short where it falls, plus a constant (cash). Payoffs are in units of the unit payoff; quantities
 * are rational in general, so this module works in exact fractions over a common denominator.
 */

/** A point of a piecewise-linear payoff: outcome x (outcome units), payoff y (unit payoffs, may be fractional via `den`). */
export interface PayoffPoint {
  x: bigint;
  y: bigint;
}

/** One layer of the stack: `qty` contracts on the market with bounds [min, max]. */
export interface StackLeg {
  min: bigint;
  max: bigint;
  qty: bigint;
}

/** A stack: legs plus a constant payoff (`cash`, in unit payoffs). */
export interface Stack {
  cash: bigint;
  legs: StackLeg[];
}

/** Turns a target payoff into a stack; throws on x not strictly increasing or fewer than two points. */
export function toStack(points: PayoffPoint[]): Stack {
  if (points.length < 2) throw new Error("toStack: give at least two points (x0, y0), (x1, y1)");
  const legs: StackLeg[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (b.x <= a.x) throw new Error(`toStack: x must increase strictly (point ${i}: ${b.x} after ${a.x})`);
    const qty = b.y - a.y;
    if (qty !== 0n) legs.push({ min: a.x, max: b.x, qty });
  }
  return { cash: points[0].y, legs };
}

/** The stack's payoff at x, as an exact fraction `num / den` (den = product of leg widths' lcm). */
export function stackValue(stack: Stack, x: bigint): { num: bigint; den: bigint } {
  let den = 1n;
  for (const l of stack.legs) den = lcm(den, l.max - l.min);
  let num = stack.cash * den;
  for (const l of stack.legs) {
    const c = x < l.min ? l.min : x > l.max ? l.max : x;
    num += (l.qty * (c - l.min) * den) / (l.max - l.min);
  }
  return { num, den };
}

/**
 * Turns a stack back into payoff points: the payoff at every leg bound, in increasing x, with collinear
 * points merged. Throws if a value there is not a whole number of unit payoffs.
 */
export function fromStack(stack: Stack): PayoffPoint[] {
  const xs = [...new Set(stack.legs.flatMap((l) => [l.min, l.max]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (xs.length === 0) return [];
  const pts: PayoffPoint[] = xs.map((x) => {
    const { num, den } = stackValue(stack, x);
    if (num % den !== 0n) throw new Error(`fromStack: payoff at ${x} is ${num}/${den}, not whole`);
    return { x, y: num / den };
  });
  // Merge interior points that lie on the line through their neighbours.
  const out: PayoffPoint[] = [pts[0]];
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i];
    if (out.length >= 2 && i < pts.length) {
      const a = out[out.length - 2];
      const b = out[out.length - 1];
      if ((b.y - a.y) * (p.x - b.x) === (p.y - b.y) * (b.x - a.x)) out.pop();
    }
    out.push(p);
  }
  return out;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}
