/**
 * Reading the bounded markets: the singleton, a root with its markets and best prices, an account's cash, worst
 * case, positions and resting orders, and the off-chain verification of a root's record. Every function takes an
 * ethers runner and returns plain data; nothing here sends a transaction or prints. Browser-safe.
 */
import {
  AbiCoder,
  Contract,
  ZeroAddress,
  getAddress,
  type ContractRunner,
  type Log,
  type Provider,
  type Result,
} from "ethers";

import { CliError, isoTime, parseAddress, parseAmount, parseInteger } from "../input.js";
import { marketsAt, marketsInterface } from "./abi.js";
import { orderKeyOfRef } from "./book.js";
import { chainNow, providerOf } from "../chain.js";
import "./errors.js";
import { SOURCE_NAMES, STATUS_NAMES, type SourceName } from "./parse.js";
import { TICKS } from "./typedData.js";
import {
  compareWithContract,
  contextFor,
  decodeLog,
  replayRecords,
  splitOrderKey,
  type ChainRecord,
} from "./verifier.js";

/** The ERC-20 functions the markets client calls. */
export const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

export { chainNow, providerOf } from "../chain.js";

/** The markets singleton at `address`, checked to be one (code there that answers `rootCount()`). */
export async function openMarkets(runner: ContractRunner, address: string): Promise<Contract> {
  const addr = parseAddress(address, "--markets");
  if ((await (await providerOf(runner)).getCode(addr)) === "0x") {
    throw new CliError(`no contract at markets address ${addr} on this network: check --network or --markets`);
  }
  const m = marketsAt(addr, runner);
  try {
    await m.rootCount();
  } catch {
    throw new CliError(`the contract at ${addr} is not a BoundedMarkets singleton: check --markets`);
  }
  return m;
}

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

/** An ERC-20's symbol and decimals, or a CliError when it has neither. */
export async function tokenInfo(runner: ContractRunner, address: string): Promise<TokenInfo> {
  const t = new Contract(address, ERC20_ABI, runner);
  try {
    return { address, symbol: String(await t.symbol()), decimals: Number(await t.decimals()) };
  } catch {
    throw new CliError(`${address} is not an ERC-20 with symbol() and decimals() on this network`);
  }
}

export interface MarketInfo {
  branchId: number;
  min: bigint;
  max: bigint;
  /** Best bid / best offer price ticks (undefined when the side is empty). */
  bestBid?: number;
  bestAsk?: number;
}

export interface RootInfo {
  markets: string;
  rootId: bigint;
  owner: string;
  source: SourceName;
  status: (typeof STATUS_NAMES)[number];
  /** Where the root is in its life at chain time `now`. */
  phase: string;
  now: bigint;
  expiry: bigint;
  voidDeadline: bigint;
  disputeWindow: bigint;
  reporter: string;
  /** Outcome decimals: X is the outcome scaled by 10^decimals. */
  decimals: number;
  collateral: TokenInfo;
  /** Collateral units per tick per contract; one contract pays TICKS * unitScale at the top. */
  unitScale: bigint;
  /** Possible range [lo, hi] (outcome units); lo == hi after settlement is the outcome. */
  lo: bigint;
  hi: bigint;
  /** Pending report (callback roots): outcome and time, 0 when none. */
  reported: bigint;
  reportedAt: bigint;
  head: string;
  branches: MarketInfo[];
}

/** Reads a root and its markets; an unknown root is a CliError naming the roots that exist. */
export async function loadRoot(
  runner: ContractRunner,
  marketsArg: string,
  rootArg: string | bigint,
): Promise<RootInfo> {
  const m = await openMarkets(runner, marketsArg);
  const rootId = typeof rootArg === "bigint" ? rootArg : parseInteger(rootArg, "--root", 1n);
  const count = BigInt(String(await m.rootCount()));
  const r = await m.root(rootId);
  if (r.owner === ZeroAddress) {
    throw new CliError(
      count === 0n
        ? `unknown root ${rootId}: ${m.target as string} has no roots yet (create one with "market create-root")`
        : `unknown root ${rootId}: ${m.target as string} has roots 1 to ${count}`,
    );
  }
  const now = await chainNow(runner);
  const status = STATUS_NAMES[Number(r.status)];
  const branches: MarketInfo[] = [];
  for (let b = 1; b <= Number(r.branchCount); b++) {
    const [min, max] = (await m.market(rootId, b)) as [bigint, bigint];
    const [bid, ask] = (await m.bestPrices(rootId, b)) as [bigint, bigint];
    branches.push({
      branchId: b,
      min,
      max,
      bestBid: bid === 0n ? undefined : Number(bid),
      bestAsk: ask === BigInt(TICKS) ? undefined : Number(ask),
    });
  }
  const expiry = BigInt(r.expiry);
  const voidDeadline = BigInt(r.voidDeadline);
  const reportedAt = BigInt(r.reportedAt);
  const phase =
    status === "settled"
      ? "settled: redeem open"
      : status === "voided"
        ? "voided: redeem returns the premium paid"
        : now < expiry
          ? "trading (before expiry)"
          : now >= voidDeadline
            ? "void due (past the void deadline)"
            : reportedAt !== 0n
              ? "report pending (dispute window)"
              : "awaiting settlement (after expiry)";
  return {
    markets: m.target as string,
    rootId,
    owner: r.owner,
    source: SOURCE_NAMES[Number(r.source)],
    status,
    phase,
    now,
    expiry,
    voidDeadline,
    disputeWindow: BigInt(r.disputeWindow),
    reporter: r.reporter,
    decimals: Number(r.decimals),
    collateral: await tokenInfo(runner, r.collateral),
    unitScale: BigInt(r.unitScale),
    lo: BigInt(r.lo),
    hi: BigInt(r.hi),
    reported: BigInt(r.reported),
    reportedAt,
    head: r.head,
    branches,
  };
}

/** The branch of the root, or a CliError listing the branches. */
export function requireBranch(info: RootInfo, branchId: number, what = "--branch"): MarketInfo {
  const b = info.branches.find((x) => x.branchId === branchId);
  if (b === undefined) {
    throw new CliError(
      `unknown branch ${branchId} of root ${info.rootId}: ${what} must be one of ${info.branches.map((x) => x.branchId).join(", ")} (see "market show --root ${info.rootId}")`,
    );
  }
  return b;
}

/** Throws a CliError unless the root is open. */
export function requireOpen(info: RootInfo): void {
  if (info.status !== "open") throw new CliError(`RootNotOpen: root ${info.rootId} is ${info.status} (${info.phase})`);
}

/** Throws a CliError unless the root is open and before its expiry. */
export function requireTrading(info: RootInfo): void {
  requireOpen(info);
  if (info.now >= info.expiry) {
    throw new CliError(
      `TradingClosed: trading on root ${info.rootId} stopped at its expiry ${isoTime(info.expiry)}; chain time is ${isoTime(info.now)}`,
    );
  }
}

/** An outcome in human units ("37.5") as outcome units of the root (its decimals). */
export function parseOutcome(info: Pick<RootInfo, "decimals">, value: string, what: string): bigint {
  return parseAmount(value, info.decimals, what);
}

export interface AccountView {
  account: string;
  collateral: TokenInfo;
  /** Cash after crediting pending maker fills (collateral units). */
  cash: bigint;
  /** Sum of the worst cases over the account's open roots as the contract would compute them now. */
  sumWorst: bigint;
  /** What a withdrawal could take now: min(cash, cash + sumWorst), never below zero. */
  free: bigint;
  /** Open roots of the account in this collateral. */
  roots: bigint[];
}

/** An account's cash, worst case and free cash in a collateral token, maker fills not yet credited included. */
export async function accountView(
  runner: ContractRunner,
  marketsArg: string,
  account: string,
  token: string,
): Promise<AccountView> {
  const m = await openMarkets(runner, marketsArg);
  const [cash0, , roots] = (await m.account(account, token)) as [bigint, bigint, bigint[]];
  let cash = cash0;
  let sumWorst = 0n;
  for (const r of roots) {
    const [worst, pending] = (await m.previewWorst(account, r)) as [bigint, bigint];
    sumWorst += worst;
    cash += pending;
  }
  const cover = cash + sumWorst;
  const free = cash < cover ? cash : cover;
  return {
    account,
    collateral: await tokenInfo(runner, token),
    cash,
    sumWorst,
    free: free > 0n ? free : 0n,
    roots: roots.map((r) => BigInt(r)),
  };
}

export interface PositionView {
  branchId: number;
  min: bigint;
  max: bigint;
  /** Contracts: + long, - short (maker fills not yet credited included). */
  position: bigint;
}

export interface RootAccountView extends AccountView {
  /** Worst case on this root (collateral units) and the cash still to be credited from maker fills there. */
  worstOnRoot: bigint;
  positions: PositionView[];
  /** Resting orders: key, branch, side, price tick, remaining contracts. */
  orders: Array<{ orderKey: bigint; branchId: number; side: "bid" | "offer"; tick: number; remaining: bigint }>;
}

/** An account on one root: cash, worst cases, positions per market and resting orders. */
export async function rootAccount(runner: ContractRunner, info: RootInfo, account: string): Promise<RootAccountView> {
  const m = marketsAt(info.markets, runner);
  const base = await accountView(runner, info.markets, account, info.collateral.address);
  const [worstOnRoot] = (await m.previewWorst(account, info.rootId)) as [bigint, bigint];
  const tr = await m.traderRoot(account, info.rootId);
  const branchIds = [...new Set<number>([...(tr.branches as bigint[]).map(Number)])];
  const positions: PositionView[] = [];
  for (const b of info.branches) {
    const pos = BigInt(String(await m.positionOf(account, info.rootId, b.branchId)));
    if (pos !== 0n || branchIds.includes(b.branchId))
      positions.push({ branchId: b.branchId, min: b.min, max: b.max, position: pos });
  }
  const orders: RootAccountView["orders"] = [];
  for (const ref of tr.orderRefs as bigint[]) {
    const branchId = Number((ref >> 48n) & 0xffffn);
    const tick = Number((ref >> 40n) & 0xffn);
    const isBid = ((ref >> 32n) & 1n) === 1n;
    const orderKey = orderKeyOfRef(info.rootId, ref);
    const [remaining] = (await m.restingOrder(orderKey)) as [bigint, bigint];
    if (remaining > 0n) orders.push({ orderKey, branchId, side: isBid ? "bid" : "offer", tick, remaining });
  }
  return { ...base, worstOnRoot, positions, orders };
}

// ------------------------------------------------------------------ verify

export interface VerifyResult {
  rootId: bigint;
  records: number;
  events: number;
  head: string;
  problems: string[];
}

/** The topic a root's events carry its id in. */
function rootTopicOf(rootId: bigint): string {
  return AbiCoder.defaultAbiCoder().encode(["uint256"], [rootId]);
}

/** The block of root `rootId`'s `RootCreated` log at or before `toBlock` (0 when the node serves none). */
async function rootCreatedAt(
  provider: Provider,
  markets: string,
  rootId: bigint,
  toBlock: number | "latest",
): Promise<number> {
  const created = await provider.getLogs({
    address: markets,
    fromBlock: 0,
    toBlock,
    topics: [marketsInterface.getEvent("RootCreated")!.topicHash, rootTopicOf(rootId)],
  });
  return created.length > 0 ? created[0].blockNumber : 0;
}

/**
 * The logs of `names` on root `rootId`, in chain order: fetched in block ranges of `step` from the root's
 * creation to `toBlock` (the latest by default), reporting progress (public nodes cap a query's range).
 */
export async function rootLogs(
  provider: Provider,
  markets: string,
  rootId: bigint,
  names: string[],
  progress: (done: number, total: number) => void = () => {},
  step = 2_000,
  toBlock?: number,
): Promise<Log[]> {
  const topics0 = names.map((n) => marketsInterface.getEvent(n)!.topicHash);
  const rootTopic = rootTopicOf(rootId);
  const from = await rootCreatedAt(provider, markets, rootId, toBlock ?? "latest");
  const to = toBlock ?? (await provider.getBlockNumber());
  const logs: Log[] = [];
  const total = to - from + 1;
  progress(0, total);
  for (let b = from; b <= to; b += step) {
    const end = Math.min(b + step - 1, to);
    logs.push(
      ...(await provider.getLogs({ address: markets, fromBlock: b, toBlock: end, topics: [topics0, rootTopic] })),
    );
    progress(end - from + 1, total);
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}

/**
 * The trader of each resting order key (the makers of a transaction's fills, which `OrderFilled` names only by
 * key), as of block `blockTag`, from the roots' `OrderAccepted` logs: the book does not store who placed an
 * order. The logs are read newest first, `step` blocks at a time, and the scan stops as soon as every key is
 * named (makers usually placed recently), or at the root's creation. A key missing from the answer has no
 * acceptance in the logs the node serves (a node that prunes them).
 */
export async function tradersOfKeys(
  runner: ContractRunner,
  markets: string,
  keys: bigint[],
  blockTag: number,
  step = 2_000,
): Promise<Map<bigint, string>> {
  const provider = await providerOf(runner);
  const accepted = marketsInterface.getEvent("OrderAccepted")!.topicHash;
  const out = new Map<bigint, string>();
  for (const rootId of new Set(keys.map((k) => k >> 56n))) {
    const wanted = new Set(keys.filter((k) => k >> 56n === rootId));
    const rootTopic = rootTopicOf(rootId);
    const first = await rootCreatedAt(provider, markets, rootId, blockTag);
    for (let end = blockTag; end >= first && wanted.size > 0; end -= step) {
      const from = Math.max(first, end - step + 1);
      const logs = await provider.getLogs({
        address: markets,
        fromBlock: from,
        toBlock: end,
        topics: [accepted, rootTopic],
      });
      // A level's next key is reused until an order rests under it (one that trades in full or is immediate-or-
      // cancel leaves it free), so the last acceptance under a key is the order resting there: newest first.
      logs.sort((a, b) => b.blockNumber - a.blockNumber || b.index - a.index);
      for (const l of logs) {
        const a = marketsInterface.parseLog({ topics: [...l.topics], data: l.data })!.args;
        const key = BigInt(a.orderKey);
        if (wanted.delete(key)) out.set(key, getAddress(String(a.trader)));
      }
    }
  }
  return out;
}

/** One fill of an incoming order: its maker, the resting order's price (tick) and the quantity. */
export interface FillView {
  /** From the resting order's `OrderAccepted` log; undefined when the node no longer serves that log. */
  maker?: string;
  tick: number;
  quantity: bigint;
}

/**
 * The fills of incoming order `digest` among a transaction's decoded `OrderFilled` events (mined in block
 * `blockNumber`), in log order: the price from each maker's key, the maker from its acceptance ({@link tradersOfKeys}).
 */
export async function fillsOf(
  runner: ContractRunner,
  markets: string,
  filled: ReadonlyArray<Result>,
  digest: string,
  blockNumber: number,
): Promise<FillView[]> {
  const mine = filled.filter((f) => String(f.takerDigest) === digest);
  const keys = mine.map((f) => BigInt(String(f.makerKey)));
  const makers = await tradersOfKeys(runner, markets, keys, blockNumber);
  return mine.map((f, i) => ({
    maker: makers.get(keys[i]),
    tick: splitOrderKey(keys[i]).tick,
    quantity: BigInt(String(f.quantity)),
  }));
}

/**
 * Replays a root's records through the verifier: fetches its logs in block ranges (reporting progress),
 * re-checks the hash chain, digests and signatures, rebuilds book and positions, compares with the contract.
 */
export async function verifyRootCli(
  provider: Provider,
  marketsArg: string,
  rootArg: string,
  progress: (done: number, total: number) => void = () => {},
  step = 2_000,
): Promise<VerifyResult> {
  const info = await loadRoot(provider, marketsArg, rootArg);
  const names = [
    "OrderAccepted",
    "OrderFilled",
    "OrderReduced",
    "BoundsPosted",
    "RootSettled",
    "RootVoided",
    "Redeemed",
  ];
  const logs = await rootLogs(provider, info.markets, info.rootId, names, progress, step);
  const records: ChainRecord[] = logs.map(decodeLog);
  const replay = await replayRecords(records, await contextFor(provider, info.markets, info.rootId));
  await compareWithContract(replay, marketsAt(info.markets, provider), info.rootId);
  return {
    rootId: info.rootId,
    records: replay.records,
    events: records.length,
    head: replay.head,
    problems: replay.problems,
  };
}
