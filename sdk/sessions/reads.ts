/**
 * Reading the session family: a session's configuration, windows, legs and phase, an account's position, and
 * the sessions of a factory. Every function takes an ethers runner (signer or provider) and returns plain data;
 * nothing here sends a transaction or prints. Browser-safe.
 */
import { Contract, getAddress, ZeroAddress, type ContractRunner, type Provider } from "ethers";

import {
  CashSession__factory,
  SessionCore__factory,
  SessionFactory__factory,
  SessionOracle__factory,
  type SessionCore,
} from "../../types/ethers-contracts/index.js";
import { CliError, isoTime, parseAddress } from "../input.js";
import { chainNow, providerOf } from "../chain.js";
import "./errors.js";

export const WAD = 10n ** 18n;

/** The ERC-20 functions the session client calls. */
export const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

export type SessionKindName = "physical" | "cash" | "margin";
export const KIND_NAMES: SessionKindName[] = ["physical", "cash", "margin"];
export const MODE_NAMES = ["in-kind", "value-weighted", "cash"] as const;
export const PARTICIPATION_NAMES = ["open", "role", "merkle"] as const;
export const STATUS_NAMES = ["open", "settled", "fallback released"] as const;

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

/** A session's core ABI at `address`. */
export function coreAt(address: string, runner: ContractRunner): SessionCore {
  return SessionCore__factory.connect(address, runner);
}

export { chainNow, providerOf } from "../chain.js";

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

/** Throws a CliError unless the session is open for trading (t1 <= now < t2, not final). */
export function requireTrading(info: SessionInfo): void {
  if (info.status !== "open" || info.now < info.t1 || info.now >= info.t2) {
    throw new CliError(
      `trading in ${info.address} is open from t1 = ${isoTime(info.t1)} to t2 = ${isoTime(info.t2)}; chain time is ${isoTime(info.now)} (phase: ${info.phase})`,
    );
  }
}
