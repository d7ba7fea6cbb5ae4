/**
 * The relay's view of the bounded markets, derived from the markets contract's events as the shared indexer
 * stores them (sdk/data/indexer.ts, stream "relay"): the resting orders (what each still rests), the trades,
 * the branches of each root (bounds and parent), and the orders this relay submitted. The derived tables are
 * a fold of the `events` table: each event is applied inside the indexer's transaction that stores it, and
 * after a reorg they are rebuilt from the events the rewind kept (`rebuildMarkets`), so they never hold
 * anything from replaced blocks.
 */
import { readEvents, type DecodedEvent } from "../sdk/data/indexer.js";
import type { Store } from "../sdk/data/store.js";
import { splitOrderKey } from "../sdk/markets/verifier.js";

export const MARKETS_SCHEMA = `
CREATE TABLE IF NOT EXISTS market_resting (
  order_key   TEXT   NOT NULL PRIMARY KEY,
  markets     TEXT   NOT NULL,
  root_id     BIGINT NOT NULL,
  branch_id   BIGINT NOT NULL,
  tick        BIGINT NOT NULL,
  is_bid      BIGINT NOT NULL,
  trader      TEXT   NOT NULL,
  digest      TEXT   NOT NULL,
  remaining   BIGINT NOT NULL,
  block_number BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS market_resting_by_root ON market_resting (markets, root_id, remaining);
CREATE INDEX IF NOT EXISTS market_resting_by_digest ON market_resting (digest);
CREATE TABLE IF NOT EXISTS market_trades (
  block_number BIGINT NOT NULL,
  log_index    BIGINT NOT NULL,
  markets      TEXT   NOT NULL,
  root_id      BIGINT NOT NULL,
  branch_id    BIGINT NOT NULL,
  tick         BIGINT NOT NULL,
  quantity     BIGINT NOT NULL,
  taker_is_bid BIGINT NOT NULL,
  maker        TEXT   NOT NULL,
  taker        TEXT   NOT NULL,
  maker_key    TEXT   NOT NULL,
  taker_digest TEXT   NOT NULL,
  tx_hash      TEXT   NOT NULL,
  block_time   BIGINT NOT NULL,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS market_trades_by_root ON market_trades (markets, root_id, block_number, log_index);
CREATE TABLE IF NOT EXISTS market_branches (
  markets   TEXT   NOT NULL,
  root_id   BIGINT NOT NULL,
  branch_id BIGINT NOT NULL,
  parent    BIGINT NOT NULL,
  min_x     TEXT   NOT NULL,
  max_x     TEXT   NOT NULL,
  PRIMARY KEY (markets, root_id, branch_id)
);
CREATE TABLE IF NOT EXISTS market_submissions (
  digest      TEXT   NOT NULL PRIMARY KEY,
  markets     TEXT   NOT NULL,
  root_id     BIGINT NOT NULL,
  trader      TEXT   NOT NULL,
  tx_hash     TEXT   NOT NULL,
  result_json TEXT   NOT NULL,
  created_ms  BIGINT NOT NULL
);
`;

export interface RestingRow {
  order_key: string;
  root_id: bigint;
  branch_id: bigint;
  tick: bigint;
  is_bid: bigint;
  trader: string;
  digest: string;
  remaining: bigint;
  [k: string]: unknown;
}

export interface TradeRow {
  block_number: bigint;
  log_index: bigint;
  root_id: bigint;
  branch_id: bigint;
  tick: bigint;
  quantity: bigint;
  taker_is_bid: bigint;
  maker: string;
  taker: string;
  maker_key: string;
  taker_digest: string;
  tx_hash: string;
  block_time: bigint;
  [k: string]: unknown;
}

const str = (v: unknown): string => String(v);
const lower = (v: unknown): string => String(v).toLowerCase();
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
/** Decimal strings of a uint256 order key; the key packs rootId << 56 | branch << 40 | tick << 32 | index. */
const keyText = (v: unknown): string => BigInt(str(v)).toString();

/**
 * Applies one markets event to the derived tables (inside the indexer's transaction). Returns the root the
 * event touched (undefined for account events), so the caller knows which books changed.
 */
export async function applyMarketEvent(store: Store, e: DecodedEvent): Promise<bigint | undefined> {
  const a = e.args;
  const markets = e.address.toLowerCase();
  switch (e.name) {
    case "RootCreated":
      await store.run(
        `INSERT INTO market_branches (markets, root_id, branch_id, parent, min_x, max_x) VALUES ($1, $2, 1, 0, $3, $4)
         ON CONFLICT DO NOTHING`,
        [markets, BigInt(str(a.rootId)), str(a.min), str(a.max)],
      );
      return BigInt(str(a.rootId));
    case "MarketCreated":
      await store.run(
        `INSERT INTO market_branches (markets, root_id, branch_id, parent, min_x, max_x) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [markets, BigInt(str(a.rootId)), BigInt(str(a.branchId)), BigInt(str(a.parentBranch)), str(a.min), str(a.max)],
      );
      return BigInt(str(a.rootId));
    case "OrderAccepted": {
      // The order's whole size, under the key it would rest at; its own fills and a dropped remainder (later
      // events of the same transaction) bring it down to what rests. A key whose order did not rest is
      // handed to the next order of the level, so the row is replaced (its remaining is 0 by then).
      // The market and price are in the key.
      const q = BigInt(str(a.quantity));
      const key = keyText(a.orderKey);
      const k = splitOrderKey(BigInt(key));
      await store.run(
        `INSERT INTO market_resting (order_key, markets, root_id, branch_id, tick, is_bid, trader, digest, remaining, block_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (order_key) DO UPDATE SET markets = excluded.markets, root_id = excluded.root_id,
           branch_id = excluded.branch_id, tick = excluded.tick, is_bid = excluded.is_bid, trader = excluded.trader,
           digest = excluded.digest, remaining = excluded.remaining, block_number = excluded.block_number`,
        [
          key,
          markets,
          BigInt(str(a.rootId)),
          BigInt(k.branchId),
          BigInt(k.tick),
          q > 0n ? 1n : 0n,
          lower(a.trader),
          lower(a.digest),
          abs(q),
          e.blockNumber,
        ],
      );
      return BigInt(str(a.rootId));
    }
    case "OrderFilled": {
      // The event names the two orders only (maker by key, taker by digest): the trade row takes the market,
      // price, side and both traders from their rows, written by their OrderAccepted events, before the
      // remaining sizes move.
      const q = BigInt(str(a.quantity));
      const makerKey = keyText(a.makerKey);
      const takerDigest = lower(a.takerDigest);
      const [m] = await store.all<{ branch_id: bigint; tick: bigint; is_bid: bigint; trader: string }>(
        "SELECT branch_id, tick, is_bid, trader FROM market_resting WHERE order_key = $1 AND markets = $2",
        [makerKey, markets],
      );
      const [t] = await store.all<{ trader: string }>(
        "SELECT trader FROM market_resting WHERE digest = $1 AND markets = $2",
        [takerDigest, markets],
      );
      // Both orders were accepted earlier in the same stream (the taker in this very transaction), so a missing
      // row means the store missed events: stop rather than record a trade without its parties.
      if (m === undefined || t === undefined)
        throw new Error(
          `markets store: fill in block ${e.blockNumber} (log ${e.logIndex}) names order ${makerKey} and digest ${takerDigest}, but the store has no acceptance for ${m === undefined ? "the maker" : "the taker"}`,
        );
      await store.run(
        `INSERT INTO market_trades (block_number, log_index, markets, root_id, branch_id, tick, quantity, taker_is_bid,
           maker, taker, maker_key, taker_digest, tx_hash, block_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
        [
          e.blockNumber,
          e.logIndex,
          markets,
          BigInt(str(a.rootId)),
          BigInt(m.branch_id),
          BigInt(m.tick),
          q,
          BigInt(m.is_bid) === 1n ? 0n : 1n,
          m.trader,
          t.trader,
          makerKey,
          takerDigest,
          e.txHash,
          e.blockTime,
        ],
      );
      await store.run("UPDATE market_resting SET remaining = remaining - $2 WHERE order_key = $1", [makerKey, q]);
      await store.run("UPDATE market_resting SET remaining = remaining - $2 WHERE digest = $1", [takerDigest, q]);
      return BigInt(str(a.rootId));
    }
    case "OrderReduced": {
      const q = BigInt(str(a.quantity));
      const key = keyText(a.orderKey);
      // A resting order (cancel, self-trade) is named by its key; an incoming remainder by its digest.
      if (key !== "0")
        await store.run("UPDATE market_resting SET remaining = remaining - $2 WHERE order_key = $1", [key, q]);
      else
        await store.run("UPDATE market_resting SET remaining = remaining - $2 WHERE digest = $1", [lower(a.digest), q]);
      return BigInt(str(a.rootId));
    }
    case "BoundsPosted":
    case "RootSettled":
    case "RootVoided":
    case "OutcomeReported":
    case "Redeemed":
      return BigInt(str(a.rootId));
    default:
      return undefined;
  }
}

/**
 * Rebuilds the derived tables of `markets` from the stored events (after a rewind dropped the events of the
 * replaced blocks). The submissions table is kept: it records what this relay sent, which the chain decides.
 */
export async function rebuildMarkets(store: Store, chainId: bigint, markets: string): Promise<void> {
  const m = markets.toLowerCase();
  await store.run("DELETE FROM market_resting WHERE markets = $1", [m]);
  await store.run("DELETE FROM market_trades WHERE markets = $1", [m]);
  await store.run("DELETE FROM market_branches WHERE markets = $1", [m]);
  // the indexer's own reader: this contract's stored events in chain order
  for (const e of await readEvents(store, { chainId, address: m })) await applyMarketEvent(store, e);
}
