import { expect } from "chai";

import { htmlReport, textTable } from "../../sdk/report/html.js";

describe("sdk/report/html", () => {
  it("renders tables, checks and escapes text", () => {
    const html = htmlReport("R<1>", [
      { kind: "h2", text: "A & B" },
      { kind: "table", columns: ["who", "x"], rows: [["<alice>", 5n]], caption: "cap" },
      {
        kind: "checks",
        items: [
          { label: "conservation", ok: true },
          { label: "funding", ok: false, detail: "short 3" },
        ],
      },
    ]);
    expect(html).to.contain("<title>R&lt;1&gt;</title>").and.contain("A &amp; B").and.contain("&lt;alice&gt;");
    expect(html).to.contain('<td class="n">5</td>');
    expect(html).to.contain('class="ok"').and.contain('class="fail"').and.contain("short 3");
  });

  it("aligns a text table: first column left, the others right", () => {
    expect(
      textTable(
        ["a", "bb"],
        [
          ["xyz", 1n],
          ["q", 22],
        ],
      ),
    ).to.equal("a    bb\n---  --\nxyz   1\nq    22");
  });
});
