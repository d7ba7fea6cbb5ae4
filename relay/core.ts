/**
 * The relay's core, without HTTP: accepts an order after every check (relay/validate.ts), stores it, follows
 * the served sessions' events with the data set's indexer (stream "relay": resumable from its cursor after a
 * restart, reorg-safe through sdk/data/reorg.ts), and re-derives each affected order's status from the
 * contracts' views at the head. Listeners hear every status change and trade (the WebSocket layer).
 */
import { Interface, ZeroAddress, type Provider } from "ethers";

import { indexOnce, type ContractKind, type DecodedEvent } from "../sdk/data/indexer.js";
import type { Store } from "../sdk/data/store.js";
import { OrderRejected, pairSide, parseSubmission, type ParsedSubmission } from "../sdk/sessions/validate.js";
import type { SessionOrder } from "../sdk/sessions/orders.js";
import {
  MarginSession__factory,
  SessionCore__factory,
  SessionFactory__factory,
} from "../types/ethers-contracts/index.js";
import {
  admissionShortfall,
  BlockCache,
  CANCELLED,
  filledOf,
  fundingShortfall,
  loadContext,
  nonceFloorOf,
  PROBE_TAKER,
  sessionOver,
  sessionState,
  WAD,
  type SessionContext,
  type SessionState,
} from "./chain.js";
import { EXPIRY_CLAMP, LIVE_STATUSES, Mutex, type OrderRow, type OrderStatus } from "./store.js";
import { checkSubmission } from "./validate.js";

export const RELAY_STREAM = "relay";

export interface RelayCoreOptions {
  provider: Provider;
  store: Store;
  /** Sessions served (addresses). */
  sessions: string[];
  /** Seconds: an order expiring within this margin of chain time is refused (default 30). */
  expiryMarginSec?: number;
  /** Block the relay starts following from on a fresh store (default: the head at start). */
  fromBlock?: bigint;
  /** Confirmation depth of the event follower (default 0: state is read from views at the head; see docs/relay.md). */
  confirmations?: number;
  /** Live orders re-checked per pass besides those events point at (rotating; default 200). */
  recheckPerPass?: number;
  /**
   * The session factory to follow (optional): every session it creates from `fromBlock` on is served from
   * the block of its `SessionCreated` event (read by the same reorg-safe follower; a reorg that drops that
   * block drops the session again). Sessions created before are named in `sessions`.
   */
  factory?: string;
  /** Other contract families followed in the same pass and stream (the markets: relay/marketsCore.ts). */
  followers?: Follower[];
}

/**
 * Another contract family the relay follows with the same indexer pass, stream and store (so one cursor,
 * one reorg check and one rewind cover everything): its contracts' kinds and seeds, and hooks.
 */
export interface Follower {
  kinds: ContractKind[];
  /** Contracts to watch and the block each is read from on a fresh stream. */
  seeds(): Array<{ address: string; kind: string; fromBlock: bigint }>;
  /** Each new event of one of its kinds, inside the indexer's transaction (must not take the core's lock). */
  onEvent(e: DecodedEvent): Promise<void>;
  /** After a reorg, inside the rewind's transaction (the events above `ancestor` are gone already). */
  onRewind(ancestor: bigint): Promise<void>;
  /** After each pass, outside the lock: push what changed (`rewoundTo` set when the pass rewound). */
  afterPass(head: bigint, rewoundTo: bigint | undefined): Promise<void>;
}

/** An order as the API shows it. */
export interface OrderView {
  digest: string;
  chainId: string;
  session: string;
  status: OrderStatus;
  reason: string;
  filledWad: string;
  pair: string | null;
  side: string | null;
  priceWad: string | null;
  order: Record<string, unknown>;
  signature: string;
  createdAt: string;
  updatedBlock: string;
}

export interface TradeView {
  session: string;
  digest: string;
  maker: string;
  taker: string;
  filledAfterWad: string;
  block: string;
  tx: string;
}

export type RelayEvent =
  | { type: "order"; order: OrderView }
  /** `logIndex`: the `Traded` event's position in its block (names it to other processes; not sent to clients). */
  | { type: "trade"; trade: TradeView; logIndex?: string }
  | { type: "reorg"; ancestor: string }
  /** The database connection came back after a loss (relay/index.ts): subscribers get fresh snapshots. */
  | { type: "resync" };

const SESSION_IFACE = new Interface([...SessionCore__factory.abi, ...MarginSession__factory.abi]);
const FACTORY_IFACE = new Interface(SessionFactory__factory.abi);

export function orderView(r: OrderRow): OrderView {
  return {
    digest: r.digest,
    chainId: r.chain_id.toString(),
    session: r.session,
    status: r.status,
    reason: r.reason,
    filledWad: r.filled_wad,
    pair: r.pair === "" ? null : r.pair,
    side: r.side === "" ? null : r.side,
    priceWad: r.price_wad === "" ? null : r.price_wad,
    order: JSON.parse(r.order_json) as Record<string, unknown>,
    signature: r.signature,
    createdAt: new Date(Number(r.created_ms)).toISOString(),
    updatedBlock: r.updated_block.toString(),
  };
}

/** A `Traded` event as subscribers see it. */
export function tradeFromEvent(session: string, a: Record<string, unknown>, block: bigint, tx: string): TradeView {
  return {
    session,
    digest: String(a.digest).toLowerCase(),
    maker: String(a.maker),
    taker: String(a.taker),
    filledAfterWad: String(a.filledAfterWad),
    block: block.toString(),
    tx,
  };
}

export function orderFromRow(r: OrderRow): SessionOrder {
  const o = JSON.parse(r.order_json) as Record<string, string | string[]>;
  return {
    maker: String(o.maker),
    taker: String(o.taker),
    legs: BigInt(String(o.legs)),
    amounts: (o.amounts as string[]).map((a) => BigInt(a)),
    maxFeeBps: BigInt(String(o.maxFeeBps)),
    expiry: BigInt(String(o.expiry)),
    nonce: BigInt(String(o.nonce)),
    salt: BigInt(String(o.salt)),
  };
}

export class RelayCore {
  readonly provider: Provider;
  readonly store: Store;
  readonly lock = new Mutex();
  readonly expiryMarginSec: number;
  chainId = 0n;
  /** Served sessions by lower-case address. */
  readonly sessions = new Map<string, SessionContext>();
  private listeners = new Set<(e: RelayEvent) => void>();
  private readonly opts: RelayCoreOptions;
  private fromBlock = 0n;
  private stateCache = new Map<string, { head: string; st: SessionState }>();
  /** A maker's nonce floor, allocation and admission, read once per block (relay/chain.ts). */
  readonly blockCache = new BlockCache();
  /** Sessions found through the factory's `SessionCreated`, by lower-case address: the block of that event. */
  private readonly discovered = new Map<string, bigint>();
  /** Last block a pass read (the relay's own view of the head). */
  head = -1n;
  /**
   * True when this process follows the chain (writes events and statuses); false for a stand-by process on a
   * PostgreSQL database another process follows (relay/index.ts).
   */
  following = true;

  /** Set (the reason) while the database connection is lost: the HTTP front answers 503 `store_unavailable`. */
  storeDown: string | undefined;
  /**
   * Hears the time of each step of accepting an order (bench/relay.ts profiles with it); unset, the steps
   * are not timed.
   */
  timer?: (step: string, ms: number) => void;

  constructor(opts: RelayCoreOptions) {
    this.opts = opts;
    this.provider = opts.provider;
    this.store = opts.store;
    this.expiryMarginSec = opts.expiryMarginSec ?? 30;
  }

  async init(): Promise<void> {
    this.chainId = (await this.provider.getNetwork()).chainId;
    for (const s of this.opts.sessions) {
      const ctx = await loadContext(this.provider, s);
      this.sessions.set(ctx.address.toLowerCase(), ctx);
    }
    this.fromBlock = this.opts.fromBlock ?? BigInt(await this.provider.getBlockNumber());
    if (this.opts.factory !== undefined) {
      // sessions a previous run found through the factory (the follower's watched list, in this store)
      const found = await this.store.all<{ address: string; from_block: bigint }>(
        "SELECT address, from_block FROM watched WHERE chain_id = $1 AND contract_kind = 'session'",
        [this.chainId],
      );
      for (const w of found) if (!this.sessions.has(w.address)) await this.serve(w.address, w.from_block);
    }
  }

  /**
   * A process that does not follow the chain (another one on the same PostgreSQL database does: relay/index.ts)
   * serves the sessions the follower found through the factory: those in the watched list, and no longer
   * those a reorg dropped from it.
   */
  async adoptWatched(): Promise<void> {
    if (this.opts.factory === undefined) return;
    const found = await this.store.all<{ address: string; from_block: bigint }>(
      "SELECT address, from_block FROM watched WHERE chain_id = $1 AND contract_kind = 'session'",
      [this.chainId],
    );
    const now = new Set(found.map((w) => w.address.toLowerCase()));
    for (const w of found) if (!this.sessions.has(w.address.toLowerCase())) await this.serve(w.address, w.from_block);
    for (const address of [...this.discovered.keys()])
      if (!now.has(address)) {
        this.discovered.delete(address);
        this.sessions.delete(address);
      }
  }

  /** The block the stream's cursor stands at (what the follower, in whichever process, has read to). */
  async storedHead(): Promise<bigint> {
    const rows = await this.store.all<{ block_number: bigint }>(
      "SELECT block_number FROM cursor WHERE chain_id = $1 AND stream = $2",
      [this.chainId, RELAY_STREAM],
    );
    return rows[0]?.block_number ?? -1n;
  }

  /** A `Traded` event stored by the follower (read back for a notification from another process). */
  async storedTrade(block: bigint, logIndex: bigint): Promise<TradeView | undefined> {
    const rows = await this.store.all<{ address: string; name: string; args: string; tx_hash: string }>(
      "SELECT address, name, args, tx_hash FROM events WHERE chain_id = $1 AND block_number = $2 AND log_index = $3",
      [this.chainId, block, logIndex],
    );
    const r = rows[0];
    if (r === undefined || r.name !== "Traded") return undefined;
    return tradeFromEvent(r.address.toLowerCase(), JSON.parse(r.args) as Record<string, unknown>, block, r.tx_hash);
  }

  /** Starts serving a session the factory created in block `block`. */
  private async serve(address: string, block: bigint): Promise<void> {
    const ctx = await loadContext(this.provider, address);
    this.sessions.set(ctx.address.toLowerCase(), ctx);
    this.discovered.set(ctx.address.toLowerCase(), block);
  }

  on(fn: (e: RelayEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Hears every event this process emits (relay/index.ts: NOTIFY to the other processes on one PostgreSQL
   * database); events received from them are delivered with {@link deliver} and not published again.
   */
  publish?: (e: RelayEvent) => void;

  /** Hands `e` to every listener (the WebSocket layer), then to {@link publish}. */
  emit(e: RelayEvent): void {
    this.deliver(e);
    this.publish?.(e);
  }

  /** Hands `e` to this process's listeners only; a listener that throws is skipped. */
  deliver(e: RelayEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure is its own (a closed socket); the relay goes on
      }
    }
  }

  /** Session state at the current head, read once per block per session. */
  async state(ctx: SessionContext): Promise<SessionState> {
    // keyed by the head's hash, not its number: after a reorg the same number can be another block
    const head = (await this.provider.getBlock("latest"))?.hash ?? "";
    this.blockCache.at(head);
    const hit = this.stateCache.get(ctx.address);
    if (hit !== undefined && hit.head === head) return hit.st;
    const st = await sessionState(this.provider, ctx);
    this.stateCache.set(ctx.address, { head, st });
    return st;
  }

  /** Runs `fn` as the step `step` of accepting an order: timed when a {@link timer} listens. */
  async timed<T>(step: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.timer === undefined) return fn();
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.timer(step, performance.now() - t0);
    }
  }

  /**
   * The account a cash or margin funding simulation fills from: the order's private taker (the only one
   * that may fill it); else, in a curated session, another maker of the session the contract admits now
   * (the contract checks both parties' admission before the margin rule); else {@link PROBE_TAKER}, which
   * the simulation admits to a curated session by a state override of that call alone (relay/chain.ts
   * `admissionOverride`), so the first maker of a curated session has its margin checked too (docs/relay.md).
   */
  async fundingProbe(ctx: SessionContext, order: SessionOrder): Promise<string> {
    const maker = order.maker.toLowerCase();
    if (order.taker !== ZeroAddress && order.taker.toLowerCase() !== maker) return order.taker;
    if (ctx.info.kind === "physical" || ctx.info.participation === "open") return PROBE_TAKER;
    const others = await this.store.all<{ maker: string }>(
      "SELECT DISTINCT maker FROM orders WHERE session = $1 AND maker <> $2 AND maker <> $3 LIMIT 8",
      [ctx.address.toLowerCase(), maker, ctx.info.feeRecipient.toLowerCase()],
    );
    for (const o of others)
      if ((await admissionShortfall(this.provider, ctx, o.maker, this.blockCache)) === undefined) return o.maker;
    return PROBE_TAKER;
  }

  async getOrder(digest: string): Promise<OrderRow | undefined> {
    const rows = await this.store.all<OrderRow>("SELECT * FROM orders WHERE digest = $1", [digest.toLowerCase()]);
    return rows[0];
  }

  /**
   * The digest of another live order of `order.maker` in `session` with the same salt, if any. The order itself
   * (`digest`) does not count: another process may have stored it a moment ago, and that is a duplicate.
   */
  private async liveOrderWithSalt(session: string, order: SessionOrder, digest: string): Promise<string | undefined> {
    const rows = await this.store.all<Pick<OrderRow, "digest" | "order_json">>(
      `SELECT digest, order_json FROM orders WHERE maker = $1 AND session = $2 AND digest <> $3 AND status IN (${LIVE_STATUSES.map((_, i) => `$${i + 4}`).join(", ")})`,
      [order.maker.toLowerCase(), session.toLowerCase(), digest.toLowerCase(), ...LIVE_STATUSES],
    );
    const salt = order.salt.toString();
    return rows.find((r) => (JSON.parse(r.order_json) as { salt: string }).salt === salt)?.digest;
  }

  /**
   * Accepts a submitted order: shape (sdk/sessions/validate.ts), then the session, chain and order checks
   * against the chain (relay/validate.ts). A duplicate answers the stored order (`created: false`).
   * Throws {@link OrderRejected} for anything invalid; nothing invalid is stored.
   */
  async submit(pathSession: string, raw: unknown): Promise<{ created: boolean; order: OrderView }> {
    const p: ParsedSubmission = await this.timed("shape and digest", () => parseSubmission(raw));
    const ctx = this.sessions.get(pathSession.toLowerCase());
    if (p.session.toLowerCase() !== pathSession.toLowerCase())
      throw new OrderRejected({
        code: "wrong_session",
        field: "session",
        message: `the order is signed for session ${p.session} but was posted to ${pathSession}`,
      });
    if (ctx === undefined)
      throw new OrderRejected(
        { code: "unknown_session", field: "session", message: `this relay does not serve session ${pathSession}` },
        404,
      );
    const existing = await this.timed("store: duplicate lookup", () => this.getOrder(p.digest));
    if (existing !== undefined) return { created: false, order: orderView(existing) };
    const st = await this.timed("chain: head and session state", () => this.state(ctx));
    const checked = await checkSubmission(this, ctx, st, p);
    // after the signature check: only the maker can sign a clash, and a forgery is told it is one
    const clash = await this.timed("store: salt lookup", () => this.liveOrderWithSalt(ctx.address, p.order, p.digest));
    if (clash !== undefined)
      throw new OrderRejected(
        {
          code: "salt_in_use",
          field: "order.salt",
          message: `the maker's live order ${clash} already uses salt ${p.order.salt}: orders of one maker with one salt share a single fill record on chain (together they fill at most one order), so this relay keeps one of them; sign again with another salt`,
        },
        409,
      );
    const ps = pairSide(p.order);
    const waiting = waitingReason(ctx, st);
    const row: OrderRow = {
      digest: p.digest,
      chain_id: p.chainId,
      session: ctx.address.toLowerCase(),
      maker: p.order.maker.toLowerCase(),
      taker: p.order.taker.toLowerCase(),
      pair: ps?.pair ?? "",
      side: ps?.side ?? "",
      price_wad: ps?.priceWad.toString() ?? "",
      order_json: JSON.stringify({
        maker: p.order.maker,
        taker: p.order.taker,
        legs: p.order.legs.toString(),
        amounts: p.order.amounts.map((a) => a.toString()),
        maxFeeBps: p.order.maxFeeBps.toString(),
        expiry: p.order.expiry.toString(),
        nonce: p.order.nonce.toString(),
        salt: p.order.salt.toString(),
      }),
      signature: p.signature,
      expiry: p.order.expiry > EXPIRY_CLAMP ? EXPIRY_CLAMP : p.order.expiry,
      status: waiting !== undefined ? "waiting" : checked.filledWad > 0n ? "partial" : "open",
      reason: waiting ?? "",
      filled_wad: checked.filledWad.toString(),
      created_ms: BigInt(Date.now()),
      updated_block: checked.block,
      checked_block: checked.block,
    };
    const created = await this.timed("store: insert", () =>
      this.lock.run(async () => {
        // several processes may accept the same order at once (one PostgreSQL database): the primary key
        // decides, and only the one whose row landed announces it
        const landed = await this.store.all(
          `INSERT INTO orders (digest, chain_id, session, maker, taker, pair, side, price_wad, order_json, signature, expiry,
           status, reason, filled_wad, created_ms, updated_block, checked_block)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT DO NOTHING RETURNING digest`,
          [
            row.digest,
            row.chain_id,
            row.session,
            row.maker,
            row.taker,
            row.pair,
            row.side,
            row.price_wad,
            row.order_json,
            row.signature,
            row.expiry,
            row.status,
            row.reason,
            row.filled_wad,
            row.created_ms,
            row.updated_block,
            row.checked_block,
          ],
        );
        return landed.length > 0;
      }),
    );
    const stored = (await this.timed("store: read back", () => this.getOrder(p.digest))) as OrderRow;
    if (created) this.emit({ type: "order", order: orderView(stored) });
    return { created, order: orderView(stored) };
  }

  /**
   * One pass of the chain follower: reads new events (reorg check first), then re-derives the status of
   * every order an event points at (its digest, or its maker's funding or nonce floor), of every live order
   * past its expiry, and of a rotating slice of the other live orders. Returns the block it read up to.
   */
  async sync(): Promise<bigint> {
    const digests = new Set<string>();
    const makers = new Set<string>(); // "session|maker"
    const sessionsTouched = new Set<string>();
    const trades: Array<{ trade: TradeView; logIndex: string }> = [];
    let rewoundTo: bigint | undefined;
    const followers = this.opts.followers ?? [];
    const followerOf = new Map(followers.flatMap((f) => f.kinds.map((k) => [k.kind, f] as const)));
    const created: Array<{ address: string; block: bigint }> = [];
    const onEvent = async (e: DecodedEvent) => {
      if (e.kind === "factory") return; // SessionCreated: handled by `discover`
      const other = followerOf.get(e.kind);
      if (other !== undefined) return other.onEvent(e);
      const a = e.args;
      const session = e.address.toLowerCase();
      const acct = (v: unknown) => makers.add(`${session}|${String(v).toLowerCase()}`);
      switch (e.name) {
        case "Traded":
          digests.add(String(a.digest).toLowerCase());
          acct(a.maker);
          acct(a.taker);
          trades.push({ trade: tradeFromEvent(session, a, e.blockNumber, e.txHash), logIndex: e.logIndex.toString() });
          break;
        case "Matched":
          digests.add(String(a.digestA).toLowerCase());
          digests.add(String(a.digestB).toLowerCase());
          break;
        case "OrderCancelled":
          digests.add(String(a.orderDigest).toLowerCase());
          break;
        case "NonceFloorRaised":
        case "Subscribed":
        case "Redeemed":
        case "Claimed":
        case "DividendAccrued":
          acct(a.maker ?? a.account);
          break;
        default:
          // settlement, fallback, margin actions, liquidations: every order of the session
          sessionsTouched.add(session);
      }
    };
    const head = await this.lock.run(async () =>
      indexOnce({
        provider: this.provider,
        store: this.store,
        kinds: [
          { kind: "session", iface: SESSION_IFACE },
          { kind: "factory", iface: FACTORY_IFACE },
          ...followers.flatMap((f) => f.kinds),
        ],
        seeds: [
          // the named sessions; discovered ones are in the watched list from their creation block
          ...[...this.sessions.values()]
            .filter((s) => !this.discovered.has(s.address.toLowerCase()))
            .map((s) => ({ address: s.address, kind: "session", fromBlock: this.fromBlock })),
          ...(this.opts.factory === undefined
            ? []
            : [{ address: this.opts.factory, kind: "factory", fromBlock: this.fromBlock }]),
          ...followers.flatMap((f) => f.seeds()),
        ],
        discover: (e) => {
          if (e.kind !== "factory" || e.name !== "SessionCreated") return [];
          created.push({ address: String(e.args.session).toLowerCase(), block: e.blockNumber });
          return [{ address: String(e.args.session), kind: "session" }];
        },
        stream: RELAY_STREAM,
        confirmations: this.opts.confirmations ?? 0,
        onEvent,
        onRewind: async (ancestor) => {
          rewoundTo = ancestor;
          for (const f of followers) await f.onRewind(ancestor);
          // a session created in a replaced block is not served any more (found again if re-created)
          for (const [address, block] of this.discovered)
            if (block > ancestor) {
              this.discovered.delete(address);
              this.sessions.delete(address);
            }
          for (let i = created.length - 1; i >= 0; i--) if (created[i].block > ancestor) created.splice(i, 1);
        },
      }),
    );
    for (const c of created) if (!this.sessions.has(c.address)) await this.serve(c.address, c.block);
    this.head = head;
    for (const f of followers) await f.afterPass(head, rewoundTo);
    if (rewoundTo !== undefined) this.emit({ type: "reorg", ancestor: rewoundTo.toString() });
    for (const t of trades) this.emit({ type: "trade", trade: t.trade, logIndex: t.logIndex });

    // Which orders to look at again (each query bounded).
    const picked = new Map<string, OrderRow>();
    const add = (rows: OrderRow[]) => rows.forEach((r) => picked.set(r.digest, r));
    const LIMIT = 1000;
    for (const d of digests) add(await this.store.all<OrderRow>("SELECT * FROM orders WHERE digest = $1", [d]));
    const live = LIVE_STATUSES.map((s) => `'${s}'`).join(", ");
    for (const m of makers) {
      const [session, maker] = m.split("|");
      add(
        await this.store.all<OrderRow>(
          `SELECT * FROM orders WHERE session = $1 AND maker = $2 AND status IN (${live}) LIMIT ${LIMIT}`,
          [session, maker],
        ),
      );
    }
    for (const s of sessionsTouched)
      add(
        await this.store.all<OrderRow>(
          `SELECT * FROM orders WHERE session = $1 AND status IN (${live}) LIMIT ${LIMIT}`,
          [s],
        ),
      );
    if (rewoundTo !== undefined) {
      // A reorg can undo a fill or a cancel: every order changed above the ancestor is looked at again.
      add(
        await this.store.all<OrderRow>(
          `SELECT * FROM orders WHERE updated_block > $1 AND status NOT IN ('expired') ORDER BY updated_block DESC LIMIT ${LIMIT * 5}`,
          [rewoundTo],
        ),
      );
    }
    // waiting orders of a session that trades now (t1 passed, or unpaused): no event marks t1
    for (const w of await this.store.all<{ session: string }>(
      "SELECT DISTINCT session FROM orders WHERE status = 'waiting' LIMIT 100",
    )) {
      const ctx = this.sessions.get(w.session);
      if (ctx !== undefined && waitingReason(ctx, await this.state(ctx)) === undefined)
        add(
          await this.store.all<OrderRow>(
            `SELECT * FROM orders WHERE session = $1 AND status = 'waiting' LIMIT ${LIMIT}`,
            [w.session],
          ),
        );
    }
    const now = BigInt((await this.provider.getBlock(head))?.timestamp ?? 0);
    add(
      await this.store.all<OrderRow>(`SELECT * FROM orders WHERE status IN (${live}) AND expiry <= $1 LIMIT ${LIMIT}`, [
        now,
      ]),
    );
    add(
      await this.store.all<OrderRow>(
        `SELECT * FROM orders WHERE status IN (${live}) AND checked_block < $1 ORDER BY checked_block LIMIT ${this.opts.recheckPerPass ?? 200}`,
        [head],
      ),
    );
    for (const r of picked.values()) await this.refresh(r, head);
    return head;
  }

  /** Re-derives one order's status from the chain at the head; writes and announces it when it changed. */
  async refresh(r: OrderRow, head: bigint): Promise<OrderRow> {
    const ctx = this.sessions.get(r.session);
    if (ctx === undefined) return r;
    const st = await this.state(ctx);
    const order = orderFromRow(r);
    const filled = await filledOf(this.provider, ctx.address, order);
    let status: OrderStatus;
    let reason = "";
    let filledWad = filled === CANCELLED ? BigInt(r.filled_wad) : filled;
    if (filled === CANCELLED) {
      status = "cancelled";
      reason = "cancelled on chain (OrderCancelled)";
    } else if (filled >= WAD) {
      status = "filled";
      filledWad = WAD;
    } else if (order.nonce < (await nonceFloorOf(this.provider, ctx.address, order.maker, this.blockCache))) {
      status = "cancelled";
      reason = "below the maker's nonce floor (NonceFloorRaised)";
    } else if (order.expiry <= st.now) {
      status = "expired";
      reason = `expired at ${order.expiry} (chain time ${st.now})`;
    } else if (sessionOver(ctx, st)) {
      status = "closed";
      reason = st.status !== 0 ? "the session is final" : "trading ended at t2";
    } else {
      // a curated session's maker can lose its admission (RoleRevoked); the order then cannot fill, and that
      // outlasts a pause or the wait for t1, so it is said first
      const notAdmitted = await admissionShortfall(this.provider, ctx, order.maker, this.blockCache);
      const waiting = notAdmitted === undefined ? waitingReason(ctx, st) : undefined;
      const short =
        notAdmitted ??
        waiting ??
        (await fundingShortfall(
          this.provider,
          ctx,
          st,
          order,
          r.signature,
          filled,
          this.blockCache,
          await this.fundingProbe(ctx, order),
        ));
      if (waiting !== undefined) {
        status = "waiting";
        reason = waiting;
      } else if (short !== undefined) {
        status = "unfundable";
        reason = short;
      } else status = filled > 0n ? "partial" : "open";
    }
    const changed = status !== r.status || filledWad.toString() !== r.filled_wad || reason !== r.reason;
    await this.lock.run(async () => {
      if (changed)
        await this.store.run(
          "UPDATE orders SET status = $2, reason = $3, filled_wad = $4, updated_block = $5, checked_block = $5 WHERE digest = $1",
          [r.digest, status, reason, filledWad.toString(), head],
        );
      else await this.store.run("UPDATE orders SET checked_block = $2 WHERE digest = $1", [r.digest, head]);
    });
    const next: OrderRow = { ...r, status, reason, filled_wad: filledWad.toString(), checked_block: head };
    if (changed) {
      next.updated_block = head;
      this.emit({ type: "order", order: orderView(next) });
    }
    return next;
  }
}

/**
 * Why a live order of the session cannot fill yet although nothing about the order is wrong, or undefined when
 * the session trades now: before t1 and while the guardian has paused the session, every fill reverts
 * (`TradingClosed`, `EnforcedPause`), so the order stays out of the book (status `waiting`) until it can.
 */
export function waitingReason(ctx: SessionContext, st: SessionState): string | undefined {
  if (st.paused) return "the session is paused by its guardian: fills revert until it is unpaused";
  if (st.now < ctx.info.t1) return `trading opens at t1 (${ctx.info.t1}; chain time ${st.now})`;
  return undefined;
}
