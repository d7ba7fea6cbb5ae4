/**
 * Relay benchmark (`npm run bench:relay`, docs/relay.md): on a fresh in-process Hardhat chain, the relay as
 * it runs (Fastify over loopback, SQLite in memory) and its clients in the same process. Measures
 * (a) accepted session orders per second with every check against the chain, and where each order's time
 * goes (the relay's step timer: relay/core.ts `timer`); (b) book query latency with 10,000 resting orders
 * in the store; (c) WebSocket fan-out to 100 subscribers: from the relay's publish, and from the mined
 * fill through the follower pass, to receipt at each subscriber. Bounded in count (no timed loop). Writes
 * bench/relay.json and the tables of bench/relay.md (between its markers).
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ZeroAddress } from "ethers";
import * as prettier from "prettier";
import { network } from "hardhat";
import WebSocket from "ws";

import { startRelay } from "../relay/index.js";
import { BOOK_SCAN_LIMIT, readBook } from "../relay/server.js";
import { pairSide } from "../sdk/sessions/validate.js";
import { hashSessionOrder, sessionDomain, type SessionOrder } from "../sdk/sessions/orders.js";
import { orderToFile } from "../sdk/sessions/client.js";
import {
  createCash,
  createPhysical,
  DAY,
  deployBase,
  makeOrder,
  sign,
  subscribeCash,
  subscribePhysical,
} from "../test/sessions/fixtures.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const WAD = 10n ** 18n;
const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
/** Orders per session kind in each acceptance pass (profile pass, then throughput pass). */
const ORDERS = 200;
/** Requests in flight in the throughput pass. */
const IN_FLIGHT = 8;
const RESTING = 10_000;
const BOOK_QUERIES = 200;
const SUBSCRIBERS = 100;
const PUBLISH_ROUNDS = 50;
const CHAIN_ROUNDS = 20;

const round = (x: number) => Math.round(x * 100) / 100;
/** Nearest-rank percentile of `xs` (ms). */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
}
const stats = (xs: number[]) => ({ n: xs.length, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99), maxMs: pct(xs, 100) });

const conn = await network.create();
const b = await deployBase(conn, 3);
const physical = await createPhysical(b);
const cash = await createCash(b);
const bookSession = await createPhysical(b);
const makers = [b.alice, b.bob, b.carol, b.dave];
for (const m of makers) {
  await subscribePhysical(b, physical, m, 10n);
  await subscribeCash(b, cash, m, 10n);
}
await b.networkHelpers.time.increaseTo(b.now + DAY); // t1: trading open, so cash funding is simulated
const P = (await physical.getAddress()).toLowerCase();
const C = (await cash.getAddress()).toLowerCase();
const B = (await bookSession.getAddress()).toLowerCase();

const relay = await startRelay({
  provider: b.ethers.provider,
  sessions: [P, C, B],
  pollMs: 3_600_000, // the bench drives the follower with sync()
  limits: { perIpMax: 1e9, perMakerMax: 1e9, perIpBacklog: 10_000 },
  onError: (e) => console.error(e),
});

/** Signed order files, signed before any timing (signing is the trader's cost, not the relay's). */
async function signed(n: number): Promise<Array<{ session: string; body: string }>> {
  const out: Array<{ session: string; body: string }> = [];
  for (let i = 0; i < n; i++) {
    for (const [s, addr] of [
      [physical, P],
      [cash, C],
    ] as const) {
      const m = makers[i % makers.length];
      const o: SessionOrder =
        addr === P
          ? await makeOrder(b, m.address, [0, 1], [-1n * E18, (2n + BigInt(i % 7)) * E6])
          : await makeOrder(b, m.address, [0, 1], [-1n * E18, (1n + BigInt(i % 7)) * E18]);
      const sig = await sign(b, s, m, o);
      const digest = hashSessionOrder(o, sessionDomain(addr, b.chainId));
      out.push({ session: addr, body: JSON.stringify(orderToFile(b.chainId, addr, o, sig, digest, [])) });
    }
  }
  return out;
}

async function post(o: { session: string; body: string }): Promise<number> {
  const r = await fetch(`${relay.url}/sessions/${o.session}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: o.body,
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(`order refused: ${r.status}`);
  return r.status;
}

// ---------------------------------------------------------------- (a) acceptance, profiled step by step
console.error(`signing ${4 * ORDERS} orders...`);
const profileSet = await signed(ORDERS);
const throughputSet = await signed(ORDERS);
const steps = new Map<string, number[]>();
relay.core.timer = (step, ms) => {
  const xs = steps.get(step) ?? [];
  xs.push(ms);
  steps.set(step, xs);
};
const oneByOne: number[] = [];
const tProfile = performance.now();
for (const o of profileSet) {
  const t0 = performance.now();
  await post(o);
  oneByOne.push(performance.now() - t0);
}
const profileSec = (performance.now() - tProfile) / 1000;
relay.core.timer = undefined;

const tThroughput = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < throughputSet.length) await post(throughputSet[next++]);
  }),
);
const throughputSec = (performance.now() - tThroughput) / 1000;
const perOrderMean = oneByOne.reduce((x, y) => x + y, 0) / oneByOne.length;
interface StepRow {
  n: number;
  meanMs: number;
  perOrderMs: number;
}
const stepTable: Record<string, StepRow> = Object.fromEntries(
  [...steps.entries()]
    .map(([k, xs]): [string, StepRow] => {
      const total = xs.reduce((x, y) => x + y, 0);
      return [k, { n: xs.length, meanMs: round(total / xs.length), perOrderMs: round(total / oneByOne.length) }];
    })
    .sort((x, y) => y[1].perOrderMs - x[1].perOrderMs),
);
console.error(`accepted ${profileSet.length} one by one in ${profileSec.toFixed(2)} s`);

// ---------------------------------------------------------------- (c) WebSocket fan-out to 100 subscribers
const clients: Array<{ ws: WebSocket; got: Map<string, number> }> = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const ws = new WebSocket(relay.url.replace("http", "ws") + "/ws");
  const got = new Map<string, number>();
  ws.on("message", (d) => {
    const t = performance.now();
    const m = JSON.parse(String(d)) as { type: string; trade?: { tx: string; digest: string } };
    if (m.type === "trade" && m.trade !== undefined) got.set(`${m.trade.tx}:${m.trade.digest}`, t);
  });
  await new Promise<void>((res, rej) => {
    ws.once("open", () => res());
    ws.once("error", rej);
  });
  ws.send(JSON.stringify({ op: "subscribe", channel: "trades", session: P }));
  clients.push({ ws, got });
}
await new Promise((r) => setTimeout(r, 200)); // every subscription registered
const waitAll = async (key: string) => {
  const t0 = performance.now();
  while (clients.some((c) => !c.got.has(key))) {
    if (performance.now() - t0 > 10_000) throw new Error(`fan-out of ${key} incomplete after 10 s`);
    await new Promise((r) => setImmediate(r));
  }
};
const publishLat: number[] = [];
for (let i = 0; i < PUBLISH_ROUNDS; i++) {
  const key = `0xpublish${i}:0x${i.toString(16).padStart(64, "0")}`;
  const trade = {
    session: P,
    digest: key.split(":")[1],
    maker: b.alice.address,
    taker: b.bob.address,
    filledAfterWad: "1",
    block: "0",
    tx: key.split(":")[0],
  };
  const t0 = performance.now();
  relay.core.emit({ type: "trade", trade });
  await waitAll(key);
  for (const c of clients) publishLat.push((c.got.get(key) as number) - t0);
}
// Chain path: a fill is mined, then one follower pass (what the poll loop runs every --poll-ms) reads it.
const chainLat: number[] = [];
const syncMs: number[] = [];
const aliceOrders = profileSet
  .map((o) => JSON.parse(o.body) as { session: string; order: Record<string, string | string[]>; signature: string })
  .filter((o) => o.session.toLowerCase() === P && String(o.order.maker) === b.alice.address);
for (let i = 0; i < CHAIN_ROUNDS; i++) {
  const f = aliceOrders[i];
  const order: SessionOrder = {
    maker: String(f.order.maker),
    taker: String(f.order.taker),
    legs: BigInt(String(f.order.legs)),
    amounts: (f.order.amounts as string[]).map((a) => BigInt(a)),
    maxFeeBps: BigInt(String(f.order.maxFeeBps)),
    expiry: BigInt(String(f.order.expiry)),
    nonce: BigInt(String(f.order.nonce)),
    salt: BigInt(String(f.order.salt)),
  };
  const tx = await physical.connect(b.bob).fill(order, f.signature, WAD / 100n);
  const receipt = await tx.wait();
  const key = `${receipt!.hash}:${hashSessionOrder(order, sessionDomain(P, b.chainId))}`;
  const t0 = performance.now();
  await relay.sync();
  syncMs.push(performance.now() - t0);
  await waitAll(key);
  for (const c of clients) chainLat.push((c.got.get(key) as number) - t0);
}
for (const c of clients) c.ws.close();
console.error(`fan-out: ${PUBLISH_ROUNDS} publishes, ${CHAIN_ROUNDS} fills to ${SUBSCRIBERS} subscribers`);

// ---------------------------------------------------------------- (b) book with 10,000 resting orders
// Rows written straight into the store (the book reads rows; accepting 10,000 orders is (a)'s subject).
// Makers are fresh addresses, so the follower's re-checks would mark them unfundable: no pass runs here.
await relay.core.lock.run(async () =>
  relay.store.transaction(async () => {
    for (let i = 0; i < RESTING; i++) {
      const bid = i % 2 === 0;
      // 400 price levels a side around 2.0 (leg 1 per leg 0), sizes 1 to 10 tokens of leg 0; the market
      // closes in: each level 25 orders, newer orders nearer the middle (the best levels are the newest)
      const level = BigInt(400 - Math.floor(i / 25));
      const size = BigInt(1 + (i % 10)) * E18;
      const price = bid ? 2n * E6 - level * 1000n : 2n * E6 + level * 1000n; // leg-1 raw units per token
      const amounts = bid ? [size, -((size * price) / E18)] : [-size, (size * price) / E18];
      const o: SessionOrder = {
        maker: "0x" + (i + 1).toString(16).padStart(40, "0"),
        taker: ZeroAddress,
        legs: 3n,
        amounts,
        maxFeeBps: 50n,
        expiry: b.now + 100n * DAY,
        nonce: 0n,
        salt: BigInt(i),
      };
      const ps = pairSide(o)!;
      const digest = hashSessionOrder(o, sessionDomain(B, b.chainId));
      await relay.store.run(
        `INSERT INTO orders (digest, chain_id, session, maker, taker, pair, side, price_wad, order_json, signature, expiry,
           status, reason, filled_wad, created_ms, updated_block, checked_block)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', '', '0', $12, 0, 0)`,
        [
          digest,
          b.chainId,
          B,
          o.maker,
          ZeroAddress,
          ps.pair,
          ps.side,
          ps.priceWad.toString(),
          JSON.stringify({ amounts: amounts.map(String) }),
          "0x",
          o.expiry,
          BigInt(Date.now()) + BigInt(i),
        ],
      );
    }
  }),
);
const bookLat: number[] = [];
let lastBook: unknown;
for (let i = 0; i < BOOK_QUERIES; i++) {
  const t0 = performance.now();
  const r = await fetch(`${relay.url}/sessions/${B}/book?pair=0-1&depth=10`);
  lastBook = await r.json();
  bookLat.push(performance.now() - t0);
}
// The top levels the book must show, from every resting row (no scan limit).
const every = await relay.store.all<{ side: string; price_wad: string }>(
  "SELECT side, price_wad FROM orders WHERE session = $1",
  [B],
);
const best = (side: string, desc: boolean) =>
  [...new Set(every.filter((r) => r.side === side).map((r) => r.price_wad))]
    .map(BigInt)
    .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1))
    .slice(0, 10)
    .map(String);
const shown = (lastBook as { books: Array<{ bids: Array<{ priceWad: string }>; asks: Array<{ priceWad: string }> }> })
  .books[0];
const bookCorrect =
  JSON.stringify(shown.bids.map((l) => l.priceWad)) === JSON.stringify(best("bid", true)) &&
  JSON.stringify(shown.asks.map((l) => l.priceWad)) === JSON.stringify(best("ask", false));
const tIn = performance.now();
await readBook(relay.core, B, 10, "0-1");
const inProcessMs = performance.now() - tIn;
await relay.close();
await conn.close();

// ---------------------------------------------------------------- results
const result = {
  note: "in-process Hardhat chain (EDR), SQLite in memory, clients in the same process; wall-clock ms on the machine below",
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", node: process.version },
  accept: {
    ordersPerKind: ORDERS,
    oneByOne: {
      orders: oneByOne.length,
      perSecond: round(oneByOne.length / profileSec),
      meanMs: round(perOrderMean),
      ...stats(oneByOne),
    },
    concurrent: {
      orders: throughputSet.length,
      inFlight: IN_FLIGHT,
      perSecond: round(throughputSet.length / throughputSec),
    },
    steps: stepTable,
  },
  book: {
    restingOrders: RESTING,
    scanLimit: BOOK_SCAN_LIMIT,
    depth: 10,
    ...stats(bookLat),
    readBookInProcessMs: round(inProcessMs),
    bestLevelsMatchEveryRow: bookCorrect,
  },
  websocket: {
    subscribers: SUBSCRIBERS,
    publishToReceipt: stats(publishLat),
    minedFillToReceipt: { ...stats(chainLat), followerPass: stats(syncMs) },
  },
};
await writeFile(path.join(here, "relay.json"), JSON.stringify(result, null, 2) + "\n");

const rows = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `| ${k} | ${v} |`).join("\n");
const a = result.accept;
const table = [
  "| measure | result |",
  "| --- | --- |",
  rows([
    [
      "orders accepted one by one (HTTP, all checks)",
      `${a.oneByOne.perSecond}/s (p50 ${a.oneByOne.p50Ms} ms, p99 ${a.oneByOne.p99Ms} ms)`,
    ],
    [`orders accepted, ${IN_FLIGHT} in flight`, `${a.concurrent.perSecond}/s`],
    [
      `book query, ${RESTING} resting orders (depth 10)`,
      `p50 ${result.book.p50Ms} ms, p99 ${result.book.p99Ms} ms; best levels right: ${bookCorrect ? "yes" : "no"}`,
    ],
    [
      `WebSocket publish to receipt, ${SUBSCRIBERS} subscribers`,
      `p50 ${result.websocket.publishToReceipt.p50Ms} ms, p99 ${result.websocket.publishToReceipt.p99Ms} ms`,
    ],
    [
      `mined fill to receipt (one follower pass), ${SUBSCRIBERS} subscribers`,
      `p50 ${result.websocket.minedFillToReceipt.p50Ms} ms, p99 ${result.websocket.minedFillToReceipt.p99Ms} ms`,
    ],
  ]),
  "",
  "Where one accepted order's time goes (mean per order, both kinds together; the funding step per kind):",
  "",
  "| step | ms per order | ms per call |",
  "| --- | --- | --- |",
  ...Object.entries(a.steps).map(([k, v]) => `| ${k} | ${v.perOrderMs} | ${v.meanMs} |`),
  "",
  `Mean time per order, request to answer: ${a.oneByOne.meanMs} ms. Machine: ${result.machine.cpus} cores, ${result.machine.model}, Node ${result.machine.node}.`,
].join("\n");
const mdPath = path.join(here, "relay.md");
const START = "<!-- bench:relay:start -->";
const END = "<!-- bench:relay:end -->";
let md = await readFile(mdPath, "utf8").catch(() => `# Relay benchmark\n\n${START}\n${END}\n`);
const [head, rest] = md.split(START);
md = `${head}${START}\n${table}\n${END}${rest?.split(END)[1] ?? "\n"}`;
// formatted as the repository's prettier would (the committed file passes `prettier --check`)
const style = (await prettier.resolveConfig(mdPath)) ?? {};
await writeFile(mdPath, await prettier.format(md, { ...style, filepath: mdPath }));
console.log(table);
console.log("\nwrote bench/relay.json and the tables of bench/relay.md");
