/**
 * The data set commands as plain functions: index a deployment's events (the factory, and every session it
 * announces through `SessionCreated`) and export the order flow and the position trajectories as CSV.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { Interface, type Provider } from "ethers";

import { release, toCsv } from "../data/export.js";
import { indexOnce, readEvents } from "../data/indexer.js";
import { orderFlow, rebuildPositions, type SessionMeta } from "../data/positions.js";
import type { Store } from "../data/store.js";
import { loadSession } from "../sessions/client.js";
import {
  IMarginSession__factory,
  MarginModule__factory,
  SessionCore__factory,
  SessionFactory__factory,
} from "../../types/ethers-contracts/index.js";

/** Every session's events, plus the margin sessions' own (liquidations, dividends, corporate actions). */
const SESSION_EVENTS = [...SessionCore__factory.abi, ...IMarginSession__factory.abi.filter((f) => f.type === "event")];

export const DATA_KINDS = [
  { kind: "factory", iface: new Interface(SessionFactory__factory.abi) },
  { kind: "session", iface: new Interface(SESSION_EVENTS) },
];

export interface IndexResult {
  chainId: bigint;
  factory: string;
  toBlock: bigint;
  events: number;
  sessions: number;
}

/**
 * Reads everything from `fromBlock` up to the newest confirmed block; resumable and reorg-safe. Without
 * `confirmations`, the chain's default depth (0 on a local chain, 12 elsewhere: sdk/data/reorg.ts).
 */
export async function indexDeployment(
  provider: Provider,
  store: Store,
  factory: string,
  opts: { fromBlock?: bigint; confirmations?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<IndexResult> {
  const toBlock = await indexOnce({
    provider,
    store,
    kinds: DATA_KINDS,
    seeds: [{ address: factory, kind: "factory", fromBlock: opts.fromBlock ?? 0n }],
    confirmations: opts.confirmations,
    discover: (e) =>
      e.kind === "factory" && e.name === "SessionCreated" ? [{ address: String(e.args.session), kind: "session" }] : [],
    onProgress: opts.onProgress,
  });
  const chainId = (await provider.getNetwork()).chainId;
  const count = await store.all<{ n: bigint }>("SELECT COUNT(*) AS n FROM events WHERE chain_id = $1", [chainId]);
  const sessions = await store.all<{ n: bigint }>(
    "SELECT COUNT(*) AS n FROM watched WHERE chain_id = $1 AND contract_kind = 'session'",
    [chainId],
  );
  return { chainId, factory, toBlock, events: Number(count[0].n), sessions: Number(sessions[0].n) };
}

/** Static facts the projection needs, read once per session from the chain. */
export async function sessionMetas(provider: Provider, sessions: string[]): Promise<SessionMeta[]> {
  const out: SessionMeta[] = [];
  for (const s of sessions) {
    const info = await loadSession(provider, s);
    out.push({
      address: s.toLowerCase(),
      kind: info.kind,
      units: info.legs.map((l) => l.unit),
      feeRecipient: info.feeRecipient.toLowerCase(),
      cashLeg:
        info.kind === "margin"
          ? Number((await MarginModule__factory.connect(s, provider).marginConfig()).cashLeg)
          : undefined,
    });
  }
  return out;
}

export interface ExportResult {
  orderFlow: { file: string; rows: number };
  positions: { file: string; rows: number };
  pseudonymised: boolean;
  delaySeconds: bigint;
}

const FLOW_COLUMNS = [
  "session",
  "block",
  "time",
  "tx",
  "digest",
  "maker",
  "taker",
  "matched_with",
  "filled_after_wad",
  "legs",
  "maker_deltas",
  "taker_deltas",
  "maker_fee_collateral",
  "taker_fee_collateral",
];

const joined = (v: Array<bigint | number>): string => v.map(String).join(";");

/** Writes order_flow.csv and positions.csv under `outDir`. */
export async function exportDataSet(
  provider: Provider,
  store: Store,
  outDir: string,
  opts: { key?: string; delaySeconds?: bigint; now?: bigint } = {},
): Promise<ExportResult> {
  const chainId = (await provider.getNetwork()).chainId;
  const events = await readEvents(store, { chainId });
  const sessions = [...new Set(events.filter((e) => e.kind === "session").map((e) => e.address))];
  const created = events.filter((e) => e.name === "SessionCreated").map((e) => String(e.args.session));
  const metas = await sessionMetas(provider, [...new Set([...created, ...sessions])]);
  const nLegs = new Map(metas.map((m) => [m.address, m.units.length]));
  const flow = orderFlow(events, (s) => nLegs.get(s) ?? 0).map((r) => ({
    session: r.session,
    block: r.blockNumber,
    time: r.blockTime,
    tx: r.txHash,
    digest: r.digest,
    maker: r.maker,
    taker: r.taker,
    matched_with: r.matchedWith,
    filled_after_wad: r.filledAfterWad,
    legs: joined(r.legs),
    maker_deltas: joined(r.makerDeltas),
    taker_deltas: joined(r.takerDeltas),
    maker_fee_collateral: r.makerFeeCollateral,
    taker_fee_collateral: r.takerFeeCollateral,
  }));
  const { trajectory } = rebuildPositions(events, metas);
  const positions = trajectory.flatMap((p) =>
    p.x.map((x, k) => ({
      session: p.session,
      account: p.account,
      block: p.blockNumber,
      time: p.blockTime,
      log_index: p.logIndex,
      event: p.event,
      leg: k,
      x,
    })),
  );
  const base = {
    key: opts.key === "" ? undefined : opts.key,
    delaySeconds: opts.delaySeconds ?? 0n,
    timeColumn: "time",
    now: opts.now,
  };
  const flowOut = release(flow, { ...base, addressColumns: ["maker", "taker"] });
  const posOut = release(positions, { ...base, addressColumns: ["account"] });
  mkdirSync(outDir, { recursive: true });
  const flowFile = path.join(outDir, "order_flow.csv");
  const posFile = path.join(outDir, "positions.csv");
  writeFileSync(flowFile, toCsv(FLOW_COLUMNS, flowOut));
  writeFileSync(posFile, toCsv(["session", "account", "block", "time", "log_index", "event", "leg", "x"], posOut));
  return {
    orderFlow: { file: flowFile, rows: flowOut.length },
    positions: { file: posFile, rows: posOut.length },
    pseudonymised: base.key !== undefined,
    delaySeconds: base.delaySeconds,
  };
}
