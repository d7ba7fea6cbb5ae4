import { expect } from "chai";
import { network } from "hardhat";

import { indexOnce, readEvents } from "../../sdk/data/indexer.js";
import { defaultConfirmations, PUBLIC_CONFIRMATIONS } from "../../sdk/data/reorg.js";
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

    /** Every events row, in a stable order, without nothing that differs between two honest indexes. */
    const rowsOf = async (st: Store) =>
      st.all(
        "SELECT chain_id, block_number, block_hash, block_time, tx_hash, log_index, address, contract_kind, name, args FROM events ORDER BY block_number, log_index",
      );

    it("fault: a reorg whose replaced blocks above the common ancestor held no events went unnoticed", async () => {
      // Before the fix the resume check took any block without stored events as unchanged, so a replaced
      // stretch of empty blocks stopped the walk-back at the cursor and the new chain's events in it were lost.
      const { token, alice, bob, carol, store, opts, networkHelpers } = await setup();
      await token.mint(alice.address, 100n);
      const snap = await networkHelpers.takeSnapshot();
      await networkHelpers.mine(5); // empty blocks, then indexed: the cursor sits on the last of them
      await indexOnce(opts);
      await snap.restore();
      await token.connect(alice).transfer(bob.address, 3n); // first block of the new branch
      await token.connect(alice).transfer(carol.address, 4n);
      await networkHelpers.mine(6); // the new branch is longer than the old one
      await indexOnce(opts);
      expect((await readEvents(store)).map((e) => e.args.value)).to.deep.equal(["100", "3", "4"]);
      const fresh = await open();
      await fresh.exec(SCHEMA);
      await indexOnce({ ...opts, store: fresh });
      expect(await rowsOf(store)).to.deep.equal(await rowsOf(fresh));
      await fresh.close();
      await store.close();
    });

    it("after evm_revert and different blocks mined, the store equals a fresh index of the new chain", async () => {
      const { token, alice, bob, carol, store, opts, networkHelpers } = await setup();
      await token.mint(alice.address, 100n);
      await indexOnce(opts);
      const snap = await networkHelpers.takeSnapshot();
      for (let i = 1n; i <= 4n; i++) await token.connect(alice).transfer(bob.address, i);
      await indexOnce({ ...opts, chunk: 2 });
      expect(await readEvents(store)).to.have.length(5);
      await snap.restore();
      await token.connect(alice).transfer(carol.address, 11n);
      await networkHelpers.mine(1);
      await token.mint(carol.address, 12n);
      await indexOnce({ ...opts, chunk: 2 });
      const fresh = await open();
      await fresh.exec(SCHEMA);
      await indexOnce({ ...opts, store: fresh });
      expect(await rowsOf(store)).to.deep.equal(await rowsOf(fresh));
      expect((await readEvents(store)).map((e) => e.args.value)).to.deep.equal(["100", "11", "12"]);
      // the cursor and the recorded hashes follow the new chain
      const head = BigInt(await token.runner!.provider!.getBlockNumber());
      const cursor = await store.all<{ block_number: bigint; block_hash: string }>("SELECT * FROM cursor");
      expect(cursor[0].block_number).to.equal(head);
      expect(cursor[0].block_hash).to.equal((await token.runner!.provider!.getBlock(head))?.hash);
      const stale = await store.all("SELECT * FROM block_hashes WHERE block_number > $1", [head]);
      expect(stale).to.have.length(0);
      await store.close();
    });

    it("calls onRewind with the common ancestor inside the rewind, and onEvent for each new event", async () => {
      const { token, alice, bob, store, opts, networkHelpers } = await setup();
      await token.mint(alice.address, 1n);
      await indexOnce(opts);
      const ancestor = BigInt(await token.runner!.provider!.getBlockNumber());
      const snap = await networkHelpers.takeSnapshot();
      await token.connect(alice).transfer(bob.address, 1n);
      const seen: string[] = [];
      await indexOnce({ ...opts, onEvent: (e) => void seen.push(`${e.name}@${e.blockNumber}`) });
      expect(seen).to.deep.equal([`Transfer@${ancestor + 1n}`]);
      await snap.restore();
      await networkHelpers.mine(2);
      const rewinds: bigint[] = [];
      await indexOnce({ ...opts, onRewind: (a) => void rewinds.push(a) });
      expect(rewinds).to.deep.equal([ancestor]);
      await indexOnce({ ...opts, onRewind: (a) => void rewinds.push(a) });
      expect(rewinds).to.have.length(1);
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

describe("sdk/data/reorg defaultConfirmations", () => {
  it("is 0 on local chains and PUBLIC_CONFIRMATIONS (12) elsewhere", () => {
    expect(defaultConfirmations(31337n)).to.equal(0);
    expect(defaultConfirmations(1337n)).to.equal(0);
    expect(defaultConfirmations(1n)).to.equal(PUBLIC_CONFIRMATIONS);
    expect(PUBLIC_CONFIRMATIONS).to.equal(12);
    expect(defaultConfirmations(11155111n)).to.equal(12);
  });
});
