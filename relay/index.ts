/**
 * The session-order relay (docs/relay.md): `startRelay` opens the store, loads the served sessions, catches
 * up with the chain, then serves HTTP + WebSocket and follows new blocks every `pollMs`.
 */
import type { Provider, Signer } from "ethers";

import type { Store } from "../sdk/data/store.js";
import { RelayCore } from "./core.js";
import { startServer, type RelayLimits, type RelayServer } from "./server.js";
import { operatorPass, type MatchAttempt } from "./operator.js";
import { openRelayStore } from "./store.js";
import { MarketsRelay, type MarketsOptions } from "./marketsCore.js";

export { RelayCore } from "./core.js";
export { DEFAULT_LIMITS } from "./server.js";

export interface RelayOptions {
  provider: Provider;
  /** Served sessions. */
  sessions: string[];
  /** Follow this factory and serve every session it creates from `fromBlock` on (relay/core.ts). */
  factory?: string;
  /** A SQLite file (default ":memory:") or a `postgres://` URL; ignored when `store` is given. */
  storeUrl?: string;
  store?: Store;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Milliseconds between chain polls (default 1000; a new block is picked up within one poll). */
  pollMs?: number;
  expiryMarginSec?: number;
  fromBlock?: bigint;
  confirmations?: number;
  limits?: Partial<RelayLimits>;
  /** Origins whose pages may read the relay's answers (`*`: any); default none, same-origin only (relay/cors.ts). */
  corsOrigins?: readonly string[];
  /**
   * The matching operator's account (optional; off by default): after each pass it proposes `matchOrders`
   * for crossing resting orders (relay/operator.ts).
   */
  operator?: Signer;
  /** Hears every match the operator tried (tests, logs). */
  onMatch?: (m: MatchAttempt) => void;
  /**
   * The bounded markets served (optional): the singleton, the roots (default every root), the first block of
   * their history, and the relayer account that submits signed market orders (off without one).
   */
  markets?: MarketsOptions;
  /** Where follower errors go (default: stderr). */
  onError?: (e: unknown) => void;
}

export interface Relay {
  core: RelayCore;
  markets?: MarketsRelay;
  server: RelayServer;
  url: string;
  store: Store;
  /** Runs one follower pass now (tests; the poll loop runs them on its own). */
  sync(): Promise<bigint>;
  /** Stops polling and the server; closes the store if the relay opened it. */
  close(): Promise<void>;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const store = opts.store ?? (await openRelayStore(opts.storeUrl ?? ":memory:"));
  if (opts.store !== undefined) await openRelayStoreOn(store);
  const markets = opts.markets === undefined ? undefined : new MarketsRelay(opts.provider, store, opts.markets);
  await markets?.init(opts.expiryMarginSec ?? 30);
  const core = new RelayCore({
    provider: opts.provider,
    store,
    sessions: opts.sessions,
    expiryMarginSec: opts.expiryMarginSec,
    fromBlock: opts.fromBlock,
    confirmations: opts.confirmations,
    followers: markets === undefined ? [] : [markets],
    factory: opts.factory,
  });
  if (markets !== undefined) markets.lock = core.lock;
  await core.init();
  let running: Promise<bigint> | undefined;
  const sync = async (): Promise<bigint> => {
    // one pass at a time; a caller arriving mid-pass waits for it and then runs its own
    while (running !== undefined) await running.catch(() => 0n);
    running = (async () => {
      let head = await core.sync();
      if (opts.operator !== undefined) {
        const tried = await operatorPass(core, opts.operator);
        tried.forEach((m) => opts.onMatch?.(m));
        // what the matches changed is read in the same call, so a caller sees the result
        if (tried.some((m) => m.tx !== undefined)) head = await core.sync();
      }
      return head;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
  await sync();
  // trades read while catching up are history, not news for subscribers
  await markets?.skipStoredTrades();
  const server = await startServer(core, {
    host: opts.host,
    port: opts.port,
    limits: opts.limits,
    corsOrigins: opts.corsOrigins,
    markets,
  });
  const onError =
    opts.onError ?? ((e: unknown) => process.stderr.write(`relay: ${String((e as Error)?.message ?? e)}\n`));
  let stopped = false;
  const timer = setInterval(() => {
    if (running === undefined && !stopped) sync().catch(onError);
  }, opts.pollMs ?? 1000);
  return {
    core,
    markets,
    server,
    url: server.url,
    store,
    sync,
    async close() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0n);
      await server.close();
      if (opts.store === undefined) await store.close();
    },
  };
}

async function openRelayStoreOn(store: Store): Promise<void> {
  const { SCHEMA } = await import("../sdk/data/store.js");
  const { RELAY_SCHEMA } = await import("./store.js");
  await store.exec(SCHEMA);
  await store.exec(RELAY_SCHEMA);
}
