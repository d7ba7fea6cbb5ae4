/**
 * Reads the events of a deployment into the data set. Resumable (a cursor per chain), reorg-safe (only
 * blocks at least `confirmations` deep are read; on resume the last indexed block's hash is re-checked and
 * everything from a replaced block on is dropped and read again), and discovering (a watched contract's
 * event can add new contracts to watch, e.g. a factory announcing a session).
 */
import type { Interface, Log, Provider } from "ethers";

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
  /** Blocks a log must be under before it is read (0 on a local chain). */
  confirmations?: number;
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

/** Drops everything from `fromBlock` on (a reorg replaced those blocks). */
async function rewind(store: Store, chainId: bigint, fromBlock: bigint): Promise<void> {
  await store.run("DELETE FROM events WHERE chain_id = $1 AND block_number >= $2", [chainId, fromBlock]);
  await store.run("DELETE FROM watched WHERE chain_id = $1 AND from_block >= $2", [chainId, fromBlock]);
}

/**
 * Indexes up to the newest confirmed block and returns the block it stopped at. Safe to run again at any
 * time (inserts are idempotent, the cursor moves in the same transaction as the rows).
 */
export async function indexOnce(opts: IndexerOptions): Promise<bigint> {
  const { provider, store } = opts;
  const confirmations = BigInt(opts.confirmations ?? 0);
  const chunk = BigInt(opts.chunk ?? 2_000);
  const chainId = (await provider.getNetwork()).chainId;
  const ifaceOf = new Map(opts.kinds.map((k) => [k.kind, k.iface]));

  for (const s of opts.seeds) {
    if (!ifaceOf.has(s.kind)) throw new Error(`unknown contract kind "${s.kind}" for ${s.address}`);
    await store.run(
      "INSERT INTO watched (chain_id, address, contract_kind, from_block) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [chainId, s.address.toLowerCase(), s.kind, s.fromBlock],
    );
  }

  // Resume: re-check the last indexed block; if the chain replaced it, walk back to a block that still
  // matches and drop everything after it.
  const cur = await store.all<{ block_number: bigint; block_hash: string }>(
    "SELECT block_number, block_hash FROM cursor WHERE chain_id = $1 AND stream = $2",
    [chainId, STREAM],
  );
  let from: bigint;
  if (cur.length === 0) {
    from = opts.seeds.reduce((m, s) => (s.fromBlock < m ? s.fromBlock : m), BigInt(Number.MAX_SAFE_INTEGER));
    if (opts.seeds.length === 0) from = 0n;
  } else {
    let n = cur[0].block_number;
    let ok = (await provider.getBlock(n))?.hash === cur[0].block_hash;
    while (!ok && n > 0n) {
      n -= 1n;
      const stored = await store.all<{ block_hash: string }>(
        "SELECT block_hash FROM events WHERE chain_id = $1 AND block_number = $2 LIMIT 1",
        [chainId, n],
      );
      ok = stored.length === 0 || (await provider.getBlock(n))?.hash === stored[0].block_hash;
    }
    if (n !== cur[0].block_number) await rewind(store, chainId, n + 1n);
    from = n + 1n;
  }

  const head = BigInt(await provider.getBlockNumber());
  const to = head - confirmations;
  if (to < from) return from - 1n;
  const total = Number(to - from + 1n);

  const blockTimes = new Map<bigint, bigint>();
  const timeOf = async (n: bigint): Promise<bigint> => {
    let t = blockTimes.get(n);
    if (t === undefined) {
      const b = await provider.getBlock(n);
      if (b === null) throw new Error(`block ${n} not found`);
      t = BigInt(b.timestamp);
      blockTimes.set(n, t);
    }
    return t;
  };

  for (let start = from; start <= to; start += chunk) {
    const end = start + chunk - 1n < to ? start + chunk - 1n : to;
    await store.transaction(async () => {
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
          const e: DecodedEvent = {
            chainId,
            blockNumber: BigInt(log.blockNumber),
            blockHash: log.blockHash,
            blockTime: await timeOf(BigInt(log.blockNumber)),
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
      const endBlock = await provider.getBlock(end);
      if (endBlock === null || endBlock.hash === null) throw new Error(`block ${end} not found`);
      await store.run(
        `INSERT INTO cursor (chain_id, stream, block_number, block_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (chain_id, stream) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
        [chainId, STREAM, end, endBlock.hash],
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
