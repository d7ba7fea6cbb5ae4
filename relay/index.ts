/**
 * The session-order relay (docs/relay.md): `startRelay` opens the store, loads the served sessions, catches
 * up with the chain, then serves HTTP + WebSocket and follows new blocks every `pollMs`.
 */
import type { Provider, Signer } from "ethers";

import { PostgresStore, type Store } from "../sdk/data/store.js";
import { orderView, RelayCore } from "./core.js";
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
  const onError =
    opts.onError ?? ((e: unknown) => process.stderr.write(`relay: ${String((e as Error)?.message ?? e)}\n`));
  const shared = await shareStore(store, core, markets, onError);
  let running: Promise<bigint> | undefined;
  const sync = async (): Promise<bigint> => {
    // one pass at a time; a caller arriving mid-pass waits for it and then runs its own
    while (running !== undefined) await running.catch(() => 0n);
    running = (async () => {
      // the database connection is lost: nothing to read or write until it is back (the store reconnects)
      if (shared?.down === true) return core.head;
      // several processes on one PostgreSQL database: only the lock holder follows the chain
      if (shared !== undefined && !(await shared.follow())) return shared.standby();
      let head = await core.sync();
      if (opts.operator !== undefined) {
        const tried = await operatorPass(core, opts.operator);
        tried.forEach((m) => opts.onMatch?.(m));
        // what the matches changed is read in the same call, so a caller sees the result
        if (tried.some((m) => m.tx !== undefined)) head = await core.sync();
      }
      await shared?.passed(head);
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
      if (shared !== undefined) shared.closing = true;
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

/** Advisory lock key of the chain follower: "RFRY" and the chain id (one follower per chain per database). */
export const FOLLOWER_LOCK = 0x52465259;

/** The channel the processes on one database notify each other on (one per chain). */
export const relayChannel = (chainId: bigint): string => `ringfence_relay_${chainId}`;

/** Largest notification payload sent (PostgreSQL's limit is 8000 bytes). */
const MAX_PAYLOAD = 7000;

interface SharedRelay {
  /** True while this process holds the follower lock. */
  following: boolean;
  /** Set when the relay closes its store: the connection's end is then no loss to report. */
  closing: boolean;
  /** True while the database connection is lost (the store reconnects on its own). */
  readonly down: boolean;
  /** Takes the follower lock when free (the follower died or none ran yet); true when this process follows. */
  follow(): Promise<boolean>;
  /** A stand-by's pass: the head the follower stored, the sessions it found. */
  standby(): Promise<bigint>;
  /** After a follower pass: tells the others the head and the markets' changed books. */
  passed(head: bigint): Promise<void>;
}

/**
 * Several relay processes on one PostgreSQL database (docs/relay.md, "Storage"): every process accepts
 * orders and answers reads from the shared tables; one, the holder of a session-level advisory lock, follows
 * the chain and writes events and statuses; the others stand by and take the lock over when its holder's
 * connection ends (the process died). Every change a subscriber must see is sent with NOTIFY as ids, and each
 * process reads what the ids name from the database and hands it to its own WebSocket subscribers:
 * `o|digest` (an order accepted or changed), `t|block|logIndex` (a `Traded` event), `r|ancestor` (a reorg),
 * `p|head|roots` (a follower pass: the head, and the market roots whose books changed, `*` for all).
 * Undefined on SQLite and PGlite (one process).
 */
async function shareStore(
  store: Store,
  core: RelayCore,
  markets: MarketsRelay | undefined,
  onError: (e: unknown) => void,
): Promise<SharedRelay | undefined> {
  if (!(store instanceof PostgresStore)) return undefined;
  const pg = store.shared();
  if (pg === undefined) return undefined;
  const channel = relayChannel(core.chainId);
  let ownPid = await pg.backendPid();
  // under the writers' lock: a NOTIFY sent on the connection while the follower's transaction is open would
  // wait for its commit, and be lost with a rollback
  const send = (payload: string) => core.lock.run(() => pg.notify(channel, payload)).catch(onError);
  core.publish = (e) => {
    if (e.type === "order") void send(`o|${e.order.digest}`);
    else if (e.type === "trade" && e.logIndex !== undefined) void send(`t|${e.trade.block}|${e.logIndex}`);
    else if (e.type === "reorg") void send(`r|${e.ancestor}`);
  };
  const receive = async (payload: string) => {
    const [kind, a, b] = payload.split("|");
    if (kind === "o") {
      const row = await core.getOrder(a);
      if (row !== undefined) core.deliver({ type: "order", order: orderView(row) });
    } else if (kind === "t") {
      const trade = await core.storedTrade(BigInt(a), BigInt(b));
      if (trade !== undefined && core.sessions.has(trade.session)) core.deliver({ type: "trade", trade });
    } else if (kind === "r") {
      markets?.rewound(BigInt(a));
      core.deliver({ type: "reorg", ancestor: a });
    } else if (kind === "p") {
      const head = BigInt(a);
      core.head = head; // the follower's (lower after a reorg's rewind, too)
      await core.adoptWatched();
      await markets?.followed(head, b === "*" ? undefined : b === "" ? [] : b.split(","));
    }
  };
  // handled one at a time, in the order sent (one sender's notifications arrive in its order)
  let queue = Promise.resolve();
  await pg.listen(channel, (payload, pid) => {
    if (pid === ownPid) return;
    queue = queue.then(() => receive(payload)).catch(onError);
  });
  const shared: SharedRelay = {
    following: false,
    closing: false,
    get down() {
      return pg.down;
    },
    async follow() {
      if (!shared.following)
        shared.following = await pg.tryAdvisoryLock(FOLLOWER_LOCK, Number(core.chainId % 2n ** 31n));
      core.following = shared.following;
      return shared.following;
    },
    async standby() {
      core.head = await core.storedHead();
      await core.adoptWatched();
      return core.head;
    },
    async passed(head) {
      const list = [...(markets?.lastDirty ?? [])].join(",");
      markets?.lastDirty.clear();
      await send(`p|${head}|${list.length > MAX_PAYLOAD ? "*" : list}`);
    },
  };
  // the lock and the listen live on the connection: without it this process neither follows nor hears
  core.following = false;
  pg.onLost((e) => {
    shared.following = false;
    core.following = false;
    if (shared.closing) return;
    core.storeDown = e.message;
    onError(new Error(`the PostgreSQL connection is lost (${e.message}); reconnecting`));
  });
  pg.onRetry((attempt, e, nextMs) => {
    if (!shared.closing)
      onError(new Error(`PostgreSQL reconnection attempt ${attempt} failed (${e.message}); next in ${nextMs} ms`));
  });
  // Back: the channel is listened to again (by the store); the follower lock went with the old connection, so
  // the next pass competes for it again (another process may have taken it). Notifications sent while away
  // are lost: re-read the head, the watched sessions and every served market root, and push each WebSocket
  // subscriber a fresh snapshot of what it subscribed to.
  pg.onRestored(() => {
    shared.following = false;
    core.following = false;
    queue = queue
      .then(async () => {
        ownPid = await pg.backendPid();
        core.head = await core.storedHead();
        await core.adoptWatched();
        await markets?.followed(core.head, undefined);
        core.storeDown = undefined;
        core.deliver({ type: "resync" });
        onError(new Error(`the PostgreSQL connection is back; resynchronised at block ${core.head}`));
      })
      .catch((e) => {
        // the new connection failed as well: its loss starts another round of reconnection
        core.storeDown ??= String((e as Error)?.message ?? e);
        onError(e);
      });
  });
  return shared;
}
