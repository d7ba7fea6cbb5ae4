/**
 * Reading a market's book and a trader's state on a root straight from the chain (no relay): the live price
 * levels from `bookBits`, each level's live orders in time priority from `level` and `restingOrder` (sizes only:
 * the book does not store who placed an order), and the trader's snapshot from the lens (`exposure`,
 * `traderRoot`, `account`) in the shape ./orderEffect.ts takes, its open orders being what says which entries of
 * the book are its own, and the tree of a root's markets from their creation events.
 * Reads are issued together, so a batching provider sends them in a few requests. Browser-safe.
 */
import { AbiCoder, type ContractRunner, type Provider } from "ethers";

import { marketsAt, marketsInterface } from "./abi.js";
import type { BookEntry, BookLevel, TraderRootState } from "./orderEffect.js";
import type { RootInfo } from "./reads.js";
import { TICKS } from "./typedData.js";

/** One market's book: bids best (highest) first, offers best (lowest) first. */
export interface MarketBook {
  branchId: number;
  bids: BookLevel[];
  asks: BookLevel[];
  /** True when a level listed more entries than were read (`maxEntries`): sizes then count only those read. */
  truncated: boolean;
}

const LOW128 = (1n << 128n) - 1n;

/** The ticks whose bits are set in `bits` (bit t = tick t), ascending. */
function ticksOf(bits: bigint): number[] {
  const out: number[] = [];
  for (let t = 1; t < TICKS; t++) if (((bits >> BigInt(t)) & 1n) === 1n) out.push(t);
  return out;
}

/** The book of market `branchId` of the root: every live level and its live orders (at most `maxEntries` read per level). */
export async function readBook(
  runner: ContractRunner,
  info: Pick<RootInfo, "markets" | "rootId">,
  branchId: number,
  maxEntries = 128,
): Promise<MarketBook> {
  const m = marketsAt(info.markets, runner);
  const marketId = (info.rootId << 16n) | BigInt(branchId);
  const bits = BigInt(String(await m.bookBits(marketId)));
  let truncated = false;
  const readLevel = async (tick: number): Promise<BookLevel> => {
    const [head, tail] = (await m.level(info.rootId, branchId, tick)) as [bigint, bigint, boolean, bigint];
    const end = BigInt(tail) - BigInt(head) > BigInt(maxEntries) ? BigInt(head) + BigInt(maxEntries) : BigInt(tail);
    if (end < BigInt(tail)) truncated = true;
    const levelKey = (marketId << 8n) | BigInt(tick);
    const keys: bigint[] = [];
    for (let i = BigInt(head); i < end; i++) keys.push((levelKey << 32n) | i);
    const rows = await Promise.all(keys.map((k) => m.restingOrder(k) as Promise<[bigint, bigint]>));
    const entries: BookEntry[] = [];
    rows.forEach(([remaining], n) => {
      if (BigInt(remaining) > 0n) entries.push({ orderKey: keys[n], remaining: BigInt(remaining) });
    });
    return { tick, size: entries.reduce((s, e) => s + e.remaining, 0n), entries };
  };
  const bidTicks = ticksOf(bits & LOW128).reverse();
  const askTicks = ticksOf(bits >> 128n);
  const [bids, asks] = await Promise.all([Promise.all(bidTicks.map(readLevel)), Promise.all(askTicks.map(readLevel))]);
  return { branchId, bids, asks, truncated };
}

/**
 * The key of the order a trader's ref names on root `rootId` (lens `traderRoot`'s `orderRefs`: branch << 48 |
 * tick << 40 | bid << 32 | index): rootId << 56 | branch << 40 | tick << 32 | index, the side bit dropped.
 */
export function orderKeyOfRef(rootId: bigint, ref: bigint): bigint {
  return (((((rootId << 16n) | (ref >> 48n)) << 8n) | ((ref >> 40n) & 0xffn)) << 32n) | (ref & 0xffffffffn);
}

/** A trader's state on a root and its account in the root's collateral, as the contract sees them now. */
export interface TraderOnRoot extends TraderRootState {
  account: string;
  /** Stored cash and sum of worst cases of the account (lens `account`), collateral units. */
  cash: bigint;
  sumWorst: bigint;
  /** The worst case the contract would store for this root now (lens `exposure`). */
  worstNow: bigint;
  /** Whether the root is among the account's open roots. */
  active: boolean;
}

/** Reads `account`'s state on the root (lens `exposure`, `traderRoot`, `account` and its resting orders). */
export async function traderOnRoot(
  runner: ContractRunner,
  info: Pick<RootInfo, "markets" | "rootId" | "collateral">,
  account: string,
): Promise<TraderOnRoot> {
  const m = marketsAt(info.markets, runner);
  const [exposure, tr, acct] = await Promise.all([
    m.exposure(account, info.rootId) as Promise<[bigint[], bigint, bigint, bigint]>,
    m.traderRoot(account, info.rootId) as Promise<[bigint, bigint, bigint[], bigint[], bigint[]]>,
    m.account(account, info.collateral.address) as Promise<[bigint, bigint, bigint[]]>,
  ]);
  const [posByBranch, premiumPaid, pendingCash, worstNow] = exposure;
  const positions = new Map<number, bigint>();
  [...posByBranch].forEach((p, b) => {
    if (b > 0 && BigInt(p) !== 0n) positions.set(b, BigInt(p));
  });
  const refs = [...tr[4]].map((r) => BigInt(r));
  const keyOf = (ref: bigint) => orderKeyOfRef(info.rootId, ref);
  const rows = await Promise.all(refs.map((r) => m.restingOrder(keyOf(r)) as Promise<[bigint, bigint]>));
  const opens: TraderRootState["opens"] = [];
  refs.forEach((ref, n) => {
    const remaining = BigInt(rows[n][0]);
    if (remaining === 0n) return;
    const isBid = ((ref >> 32n) & 1n) === 1n;
    opens.push({
      branchId: Number(ref >> 48n),
      tick: Number((ref >> 40n) & 0xffn),
      qty: isBid ? remaining : -remaining,
      orderKey: keyOf(ref),
    });
  });
  return {
    account,
    positions,
    opens,
    premiumPaid: BigInt(premiumPaid),
    pendingCash: BigInt(pendingCash),
    storedWorst: BigInt(tr[0]),
    worstNow: BigInt(worstNow),
    cash: BigInt(acct[0]),
    sumWorst: BigInt(acct[1]),
    active: [...acct[2]].some((r) => BigInt(r) === info.rootId),
  };
}

/**
 * The parent of every sub-market of the root, from its `MarketCreated` events (branch 1, the root market, has
 * none). A market whose event is out of reach (a node that prunes logs) gets the smallest earlier market that
 * contains its bounds.
 */
export async function marketParents(
  runner: ContractRunner,
  info: Pick<RootInfo, "markets" | "rootId" | "branches">,
): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  try {
    const provider = runner.provider ?? (runner as unknown as Provider);
    const ev = marketsInterface.getEvent("MarketCreated")!;
    const logs = await provider.getLogs({
      address: info.markets,
      fromBlock: 0,
      toBlock: "latest",
      topics: [ev.topicHash, AbiCoder.defaultAbiCoder().encode(["uint256"], [info.rootId])],
    });
    for (const log of logs) {
      const p = marketsInterface.parseLog({ topics: [...log.topics], data: log.data });
      if (p !== null && Number(p.args.branchId) > 1) parents.set(Number(p.args.branchId), Number(p.args.parentBranch));
    }
  } catch {
    // fall through to containment
  }
  for (const b of info.branches) {
    if (b.branchId === 1 || parents.has(b.branchId)) continue;
    const around = info.branches
      .filter((a) => a.branchId < b.branchId && a.min <= b.min && a.max >= b.max)
      .sort((x, y) => (x.max - x.min < y.max - y.min ? -1 : 1));
    parents.set(b.branchId, around[0]?.branchId ?? 1);
  }
  return parents;
}
