/**
 * The relay's storage: the data set's store layer (sdk/data/store.ts: SQLite through `node:sqlite` by default,
 * PostgreSQL with `--pg`), its shared schema (events, cursor, watched contracts, recorded block hashes: the
 * relay follows the chain with the data set's indexer under the stream "relay"), plus the `orders` table.
 */
import { openStore, type Store } from "../sdk/data/store.js";

/**
 * Order lifecycle states (docs/relay.md). `open`, `partial`, `unfundable` and `waiting` (trading not open yet,
 * or the session paused: a fill would revert) are live; the rest are final unless a reorg undoes them. Only
 * `open` and `partial` orders are in a book.
 */
export const ORDER_STATUSES = [
  "open",
  "partial",
  "filled",
  "cancelled",
  "expired",
  "unfundable",
  "waiting",
  "closed",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const LIVE_STATUSES: readonly OrderStatus[] = ["open", "partial", "unfundable", "waiting"];

/** Seconds since 1970 above which an expiry is stored clamped (BIGINT range; such an order never expires in practice). */
export const EXPIRY_CLAMP = 1n << 62n;

export const RELAY_SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  digest        TEXT   NOT NULL PRIMARY KEY,
  chain_id      BIGINT NOT NULL,
  session       TEXT   NOT NULL,
  maker         TEXT   NOT NULL,
  taker         TEXT   NOT NULL,
  pair          TEXT   NOT NULL,
  side          TEXT   NOT NULL,
  price_wad     TEXT   NOT NULL,
  order_json    TEXT   NOT NULL,
  signature     TEXT   NOT NULL,
  expiry        BIGINT NOT NULL,
  status        TEXT   NOT NULL,
  reason        TEXT   NOT NULL,
  filled_wad    TEXT   NOT NULL,
  created_ms    BIGINT NOT NULL,
  updated_block BIGINT NOT NULL,
  checked_block BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_session ON orders (session, status, created_ms, digest);
CREATE INDEX IF NOT EXISTS orders_by_maker ON orders (maker, session, status);
CREATE INDEX IF NOT EXISTS orders_by_check ON orders (status, checked_block);
CREATE INDEX IF NOT EXISTS orders_by_book ON orders (session, pair, side, status, taker, price_wad);
`;

/** One stored order row. */
export interface OrderRow {
  digest: string;
  chain_id: bigint;
  session: string;
  maker: string;
  taker: string;
  /** "i-j" for a two-leg order with opposite signs, "" otherwise (such an order has no book). */
  pair: string;
  /** "bid" (receives leg i), "ask" (gives leg i), "" without a pair. */
  side: string;
  /** Leg-j raw units per leg-i raw unit, scaled by 1e18, as a decimal string ("" without a pair). */
  price_wad: string;
  /** The signed order, numbers as decimal strings (as in the SDK's order file). */
  order_json: string;
  signature: string;
  expiry: bigint;
  status: OrderStatus;
  reason: string;
  filled_wad: string;
  created_ms: bigint;
  updated_block: bigint;
  checked_block: bigint;
  [k: string]: unknown;
}

/** Opens the store at `url` (a SQLite file, ":memory:", or `postgres://...`) with the relay's tables. */
export async function openRelayStore(url: string): Promise<Store> {
  const store = await openStore(url);
  await store.exec(RELAY_SCHEMA);
  return store;
}

/** A one-at-a-time lock: the store's transactions are per connection, so writers take turns. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
