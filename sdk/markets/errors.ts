/**
 * The markets' custom errors: every ABI a market call can revert with, and a plain-words explanation of each
 * error registered with the decoder of ../errors.ts (importing this module registers them). Browser-safe.
 */
import { Interface } from "ethers";

// Evaluated first on purpose: both families name an error `TradingClosed`; the explanation registered below
// understands both shapes and must be the one left in the catalogue, whichever family is imported later.
import "../sessions/errors.js";
import { OracleFixing__factory } from "../../types/ethers-contracts/index.js";
import { explainErrors } from "../errors.js";
import { formatAmount, isoTime } from "../input.js";
import { marketsInterface } from "./abi.js";
import { MAX_QUANTITY, RELAY_MAX_LEVELS, SOURCE_NAMES, STATUS_NAMES, tickPrice } from "./parse.js";

/** Every ABI whose custom errors a market command can meet (core, admin, lens; the oracle library). */
export const MARKET_ABIS = [marketsInterface, new Interface(OracleFixing__factory.abi)];

const when = (t: unknown): string => `${String(t)} (${isoTime(BigInt(String(t)))})`;

explainErrors({
  ZeroCollateral: () => "The root needs a collateral token: pass --collateral <ERC-20 address>.",
  BadUnitScale: (a) =>
    `unitScale ${a.unitScale} is invalid: one contract must pay a whole, non-zero number of collateral units per 0.01 (pick another --payout).`,
  BadBounds: (a) => `The bounds [${a.min}, ${a.max}] are invalid: min must be below max (outcome units).`,
  OutsideParent: (a) =>
    `The sub-market [${a.min}, ${a.max}] is not inside its parent market [${a.parentMin}, ${a.parentMax}] (outcome units): choose bounds within the parent's.`,
  BadSchedule: (a) =>
    `The schedule is invalid: expiry ${when(a.expiry)} must be after chain time ${when(a.now_)}, and the void deadline ${when(a.voidDeadline)} at least the dispute window (${a.disputeWindow} s) after expiry.`,
  BadSource: (a) =>
    `The settlement source "${SOURCE_NAMES[Number(a.source)] ?? a.source}" lacks a setting: a callback root needs --reporter, a feed root --feed.`,
  UnknownRoot: (a) =>
    `There is no root ${a.rootId}: see the RootCreated events, or create one with "market create-root".`,
  UnknownMarket: (a) => `Root ${a.rootId} has no market (branch) ${a.branchId}: see "market show --root ${a.rootId}".`,
  TooManyBranches: (a) => `Root ${a.rootId} already holds 65,535 markets.`,
  BadDecimals: (a) => `Outcome decimals ${a.decimals} are above the supported 36.`,
  RootNotOpen: (a) => `Root ${a.rootId} is no longer open: it is ${STATUS_NAMES[Number(a.status)] ?? a.status}.`,
  TradingClosed: (a) =>
    a.rootId !== undefined
      ? `Trading on root ${a.rootId} stopped at its expiry ${when(a.expiry)}; chain time is ${when(a.now_)}.`
      : `Trading is open only from t1 = ${when(a.t1)} to t2 = ${when(a.t2)} (and before settlement); chain time is ${when(a.now_)}.`,
  RootNotFinal: (a) =>
    `Root ${a.rootId} is neither settled nor voided yet: redeem after settlement ("market settle", "market finalize" or the owner's bounds).`,
  NotBoundsPoster: (a) => `${a.caller} may not post bounds on root ${a.rootId}: only its owner or its reporter may.`,
  PostOutsideMarket: (a) =>
    `The posted bounds [${a.newMin}, ${a.newMax}] must lie inside the market's [${a.min}, ${a.max}] with min <= max (outcome units).`,
  BoundsContradict: (a) =>
    `The post would leave no possible outcome (range [${a.lo}, ${a.hi}]): it contradicts earlier posts.`,
  ReporterCannotCollapse: (a) =>
    `The reporter of root ${a.rootId} may narrow but not collapse the range to one outcome: use "market report" (it goes through the dispute window).`,
  NotReporter: (a) => `${a.caller} is not the reporter of this root (the reporter is ${a.reporter}).`,
  NotOwner: (a) => `${a.caller} is not the owner of this root (the owner is ${a.owner}).`,
  WrongSource: (a) =>
    `Root ${a.rootId} settles by its ${SOURCE_NAMES[Number(a.source)] ?? a.source} source, not this way.`,
  TooEarly: (a) => `Too early for root ${a.rootId}: not before ${when(a.notBefore)}; chain time is ${when(a.now_)}.`,
  PastVoidDeadline: (a) =>
    `Root ${a.rootId} passed its void deadline ${when(a.voidDeadline)} (chain time ${when(a.now_)}): only voiding remains (the keeper does it).`,
  ReportTooLate: (a) =>
    `A report now would end its dispute window at ${when(a.windowEnd)}, after root ${a.rootId}'s void deadline ${when(a.voidDeadline)}.`,
  ReportPending: (a) =>
    `Root ${a.rootId} already has a pending report of ${a.reported}: finalize it after the dispute window, or the owner overrides it.`,
  NoReport: (a) => `Root ${a.rootId} has no pending report: the reporter must "market report" first.`,
  DisputeWindowOver: (a) =>
    `The dispute window of root ${a.rootId} ended at ${when(a.windowEnd)} (chain time ${when(a.now_)}): the report can only be finalized.`,
  OutcomeOutsideRange: (a) => `The outcome ${a.x} lies outside the possible range [${a.lo}, ${a.hi}] (outcome units).`,
  FeedOutcomeTooLarge: (a) =>
    `The feed price ${formatAmount(BigInt(String(a.priceWad)), 18)} does not fit the outcome type.`,
  BadTick: (a) =>
    `Price tick ${a.tick} is invalid: a price must be above 0 and below 1 on the 0.01 grid (tick 1 to ${Number(a.ticks) - 1}).`,
  BadQuantity: (a) => `Quantity ${a.quantity} is invalid: it must be non-zero and at most ${MAX_QUANTITY} contracts.`,
  BadOrderType: (a) => `Order type ${a.orderType} is invalid: use gtc, ioc or post-only.`,
  RelayedSweepBound: (a) =>
    `The order still crossed the book when the submitter's maxLevels ${a.maxLevels} stopped it; the trader did not sign that bound, so a relay (submitter ${a.submitter}) may not cut the order short and nothing was consumed: submit again with maxLevels ${RELAY_MAX_LEVELS} (every level).`,
  PostOnlyWouldCross: (a) =>
    `The post-only order at ${tickPrice(a.tick)} would trade against the resting ${tickPrice(a.bestOpposite)}: change the price or drop post-only.`,
  TooManyOpenOrders: (a) =>
    `${a.trader} already holds ${a.max} open orders on root ${a.rootId}: cancel one first ("market cancel" or "market cancel-market").`,
  TooManyMarkets: (a) => `${a.trader} already trades ${a.max} markets on root ${a.rootId}: the limit per root.`,
  TooManyRoots: (a) =>
    `${a.trader} already has ${a.max} open roots in collateral ${a.collateral}: redeem a final root first.`,
  NoSuchOrder: (a) => `No resting order under key ${a.orderKey}: it was filled or cancelled already, or never rested.`,
  NotYourOrder: (a) =>
    `Only the trader who placed resting order ${a.orderKey} may cancel it; ${a.caller} has no such open order on its root (the order's OrderAccepted log names its trader).`,
  InsufficientCollateral: (a) =>
    `Insufficient collateral: ${a.trader} has cash ${a.cash} and a worst case of ${a.sumWorst} (collateral units), short by ${a.shortfall}: deposit more or trade smaller. Collateral that a cancel or a fill on another root of this account frees counts once that root is refreshed ("market sync --root <id>", any action there, or a withdrawal).`,
  InsufficientCash: (a) => `${a.trader} has cash ${a.cash} and cannot withdraw ${a.amount} (collateral units).`,
  DepositShortfall: (a) =>
    `Token ${a.token} delivered ${a.received} instead of ${a.expected} (fee-on-transfer tokens are refused).`,
  ZeroAmount: () => "A zero amount does nothing: pass an amount above 0.",
  BadRecipient: (a) =>
    `A withdrawal cannot pay ${a.to}: the zero address and the markets contract itself would lose the funds for good (pass --to another address).`,
});
