/**
 * The relay's HTTP and WebSocket front (Fastify 5 + `ws`). Fastify because it validates requests against
 * JSON schemas, enforces a body size limit before parsing, and has a maintained per-IP rate limiter
 * (`@fastify/rate-limit`); `ws` is the plain WebSocket server Fastify's own plugin wraps. Every error is
 * `{code, message, field}` with an HTTP status (docs/relay.md).
 */
import type { AddressInfo } from "node:net";

import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";

import { StoreUnavailable } from "../sdk/data/store.js";
import { OrderRejected } from "../sdk/sessions/validate.js";
import { corsHeaders, corsPreflight } from "./cors.js";
import { errorOf } from "./errors.js";
import { FairQueue, KeyBacklogFull, QueueFull } from "./fair.js";
import { orderView, type OrderView, type RelayCore, type RelayEvent } from "./core.js";
import { ORDER_STATUSES, type OrderRow } from "./store.js";
import { marketsWsMessage, marketsWsPush, registerMarketRoutes } from "./markets.js";
import type { MarketsRelay } from "./marketsCore.js";

export interface RelayLimits {
  /** Largest request body in bytes (default 16 KiB; an order file is about 1 KiB). */
  bodyLimit: number;
  /** Requests per IP per window (default 120 per minute). */
  perIpMax: number;
  /** Order submissions per maker per window (default 60 per minute). */
  perMakerMax: number;
  /** Window of both rate limits, in ms (default 60,000). */
  windowMs: number;
  /** Largest page of a list (default 100; default page 50). */
  maxPage: number;
  /** Price levels per side in a book (default and most: 50). */
  maxDepth: number;
  /** WebSocket: subscriptions per connection (default 32), largest message (default 4 KiB). */
  maxSubscriptions: number;
  maxWsMessage: number;
  /** Orders checked at once (fair round-robin across client addresses: relay/fair.ts; default 4). */
  checkConcurrency: number;
  /** Orders from one address waiting to be checked (default 16); more are refused with 429 at once. */
  perIpBacklog: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  bodyLimit: 16 * 1024,
  perIpMax: 120,
  perMakerMax: 60,
  windowMs: 60_000,
  maxPage: 100,
  maxDepth: 50,
  maxSubscriptions: 32,
  maxWsMessage: 4 * 1024,
  checkConcurrency: 4,
  perIpBacklog: 16,
};

const ADDRESS = "^0x[0-9a-fA-F]{40}$";
const DIGEST = "^0x[0-9a-fA-F]{64}$";

/** The JSON schema of an order submission's outer shape; field-level checks follow in sdk/sessions/validate.ts. */
const ORDER_BODY = {
  type: "object",
  required: ["type", "chainId", "session", "signature", "order"],
  properties: {
    type: { type: "string", maxLength: 64 },
    chainId: { type: "string", maxLength: 80 },
    session: { type: "string", maxLength: 42 },
    digest: { type: "string", maxLength: 66 },
    signature: { type: "string", maxLength: 4098 },
    order: {
      type: "object",
      required: ["maker", "taker", "legs", "amounts", "maxFeeBps", "expiry", "nonce", "salt"],
      properties: {
        maker: { type: "string", maxLength: 42 },
        taker: { type: "string", maxLength: 42 },
        legs: { type: "string", maxLength: 80 },
        amounts: { type: "array", minItems: 1, maxItems: 32, items: { type: "string", maxLength: 80 } },
        maxFeeBps: { type: "string", maxLength: 80 },
        expiry: { type: "string", maxLength: 80 },
        nonce: { type: "string", maxLength: 80 },
        salt: { type: "string", maxLength: 80 },
      },
    },
    readable: { type: "array", maxItems: 32 },
  },
} as const;

/** Fixed-window counters per key, bounded in size (cleared whole when it would grow past `maxKeys`). */
class WindowCounter {
  private counts = new Map<string, { start: number; n: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one hit for `key`; false when the key is over its limit in this window. */
  hit(key: string): boolean {
    const now = Date.now();
    let c = this.counts.get(key);
    if (c === undefined || now - c.start >= this.windowMs) {
      if (this.counts.size >= this.maxKeys) this.counts.clear();
      c = { start: now, n: 0 };
      this.counts.set(key, c);
    }
    c.n++;
    return c.n <= this.max;
  }
}

interface Book {
  pair: string;
  /** Receives leg i, gives leg j: best (highest) price first. */
  bids: Array<{ priceWad: string; size: string; orders: number }>;
  /** Gives leg i, receives leg j: best (lowest) price first. */
  asks: Array<{ priceWad: string; size: string; orders: number }>;
}

/** Orders of a session that the book may show: live, fundable, public (no private taker), two-leg. */
const BOOK_WHERE = `session = $1 AND status IN ('open', 'partial') AND pair <> ''
  AND taker = '0x0000000000000000000000000000000000000000'`;
/** Most orders one side of one pair's book aggregates per read (docs/relay.md). */
export const BOOK_SCAN_LIMIT = 5_000;

type Levels = Map<string, [bigint, number]>;

/** Adds each row's unfilled leg-i size to its price level. */
function addRows(levels: Levels, rows: OrderRow[]): void {
  const WAD = 10n ** 18n;
  for (const r of rows) {
    const o = JSON.parse(r.order_json) as { amounts: string[] };
    const filled = BigInt(r.filled_wad);
    // size in leg i's raw units still to trade (the leg-i amount's unfilled part)
    const ai = BigInt(o.amounts[0]);
    const abs = ai < 0n ? -ai : ai;
    const size = abs - (abs * filled) / WAD;
    if (size <= 0n) continue;
    const lvl = levels.get(r.price_wad) ?? [0n, 0];
    levels.set(r.price_wad, [lvl[0] + size, lvl[1] + 1]);
  }
}

function sorted(m: Levels, desc: boolean, depth: number) {
  return [...m.entries()]
    .sort((x, y) => {
      const [a, b] = [BigInt(x[0]), BigInt(y[0])];
      return (a < b ? -1 : a > b ? 1 : 0) * (desc ? -1 : 1);
    })
    .slice(0, depth)
    .map(([p, [s, n]]) => ({ priceWad: p, size: s.toString(), orders: n }));
}

/**
 * One side of one pair: the `depth` best price levels are chosen in SQL first (prices are decimal strings
 * without leading zeros, so length then text orders them as numbers), then only their orders are read and
 * summed. The best levels are right however many orders rest; only a level holding more than
 * {@link BOOK_SCAN_LIMIT} orders is summed over its first ones.
 */
async function bookSide(core: RelayCore, session: string, pair: string, side: string, depth: number) {
  const dir = side === "bid" ? "DESC" : "ASC";
  const prices = await core.store.all<{ price_wad: string }>(
    `SELECT price_wad FROM orders WHERE ${BOOK_WHERE} AND pair = $2 AND side = $3
       GROUP BY price_wad ORDER BY LENGTH(price_wad) ${dir}, price_wad ${dir} LIMIT ${depth}`,
    [session, pair, side],
  );
  const levels: Levels = new Map();
  if (prices.length === 0) return [];
  const list = prices.map((_, i) => `$${i + 4}`).join(", ");
  const rows = await core.store.all<OrderRow>(
    `SELECT price_wad, order_json, filled_wad FROM orders WHERE ${BOOK_WHERE} AND pair = $2 AND side = $3
       AND price_wad IN (${list}) LIMIT ${BOOK_SCAN_LIMIT}`,
    [session, pair, side, ...prices.map((p) => p.price_wad)],
  );
  addRows(levels, rows);
  return sorted(levels, side === "bid", depth);
}

export async function readBook(core: RelayCore, session: string, depth: number, pair?: string): Promise<Book[]> {
  const s = session.toLowerCase();
  const pairs =
    pair !== undefined
      ? [pair]
      : (await core.store.all<{ pair: string }>(`SELECT DISTINCT pair FROM orders WHERE ${BOOK_WHERE}`, [s])).map(
          (r) => r.pair,
        );
  const books: Book[] = [];
  for (const p of pairs.sort()) {
    const [bids, asks] = [await bookSide(core, s, p, "bid", depth), await bookSide(core, s, p, "ask", depth)];
    if (bids.length > 0 || asks.length > 0) books.push({ pair: p, bids, asks });
  }
  return books;
}

export interface RelayServer {
  app: FastifyInstance;
  wss: WebSocketServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The answer while the database connection is lost (`reason`: why). */
const storeUnavailable = (reason: string) =>
  errorOf(
    "store_unavailable",
    `the relay lost its database connection and is reconnecting (${reason.replace(/^the database connection is lost \((.*)\); reconnecting$/, "$1")}); try again shortly`,
  );

/** Builds the HTTP + WebSocket server on `core`; listens on host:port (port 0: a free one). */
export async function startServer(
  core: RelayCore,
  opts: {
    host?: string;
    port?: number;
    limits?: Partial<RelayLimits>;
    /** Origins whose pages may read the answers (`*`: any); default none (same-origin only): relay/cors.ts. */
    corsOrigins?: readonly string[];
    markets?: MarketsRelay;
  } = {},
): Promise<RelayServer> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const app = Fastify({ bodyLimit: limits.bodyLimit, logger: false });
  const perMaker = new WindowCounter(limits.perMakerMax, limits.windowMs);
  const fair = new FairQueue(limits.checkConcurrency, limits.perIpBacklog);

  app.setErrorHandler((err: FastifyError | OrderRejected, _req, reply) => {
    if (err instanceof OrderRejected) return reply.status(err.status).send(err.issue);
    if (err instanceof QueueFull) return reply.status(503).send(errorOf("busy", err.message));
    if (err instanceof StoreUnavailable) return reply.status(503).send(storeUnavailable(err.message));
    if (err instanceof KeyBacklogFull) return reply.status(429).send(errorOf("rate_limited", err.message));
    const e = err as FastifyError & { validationContext?: string };
    if (e.statusCode === 429) return reply.status(429).send(errorOf("rate_limited", e.message));
    if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return reply.status(413).send(errorOf("body_too_large", `the body is over ${limits.bodyLimit} bytes`));
    if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
      return reply.status(415).send(errorOf("unsupported_media_type", "send application/json"));
    if (e.validation !== undefined) {
      const v = e.validation[0];
      const missing = (v?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const path = `${(v?.instancePath ?? "")
        .replace(/^\//, "")
        .replace(/\/(\d+)/g, "[$1]")
        .replace(/\//g, ".")}`;
      const field = [path, missing].filter((x) => x !== undefined && x !== "").join(".");
      const where = e.validationContext === "body" ? field : field === "" ? (e.validationContext ?? "") : field;
      return reply
        .status(400)
        .send(
          errorOf(
            e.validationContext === "body" ? "malformed_field" : "bad_parameter",
            `${where || "request"} ${v?.message ?? "is invalid"}`,
            where || null,
          ),
        );
    }
    if (
      e.statusCode === 400 &&
      (e instanceof SyntaxError || /JSON/i.test(e.message) || e.code?.startsWith("FST_ERR_CTP"))
    )
      return reply.status(400).send(errorOf("malformed_json", `the body is not valid JSON: ${e.message}`));
    if (e.statusCode !== undefined && e.statusCode < 500)
      return reply.status(e.statusCode).send(errorOf("bad_request", e.message));
    return reply.status(500).send(errorOf("internal", "the relay failed to handle this request; it is logged"));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorOf("not_found", `no route ${req.method} ${req.url.split("?")[0]}`)),
  );

  corsHeaders(app, opts.corsOrigins ?? []);
  await app.register(rateLimit, {
    max: limits.perIpMax,
    timeWindow: limits.windowMs,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: "rate_limited",
      message: `over ${ctx.max} requests in ${ctx.after} from this address: slow down`,
      field: null,
    }),
  });

  corsPreflight(app, opts.corsOrigins ?? []);
  // Profiling (core.timer set: bench/relay.ts): reading + JSON.parse of the body, then the JSON schema.
  const marks = new WeakMap<FastifyRequest, number>();
  const mark = (req: FastifyRequest, step?: string) => {
    if (core.timer === undefined || req.method !== "POST") return;
    const now = performance.now();
    const t0 = marks.get(req);
    if (step !== undefined && t0 !== undefined) core.timer(step, now - t0);
    marks.set(req, now);
  };
  app.addHook("preParsing", async (req) => mark(req));
  app.addHook("preValidation", async (req) => mark(req, "http: body read and JSON.parse"));
  app.addHook("preHandler", async (req) => mark(req, "http: JSON schema"));

  // The database connection is lost (relay/index.ts reconnects): every answer but /health is 503 at once.
  app.addHook("onRequest", async (req, reply) => {
    if (core.storeDown === undefined || req.url.split("?")[0] === "/health") return;
    return reply.status(503).send(storeUnavailable(core.storeDown));
  });

  app.get("/health", async () => ({
    chainId: core.chainId.toString(),
    head: core.head.toString(),
    sessions: [...core.sessions.keys()],
    following: core.following,
    store: core.storeDown === undefined ? "ok" : "unavailable",
    ...(core.storeDown === undefined ? {} : { storeError: core.storeDown }),
  }));

  app.post<{ Params: { address: string }; Body: unknown }>(
    "/sessions/:address/orders",
    {
      schema: {
        params: { type: "object", properties: { address: { type: "string", pattern: ADDRESS } } },
        body: ORDER_BODY,
      },
    },
    async (req, reply) => {
      const maker = (req.body as { order: { maker: string } }).order.maker.toLowerCase();
      if (!perMaker.hit(maker))
        return reply
          .status(429)
          .send(
            errorOf(
              "rate_limited",
              `over ${limits.perMakerMax} orders in the window from maker ${maker}`,
              "order.maker",
            ),
          );
      const r = await fair.run(req.ip, () => core.submit(req.params.address, req.body));
      return reply.status(r.created ? 201 : 200).send({ ...r.order, duplicate: !r.created });
    },
  );

  app.get<{
    Params: { address: string };
    Querystring: { pair?: string; maker?: string; status?: string; limit?: number; after?: string };
  }>(
    "/sessions/:address/orders",
    {
      schema: {
        params: { type: "object", properties: { address: { type: "string", pattern: ADDRESS } } },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            pair: { type: "string", pattern: "^\\d{1,2}-\\d{1,2}$" },
            maker: { type: "string", pattern: ADDRESS },
            status: { type: "string", enum: [...ORDER_STATUSES] },
            limit: { type: "integer", minimum: 1, maximum: limits.maxPage, default: 50 },
            after: { type: "string", pattern: "^\\d{1,16}:0x[0-9a-fA-F]{64}$" },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const params: unknown[] = [req.params.address.toLowerCase()];
      const where = ["session = $1"];
      if (q.pair !== undefined) where.push(`pair = $${params.push(q.pair)}`);
      if (q.maker !== undefined) where.push(`maker = $${params.push(q.maker.toLowerCase())}`);
      if (q.status !== undefined) where.push(`status = $${params.push(q.status)}`);
      if (q.after !== undefined) {
        const [ms, digest] = q.after.split(":");
        const a = params.push(BigInt(ms));
        const b = params.push(digest.toLowerCase());
        where.push(`(created_ms > $${a} OR (created_ms = $${a} AND digest > $${b}))`);
      }
      const limit = q.limit ?? 50;
      const rows = await core.store.all<OrderRow>(
        `SELECT * FROM orders WHERE ${where.join(" AND ")} ORDER BY created_ms, digest LIMIT ${limit}`,
        params,
      );
      const last = rows.at(-1);
      return {
        orders: rows.map(orderView),
        next: rows.length === limit && last !== undefined ? `${last.created_ms}:${last.digest}` : null,
      };
    },
  );

  app.get<{ Params: { address: string }; Querystring: { pair?: string; depth?: number } }>(
    "/sessions/:address/book",
    {
      schema: {
        params: { type: "object", properties: { address: { type: "string", pattern: ADDRESS } } },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            pair: { type: "string", pattern: "^\\d{1,2}-\\d{1,2}$" },
            depth: { type: "integer", minimum: 1, maximum: limits.maxDepth, default: 10 },
          },
        },
      },
    },
    async (req, reply) => {
      if (!core.sessions.has(req.params.address.toLowerCase()))
        return reply
          .status(404)
          .send(errorOf("unknown_session", `this relay does not serve session ${req.params.address}`, "address"));
      return {
        session: req.params.address.toLowerCase(),
        block: core.head.toString(),
        books: await readBook(core, req.params.address, req.query.depth ?? 10, req.query.pair),
      };
    },
  );

  app.get<{ Params: { digest: string } }>(
    "/orders/:digest",
    { schema: { params: { type: "object", properties: { digest: { type: "string", pattern: DIGEST } } } } },
    async (req, reply) => {
      const r = await core.getOrder(req.params.digest);
      if (r === undefined)
        return reply.status(404).send(errorOf("unknown_order", "no order with that digest", "digest"));
      return orderView(r);
    },
  );

  // the bounded markets (relay/markets.ts), sharing the per-address counter and the fair queue
  if (opts.markets !== undefined) await registerMarketRoutes(app, opts.markets, { limits, perAddress: perMaker, fair });

  await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  const wss = attachWebSocket(app, core, limits, opts.markets);
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    wss,
    port,
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await app.close();
    },
  };
}

type Channel = "book" | "trades" | "orders";

/**
 * WebSocket on `/ws`. A client sends `{"op":"subscribe","channel":"book"|"trades","session":S}` or
 * `{"op":"subscribe","channel":"orders","account":A}` (and `"op":"unsubscribe"`); it receives
 * `{"type":"book",...}` after every change of a subscribed session's book, `{"type":"trade",...}` per fill,
 * `{"type":"order",...}` per status change of an account's order, and `{"type":"reorg","ancestor":N}`.
 */
function attachWebSocket(
  app: FastifyInstance,
  core: RelayCore,
  limits: RelayLimits,
  markets?: MarketsRelay,
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxWsMessage });
  const subs = new Map<WebSocket, Set<string>>();
  app.server.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "").split("?")[0] !== "/ws") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  const send = (ws: WebSocket, msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  wss.on("connection", (ws: WebSocket) => {
    subs.set(ws, new Set());
    ws.on("close", () => subs.delete(ws));
    ws.on("message", (data) => {
      let msg: { op?: unknown; channel?: unknown; session?: unknown; account?: unknown; root?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return send(ws, { type: "error", ...errorOf("malformed_json", "messages are JSON objects") });
      }
      const channel = msg.channel as Channel;
      if (msg.op !== "subscribe" && msg.op !== "unsubscribe")
        return send(ws, { type: "error", ...errorOf("bad_op", 'op is "subscribe" or "unsubscribe"', "op") });
      if (msg.root !== undefined && markets !== undefined)
        return marketsWsMessage(markets, msg, subs.get(ws) as Set<string>, limits.maxSubscriptions, (m) => send(ws, m));
      if (!["book", "trades", "orders"].includes(channel))
        return send(ws, {
          type: "error",
          ...errorOf("bad_channel", 'channel is "book", "trades" or "orders"', "channel"),
        });
      const field = channel === "orders" ? "account" : "session";
      const target = channel === "orders" ? msg.account : msg.session;
      if (typeof target !== "string" || !new RegExp(ADDRESS).test(target))
        return send(ws, { type: "error", ...errorOf("malformed_field", `${field} must be an address`, field) });
      if (channel !== "orders" && !core.sessions.has(target.toLowerCase()))
        return send(ws, {
          type: "error",
          ...errorOf("unknown_session", `this relay does not serve ${target}`, "session"),
        });
      const key = `${channel}:${target.toLowerCase()}`;
      const mine = subs.get(ws) as Set<string>;
      if (msg.op === "unsubscribe") {
        mine.delete(key);
        return send(ws, { type: "unsubscribed", channel, key: target.toLowerCase() });
      }
      if (!mine.has(key) && mine.size >= limits.maxSubscriptions)
        return send(ws, { type: "error", ...errorOf("too_many_subscriptions", `at most ${limits.maxSubscriptions}`) });
      mine.add(key);
      send(ws, { type: "subscribed", channel, key: target.toLowerCase() });
      if (channel === "book")
        void readBook(core, target, 10).then(
          (books) => send(ws, { type: "book", session: target.toLowerCase(), block: core.head.toString(), books }),
          // the snapshot follows when the store is back (a resync pushes every subscription)
          (e: unknown) => send(ws, { type: "error", ...storeUnavailable(String((e as Error)?.message ?? e)) }),
        );
    });
  });

  // Book snapshots are pushed at most once per burst of changes per session.
  const dirtyBooks = new Set<string>();
  let flushing = false;
  const flushBooks = async () => {
    if (flushing) return;
    flushing = true;
    try {
      while (dirtyBooks.size > 0) {
        const [session] = dirtyBooks;
        dirtyBooks.delete(session);
        const key = `book:${session}`;
        const watchers = [...subs.entries()].filter(([, s]) => s.has(key)).map(([ws]) => ws);
        if (watchers.length === 0) continue;
        const books = await readBook(core, session, 10);
        for (const ws of watchers) send(ws, { type: "book", session, block: core.head.toString(), books });
      }
    } catch {
      // the store is lost: the resync after reconnecting pushes every book again
      dirtyBooks.clear();
    } finally {
      flushing = false;
    }
  };
  /** After the database connection came back: every subscription's state as it is now. */
  const resync = async () => {
    for (const [ws, s] of subs)
      for (const key of s) {
        const [channel, target] = key.split(":");
        if (channel === "book") dirtyBooks.add(target);
        else if (channel === "orders") {
          // the account's most recently changed orders (what a client shows), oldest first
          const rows = await core.store.all<OrderRow>(
            `SELECT * FROM orders WHERE maker = $1 ORDER BY updated_block DESC, created_ms DESC, digest LIMIT ${limits.maxPage}`,
            [target],
          );
          for (const r of rows.reverse()) send(ws, { type: "order", order: orderView(r) });
        }
      }
    await flushBooks();
  };
  if (markets !== undefined)
    marketsWsPush(markets, (key, msg) => {
      for (const [ws, s] of subs) if (s.has(key)) send(ws, msg);
    });
  core.on((e: RelayEvent) => {
    const deliver = (key: string, msg: unknown) => {
      for (const [ws, s] of subs) if (s.has(key)) send(ws, msg);
    };
    if (e.type === "order") {
      const o: OrderView = e.order;
      deliver(`orders:${String(o.order.maker).toLowerCase()}`, { type: "order", order: o });
      dirtyBooks.add(o.session);
      void flushBooks();
    } else if (e.type === "trade") {
      deliver(`trades:${e.trade.session}`, { type: "trade", trade: e.trade });
    } else if (e.type === "resync") {
      resync().catch(() => undefined);
    } else {
      for (const ws of subs.keys()) send(ws, { type: "reorg", ancestor: e.ancestor });
    }
  });
  return wss;
}
