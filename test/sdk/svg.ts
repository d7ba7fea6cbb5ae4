import { expect } from "chai";

import { barChart, stepChart } from "../../sdk/report/svg.js";

describe("sdk/report/svg", () => {
  it("draws one path per series and escapes labels", () => {
    const svg = stepChart(
      "x<y",
      [
        {
          name: "alice & co",
          points: [
            [0, 1],
            [5, 3],
          ],
        },
        {
          name: "bob",
          points: [
            [0, 2],
            [5, -1],
          ],
        },
      ],
      "time",
      "units",
    );
    expect(svg.match(/<path /g)?.length).to.equal(2);
    expect(svg).to.contain("x&lt;y").and.contain("alice &amp; co");
    expect(svg).not.to.contain("NaN");
  });

  it("draws signed bars on both sides of the zero line", () => {
    const svg = barChart("P&L", [
      { label: "a", value: 10 },
      { label: "b", value: -10 },
    ]);
    expect(svg).to.contain('fill="#2ca02c"').and.contain('fill="#d62728"');
    expect(svg).not.to.contain("NaN");
  });

  it("copes with empty and flat data", () => {
    expect(stepChart("empty", [], "t", "v")).not.to.contain("NaN");
    expect(barChart("flat", [{ label: "z", value: 0 }])).not.to.contain("NaN");
  });
});
