/**
 * Margin-session fixtures: three legs on top of {@link deployBase} (which deploys the session family with the
 * margin implementation and its module):
 * - leg 0, the cash leg: a 6-decimal "USDC" MockERC20 priced 1.0, 100 USDC per share;
 * - leg 1: an 18-decimal MockSplitToken priced 100, one token per share;
 * - leg 2: an 8-decimal MockERC20 priced 50, one token per share.
 * One share is worth 250 quote units at the start prices.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type {
  MarginModule,
  MarginSession,
  MockERC20,
  MockSplitToken,
  MockV3Aggregator,
} from "../../types/ethers-contracts/index.js";
import {
  marginConfig,
  physicalLeg,
  SessionKind,
  sessionConfig,
  type MarginConfig,
  type SessionConfig,
} from "../../sdk/sessions/config.js";
import { DAY, spec, type Base } from "./fixtures.js";

export const E36 = 10n ** 36n;
export const BPS = 10_000n;
/** Token units per share of each leg. */
export const UNITS = [100n * 10n ** 6n, 10n ** 18n, 10n ** 8n] as const;
/** Decimals of each leg's token. */
export const DECIMALS = [6, 18, 8] as const;
/** Start prices, 8-decimal feed answers: 1.0, 100, 50. */
export const START8 = [1_00000000n, 100_00000000n, 50_00000000n] as const;
/** The dispute bond of every fixture session: 25 USDC. */
export const BOND = 25n * 10n ** 6n;

export interface MarginEnv extends Base {
  usdc: MockERC20;
  split: MockSplitToken;
  other: MockERC20;
  /** The three leg tokens in leg order, typed as their common surface (mint, approve, balanceOf). */
  legs: MockERC20[];
  mfeeds: MockV3Aggregator[];
}

/** Deploys the base family (no extra physical tokens) plus the three margin legs and their 8-decimal feeds. */
export async function deployMarginLegs(b: Base): Promise<MarginEnv> {
  const { ethers } = b;
  const usdc = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as MockERC20;
  const split = (await ethers.deployContract("MockSplitToken", [
    "Split Equity",
    "SPLT",
    18,
  ])) as unknown as MockSplitToken;
  const other = (await ethers.deployContract("MockERC20", ["Other Equity", "OTHR", 8])) as unknown as MockERC20;
  const mfeeds: MockV3Aggregator[] = [];
  for (const p of START8)
    mfeeds.push((await ethers.deployContract("MockV3Aggregator", [8, p])) as unknown as MockV3Aggregator);
  return { ...b, usdc, split, other, legs: [usdc, split as unknown as MockERC20, other], mfeeds };
}

/** Windows of the fixture sessions: t1 = start + 1 day, t2 = +2 days, deadline = +3 days, claims = +10 days. */
export function windows(b: Base) {
  return {
    t1: b.now + DAY,
    t2: b.now + 2n * DAY,
    fallbackDeadline: b.now + 3n * DAY,
    claimDeadline: b.now + 10n * DAY,
  };
}

/** The session config of a fixture margin session (taker fee 10 bps, maker fee 5 bps). */
export async function marginSessionConfig(m: MarginEnv, over: Partial<SessionConfig> = {}): Promise<SessionConfig> {
  const legs = [];
  for (let k = 0; k < 3; k++) {
    legs.push(physicalLeg(await m.legs[k].getAddress(), UNITS[k], spec(await m.mfeeds[k].getAddress())));
  }
  return sessionConfig({
    kind: SessionKind.Margin,
    legs,
    ...windows(m),
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: m.feeTo.address,
    admin: m.admin.address,
    guardian: m.guardian.address,
    ...over,
  });
}

/** The margin config of the fixture (defaults of `marginConfig`: 20% / 10% / 5%, cap 50%, +-25% on legs 1, 2). */
export function fixtureMarginConfig(marginOver: Partial<MarginConfig> = {}): MarginConfig {
  return marginConfig(3, { disputeBond: BOND, ...marginOver });
}

export interface MarginHandles {
  address: string;
  /** Session functions (trading, liquidation, settlement, claims). */
  session: MarginSession;
  /** Module functions (actions, views, fallback fixing) typed at the session's address. */
  module: MarginModule;
}

/** Creates a margin session through `factory.createMarginSession`. */
export async function createMargin(
  m: MarginEnv,
  over: Partial<SessionConfig> = {},
  marginOver: Partial<MarginConfig> = {},
): Promise<MarginHandles> {
  const cfg = await marginSessionConfig(m, over);
  const mc = fixtureMarginConfig(marginOver);
  const address = await m.factory.createMarginSession.staticCall(cfg, mc);
  await (await m.factory.createMarginSession(cfg, mc)).wait();
  return {
    address,
    session: (await m.ethers.getContractAt("MarginSession", address)) as unknown as MarginSession,
    module: (await m.ethers.getContractAt("MarginModule", address)) as unknown as MarginModule,
  };
}

/** Mints and approves `shares` baskets for `who`, then subscribes. */
export async function subscribeMargin(m: MarginEnv, h: MarginHandles, who: HardhatEthersSigner, shares: bigint) {
  for (let k = 0; k < 3; k++) {
    await m.legs[k].mint(who.address, shares * UNITS[k]);
    await m.legs[k].connect(who).approve(h.address, shares * UNITS[k]);
  }
  return h.session.connect(who).subscribe(shares, []);
}

/** Sets every feed to `prices8` (8-decimal answers) at the next block. */
export async function setPrices(m: MarginEnv, prices8: readonly bigint[]) {
  for (let k = 0; k < prices8.length; k++) await m.mfeeds[k].updateAnswer(prices8[k]);
}

/** After t2: pushes fresh rounds at `prices8` and settles with the hints from checkUpkeep. */
export async function settleMargin(m: MarginEnv, h: MarginHandles, prices8: readonly bigint[]) {
  await setPrices(m, prices8);
  const [needed, data] = await h.session.checkUpkeep("0x");
  if (!needed) throw new Error("checkUpkeep says no upkeep is needed");
  const decoded = m.ethers.AbiCoder.defaultAbiCoder().decode(["bool", "uint80[][]"], data);
  if (decoded[0] === true) throw new Error("expected a settlement, got fallback");
  const hints = (decoded[1] as unknown as bigint[][]).map((x) => Array.from(x));
  return h.session.settle(hints);
}

// ------------------------------------------------------------------ an independent mirror of the margin rule

/** Value of one session unit (1e36 quote units): price8 * 1e10 * 10^(18 - decimals) * num / den. */
export function unitValue(price8: bigint, decimals: number, num = 1n, den = 1n): bigint {
  return (price8 * 10n ** 10n * 10n ** BigInt(18 - decimals) * num) / den;
}

export interface Risk {
  equity: bigint;
  stressed: bigint;
  gross: bigint;
}

/** Equity, worst single-leg stressed equity and gross exposure (no group scenario). */
export function risk(x: readonly bigint[], p: readonly bigint[], shockBps: readonly bigint[]): Risk {
  let equity = 0n;
  let gross = 0n;
  let worst = 0n;
  for (let k = 0; k < x.length; k++) {
    const v = x[k] * p[k];
    const av = v < 0n ? -v : v;
    equity += v;
    gross += av;
    const s = (av * shockBps[k]) / BPS;
    if (s > worst) worst = s;
  }
  return { equity, stressed: equity - worst, gross };
}

/** A decimal string of quote units as a 1e36 value (`e36("799.7")`). */
export function e36(decimal: string): bigint {
  const neg = decimal.startsWith("-");
  const [i, f = ""] = (neg ? decimal.slice(1) : decimal).split(".");
  const v = BigInt(i) * E36 + BigInt((f + "0".repeat(36)).slice(0, 36));
  return neg ? -v : v;
}
