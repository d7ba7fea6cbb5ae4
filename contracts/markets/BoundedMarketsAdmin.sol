// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

import {FixingSpec, OracleFixing} from "../shared/oracle/OracleFixing.sol";
import {MarketStorage} from "./MarketStorage.sol";
import {BoundedMarketsLens} from "./BoundedMarketsLens.sol";
import {MarketErrors as E} from "./libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "./libraries/MarketEvents.sol";
import {PayoffMath} from "./libraries/PayoffMath.sol";

/// @title BoundedMarketsAdmin
/// @notice Root creation, sub-markets, bound posts, settlement (owner collapse, callback report with a
/// dispute window, Chainlink feed) and views of the bounded-payoff markets. Runs only by delegatecall from
/// {BoundedMarkets} (same storage layout through {MarketStorage}); called directly it sees empty storage
/// and can touch nothing of value.
contract BoundedMarketsAdmin is MarketStorage, ReentrancyGuardTransient, AutomationCompatibleInterface {
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice The read-only module (views), delegate-called from this module's fallback.
    address public immutable lens;

    constructor() {
        lens = address(new BoundedMarketsLens());
    }

    // ------------------------------------------------------------------ roots and markets

    /// @notice Creates a root (one outcome X) with its root market (branch 1) bounded by [min, max].
    /// @dev Anyone may call; the caller becomes the root's owner and pays the gas.
    /// @return rootId The new root's id.
    function createRoot(RootParams calldata p) external returns (uint256 rootId) {
        _checkParams(p);
        if (p.source > SOURCE_FEED || (p.source == SOURCE_CALLBACK && p.reporter == address(0)))
            revert E.BadSource(p.source);
        if (p.source == SOURCE_FEED) revert E.BadSource(p.source); // feed roots come through createFeedRoot
        rootId = _newRoot(p);
    }

    function _checkParams(RootParams calldata p) internal view {
        if (address(p.collateral) == address(0)) revert E.ZeroCollateral();
        if (p.unitScale == 0) revert E.BadUnitScale(p.unitScale);
        if (p.decimals > 36) revert E.BadDecimals(p.decimals);
        _checkBounds(p.min, p.max);
        if (p.expiry <= block.timestamp || uint256(p.voidDeadline) < uint256(p.expiry) + p.disputeWindow) {
            revert E.BadSchedule(p.expiry, p.voidDeadline, p.disputeWindow, block.timestamp);
        }
    }

    function _newRoot(RootParams calldata p) internal returns (uint256 rootId) {
        rootId = ++rootCount;
        Root storage r = _roots[rootId];
        r.owner = msg.sender;
        r.expiry = p.expiry;
        r.source = p.source;
        r.decimals = p.decimals;
        r.collateral = p.collateral;
        r.unitScale = p.unitScale;
        r.branchCount = 1;
        r.lo = p.min;
        r.hi = p.max;
        r.reporter = p.reporter;
        r.voidDeadline = p.voidDeadline;
        r.disputeWindow = p.disputeWindow;
        _markets[_marketId(rootId, 1)] = Market(p.min, p.max);
        emit Ev.RootCreated(
            rootId,
            msg.sender,
            address(p.collateral),
            p.unitScale,
            p.decimals,
            p.min,
            p.max,
            p.expiry,
            p.voidDeadline,
            p.source,
            p.reporter,
            p.disputeWindow
        );
        emit Ev.MarketCreated(rootId, 1, 0, p.min, p.max, msg.sender);
    }

    /// @notice Creates a root settled by a Chainlink fixing at its expiry (first round at or after expiry, or
    /// the median/TWAP rule of `spec`). X = the fixed WAD price scaled to the root's decimals, rounded down.
    /// @dev Anyone may call; the caller becomes the owner (who may still narrow or collapse the bounds).
    function createFeedRoot(RootParams calldata p, FixingSpec calldata spec) external returns (uint256 rootId) {
        _checkParams(p);
        if (p.source != SOURCE_FEED) revert E.BadSource(p.source);
        OracleFixing.validate(spec);
        rootId = _newRoot(p);
        _feedSpecs[rootId] = spec;
    }

    /// @notice Creates a sub-market under `parentBranch` on the same root, with bounds inside the parent's.
    /// @dev Anyone may call while the root is open; the creator gains no rights over the root.
    function createSub(uint256 rootId, uint16 parentBranch, int128 min, int128 max) external returns (uint16 branchId) {
        Root storage r = _openRoot(rootId);
        Market memory parent = _market(rootId, parentBranch);
        _checkBounds(min, max);
        if (min < parent.min || max > parent.max) revert E.OutsideParent(min, max, parent.min, parent.max);
        uint256 next = uint256(r.branchCount) + 1;
        if (next > type(uint16).max) revert E.TooManyBranches(rootId);
        branchId = uint16(next); // checked just above
        r.branchCount = branchId;
        _markets[_marketId(rootId, branchId)] = Market(min, max);
        emit Ev.MarketCreated(rootId, branchId, parentBranch, min, max, msg.sender);
    }

    // ------------------------------------------------------------------ bounds and settlement

    /// @notice Posts narrower bounds [newMin, newMax] on market (rootId, branchId): a newMin above the market's
    /// min raises the lowest possible outcome of the whole root, a newMax below its max lowers the highest.
    /// Posts only narrow (highest minimum and lowest maximum win). When the possible range collapses to one
    /// number, the root settles there.
    /// @dev The root's owner may call at any time before the void deadline (a feed root: before its expiry,
    /// so the owner can never choose among outcomes once the fixing round may exist); its reporter may narrow
    /// but not collapse (a reporter's outcome goes through {report} and its dispute window).
    function postBounds(uint256 rootId, uint16 branchId, int128 newMin, int128 newMax) external nonReentrant {
        Root storage r = _openRoot(rootId);
        bool isOwner = msg.sender == r.owner;
        if (!isOwner && msg.sender != r.reporter) revert E.NotBoundsPoster(msg.sender, rootId);
        if (block.timestamp >= r.voidDeadline) revert E.PastVoidDeadline(rootId, r.voidDeadline, block.timestamp);
        // Once a feed root's fixing round may exist, a post could pick the outcome: the feed alone decides.
        if (r.source == SOURCE_FEED && block.timestamp >= r.expiry)
            revert E.BoundsClosedAtExpiry(rootId, r.expiry, block.timestamp);
        Market memory m = _market(rootId, branchId);
        if (newMin < m.min || newMax > m.max || newMin > newMax)
            revert E.PostOutsideMarket(newMin, newMax, m.min, m.max);
        int128 lo = r.lo;
        int128 hi = r.hi;
        // A post at the market's own min (or max) says nothing about outcomes below (above) it: clamp hides them.
        if (newMin > m.min && newMin > lo) lo = newMin;
        if (newMax < m.max && newMax < hi) hi = newMax;
        if (lo > hi) revert E.BoundsContradict(lo, hi);
        if (lo == hi && !isOwner) revert E.ReporterCannotCollapse(rootId);
        r.lo = lo;
        r.hi = hi;
        bytes32 head = _append(r, keccak256(abi.encode(r.head, REC_BOUNDS, branchId, newMin, newMax, lo, hi)));
        emit Ev.BoundsPosted(rootId, branchId, msg.sender, newMin, newMax, lo, hi, head);
        if (lo == hi) _settle(r, rootId, lo, 0);
    }

    /// @notice The reporter of a callback root reports outcome `x` (outcome units) at or after expiry. It
    /// becomes final after the dispute window ({finalizeReport}) unless the owner overrides it.
    function report(uint256 rootId, int128 x) external nonReentrant {
        Root storage r = _openRoot(rootId);
        if (r.source != SOURCE_CALLBACK) revert E.WrongSource(rootId, r.source);
        if (msg.sender != r.reporter) revert E.NotReporter(msg.sender, r.reporter);
        if (block.timestamp < r.expiry) revert E.TooEarly(rootId, r.expiry, block.timestamp);
        if (r.reportedAt != 0) revert E.ReportPending(rootId, r.reported);
        uint256 windowEnd = block.timestamp + r.disputeWindow;
        if (windowEnd > r.voidDeadline) revert E.ReportTooLate(rootId, windowEnd, r.voidDeadline);
        if (x < r.lo || x > r.hi) revert E.OutcomeOutsideRange(x, r.lo, r.hi);
        r.reported = x;
        r.reportedAt = uint64(block.timestamp); // timestamps fit in 64 bits
        emit Ev.OutcomeReported(rootId, msg.sender, x, uint64(windowEnd));
    }

    /// @notice Settles a callback root at its pending report once the dispute window has passed. Anyone.
    function finalizeReport(uint256 rootId) external nonReentrant {
        Root storage r = _openRoot(rootId);
        if (r.reportedAt == 0) revert E.NoReport(rootId);
        uint256 windowEnd = uint256(r.reportedAt) + r.disputeWindow;
        if (block.timestamp < windowEnd) revert E.TooEarly(rootId, windowEnd, block.timestamp);
        // The owner may have narrowed since the report; the possible range has the last word.
        int256 x = PayoffMath.clamp(r.reported, r.lo, r.hi);
        _settle(r, rootId, int128(x), 1); // x lies in [lo, hi], both int128
    }

    /// @notice The owner overrides a pending report within its dispute window, settling at `x`.
    function overrideReport(uint256 rootId, int128 x) external nonReentrant {
        Root storage r = _openRoot(rootId);
        if (msg.sender != r.owner) revert E.NotOwner(msg.sender, r.owner);
        if (r.reportedAt == 0) revert E.NoReport(rootId);
        uint256 windowEnd = uint256(r.reportedAt) + r.disputeWindow;
        if (block.timestamp >= windowEnd) revert E.DisputeWindowOver(rootId, windowEnd, block.timestamp);
        if (x < r.lo || x > r.hi) revert E.OutcomeOutsideRange(x, r.lo, r.hi);
        _settle(r, rootId, x, 2);
    }

    /// @notice Settles a feed root at the fixing of its expiry. Anyone may call, between expiry and the void
    /// deadline; `hints` are the per-feed rounds {OracleFixing.fixAt} needs (only one set passes, so the
    /// result does not depend on the caller). X outside the possible range is clamped into it (the owner's
    /// posted bounds have the last word).
    function settleFromFeed(uint256 rootId, uint80[] calldata hints) external nonReentrant {
        _settleFromFeed(rootId, hints);
    }

    function _settleFromFeed(uint256 rootId, uint80[] memory hints) internal {
        Root storage r = _openRoot(rootId);
        if (r.source != SOURCE_FEED) revert E.WrongSource(rootId, r.source);
        if (block.timestamp >= r.voidDeadline) revert E.PastVoidDeadline(rootId, r.voidDeadline, block.timestamp);
        uint256 priceWad = OracleFixing.fixAt(_feedSpecs[rootId], r.expiry, hints);
        _settle(r, rootId, int128(PayoffMath.clamp(_feedOutcome(priceWad, r.decimals), r.lo, r.hi)), 3); // clamped into int128 bounds
    }

    /// @notice Chainlink Automation: `checkData = abi.encode(rootId)`. Needed when a feed root can be settled
    /// now (with the hints found on-chain) or any open root is past its void deadline.
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData) {
        uint256 rootId = abi.decode(checkData, (uint256));
        Root storage r = _roots[rootId];
        if (r.owner == address(0) || r.status != STATUS_OPEN) return (false, "");
        if (block.timestamp >= r.voidDeadline) {
            if (r.reportedAt != 0) return (false, "");
            return (true, abi.encode(rootId, true, new uint80[](0)));
        }
        if (r.source != SOURCE_FEED || block.timestamp < r.expiry) return (false, "");
        (bool ok, uint80[] memory hints) = OracleFixing.findHints(_feedSpecs[rootId], r.expiry);
        if (!ok) return (false, "");
        return (true, abi.encode(rootId, false, hints));
    }

    /// @notice Chainlink Automation: settles (or voids) what {checkUpkeep} found. Permissionless like the
    /// functions it calls; every check runs again here.
    function performUpkeep(bytes calldata performData) external override nonReentrant {
        (uint256 rootId, bool isVoid, uint80[] memory hints) = abi.decode(performData, (uint256, bool, uint80[]));
        if (isVoid) _voidRoot(rootId);
        else _settleFromFeed(rootId, hints);
    }

    /// @notice A WAD price scaled to `decimals`, rounded down: `priceWad * 10^decimals / 1e18`.
    function _feedOutcome(uint256 priceWad, uint8 decimals) internal pure returns (int256) {
        uint256 x = Math.mulDiv(priceWad, 10 ** uint256(decimals), 1e18);
        if (x > uint256(uint128(type(int128).max))) revert E.FeedOutcomeTooLarge(priceWad);
        return int256(x);
    }

    /// @notice Voids a root nothing settled by its void deadline: every trader gets back exactly the net
    /// premium it paid into the root. Anyone may call. Not while a report is pending (it finalises instead).
    function voidRoot(uint256 rootId) external nonReentrant {
        _voidRoot(rootId);
    }

    function _voidRoot(uint256 rootId) internal {
        Root storage r = _openRoot(rootId);
        if (block.timestamp < r.voidDeadline) revert E.TooEarly(rootId, r.voidDeadline, block.timestamp);
        if (r.reportedAt != 0) revert E.ReportPending(rootId, r.reported);
        r.status = STATUS_VOIDED;
        bytes32 head = _append(r, keccak256(abi.encode(r.head, REC_FINAL, STATUS_VOIDED, int256(0))));
        emit Ev.RootVoided(rootId, head);
    }

    /// @notice Every view not defined here runs in {BoundedMarketsLens} on the same storage.
    fallback() external {
        address target = lens;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }
}
