/**
 * The relay's HTTP routes and WebSocket channels for the bounded markets (docs/relay.md, "Markets"), on the
 * server of relay/server.ts: the same error shape `{code, message, field}`, the same per-IP limiter, the same
 * per-address counter and fair queue as session orders.
 */
import type { FastifyInstance } from "fastify";

import { errorOf } from "./errors.js";
import type { FairQueue } from "./fair.js";
import type { MarketsEvent, MarketsRelay } from "./marketsCore.js";

const ADDRESS = "^0x[0-9a-fA-F]{40}$";
const ROOT = "^[0-9]{1,20}$";

export interface MarketRouteContext {
  limits: { maxPage: number; maxDepth: number; perMakerMax: number; maxSubscriptions: number };
  /** The per-address submission counter shared with session orders (a trader is a maker there). */
  perAddress: { hit(key: string): boolean };
  /** The fair check queue shared with session orders. */
  fair: FairQueue;
}

/** The JSON schema of a market order file's outer shape; field checks follow in relay/marketsValidate.ts. */
const MARKET_ORDER_BODY = {
  type: "object",
  required: ["type", "chainId", "markets", "signature", "order"],
  properties: {
    type: { type: "string", maxLength: 64 },
    chainId: { type: "string", maxLength: 80 },
    markets: { type: "string", maxLength: 42 },
    digest: { type: "string", maxLength: 66 },
    signature: { type: "string", maxLength: 4098 },
    order: {
      type: "object",
      required: ["rootId", "branchId", "tick", "quantity", "orderType", "expiry", "nonce", "salt", "trader"],
      properties: {
        rootId: { type: "string", maxLength: 80 },
        branchId: { type: "integer" },
        tick: { type: "integer" },
        quantity: { type: "string", maxLength: 80 },
        orderType: { type: "integer" },
        expiry: { type: "string", maxLength: 80 },
        nonce: { type: "string", maxLength: 80 },
        salt: { type: "string", maxLength: 80 },
        trader: { type: "string", maxLength: 42 },
      },
    },
    readable: { type: "object" },
  },
} as const;

const rootParams = { type: "object", properties: { root: { type: "string", pattern: ROOT } } } as const;

export async function registerMarketRoutes(
  app: FastifyInstance,
  markets: MarketsRelay,
  ctx: MarketRouteContext,
): Promise<void> {
  const { limits } = ctx;

  app.get("/markets", async () => ({
    markets: markets.address,
    block: markets.head.toString(),
    roots: [...markets.roots.keys()],
    relayer: markets.relayer === undefined ? null : markets.relayerAddress,
  }));

  app.get<{ Params: { root: string } }>("/markets/:root", { schema: { params: rootParams } }, async (req) =>
    markets.tree(markets.rootOf(req.params.root)),
  );

  app.get<{ Params: { root: string }; Querystring: { branch?: number; depth?: number } }>(
    "/markets/:root/book",
    {
      schema: {
        params: rootParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            branch: { type: "integer", minimum: 1, maximum: 65_535 },
            depth: { type: "integer", minimum: 1, maximum: limits.maxDepth, default: 10 },
          },
        },
      },
    },
    async (req) => {
      const f = markets.rootOf(req.params.root);
      return {
        root: f.rootId.toString(),
        block: markets.head.toString(),
        branches: await markets.book(f.rootId, req.query.depth ?? 10, req.query.branch),
      };
    },
  );

  app.get<{ Params: { root: string }; Querystring: { branch?: number; limit?: number; after?: string } }>(
    "/markets/:root/trades",
    {
      schema: {
        params: rootParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            branch: { type: "integer", minimum: 1, maximum: 65_535 },
            limit: { type: "integer", minimum: 1, maximum: limits.maxPage, default: 50 },
            after: { type: "string", pattern: "^\\d{1,16}:\\d{1,8}$" },
          },
        },
      },
    },
    async (req) => {
      const f = markets.rootOf(req.params.root);
      return markets.trades(f.rootId, req.query.limit ?? 50, req.query.after, req.query.branch);
    },
  );

  app.get<{ Params: { root: string; trader: string } }>(
    "/markets/:root/positions/:trader",
    {
      schema: {
        params: {
          type: "object",
          properties: { root: { type: "string", pattern: ROOT }, trader: { type: "string", pattern: ADDRESS } },
        },
      },
    },
    async (req) => markets.positions(markets.rootOf(req.params.root), req.params.trader),
  );

  app.post<{ Params: { root: string }; Body: unknown }>(
    "/markets/:root/orders",
    {
      schema: { params: rootParams, body: MARKET_ORDER_BODY },
      // Without a relayer nothing is checked: the answer is the same for every body.
      preValidation: async (_req, reply) => {
        if (markets.relayer === undefined)
          return reply
            .status(501)
            .send(
              errorOf(
                "relayer_disabled",
                "this relay submits no market orders: it was started without a relayer account (--relayer names a Hardhat configuration variable holding a private key, or an account index)",
              ),
            );
      },
    },
    async (req, reply) => {
      const trader = (req.body as { order: { trader: string } }).order.trader.toLowerCase();
      if (!ctx.perAddress.hit(trader))
        return reply
          .status(429)
          .send(
            errorOf("rate_limited", `over ${limits.perMakerMax} orders in the window from ${trader}`, "order.trader"),
          );
      const r = await ctx.fair.run(req.ip, () => markets.submit(req.params.root, req.body));
      return reply.status(r.created ? 201 : 200).send({ ...r.result, duplicate: !r.created });
    },
  );
}

/**
 * A WebSocket message naming a `root`: subscribes the connection (its key set `mine`) to the root's `book`
 * or `trades`, answering through `reply`; the first book snapshot follows at once.
 */
export function marketsWsMessage(
  markets: MarketsRelay,
  msg: { op?: unknown; channel?: unknown; root?: unknown },
  mine: Set<string>,
  maxSubscriptions: number,
  reply: (m: unknown) => void,
): void {
  const channel = msg.channel;
  if (channel !== "book" && channel !== "trades")
    return reply({ type: "error", ...errorOf("bad_channel", 'a root\'s channel is "book" or "trades"', "channel") });
  const root = typeof msg.root === "string" || typeof msg.root === "number" ? String(msg.root) : "";
  if (!new RegExp(ROOT).test(root) || !markets.roots.has(BigInt(root).toString()))
    return reply({
      type: "error",
      ...errorOf("unknown_root", `this relay does not serve root ${root} of markets ${markets.address}`, "root"),
    });
  const id = BigInt(root).toString();
  const key = `markets-${channel}:${id}`;
  if (msg.op === "unsubscribe") {
    mine.delete(key);
    return reply({ type: "unsubscribed", channel, root: id });
  }
  if (!mine.has(key) && mine.size >= maxSubscriptions)
    return reply({ type: "error", ...errorOf("too_many_subscriptions", `at most ${maxSubscriptions}`) });
  mine.add(key);
  reply({ type: "subscribed", channel, root: id });
  if (channel === "book")
    void markets
      .book(BigInt(id), 10)
      .then((branches) => reply({ type: "marketBook", root: id, block: markets.head.toString(), branches }));
}

/** Pushes the markets' changes to the subscribed connections: `deliver(key, message)`. */
export function marketsWsPush(markets: MarketsRelay, deliver: (key: string, msg: unknown) => void): void {
  markets.on((e: MarketsEvent) => {
    if (e.type === "book")
      deliver(`markets-book:${e.root}`, {
        type: "marketBook",
        root: e.root,
        block: e.block,
        branches: e.branches,
      });
    else deliver(`markets-trades:${e.trade.root}`, { type: "marketTrade", trade: e.trade });
  });
}
