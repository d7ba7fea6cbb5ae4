/**
 * Two relay processes (separate OS processes, loopback, free ports) on one PostgreSQL database, against the
 * in-process chain reached over a JSON-RPC bridge on 127.0.0.1: an order posted to one is in the other's
 * answers and pushed to the other's WebSocket subscribers; a fill on chain reaches both processes' answers
 * and subscribers, and so does a reorg that replaces the fill's block; when the process that follows the
 * chain dies, the other takes over following (a later fill is seen). Markets too: two relays on one
 * database, the stand-by pushes the books and trades the follower stores. A lost connection (the backend
 * ended with `pg_terminate_backend`): 503 `store_unavailable` while away, logged retries, a reconnect, the
 * subscribers' fresh snapshots (a fill missed while away included); the follower's loss hands following
 * over, exactly one follows afterwards. A throwaway PostgreSQL server is
 * started for the suite (test/shared/postgres.ts); without server binaries on this machine the suite is
 * skipped with the reason printed, never passed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import WebSocket from "ws";

import { startRelay } from "../../relay/index.js";
import { deployMarkets, UNIT } from "../markets/fixture.js";
import { startPostgresOrSkip, type PostgresServer } from "../shared/postgres.js";
import { aliceOrder, deployEnv, orderBody, request, WAD, type Env } from "./helpers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** How long a change may take to reach the other process (a few follower polls of 200 ms). */
const BOUND_MS = 10_000;

interface Eip1193 {
  request(a: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** The in-process chain over HTTP JSON-RPC on 127.0.0.1 (a free port), so other processes can reach it. */
async function rpcBridge(provider: Eip1193): Promise<{ url: string; close(): Promise<void> }> {
  const one = async (m: { id?: unknown; method: string; params?: unknown[] }) => {
    try {
      return { jsonrpc: "2.0", id: m.id, result: await provider.request({ method: m.method, params: m.params }) };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: m.id,
        error: { code: typeof err.code === "number" ? err.code : -32603, message: String(err.message), data: err.data },
      };
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
        const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body as { method: string });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(out));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface RelayProc {
  child: ChildProcess;
  url: string;
  stderr: string[];
  exited: Promise<void>;
}

/** Starts test/relay/relayProcess.ts as its own Node process and waits for its URL. */
async function spawnRelay(env: Record<string, string>): Promise<RelayProc> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(HERE, "relayProcess.ts")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => stderr.push(String(d)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no relay URL within 60 s: ${stderr.join("")}`)), 60_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += String(d);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay process exited (${code}) before listening: ${stderr.join("")}`));
    });
  });
  return { child, url, stderr, exited };
}

/** Polls `pred` every 50 ms until it holds, or throws after `ms`; returns the elapsed time. */
async function eventually(pred: () => Promise<boolean> | boolean, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!(await pred())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - t0;
}

async function subscriber(url: string, session: string, account: string) {
  const ws = new WebSocket(url.replace("http", "ws") + "/ws");
  const msgs: Array<Record<string, unknown>> = [];
  ws.on("message", (d) => msgs.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise<void>((res, rej) => {
    ws.once("open", () => res());
    ws.once("error", rej);
  });
  for (const m of [
    { op: "subscribe", channel: "book", session },
    { op: "subscribe", channel: "trades", session },
    { op: "subscribe", channel: "orders", account },
  ])
    ws.send(JSON.stringify(m));
  await eventually(() => msgs.filter((m) => m.type === "subscribed").length === 3, BOUND_MS, "subscriptions");
  return { ws, msgs };
}

const health = async (url: string) => (await request(`${url}/health`, "GET")).body;
const statusOf = async (url: string, digest: string) =>
  String((await request(`${url}/orders/${digest}`, "GET")).body.status);
const tradesOf = (msgs: Array<Record<string, unknown>>, digest: string) =>
  msgs.filter((m) => m.type === "trade" && (m.trade as { digest: string }).digest === digest);
const bookHasAsk = (msgs: Array<Record<string, unknown>>) =>
  msgs.some((m) => m.type === "book" && (m.books as Array<{ asks: unknown[] }>).some((b) => b.asks.length > 0));

describe("relay: two processes on one PostgreSQL database", function () {
  this.timeout(240_000);

  let server: PostgresServer | undefined;
  let bridge: { url: string; close(): Promise<void> } | undefined;
  let env: Env;
  const procs: RelayProc[] = [];
  const sockets: WebSocket[] = [];

  before(async function () {
    server = await startPostgresOrSkip(this);
    await server.createDatabase("relay_shared");
    env = await deployEnv();
    bridge = await rpcBridge(env.conn.provider as unknown as Eip1193);
  });

  after(async () => {
    sockets.forEach((s) => s.terminate());
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill("SIGTERM");
        await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      }
    await bridge?.close();
    await server?.stop();
  });

  it("an order posted to one is served and pushed by the other; fills and reorgs reach both; the stand-by takes over following", async () => {
    const settings = {
      RELAY_RPC_URL: (bridge as { url: string }).url,
      RELAY_PG_URL: (server as PostgresServer).url("relay_shared"),
      RELAY_SESSIONS: [env.P, env.C].join(","),
      RELAY_POLL_MS: "200",
    };
    const a = await spawnRelay(settings);
    procs.push(a);
    // the first process takes the follower lock on its first pass
    expect(await health(a.url)).to.include({ following: true });
    const b = await spawnRelay(settings);
    procs.push(b);
    expect(await health(b.url)).to.include({ following: false });
    const alice = env.b.alice.address.toLowerCase();
    const subA = await subscriber(a.url, env.P, alice);
    const subB = await subscriber(b.url, env.P, alice);
    sockets.push(subA.ws, subB.ws);

    // accepted by A: served by B's GET at once (one database) and pushed to B's subscribers (NOTIFY)
    const o = await aliceOrder(env);
    const body = await orderBody(env.b, env.physical, env.b.alice, o);
    const posted = await request(`${a.url}/sessions/${env.P}/orders`, "POST", body);
    expect(posted.status, JSON.stringify(posted.body)).to.equal(201);
    const digest = String(posted.body.digest);
    const got = await request(`${b.url}/orders/${digest}`, "GET");
    expect(got.status).to.equal(200);
    expect(got.body).to.include({ digest, status: "open" });
    await eventually(
      () => subB.msgs.some((m) => m.type === "order" && (m.order as { digest: string }).digest === digest),
      BOUND_MS,
      "B's subscriber to hear of the order accepted by A",
    );
    await eventually(() => bookHasAsk(subB.msgs), BOUND_MS, "B's subscriber to see the order in the book");
    // the same order posted to B: the stored one, not a second row
    const again = await request(`${b.url}/sessions/${env.P}/orders`, "POST", body);
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ digest, duplicate: true });

    // one new order posted to both at once: it lands once, one process answers 201, the other 200 duplicate
    const twice = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, {}, 1n, 3n));
    const both = await Promise.all([a.url, b.url].map((u) => request(`${u}/sessions/${env.P}/orders`, "POST", twice)));
    expect(both.map((r) => r.status).sort()).to.deep.equal([200, 201]);
    expect(both.map((r) => r.body.duplicate).sort()).to.deep.equal([false, true]);

    // a fill on chain: A follows it; both processes answer it and push it
    const snap = await env.b.networkHelpers.takeSnapshot();
    await (await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD / 2n)).wait();
    await eventually(async () => (await statusOf(b.url, digest)) === "partial", BOUND_MS, "B to answer partial");
    expect(await statusOf(a.url, digest)).to.equal("partial");
    for (const [who, sub] of [
      ["A", subA],
      ["B", subB],
    ] as const) {
      await eventually(
        () => tradesOf(sub.msgs, digest).length === 1,
        BOUND_MS,
        `${who}'s subscriber to hear the trade`,
      );
      await eventually(
        () =>
          sub.msgs.some(
            (m) =>
              m.type === "order" &&
              (m.order as { digest: string; status: string }).digest === digest &&
              (m.order as { status: string }).status === "partial",
          ),
        BOUND_MS,
        `${who}'s subscriber to hear the order's new status`,
      );
    }
    expect(tradesOf(subB.msgs, digest)[0].trade).to.include({ digest, filledAfterWad: (WAD / 2n).toString() });

    // a reorg that replaces the fill's block: A rewinds; B's subscribers hear the reorg and the order open again
    await snap.restore();
    await env.b.tokens[2].mint(env.b.carol.address, 1n); // a different block at the same height
    await env.b.networkHelpers.mine(2);
    await eventually(async () => (await statusOf(b.url, digest)) === "open", BOUND_MS, "B to answer open again");
    await eventually(() => subB.msgs.some((m) => m.type === "reorg"), BOUND_MS, "B's subscriber to hear the reorg");
    const reorgAt = subB.msgs.findIndex((m) => m.type === "reorg");
    await eventually(
      () =>
        subB.msgs.some(
          (m, i) =>
            i > reorgAt &&
            m.type === "order" &&
            (m.order as { digest: string }).digest === digest &&
            (m.order as { status: string }).status === "open",
        ),
      BOUND_MS,
      "B's subscriber to hear the order open again after the reorg",
    );

    // the follower dies (no clean shutdown): its connection ends, the lock is free, B takes it
    a.child.kill("SIGKILL");
    await a.exited;
    const took = await eventually(async () => (await health(b.url)).following === true, BOUND_MS, "B to follow");
    await (await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD)).wait();
    await eventually(async () => (await statusOf(b.url, digest)) === "filled", BOUND_MS, "B to answer filled");
    await eventually(
      () => tradesOf(subB.msgs, digest).length === 2,
      BOUND_MS,
      "B's subscriber to hear the second trade",
    );
    expect(took).to.be.below(BOUND_MS);
    expect(b.stderr.join(""), "B reported no error").to.equal("");
  });
  it("markets: the stand-by pushes the trades and books the follower stores (two relays, one database)", async () => {
    // two relays in this process, each with its own connection: to PostgreSQL, two processes
    const pg = server as PostgresServer;
    await pg.createDatabase("relay_markets");
    const fx = await deployMarkets(await network.create());
    const [, t1, t2] = fx.signers;
    const rootId = await fx.createRoot(0n, 100n);
    for (const t of [t1, t2]) await fx.fund(t, 100n * UNIT);
    const start = () =>
      startRelay({
        provider: fx.connection.ethers.provider,
        sessions: [],
        storeUrl: pg.url("relay_markets"),
        pollMs: 100,
        fromBlock: 0n,
        onError: (e) => errors.push(String((e as Error)?.message ?? e)),
        markets: { address: fx.coreAddress, fromBlock: 0n },
      });
    const errors: string[] = [];
    const a = await start();
    const b = await start();
    try {
      expect(a.core.following).to.equal(true);
      expect(b.core.following).to.equal(false);
      const ws = new WebSocket(b.url.replace("http", "ws") + "/ws");
      sockets.push(ws);
      const msgs: Array<Record<string, unknown>> = [];
      ws.on("message", (d) => msgs.push(JSON.parse(String(d)) as Record<string, unknown>));
      await new Promise<void>((res, rej) => {
        ws.once("open", () => res());
        ws.once("error", rej);
      });
      ws.send(JSON.stringify({ op: "subscribe", channel: "book", root: rootId.toString() }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "trades", root: rootId.toString() }));
      await eventually(() => msgs.filter((m) => m.type === "subscribed").length === 2, BOUND_MS, "subscriptions");

      // a bid rests (book change), then an offer crosses it (a trade): both reach B's subscriber
      const bid = await fx.order(t1, rootId, 1, 40, 2n);
      await (await (fx.core.connect(t1) as Contract).place(bid, "0x", 99)).wait();
      const restsAt = BigInt(await fx.connection.ethers.provider.getBlockNumber());
      await eventually(
        () =>
          msgs.some(
            (m) =>
              m.type === "marketBook" &&
              BigInt(String(m.block)) >= restsAt &&
              (m.branches as Array<{ bids: unknown[] }>).some((x) => x.bids.length > 0),
          ),
        BOUND_MS,
        "B's subscriber to see the bid in the book",
      );
      const offer = await fx.order(t2, rootId, 1, 40, -1n);
      await (await (fx.core.connect(t2) as Contract).place(offer, "0x", 99)).wait();
      await eventually(() => msgs.some((m) => m.type === "marketTrade"), BOUND_MS, "B's subscriber to hear the trade");
      const trade = msgs.find((m) => m.type === "marketTrade")?.trade as Record<string, unknown>;
      expect(trade).to.include({
        tick: 40,
        maker: (await t1.getAddress()).toLowerCase(),
        taker: (await t2.getAddress()).toLowerCase(),
      });
      expect(msgs.filter((m) => m.type === "marketTrade")).to.have.length(1);
      // B answers the same book as A (the shared tables)
      const [ba, bb] = await Promise.all(
        [a, b].map(async (r) => (await request(`${r.url}/markets/${rootId}/book`, "GET")).body),
      );
      expect(bb).to.deep.equal(ba);
      expect(errors).to.deep.equal([]);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it("a process that loses its database connection answers 503, reconnects, resynchronises; the follower's loss hands following over", async () => {
    const pg = server as PostgresServer;
    await pg.createDatabase("relay_reconnect");
    const dbUrl = pg.url("relay_reconnect");
    // each process names its connection, so a third connection finds its backend in pg_stat_activity
    const settings = (name: string) => ({
      RELAY_RPC_URL: (bridge as { url: string }).url,
      RELAY_PG_URL: `${dbUrl}${dbUrl.includes("?") ? "&" : "?"}application_name=${name}`,
      RELAY_SESSIONS: [env.P, env.C].join(","),
      RELAY_POLL_MS: "200",
    });
    const a = await spawnRelay(settings("relay_a"));
    procs.push(a);
    expect(await health(a.url)).to.include({ following: true, store: "ok" });
    const b = await spawnRelay(settings("relay_b"));
    procs.push(b);
    expect(await health(b.url)).to.include({ following: false, store: "ok" });
    const alice = env.b.alice.address.toLowerCase();
    const subB = await subscriber(b.url, env.P, alice);
    sockets.push(subB.ws);

    const o = await aliceOrder(env, {}, 1n, 5n);
    const body = await orderBody(env.b, env.physical, env.b.alice, o);
    const posted = await request(`${a.url}/sessions/${env.P}/orders`, "POST", body);
    expect(posted.status, JSON.stringify(posted.body)).to.equal(201);
    const digest = String(posted.body.digest);
    await eventually(() => bookHasAsk(subB.msgs), BOUND_MS, "B's subscriber to see the order");

    // the third connection: refuses new connections to the database for a while (so the processes stay away
    // long enough to look), then ends a process's backend as an operator or a server restart would
    const { default: pgClient } = await import("pg");
    const admin = new pgClient.Client({ connectionString: pg.url("postgres") });
    await admin.connect();
    const gate = (open: boolean) => admin.query(`ALTER DATABASE relay_reconnect ALLOW_CONNECTIONS ${open}`);
    const terminate = async (name: string) => {
      const r = await admin.query(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
        [name],
      );
      expect(r.rows.map((x: { ok: boolean }) => x.ok)).to.deep.equal([true]);
    };
    try {
      await gate(false);
      const seen = subB.msgs.length;
      await terminate("relay_b");
      // B: every answer is 503 store_unavailable at once (no hang, no 500); /health says why
      await eventually(
        async () => (await health(b.url)).store === "unavailable",
        BOUND_MS,
        "B to report its store lost",
      );
      const got = await request(`${b.url}/orders/${digest}`, "GET");
      expect(got.status).to.equal(503);
      expect(got.body).to.include({ code: "store_unavailable" });
      expect(String(got.body.message)).to.match(/database connection/);
      const post = await request(
        `${b.url}/sessions/${env.P}/orders`,
        "POST",
        await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, {}, 1n, 6n)),
      );
      expect(post.status).to.equal(503);
      expect(post.body).to.include({ code: "store_unavailable" });
      expect(await health(b.url)).to.include({ following: false });

      // a fill on chain while B is away: A follows it and notifies; B's connection is gone, so B misses it
      await (await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD / 2n)).wait();
      await eventually(async () => (await statusOf(a.url, digest)) === "partial", BOUND_MS, "A to answer partial");
      expect((await health(b.url)).store).to.equal("unavailable");

      // B has been retrying, each attempt logged with its reason; the database accepts connections again
      await eventually(() => /reconnection attempt 2 failed/.test(b.stderr.join("")), BOUND_MS, "B to retry");
      expect(b.stderr.join("")).to.match(
        /reconnection attempt 1 failed \(.*not currently accepting connections\); next in 500 ms/,
      );
      expect(b.stderr.join("")).to.match(/reconnection attempt 2 failed \(.+\); next in 1000 ms/);
      await gate(true);
      await eventually(async () => (await health(b.url)).store === "ok", 15_000, "B to reconnect");
      expect(b.stderr.join("")).to.match(/PostgreSQL connection is lost/);
      // the subscriber's fresh snapshot after the reconnect shows the fill it missed: the order partial
      await eventually(
        () =>
          subB.msgs.some(
            (m, i) =>
              i >= seen &&
              m.type === "order" &&
              (m.order as { digest: string; status: string }).digest === digest &&
              (m.order as { status: string }).status === "partial",
          ),
        BOUND_MS,
        "B's subscriber to get the order as it is now (partial) after the reconnect",
      );
      await eventually(
        () => subB.msgs.slice(seen).some((m) => m.type === "book"),
        BOUND_MS,
        "B's subscriber to get a fresh book after the reconnect",
      );
      expect(await statusOf(b.url, digest)).to.equal("partial");
      // an order posted to A after the reconnect: in B's answers and pushed to B's subscriber (listening again)
      const o2 = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, {}, 1n, 7n));
      const p2 = await request(`${a.url}/sessions/${env.P}/orders`, "POST", o2);
      expect(p2.status, JSON.stringify(p2.body)).to.equal(201);
      const d2 = String(p2.body.digest);
      expect((await request(`${b.url}/orders/${d2}`, "GET")).status).to.equal(200);
      await eventually(
        () => subB.msgs.some((m) => m.type === "order" && (m.order as { digest: string }).digest === d2),
        BOUND_MS,
        "B's subscriber to hear of the order posted to A after the reconnect",
      );
      expect(await health(a.url)).to.include({ following: true });
      expect(await health(b.url)).to.include({ following: false });

      // the FOLLOWER's connection ends: its lock goes with it, B takes over following; A, back, stands by
      await gate(false);
      await terminate("relay_a");
      await eventually(async () => (await health(b.url)).following === true, BOUND_MS, "B to take over following");
      expect(await health(a.url)).to.include({ following: false, store: "unavailable" });
      await gate(true);
      await eventually(async () => (await health(a.url)).store === "ok", 15_000, "A to reconnect");
      for (let i = 0; i < 5; i++) {
        const [ha, hb] = [await health(a.url), await health(b.url)];
        expect([ha.following, hb.following], "exactly one process follows").to.deep.equal([false, true]);
        await new Promise((r) => setTimeout(r, 200));
      }
      // and B, following now, sees a later fill; A answers it from the shared tables
      await (await env.physical.connect(env.b.bob).fill(o, String(body.signature), WAD)).wait();
      await eventually(async () => (await statusOf(a.url, digest)) === "filled", BOUND_MS, "A to answer filled");
    } finally {
      await gate(true).catch(() => undefined);
      await admin.end();
    }
  });
});
