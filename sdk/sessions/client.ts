/**
 * The session client: every user action on the session-pool family as a plain function that takes an
 * ethers runner (signer or provider) and typed arguments and returns plain data. Input is checked before
 * anything is sent (addresses, amounts against each leg's decimals, windows, signatures), every write is
 * simulated first so a revert comes back as a decoded custom error, and nothing here prints.
 */
import {
  AbiCoder,
  Contract,
  getAddress,
  Interface,
  verifyTypedData,
  ZeroAddress,
  type ContractRunner,
  type Provider,
  type Signer,
} from "ethers";

import {
  CashSession__factory,
  PhysicalSession__factory,
  SessionCore__factory,
  SessionFactory__factory,
  SessionOracle__factory,
  type SessionCore,
  type SessionFactory,
} from "../../types/ethers-contracts/index.js";
import {
  cashLeg,
  marginConfig,
  physicalLeg,
  SessionKind,
  sessionConfig,
  type LegConfig,
  type MarginConfig,
  type SessionConfig,
} from "./config.js";
import type { FixingSpec } from "./fixing.js";
import { CliError, formatAmount, isoTime, parseAddress, parseAmount, parseTime } from "../cli/args.js";
import { explainErrors } from "../errors.js";
import {
  hashSessionOrder,
  legMask,
  SESSION_ORDER_TYPES,
  sessionDomain,
  signSessionOrder,
  type SessionOrder,
} from "./orders.js";

export const WAD = 10n ** 18n;

/** Every ABI whose custom errors a session command can meet (session, factory, oracle library). */
export const SESSION_ABIS = [
  new Interface(SessionCore__factory.abi),
  new Interface(CashSession__factory.abi),
  new Interface(PhysicalSession__factory.abi),
  new Interface(SessionFactory__factory.abi),
  new Interface(SessionOracle__factory.abi),
];

const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

const when = (t: unknown): string => `${String(t)} (${isoTime(BigInt(String(t)))})`;

explainErrors({
  NotASession: () => "That address is a session implementation, not a session: use an address from `session list`.",
  SubscriptionClosed: (a) => `Subscriptions closed at t1 = ${when(a.t1)}; chain time is ${when(a.now_)}.`,
  TradingClosed: (a) =>
    `Trading is open only from t1 = ${when(a.t1)} to t2 = ${when(a.t2)} (and before settlement); chain time is ${when(a.now_)}.`,
  ZeroShares: () => "Zero shares: pass --shares 1 or more.",
  ZeroFill: () => "A fill fraction of zero does nothing: pass --fraction above 0.",
  InsufficientShares: (a) => `${a.account} holds ${a.have} shares and cannot redeem ${a.want}.`,
  NotAllowed: (a) =>
    `${a.account} may not take part in this curated session: ask its admin for the participant role or admission.`,
  BadProof: (a) => `The Merkle proof does not show ${a.account} in the session's allowlist.`,
  TransferShortfall: (a) =>
    `Token ${a.token} delivered ${a.received} instead of ${a.expected} (fee-on-transfer tokens are refused).`,
  SelfFill: (a) => `${a.maker} made this order and cannot fill it: fill it from another account.`,
  SelfMatch: (a) => `Both orders are from ${a.maker}: a maker cannot trade with itself.`,
  FeeRecipientCannotTrade: (a) => `The fee recipient ${a.feeRecipient} may not trade in this session.`,
  BadOrderLegs: (a) =>
    `The order's leg mask ${a.legs} is empty or names a leg the session lacks (it has ${a.legCount} legs).`,
  BadOrderAmounts: (a) => `Order amount #${a.index} is zero, missing or too large.`,
  NotPairwise: () => "A match needs two two-leg orders on the same legs with opposite signs.",
  OrdersDoNotCross: () =>
    "The orders do not cross: the second order would pay worse than its signed limit at the first order's rate.",
  MatchExceedsOrder: (a) =>
    `The second order has only ${formatAmount(BigInt(String(a.remaining)), 18)} left to fill, less than the ${formatAmount(BigInt(String(a.wanted)), 18)} this match needs: lower --fraction.`,
  InsufficientAllocation: (a) =>
    `${a.account} holds ${a.have} units of leg ${a.leg} but the trade needs it to give ${a.need}: insufficient collateral in that leg.`,
  InsufficientMargin: (a) =>
    `${a.account} would fall below zero at the worst corner of the price box (worst case ${formatAmount(BigInt(String(a.worstCaseE36)), 36)}): insufficient collateral, trade smaller or subscribe more.`,
  SettlementTooEarly: (a) => `Settlement opens at t2 = ${when(a.t2)}; chain time is ${when(a.now_)}.`,
  SettlementWindowClosed: (a) =>
    `The fixing deadline ${when(a.fallbackDeadline)} passed (chain time ${when(a.now_)}): release the fallback instead (the keeper does).`,
  AlreadyFinal: (a) =>
    `The session is already final (status ${["open", "settled", "fallback released"][Number(a.status)]}).`,
  FallbackNotYet: (a) => `The fallback opens after ${when(a.fallbackDeadline)}; chain time is ${when(a.now_)}.`,
  HintsLength: (a) => `Settlement needs ${a.expected} hint arrays (one per leg), got ${a.got}.`,
  NotFinal: () =>
    "The session is not settled yet: claims open after settlement or fallback release (run the keeper after t2).",
  AlreadyClaimed: (a) => `${a.account} has already claimed from this session.`,
  NothingToClaim: (a) => `${a.account} has nothing to claim in this session.`,
  SweepTooEarly: (a) =>
    `Dust can be swept after the claim deadline ${when(a.claimDeadline)}; chain time is ${when(a.now_)}.`,
  NotMerkleSession: () => "Admission by proof is only for Merkle-curated sessions.",
  InvalidConfig: (a) =>
    `The session config's "${a.field}"${Number(a.index) > 0 || /^(unit|token|floor|cap)$/.test(String(a.field)) ? ` (leg ${a.index})` : ""} is invalid: see the rules in docs/sessions.md (windows must satisfy now <= t1 < t2 < fallbackDeadline <= claimDeadline, fees <= 500 bps, decimals <= 18).`,
  StaleRound: (a) =>
    `Feed ${a.feed}'s round from ${when(a.updatedAt)} is older than its heartbeat of ${a.heartbeat} s.`,
  FixingTimeNotReached: (a) => `The fixing time ${when(a.t)} is not reached (chain time ${when(a.now_)}).`,
  RoundTooLate: (a) =>
    `Feed ${a.feed}'s first round after t2 came at ${when(a.updatedAt)}, after the deadline ${when(a.deadline)}.`,
});

export type SessionKindName = "physical" | "cash" | "margin";
const KIND_NAMES: SessionKindName[] = ["physical", "cash", "margin"];
const MODE_NAMES = ["in-kind", "value-weighted", "cash"] as const;
const PARTICIPATION_NAMES = ["open", "role", "merkle"] as const;
const STATUS_NAMES = ["open", "settled", "fallback released"] as const;

export interface LegInfo {
  index: number;
  /** Physical: the leg's token; cash: zero. */
  token: string;
  symbol: string;
  /** Decimals of the leg's allocation units (physical: the token's; cash: 18, WAD units). */
  decimals: number;
  /** Leg units per share. */
  unit: bigint;
  /** Cash price box, WAD quote per unit (0 for physical). */
  floor: bigint;
  cap: bigint;
  /** Settlement price (WAD), 0 until settled. */
  settlementPrice: bigint;
  /** Latest feed price (WAD) or undefined when the feed cannot be read. */
  latestPrice?: bigint;
}

export interface SessionInfo {
  address: string;
  kind: SessionKindName;
  mode: (typeof MODE_NAMES)[number];
  participation: (typeof PARTICIPATION_NAMES)[number];
  status: (typeof STATUS_NAMES)[number];
  /** Where the session is in its life at chain time `now`. */
  phase: string;
  now: bigint;
  t1: bigint;
  t2: bigint;
  fallbackDeadline: bigint;
  claimDeadline: bigint;
  takerFeeBps: bigint;
  makerFeeBps: bigint;
  feeRecipient: string;
  /** Cash: the collateral token and its decimals. */
  collateral: string;
  collateralDecimals: number;
  collateralSymbol: string;
  totalShares: bigint;
  legs: LegInfo[];
}

export interface AccountInfo {
  account: string;
  shares: bigint;
  /** Cash: collateral deposit (collateral units). */
  deposit: bigint;
  claimed: boolean;
  /** x_i per leg (leg units). */
  allocation: bigint[];
  /** b_i per leg (leg units). */
  baseline: bigint[];
  /** Cash: deposit plus worst-case deviation value (1e36 = one quote unit). */
  marginE36?: bigint;
  /** Filled-order bookkeeping: the account's nonce floor. */
  nonceFloor: bigint;
}

// ------------------------------------------------------------------ reading a session

function coreAt(address: string, runner: ContractRunner): SessionCore {
  return SessionCore__factory.connect(address, runner);
}

async function providerOf(runner: ContractRunner): Promise<Provider> {
  const p = runner.provider ?? (runner as Provider);
  if (p === null || typeof (p as Provider).getBlock !== "function")
    throw new CliError("no provider to read the chain with");
  return p as Provider;
}

/** Chain time: the latest block's timestamp. */
export async function chainNow(runner: ContractRunner): Promise<bigint> {
  const b = await (await providerOf(runner)).getBlock("latest");
  if (b === null) throw new CliError("cannot read the latest block");
  return BigInt(b.timestamp);
}

/** Reads word `i` of a clone's immutable args (layout in SessionCore's NatSpec). */
function argWord(code: string, i: number): bigint {
  const start = 2 + (0x2d + 32 * i) * 2;
  return BigInt("0x" + code.slice(start, start + 64));
}

async function symbolOf(token: string, runner: ContractRunner): Promise<string> {
  try {
    return (await new Contract(token, ERC20_ABI, runner).symbol()) as string;
  } catch {
    return token.slice(0, 10);
  }
}

/**
 * Opens a session and checks it is one: an address with code that answers `config()` (and, when a factory
 * is given, one the factory created). Every other input error is caught later; this one names the fix.
 */
export async function loadSession(runner: ContractRunner, sessionArg: string, factory?: string): Promise<SessionInfo> {
  const address = parseAddress(sessionArg, "--session");
  const provider = await providerOf(runner);
  const code = await provider.getCode(address);
  if (code === "0x")
    throw new CliError(`unknown session ${address}: no contract there on this network (see "session list")`);
  if (factory !== undefined && factory !== "") {
    const f = SessionFactory__factory.connect(factory, runner);
    if (!(await f.isSession(address)))
      throw new CliError(`unknown session ${address}: the factory ${factory} did not create it (see "session list")`);
  }
  const s = coreAt(address, runner);
  let cfg: Awaited<ReturnType<SessionCore["config"]>>;
  try {
    cfg = await s.config();
  } catch {
    throw new CliError(
      `unknown session ${address}: the contract there is not a Ringfence session (see "session list")`,
    );
  }
  const [t1, t2, fallbackDeadline, claimDeadline] = await s.windows();
  const status = Number(await s.status());
  const now = await chainNow(runner);
  const kind = KIND_NAMES[Number(cfg.kind)];
  const n = Number(cfg.legCount);
  const legs: LegInfo[] = [];
  let latest: bigint[] | undefined;
  try {
    const oracle = SessionOracle__factory.connect(await s.oracle(), runner);
    latest = (await oracle.latestAll(await s.fixingSpecs()))[0].map((v) => BigInt(v));
  } catch {
    latest = undefined;
  }
  for (let k = 0; k < n; k++) {
    const l = await s.leg(k);
    const token = l.token;
    legs.push({
      index: k,
      token,
      symbol: kind !== "cash" ? await symbolOf(token, runner) : `leg${k}`,
      decimals: kind !== "cash" ? Number(l.decimals) : 18,
      unit: l.unit,
      floor: l.floor,
      cap: l.cap,
      settlementPrice: await s.settlementPrice(k),
      latestPrice: latest?.[k],
    });
  }
  const w3 = argWord(code, 3);
  const collateral =
    kind === "cash" ? getAddress("0x" + (w3 & ((1n << 160n) - 1n)).toString(16).padStart(40, "0")) : ZeroAddress;
  const collateralDecimals = kind === "cash" ? Number((w3 >> 160n) & 0xffn) : 0;
  const phase =
    status === 1
      ? "settled: claims open"
      : status === 2
        ? "fallback released: claims open"
        : now < t1
          ? "subscription (before t1)"
          : now < t2
            ? "trading (t1 to t2)"
            : now <= fallbackDeadline
              ? "awaiting settlement (after t2)"
              : "fallback due (after the fixing deadline)";
  return {
    address,
    kind,
    mode: MODE_NAMES[Number(cfg.mode)],
    participation: PARTICIPATION_NAMES[Number(cfg.participation)],
    status: STATUS_NAMES[status],
    phase,
    now,
    t1,
    t2,
    fallbackDeadline,
    claimDeadline,
    takerFeeBps: cfg.takerFeeBps,
    makerFeeBps: cfg.makerFeeBps,
    feeRecipient: cfg.feeRecipient,
    collateral,
    collateralDecimals,
    collateralSymbol: kind === "cash" ? await symbolOf(collateral, runner) : "",
    totalShares: await s.totalShares(),
    legs,
  };
}

/** An account's position in a session. */
export async function accountInfo(runner: ContractRunner, info: SessionInfo, account: string): Promise<AccountInfo> {
  const s = coreAt(info.address, runner);
  const a = await s.accountOf(account);
  const out: AccountInfo = {
    account,
    shares: a.shares,
    deposit: a.deposit,
    claimed: a.claimed,
    allocation: (await s.allocationOf(account)).map((v) => BigInt(v)),
    baseline: (await s.baselineOf(account)).map((v) => BigInt(v)),
    nonceFloor: await s.minNonce(account),
  };
  if (info.kind === "cash") out.marginE36 = await CashSession__factory.connect(info.address, runner).marginE36(account);
  return out;
}

export interface SessionSummary {
  index: number;
  address: string;
  kind: SessionKindName;
  legs: number;
  status: string;
  phase: string;
  t1: bigint;
  t2: bigint;
  totalShares: bigint;
}

/** Every session the factory created, oldest first. */
export async function listSessions(runner: ContractRunner, factoryArg: string): Promise<SessionSummary[]> {
  const factory = parseAddress(factoryArg, "--factory");
  if ((await (await providerOf(runner)).getCode(factory)) === "0x") {
    throw new CliError(`no contract at factory address ${factory} on this network: check --network or --factory`);
  }
  const f = SessionFactory__factory.connect(factory, runner);
  const n = Number(await f.sessionCount());
  const out: SessionSummary[] = [];
  for (let i = 0; i < n; i++) {
    const info = await loadSession(runner, await f.sessions(i));
    out.push({
      index: i,
      address: info.address,
      kind: info.kind,
      legs: info.legs.length,
      status: info.status,
      phase: info.phase,
      t1: info.t1,
      t2: info.t2,
      totalShares: info.totalShares,
    });
  }
  return out;
}

// ------------------------------------------------------------------ creating a session

/** A session config in human units, as written in a JSON file (see docs/cli.md). */
export interface SessionConfigFile {
  kind: SessionKindName;
  mode?: (typeof MODE_NAMES)[number];
  /** Cash only: the collateral token. */
  collateral?: string;
  legs: Array<{
    /** Physical: the leg's ERC-20. */
    token?: string;
    /** Units per share, human units (physical: the token's; cash: instrument units). */
    unit: string;
    /** Cash: price box, quote per unit in human units. */
    floor?: string;
    cap?: string;
    /** The Chainlink feed (FirstAfter fixing) ... */
    feed?: string;
    /** ... or a full fixing spec. */
    fixing?: {
      kind?: "first-after" | "median" | "twap";
      feeds: string[];
      heartbeat?: number;
      maxDelay?: number;
      twapWindow?: number;
      minAnswer?: string;
      maxAnswer?: string;
      sequencerFeed?: string;
      sequencerGrace?: number;
    };
  }>;
  /** Unix seconds, ISO date, or "+2h" from chain time. */
  t1: string | number;
  t2: string | number;
  fallbackDeadline: string | number;
  claimDeadline: string | number;
  takerFeeBps?: number;
  makerFeeBps?: number;
  feeRecipient: string;
  participation?: (typeof PARTICIPATION_NAMES)[number];
  merkleRoot?: string;
  /** Defaults to the creating account. */
  admin?: string;
  guardian?: string;
  /** Margin sessions only (required there, for the dispute bond): the risk parameters in human units. */
  margin?: MarginConfigFile;
}

/**
 * The `margin` object of a margin session's config: bps as whole numbers (parts of 10,000), seconds as whole
 * numbers, the dispute bond in the cash leg's human units ("25" = 25 USDC). Only `disputeBond` is required;
 * the defaults are those of `marginConfig` in ./config.ts.
 */
export interface MarginConfigFile {
  cashLeg?: number;
  initialMarginBps?: number;
  maintenanceMarginBps?: number;
  liquidationPenaltyBps?: number;
  concentrationBps?: number;
  /** One per leg; default 2,500 on every leg but the cash leg. */
  shockBps?: number[];
  /** Leg indices of group A in the relative stress scenario (default: none). */
  groupLegs?: number[];
  groupShockBps?: number;
  actionDelay?: number;
  disputeWindow?: number;
  disputeBond: string;
  /** Least stressed equity of a short account, bps of the pool's value (default 10). */
  minShortEquityBps?: number;
}

function pick<T extends string>(value: string | undefined, names: readonly T[], what: string, fallback: T): number {
  const v = (value ?? fallback) as T;
  const i = names.indexOf(v);
  if (i < 0) throw new CliError(`${what} "${value}" must be one of: ${names.join(", ")}`);
  return i;
}

function wholeNumber(v: unknown, what: string, fallback: number): number {
  const x = v === undefined ? fallback : v;
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0)
    throw new CliError(`${what} must be a whole number (got ${String(v)})`);
  return x;
}

/** Turns a human-units config into the factory's struct; token decimals are read from the chain. */
export async function buildSessionConfig(
  runner: ContractRunner,
  file: SessionConfigFile,
  creator: string,
): Promise<SessionConfig> {
  if (file === null || typeof file !== "object") throw new CliError("the session config must be a JSON object");
  const kind = pick(file.kind, KIND_NAMES, "config kind", "physical");
  const mode = pick(
    file.mode,
    MODE_NAMES,
    "config mode",
    kind === SessionKind.Physical ? "in-kind" : kind === SessionKind.Margin ? "value-weighted" : "cash",
  );
  if (file.margin !== undefined && kind !== SessionKind.Margin)
    throw new CliError(`config margin is only for kind "margin" (this config's kind is "${KIND_NAMES[kind]}")`);
  if (!Array.isArray(file.legs) || file.legs.length === 0) throw new CliError("config legs must be a non-empty array");
  const now = await chainNow(runner);
  const legs: LegConfig[] = [];
  for (let k = 0; k < file.legs.length; k++) {
    const l = file.legs[k];
    const at = `config legs[${k}]`;
    let decimals = 18;
    let token = ZeroAddress;
    if (kind !== SessionKind.Cash) {
      token = parseAddress(String(l.token ?? ""), `${at}.token`);
      try {
        decimals = Number(await new Contract(token, ERC20_ABI, runner).decimals());
      } catch {
        throw new CliError(`${at}.token ${token} is not an ERC-20 with decimals() on this network`);
      }
    }
    const fx = l.fixing ?? (l.feed !== undefined ? { feeds: [l.feed] } : undefined);
    if (fx === undefined) throw new CliError(`${at} needs "feed" (a Chainlink feed address) or "fixing"`);
    const unit = parseAmount(String(l.unit), decimals, `${at}.unit`);
    const fixing: FixingSpec = {
      kind: pick(fx.kind, ["first-after", "median", "twap"] as const, `${at}.fixing.kind`, "first-after"),
      feeds: fx.feeds.map((f, i) => parseAddress(String(f), `${at}.fixing.feeds[${i}]`)),
      heartbeat: wholeNumber(fx.heartbeat, `${at}.fixing.heartbeat`, 86_400),
      maxDelay: wholeNumber(fx.maxDelay, `${at}.fixing.maxDelay`, 3_600),
      twapWindow: wholeNumber(fx.twapWindow, `${at}.fixing.twapWindow`, 0),
      minAnswer: BigInt(fx.minAnswer ?? "1"),
      maxAnswer: BigInt(fx.maxAnswer ?? "0"),
      sequencerFeed:
        fx.sequencerFeed === undefined ? ZeroAddress : parseAddress(fx.sequencerFeed, `${at}.fixing.sequencerFeed`),
      sequencerGrace: wholeNumber(fx.sequencerGrace, `${at}.fixing.sequencerGrace`, 0),
    };
    legs.push(
      kind === SessionKind.Cash
        ? cashLeg(
            unit,
            parseAmount(String(l.floor ?? ""), 18, `${at}.floor`),
            parseAmount(String(l.cap ?? ""), 18, `${at}.cap`),
            fixing,
          )
        : physicalLeg(token, unit, fixing),
    );
  }
  const admin = file.admin === undefined ? creator : parseAddress(file.admin, "config admin");
  return sessionConfig({
    kind,
    mode,
    legs,
    collateral:
      kind === SessionKind.Cash ? parseAddress(String(file.collateral ?? ""), "config collateral") : undefined,
    t1: parseTime(file.t1, now, "config t1"),
    t2: parseTime(file.t2, now, "config t2"),
    fallbackDeadline: parseTime(file.fallbackDeadline, now, "config fallbackDeadline"),
    claimDeadline: parseTime(file.claimDeadline, now, "config claimDeadline"),
    takerFeeBps: wholeNumber(file.takerFeeBps, "config takerFeeBps", 0),
    makerFeeBps: wholeNumber(file.makerFeeBps, "config makerFeeBps", 0),
    feeRecipient: parseAddress(String(file.feeRecipient ?? ""), "config feeRecipient"),
    participation: pick(file.participation, PARTICIPATION_NAMES, "config participation", "open"),
    merkleRoot: file.merkleRoot,
    admin,
    guardian: file.guardian === undefined ? undefined : parseAddress(file.guardian, "config guardian"),
  });
}

export interface TxResult {
  txHash: string;
  gasUsed: bigint;
}

async function send(tx: Promise<{ hash: string; wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<TxResult> {
  const sent = await tx;
  const receipt = await sent.wait();
  return { txHash: sent.hash, gasUsed: receipt?.gasUsed ?? 0n };
}

/**
 * The margin struct of a margin session's human-units config (`file.margin`); the cash leg's token decimals
 * are read from the chain for the dispute bond.
 */
export async function buildMarginConfig(
  runner: ContractRunner,
  raw: MarginConfigFile | undefined,
  cfg: SessionConfig,
): Promise<MarginConfig> {
  if (raw === undefined || raw === null || typeof raw !== "object")
    throw new CliError('a margin session\'s config needs a "margin" object with at least "disputeBond" (docs/cli.md)');
  const n = cfg.legs.length;
  const cash = wholeNumber(raw.cashLeg, "config margin.cashLeg", 0);
  if (cash >= n) throw new CliError(`config margin.cashLeg ${cash} is not a leg (the config has ${n} legs)`);
  let decimals: number;
  try {
    decimals = Number(await new Contract(cfg.legs[cash].token, ERC20_ABI, runner).decimals());
  } catch {
    throw new CliError(`config margin.cashLeg ${cash}: its token ${cfg.legs[cash].token} has no decimals()`);
  }
  if (raw.disputeBond === undefined)
    throw new CliError('config margin.disputeBond is required: the bond a disputer pays, in cash-leg units ("25")');
  const list = (v: unknown, what: string): number[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new CliError(`${what} must be an array of whole numbers`);
    return v.map((x, i) => wholeNumber(x, `${what}[${i}]`, 0));
  };
  const groupLegs = list(raw.groupLegs, "config margin.groupLegs") ?? [];
  let groupMask = 0;
  for (const k of groupLegs) {
    if (k >= n) throw new CliError(`config margin.groupLegs: ${k} is not a leg (the config has ${n} legs)`);
    groupMask |= 1 << k;
  }
  const opt = (v: unknown, what: string) => (v === undefined ? undefined : wholeNumber(v, what, 0));
  return marginConfig(n, {
    cashLeg: cash,
    initialMarginBps: opt(raw.initialMarginBps, "config margin.initialMarginBps"),
    maintenanceMarginBps: opt(raw.maintenanceMarginBps, "config margin.maintenanceMarginBps"),
    liquidationPenaltyBps: opt(raw.liquidationPenaltyBps, "config margin.liquidationPenaltyBps"),
    concentrationBps: opt(raw.concentrationBps, "config margin.concentrationBps"),
    shockBps: list(raw.shockBps, "config margin.shockBps"),
    groupMask,
    groupShockBps: opt(raw.groupShockBps, "config margin.groupShockBps"),
    actionDelay: opt(raw.actionDelay, "config margin.actionDelay"),
    disputeWindow: opt(raw.disputeWindow, "config margin.disputeWindow"),
    disputeBond: parseAmount(String(raw.disputeBond), decimals, "config margin.disputeBond"),
    minShortEquityBps: opt(raw.minShortEquityBps, "config margin.minShortEquityBps"),
  });
}

/**
 * Creates a session from a human-units config (simulated first: a bad field comes back as InvalidConfig, or
 * InvalidMarginConfig for a margin field). A config of kind "margin" goes through `createMarginSession`.
 */
export async function createSession(
  signer: Signer,
  factoryArg: string,
  file: SessionConfigFile,
): Promise<TxResult & { session: string }> {
  const factory = SessionFactory__factory.connect(parseAddress(factoryArg, "--factory"), signer);
  const cfg = await buildSessionConfig(signer, file, await signer.getAddress());
  if (cfg.kind !== SessionKind.Margin) return createSessionFromConfig(factory, cfg);
  const margin = await buildMarginConfig(signer, file.margin, cfg);
  // loaded on demand: ./margin.ts builds its error list from this module's SESSION_ABIS at load time
  const { createMarginSession } = await import("./margin.js");
  return createMarginSession(factory, cfg, margin);
}

/**
 * Creates a session from a full config (see `sessionConfig` in ./config.ts) through `factory`, connected to the
 * creating signer. Simulated first, so a bad field reverts as InvalidConfig before anything is sent.
 */
export async function createSessionFromConfig(
  factory: Pick<SessionFactory, "createSession">,
  cfg: SessionConfig,
): Promise<TxResult & { session: string }> {
  const session = await factory.createSession.staticCall(cfg);
  const r = await send(factory.createSession(cfg));
  return { session, ...r };
}

// ------------------------------------------------------------------ subscribe

export interface SubscribeResult extends TxResult {
  session: string;
  account: string;
  shares: bigint;
  /** Token pulled per leg (physical) or collateral at index 0 (cash), token units. */
  pulled: Array<{ token: string; symbol: string; amount: bigint; decimals: number; approved: bigint }>;
}

/** What `shares` shares cost: per leg token (physical) or the collateral deposit (cash). */
export function subscriptionCost(info: SessionInfo, shares: bigint, cashDeposit?: bigint) {
  if (info.kind === "cash") {
    return [
      {
        token: info.collateral,
        symbol: info.collateralSymbol,
        amount: cashDeposit ?? 0n,
        decimals: info.collateralDecimals,
      },
    ];
  }
  return info.legs.map((l) => ({ token: l.token, symbol: l.symbol, amount: shares * l.unit, decimals: l.decimals }));
}

/**
 * Subscribes `shares` shares before t1. Checks the window and the balances first, approves exactly the
 * shortfall of each token's allowance (nothing more), then subscribes.
 */
export async function subscribe(
  signer: Signer,
  sessionArg: string,
  shares: bigint,
  factory?: string,
): Promise<SubscribeResult> {
  const info = await loadSession(signer, sessionArg, factory);
  if (shares <= 0n) throw new CliError("--shares must be at least 1");
  if (info.status !== "open" || info.now >= info.t1) {
    throw new CliError(
      `subscriptions to ${info.address} closed at t1 = ${isoTime(info.t1)} (chain time ${isoTime(info.now)}, phase: ${info.phase})`,
    );
  }
  const me = await signer.getAddress();
  const deposit =
    info.kind === "cash" ? await CashSession__factory.connect(info.address, signer).depositFor(shares) : undefined;
  const cost = subscriptionCost(info, shares, deposit);
  const pulled: SubscribeResult["pulled"] = [];
  for (const c of cost) {
    const t = new Contract(c.token, ERC20_ABI, signer);
    const bal = (await t.balanceOf(me)) as bigint;
    if (bal < c.amount) {
      throw new CliError(
        `insufficient ${c.symbol}: ${shares} shares need ${formatAmount(c.amount, c.decimals)} ${c.symbol} but ${me} holds ${formatAmount(bal, c.decimals)}: get more or subscribe fewer shares`,
      );
    }
    const allowance = (await t.allowance(me, info.address)) as bigint;
    let approved = 0n;
    if (allowance < c.amount) {
      await (await t.approve(info.address, c.amount)).wait();
      approved = c.amount;
    }
    pulled.push({ ...c, approved });
  }
  const s = coreAt(info.address, signer);
  await s.subscribe.staticCall(shares, []);
  const r = await send(s.subscribe(shares, []));
  return { session: info.address, account: me, shares, pulled, ...r };
}

// ------------------------------------------------------------------ orders

/** An order as written to a file: bigints as decimal strings, with everything a taker needs to check it. */
export interface OrderFile {
  type: "ringfence-session-order";
  chainId: string;
  session: string;
  digest: string;
  signature: string;
  order: {
    maker: string;
    taker: string;
    legs: string;
    amounts: string[];
    maxFeeBps: string;
    expiry: string;
    nonce: string;
    salt: string;
  };
  /** For people: the legs and human amounts. */
  readable: Array<{ leg: number; symbol: string; amount: string }>;
}

export function orderToFile(
  chainId: bigint,
  session: string,
  order: SessionOrder,
  signature: string,
  digest: string,
  readable: OrderFile["readable"],
): OrderFile {
  return {
    type: "ringfence-session-order",
    chainId: chainId.toString(),
    session,
    digest,
    signature,
    order: {
      maker: order.maker,
      taker: order.taker,
      legs: order.legs.toString(),
      amounts: order.amounts.map((a) => a.toString()),
      maxFeeBps: order.maxFeeBps.toString(),
      expiry: order.expiry.toString(),
      nonce: order.nonce.toString(),
      salt: order.salt.toString(),
    },
    readable,
  };
}

const big = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" || !/^-?\d+$/.test(v))
    throw new CliError(`order file: ${what} must be a whole number written as a string`);
  return BigInt(v);
};

/** Parses an order file's content, checking every field's shape. */
export function orderFromFile(raw: unknown, what = "order file"): { file: OrderFile; order: SessionOrder } {
  const f = raw as OrderFile;
  if (f === null || typeof f !== "object" || f.type !== "ringfence-session-order" || typeof f.order !== "object") {
    throw new CliError(`${what} is not a Ringfence session order (made by "session order")`);
  }
  if (typeof f.signature !== "string" || !/^0x[0-9a-fA-F]*$/.test(f.signature))
    throw new CliError(`${what}: signature is missing or not hex`);
  if (!Array.isArray(f.order.amounts)) throw new CliError(`${what}: order.amounts must be an array`);
  const order: SessionOrder = {
    maker: parseAddress(String(f.order.maker), `${what} order.maker`),
    taker: parseAddress(String(f.order.taker), `${what} order.taker`),
    legs: big(f.order.legs, "order.legs"),
    amounts: f.order.amounts.map((a, i) => big(a, `order.amounts[${i}]`)),
    maxFeeBps: big(f.order.maxFeeBps, "order.maxFeeBps"),
    expiry: big(f.order.expiry, "order.expiry"),
    nonce: big(f.order.nonce, "order.nonce"),
    salt: big(f.order.salt, "order.salt"),
  };
  parseAddress(String(f.session), `${what} session`);
  big(f.chainId, "chainId");
  return { file: f, order };
}

export interface OrderInput {
  session: string;
  /** Leg indices, any order. */
  legs: number[];
  /** Human amounts, one per leg in the order given (+ receive, - give). */
  amounts: string[];
  /** Private taker or undefined for anyone. */
  taker?: string;
  expiryHours: number;
  nonce?: bigint;
  maxFeeBps?: bigint;
  salt?: bigint;
  factory?: string;
}

/** Builds and signs an order with `signer` as maker; checks legs, amounts and decimals first. */
export async function signOrder(signer: Signer, input: OrderInput): Promise<OrderFile> {
  const info = await loadSession(signer, input.session, input.factory);
  if (input.legs.length === 0) throw new CliError("--legs needs at least one leg index");
  if (input.legs.length !== input.amounts.length) {
    throw new CliError(
      `--legs names ${input.legs.length} legs but --amounts gives ${input.amounts.length} amounts: give one amount per leg`,
    );
  }
  const n = info.legs.length;
  const seen = new Set<number>();
  for (const k of input.legs) {
    if (!Number.isInteger(k) || k < 0 || k >= n)
      throw new CliError(`leg ${k} is out of range: this session has legs 0 to ${n - 1}`);
    if (seen.has(k)) throw new CliError(`leg ${k} appears twice in --legs`);
    seen.add(k);
  }
  const pairs = input.legs.map((k, i) => ({
    k,
    amount: parseAmount(input.amounts[i], info.legs[k].decimals, `amount for leg ${k} (${info.legs[k].symbol})`),
  }));
  for (const p of pairs)
    if (p.amount === 0n) throw new CliError(`the amount for leg ${p.k} is zero: every leg in an order must move`);
  pairs.sort((a, b) => a.k - b.k);
  if (!(input.expiryHours > 0)) throw new CliError("--expiry-hours must be above 0");
  const maker = await signer.getAddress();
  const provider = await providerOf(signer);
  const chainId = (await provider.getNetwork()).chainId;
  const order: SessionOrder = {
    maker,
    taker: input.taker === undefined || input.taker === "" ? ZeroAddress : parseAddress(input.taker, "--taker"),
    legs: legMask(pairs.map((p) => p.k)),
    amounts: pairs.map((p) => p.amount),
    // default: the higher of the two fees, so the order can also be the second order of a match (which pays the taker fee)
    maxFeeBps: input.maxFeeBps ?? (info.makerFeeBps > info.takerFeeBps ? info.makerFeeBps : info.takerFeeBps),
    expiry: info.now + BigInt(Math.round(input.expiryHours * 3600)),
    nonce: input.nonce ?? (await coreAt(info.address, signer).minNonce(maker)),
    salt: input.salt ?? BigInt("0x" + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")),
  };
  const domain = sessionDomain(info.address, chainId);
  const signature = await signSessionOrder(signer, order, domain);
  const digest = hashSessionOrder(order, domain);
  return orderToFile(
    chainId,
    info.address,
    order,
    signature,
    digest,
    pairs.map((p) => ({
      leg: p.k,
      symbol: info.legs[p.k].symbol,
      amount: formatAmount(p.amount, info.legs[p.k].decimals),
    })),
  );
}

/**
 * Checks an order file against the chain before anything is sent: same chain, a real session, the
 * signature verifies for the maker (EOA makers; wallets are checked on chain), not expired.
 */
export async function checkOrder(runner: ContractRunner, raw: unknown, what = "order file", factory?: string) {
  const { file, order } = orderFromFile(raw, what);
  const provider = await providerOf(runner);
  const chainId = (await provider.getNetwork()).chainId;
  if (BigInt(file.chainId) !== chainId) {
    throw new CliError(
      `${what} was signed for chain ${file.chainId} but this network is chain ${chainId}: use the right --network`,
    );
  }
  const info = await loadSession(runner, file.session, factory);
  const domain = sessionDomain(info.address, chainId);
  const digest = hashSessionOrder(order, domain);
  if ((await provider.getCode(order.maker)) === "0x") {
    let signer = "";
    try {
      signer = verifyTypedData(domain, SESSION_ORDER_TYPES, { ...order }, file.signature);
    } catch {
      signer = "";
    }
    if (signer.toLowerCase() !== order.maker.toLowerCase()) {
      throw new CliError(
        `BadSignature: the ${what}'s signature does not verify for maker ${order.maker} (the order was changed after signing, or signed by another key): ask the maker to sign it again`,
      );
    }
  }
  if (order.expiry <= info.now)
    throw new CliError(
      `${what} expired at ${isoTime(order.expiry)} (chain time ${isoTime(info.now)}): ask the maker for a fresh order`,
    );
  return { info, order, signature: file.signature, digest, file };
}

function requireTrading(info: SessionInfo): void {
  if (info.status !== "open" || info.now < info.t1 || info.now >= info.t2) {
    throw new CliError(
      `trading in ${info.address} is open from t1 = ${isoTime(info.t1)} to t2 = ${isoTime(info.t2)}; chain time is ${isoTime(info.now)} (phase: ${info.phase})`,
    );
  }
}

export interface FillResult extends TxResult {
  session: string;
  digest: string;
  taker: string;
  /** Cumulative filled fraction after this fill (WAD). */
  filledAfterWad: bigint;
  /** Per leg of the order: maker and taker net changes (leg units). */
  legs: Array<{ leg: number; symbol: string; decimals: number; makerDelta: bigint; takerDelta: bigint }>;
}

function tradedFrom(
  info: SessionInfo,
  receipt: { logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }> },
  digest: string,
) {
  const iface = SESSION_ABIS[0];
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return iface.parseLog({ topics: [...log.topics], data: log.data });
      } catch {
        return null;
      }
    })();
    if (parsed === null || parsed.name !== "Traded" || parsed.args.digest !== digest) continue;
    const mask = BigInt(parsed.args.legs);
    const legs: FillResult["legs"] = [];
    let i = 0;
    for (let k = 0; k < info.legs.length; k++) {
      if (((mask >> BigInt(k)) & 1n) === 0n) continue;
      legs.push({
        leg: k,
        symbol: info.legs[k].symbol,
        decimals: info.legs[k].decimals,
        makerDelta: BigInt(parsed.args.makerDeltas[i]),
        takerDelta: BigInt(parsed.args.takerDeltas[i]),
      });
      i++;
    }
    return { filledAfterWad: BigInt(parsed.args.filledAfterWad), legs };
  }
  return { filledAfterWad: 0n, legs: [] };
}

/** Fills `fractionWad` of a signed order as the signer (taker). */
export async function fillOrder(
  signer: Signer,
  raw: unknown,
  fractionWad: bigint,
  factory?: string,
): Promise<FillResult> {
  const { info, order, signature, digest } = await checkOrder(signer, raw, "order file", factory);
  requireTrading(info);
  const me = await signer.getAddress();
  if (me.toLowerCase() === order.maker.toLowerCase())
    throw new CliError(`SelfFill: ${me} made this order and cannot fill it: fill it from another --account`);
  if (order.taker !== ZeroAddress && order.taker.toLowerCase() !== me.toLowerCase()) {
    throw new CliError(`NotPrivateTaker: this order is private to ${order.taker}; ${me} cannot take it`);
  }
  const s = coreAt(info.address, signer);
  await s.fill.staticCall(order, signature, fractionWad);
  const tx = await s.fill(order, signature, fractionWad);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the fill transaction was dropped");
  return {
    session: info.address,
    digest,
    taker: me,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
    ...tradedFrom(info, receipt, digest),
  };
}

export interface MatchResult extends FillResult {
  digestB: string;
  filledAfterB: bigint;
}

/** Crosses two pairwise orders (anyone may call); `fractionA` of order a at a's rate. */
export async function matchOrders(
  signer: Signer,
  rawA: unknown,
  rawB: unknown,
  fractionA: bigint,
  factory?: string,
): Promise<MatchResult> {
  const a = await checkOrder(signer, rawA, "order --a", factory);
  const b = await checkOrder(signer, rawB, "order --b", factory);
  if (a.info.address !== b.info.address)
    throw new CliError(`the two orders are for different sessions (${a.info.address} and ${b.info.address})`);
  requireTrading(a.info);
  const s = coreAt(a.info.address, signer);
  await s.matchOrders.staticCall(a.order, a.signature, b.order, b.signature, fractionA);
  const tx = await s.matchOrders(a.order, a.signature, b.order, b.signature, fractionA);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the match transaction was dropped");
  let filledAfterB = 0n;
  for (const log of receipt.logs) {
    const p = SESSION_ABIS[0].parseLog({ topics: [...log.topics], data: log.data });
    if (p?.name === "Matched") filledAfterB = BigInt(p.args.filledAfterB);
  }
  return {
    session: a.info.address,
    digest: a.digest,
    digestB: b.digest,
    taker: b.order.maker,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
    filledAfterB,
    ...tradedFrom(a.info, receipt, a.digest),
  };
}

/** Cancels one order (maker only). */
export async function cancelOrder(
  signer: Signer,
  raw: unknown,
  factory?: string,
): Promise<TxResult & { session: string; digest: string }> {
  const { file, order } = orderFromFile(raw);
  const info = await loadSession(signer, file.session, factory);
  const me = await signer.getAddress();
  if (me.toLowerCase() !== order.maker.toLowerCase()) {
    throw new CliError(
      `NotMaker: only the maker ${order.maker} may cancel this order; the selected account is ${me} (choose it with --account)`,
    );
  }
  const s = coreAt(info.address, signer);
  await s.cancel.staticCall(order);
  const r = await send(s.cancel(order));
  return { session: info.address, digest: await s.hashOrder(order), ...r };
}

/** Raises the signer's nonce floor to `nonce`: every order with a lower nonce dies. */
export async function cancelAll(
  signer: Signer,
  sessionArg: string,
  nonce: bigint,
  factory?: string,
): Promise<TxResult & { session: string; previous: bigint; floor: bigint }> {
  const info = await loadSession(signer, sessionArg, factory);
  const s = coreAt(info.address, signer);
  const previous = await s.minNonce(await signer.getAddress());
  if (nonce <= previous)
    throw new CliError(`NonceFloorNotRaised: your nonce floor is ${previous}; --nonce must be above it`);
  await s.raiseNonceFloor.staticCall(nonce);
  const r = await send(s.raiseNonceFloor(nonce));
  return { session: info.address, previous, floor: nonce, ...r };
}

// ------------------------------------------------------------------ settle and claim

export interface SettleResult extends TxResult {
  session: string;
  outcome: "settled" | "fallback released";
  prices: Array<{ leg: number; symbol: string; fixing: bigint; settlement: bigint }>;
}

/**
 * Settles through the session's Automation interface: `checkUpkeep` finds the hints (or says fallback),
 * `performUpkeep` re-validates everything on chain. Explains why when nothing is due.
 */
export async function settleSession(signer: Signer, sessionArg: string, factory?: string): Promise<SettleResult> {
  const info = await loadSession(signer, sessionArg, factory);
  if (info.status !== "open")
    throw new CliError(`AlreadyFinal: session ${info.address} is already ${info.status}; claims are open`);
  if (info.now < info.t2)
    throw new CliError(
      `SettlementTooEarly: settlement opens at t2 = ${isoTime(info.t2)}; chain time is ${isoTime(info.now)}`,
    );
  const s = coreAt(info.address, signer);
  const [needed, performData] = await s.checkUpkeep("0x");
  if (!needed) {
    throw new CliError(
      `no valid fixing yet for every leg: each feed needs its first round at or after t2 = ${isoTime(info.t2)} (with the previous round before t2, not stale); try again after the feeds update`,
    );
  }
  const isFallback = AbiCoder.defaultAbiCoder().decode(["bool", "uint80[][]"], performData)[0] as boolean;
  await s.performUpkeep.staticCall(performData);
  const tx = await s.performUpkeep(performData);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the settlement transaction was dropped");
  const prices: SettleResult["prices"] = [];
  for (const log of receipt.logs) {
    const p = SESSION_ABIS[0].parseLog({ topics: [...log.topics], data: log.data });
    if (p?.name === "LegFixed") {
      const k = Number(p.args.leg);
      prices.push({
        leg: k,
        symbol: info.legs[k].symbol,
        fixing: BigInt(p.args.fixingWad),
        settlement: BigInt(p.args.settlementWad),
      });
    }
  }
  return {
    session: info.address,
    outcome: isFallback ? "fallback released" : "settled",
    prices,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
  };
}

export interface ClaimResult extends TxResult {
  session: string;
  account: string;
  to: string;
  paid: Array<{ token: string; symbol: string; amount: bigint; decimals: number }>;
}

/** Claims the signer's settlement once, paid to `to` (default: the signer). */
export async function claim(
  signer: Signer,
  sessionArg: string,
  toArg?: string,
  factory?: string,
): Promise<ClaimResult> {
  const info = await loadSession(signer, sessionArg, factory);
  const me = await signer.getAddress();
  const to = toArg === undefined || toArg === "" ? me : parseAddress(toArg, "--to");
  if (info.status === "open") {
    throw new CliError(
      `NotFinal: session ${info.address} is not settled yet (phase: ${info.phase}); run "session settle" or the keeper after t2 = ${isoTime(info.t2)}`,
    );
  }
  const s = coreAt(info.address, signer);
  const acct = await s.accountOf(me);
  if (acct.claimed) throw new CliError(`AlreadyClaimed: ${me} has already claimed from ${info.address}`);
  const amounts = await s.claim.staticCall(to);
  const r = await send(s.claim(to));
  const paid =
    info.kind === "cash"
      ? [
          {
            token: info.collateral,
            symbol: info.collateralSymbol,
            amount: BigInt(amounts[0]),
            decimals: info.collateralDecimals,
          },
        ]
      : info.legs.map((l, k) => ({
          token: l.token,
          symbol: l.symbol,
          amount: BigInt(amounts[k]),
          decimals: l.decimals,
        }));
  return { session: info.address, account: me, to, paid, ...r };
}
