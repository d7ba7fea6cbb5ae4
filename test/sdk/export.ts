import { expect } from "chai";

import { pseudonym, release, toCsv } from "../../sdk/data/export.js";

const KEY = "release-key-for-tests-0123456789";

describe("sdk/data/export", () => {
  it("pseudonymises addresses stably, case-insensitively, and differently under another key", () => {
    const a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(pseudonym(a, KEY)).to.equal(pseudonym(a.toLowerCase(), KEY));
    expect(pseudonym(a, KEY)).to.match(/^p_[0-9a-f]{16}$/);
    expect(pseudonym(a, KEY)).not.to.equal(pseudonym(a, KEY + "x"));
    expect(() => pseudonym(a, "short")).to.throw(/at least 16/);
  });

  it("holds back rows younger than the release delay and hides addresses", () => {
    const rows = [
      { t: 100n, who: "0xaa", amount: 1n },
      { t: 950n, who: "0xbb", amount: 2n },
    ];
    const out = release(rows, { key: KEY, addressColumns: ["who"], delaySeconds: 100n, timeColumn: "t", now: 1000n });
    expect(out).to.have.length(1);
    expect(out[0].who).to.equal(pseudonym("0xaa", KEY));
    expect(rows[0].who).to.equal("0xaa"); // input untouched
  });

  it("writes CSV with a header and quotes what needs quoting", () => {
    const csv = toCsv(
      ["a", "b"],
      [
        { a: 1n, b: 'x,"y"' },
        { a: -2n, b: null },
      ],
    );
    expect(csv).to.equal('a,b\n1,"x,""y"""\n-2,\n');
  });
});
