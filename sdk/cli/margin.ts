/**
 * What the margin-session commands share: opening a session as a margin session (anything else is refused
 * with a message), the margin report with dividends due, liquidation, corporate actions, dividend claims and
 * the fallback fixing path. Every transaction is simulated first, so a failure comes back as the contract's
 * decoded reason (e.g. `NotLiquidatable: ...`) before anything is sent.
 */
import { Contract, type ContractTransactionResponse, type ContractRunner, type Signer } from "ethers";

import {
  MarginModule__factory,
  MarginSession__factory,
  type MarginModule,
  type MarginSession,
} from "../../types/ethers-contracts/index.js";
import { decodeError, humanError } from "../errors.js";
import { loadSession, type LegInfo, type SessionInfo } from "../sessions/client.js";
import { ActionKind } from "../sessions/config.js";
import { MARGIN_ABIS, marginReport, type MarginReport } from "../sessions/margin.js";
import { CliError, formatAmount, isoTime, parseAddress, parseAmount, parseInteger, parseList } from "./args.js";

const E36 = 10n ** 36n;
const ERC20_ABI = [
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
];

/** A margin session opened for the commands: its info, the session and module contracts, and its cash leg. */
export interface MarginHandle {
  info: SessionInfo;
  session: MarginSession;
  module: MarginModule;
  cashLeg: number;
  cash: LegInfo;
}

/** Opens `sessionArg` and checks it is a margin session (a physical or cash session is refused by name). */
export async function openMargin(runner: ContractRunner, sessionArg: string, factory?: string): Promise<MarginHandle> {
  return marginHandle(runner, await loadSession(runner, sessionArg, factory));
}

/** The handle of a session already loaded with `loadSession` (refused by name unless it is a margin session). */
export async function marginHandle(runner: ContractRunner, info: SessionInfo): Promise<MarginHandle> {
  if (info.kind !== "margin") {
    throw new CliError(
      `${info.address} is a ${info.kind} session, not a margin session: margin commands need a session created with kind "margin"`,
    );
  }
  const module = MarginModule__factory.connect(info.address, runner);
  const cashLeg = Number((await module.marginConfig()).cashLeg);
  return {
    info,
    session: MarginSession__factory.connect(info.address, runner),
    module,
    cashLeg,
    cash: info.legs[cashLeg],
  };
}

/** Sends a simulated-first call; a revert becomes an Error with the decoded reason. */
async function sendChecked(
  simulate: () => Promise<unknown>,
  send: () => Promise<ContractTransactionResponse>,
): Promise<{ txHash: string; gasUsed: bigint; logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }> }> {
  try {
    await simulate();
    const sent = await send();
    const receipt = await sent.wait();
    return { txHash: sent.hash, gasUsed: receipt?.gasUsed ?? 0n, logs: receipt?.logs ?? [] };
  } catch (e) {
    throw humanError(e, MARGIN_ABIS);
  }
}

/**
 * Simulates a call that pulls tokens before approving them: a refusal of the call itself (a decoded
 * contract error other than the token's own allowance or balance errors) is thrown at once, so a command
 * that cannot succeed leaves no allowance behind. A missing allowance is what the approval then fixes.
 */
async function refusedBeforeApproval(simulate: () => Promise<unknown>): Promise<void> {
  try {
    await simulate();
  } catch (e) {
    const decoded = decodeError(e, MARGIN_ABIS);
    if (decoded !== undefined && decoded.name !== "Unknown" && !/^(ERC20Insufficient|SafeERC20)/.test(decoded.name))
      throw humanError(e, MARGIN_ABIS);
  }
}

/** Approves `spender` for exactly the shortfall of `owner`'s allowance of `token` (nothing when it suffices). */
async function approveShortfall(signer: Signer, token: string, spender: string, need: bigint): Promise<bigint> {
  const t = new Contract(token, ERC20_ABI, signer);
  const owner = await signer.getAddress();
  const have = BigInt(String(await t.balanceOf(owner)));
  if (have < need) throw new CliError(`${owner} holds ${have} units of ${token} but needs ${need}`);
  const allowance = BigInt(String(await t.allowance(owner, spender)));
  if (allowance >= need) return 0n;
  await ((await t.approve(spender, need)) as ContractTransactionResponse).wait();
  return need;
}

// ------------------------------------------------------------------ margin report

export interface MarginAccountReport extends MarginReport {
  session: string;
  /** Cash-leg token and its decimals; `dividends` is in its human units. */
  cashSymbol: string;
  /** Accrued and claimable dividends (module.dividendsOf), cash-leg token in human units. */
  dividends: string;
  /** The same in token units. */
  dividendUnits: bigint;
}

/** The margin report of `account` in quote units plus its dividends due. */
export async function marginAccount(
  runner: ContractRunner,
  sessionArg: string,
  account: string,
  factory?: string,
): Promise<MarginAccountReport> {
  return accountReport(await openMargin(runner, sessionArg, factory), account);
}

async function accountReport(h: MarginHandle, account: string): Promise<MarginAccountReport> {
  const report = await marginReport(h.module, account);
  const dividendUnits = await h.module.dividendsOf(account);
  return {
    session: h.info.address,
    ...report,
    cashSymbol: h.cash.symbol,
    dividends: formatAmount(dividendUnits, h.cash.decimals),
    dividendUnits,
  };
}

// ------------------------------------------------------------------ session overview (`session show`)

/** One leg of a margin session as the margin module sees it. */
export interface MarginLegState {
  leg: number;
  symbol: string;
  /** Closed by a cash-in-lieu action: no longer traded, its claim paid in the cash leg. */
  closed: boolean;
  /** Token units per session unit as num/den (1/1 until a split). */
  scaleNum: bigint;
  scaleDen: bigint;
  /** The leg's single-leg stress shock, bps (up and down). */
  shockBps: number;
  /** Whether the leg is in group A of the relative (group) scenario. */
  inGroup: boolean;
}

/** The settlement gap in quote units (decimal strings), from `gap()`. */
export interface MarginGap {
  /** Basket value V. */
  basket: string;
  /** Deficit D of the accounts left negative. */
  deficit: string;
  /** Insurance I: the fee recipient's value, spent first on D. */
  insurance: string;
  /** Positive value P = V + D - I shared by the positive accounts. */
  positive: string;
  /** The part of D the positive accounts bear (D - I when positive). */
  socialised: string;
}

/** What `session show` adds for a margin session: its configuration, stress, shorts, gap, legs and an account. */
export interface MarginSessionReport {
  cashLeg: number;
  cashSymbol: string;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  liquidationPenaltyBps: number;
  /** Largest short per leg, bps of the leg's basket. */
  concentrationBps: number;
  /** Stressed equity every short account keeps, bps of the pool's value at the latest prices. */
  minShortEquityBps: number;
  /** Seconds from scheduling a corporate action to its earliest execution. */
  actionDelay: number;
  /** Seconds to propose a fallback fixing after the deadline, and to dispute a proposal. */
  disputeWindow: number;
  /** The dispute bond in cash-leg token units, and in human units. */
  disputeBondUnits: bigint;
  disputeBond: string;
  /** Cash-leg units held back for dividend claims, and in human units. */
  dividendReserveUnits: bigint;
  dividendReserve: string;
  /** Per leg, the single-leg shock (bps). */
  shockBps: number[];
  /** Legs of group A in the group scenario, and its shock (bps). */
  groupLegs: number[];
  groupShockBps: number;
  /** Accounts holding a negative allocation now. */
  shortAccounts: number;
  /** The settlement gap once the session settled at fixings; null before (and after a fallback release). */
  gap: MarginGap | null;
  legs: MarginLegState[];
  /** The shown account's margin and dividends due (absent when no account was asked for). */
  account?: MarginAccountReport;
  /** Why the account's margin could not be read (e.g. a stale feed), instead of failing the whole overview. */
  accountError?: string;
}

/**
 * Reads a margin session's configuration (`marginConfig`, `stressConfig`), its short-account count, the gap (if
 * settled), each leg's state and, for `account`, the margin report of `session margin` with its dividends due.
 */
export async function marginSessionReport(
  runner: ContractRunner,
  info: SessionInfo,
  account?: string,
): Promise<MarginSessionReport> {
  const h = await marginHandle(runner, info);
  const cfg = await h.module.marginConfig();
  const stress = await h.module.stressConfig();
  const n = info.legs.length;
  const shockBps = Array.from(stress.shockBps, (v) => Number(v));
  const groupLegs = info.legs.map((l) => l.index).filter((k) => ((stress.groupMask >> BigInt(k)) & 1n) === 1n);
  const legs: MarginLegState[] = [];
  for (let k = 0; k < n; k++) {
    const st = await h.module.legState(k);
    legs.push({
      leg: k,
      symbol: info.legs[k].symbol,
      closed: st.closed,
      scaleNum: st.scaleNum,
      scaleDen: st.scaleDen,
      shockBps: shockBps[k],
      inGroup: groupLegs.includes(k),
    });
  }
  let gap: MarginGap | null = null;
  if (info.status === "settled") {
    const g = await h.module.gap();
    const q = (v: bigint) => formatAmount(v, 36);
    gap = {
      basket: q(g.basketE36),
      deficit: q(g.deficitE36),
      insurance: q(g.insuranceE36),
      positive: q(g.positiveE36),
      socialised: q(g.socialisedE36),
    };
  }
  const out: MarginSessionReport = {
    cashLeg: h.cashLeg,
    cashSymbol: h.cash.symbol,
    initialMarginBps: Number(cfg.initialMarginBps),
    maintenanceMarginBps: Number(cfg.maintenanceMarginBps),
    liquidationPenaltyBps: Number(cfg.liquidationPenaltyBps),
    concentrationBps: Number(cfg.concentrationBps),
    minShortEquityBps: Number(await h.module.minShortEquityBps()),
    actionDelay: Number(cfg.actionDelay),
    disputeWindow: Number(cfg.disputeWindow),
    disputeBondUnits: cfg.disputeBond,
    disputeBond: formatAmount(cfg.disputeBond, h.cash.decimals),
    dividendReserveUnits: cfg.dividendReserve,
    dividendReserve: formatAmount(cfg.dividendReserve, h.cash.decimals),
    shockBps,
    groupLegs,
    groupShockBps: Number(stress.groupShockBps),
    shortAccounts: (await h.module.shortAccounts()).length,
    gap,
    legs,
  };
  if (account !== undefined) {
    try {
      out.account = await accountReport(h, account);
    } catch (e) {
      out.accountError = (e as Error).message.split("\n")[0];
    }
  }
  return out;
}

// ------------------------------------------------------------------ liquidation

export interface LiquidationResult {
  session: string;
  account: string;
  liquidator: string;
  /** Quote units, from the Liquidated event. */
  equity: string;
  stressed: string;
  penalty: string;
  /** Cash-leg units paid to the liquidated account, and the same in human units. */
  compensationUnits: bigint;
  compensation: string;
  cashSymbol: string;
  txHash: string;
  gasUsed: bigint;
}

/** Liquidates `target` as the signer (simulated first: NotLiquidatable and the rest come back decoded). */
export async function liquidateAccount(
  signer: Signer,
  sessionArg: string,
  target: string,
  factory?: string,
): Promise<LiquidationResult> {
  const h = await openMargin(signer, sessionArg, factory);
  const account = parseAddress(target, "--target");
  const s = h.session.connect(signer);
  const r = await sendChecked(
    () => s.liquidate.staticCall(account),
    () => s.liquidate(account),
  );
  const iface = MarginSession__factory.createInterface();
  for (const log of r.logs) {
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name !== "Liquidated") continue;
    const q36 = (v: bigint) => formatAmount(v, 36);
    const comp = BigInt(parsed.args.compensation);
    return {
      session: h.info.address,
      account: parsed.args.account as string,
      liquidator: parsed.args.liquidator as string,
      equity: q36(BigInt(parsed.args.equityE36)),
      stressed: q36(BigInt(parsed.args.stressedE36)),
      penalty: q36(BigInt(parsed.args.penaltyE36)),
      compensationUnits: comp,
      compensation: formatAmount(comp, h.cash.decimals),
      cashSymbol: h.cash.symbol,
      txHash: r.txHash,
      gasUsed: r.gasUsed,
    };
  }
  throw new CliError(`liquidation tx ${r.txHash} emitted no Liquidated event`);
}

// ------------------------------------------------------------------ corporate actions

export const ACTION_KIND_NAMES = ["split", "dividend", "cash-in-lieu"] as const;
export const ACTION_STATE_NAMES = ["none", "scheduled", "executed", "cancelled"] as const;
export type ActionKindName = (typeof ACTION_KIND_NAMES)[number];

export interface ActionRow {
  id: number;
  kind: ActionKindName;
  leg: number;
  symbol: string;
  /** Split: "num:den"; dividend: the amount in cash-leg human units; cash-in-lieu: "". */
  parameters: string;
  num: bigint;
  den: bigint;
  eta: bigint;
  etaIso: string;
  state: (typeof ACTION_STATE_NAMES)[number];
}

/** Every corporate action of the session, oldest first. */
export async function listActions(runner: ContractRunner, sessionArg: string, factory?: string): Promise<ActionRow[]> {
  const h = await openMargin(runner, sessionArg, factory);
  return actionRows(h);
}

async function actionRows(h: MarginHandle): Promise<ActionRow[]> {
  const n = Number(await h.module.actionCount());
  const rows: ActionRow[] = [];
  for (let id = 0; id < n; id++) rows.push(actionRow(h, id, await h.module.action(id)));
  return rows;
}

function actionRow(
  h: MarginHandle,
  id: number,
  a: { kind: bigint; state: bigint; leg: bigint; eta: bigint; num: bigint; den: bigint },
): ActionRow {
  const kind = ACTION_KIND_NAMES[Number(a.kind)];
  const leg = Number(a.leg);
  return {
    id,
    kind,
    leg,
    symbol: h.info.legs[leg]?.symbol ?? `leg${leg}`,
    parameters:
      kind === "split"
        ? `${a.num}:${a.den}`
        : kind === "dividend"
          ? `${formatAmount(a.num, h.cash.decimals)} ${h.cash.symbol}`
          : "",
    num: a.num,
    den: a.den,
    eta: a.eta,
    etaIso: isoTime(a.eta),
    state: ACTION_STATE_NAMES[Number(a.state)],
  };
}

/** `--kind`, `--leg`, `--ratio 2:1` or `--amount 150.5` as the contract's (kind, leg, num, den). */
export function parseActionInput(
  input: { kind: string; leg: string; ratio: string; amount: string },
  cashDecimals: number,
): { kind: number; leg: number; num: bigint; den: bigint } {
  const i = ACTION_KIND_NAMES.indexOf(input.kind.trim() as ActionKindName);
  if (i < 0) throw new CliError(`--kind "${input.kind}" must be one of: ${ACTION_KIND_NAMES.join(", ")}`);
  const leg = Number(parseInteger(input.leg, "--leg"));
  if (i === ActionKind.Split) {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(input.ratio);
    if (m === null) throw new CliError(`--ratio "${input.ratio}" must be new:old tokens, e.g. 2:1 or 1:10`);
    const num = BigInt(m[1]);
    const den = BigInt(m[2]);
    if (num === 0n || den === 0n || num === den)
      throw new CliError(`--ratio "${input.ratio}" must have two positive, different sides`);
    return { kind: i, leg, num, den };
  }
  if (i === ActionKind.Dividend) {
    const num = parseAmount(input.amount, cashDecimals, "--amount");
    if (num <= 0n) throw new CliError(`--amount "${input.amount}" must be positive (cash-leg units paid)`);
    return { kind: i, leg, num, den: 0n };
  }
  return { kind: i, leg, num: 0n, den: 0n };
}

export interface ActionResult {
  session: string;
  action: ActionRow;
  /** Cash-leg token units approved to the session before executing (0 when the allowance sufficed). */
  approved: bigint;
  txHash: string;
  gasUsed: bigint;
}

/** Schedules a corporate action as the organiser (simulated first). */
export async function scheduleAction(
  signer: Signer,
  sessionArg: string,
  input: { kind: string; leg: string; ratio: string; amount: string },
  factory?: string,
): Promise<ActionResult> {
  const h = await openMargin(signer, sessionArg, factory);
  const a = parseActionInput(input, h.cash.decimals);
  const m = h.module.connect(signer);
  const r = await sendChecked(
    () => m.scheduleAction.staticCall(a.kind, a.leg, a.num, a.den),
    () => m.scheduleAction(a.kind, a.leg, a.num, a.den),
  );
  const id = Number(await h.module.actionCount()) - 1;
  return { session: h.info.address, action: actionRow(h, id, await h.module.action(id)), approved: 0n, ...r0(r) };
}

const r0 = (r: { txHash: string; gasUsed: bigint }) => ({ txHash: r.txHash, gasUsed: r.gasUsed });

/**
 * Cash the organiser pays to execute action `a`: the dividend amount, or for cash-in-lieu the leg's basket at
 * the latest prices in cash-leg units (rounded up, as the contract rounds against the organiser).
 */
async function cashNeeded(h: MarginHandle, a: ActionRow): Promise<bigint> {
  if (a.kind === "dividend") return a.num;
  if (a.kind === "split") return 0n;
  const unitValue = async (k: number) => {
    const p = h.info.legs[k].latestPrice;
    if (p === undefined) throw new CliError(`leg ${k}'s feed cannot be read: cash-in-lieu needs a live price`);
    const st = await h.module.legState(k);
    return (p * 10n ** BigInt(18 - h.info.legs[k].decimals) * st.scaleNum) / st.scaleDen;
  };
  const pk = await unitValue(a.leg);
  const pj = await unitValue(h.cashLeg);
  const delta = (pk * E36) / pj;
  const q = (await h.module.legState(a.leg)).basket;
  return (q * delta + E36 - 1n) / E36;
}

/** Executes action `id` as the organiser, approving exactly the cash it pulls first (simulated first). */
export async function executeAction(
  signer: Signer,
  sessionArg: string,
  idArg: string,
  factory?: string,
): Promise<ActionResult> {
  const h = await openMargin(signer, sessionArg, factory);
  const id = parseActionId(idArg);
  const rows = await actionRows(h);
  const row = rows[id];
  if (row === undefined) throw new CliError(`--id ${id} is unknown: this session has ${rows.length} actions`);
  const m = h.module.connect(signer);
  await refusedBeforeApproval(() => m.executeAction.staticCall(id));
  let approved = 0n;
  if (row.state === "scheduled") {
    const need = await cashNeeded(h, row);
    if (need > 0n) approved = await approveShortfall(signer, h.cash.token, h.info.address, need);
  }
  const r = await sendChecked(
    () => m.executeAction.staticCall(id),
    () => m.executeAction(id),
  );
  return { session: h.info.address, action: actionRow(h, id, await h.module.action(id)), approved, ...r0(r) };
}

/** Cancels action `id` as the organiser (simulated first). */
export async function cancelAction(
  signer: Signer,
  sessionArg: string,
  idArg: string,
  factory?: string,
): Promise<ActionResult> {
  const h = await openMargin(signer, sessionArg, factory);
  const id = parseActionId(idArg);
  const m = h.module.connect(signer);
  const r = await sendChecked(
    () => m.cancelAction.staticCall(id),
    () => m.cancelAction(id),
  );
  return { session: h.info.address, action: actionRow(h, id, await h.module.action(id)), approved: 0n, ...r0(r) };
}

function parseActionId(v: string): number {
  if (v.trim() === "") throw new CliError("--id is required: the action's index (see `session action --do list`)");
  return Number(parseInteger(v, "--id"));
}

// ------------------------------------------------------------------ dividends

export interface DividendClaim {
  session: string;
  account: string;
  to: string;
  amountUnits: bigint;
  amount: string;
  cashSymbol: string;
  txHash: string;
  gasUsed: bigint;
}

/** Claims the signer's accrued dividends to `to` (default: the signer). */
export async function claimDividends(
  signer: Signer,
  sessionArg: string,
  toArg: string,
  factory?: string,
): Promise<DividendClaim> {
  const h = await openMargin(signer, sessionArg, factory);
  const account = await signer.getAddress();
  const to = toArg.trim() === "" ? account : parseAddress(toArg, "--to");
  const m = h.module.connect(signer);
  let amountUnits = 0n;
  const r = await sendChecked(
    async () => (amountUnits = await m.claimDividends.staticCall(to)),
    () => m.claimDividends(to),
  );
  return {
    session: h.info.address,
    account,
    to,
    amountUnits,
    amount: formatAmount(amountUnits, h.cash.decimals),
    cashSymbol: h.cash.symbol,
    ...r0(r),
  };
}

// ------------------------------------------------------------------ fallback fixing

export interface FixingResult {
  session: string;
  step: "propose" | "dispute" | "finalize" | "withdraw-bond";
  /** Propose: the WAD prices sent. */
  prices: bigint[];
  /** Dispute: the bond approved and paid; withdraw-bond: the forfeited bonds withdrawn (cash-leg units). */
  bond: bigint;
  status: string;
  txHash: string;
  gasUsed: bigint;
}

/**
 * The fallback fixing path: `propose` (organiser; one price per leg in human units, WAD per whole token),
 * `dispute` (a participant; approves exactly the bond first), `finalize` (anyone, after the window), and
 * `withdraw-bond` (the fee recipient takes the forfeited bonds the pool holds for it, to its own address).
 */
export async function fixingStep(
  signer: Signer,
  sessionArg: string,
  step: string,
  pricesArg: string,
  factory?: string,
): Promise<FixingResult> {
  const h = await openMargin(signer, sessionArg, factory);
  const m = h.module.connect(signer);
  const s = h.session.connect(signer);
  let prices: bigint[] = [];
  let bond = 0n;
  let r: { txHash: string; gasUsed: bigint };
  if (step === "propose") {
    const items = parseList(pricesArg, "--prices");
    if (items.length !== h.info.legs.length)
      throw new CliError(`--prices needs one price per leg (${h.info.legs.length}), got ${items.length}`);
    prices = items.map((p, k) => parseAmount(p, 18, `--prices[${k}]`));
    r = await sendChecked(
      () => m.proposeFixing.staticCall(prices),
      () => m.proposeFixing(prices),
    );
  } else if (step === "dispute") {
    bond = (await h.module.marginConfig()).disputeBond;
    // approve only when a dispute can happen at all, so a closed window is reported as itself
    await refusedBeforeApproval(() => m.disputeFixing.staticCall());
    await approveShortfall(signer, h.cash.token, h.info.address, bond);
    r = await sendChecked(
      () => m.disputeFixing.staticCall(),
      () => m.disputeFixing(),
    );
  } else if (step === "finalize") {
    r = await sendChecked(
      () => s.finalizeFixing.staticCall(),
      () => s.finalizeFixing(),
    );
  } else if (step === "withdraw-bond") {
    const me = await signer.getAddress();
    bond = await h.module.bondOf(me);
    r = await sendChecked(
      () => m.withdrawBond.staticCall(me),
      () => m.withdrawBond(me),
    );
  } else {
    throw new CliError(`--do "${step}" must be one of: propose, dispute, finalize, withdraw-bond`);
  }
  const status = ["open", "settled", "fallback released"][Number(await h.session.status())] ?? "unknown";
  return { session: h.info.address, step, prices, bond, status, ...r0(r) };
}
