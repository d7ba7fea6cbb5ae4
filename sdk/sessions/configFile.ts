/**
 * Session configs in human units (the JSON files of `session create`): checked field by field and turned into
 * the factory's structs, token decimals read from the chain. Browser-safe.
 */
import { Contract, ZeroAddress, type ContractRunner } from "ethers";

import { CliError, parseAddress, parseAmount, parseTime } from "../input.js";
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
import { chainNow, ERC20_ABI, KIND_NAMES, MODE_NAMES, PARTICIPATION_NAMES, type SessionKindName } from "./reads.js";

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
