/**
 * Reorg safety shared by every chain follower (the data set's indexer, the order relay): a record of block
 * hashes per stream, the search for the newest block the store and the chain still agree on, and the
 * default confirmation depth per network.
 *
 * The rule: a follower records the hash of every block it took rows from and of the block it stopped at.
 * Block hashes chain (each names its parent), so if the chain still holds a recorded block, every block
 * under it is unchanged too. On each run the follower walks its recorded hashes from the newest down; the
 * first that the chain still holds is the common ancestor, and every row above it is dropped and read again.
 * A sparse record is enough for that (only blocks with rows can carry stale rows); no recorded hash matching
 * means the whole stream is read again from its start.
 */
import type { Provider } from "ethers";

import type { Store } from "./store.js";

/** Chain ids of local development chains (Hardhat's in-process network, `hardhat node`, Anvil/Ganache's 1337). */
const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);

/** Confirmation depth on public networks when none is given: 12 blocks (about 2.4 minutes on Ethereum). */
export const PUBLIC_CONFIRMATIONS = 12;

/**
 * The default confirmation depth of `chainId`: 0 on a local chain (blocks are final when mined; a reorg
 * there is only a test's `evm_revert`, which the hash check catches), {@link PUBLIC_CONFIRMATIONS} elsewhere.
 */
export function defaultConfirmations(chainId: bigint): number {
  return LOCAL_CHAIN_IDS.has(chainId) ? 0 : PUBLIC_CONFIRMATIONS;
}

/** Non-row block hashes kept below the cursor (older ones are pruned; blocks with rows are always kept). */
export const KEPT_CURSOR_HASHES = 256n;

/** Records that `stream` read block `n` with hash `hash` (`withRows`: rows of that block are stored). */
export async function recordBlock(
  store: Store,
  chainId: bigint,
  stream: string,
  n: bigint,
  hash: string,
  withRows: boolean,
): Promise<void> {
  await store.run(
    `INSERT INTO block_hashes (chain_id, stream, block_number, block_hash, with_rows) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (chain_id, stream, block_number) DO UPDATE SET block_hash = excluded.block_hash,
       with_rows = CASE WHEN block_hashes.with_rows = 1 THEN 1 ELSE excluded.with_rows END`,
    [chainId, stream, n, hash, withRows ? 1n : 0n],
  );
}

/** Drops the record of blocks without rows that lie more than {@link KEPT_CURSOR_HASHES} under `cursor`. */
export async function pruneBlocks(store: Store, chainId: bigint, stream: string, cursor: bigint): Promise<void> {
  await store.run(
    "DELETE FROM block_hashes WHERE chain_id = $1 AND stream = $2 AND with_rows = 0 AND block_number < $3",
    [chainId, stream, cursor - KEPT_CURSOR_HASHES],
  );
}

/** Forgets every recorded block of `stream` above `ancestor`. */
export async function forgetBlocksAbove(
  store: Store,
  chainId: bigint,
  stream: string,
  ancestor: bigint,
): Promise<void> {
  await store.run("DELETE FROM block_hashes WHERE chain_id = $1 AND stream = $2 AND block_number > $3", [
    chainId,
    stream,
    ancestor,
  ]);
}

/** What {@link findCommonAncestor} found. */
export interface AncestorCheck {
  /** The newest recorded block the chain still holds with the same hash; -1 when none (read from the start). */
  ancestor: bigint;
  /** The newest recorded block (-1 when nothing is recorded yet). */
  newest: bigint;
  /** True when some recorded block above `ancestor` was replaced or is gone: rows above it must be dropped. */
  reorged: boolean;
}

/**
 * Walks the recorded hashes of `stream` from the newest down to the first block the chain still holds with
 * the same hash. Reads the chain once per recorded block it passes, so a reorg of depth d costs about d
 * look-ups (blocks with rows and the last {@link KEPT_CURSOR_HASHES} cursor blocks are recorded).
 */
export async function findCommonAncestor(
  store: Store,
  provider: Provider,
  chainId: bigint,
  stream: string,
): Promise<AncestorCheck> {
  const pageSize = 64;
  let below: bigint | undefined;
  let newest = -1n;
  for (;;) {
    const params: unknown[] = [chainId, stream];
    let cond = "";
    if (below !== undefined) {
      params.push(below);
      cond = "AND block_number < $3";
    }
    const rows = await store.all<{ block_number: bigint; block_hash: string }>(
      `SELECT block_number, block_hash FROM block_hashes WHERE chain_id = $1 AND stream = $2 ${cond}
       ORDER BY block_number DESC LIMIT ${pageSize}`,
      params,
    );
    if (rows.length === 0) return { ancestor: -1n, newest, reorged: newest >= 0n };
    if (newest < 0n) newest = rows[0].block_number;
    for (const r of rows) {
      const onChain = await provider.getBlock(r.block_number);
      if (onChain !== null && onChain.hash === r.block_hash) {
        return { ancestor: r.block_number, newest, reorged: r.block_number !== newest };
      }
    }
    below = rows[rows.length - 1].block_number;
  }
}

/** Thrown when the chain changed under a read (the block it stopped at was replaced mid-read); run again. */
export class ChainMovedError extends Error {
  constructor(
    readonly block: bigint,
    readonly expected: string,
    readonly found: string | undefined,
  ) {
    super(
      `block ${block} changed while it was being read (hash ${expected} became ${found ?? "missing"}): a reorganisation is under way; run again`,
    );
    this.name = "ChainMovedError";
  }
}
