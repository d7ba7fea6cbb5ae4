/** The app's shared chart drawing, without a browser: the depth curve's step path. */
import { expect } from "chai";

import { depthSteps } from "../../app/src/ui/charts.js";

describe("app: depth chart path", () => {
  const id = (v: number) => v;

  it("rises at each price to the size available there or better, then runs to the edge and closes", () => {
    // bids from the best price (0.5) down: 3 at 0.5, 7 in all at 0.4; the bid side ends at price 0
    expect(
      depthSteps(
        [
          { p: 0.5, c: 3 },
          { p: 0.4, c: 7 },
        ],
        0,
        id,
        id,
      ),
    ).to.equal("M 0.5 0 L 0.5 0 L 0.5 3 L 0.4 3 L 0.4 7 L 0 7 L 0 0 Z");
  });

  it("maps prices and sizes through the chart's scales", () => {
    const x = (p: number) => 10 + 100 * p;
    const y = (c: number) => 50 - c;
    expect(depthSteps([{ p: 0.6, c: 2 }], 1, x, y)).to.equal("M 70 50 L 70 50 L 70 48 L 110 48 L 110 50 Z");
  });

  it("draws nothing for an empty side", () => {
    expect(depthSteps([], 1, id, id)).to.equal("");
  });
});
