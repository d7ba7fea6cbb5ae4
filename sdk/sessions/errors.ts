/**
 * The session family's custom errors: every ABI a session call can revert with, and a plain-words explanation
 * of each error registered with the decoder of ../errors.ts (importing this module registers them).
 * Browser-safe.
 */
import { Interface } from "ethers";

import {
  CashSession__factory,
  PhysicalSession__factory,
  SessionCore__factory,
  SessionFactory__factory,
  SessionAmm__factory,
  SessionOracle__factory,
  WeightedMath__factory,
} from "../../types/ethers-contracts/index.js";
import { explainErrors } from "../errors.js";
import { formatAmount, isoTime } from "../input.js";

/**
 * Every ABI whose custom errors a session command can meet (session, factory, oracle library, and the AMM and
 * its curve, whose errors a pool swap passes on).
 */
export const SESSION_ABIS = [
  new Interface(SessionCore__factory.abi),
  new Interface(CashSession__factory.abi),
  new Interface(PhysicalSession__factory.abi),
  new Interface(SessionFactory__factory.abi),
  new Interface(SessionOracle__factory.abi),
  new Interface(SessionAmm__factory.abi),
  new Interface(WeightedMath__factory.abi),
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
  NotAPool: (a) => `${a.pool} has no code: a pool swap needs a pool contract (a SessionAmm of this session).`,
  BadSwapLegs: (a) =>
    `A swap gives one leg and receives another: legs ${a.legIn} and ${a.legOut} must differ and be below ${a.legCount}.`,
  PoolOutsideLimit: (a) =>
    `The pool answered ${a.amountIn} in for ${a.amountOut} out, outside your limit ${a.limit} (or not the amount asked): the price moved; quote again or widen the slippage.`,
  UnknownLeg: (a) => `The AMM does not trade leg ${a.leg}: it has no weight there.`,
  SameLeg: (a) => `A swap needs two different legs (both were ${a.leg}).`,
  OutExceedsQuote: (a) =>
    `The order asks ${a.asked} units of leg ${a.legOut}, more than the pool pays now (${a.quoted}): quote again.`,
  InBelowQuote: (a) =>
    `The order pays ${a.effective} units after fees, less than the ${a.needed} of leg ${a.legIn} the pool needs now: quote again.`,
  OracleBandExceeded: (a) =>
    `The swap would move the pool's price of leg ${a.legIn} (${formatAmount(BigInt(String(a.poolRateWad)), 18)} of leg ${a.legOut}) more than ${Number(a.bandBps) / 100}% below the oracle's (${formatAmount(BigInt(String(a.oracleRateWad)), 18)}): swap less.`,
  EmptyReserve: (a) => `The AMM holds nothing of leg ${a.leg} yet: its LP must seed it first.`,
  NotSession: (a) =>
    `Only the AMM's session may ask it to price a swap, not ${a.caller}: call swapWithPool on the session.`,
  AmountOutTooLarge: (a) =>
    `${a.amountOut} out is beyond what the curve pays in one swap (at most ${a.maxOut}): swap less.`,
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
