/**
 * The `SessionConfig` struct of contracts/sessions/SessionTypes.sol as `SessionFactory.createSession` takes it,
 * and one builder with the defaults most sessions share, so scripts and tests state only what differs.
 */
import { ZeroAddress, ZeroHash } from "ethers";

import type { FixingSpec } from "./fixing.js";

/**
 * `SessionKind`: physical sessions hold every leg as an ERC-20; cash sessions one collateral token; margin
 * sessions hold ERC-20 legs and allow negative allocations under a margin rule (`createMarginSession`).
 */
export const SessionKind = { Physical: 0, Cash: 1, Margin: 2 } as const;
/** `SettlementMode`: physical sessions pay in kind or value-weighted; cash sessions pay collateral. */
export const SettlementMode = { InKind: 0, ValueWeighted: 1, Cash: 2 } as const;
/** `Participation`: anyone, holders of PARTICIPANT_ROLE, or accounts proven in a Merkle root. */
export const Participation = { Open: 0, Role: 1, Merkle: 2 } as const;

/** One leg (`LegConfig`). */
export interface LegConfig {
  /** Physical: the leg's ERC-20. Cash: the zero address. */
  token: string;
  /** Leg amount per share: token units (physical) or WAD instrument units (cash). */
  unit: bigint;
  /** Cash only: the price box, WAD quote per instrument unit (0 for physical legs). */
  floor: bigint;
  cap: bigint;
  fixing: FixingSpec;
}

/** Everything a session is created from (`SessionConfig`); see the NatSpec in SessionTypes.sol for each field. */
export interface SessionConfig {
  kind: number;
  mode: number;
  legs: LegConfig[];
  /** Cash only: the collateral token; the zero address for physical sessions. */
  collateral: string;
  /** Unix seconds: end of subscription and start of trading. */
  t1: bigint;
  /** Unix seconds: end of trading, the fixing time. */
  t2: bigint;
  /** Unix seconds: last moment for a fixing; afterwards the fallback may be released. */
  fallbackDeadline: bigint;
  /** Unix seconds: from then on rounding dust may be swept. */
  claimDeadline: bigint;
  takerFeeBps: number;
  makerFeeBps: number;
  feeRecipient: string;
  participation: number;
  merkleRoot: string;
  admin: string;
  guardian: string;
}

/** What {@link sessionConfig} needs: kind, legs, the four times, admin and fee recipient; the rest is optional. */
export type SessionConfigInput = Pick<
  SessionConfig,
  "kind" | "legs" | "t1" | "t2" | "fallbackDeadline" | "claimDeadline" | "admin" | "feeRecipient"
> &
  Partial<SessionConfig>;

/**
 * A full session config. Defaults: mode in kind (physical), value-weighted (margin) or cash (cash sessions), no collateral token, no
 * fees, open participation, no Merkle root, the admin as guardian.
 */
export function sessionConfig(input: SessionConfigInput): SessionConfig {
  return {
    kind: input.kind,
    mode:
      input.mode ??
      (input.kind === SessionKind.Cash
        ? SettlementMode.Cash
        : input.kind === SessionKind.Margin
          ? SettlementMode.ValueWeighted
          : SettlementMode.InKind),
    legs: input.legs,
    collateral: input.collateral ?? ZeroAddress,
    t1: input.t1,
    t2: input.t2,
    fallbackDeadline: input.fallbackDeadline,
    claimDeadline: input.claimDeadline,
    takerFeeBps: input.takerFeeBps ?? 0,
    makerFeeBps: input.makerFeeBps ?? 0,
    feeRecipient: input.feeRecipient,
    participation: input.participation ?? Participation.Open,
    merkleRoot: input.merkleRoot ?? ZeroHash,
    admin: input.admin,
    guardian: input.guardian ?? input.admin,
  };
}

/** A physical leg: `unit` token units per share, no price box. */
export function physicalLeg(token: string, unit: bigint, fixing: FixingSpec): LegConfig {
  return { token, unit, floor: 0n, cap: 0n, fixing };
}

/** A cash leg: `unit` WAD instrument units per share, settlement price clamped into [floor, cap] (WAD). */
export function cashLeg(unit: bigint, floor: bigint, cap: bigint, fixing: FixingSpec): LegConfig {
  return { token: ZeroAddress, unit, floor, cap, fixing };
}

/** `ActionKind` of a margin session's corporate action. */
export const ActionKind = { Split: 0, Dividend: 1, CashInLieu: 2 } as const;

/** The `MarginConfig` struct (SessionTypes.sol) a margin session is created with; bps are parts of 10,000. */
export interface MarginConfig {
  /** Leg index of the cash (numeraire) leg: dividends, liquidation compensation and the dispute bond. */
  cashLeg: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  liquidationPenaltyBps: number;
  /** Largest short per leg, bps of the leg's basket. */
  concentrationBps: number;
  /** Per leg, the up/down single-leg stress scenario (bps). */
  shockBps: number[];
  /** Legs of group A in the relative scenario (bit mask). */
  groupMask: number;
  groupShockBps: number;
  /** Seconds from scheduling a corporate action to its earliest execution (at least 3,600). */
  actionDelay: number;
  /** Seconds to propose a fallback fixing after the deadline, and to dispute it. */
  disputeWindow: number;
  /** Cash-leg token units a disputer forfeits (held in the pool for the fee recipient to withdraw). */
  disputeBond: bigint;
  /**
   * Least stressed equity a short account keeps after its trades, bps of the pool's value (1 to 200): what one
   * of the 50 short slots costs in locked capital.
   */
  minShortEquityBps: number;
}

/**
 * A margin config for `n` legs. Defaults: cash leg 0, initial 20%, maintenance 10%, penalty 5%, shorts up to
 * half of a leg's basket, every non-cash leg shocked +-25% alone, no group scenario, one-hour action delay,
 * one-day dispute window, a short account keeping at least 0.1% of the pool's value (10 bps).
 */
export function marginConfig(n: number, over: Partial<MarginConfig> & { disputeBond: bigint }): MarginConfig {
  const cashLeg = over.cashLeg ?? 0;
  return {
    cashLeg,
    initialMarginBps: over.initialMarginBps ?? 2_000,
    maintenanceMarginBps: over.maintenanceMarginBps ?? 1_000,
    liquidationPenaltyBps: over.liquidationPenaltyBps ?? 500,
    concentrationBps: over.concentrationBps ?? 5_000,
    shockBps: over.shockBps ?? Array.from({ length: n }, (_, k) => (k === cashLeg ? 0 : 2_500)),
    groupMask: over.groupMask ?? 0,
    groupShockBps: over.groupShockBps ?? 0,
    actionDelay: over.actionDelay ?? 3_600,
    disputeWindow: over.disputeWindow ?? 86_400,
    disputeBond: over.disputeBond,
    minShortEquityBps: over.minShortEquityBps ?? 10,
  };
}
