/**
 * The bounded-markets client: every user action on the markets singleton as a plain function that takes an
 * ethers runner (signer or provider) and typed arguments and returns plain data. Input is checked before
 * anything is sent (roots, branches, prices on the 0.01 grid, quantities, bounds against the root's
 * decimals, free cash), every write is simulated first so a revert comes back as a decoded custom error,
 * and nothing here prints.
 */
import {
  AbiCoder,
  Contract,
  Interface,
  getAddress,
  verifyTypedData,
  ZeroAddress,
  type ContractRunner,
  type Provider,
  type Signer,
} from "ethers";

// Evaluated first on purpose: both families name an error `TradingClosed`; the explanation registered below
// understands both shapes and must be the one left in the catalogue, whichever family is imported later.
import "../sessions/client.js";
import { OracleFixing__factory } from "../../types/ethers-contracts/index.js";
import { CliError, formatAmount, isoTime, parseAddress, parseAmount, parseInteger } from "../cli/args.js";
import { explainErrors } from "../errors.js";
import { marketsAt, marketsInterface } from "./abi.js";
import { marketsDomain, orderDigest, ORDER_TYPES, signMarketOrder, TICKS, type MarketOrder } from "./typedData.js";
import { compareWithContract, contextFor, decodeLog, replayRecords, type ChainRecord } from "./verifier.js";

/** Every ABI whose custom errors a market command can meet (core, admin, lens; the oracle library). */
export const MARKET_ABIS = [marketsInterface, new Interface(OracleFixing__factory.abi)];

const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

export const SOURCE_NAMES = ["owner", "callback", "feed"] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];
export const STATUS_NAMES = ["open", "settled", "voided"] as const;
export const ORDER_TYPE_NAMES = ["gtc", "ioc", "post-only"] as const;
export type OrderTypeName = (typeof ORDER_TYPE_NAMES)[number];
const REASON_NAMES = [
  "cancelled",
  "self-trade cancel",
  "immediate-or-cancel remainder",
  "sweep bound reached",
  "cancelled-entry bound reached (retry: the book has moved past them)",
];
/**
 * `maxLevels` for a relayed order: the trader did not sign a bound, and the contract refuses a relay that its
 * submitter's bound would cut short (`RelayedSweepBound`), so a relay sweeps every level of a side (99).
 */
export const RELAY_MAX_LEVELS = BigInt(TICKS - 1);
/** Largest |quantity| of one order (uint48). */
export const MAX_QUANTITY = (1n << 48n) - 1n;

const when = (t: unknown): string => `${String(t)} (${isoTime(BigInt(String(t)))})`;
const tickPrice = (t: unknown): string => (Number(t) / TICKS).toFixed(2);

explainErrors({
  ZeroCollateral: () => "The root needs a collateral token: pass --collateral <ERC-20 address>.",
  BadUnitScale: (a) =>
    `unitScale ${a.unitScale} is invalid: one contract must pay a whole, non-zero number of collateral units per 0.01 (pick another --payout).`,
  BadBounds: (a) => `The bounds [${a.min}, ${a.max}] are invalid: min must be below max (outcome units).`,
  OutsideParent: (a) =>
    `The sub-market [${a.min}, ${a.max}] is not inside its parent market [${a.parentMin}, ${a.parentMax}] (outcome units): choose bounds within the parent's.`,
  BadSchedule: (a) =>
    `The schedule is invalid: expiry ${when(a.expiry)} must be after chain time ${when(a.now_)}, and the void deadline ${when(a.voidDeadline)} at least the dispute window (${a.disputeWindow} s) after expiry.`,
  BadSource: (a) =>
    `The settlement source "${SOURCE_NAMES[Number(a.source)] ?? a.source}" lacks a setting: a callback root needs --reporter, a feed root --feed.`,
  UnknownRoot: (a) =>
    `There is no root ${a.rootId}: see the RootCreated events, or create one with "market create-root".`,
  UnknownMarket: (a) => `Root ${a.rootId} has no market (branch) ${a.branchId}: see "market show --root ${a.rootId}".`,
  TooManyBranches: (a) => `Root ${a.rootId} already holds 65,535 markets.`,
  BadDecimals: (a) => `Outcome decimals ${a.decimals} are above the supported 36.`,
  RootNotOpen: (a) => `Root ${a.rootId} is no longer open: it is ${STATUS_NAMES[Number(a.status)] ?? a.status}.`,
  TradingClosed: (a) =>
    a.rootId !== undefined
      ? `Trading on root ${a.rootId} stopped at its expiry ${when(a.expiry)}; chain time is ${when(a.now_)}.`
      : `Trading is open only from t1 = ${when(a.t1)} to t2 = ${when(a.t2)} (and before settlement); chain time is ${when(a.now_)}.`,
  RootNotFinal: (a) =>
    `Root ${a.rootId} is neither settled nor voided yet: redeem after settlement ("market settle", "market finalize" or the owner's bounds).`,
  NotBoundsPoster: (a) => `${a.caller} may not post bounds on root ${a.rootId}: only its owner or its reporter may.`,
  PostOutsideMarket: (a) =>
    `The posted bounds [${a.newMin}, ${a.newMax}] must lie inside the market's [${a.min}, ${a.max}] with min <= max (outcome units).`,
  BoundsContradict: (a) =>
    `The post would leave no possible outcome (range [${a.lo}, ${a.hi}]): it contradicts earlier posts.`,
  ReporterCannotCollapse: (a) =>
    `The reporter of root ${a.rootId} may narrow but not collapse the range to one outcome: use "market report" (it goes through the dispute window).`,
  NotReporter: (a) => `${a.caller} is not the reporter of this root (the reporter is ${a.reporter}).`,
  NotOwner: (a) => `${a.caller} is not the owner of this root (the owner is ${a.owner}).`,
  WrongSource: (a) =>
    `Root ${a.rootId} settles by its ${SOURCE_NAMES[Number(a.source)] ?? a.source} source, not this way.`,
  TooEarly: (a) => `Too early for root ${a.rootId}: not before ${when(a.notBefore)}; chain time is ${when(a.now_)}.`,
  PastVoidDeadline: (a) =>
    `Root ${a.rootId} passed its void deadline ${when(a.voidDeadline)} (chain time ${when(a.now_)}): only voiding remains (the keeper does it).`,
  ReportTooLate: (a) =>
    `A report now would end its dispute window at ${when(a.windowEnd)}, after root ${a.rootId}'s void deadline ${when(a.voidDeadline)}.`,
  ReportPending: (a) =>
    `Root ${a.rootId} already has a pending report of ${a.reported}: finalize it after the dispute window, or the owner overrides it.`,
  NoReport: (a) => `Root ${a.rootId} has no pending report: the reporter must "market report" first.`,
  DisputeWindowOver: (a) =>
    `The dispute window of root ${a.rootId} ended at ${when(a.windowEnd)} (chain time ${when(a.now_)}): the report can only be finalized.`,
  OutcomeOutsideRange: (a) => `The outcome ${a.x} lies outside the possible range [${a.lo}, ${a.hi}] (outcome units).`,
  FeedOutcomeTooLarge: (a) =>
    `The feed price ${formatAmount(BigInt(String(a.priceWad)), 18)} does not fit the outcome type.`,
  BadTick: (a) =>
    `Price tick ${a.tick} is invalid: a price must be above 0 and below 1 on the 0.01 grid (tick 1 to ${Number(a.ticks) - 1}).`,
  BadQuantity: (a) => `Quantity ${a.quantity} is invalid: it must be non-zero and at most ${MAX_QUANTITY} contracts.`,
  BadOrderType: (a) => `Order type ${a.orderType} is invalid: use gtc, ioc or post-only.`,
  RelayedSweepBound: (a) =>
    `The order still crossed the book when the submitter's maxLevels ${a.maxLevels} stopped it; the trader did not sign that bound, so a relay (submitter ${a.submitter}) may not cut the order short and nothing was consumed: submit again with maxLevels ${RELAY_MAX_LEVELS} (every level).`,
  PostOnlyWouldCross: (a) =>
    `The post-only order at ${tickPrice(a.tick)} would trade against the resting ${tickPrice(a.bestOpposite)}: change the price or drop post-only.`,
  TooManyOpenOrders: (a) =>
    `${a.trader} already holds ${a.max} open orders on root ${a.rootId}: cancel one first ("market cancel" or "market cancel-market").`,
  TooManyMarkets: (a) => `${a.trader} already trades ${a.max} markets on root ${a.rootId}: the limit per root.`,
  TooManyRoots: (a) =>
    `${a.trader} already has ${a.max} open roots in collateral ${a.collateral}: redeem a final root first.`,
  NoSuchOrder: (a) => `No resting order under key ${a.orderKey}: it was filled or cancelled already, or never rested.`,
  InsufficientCollateral: (a) =>
    `Insufficient collateral: ${a.trader} has cash ${a.cash} and a worst case of ${a.sumWorst} (collateral units), short by ${a.shortfall}: deposit more or trade smaller.`,
  InsufficientCash: (a) => `${a.trader} has cash ${a.cash} and cannot withdraw ${a.amount} (collateral units).`,
  DepositShortfall: (a) =>
    `Token ${a.token} delivered ${a.received} instead of ${a.expected} (fee-on-transfer tokens are refused).`,
  ZeroAmount: () => "A zero amount does nothing: pass an amount above 0.",
  BadRecipient: (a) =>
    `A withdrawal cannot pay ${a.to}: the zero address and the markets contract itself would lose the funds for good (pass --to another address).`,
});

// ------------------------------------------------------------------ parsing

/** A price "0.45" in (0, 1) on the 0.01 grid, as its tick (45). */
export function parsePrice(value: string, what = "--price"): number {
  const v = value.trim();
  if (!/^\d*\.?\d+$/.test(v)) throw new CliError(`${what} "${value}" is not a price: write a decimal like 0.45`);
  let units: bigint;
  try {
    units = parseAmount(v, 2, what);
  } catch {
    throw new CliError(`${what} "${value}" is off the 0.01 grid: prices move in steps of 0.01 (e.g. 0.45)`);
  }
  if (units <= 0n || units >= BigInt(TICKS)) {
    throw new CliError(`${what} "${value}" is outside (0, 1): a price must be above 0 and below 1 (0.01 to 0.99)`);
  }
  return Number(units);
}

/** An order's signed quantity from a whole number of contracts and a side. */
export function parseQuantity(value: string, side: string): bigint {
  const q = parseInteger(value, "--quantity", 1n);
  if (q > MAX_QUANTITY) throw new CliError(`--quantity ${q} is above the largest order, ${MAX_QUANTITY} contracts`);
  if (side === "bid" || side === "buy") return q;
  if (side === "offer" || side === "ask" || side === "sell") return -q;
  throw new CliError(`--side "${side}" must be bid or offer`);
}

/** A duration: seconds ("3600") or a number with a unit ("90m", "12h", "7d"). */
export function parseDuration(value: string, what: string): bigint {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (m === null) throw new CliError(`${what} "${value}" is not a duration: use seconds or 90m, 12h, 7d`);
  const mult = { "": 1n, s: 1n, m: 60n, h: 3_600n, d: 86_400n }[m[2] as "" | "s" | "m" | "h" | "d"];
  return BigInt(m[1]) * mult;
}

function pick<T extends string>(value: string, names: readonly T[], what: string): number {
  const i = names.indexOf(value as T);
  if (i < 0) throw new CliError(`${what} "${value}" must be one of: ${names.join(", ")}`);
  return i;
}

// ------------------------------------------------------------------ reading

async function providerOf(runner: ContractRunner): Promise<Provider> {
  const p = runner.provider ?? (runner as Provider);
  if (p === null || typeof (p as Provider).getBlock !== "function")
    throw new CliError("no provider to read the chain with");
  return p as Provider;
}

async function chainNow(runner: ContractRunner): Promise<bigint> {
  const b = await (await providerOf(runner)).getBlock("latest");
  if (b === null) throw new CliError("cannot read the latest block");
  return BigInt(b.timestamp);
}

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

async function tokenInfo(runner: ContractRunner, address: string): Promise<TokenInfo> {
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

function requireBranch(info: RootInfo, branchId: number, what = "--branch"): MarketInfo {
  const b = info.branches.find((x) => x.branchId === branchId);
  if (b === undefined) {
    throw new CliError(
      `unknown branch ${branchId} of root ${info.rootId}: ${what} must be one of ${info.branches.map((x) => x.branchId).join(", ")} (see "market show --root ${info.rootId}")`,
    );
  }
  return b;
}

function requireOpen(info: RootInfo): void {
  if (info.status !== "open") throw new CliError(`RootNotOpen: root ${info.rootId} is ${info.status} (${info.phase})`);
}

function requireTrading(info: RootInfo): void {
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
    const index = Number(ref & 0xffffffffn);
    const orderKey = BigInt(String(await m.orderKeyOf(info.rootId, branchId, tick, index)));
    const [, remaining] = (await m.restingOrder(orderKey)) as [string, bigint];
    if (remaining > 0n) orders.push({ orderKey, branchId, side: isBid ? "bid" : "offer", tick, remaining });
  }
  return { ...base, worstOnRoot, positions, orders };
}

// ------------------------------------------------------------------ writes

export interface TxResult {
  txHash: string;
  gasUsed: bigint;
}

async function send(
  tx: Promise<{
    hash: string;
    wait(): Promise<{ gasUsed: bigint; logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }> } | null>;
  }>,
) {
  const sent = await tx;
  const receipt = await sent.wait();
  if (receipt === null) throw new CliError(`transaction ${sent.hash} was dropped`);
  return { txHash: sent.hash, gasUsed: receipt.gasUsed, logs: receipt.logs };
}

function eventsOf(logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }>, name: string) {
  const out = [];
  for (const log of logs) {
    let p = null;
    try {
      p = marketsInterface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      p = null;
    }
    if (p !== null && p.name === name) out.push(p.args);
  }
  return out;
}

function writer(m: Contract, signer: Signer): Contract {
  return m.connect(signer) as Contract;
}

/** `create-root` input in human units. */
export interface CreateRootInput {
  collateral: string;
  /** Outcome decimals (X scaled by 10^decimals). */
  decimals: number;
  /** Root market bounds, human outcome units. */
  min: string;
  max: string;
  /** What one contract pays at the top of its range, human collateral units (a multiple of 0.01 of a unit). */
  payout: string;
  /** Seconds from chain time to expiry, and from expiry to the void deadline. */
  expiresIn: bigint;
  voidAfter: bigint;
  source: SourceName;
  reporter?: string;
  disputeWindow?: bigint;
  /** Feed source: the Chainlink feed(s) and their heartbeat / delay limits (seconds). */
  feeds?: string[];
  heartbeat?: bigint;
  maxDelay?: bigint;
}

export interface CreateRootResult extends TxResult {
  rootId: bigint;
  info: RootInfo;
}

/** Creates a root (owner, callback or feed source) from human units; the caller becomes its owner. */
export async function createRoot(
  signer: Signer,
  marketsArg: string,
  input: CreateRootInput,
): Promise<CreateRootResult> {
  const m = writer(await openMarkets(signer, marketsArg), signer);
  if (!Number.isInteger(input.decimals) || input.decimals < 0 || input.decimals > 36) {
    throw new CliError(`--decimals ${input.decimals} must be a whole number from 0 to 36`);
  }
  const collateral = await tokenInfo(signer, parseAddress(input.collateral, "--collateral"));
  const min = parseAmount(input.min, input.decimals, "--min");
  const max = parseAmount(input.max, input.decimals, "--max");
  if (min >= max) throw new CliError(`--min ${input.min} must be below --max ${input.max}`);
  const payoutUnits = parseAmount(input.payout, collateral.decimals, "--payout");
  if (payoutUnits <= 0n || payoutUnits % BigInt(TICKS) !== 0n) {
    throw new CliError(
      `--payout ${input.payout} ${collateral.symbol} must be above 0 and a whole number of collateral units per 0.01 price step (a multiple of ${formatAmount(BigInt(TICKS), collateral.decimals)})`,
    );
  }
  if (input.expiresIn <= 0n) throw new CliError("--expires-in must be above 0");
  const source = pick(input.source, SOURCE_NAMES, "--source");
  const reporter =
    input.reporter === undefined || input.reporter === "" ? ZeroAddress : parseAddress(input.reporter, "--reporter");
  if (input.source === "callback" && reporter === ZeroAddress)
    throw new CliError("--source callback needs --reporter <address>");
  const disputeWindow = input.disputeWindow ?? 0n;
  if (input.voidAfter < disputeWindow) {
    throw new CliError(
      `--void-after must be at least the dispute window (${disputeWindow} s) so a report can finish before the void deadline`,
    );
  }
  const now = await chainNow(signer);
  const expiry = now + input.expiresIn;
  const params = {
    collateral: collateral.address,
    unitScale: payoutUnits / BigInt(TICKS),
    decimals: input.decimals,
    min,
    max,
    expiry,
    voidDeadline: expiry + input.voidAfter,
    source,
    reporter,
    disputeWindow,
  };
  let rootId: bigint;
  let r;
  if (input.source === "feed") {
    const feeds = (input.feeds ?? []).map((f, i) => parseAddress(f, `--feed #${i + 1}`));
    if (feeds.length === 0) throw new CliError("--source feed needs --feed <Chainlink aggregator address>");
    const spec = {
      kind: 0,
      feeds,
      heartbeat: input.heartbeat ?? 86_400n,
      maxDelay: input.maxDelay ?? 3_600n,
      twapWindow: 0,
      minAnswer: 0n,
      maxAnswer: 0n,
      sequencerFeed: ZeroAddress,
      sequencerGrace: 0,
    };
    rootId = BigInt(await m.createFeedRoot.staticCall(params, spec));
    r = await send(m.createFeedRoot(params, spec));
  } else {
    rootId = BigInt(await m.createRoot.staticCall(params));
    r = await send(m.createRoot(params));
  }
  return { rootId, txHash: r.txHash, gasUsed: r.gasUsed, info: await loadRoot(signer, m.target as string, rootId) };
}

/** Creates a sub-market under `parent` with bounds (human outcome units) inside the parent's. Anyone. */
export async function createSub(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
  parent: number,
  minArg: string,
  maxArg: string,
): Promise<TxResult & { rootId: bigint; branchId: number; min: bigint; max: bigint }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  requireOpen(info);
  requireBranch(info, parent, "--parent");
  const min = parseOutcome(info, minArg, "--min");
  const max = parseOutcome(info, maxArg, "--max");
  const m = writer(marketsAt(info.markets, signer), signer);
  const branchId = Number(await m.createSub.staticCall(info.rootId, parent, min, max));
  const r = await send(m.createSub(info.rootId, parent, min, max));
  return { rootId: info.rootId, branchId, min, max, txHash: r.txHash, gasUsed: r.gasUsed };
}

/** The collateral token: `--token` as given, else the collateral of `--root`. */
export async function collateralOf(
  runner: ContractRunner,
  marketsArg: string,
  token: string,
  rootArg: string,
): Promise<TokenInfo> {
  if (token.trim() !== "") return tokenInfo(runner, parseAddress(token, "--token"));
  if (rootArg.trim() === "")
    throw new CliError("pass --token <collateral address> or --root <id> (its collateral is used)");
  return (await loadRoot(runner, marketsArg, rootArg)).collateral;
}

export interface DepositResult extends TxResult {
  account: string;
  token: TokenInfo;
  amount: bigint;
  /** Allowance granted first (0 when the allowance sufficed). */
  approved: bigint;
  cash: bigint;
}

/** Deposits `amount` (human units) of a collateral token; approves exactly the amount when the allowance is short. */
export async function deposit(
  signer: Signer,
  marketsArg: string,
  token: TokenInfo,
  amountArg: string,
): Promise<DepositResult> {
  const m = writer(await openMarkets(signer, marketsArg), signer);
  const amount = parseAmount(amountArg, token.decimals, "--amount");
  if (amount <= 0n) throw new CliError("--amount must be above 0");
  const me = await signer.getAddress();
  const t = new Contract(token.address, ERC20_ABI, signer);
  const bal = BigInt(await t.balanceOf(me));
  if (bal < amount) {
    throw new CliError(
      `insufficient ${token.symbol}: ${me} holds ${formatAmount(bal, token.decimals)} and cannot deposit ${formatAmount(amount, token.decimals)}`,
    );
  }
  const allowance = BigInt(await t.allowance(me, m.target));
  let approved = 0n;
  if (allowance < amount) {
    await (await t.approve(m.target, amount)).wait();
    approved = amount;
  }
  await m.deposit.staticCall(token.address, amount);
  const r = await send(m.deposit(token.address, amount));
  const [cash] = (await m.account(me, token.address)) as [bigint];
  return { account: me, token, amount, approved, cash, txHash: r.txHash, gasUsed: r.gasUsed };
}

/** Withdraws `amount` (human units) to `to`; refused before any transaction when above the free cash. */
export async function withdraw(
  signer: Signer,
  marketsArg: string,
  token: TokenInfo,
  amountArg: string,
  toArg = "",
): Promise<TxResult & { account: string; to: string; token: TokenInfo; amount: bigint; free: bigint }> {
  const amount = parseAmount(amountArg, token.decimals, "--amount");
  if (amount <= 0n) throw new CliError("--amount must be above 0");
  const me = await signer.getAddress();
  const to = toArg === "" ? me : parseAddress(toArg, "--to");
  const view = await accountView(signer, marketsArg, me, token.address);
  if (amount > view.free) {
    throw new CliError(
      `cannot withdraw ${formatAmount(amount, token.decimals)} ${token.symbol}: ${me} has ${formatAmount(view.free, token.decimals)} free (cash ${formatAmount(view.cash, token.decimals)}, worst case of open positions and orders ${formatAmount(view.sumWorst, token.decimals)}): withdraw less, cancel orders or redeem`,
    );
  }
  const m = writer(marketsAt(parseAddress(marketsArg, "--markets"), signer), signer);
  await m.withdraw.staticCall(token.address, amount, to);
  const r = await send(m.withdraw(token.address, amount, to));
  return { account: me, to, token, amount, free: view.free - amount, txHash: r.txHash, gasUsed: r.gasUsed };
}

// ------------------------------------------------------------------ orders

/** `order` / `place` input: the market, price, quantity and side as typed on the command line. */
export interface OrderInput {
  root: string;
  branch: number;
  price: string;
  quantity: string;
  side: string;
  type: string;
  expiryHours: number;
  nonce?: bigint;
  salt?: bigint;
}

/** An order as written to a file: bigints as decimal strings, with the signature a relayer submits. */
export interface MarketOrderFile {
  type: "ringfence-market-order";
  chainId: string;
  markets: string;
  digest: string;
  signature: string;
  order: {
    rootId: string;
    branchId: number;
    tick: number;
    quantity: string;
    orderType: number;
    expiry: string;
    nonce: string;
    salt: string;
    trader: string;
  };
  /** For people: side, price, contracts, type. */
  readable: { side: "bid" | "offer"; price: string; contracts: string; type: OrderTypeName };
}

/** Builds an order for the signer from command-line input, checking root, branch, price and quantity. */
export async function buildOrder(
  signer: Signer,
  marketsArg: string,
  input: OrderInput,
): Promise<{ info: RootInfo; order: MarketOrder }> {
  const tick = parsePrice(input.price);
  const quantity = parseQuantity(input.quantity, input.side);
  const orderType = pick(input.type, ORDER_TYPE_NAMES, "--type");
  if (!(input.expiryHours > 0)) throw new CliError("--expiry-hours must be above 0");
  const info = await loadRoot(signer, marketsArg, input.root);
  requireBranch(info, input.branch);
  requireTrading(info);
  const trader = await signer.getAddress();
  const order: MarketOrder = {
    rootId: info.rootId,
    branchId: input.branch,
    tick,
    quantity,
    orderType,
    expiry: info.now + BigInt(Math.round(input.expiryHours * 3600)),
    nonce: input.nonce ?? BigInt(String(await marketsAt(info.markets, signer).minNonce(trader))),
    salt: input.salt ?? BigInt("0x" + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")),
    trader,
  };
  return { info, order };
}

function orderToFile(
  chainId: bigint,
  markets: string,
  order: MarketOrder,
  signature: string,
  digest: string,
): MarketOrderFile {
  return {
    type: "ringfence-market-order",
    chainId: chainId.toString(),
    markets,
    digest,
    signature,
    order: {
      rootId: order.rootId.toString(),
      branchId: order.branchId,
      tick: order.tick,
      quantity: order.quantity.toString(),
      orderType: order.orderType,
      expiry: order.expiry.toString(),
      nonce: order.nonce.toString(),
      salt: order.salt.toString(),
      trader: order.trader,
    },
    readable: {
      side: order.quantity > 0n ? "bid" : "offer",
      price: tickPrice(order.tick),
      contracts: (order.quantity < 0n ? -order.quantity : order.quantity).toString(),
      type: ORDER_TYPE_NAMES[order.orderType],
    },
  };
}

/** Signs an order with the signer as trader, for a relayer to submit (`market place --order`). */
export async function signOrder(signer: Signer, marketsArg: string, input: OrderInput): Promise<MarketOrderFile> {
  const { info, order } = await buildOrder(signer, marketsArg, input);
  const chainId = (await (await providerOf(signer)).getNetwork()).chainId;
  const domain = marketsDomain(chainId, info.markets);
  const signature = await signMarketOrder(signer, domain, order);
  return orderToFile(chainId, info.markets, order, signature, orderDigest(domain, order));
}

const bigField = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" || !/^-?\d+$/.test(v))
    throw new CliError(`order file: ${what} must be a whole number written as a string`);
  return BigInt(v);
};

/** Parses and checks an order file against the chain: same chain and singleton, signature, expiry. */
export async function checkOrderFile(
  runner: ContractRunner,
  marketsArg: string,
  raw: unknown,
): Promise<{ order: MarketOrder; signature: string; digest: string }> {
  const f = raw as MarketOrderFile;
  if (
    f === null ||
    typeof f !== "object" ||
    f.type !== "ringfence-market-order" ||
    typeof f.order !== "object" ||
    f.order === null
  ) {
    throw new CliError(`the order file is not a Ringfence market order (made by "market order")`);
  }
  if (typeof f.signature !== "string" || !/^0x[0-9a-fA-F]*$/.test(f.signature))
    throw new CliError("order file: signature is missing or not hex");
  const o = f.order;
  if (!Number.isInteger(o.branchId) || !Number.isInteger(o.tick) || !Number.isInteger(o.orderType)) {
    throw new CliError("order file: branchId, tick and orderType must be whole numbers");
  }
  const order: MarketOrder = {
    rootId: bigField(o.rootId, "order.rootId"),
    branchId: o.branchId,
    tick: o.tick,
    quantity: bigField(o.quantity, "order.quantity"),
    orderType: o.orderType,
    expiry: bigField(o.expiry, "order.expiry"),
    nonce: bigField(o.nonce, "order.nonce"),
    salt: bigField(o.salt, "order.salt"),
    trader: parseAddress(String(o.trader), "order file order.trader"),
  };
  const provider = await providerOf(runner);
  const chainId = (await provider.getNetwork()).chainId;
  if (bigField(f.chainId, "chainId") !== chainId) {
    throw new CliError(
      `the order was signed for chain ${f.chainId} but this network is chain ${chainId}: use the right --network`,
    );
  }
  const markets = parseAddress(marketsArg, "--markets");
  if (parseAddress(String(f.markets), "order file markets") !== markets) {
    throw new CliError(
      `the order was signed for the markets contract ${f.markets}, not ${markets}: pass --markets ${f.markets}`,
    );
  }
  const domain = marketsDomain(chainId, markets);
  const digest = orderDigest(domain, order);
  if ((await provider.getCode(order.trader)) === "0x") {
    let signerAddr = "";
    try {
      signerAddr = verifyTypedData(domain, ORDER_TYPES, { ...order }, f.signature);
    } catch {
      signerAddr = "";
    }
    if (signerAddr !== order.trader) {
      throw new CliError(
        `BadSignature: the order's signature does not verify for trader ${order.trader} (the order was changed after signing, or signed by another key): ask the trader to sign it again`,
      );
    }
  }
  return { order, signature: f.signature, digest };
}

export interface Fill {
  maker: string;
  tick: number;
  quantity: bigint;
}

export interface PlaceResult extends TxResult {
  rootId: bigint;
  branchId: number;
  trader: string;
  submitter: string;
  digest: string;
  side: "bid" | "offer";
  tick: number;
  quantity: bigint;
  traded: bigint;
  fills: Fill[];
  /** Contracts left resting under `orderKey` (0 when nothing rests). */
  resting: bigint;
  orderKey: bigint;
  /** Contracts dropped (IOC remainder, sweep bound) or own resting orders cancelled on the way. */
  reductions: Array<{ quantity: bigint; reason: string }>;
}

/**
 * Submits an order: the signer's own (`order` built from input, no signature) or a signed one from a file
 * (anyone may relay it). Checks the root, branch, trading window and signature first; the simulation
 * decodes any revert (insufficient collateral, post-only crossing, limits).
 */
export async function placeOrder(
  signer: Signer,
  marketsArg: string,
  source: { input: OrderInput } | { file: unknown },
  maxLevels: bigint,
): Promise<PlaceResult> {
  let order: MarketOrder;
  let signature = "0x";
  if ("input" in source) {
    order = (await buildOrder(signer, marketsArg, source.input)).order;
  } else {
    const checked = await checkOrderFile(signer, marketsArg, source.file);
    order = checked.order;
    signature = checked.signature;
    const info = await loadRoot(signer, marketsArg, order.rootId);
    requireBranch(info, order.branchId, "the order's branch");
    requireTrading(info);
    if (order.expiry <= info.now) {
      throw new CliError(
        `the order expired at ${isoTime(order.expiry)} (chain time ${isoTime(info.now)}): ask the trader for a fresh one`,
      );
    }
  }
  if (maxLevels < 1n) throw new CliError("--max-levels must be at least 1");
  const me = await signer.getAddress();
  // A relayed order is swept over every level: its trader signed no bound (the contract refuses a relay that
  // a lower bound would cut short). --max-levels bounds only the signer's own orders.
  const levels =
    getAddress(order.trader) !== getAddress(me) && maxLevels < RELAY_MAX_LEVELS ? RELAY_MAX_LEVELS : maxLevels;
  const m = writer(marketsAt(parseAddress(marketsArg, "--markets"), signer), signer);
  await m.place.staticCall(order, signature, levels);
  const r = await send(m.place(order, signature, levels));
  const accepted = eventsOf(r.logs, "OrderAccepted")[0];
  const digest = String(accepted.digest);
  const fills = eventsOf(r.logs, "OrderFilled")
    .filter((f) => f.takerDigest === digest)
    .map((f) => ({ maker: String(f.maker), tick: Number(f.tick), quantity: BigInt(f.quantity) }));
  const traded = fills.reduce((s, f) => s + f.quantity, 0n);
  const reductions = eventsOf(r.logs, "OrderReduced").map((x) => ({
    quantity: BigInt(x.quantity),
    reason: REASON_NAMES[Number(x.reason)] ?? String(x.reason),
  }));
  const size = order.quantity < 0n ? -order.quantity : order.quantity;
  const orderKey = BigInt(accepted.orderKey);
  const [, resting] = (await m.restingOrder(orderKey)) as [string, bigint];
  const rests = order.orderType !== 1 && size - traded > 0n && resting > 0n;
  return {
    rootId: order.rootId,
    branchId: order.branchId,
    trader: order.trader,
    submitter: me,
    digest,
    side: order.quantity > 0n ? "bid" : "offer",
    tick: order.tick,
    quantity: size,
    traded,
    fills,
    resting: rests ? resting : 0n,
    orderKey,
    reductions,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/** Cancels a resting order by key (its trader only), or a signed order nobody submitted (`cancelSigned`). */
export async function cancelOrder(
  signer: Signer,
  marketsArg: string,
  what: { orderKey: bigint } | { file: unknown },
): Promise<TxResult & { cancelled: string; quantity: bigint }> {
  const m = writer(await openMarkets(signer, marketsArg), signer);
  const me = await signer.getAddress();
  if ("orderKey" in what) {
    const [trader, remaining] = (await m.restingOrder(what.orderKey)) as [string, bigint];
    if (remaining === 0n)
      throw new CliError(
        `NoSuchOrder: nothing rests under key ${what.orderKey}: it was filled or cancelled already (see "market show")`,
      );
    if (trader !== me)
      throw new CliError(
        `NotMaker: the order under key ${what.orderKey} is ${trader}'s; the selected account is ${me} (choose it with --account)`,
      );
    await m.cancel.staticCall(what.orderKey);
    const r = await send(m.cancel(what.orderKey));
    return { cancelled: `order key ${what.orderKey}`, quantity: remaining, txHash: r.txHash, gasUsed: r.gasUsed };
  }
  const { order, digest } = await checkOrderFile(signer, marketsArg, what.file);
  if (order.trader !== me)
    throw new CliError(
      `NotMaker: only the trader ${order.trader} may cancel this order; the selected account is ${me}`,
    );
  await m.cancelSigned.staticCall(order);
  const r = await send(m.cancelSigned(order));
  return {
    cancelled: `signed order ${digest}`,
    quantity: order.quantity < 0n ? -order.quantity : order.quantity,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/** Cancels every resting order of the signer on a market (branch) of the root, or on all of them (branch 0). */
export async function cancelMarket(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
  branch: number,
): Promise<TxResult & { rootId: bigint; branchId: number; cancelled: number; contracts: bigint }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  if (branch !== 0) requireBranch(info, branch);
  const m = writer(marketsAt(info.markets, signer), signer);
  await m.cancelMarket.staticCall(info.rootId, branch);
  const r = await send(m.cancelMarket(info.rootId, branch));
  const red = eventsOf(r.logs, "OrderReduced");
  return {
    rootId: info.rootId,
    branchId: branch,
    cancelled: red.length,
    contracts: red.reduce((s, x) => s + BigInt(x.quantity), 0n),
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

// ------------------------------------------------------------------ bounds and settlement

/** Posts narrower bounds (human outcome units) on a market: owner (or reporter, without collapsing). */
export async function postBounds(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
  branch: number,
  minArg: string,
  maxArg: string,
): Promise<TxResult & { rootId: bigint; lo: bigint; hi: bigint; settled: boolean; decimals: number }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  requireOpen(info);
  const b = requireBranch(info, branch);
  const newMin = minArg === "" ? b.min : parseOutcome(info, minArg, "--min");
  const newMax = maxArg === "" ? b.max : parseOutcome(info, maxArg, "--max");
  const m = writer(marketsAt(info.markets, signer), signer);
  await m.postBounds.staticCall(info.rootId, branch, newMin, newMax);
  const r = await send(m.postBounds(info.rootId, branch, newMin, newMax));
  const posted = eventsOf(r.logs, "BoundsPosted")[0];
  return {
    rootId: info.rootId,
    lo: BigInt(posted.lo),
    hi: BigInt(posted.hi),
    settled: eventsOf(r.logs, "RootSettled").length > 0,
    decimals: info.decimals,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/** The reporter reports outcome `x` (human units); with `override`, the owner overrides a pending report. */
export async function reportOutcome(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
  xArg: string,
  override = false,
): Promise<TxResult & { rootId: bigint; x: bigint; decimals: number; windowEnd?: bigint; settled: boolean }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  requireOpen(info);
  const x = parseOutcome(info, xArg, "--outcome");
  const m = writer(marketsAt(info.markets, signer), signer);
  if (override) {
    await m.overrideReport.staticCall(info.rootId, x);
    const r = await send(m.overrideReport(info.rootId, x));
    return { rootId: info.rootId, x, decimals: info.decimals, settled: true, txHash: r.txHash, gasUsed: r.gasUsed };
  }
  await m.report.staticCall(info.rootId, x);
  const r = await send(m.report(info.rootId, x));
  const ev = eventsOf(r.logs, "OutcomeReported")[0];
  return {
    rootId: info.rootId,
    x,
    decimals: info.decimals,
    windowEnd: BigInt(ev.windowEnd),
    settled: false,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/** Settles a callback root at its pending report after the dispute window. Anyone. */
export async function finalizeReport(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
): Promise<TxResult & { rootId: bigint; x: bigint; decimals: number }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  requireOpen(info);
  const m = writer(marketsAt(info.markets, signer), signer);
  await m.finalizeReport.staticCall(info.rootId);
  const r = await send(m.finalizeReport(info.rootId));
  return {
    rootId: info.rootId,
    x: BigInt(eventsOf(r.logs, "RootSettled")[0].x),
    decimals: info.decimals,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/**
 * Settles a feed root (or voids any root past its void deadline) through the contract's Automation
 * interface with `checkData = abi.encode(rootId)`; explains why when nothing is due.
 */
export async function settleRoot(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
): Promise<TxResult & { rootId: bigint; outcome: "settled" | "voided"; x?: bigint; decimals: number }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  requireOpen(info);
  const m = writer(marketsAt(info.markets, signer), signer);
  const checkData = AbiCoder.defaultAbiCoder().encode(["uint256"], [info.rootId]);
  const [needed, performData] = (await m.checkUpkeep(checkData)) as [boolean, string];
  if (!needed) {
    if (info.now < info.expiry) {
      throw new CliError(
        `TooEarly: root ${info.rootId} expires at ${isoTime(info.expiry)}; chain time is ${isoTime(info.now)}`,
      );
    }
    if (info.source !== "feed") {
      throw new CliError(
        info.now >= info.voidDeadline
          ? `root ${info.rootId} has a pending report: "market finalize" it after the dispute window`
          : `root ${info.rootId} settles by its ${info.source} source (${info.source === "owner" ? 'the owner collapses the bounds with "market post-bounds"' : '"market report" then "market finalize"'}), or is voided after ${isoTime(info.voidDeadline)}`,
      );
    }
    throw new CliError(
      `no valid fixing yet for root ${info.rootId}: its feed needs a round at or after expiry ${isoTime(info.expiry)} (with the previous round before it); try again after the feed updates`,
    );
  }
  await m.performUpkeep.staticCall(performData);
  const r = await send(m.performUpkeep(performData));
  const settled = eventsOf(r.logs, "RootSettled")[0];
  return {
    rootId: info.rootId,
    outcome: settled === undefined ? "voided" : "settled",
    x: settled === undefined ? undefined : BigInt(settled.x),
    decimals: info.decimals,
    txHash: r.txHash,
    gasUsed: r.gasUsed,
  };
}

/** Turns a trader's positions on a final root into cash (anyone may call for anyone). */
export async function redeem(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
  traderArg = "",
): Promise<TxResult & { rootId: bigint; trader: string; payout: bigint; token: TokenInfo }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  if (info.status === "open") {
    throw new CliError(`RootNotFinal: root ${info.rootId} is not settled or voided yet (phase: ${info.phase})`);
  }
  const trader = traderArg === "" ? await signer.getAddress() : parseAddress(traderArg, "--trader");
  const m = writer(marketsAt(info.markets, signer), signer);
  const payout = BigInt(await m.redeem.staticCall(info.rootId, trader));
  const r = await send(m.redeem(info.rootId, trader));
  return { rootId: info.rootId, trader, payout, token: info.collateral, txHash: r.txHash, gasUsed: r.gasUsed };
}

// ------------------------------------------------------------------ verify

export interface VerifyResult {
  rootId: bigint;
  records: number;
  events: number;
  head: string;
  problems: string[];
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
  const topics0 = names.map((n) => marketsInterface.getEvent(n)!.topicHash);
  const rootTopic = AbiCoder.defaultAbiCoder().encode(["uint256"], [info.rootId]);
  const created = await provider.getLogs({
    address: info.markets,
    fromBlock: 0,
    toBlock: "latest",
    topics: [marketsInterface.getEvent("RootCreated")!.topicHash, rootTopic],
  });
  const from = created.length > 0 ? created[0].blockNumber : 0;
  const to = await provider.getBlockNumber();
  const logs = [];
  const total = to - from + 1;
  progress(0, total);
  for (let b = from; b <= to; b += step) {
    const end = Math.min(b + step - 1, to);
    logs.push(
      ...(await provider.getLogs({ address: info.markets, fromBlock: b, toBlock: end, topics: [topics0, rootTopic] })),
    );
    progress(end - from + 1, total);
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
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
