/**
 * sdk/salts.ts counts a maker's salts up per venue so its orders share packed fill-record words on chain (four
 * salts a word): a random start aligned to a word, +1 per order, one count per (chain, venue, maker), and a
 * damaged or lost store only restarts the count. sdk/cli/salts.ts keeps the count in a file between commands.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { fileSaltStore } from "../../sdk/cli/salts.js";
import { memorySaltStore, nextSalt, randomSaltStart, saltKey, SALTS_PER_WORD } from "../../sdk/salts.js";

const VENUE = "0x00000000000000000000000000000000000000aA";
const OTHER = "0x00000000000000000000000000000000000000bB";
const MAKER = "0x0000000000000000000000000000000000000C0c";

describe("sdk/salts: salts that share fill-record words", () => {
  it("starts at a random word boundary below 2^64, then counts up by one", () => {
    const starts = new Set<bigint>();
    for (let i = 0; i < 64; i++) {
      const s = randomSaltStart();
      expect(s % SALTS_PER_WORD).to.equal(0n);
      expect(s < 1n << 64n).to.equal(true);
      starts.add(s);
    }
    expect(starts.size).to.equal(64); // 64 draws of 62 bits: a repeat would mean no randomness
    const store = memorySaltStore();
    const first = nextSalt(store, 1n, VENUE, MAKER);
    expect(first % SALTS_PER_WORD).to.equal(0n);
    const four = [first, nextSalt(store, 1n, VENUE, MAKER), nextSalt(store, 1n, VENUE, MAKER)];
    four.push(nextSalt(store, 1n, VENUE, MAKER));
    expect(four).to.deep.equal([first, first + 1n, first + 2n, first + 3n]);
    expect(new Set(four.map((s) => s >> 2n)).size).to.equal(1); // one word for the four
  });

  it("keeps one count per chain, venue and maker (addresses in any case)", () => {
    const store = memorySaltStore();
    const a = nextSalt(store, 1n, VENUE, MAKER);
    const b = nextSalt(store, 1n, OTHER, MAKER);
    const c = nextSalt(store, 2n, VENUE, MAKER);
    expect(nextSalt(store, 1n, VENUE.toLowerCase(), MAKER.toUpperCase().replace("0X", "0x"))).to.equal(a + 1n);
    expect(nextSalt(store, 1n, OTHER, MAKER)).to.equal(b + 1n);
    expect(nextSalt(store, 2n, VENUE, MAKER)).to.equal(c + 1n);
    expect(saltKey(1n, VENUE, MAKER)).to.equal(saltKey(1n, VENUE.toLowerCase(), MAKER.toLowerCase()));
  });

  it("a damaged entry restarts the count at a random word instead of failing", () => {
    const store = memorySaltStore();
    for (const bad of ["not a number", "-5", (1n << 256n).toString()]) {
      store.write(saltKey(1n, VENUE, MAKER), bad);
      const s = nextSalt(store, 1n, VENUE, MAKER);
      expect(s % SALTS_PER_WORD).to.equal(0n);
      expect(s >= 0n && s < 1n << 64n).to.equal(true);
      expect(store.read(saltKey(1n, VENUE, MAKER))).to.equal((s + 1n).toString());
    }
  });

  it("the CLI's file store carries the count from one command to the next, and survives a damaged file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ringfence-salts-"));
    try {
      const path = join(dir, "cache", "ringfence-salts.json");
      const first = nextSalt(fileSaltStore(path), 31337n, VENUE, MAKER);
      const second = nextSalt(fileSaltStore(path), 31337n, VENUE, MAKER); // a new process: a new store object
      expect(second).to.equal(first + 1n);
      const kept = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
      expect(kept[saltKey(31337n, VENUE, MAKER)]).to.equal((first + 2n).toString());
      writeFileSync(path, "{ half a file");
      const after = nextSalt(fileSaltStore(path), 31337n, VENUE, MAKER);
      expect(after % SALTS_PER_WORD).to.equal(0n);
      expect(nextSalt(fileSaltStore(path), 31337n, VENUE, MAKER)).to.equal(after + 1n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
