/**
 * Reads the events of a deployment into the data set. Resumable (a cursor per chain), reorg-safe (only
 * blocks at least `confirmations` deep are read; the hash of every block rows came from and of the cursor
 * block is recorded, re-checked on every run, and everything above the newest block the chain still holds
 * is dropped and read again: sdk/data/reorg.ts), and discovering (a watched contract's
 * event can add new contracts to watch, e.g. a factory announcing a session).
 */
import type { Interface, Log, Provider } from "ethers";

import {
  ChainMovedError,
  defaultConfirmations,
  findCommonAncestor,
  forgetBlocksAbove,
  pruneBlocks,
  recordBlock,
} from "./reorg.js";
import type { Store } from "./store.js";

export interface ContractKind {
  /** Kind name stored with each event (e.g. "factory", "session", "markets"). */
  kind: string;
  iface: Interface;
}

export interface DecodedEvent {
  chainId: bigint;
  blockNumber: bigint;
  blockHash: string;
  blockTime: bigint;
  txHash: string;
  logIndex: bigint;
  address: string;
  kind: string;
  name: string;
  args: Record<string, unknown>;
}

export interface IndexerOptions {
  provider: Provider;
  store: Store;
  kinds: ContractKind[];
  /** Contracts to watch from the start: address, kind and the block to start from. */
  seeds: Array<{ address: string; kind: string; fromBlock: bigint }>;
  /**
   * Blocks a log must be under before it is read; default {@link defaultConfirmations} of the chain (0 on a
   * local chain, 12 on public networks).
   */
  confirmations?: number;
  /** Name of the cursor and of the recorded block hashes (default "events"). */
  stream?: string;
  /** Called for each new event, inside the transaction that stores it. */
  onEvent?: (e: DecodedEvent) => Promise<void> | void;
  /**
   * Called inside the transaction that drops the rows above `ancestor` after a reorg (-1: everything), so a
   * follower can drop what it derived from them in the same transaction.
   */
  onRewind?: (ancestor: bigint) => Promise<void> | void;
  /** Blocks per eth_getLogs request. */
  chunk?: number;
  /** Given a decoded event, contracts it brings into view (e.g. a created session). */
  discover?: (e: DecodedEvent) => Array<{ address: string; kind: string }>;
  /** Called after each chunk with (blocks done, blocks total). */
  onProgress?: (done: number, total: number) => void;
}

const STREAM = "events";

/** JSON with bigints as decimal strings: the stored form of event arguments. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

function argsOf(iface: Interface, log: Log): { name: string; args: Record<string, unknown> } | undefined {
  const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null) return undefined;
  const args: Record<string, unknown> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    const v = parsed.args[i] as unknown;
    args[input.name === "" ? String(i) : input.name] = normalise(v);
  });
  return { name: parsed.name, args };
}

/** ethers Result (array-like) to plain arrays/objects, addresses lower-cased for stable joins. */
function normalise(v: unknown): unknown {
  if (typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v)) return v.toLowerCase();
  if (Array.isArray(v)) return Array.from(v, normalise);
  return v;
}

/**
 * Drops every row above `ancestor` (a reorg replaced those blocks): events, contracts discovered there, the
 * recorded hashes, and moves the cursor down to `ancestor` (removes it when nothing is left).
 */
async function rewind(store: Store, chainId: bigint, stream: string, ancestor: bigint): Promise<void> {
  await store.run("DELETE FROM events WHERE chain_id = $1 AND block_number > $2", [chainId, ancestor]);
  await store.run("DELETE FROM watched WHERE chain_id = $1 AND from_block > $2", [chainId, ancestor]);
  await forgetBlocksAbove(store, chainId, stream, ancestor);
  if (ancestor < 0n) {
    await store.run("DELETE FROM cursor WHERE chain_id = $1 AND stream = $2", [chainId, stream]);
  } else {
    const kept = await store.all<{ block_hash: string }>(
      "SELECT block_hash FROM block_hashes WHERE chain_id = $1 AND stream = $2 AND block_number = $3",
      [chainId, stream, ancestor],
    );
    await store.run("UPDATE cursor SET block_number = $3, block_hash = $4 WHERE chain_id = $1 AND stream = $2", [
      chainId,
      stream,
      ancestor,
      kept[0].block_hash,
    ]);
  }
}

async function watchSeeds(store: Store, chainId: bigint, seeds: IndexerOptions["seeds"]): Promise<void> {
  for (const s of seeds) {
    await store.run(
      "INSERT INTO watched (chain_id, address, contract_kind, from_block) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [chainId, s.address.toLowerCase(), s.kind, s.fromBlock],
    );
  }
}

/** Attempts of {@link indexOnce} when the chain moves under a read ({@link ChainMovedError}). */
const READ_ATTEMPTS = 5;

/**
 * Indexes up to the newest confirmed block and returns the block it stopped at. Safe to run again at any
 * time (inserts are idempotent, the cursor moves in the same transaction as the rows). Before reading, it
 * checks the recorded block hashes against the chain (sdk/data/reorg.ts) and drops everything above the
 * newest block both still agree on; a chain that moves during a read makes the read start over (at most
 * {@link READ_ATTEMPTS} times).
 */
export async function indexOnce(opts: IndexerOptions): Promise<bigint> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await indexPass(opts);
    } catch (e) {
      if (!(e instanceof ChainMovedError) || attempt >= READ_ATTEMPTS) throw e;
    }
  }
}

async function indexPass(opts: IndexerOptions): Promise<bigint> {
  const { provider, store } = opts;
  const stream = opts.stream ?? STREAM;
  const chainId = (await provider.getNetwork()).chainId;
  const confirmations = BigInt(opts.confirmations ?? defaultConfirmations(chainId));
  const chunk = BigInt(opts.chunk ?? 2_000);
  const ifaceOf = new Map(opts.kinds.map((k) => [k.kind, k.iface]));

  for (const s of opts.seeds) {
    if (!ifaceOf.has(s.kind)) throw new Error(`unknown contract kind "${s.kind}" for ${s.address}`);
  }
  await watchSeeds(store, chainId, opts.seeds);

  const cursorRow = async () =>
    store.all<{ block_number: bigint; block_hash: string }>(
      "SELECT block_number, block_hash FROM cursor WHERE chain_id = $1 AND stream = $2",
      [chainId, stream],
    );
  let cur = await cursorRow();
  if (cur.length > 0) {
    // A data set written before block hashes were recorded: its events and cursor carry the hashes.
    const recorded = await store.all<{ n: bigint }>(
      "SELECT COUNT(*) AS n FROM block_hashes WHERE chain_id = $1 AND stream = $2",
      [chainId, stream],
    );
    if (recorded[0].n === 0n) {
      await store.transaction(async () => {
        const blocks = await store.all<{ block_number: bigint; block_hash: string }>(
          "SELECT DISTINCT block_number, block_hash FROM events WHERE chain_id = $1",
          [chainId],
        );
        for (const b of blocks) await recordBlock(store, chainId, stream, b.block_number, b.block_hash, true);
        await recordBlock(store, chainId, stream, cur[0].block_number, cur[0].block_hash, false);
      });
    }
    // Reorg check: drop everything above the newest block the store and the chain agree on.
    const check = await findCommonAncestor(store, provider, chainId, stream);
    if (check.reorged) {
      await store.transaction(async () => {
        await rewind(store, chainId, stream, check.ancestor);
        await watchSeeds(store, chainId, opts.seeds);
        await opts.onRewind?.(check.ancestor);
      });
      cur = await cursorRow();
    }
  }
  const seedStart = opts.seeds.reduce((m, s) => (s.fromBlock < m ? s.fromBlock : m), BigInt(Number.MAX_SAFE_INTEGER));
  const from = cur.length > 0 ? cur[0].block_number + 1n : opts.seeds.length === 0 ? 0n : seedStart;

  const head = BigInt(await provider.getBlockNumber());
  const to = head - confirmations;
  if (to < from) return from - 1n;
  const total = Number(to - from + 1n);

  const blocks = new Map<bigint, { time: bigint; hash: string }>();
  const blockOf = async (n: bigint): Promise<{ time: bigint; hash: string }> => {
    let b = blocks.get(n);
    if (b === undefined) {
      const got = await provider.getBlock(n);
      if (got === null || got.hash === null) throw new ChainMovedError(n, "(unread)", undefined);
      b = { time: BigInt(got.timestamp), hash: got.hash };
      blocks.set(n, b);
    }
    return b;
  };

  for (let start = from; start <= to; start += chunk) {
    const end = start + chunk - 1n < to ? start + chunk - 1n : to;
    await store.transaction(async () => {
      // The block the chunk stops at, read before its logs and again after them: unchanged means every
      // block under it (the logs' blocks included) is the one the logs came from.
      blocks.delete(end);
      const endHash = (await blockOf(end)).hash;
      const rowBlocks = new Map<bigint, string>();
      // A contract discovered inside this chunk is read from its creation block in a second pass.
      let pass = 0;
      const seen = new Set<string>();
      for (;;) {
        const watched = await store.all<{ address: string; contract_kind: string }>(
          "SELECT address, contract_kind FROM watched WHERE chain_id = $1 AND from_block <= $2",
          [chainId, end],
        );
        const fresh = watched.filter((w) => !seen.has(w.address));
        if (fresh.length === 0 || pass > 8) break;
        fresh.forEach((w) => seen.add(w.address));
        const kindOf = new Map(fresh.map((w) => [w.address, w.contract_kind]));
        const logs = await provider.getLogs({ address: fresh.map((w) => w.address), fromBlock: start, toBlock: end });
        for (const log of logs) {
          const address = log.address.toLowerCase();
          const kind = kindOf.get(address);
          if (kind === undefined) continue;
          const decoded = argsOf(ifaceOf.get(kind) as Interface, log);
          if (decoded === undefined) continue;
          const n = BigInt(log.blockNumber);
          const block = await blockOf(n);
          if (block.hash !== log.blockHash) throw new ChainMovedError(n, block.hash, log.blockHash);
          rowBlocks.set(n, block.hash);
          const e: DecodedEvent = {
            chainId,
            blockNumber: n,
            blockHash: log.blockHash,
            blockTime: block.time,
            txHash: log.transactionHash,
            logIndex: BigInt(log.index),
            address,
            kind,
            name: decoded.name,
            args: decoded.args,
          };
          await store.run(
            `INSERT INTO events (chain_id, block_number, block_hash, block_time, tx_hash, log_index, address, contract_kind, name, args)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
            [
              e.chainId,
              e.blockNumber,
              e.blockHash,
              e.blockTime,
              e.txHash,
              e.logIndex,
              e.address,
              e.kind,
              e.name,
              toJson(e.args),
            ],
          );
          await opts.onEvent?.(e);
          for (const d of opts.discover?.(e) ?? []) {
            if (!ifaceOf.has(d.kind)) throw new Error(`discovered contract of unknown kind "${d.kind}"`);
            await store.run(
              "INSERT INTO watched (chain_id, address, contract_kind, from_block) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
              [chainId, d.address.toLowerCase(), d.kind, e.blockNumber],
            );
          }
        }
        pass++;
      }
      const endAfter = await provider.getBlock(end);
      if (endAfter?.hash !== endHash) throw new ChainMovedError(end, endHash, endAfter?.hash ?? undefined);
      for (const [n, hash] of rowBlocks) await recordBlock(store, chainId, stream, n, hash, true);
      await recordBlock(store, chainId, stream, end, endHash, false);
      await pruneBlocks(store, chainId, stream, end);
      await store.run(
        `INSERT INTO cursor (chain_id, stream, block_number, block_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (chain_id, stream) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
        [chainId, stream, end, endHash],
      );
    });
    opts.onProgress?.(Number(end - from + 1n), total);
  }
  return to;
}

/** Events of one contract (or all) in chain order, arguments parsed back from JSON (numbers as strings). */
export async function readEvents(
  store: Store,
  filter: { chainId?: bigint; address?: string; names?: string[] } = {},
): Promise<Array<Omit<DecodedEvent, "args"> & { args: Record<string, unknown> }>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.chainId !== undefined) {
    params.push(filter.chainId);
    where.push(`chain_id = $${params.length}`);
  }
  if (filter.address !== undefined) {
    params.push(filter.address.toLowerCase());
    where.push(`address = $${params.length}`);
  }
  const rows = await store.all<{
    chain_id: bigint;
    block_number: bigint;
    block_hash: string;
    block_time: bigint;
    tx_hash: string;
    log_index: bigint;
    address: string;
    contract_kind: string;
    name: string;
    args: string;
  }>(
    `SELECT * FROM events ${where.length > 0 ? "WHERE " + where.join(" AND ") : ""} ORDER BY chain_id, block_number, log_index`,
    params,
  );
  return rows
    .filter((r) => filter.names === undefined || filter.names.includes(r.name))
    .map((r) => ({
      chainId: r.chain_id,
      blockNumber: r.block_number,
      blockHash: r.block_hash,
      blockTime: r.block_time,
      txHash: r.tx_hash,
      logIndex: r.log_index,
      address: r.address,
      kind: r.contract_kind,
      name: r.name,
      args: JSON.parse(r.args) as Record<string, unknown>,
    }));
}
