// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MarketErrors
/// @notice Every custom error of the bounded-payoff market family, in one place. Amounts are in collateral
/// base units, outcomes in the root's outcome units (X scaled by 10^decimals), quantities in contracts.
library MarketErrors {
    // ---- roots and markets ----
    /// @notice The collateral token is the zero address.
    error ZeroCollateral();
    /// @notice `unitScale` must be in [1, 2^64): one contract pays TICKS * unitScale collateral units.
    error BadUnitScale(uint256 unitScale);
    /// @notice Market bounds must satisfy min < max and max - min < 2^120.
    error BadBounds(int256 min, int256 max);
    /// @notice A sub-market's bounds must lie inside its parent's [parentMin, parentMax].
    error OutsideParent(int256 min, int256 max, int256 parentMin, int256 parentMax);
    /// @notice Expiry must be in the future and the void deadline after expiry plus the dispute window.
    error BadSchedule(uint256 expiry, uint256 voidDeadline, uint256 disputeWindow, uint256 now_);
    /// @notice The settlement source needs a setting it was not given (e.g. a callback without a reporter).
    error BadSource(uint8 source);
    /// @notice No root with this id.
    error UnknownRoot(uint256 rootId);
    /// @notice No market (rootId, branchId).
    error UnknownMarket(uint256 rootId, uint256 branchId);
    /// @notice A root holds at most 65,535 markets.
    error TooManyBranches(uint256 rootId);
    /// @notice Outcome decimals above 36 are not supported.
    error BadDecimals(uint8 decimals);

    // ---- lifecycle ----
    /// @notice The root is not open (already settled or voided).
    error RootNotOpen(uint256 rootId, uint8 status);
    /// @notice Trading on a root stops at its expiry.
    error TradingClosed(uint256 rootId, uint256 expiry, uint256 now_);
    /// @notice The root is neither settled nor voided yet.
    error RootNotFinal(uint256 rootId);
    /// @notice Only the root's owner (or, for narrowing that does not collapse the range, its reporter) may post bounds.
    error NotBoundsPoster(address caller, uint256 rootId);
    /// @notice Posted bounds must lie inside the market's original bounds with newMin <= newMax.
    error PostOutsideMarket(int256 newMin, int256 newMax, int256 min, int256 max);
    /// @notice The post contradicts the possible range: it would leave no possible outcome.
    error BoundsContradict(int256 lo, int256 hi);
    /// @notice The reporter may narrow, but a collapse to one number goes through {report} and the dispute window.
    error ReporterCannotCollapse(uint256 rootId);
    /// @notice Only the root's reporter may report.
    error NotReporter(address caller, address reporter);
    /// @notice Only the root's owner may do this.
    error NotOwner(address caller, address owner);
    /// @notice The root's settlement source is not the one this function serves.
    error WrongSource(uint256 rootId, uint8 source);
    /// @notice Too early: settlement needs `now >= expiry` (or the dispute window to have passed).
    error TooEarly(uint256 rootId, uint256 notBefore, uint256 now_);
    /// @notice Past the void deadline: only {voidRoot} remains.
    error PastVoidDeadline(uint256 rootId, uint256 voidDeadline, uint256 now_);
    /// @notice A feed-settled root takes no bound posts from its expiry on: the fixing alone decides X.
    error BoundsClosedAtExpiry(uint256 rootId, uint256 expiry, uint256 now_);
    /// @notice A report must leave its full dispute window before the void deadline.
    error ReportTooLate(uint256 rootId, uint256 windowEnd, uint256 voidDeadline);
    /// @notice A report is already pending (finalize it, or the owner overrides it).
    error ReportPending(uint256 rootId, int256 reported);
    /// @notice No report is pending.
    error NoReport(uint256 rootId);
    /// @notice The dispute window is over; the owner can no longer override.
    error DisputeWindowOver(uint256 rootId, uint256 windowEnd, uint256 now_);
    /// @notice The reported outcome lies outside the possible range [lo, hi].
    error OutcomeOutsideRange(int256 x, int256 lo, int256 hi);
    /// @notice The feed price does not fit the outcome type after scaling.
    error FeedOutcomeTooLarge(uint256 priceWad);

    // ---- orders ----
    /// @notice Price tick must be in (0, TICKS).
    error BadTick(uint256 tick, uint256 ticks);
    /// @notice Quantity must be non-zero with |quantity| <= MAX_QUANTITY.
    error BadQuantity(int256 quantity);
    /// @notice Order type must be 0 (good-till-cancel), 1 (immediate-or-cancel) or 2 (post-only).
    error BadOrderType(uint8 orderType);
    /// @notice A post-only order would trade against the resting `bestOpposite` tick.
    error PostOnlyWouldCross(uint256 tick, uint256 bestOpposite);
    /// @notice A trader may hold at most MAX_OPEN_ORDERS open orders per root.
    error TooManyOpenOrders(address trader, uint256 rootId, uint256 max);
    /// @notice A trader may hold at most MAX_MARKETS markets per root.
    error TooManyMarkets(address trader, uint256 rootId, uint256 max);
    /// @notice A trader may hold at most MAX_ROOTS open roots per collateral token.
    error TooManyRoots(address trader, address collateral, uint256 max);
    /// @notice An order submitted by someone other than its trader (`submitter`) still crossed the book when
    /// the submitter's `maxLevels` stopped its sweep. The trader did not sign that bound, so it may not change
    /// the order's outcome: nothing is consumed; resubmit with a larger `maxLevels` (99 covers every level).
    error RelayedSweepBound(bytes32 digest, address submitter, uint256 maxLevels);
    /// @notice No resting order under this key (or it was already fully filled or cancelled).
    error NoSuchOrder(uint256 orderKey);
    /// @notice The caller's own open orders on the root do not include this resting order: only the trader
    /// who placed it may cancel it (its `OrderAccepted` log names that trader).
    error NotYourOrder(address caller, uint256 orderKey);

    // ---- collateral ----
    /// @notice The check `cash + sum of worst cases >= 0` fails by `shortfall` collateral units.
    error InsufficientCollateral(address trader, address collateral, int256 cash, int256 sumWorst, int256 shortfall);
    /// @notice A withdrawal larger than the account's cash.
    error InsufficientCash(address trader, address collateral, int256 cash, uint256 amount);
    /// @notice The contract received `received` instead of `expected` (fee-on-transfer tokens are rejected).
    error DepositShortfall(address token, uint256 expected, uint256 received);
    /// @notice Zero amount.
    error ZeroAmount();
    /// @notice A withdrawal must pay someone: not the zero address and not the markets contract itself.
    error BadRecipient(address to);
}
