/**
 * The relay follows the chain: fills, cancels, nonce floors, expiry and funding change each order's status;
 * the book shows only orders that would not revert; a restarted relay resumes from its cursor; a reorg
 * (evm_snapshot / evm_revert, then different blocks) undoes what the replaced blocks did; WebSocket
 * subscribers hear every change before the next block.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import type { Relay } from "../../relay/index.js";
import { RELAY_STREAM } from "../../relay/core.js";
import { network } from "hardhat";

import { startRelay } from "../../relay/index.js";
import { createPhysical, DAY, deployBase, makeOrder, subscribePhysical } from "../sessions/fixtures.js";
import { aliceOrder, deployEnv, orderBody, relayOn, request, until, WAD, wsClient, type Env } from "./helpers.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

async function post(relay: Relay, session: string, body: Record<string, unknown>) {
  const r = await request(`${relay.url}/sessions/${session}/orders`, "POST", body);
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  return r.body;
}
async function get(relay: Relay, digest: unknown) {
  return (await request(`${relay.url}/orders/${String(digest)}`, "GET")).body;
}

describe("relay: order lifecycle from the chain", function () {
  this.timeout(180_000);
  let env: Env;
  let relay: Relay;
  before(async () => {
    env = await deployEnv();
    relay = await relayOn(env);
  });
  after(async () => relay.close());

  it("partial fill, then fill: status, filled fraction and the book follow", async () => {
    const o = await aliceOrder(env, {}, 2n, 4n); // gives 2 of leg 0 for 4 of leg 1
    const body = await orderBody(env.b, env.physical, env.b.alice, o);
    await post(relay, env.P, body);
    const bid = await makeOrder(env.b, env.b.bob.address, [0, 1], [1n * E18, -1n * E6]); // pays 1 of leg 1 per leg 0
    await post(relay, env.P, await orderBody(env.b, env.physical, env.b.bob, bid));
    let book = (await request(`${relay.url}/sessions/${env.P}/book?pair=0-1`, "GET")).body;
    const b0 = (
      book.books as Array<{ pair: string; asks: Array<{ priceWad: string; size: string }>; bids: unknown[] }>
    )[0];
    expect(b0.pair).to.equal("0-1");
    expect(b0.asks[0]).to.deep.include({
      priceWad: ((4n * E6 * WAD) / (2n * E18)).toString(),
      size: (2n * E18).toString(),
    });
    expect(b0.bids[0]).to.deep.include({ priceWad: ((E6 * WAD) / E18).toString(), size: E18.toString() });

    await env.physical.connect(env.b.bob).fill(o, String(body.signature), (4n * WAD) / 10n);
    await relay.sync();
    expect(await get(relay, body.digest)).to.include({ status: "partial", filledWad: ((4n * WAD) / 10n).toString() });
    book = (await request(`${relay.url}/sessions/${env.P}/book?pair=0-1`, "GET")).body;
    const asks = (book.books as Array<{ asks: Array<{ size: string }> }>)[0].asks;
    expect(asks[0].size).to.equal(((2n * E18 * 6n) / 10n).toString());

    await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD);
    await relay.sync();
    expect(await get(relay, body.digest)).to.include({ status: "filled", filledWad: WAD.toString() });
    book = (await request(`${relay.url}/sessions/${env.P}/book?pair=0-1`, "GET")).body;
    expect((book.books as Array<{ asks: unknown[] }>)[0].asks).to.have.length(0);
  });

  it("cancel on chain marks the order cancelled", async () => {
    const o = await aliceOrder(env);
    const body = await orderBody(env.b, env.physical, env.b.alice, o);
    await post(relay, env.P, body);
    await env.physical.connect(env.b.alice).cancel(o);
    await relay.sync();
    expect(await get(relay, body.digest)).to.include({ status: "cancelled" });
  });

  it("cancel-all (nonce floor) marks every lower-nonce order of that maker in that session cancelled", async () => {
    const bodies = [];
    for (let i = 0; i < 3; i++) {
      const o = await makeOrder(env.b, env.b.bob.address, [0, 1], [-1n * E18, 1n * E18], { nonce: BigInt(i) });
      bodies.push(await orderBody(env.b, env.cash, env.b.bob, o));
      await post(relay, env.C, bodies[i]);
    }
    await env.cash.connect(env.b.bob).raiseNonceFloor(2n);
    await relay.sync();
    expect(await get(relay, bodies[0].digest)).to.include({ status: "cancelled" });
    expect(await get(relay, bodies[1].digest)).to.include({ status: "cancelled" });
    expect(await get(relay, bodies[2].digest)).to.include({ status: "open" });
    expect(String((await get(relay, bodies[0].digest)).reason)).to.contain("nonce floor");
  });

  it("expiry: a live order past its expiry is marked expired", async () => {
    const now = BigInt((await env.b.ethers.provider.getBlock("latest"))!.timestamp);
    const body = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, { expiry: now + 120n }));
    await post(relay, env.P, body);
    await env.b.networkHelpers.time.increase(200);
    await relay.sync();
    expect(await get(relay, body.digest)).to.include({ status: "expired" });
  });

  it("funding: an order the maker can no longer fund after another fill is unfundable and leaves the book", async () => {
    // alice holds 10 - 2 (first test) = 8 of leg 0: two orders giving 5 each are each fundable alone
    const x = await aliceOrder(env, {}, 5n, 5n);
    const y = await aliceOrder(env, {}, 5n, 6n);
    const bx = await orderBody(env.b, env.physical, env.b.alice, x);
    const by = await orderBody(env.b, env.physical, env.b.alice, y);
    await post(relay, env.P, bx);
    await post(relay, env.P, by);
    await env.physical.connect(env.b.bob).fill(y, String(by.signature), WAD);
    await relay.sync();
    const vx = await get(relay, bx.digest);
    expect(vx).to.include({ status: "unfundable" });
    expect(String(vx.reason)).to.contain("allocation of leg 0");
    const list = await request(`${relay.url}/sessions/${env.P}/orders?status=unfundable&pair=0-1`, "GET");
    expect((list.body.orders as Array<{ digest: string }>).map((o) => o.digest)).to.include(bx.digest);
    const book = (await request(`${relay.url}/sessions/${env.P}/book`, "GET")).body;
    const sizes = (book.books as Array<{ asks: Array<{ size: string }> }>).flatMap((b) => b.asks.map((a) => a.size));
    expect(sizes).to.not.include((5n * E18).toString());
  });

  it("a paused session's orders wait out of the book (fills would revert) and return when it is unpaused", async () => {
    const bookSizes = async () => {
      const book = (await request(`${relay.url}/sessions/${env.P}/book?pair=0-1`, "GET")).body;
      return (book.books as Array<{ asks: Array<{ size: string }> }>).flatMap((b) => b.asks.map((a) => a.size));
    };
    const before = await aliceOrder(env, {}, 3n, 9n);
    const bb = await orderBody(env.b, env.physical, env.b.alice, before);
    await post(relay, env.P, bb);
    expect(await bookSizes()).to.include((3n * E18).toString());

    await env.physical.connect(env.b.guardian).pause();
    await relay.sync();
    const waiting = await get(relay, bb.digest);
    expect(waiting).to.include({ status: "waiting" });
    expect(String(waiting.reason)).to.contain("paused");
    expect(await bookSizes()).to.not.include((3n * E18).toString());
    // the contract agrees: a fill now reverts
    await expect(env.physical.connect(env.b.bob).fill(before, String(bb.signature), WAD)).to.be.revertedWithCustomError(
      env.physical,
      "EnforcedPause",
    );
    // an order posted while paused is accepted, and waits too
    const duringOrder = await aliceOrder(env, {}, 1n, 3n);
    const during = await orderBody(env.b, env.physical, env.b.alice, duringOrder);
    expect(await post(relay, env.P, during)).to.include({ status: "waiting" });
    expect(await bookSizes()).to.not.include(E18.toString());

    await env.physical.connect(env.b.guardian).unpause();
    await relay.sync();
    expect(await get(relay, bb.digest)).to.include({ status: "open", reason: "" });
    expect(await get(relay, during.digest)).to.include({ status: "open" });
    // both back at one price level (3 of leg 1 per leg 0): 3 + 1
    expect(await bookSizes()).to.include((4n * E18).toString());
    // out of the way of the next tests
    await env.physical.connect(env.b.alice).cancel(before);
    await env.physical.connect(env.b.alice).cancel(duringOrder);
    await relay.sync();
  });

  it("pages are bounded and chained with `next`", async () => {
    const first = await request(`${relay.url}/sessions/${env.P}/orders?limit=2`, "GET");
    expect(first.body.orders).to.have.length(2);
    const second = await request(
      `${relay.url}/sessions/${env.P}/orders?limit=2&after=${String(first.body.next)}`,
      "GET",
    );
    const d1 = (first.body.orders as Array<{ digest: string }>).map((o) => o.digest);
    const d2 = (second.body.orders as Array<{ digest: string }>).map((o) => o.digest);
    expect(d2).to.have.length(2);
    expect(d1.filter((d) => d2.includes(d))).to.have.length(0);
  });
});

describe("relay: WebSocket updates", function () {
  this.timeout(120_000);
  it("a subscriber hears the trade, its order's new status and the session's book before the next block", async () => {
    const env = await deployEnv();
    const relay = await relayOn(env, { pollMs: 50 });
    try {
      const o = await aliceOrder(env, {}, 2n, 4n);
      const body = await orderBody(env.b, env.physical, env.b.alice, o);
      const { ws, msgs } = await wsClient(relay);
      ws.send(JSON.stringify({ op: "subscribe", channel: "orders", account: env.b.alice.address }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "book", session: env.P }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "trades", session: env.P }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "nope", session: env.P }));
      await until(() => msgs.filter((m) => m.type === "subscribed").length === 3, 2_000, "three subscriptions");
      expect(msgs.find((m) => m.type === "error")).to.include({ code: "bad_channel", field: "channel" });
      await post(relay, env.P, body);
      await until(
        () => msgs.some((m) => m.type === "order" && (m.order as { status: string }).status === "open"),
        2_000,
        "the new order",
      );

      await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD / 2n);
      const block = await env.b.ethers.provider.getBlockNumber();
      const ms = await until(
        () =>
          msgs.some((m) => m.type === "trade" && (m.trade as { digest: string }).digest === body.digest) &&
          msgs.some((m) => m.type === "order" && (m.order as { status: string }).status === "partial") &&
          msgs.some((m) => m.type === "book" && JSON.stringify(m.books).includes((2n * E18 - E18).toString())),
        3_000,
        "trade, order and book updates",
      );
      // no block was mined while waiting: the updates came within the block of the fill
      expect(await env.b.ethers.provider.getBlockNumber()).to.equal(block);
      expect(ms).to.be.below(3_000);
      ws.close();
    } finally {
      await relay.close();
    }
  });
});

describe("relay: restart and reorg", function () {
  this.timeout(180_000);

  it("a restarted relay resumes from its cursor and applies what happened while it was down", async () => {
    const env = await deployEnv();
    const dir = mkdtempSync(path.join(tmpdir(), "ringfence-relay-"));
    const file = path.join(dir, "relay.db");
    try {
      let relay = await relayOn(env, { storeUrl: file });
      const o = await aliceOrder(env);
      const body = await orderBody(env.b, env.physical, env.b.alice, o);
      await post(relay, env.P, body);
      const before = await relay.store.all<{ block_number: bigint }>(
        "SELECT block_number FROM cursor WHERE stream = $1",
        [RELAY_STREAM],
      );
      await relay.close();

      await env.physical.connect(env.b.alice).cancel(o); // while the relay is down
      relay = await relayOn(env, { storeUrl: file, fromBlock: 10_000n }); // fromBlock only matters on a fresh store
      try {
        expect(await get(relay, body.digest)).to.include({ status: "cancelled" });
        const cursor = await relay.store.all<{ block_number: bigint }>(
          "SELECT block_number FROM cursor WHERE stream = $1",
          [RELAY_STREAM],
        );
        expect(cursor[0].block_number).to.equal(BigInt(await env.b.ethers.provider.getBlockNumber()));
        expect(cursor[0].block_number).to.be.greaterThan(before[0].block_number);
        await relay.sync();
        const cancels = await relay.store.all("SELECT * FROM events WHERE name = 'OrderCancelled'");
        expect(cancels).to.have.length(1);
      } finally {
        await relay.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a reorg that replaces the block of a fill brings the order back, and drops the replaced events", async () => {
    const env = await deployEnv();
    const relay = await relayOn(env);
    try {
      const { ws, msgs } = await wsClient(relay);
      ws.send(JSON.stringify({ op: "subscribe", channel: "orders", account: env.b.alice.address }));
      const o = await aliceOrder(env);
      const body = await orderBody(env.b, env.physical, env.b.alice, o);
      await post(relay, env.P, body);
      const snap = await env.b.networkHelpers.takeSnapshot();
      await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD);
      await relay.sync();
      expect(await get(relay, body.digest)).to.include({ status: "filled" });
      expect(await relay.store.all("SELECT * FROM events WHERE name = 'Traded'")).to.have.length(1);

      await snap.restore();
      await env.b.tokens[2].mint(env.b.carol.address, 1n); // a different block at the same height
      await env.b.networkHelpers.mine(2);
      await relay.sync();
      expect(await get(relay, body.digest)).to.include({ status: "open", filledWad: "0" });
      expect(await relay.store.all("SELECT * FROM events WHERE name = 'Traded'")).to.have.length(0);
      const head = BigInt(await env.b.ethers.provider.getBlockNumber());
      const cursor = await relay.store.all<{ block_number: bigint; block_hash: string }>(
        "SELECT block_number, block_hash FROM cursor WHERE stream = $1",
        [RELAY_STREAM],
      );
      expect(cursor[0].block_hash).to.equal((await env.b.ethers.provider.getBlock(head))?.hash);
      await until(() => msgs.some((m) => m.type === "reorg"), 2_000, "the reorg message");
      await until(
        () =>
          msgs.some(
            (m) =>
              m.type === "order" &&
              (m.order as { status: string }).status === "open" &&
              (m.order as { digest: string }).digest === body.digest &&
              msgs.indexOf(m) > msgs.findIndex((x) => x.type === "reorg"),
          ),
        2_000,
        "the order open again",
      );
      // it can be filled again on the new chain, and the relay sees that fill
      await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD);
      await relay.sync();
      expect(await get(relay, body.digest)).to.include({ status: "filled" });
      ws.close();
    } finally {
      await relay.close();
    }
  });

  it("an order posted before t1 waits out of the book, and opens once chain time reaches t1", async () => {
    const b = await deployBase(await network.create(), 3);
    const physical = await createPhysical(b);
    await subscribePhysical(b, physical, b.alice, 10n);
    const P = (await physical.getAddress()).toLowerCase();
    const early = await startRelay({ provider: b.ethers.provider, sessions: [P], pollMs: 3_600_000, fromBlock: 0n });
    try {
      const order = await makeOrder(b, b.alice.address, [0, 1], [-2n * E18, 5n * E6]);
      const posted = await post(early, P, await orderBody(b, physical, b.alice, order));
      expect(posted).to.include({ status: "waiting" });
      expect(String(posted.reason)).to.contain("t1");
      let book = (await request(`${early.url}/sessions/${P}/book`, "GET")).body;
      expect(book.books).to.deep.equal([]);
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      await early.sync();
      expect(await get(early, posted.digest)).to.include({ status: "open", reason: "" });
      book = (await request(`${early.url}/sessions/${P}/book`, "GET")).body;
      expect((book.books as Array<{ asks: unknown[] }>)[0].asks).to.have.length(1);
    } finally {
      await early.close();
    }
  });
});
