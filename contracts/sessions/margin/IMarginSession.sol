// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ActionKind, ActionState} from "../SessionTypes.sol";

/// @title IMarginSession
/// @notice Events and errors of margin sessions (on top of those every session has). Values are 1e36 quote units
/// (1e36 = one unit of the feeds' quote currency) where named `...E36`; allocations are session units.
interface IMarginSession {
    /// @notice Risk parameters set at creation (see {MarginConfig}).
    event MarginConfigured(uint256 cashLeg, uint256 initialMarginBps, uint256 maintenanceMarginBps);
    /// @notice `liquidator` took over `account`'s allocation vector and paid it `compensation` cash-leg units:
    /// its equity at the oracle prices minus the penalty, floored at zero.
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        int256 equityE36,
        int256 stressedE36,
        uint256 penaltyE36,
        uint256 compensation
    );
    /// @notice Corporate action `id` was scheduled; the organiser may execute it from `eta` until t2.
    event ActionScheduled(uint256 indexed id, ActionKind kind, uint256 leg, uint256 num, uint256 den, uint256 eta);
    /// @notice Corporate action `id` was cancelled before execution.
    event ActionCancelled(uint256 indexed id);
    /// @notice Corporate action `id` took effect. Split: leg tokens per session unit are now `scaleNum/scaleDen`.
    /// Dividend and cash-in-lieu: the leg's dividend index rose by `indexDelta` (cash-leg units x 1e36 per session
    /// unit) from a deposit of `paid` cash-leg units.
    event ActionExecuted(
        uint256 indexed id,
        ActionKind kind,
        uint256 leg,
        uint256 scaleNum,
        uint256 scaleDen,
        uint256 indexDelta,
        uint256 paid
    );
    /// @notice Dividends of leg `leg` accrued to `account`: `credit` claimable cash-leg units (long), or
    /// `debit` cash-leg allocation taken from it (short).
    event DividendAccrued(address indexed account, uint256 indexed leg, uint256 credit, uint256 debit);
    /// @notice `account` was paid `amount` cash-leg units of accrued dividends, sent to `to`.
    event DividendsClaimed(address indexed account, address indexed to, uint256 amount);
    /// @notice Settlement of the gap: `deficitE36` of negative account values was covered by
    /// `fromInsuranceE36` of the fee recipient's allocation (the insurance) and `socialisedE36` shared pro rata
    /// by every account of positive value.
    event GapSettled(uint256 deficitE36, uint256 fromInsuranceE36, uint256 socialisedE36);
    /// @notice The organiser proposed fallback fixings (WAD quote per whole token, one per leg).
    event FixingProposed(address indexed proposer, uint256[] prices, uint256 disputeEnds);
    /// @notice `disputer` disputed the proposal and forfeited `bond` cash-leg units to the fee recipient (held in
    /// the pool until it withdraws them with {MarginModule.withdrawBond}); the session is released pro rata to
    /// subscription shares.
    event FixingDisputed(address indexed disputer, uint256 bond);
    /// @notice `owner` withdrew `amount` cash-leg units of forfeited dispute bonds, sent to `to`.
    event BondWithdrawn(address indexed owner, address indexed to, uint256 amount);

    /// @notice A margin parameter is out of range.
    error InvalidMarginConfig(string field, uint256 value);
    /// @notice Leg `leg` was closed by a cash-in-lieu action: it can no longer be traded.
    error LegClosed(uint256 leg);
    /// @notice More than `max` accounts would hold a negative allocation at once.
    error TooManyShortAccounts(uint256 max);
    /// @notice `account` would be short `short` session units of leg `leg`, above the cap `cap`.
    error ConcentrationExceeded(address account, uint256 leg, uint256 short, uint256 cap);
    /// @notice After the trade `account`'s worst stressed equity `stressedE36` is below the initial margin
    /// `requiredE36` (initial margin bps of its gross exposure).
    error BelowInitialMargin(address account, int256 stressedE36, uint256 requiredE36);
    /// @notice `account` is not liquidatable: stressed equity `stressedE36` is at or above the maintenance margin.
    error NotLiquidatable(address account, int256 stressedE36, uint256 maintenanceE36);
    /// @notice No corporate action has id `id`, or it is not in the state the call needs.
    error ActionNotScheduled(uint256 id, ActionState state);
    /// @notice Action `id` may not execute before `eta` (nor before t1).
    error ActionNotReady(uint256 id, uint256 eta, uint256 now_);
    /// @notice Corporate actions are impossible from t2 on (scheduling needs eta < t2).
    error ActionsClosed(uint256 at, uint256 t2);
    /// @notice The action's parameter `field` is invalid.
    error BadAction(string field, uint256 value);
    /// @notice After the action the pool would hold `have` of `token`, less than the `need` it owes.
    error BalanceShortfall(address token, uint256 have, uint256 need);
    /// @notice The pool holds `have` of `token`, more than the `max` the scheduled split allows: the token did
    /// not split as scheduled (a reverse split must have dropped the balance below the old basket, and neither
    /// kind may leave more than the new basket again on top of it).
    error SplitNotReflected(address token, uint256 have, uint256 max);
    /// @notice After the trade, short `account`'s stressed equity `stressedE36` is below the minimum a short
    /// account must keep, `floorE36` (`minShortEquityBps` of the pool's value).
    error BelowMinShortEquity(address account, int256 stressedE36, uint256 floorE36);
    /// @notice The session's cash leg holds `basket` units, less than the `owed` dividend debits.
    error DividendExceedsCashLeg(uint256 basket, uint256 owed);
    /// @notice No fallback fixing proposal is pending.
    error NoProposal();
    /// @notice A fallback fixing proposal already exists.
    error ProposalExists();
    /// @notice Proposals are taken from the fallback deadline until `end`.
    error ProposalWindow(uint256 now_, uint256 start, uint256 end);
    /// @notice The proposal's dispute window ends at `end`.
    error DisputeWindow(uint256 now_, uint256 end);
    /// @notice Only an account with a subscription or an allocation may dispute.
    error NotParticipant(address account);
    /// @notice One price per leg is required, each positive (closed legs: zero).
    error BadProposal(uint256 leg);
    /// @notice Fallback release waits for the proposal window (or a dispute) to end at `end`.
    error ReleaseNotYet(uint256 now_, uint256 end);
}
