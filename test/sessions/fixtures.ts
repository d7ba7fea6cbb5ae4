/** Shared deployment fixtures for the session tests: tokens, feeds, oracle adapter, implementations, factory. */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress, type BigNumberish } from "ethers";
import type { network } from "hardhat";

import type {
  CashSession,
  MockERC20,
  MockV3Aggregator,
  PhysicalSession,
  SessionFactory,
  SessionLens,
} from "../../types/ethers-contracts/index.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import {
  cashLeg,
  physicalLeg,
  SessionKind,
  sessionConfig,
  type LegConfig,
  type SessionConfig,
} from "../../sdk/sessions/config.js";
import { deploySessionFamily } from "../../sdk/sessions/deploy.js";
import { firstAfterFixing, type FixingSpec } from "../../sdk/sessions/fixing.js";
import { legMask, sessionDomain, signSessionOrder, type SessionOrder } from "../../sdk/sessions/orders.js";

export type Connection = Awaited<ReturnType<typeof network.create>>;
export const WAD = 10n ** 18n;
export const DAY = 86_400n;

/**
 * The arguments of a physical session's `Traded` event for a whole swap with a pool: `digest` (zero for a pool
 * swap), the trader as maker, the pool as taker, filled to 1e18, the legs mask, the net deltas of each side per
 * set leg in ascending order, and no collateral fees.
 */
export function poolTraded(
  digest: string,
  trader: string,
  pool: string,
  legs: bigint,
  traderDeltas: bigint[],
  poolDeltas: bigint[],
) {
  return [digest, trader, pool, WAD, legs, traderDeltas, poolDeltas, 0n, 0n] as const;
}

/** The single-feed fixing of every test leg: a 30-day heartbeat, a 1-hour window, answers in [1, 1e30). */
export function spec(feed: string): FixingSpec {
  return firstAfterFixing(feed, { maxDelay: 3_600, minAnswer: 1n, maxAnswer: 10n ** 30n });
}

/** Deploys the whole family plus `n` tokens (decimals cycle 18, 6, 8) and one 8-decimal feed per leg. */
export async function deployBase(conn: Connection, n = 5) {
  const { ethers, networkHelpers } = conn;
  const signers = await ethers.getSigners();
  const [admin, guardian, feeTo, alice, bob, carol, dave] = signers;
  const decimals = [18, 6, 8];
  const tokens: MockERC20[] = [];
  const feeds: MockV3Aggregator[] = [];
  for (let k = 0; k < n; k++) {
    tokens.push(await ethers.deployContract("MockERC20", [`Leg ${k}`, `L${k}`, decimals[k % 3]]));
    feeds.push(await ethers.deployContract("MockV3Aggregator", [8, 100_00000000n + BigInt(k) * 10_00000000n]));
  }
  const collateral = await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
  const { factory, oracle, physicalImpl } = await deploySessionFamily(ethers);
  const lens: SessionLens = await ethers.deployContract("SessionLens");
  const now = BigInt(await networkHelpers.time.latest());
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    ethers,
    networkHelpers,
    signers,
    admin,
    guardian,
    feeTo,
    alice,
    bob,
    carol,
    dave,
    tokens,
    feeds,
    collateral,
    oracle,
    physicalImpl,
    factory,
    lens,
    now,
    chainId,
  };
}

export type Base = Awaited<ReturnType<typeof deployBase>>;

/** Unit per share of leg k for physical sessions: one whole token (decimals cycle 18, 6, 8). */
export function physicalUnit(k: number): bigint {
  return 10n ** BigInt([18, 6, 8][k % 3]);
}

/** What every test session shares: windows of 1, 2, 3 and 10 days from the fixture's start, fees 10/5 bps. */
function common(b: Base) {
  return {
    t1: b.now + DAY,
    t2: b.now + 2n * DAY,
    fallbackDeadline: b.now + 3n * DAY,
    claimDeadline: b.now + 10n * DAY,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: b.feeTo.address,
    admin: b.admin.address,
    guardian: b.guardian.address,
  };
}

/** Physical legs: one whole token per share of each of the fixture's tokens. */
export async function physicalConfig(b: Base, over: Partial<SessionConfig> = {}): Promise<SessionConfig> {
  const legs: LegConfig[] = [];
  for (let k = 0; k < b.tokens.length; k++)
    legs.push(physicalLeg(await b.tokens[k].getAddress(), physicalUnit(k), spec(await b.feeds[k].getAddress())));
  return sessionConfig({ kind: SessionKind.Physical, legs, ...common(b), ...over });
}

/** Cash legs: unit 1.0, floor 50, cap 200 (WAD prices), priced by the same feeds. */
export async function cashConfig(b: Base, over: Partial<SessionConfig> = {}): Promise<SessionConfig> {
  const legs: LegConfig[] = [];
  for (let k = 0; k < b.feeds.length; k++)
    legs.push(cashLeg(WAD, 50n * WAD, 200n * WAD, spec(await b.feeds[k].getAddress())));
  const collateral = await b.collateral.getAddress();
  return sessionConfig({ kind: SessionKind.Cash, legs, collateral, ...common(b), ...over });
}

export async function createPhysical(b: Base, over: Partial<SessionConfig> = {}): Promise<PhysicalSession> {
  const { session } = await createSessionFromConfig(b.factory, await physicalConfig(b, over));
  return b.ethers.getContractAt("PhysicalSession", session);
}

export async function createCash(b: Base, over: Partial<SessionConfig> = {}): Promise<CashSession> {
  const { session } = await createSessionFromConfig(b.factory, await cashConfig(b, over));
  return b.ethers.getContractAt("CashSession", session);
}

/** Mints and approves the basket for `shares` shares of a physical session, then subscribes. */
export async function subscribePhysical(b: Base, session: PhysicalSession, who: HardhatEthersSigner, shares: bigint) {
  const addr = await session.getAddress();
  for (let k = 0; k < b.tokens.length; k++) {
    await b.tokens[k].mint(who.address, shares * physicalUnit(k));
    await b.tokens[k].connect(who).approve(addr, shares * physicalUnit(k));
  }
  return session.connect(who).subscribe(shares, []);
}

export async function subscribeCash(b: Base, session: CashSession, who: HardhatEthersSigner, shares: bigint) {
  const dep = await session.depositFor(shares);
  await b.collateral.mint(who.address, dep);
  await b.collateral.connect(who).approve(await session.getAddress(), dep);
  return session.connect(who).subscribe(shares, []);
}

export async function makeOrder(
  b: Base,
  maker: string,
  legs: number[],
  amounts: bigint[],
  over: Partial<SessionOrder> = {},
): Promise<SessionOrder> {
  return {
    maker,
    taker: ZeroAddress,
    legs: legMask(legs),
    amounts,
    maxFeeBps: 50n,
    expiry: b.now + 100n * DAY,
    nonce: 0n,
    salt: BigInt(Math.floor(Math.random() * 1e9)),
    ...over,
  };
}

export async function sign(
  b: Base,
  session: { getAddress(): Promise<string> },
  signer: HardhatEthersSigner,
  order: SessionOrder,
) {
  return signSessionOrder(signer, order, sessionDomain(await session.getAddress(), b.chainId));
}

/** Pushes a fresh round on every feed (after t2) and settles with the hints from checkUpkeep. */
export async function settleWithPrices(b: Base, session: PhysicalSession | CashSession, prices8: BigNumberish[]) {
  for (let k = 0; k < b.feeds.length; k++) await b.feeds[k].updateAnswer(prices8[k]);
  const [needed, data] = await session.checkUpkeep("0x");
  if (!needed) throw new Error("checkUpkeep says no upkeep is needed");
  const decoded = b.ethers.AbiCoder.defaultAbiCoder().decode(["bool", "uint80[][]"], data);
  if (decoded[0] === true) throw new Error("expected a settlement, got fallback");
  const hints = (decoded[1] as unknown as bigint[][]).map((h) => Array.from(h));
  return session.settle(hints);
}
