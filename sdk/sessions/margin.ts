/**
 * A small client for margin sessions: create one (simulated first, errors decoded), read an account's margin
 * in quote units, and run a corporate action through its timelock on a local network. Margin errors of the
 * session and its module are registered with the decoder of ../errors.ts.
 */
import { Interface, type ContractTransactionResponse } from "ethers";

import {
  MarginModule__factory,
  MarginSession__factory,
  OracleFixing__factory,
  type MarginModule,
  type SessionFactory,
} from "../../types/ethers-contracts/index.js";
import { formatAmount } from "../input.js";
import { explainErrors, humanError } from "../errors.js";
import { SESSION_ABIS } from "./errors.js";
import type { MarginConfig, SessionConfig } from "./config.js";

/**
 * Every ABI whose custom errors a margin-session call can meet (session, module, factory, oracle); the oracle
 * library's own ABI carries `StaleRound`, which the margin views revert with when a feed is stale.
 */
export const MARGIN_ABIS = [
  new Interface(MarginSession__factory.abi),
  new Interface(MarginModule__factory.abi),
  ...SESSION_ABIS,
  new Interface(OracleFixing__factory.abi),
];

const ACTION_STATES = ["none", "scheduled", "executed", "cancelled"] as const;
const q36 = (v: unknown): string => formatAmount(BigInt(String(v)), 36);

explainErrors({
  InvalidMarginConfig: (a) =>
    `The margin config's "${a.field}" (value ${a.value}) is out of range: bps at most 10,000, 0 < maintenance <= initial, penalty <= maintenance, one shock per leg, a group mask within the legs, an action delay of at least 3,600 s, a non-zero dispute window and bond, and a minimum short equity of 1 to 200 bps.`,
  LegClosed: (a) => `Leg ${a.leg} was closed by a cash-in-lieu action and can no longer be traded or acted on.`,
  TooManyShortAccounts: (a) => `At most ${a.max} accounts may be short at once: close a short first.`,
  ConcentrationExceeded: (a) =>
    `${a.account} would be short ${a.short} units of leg ${a.leg}, above the cap of ${a.cap} (the session's concentration limit): trade smaller.`,
  BelowInitialMargin: (a) =>
    `${a.account} would have a stressed equity of ${q36(a.stressedE36)}, below the initial margin of ${q36(a.requiredE36)} (quote units): trade smaller or hold more collateral.`,
  NotLiquidatable: (a) =>
    `${a.account} is not liquidatable: its stressed equity ${q36(a.stressedE36)} is at or above the maintenance margin ${q36(a.maintenanceE36)} (quote units), or it holds no short.`,
  ActionNotScheduled: (a) =>
    `Corporate action ${a.id} is ${ACTION_STATES[Number(a.state)] ?? "unknown"}, not scheduled: it cannot be run or cancelled.`,
  ActionNotReady: (a) => `Corporate action ${a.id} may run from ${a.eta}; chain time is ${a.now_}.`,
  ActionsClosed: (a) => `Corporate actions must take effect before t2 = ${a.t2} (got ${a.at}).`,
  BadAction: (a) =>
    `The action's "${a.field}" (${a.value}) is invalid: never the cash leg, split ratio num/den != 1, dividend amount > 0 with den 0, cash-in-lieu with num = den = 0.`,
  BelowMinShortEquity: (a) =>
    `${a.account} would be short with a stressed equity of ${q36(a.stressedE36)}, below the ${q36(a.floorE36)} (quote units) every short account must keep (the session's minShortEquityBps of the pool's value): hold more collateral or close the short.`,
  SplitNotReflected: (a) =>
    `The session holds ${a.have} of token ${a.token}, more than the ${a.max} the scheduled split allows: the token has not split at the scheduled ratio (a reverse split must lower the pool's balance to the new basket), so the split cannot be executed.`,
  BalanceShortfall: (a) =>
    `The session would hold ${a.have} of token ${a.token} but owes ${a.need}: split the token itself before executing the split.`,
  DividendExceedsCashLeg: (a) =>
    `The short's dividend debit ${a.owed} is larger than the cash leg's basket ${a.basket}.`,
  NoProposal: () => "No fallback fixing proposal is pending (or it was already disputed or settled).",
  ProposalExists: () =>
    "A fallback fixing was already proposed (only one per session): dispute it within its window, or let it settle after the window.",
  ProposalWindow: (a) => `Fallback fixings may be proposed from ${a.start} to ${a.end}; chain time is ${a.now_}.`,
  DisputeWindow: (a) => `The proposal's dispute window ends at ${a.end}; chain time is ${a.now_}.`,
  NotParticipant: (a) => `${a.account} holds no shares and no allocation in this session, so it may not dispute.`,
  BadProposal: (a) => `A proposal needs one positive WAD price per open leg (problem at leg or length ${a.leg}).`,
  ReleaseNotYet: (a) =>
    `The fallback release waits for the proposal window to end at ${a.end}; chain time is ${a.now_}.`,
  InvalidInitialization: () => "The margin configuration is set once, at creation.",
});

/**
 * Creates a margin session through `factory` (connected to the creating signer). Simulated first: a bad
 * session or margin field throws an Error with the decoded message (e.g. `InvalidMarginConfig: ...`) before
 * anything is sent.
 */
export async function createMarginSession(
  factory: Pick<SessionFactory, "createMarginSession">,
  cfg: SessionConfig,
  margin: MarginConfig,
): Promise<{ session: string; txHash: string; gasUsed: bigint }> {
  let session: string;
  try {
    session = await factory.createMarginSession.staticCall(cfg, margin);
  } catch (e) {
    throw humanError(e, MARGIN_ABIS);
  }
  const sent = await factory.createMarginSession(cfg, margin);
  const receipt = await sent.wait();
  return { session, txHash: sent.hash, gasUsed: receipt?.gasUsed ?? 0n };
}

/** An account's margin at the latest oracle prices, as decimal strings of quote units. */
export interface MarginReport {
  account: string;
  /** x.S */
  equity: string;
  /** Equity in the worst stress scenario. */
  stressed: string;
  /** sum |x_k| S_k */
  gross: string;
  /** Initial margin: stressed equity must stay at or above it after a trade that leaves the account short. */
  initial: string;
  /** Maintenance margin: a short account below it can be liquidated. */
  maintenance: string;
  /** stressed - initial: how much stressed equity the account can still lose before trades are refused. */
  headroom: string;
  liquidatable: boolean;
}

/**
 * Reads `marginOf(account)` through the module typed at the session's address and formats every 1e36 value
 * as a decimal string of quote units. Reverts (decoded) when a feed is stale.
 */
export async function marginReport(session: Pick<MarginModule, "marginOf">, account: string): Promise<MarginReport> {
  let r: Awaited<ReturnType<MarginModule["marginOf"]>>;
  try {
    r = await session.marginOf(account);
  } catch (e) {
    throw humanError(e, MARGIN_ABIS);
  }
  return {
    account,
    equity: q36(r.equityE36),
    stressed: q36(r.stressedE36),
    gross: q36(r.grossE36),
    initial: q36(r.initialE36),
    maintenance: q36(r.maintenanceE36),
    headroom: q36(r.stressedE36 - r.initialE36),
    liquidatable: r.liquidatable,
  };
}

/** What {@link scheduleAndExecute} did. */
export interface ActionRun {
  id: bigint;
  eta: bigint;
  scheduleTx: string;
  executeTx: string;
}

/**
 * Schedules a corporate action, waits for its eta through `advance(seconds)` and executes it. For tests and
 * demos on a local network only: `advance` moves chain time (e.g. `networkHelpers.time.increase`); on a
 * public network the organiser waits out the delay instead. `session` is the module typed at the session's
 * address, connected to the organiser (who approves the cash leg first for dividends and cash-in-lieu).
 * It waits for the eta only: an action scheduled before t1 cannot execute before t1 (`ActionNotReady`), so
 * schedule during trading. Failures throw Errors with the decoded message.
 */
export async function scheduleAndExecute(
  session: Pick<MarginModule, "scheduleAction" | "executeAction" | "action" | "actionCount" | "runner">,
  kind: number,
  leg: number,
  num: bigint,
  den: bigint,
  advance: (seconds: bigint) => Promise<unknown>,
): Promise<ActionRun> {
  const run = async (tx: () => Promise<ContractTransactionResponse>) => {
    try {
      const sent = await tx();
      await sent.wait();
      return sent.hash;
    } catch (e) {
      throw humanError(e, MARGIN_ABIS);
    }
  };
  const scheduleTx = await run(() => session.scheduleAction(kind, leg, num, den));
  const id = (await session.actionCount()) - 1n;
  const eta = (await session.action(id)).eta;
  const provider = session.runner?.provider;
  if (provider === undefined || provider === null) throw new Error("scheduleAndExecute: the session needs a provider");
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("scheduleAndExecute: no latest block");
  const now = BigInt(block.timestamp);
  // The next transaction lands one second or more after `now`, so advancing eta - now - 1 reaches eta.
  if (eta > now + 1n) await advance(eta - now - 1n);
  const executeTx = await run(() => session.executeAction(id));
  return { id, eta, scheduleTx, executeTx };
}
