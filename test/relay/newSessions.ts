/**
 * Sessions the factory creates after the relay started: followed through the factory's `SessionCreated`
 * (the same reorg-safe follower as the sessions' own events) and served from then on, through the task
 * (no `--sessions`) and through `startRelay({factory})`; a reorg that drops the creating block drops the
 * session again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { startRelay, type Relay } from "../../relay/index.js";
import { runRelay } from "../../tasks/actions/relay/index.js";
import { capture, deployShared, hre } from "../cli/helpers.js";
import { createPhysical, DAY, deployBase, makeOrder, subscribePhysical, type Base } from "../sessions/fixtures.js";
import { orderBody, request, until, WAD, wsClient } from "./helpers.js";
import type { PhysicalSession } from "../../types/ethers-contracts/index.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

async function aliceBody(b: Base, s: PhysicalSession) {
  const o = await makeOrder(b, b.alice.address, [0, 1], [-1n * E18, 2n * E6]);
  return { o, body: await orderBody(b, s, b.alice, o) };
}

describe("relay: sessions the factory creates after start", function () {
  this.timeout(180_000);

  it("newSession_createdAfterStart_isServed_acceptsAnOrder_andItsFillIsFollowed", async () => {
    const b = await deployBase(await network.create(), 3);
    const first = await createPhysical(b);
    const relay: Relay = await startRelay({
      provider: b.ethers.provider,
      sessions: [await first.getAddress()],
      factory: await b.factory.getAddress(),
      pollMs: 3_600_000,
      onError: () => undefined,
    });
    try {
      const fresh = await createPhysical(b);
      const F = (await fresh.getAddress()).toLowerCase();
      // before the follower read its block, the relay does not know it
      const early = await aliceBody(b, fresh);
      expect((await request(`${relay.url}/sessions/${F}/orders`, "POST", early.body)).status).to.equal(404);
      await subscribePhysical(b, fresh, b.alice, 5n);
      await subscribePhysical(b, fresh, b.bob, 5n);
      await relay.sync();
      const health = await request(`${relay.url}/health`, "GET");
      expect(health.body.sessions).to.include(F);
      const { ws, msgs } = await wsClient(relay);
      ws.send(JSON.stringify({ op: "subscribe", channel: "book", session: F }));
      await until(() => msgs.some((m) => m.type === "book"), 2_000, "the new session's book");
      const { o, body } = await aliceBody(b, fresh);
      const posted = await request(`${relay.url}/sessions/${F}/orders`, "POST", body);
      expect(posted.status, JSON.stringify(posted.body)).to.equal(201);
      // posted before t1: accepted, out of the book until trading opens
      expect(posted.body).to.include({ session: F, status: "waiting" });
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      await fresh.connect(b.bob).fill(o, String(body.signature), WAD / 2n);
      await relay.sync();
      const got = await request(`${relay.url}/orders/${String(body.digest)}`, "GET");
      expect(got.body).to.include({ status: "partial", filledWad: (WAD / 2n).toString() });
      ws.close();
    } finally {
      await relay.close();
    }
  });

  it("newSession_inABlockAReorgReplaces_isNotServedAnyMore", async () => {
    const b = await deployBase(await network.create(), 3);
    const first = await createPhysical(b);
    const relay = await startRelay({
      provider: b.ethers.provider,
      sessions: [await first.getAddress()],
      factory: await b.factory.getAddress(),
      pollMs: 3_600_000,
      onError: () => undefined,
    });
    try {
      const snap = await b.networkHelpers.takeSnapshot();
      const gone = await createPhysical(b);
      const G = (await gone.getAddress()).toLowerCase();
      await relay.sync();
      expect((await request(`${relay.url}/health`, "GET")).body.sessions).to.include(G);
      await snap.restore();
      await b.tokens[2].mint(b.carol.address, 1n); // a different block at the same height
      await b.networkHelpers.mine(2);
      await relay.sync();
      expect((await request(`${relay.url}/health`, "GET")).body.sessions).to.not.include(G);
      const { body } = await aliceBody(b, gone);
      const r = await request(`${relay.url}/sessions/${G}/orders`, "POST", body);
      expect(r.status).to.equal(404);
      expect(r.body).to.include({ code: "unknown_session" });
    } finally {
      await relay.close();
    }
  });

  it("newSession_foundBeforeARestart_isServedAfterIt_fromTheStore", async () => {
    const b = await deployBase(await network.create(), 3);
    const first = await createPhysical(b);
    const dir = mkdtempSync(path.join(tmpdir(), "ringfence-relay-"));
    const opts = {
      provider: b.ethers.provider,
      sessions: [await first.getAddress()],
      factory: await b.factory.getAddress(),
      storeUrl: path.join(dir, "relay.db"),
      pollMs: 3_600_000,
      onError: () => undefined,
    };
    try {
      let relay = await startRelay(opts);
      const fresh = await createPhysical(b);
      const F = (await fresh.getAddress()).toLowerCase();
      await relay.sync();
      await relay.close();
      relay = await startRelay(opts); // same store, the factory's list is not given again
      try {
        expect((await request(`${relay.url}/health`, "GET")).body.sessions).to.include(F);
      } finally {
        await relay.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("relayTask_withoutSessions_picksUpASessionCreatedAfterStart_andAcceptsAnOrderToIt", async () => {
    const b = await deployShared(3);
    const before = await createPhysical(b);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let relay: Relay | undefined;
    const args = {
      host: "127.0.0.1",
      port: "0",
      db: ":memory:",
      pg: "",
      sessions: "",
      factory: await b.factory.getAddress(),
      fromBlock: "",
      confirmations: "",
      expiryMargin: "30",
      pollMs: "100",
      corsOrigin: "",
      operatorAccount: "",
      json: true,
    };
    const run = capture(() => runRelay(args, hre, stopped, (r) => (relay = r)));
    try {
      await until(() => relay !== undefined, 60_000, "the relay to start");
      const served = async () => (await request(`${relay!.url}/health`, "GET")).body.sessions as string[];
      expect(await served()).to.include((await before.getAddress()).toLowerCase());
      const fresh = await createPhysical(b);
      const F = (await fresh.getAddress()).toLowerCase();
      await subscribePhysical(b, fresh, b.alice, 2n);
      const t0 = Date.now();
      while (!(await served()).includes(F) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(await served()).to.include(F);
      const { body } = await aliceBody(b, fresh);
      const r = await request(`${relay!.url}/sessions/${F}/orders`, "POST", body);
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    } finally {
      stop();
      const out = await run;
      expect(out.exitCode, out.err).to.equal(0);
      expect(out.err).to.contain("and every new one of factory");
    }
  });
});
