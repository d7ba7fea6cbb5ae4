import { expect } from "chai";

import { fromStack, stackValue, toStack, type PayoffPoint } from "../../sdk/markets/stacking.js";

function valueOfPoints(points: PayoffPoint[], x: bigint): { num: bigint; den: bigint } {
  if (x <= points[0].x) return { num: points[0].y, den: 1n };
  const last = points[points.length - 1];
  if (x >= last.x) return { num: last.y, den: 1n };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (x <= b.x) return { num: a.y * (b.x - a.x) + (b.y - a.y) * (x - a.x), den: b.x - a.x };
  }
  throw new Error("unreachable");
}

function sameValueEverywhere(points: PayoffPoint[], from: bigint, to: bigint) {
  const stack = toStack(points);
  for (let x = from; x <= to; x++) {
    const s = stackValue(stack, x);
    const p = valueOfPoints(points, x);
    expect(s.num * p.den).to.equal(p.num * s.den, `payoff at ${x}`);
  }
  return stack;
}

describe("markets stacking helper", () => {
  it("a call spread is one long contract between the strikes", () => {
    const points = [
      { x: 30n, y: 0n },
      { x: 40n, y: 1n },
    ];
    const stack = sameValueEverywhere(points, 0n, 100n);
    expect(stack).to.deep.equal({ cash: 0n, legs: [{ min: 30n, max: 40n, qty: 1n }] });
    expect(fromStack(stack)).to.deep.equal(points);
  });

  it("a forward is a full-range contract plus cash (negative below the forward price)", () => {
    // Pays X - 50 for X in [0, 100] (in unit payoffs): 100 contracts on [0, 100] and -50 cash.
    const points = [
      { x: 0n, y: -50n },
      { x: 100n, y: 50n },
    ];
    const stack = sameValueEverywhere(points, -10n, 110n);
    expect(stack).to.deep.equal({ cash: -50n, legs: [{ min: 0n, max: 100n, qty: 100n }] });
    expect(fromStack(stack)).to.deep.equal(points);
  });

  it("a bucket is a long ramp up and a short ramp down", () => {
    const points = [
      { x: 29n, y: 0n },
      { x: 30n, y: 1n },
      { x: 40n, y: 1n },
      { x: 41n, y: 0n },
    ];
    const stack = sameValueEverywhere(points, 0n, 100n);
    expect(stack.legs).to.deep.equal([
      { min: 29n, max: 30n, qty: 1n },
      { min: 40n, max: 41n, qty: -1n },
    ]);
    expect(fromStack(stack)).to.deep.equal(points);
  });

  it("merges collinear points on the way back and rejects bad input", () => {
    const stack = toStack([
      { x: 0n, y: 0n },
      { x: 10n, y: 2n },
      { x: 20n, y: 4n },
    ]);
    expect(fromStack(stack)).to.deep.equal([
      { x: 0n, y: 0n },
      { x: 20n, y: 4n },
    ]);
    expect(() => toStack([{ x: 0n, y: 0n }])).to.throw(/at least two points/);
    expect(() =>
      toStack([
        { x: 5n, y: 0n },
        { x: 5n, y: 1n },
      ]),
    ).to.throw(/increase strictly/);
  });
});
