/**
 * `npx hardhat relay` (the task action, on the default in-process chain) and the relay on the PostgreSQL
 * dialect of the shared store layer (PGlite).
 */
import { expect } from "chai";

import { PostgresStore } from "../../sdk/data/store.js";
import type { Relay } from "../../relay/index.js";
import { runRelay } from "../../tasks/actions/relay/index.js";
import { capture, deployShared, hre } from "../cli/helpers.js";
import { createPhysical, DAY, subscribePhysical } from "../sessions/fixtures.js";
import { aliceOrder, deployEnv, orderBody, relayOn, request, type Env } from "./helpers.js";

const WAD = 10n ** 18n;

describe("relay: the task and the PostgreSQL store", function () {
  this.timeout(120_000);

  it("relayTask_servesTheFactorysSessions_onAFreePort_untilStopped", async () => {
    const b = await deployShared(3);
    const session = await createPhysical(b);
    await subscribePhysical(b, session, b.alice, 2n);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
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
      fromBlock: "0",
      confirmations: "",
      expiryMargin: "30",
      pollMs: "100",
      corsOrigin: "",
      operatorAccount: "",
      json: true,
    };
    const run = capture(() => runRelay(args, hre, stopped, (r) => (relay = r)));
    const t0 = Date.now();
    while (relay === undefined && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    expect(relay, "the relay started").to.not.equal(undefined);
    const health = await request(`${relay!.url}/health`, "GET");
    expect(health.status).to.equal(200);
    expect(health.body.sessions).to.include((await session.getAddress()).toLowerCase());
    stop();
    const out = await run;
    expect(out.exitCode).to.equal(0);
    expect(JSON.parse(out.out)).to.include({ stopped: true });
    expect(out.err).to.match(/^Relay for chain 31337 on http:\/\/127\.0\.0\.1:\d+ .*1 sessions/);
    const bad = await capture(() => runRelay({ ...args, port: "70000" }, hre, Promise.resolve()));
    expect(bad.exitCode).to.equal(1);
    expect(bad.err).to.contain("--port 70000 is above 65535");
  });

  it("relayOnPostgres_acceptsAnOrder_andFollowsItsFill_throughTheSharedStoreLayer", async () => {
    const env: Env = await deployEnv();
    const store = await PostgresStore.embedded();
    const relay = await relayOn(env, { store });
    try {
      const o = await aliceOrder(env);
      const body = await orderBody(env.b, env.physical, env.b.alice, o);
      const r = await request(`${relay.url}/sessions/${env.P}/orders`, "POST", body);
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD / 4n);
      await relay.sync();
      const got = await request(`${relay.url}/orders/${String(body.digest)}`, "GET");
      expect(got.body).to.include({ status: "partial", filledWad: (WAD / 4n).toString() });
      const traded = await store.all("SELECT * FROM events WHERE name = 'Traded'");
      expect(traded).to.have.length(1);
    } finally {
      await relay.close();
      await store.close();
    }
  });
});
