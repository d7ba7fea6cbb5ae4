/**
 * The markets' transactions: roots and sub-markets, deposit and withdraw, placing (own or relayed signed
 * orders), cancelling, bounds, reports, settlement and redemption. Input is checked before anything is sent,
 * every write is simulated first so a revert comes back as a decoded custom error, and nothing here prints.
 * Browser-safe.
 */
import { AbiCoder, Contract, getAddress, ZeroAddress, type ContractRunner, type Signer } from "ethers";

import { CliError, formatAmount, isoTime, parseAddress, parseAmount } from "../input.js";
import { marketsAt, marketsInterface } from "./abi.js";
import { orderKeyOfRef } from "./book.js";
import { buildOrder, checkOrderFile, type OrderInput } from "./orderFiles.js";
import { pick, RELAY_MAX_LEVELS, SOURCE_NAMES, type SourceName } from "./parse.js";
import {
  accountView,
  chainNow,
  ERC20_ABI,
  loadRoot,
  openMarkets,
  parseOutcome,
  requireBranch,
  requireOpen,
  requireTrading,
  fillsOf,
  providerOf,
  tokenInfo,
  tradersOfKeys,
  type RootInfo,
  type TokenInfo,
} from "./reads.js";
import { TICKS, type MarketOrder } from "./typedData.js";

const REASON_NAMES = [
  "cancelled",
  "self-trade cancel",
  "immediate-or-cancel remainder",
  "sweep bound reached",
  "cancelled-entry bound reached (retry: the book has moved past them)",
];

export interface TxResult {
  txHash: string;
  gasUsed: bigint;
}

async function send(
  tx: Promise<{
    hash: string;
    wait(): Promise<{
      gasUsed: bigint;
      blockNumber: number;
      logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }>;
    } | null>;
  }>,
) {
  const sent = await tx;
  const receipt = await sent.wait();
  if (receipt === null) throw new CliError(`transaction ${sent.hash} was dropped`);
  return { txHash: sent.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, logs: receipt.logs };
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

export interface Fill {
  /** From the resting order's `OrderAccepted` log; undefined when the node no longer serves that log. */
  maker?: string;
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
    if (source.input.safe !== undefined && source.input.safe !== "")
      throw new CliError(
        "a Safe's order needs its owners' signature: sign it with \"market order --safe\", then place that file",
      );
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
  const fills = await fillsOf(signer, await m.getAddress(), eventsOf(r.logs, "OrderFilled"), digest, r.blockNumber);
  const traded = fills.reduce((s, f) => s + f.quantity, 0n);
  const reductions = eventsOf(r.logs, "OrderReduced").map((x) => ({
    quantity: BigInt(x.quantity),
    reason: REASON_NAMES[Number(x.reason)] ?? String(x.reason),
  }));
  const size = order.quantity < 0n ? -order.quantity : order.quantity;
  const orderKey = BigInt(accepted.orderKey);
  const [resting] = (await m.restingOrder(orderKey)) as [bigint, bigint];
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

/**
 * Throws the contract's `NotYourOrder` refusal before anything is sent unless resting order `key` is among
 * `me`'s own open orders on its root (lens `traderRoot`): the book does not store who placed an order, so the
 * contract decides by that list. The message names the order's trader when its `OrderAccepted` log is served.
 */
async function requireOwnOrder(signer: Signer, m: Contract, me: string, key: bigint): Promise<void> {
  const rootId = key >> 56n;
  const [, , , , refs] = (await m.traderRoot(me, rootId)) as [bigint, bigint, bigint[], bigint[], bigint[]];
  if (refs.some((ref) => orderKeyOfRef(rootId, BigInt(ref)) === key)) return;
  // Naming the trader is a courtesy: a node that caps or prunes log queries must not hide the refusal itself.
  const block = await (await providerOf(signer)).getBlockNumber();
  const owner = (await tradersOfKeys(signer, await m.getAddress(), [key], block).catch(() => undefined))?.get(key);
  throw new CliError(
    owner === undefined
      ? `NotYourOrder: the order under key ${key} is not among the open orders of the selected account ${me}; only the trader who placed it may cancel it (choose that account with --account)`
      : `NotYourOrder: the order under key ${key} is ${owner}'s; the selected account is ${me} (choose it with --account)`,
  );
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
    const key = what.orderKey;
    const [remaining] = (await m.restingOrder(key)) as [bigint, bigint];
    if (remaining === 0n)
      throw new CliError(
        `NoSuchOrder: nothing rests under key ${key}: it was filled or cancelled already (see "market show")`,
      );
    await requireOwnOrder(signer, m, me, key);
    await m.cancel.staticCall(key);
    const r = await send(m.cancel(key));
    return { cancelled: `order key ${key}`, quantity: remaining, txHash: r.txHash, gasUsed: r.gasUsed };
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

/**
 * Recomputes the signer's worst case on a root now (the contract's `sync`): credits maker fills and releases
 * what cancelled orders and narrowed bounds no longer hold, so orders on the account's other roots can use it.
 * A cancel by key leaves the release to this, to the next action on the root, or to a withdrawal.
 */
export async function syncRoot(
  signer: Signer,
  marketsArg: string,
  rootArg: string,
): Promise<TxResult & { rootId: bigint; collateral: TokenInfo; storedBefore: bigint; storedAfter: bigint }> {
  const info = await loadRoot(signer, marketsArg, rootArg);
  const me = await signer.getAddress();
  const m = writer(marketsAt(info.markets, signer), signer);
  const [storedBefore] = (await m.traderRoot(me, info.rootId)) as [bigint];
  await m.sync.staticCall(info.rootId);
  const r = await send(m.sync(info.rootId));
  const [storedAfter] = (await m.traderRoot(me, info.rootId)) as [bigint];
  return {
    rootId: info.rootId,
    collateral: info.collateral,
    storedBefore,
    storedAfter,
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
