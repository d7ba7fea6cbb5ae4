/**
 * My allocation over time, from the session's own events: every `Subscribed`, `Redeemed`, `Traded`,
 * `Liquidated` and `DividendAccrued` of the session read from the chain (`eth_getLogs` over the session's
 * address: all of them once, then only the newest blocks on each refresh) and folded by the data set's
 * projection (sdk/data/positions.ts `rebuildPositions`, the same code that rebuilds the published data set). The last point must equal the allocation the contract reports now;
 * when it does not (an event kind the projection does not fold), the history is marked incomplete, not drawn.
 */
import { Contract, type Interface, type Log, type Provider } from "ethers";

import { rebuildPositions, type PositionPoint, type StoredEvent } from "../../../sdk/data/positions.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";
import type { AccountInfo, SessionInfo } from "../sdk.js";

/** Blocks read again on every call (a reorg at most this deep replaces what was read before). */
const REREAD_BLOCKS = 12;

/** The session's logs read so far, per session address, up to block `upTo`: each call reads only what is new. */
const logCache = new Map<string, { upTo: number; logs: Log[] }>();

/** Every log of `address` up to the head, from the cache plus one `eth_getLogs` over the newest blocks. */
async function sessionLogs(provider: Provider, address: string): Promise<Log[]> {
  const head = await provider.getBlockNumber();
  const hit = logCache.get(address);
  // a chain shorter than what was read (a restarted local node) is read again whole
  const from = hit === undefined || head < hit.upTo ? 0 : Math.max(0, hit.upTo - REREAD_BLOCKS);
  const fresh = await provider.getLogs({ address, fromBlock: from, toBlock: head });
  const logs = [...(from === 0 ? [] : (hit?.logs.filter((l) => l.blockNumber < from) ?? [])), ...fresh];
  logCache.set(address, { upTo: head, logs });
  return logs;
}

/** Block times already read, by block hash (a block's time never changes; a replaced block has another hash). */
const blockTimes = new Map<string, bigint>();

const FOLDED = new Set(["Subscribed", "Redeemed", "Traded", "Liquidated", "DividendAccrued"]);

export interface AllocationHistory {
  /** My allocation after each event that moved it, oldest first. */
  points: PositionPoint[];
  /** True when the last point equals the contract's `allocationOf` now. */
  complete: boolean;
}

export async function allocationHistory(
  provider: Provider,
  info: SessionInfo,
  me: AccountInfo,
): Promise<AllocationHistory> {
  // the session's events and, on a margin session, the module's (liquidations, dividends)
  const ifaces: Interface[] = MARGIN_ABIS;
  const cashLeg =
    info.kind === "margin"
      ? Number((await new Contract(info.address, MARGIN_ABIS[1], provider).marginConfig()).cashLeg)
      : undefined;
  const logs = await sessionLogs(provider, info.address.toLowerCase());
  const events: StoredEvent[] = [];
  for (const log of logs) {
    let parsed: ReturnType<Interface["parseLog"]> = null;
    for (const i of ifaces) {
      try {
        parsed = i.parseLog(log);
      } catch {
        parsed = null;
      }
      if (parsed !== null) break;
    }
    if (parsed === null || !FOLDED.has(parsed.name)) continue;
    if (!blockTimes.has(log.blockHash))
      blockTimes.set(log.blockHash, BigInt((await provider.getBlock(log.blockHash))?.timestamp ?? 0));
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, k) => (args[input.name] = parsed!.args[k]));
    events.push({
      blockNumber: BigInt(log.blockNumber),
      blockTime: blockTimes.get(log.blockHash)!,
      txHash: log.transactionHash,
      logIndex: BigInt(log.index),
      address: info.address,
      name: parsed.name,
      args,
    });
  }
  const { trajectory } = rebuildPositions(events, [
    {
      address: info.address,
      kind: info.kind,
      units: info.legs.map((l) => l.unit),
      feeRecipient: info.feeRecipient,
      cashLeg,
    },
  ]);
  const points = trajectory.filter((p) => p.account === me.account.toLowerCase());
  const last = points.at(-1)?.x ?? info.legs.map(() => 0n);
  const complete = last.every((v, k) => v === me.allocation[k]);
  return { points, complete };
}
