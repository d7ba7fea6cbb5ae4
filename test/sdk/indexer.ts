import { expect } from "chai";
import { network } from "hardhat";

import { indexOnce, readEvents } from "../../sdk/data/indexer.js";
import { PostgresStore, SCHEMA, SqliteStore, type Store } from "../../sdk/data/store.js";

const stores: Array<[string, () => Promise<Store>]> = [
  ["sqlite", async () => new SqliteStore(":memory:")],
  ["postgres (embedded)", async () => PostgresStore.embedded()],
];

for (const [label, open] of stores) {
  describe(`sdk/data/indexer on ${label}`, function () {
    this.timeout(60_000);

    async function setup() {
      const { ethers, networkHelpers } = await network.create();
      const [alice, bob, carol] = await ethers.getSigners();
      const token = await ethers.deployContract("MockERC20", ["T", "T", 18]);
      const deployBlock = BigInt(await ethers.provider.getBlockNumber());
      const store = await open();
      await store.exec(SCHEMA);
      const opts = {
        provider: ethers.provider,
        store,
        kinds: [{ kind: "token", iface: token.interface }],
        seeds: [{ address: await token.getAddress(), kind: "token", fromBlock: deployBlock }],
      };
      return { ethers, networkHelpers, alice, bob, carol, token, store, opts };
    }

    it("reads every event once, resumes without duplicates", async () => {
      const { token, alice, bob, store, opts } = await setup();
      await token.mint(alice.address, 100n);
      await token.connect(alice).transfer(bob.address, 40n);
      await indexOnce(opts);
      await indexOnce(opts);
      await token.connect(alice).transfer(bob.address, 1n);
      await indexOnce(opts);
      const events = await readEvents(store, { names: ["Transfer"] });
      expect(events.map((e) => e.args.value)).to.deep.equal(["100", "40", "1"]);
      expect(events[1].args.to).to.equal(bob.address.toLowerCase());
      await store.close();
    });

    it("leaves blocks shallower than the confirmation depth for later", async () => {
      const { token, alice, store, opts, networkHelpers } = await setup();
      await token.mint(alice.address, 5n);
      await indexOnce({ ...opts, confirmations: 3 });
      expect(await readEvents(store)).to.have.length(0);
      await networkHelpers.mine(3);
      await indexOnce({ ...opts, confirmations: 3 });
      expect(await readEvents(store)).to.have.length(1);
      await store.close();
    });

    it("drops events of blocks a reorg replaced and reads the new ones", async () => {
      const { token, alice, bob, carol, store, opts, networkHelpers } = await setup();
      await token.mint(alice.address, 100n);
      const snap = await networkHelpers.takeSnapshot();
      await token.connect(alice).transfer(bob.address, 7n);
      await indexOnce(opts);
      expect((await readEvents(store)).map((e) => e.args.value)).to.deep.equal(["100", "7"]);
      await snap.restore(); // the transfer to bob's block is gone
      await token.connect(alice).transfer(carol.address, 9n);
      await indexOnce(opts);
      const after = await readEvents(store);
      expect(after.map((e) => e.args.value)).to.deep.equal(["100", "9"]);
      expect(after[1].args.to).to.equal(carol.address.toLowerCase());
      await store.close();
    });

    it("reports progress and rejects unknown contract kinds", async () => {
      const { token, alice, opts, store } = await setup();
      await token.mint(alice.address, 1n);
      const seen: Array<[number, number]> = [];
      await indexOnce({ ...opts, chunk: 1, onProgress: (d, t) => seen.push([d, t]) });
      expect(seen.length).to.be.greaterThan(1);
      expect(seen.at(-1)?.[0]).to.equal(seen.at(-1)?.[1]);
      let msg = "";
      try {
        await indexOnce({ ...opts, seeds: [{ address: alice.address, kind: "nope", fromBlock: 0n }] });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).to.contain('unknown contract kind "nope"');
      await store.close();
    });
  });
}

describe("sdk/data/store openStore", () => {
  it("creates the SQLite file's folder when it does not exist yet", async () => {
    const { mkdtemp, rm, stat } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { openStore } = await import("../../sdk/data/store.js");
    const dir = await mkdtemp(path.join(tmpdir(), "ringfence-"));
    const file = path.join(dir, "nested", "deeper", "data.db");
    const store = await openStore(file);
    await store.run("INSERT INTO cursor (chain_id, stream, block_number, block_hash) VALUES ($1, $2, $3, $4)", [
      1n,
      "s",
      2n,
      "0x",
    ]);
    expect((await store.all("SELECT * FROM cursor")).length).to.equal(1);
    await store.close();
    expect((await stat(file)).isFile()).to.equal(true);
    await rm(dir, { recursive: true, force: true });
  });
});
