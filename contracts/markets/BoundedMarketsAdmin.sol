// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MarketStorage} from "./MarketStorage.sol";
import {MarketErrors as E} from "./libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "./libraries/MarketEvents.sol";
import {PayoffMath} from "./libraries/PayoffMath.sol";

/// @title BoundedMarketsAdmin
/// @notice Root creation, sub-markets, bound posts, settlement (owner collapse, callback report with a
/// dispute window, Chainlink feed) and views of the bounded-payoff markets. Runs only by delegatecall from
/// {BoundedMarkets} (same storage layout through {MarketStorage}); called directly it sees empty storage
/// and can touch nothing of value.
contract BoundedMarketsAdmin is MarketStorage, ReentrancyGuardTransient {
    using SafeCast for int256;
    using SafeCast for uint256;

    // ------------------------------------------------------------------ roots and markets

    /// @notice Creates a root (one outcome X) with its root market (branch 1) bounded by [min, max].
    /// @dev Anyone may call; the caller becomes the root's owner and pays the gas.
    /// @return rootId The new root's id.
    function createRoot(RootParams calldata p) external returns (uint256 rootId) {
        if (address(p.collateral) == address(0)) revert E.ZeroCollateral();
        if (p.unitScale == 0) revert E.BadUnitScale(p.unitScale);
        if (p.decimals > 36) revert E.BadDecimals(p.decimals);
        _checkBounds(p.min, p.max);
        if (p.expiry <= block.timestamp || uint256(p.voidDeadline) < uint256(p.expiry) + p.disputeWindow) {
            revert E.BadSchedule(p.expiry, p.voidDeadline, p.disputeWindow, block.timestamp);
        }
        if (p.source > SOURCE_FEED || (p.source == SOURCE_CALLBACK && p.reporter == address(0))) revert E.BadSource(p.source);
        if (p.source == SOURCE_FEED) revert E.BadSource(p.source); // feed roots come through createFeedRoot
        rootId = _newRoot(p);
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
            rootId, msg.sender, address(p.collateral), p.unitScale, p.decimals, p.min, p.max, p.expiry, p.voidDeadline, p.source, p.reporter, p.disputeWindow
        );
        emit Ev.MarketCreated(rootId, 1, 0, p.min, p.max, msg.sender);
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
    /// @dev The root's owner may call at any time before the void deadline; its reporter may narrow but not
    /// collapse (a reporter's outcome goes through {report} and its dispute window).
    function postBounds(uint256 rootId, uint16 branchId, int128 newMin, int128 newMax) external nonReentrant {
        Root storage r = _openRoot(rootId);
        bool isOwner = msg.sender == r.owner;
        if (!isOwner && msg.sender != r.reporter) revert E.NotBoundsPoster(msg.sender, rootId);
        if (block.timestamp >= r.voidDeadline) revert E.PastVoidDeadline(rootId, r.voidDeadline, block.timestamp);
        Market memory m = _market(rootId, branchId);
        if (newMin < m.min || newMax > m.max || newMin > newMax) revert E.PostOutsideMarket(newMin, newMax, m.min, m.max);
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

    /// @notice Voids a root nothing settled by its void deadline: every trader gets back exactly the net
    /// premium it paid into the root. Anyone may call. Not while a report is pending (it finalises instead).
    function voidRoot(uint256 rootId) external nonReentrant {
        Root storage r = _openRoot(rootId);
        if (block.timestamp < r.voidDeadline) revert E.TooEarly(rootId, r.voidDeadline, block.timestamp);
        if (r.reportedAt != 0) revert E.ReportPending(rootId, r.reported);
        r.status = STATUS_VOIDED;
        bytes32 head = _append(r, keccak256(abi.encode(r.head, REC_FINAL, STATUS_VOIDED, int256(0))));
        emit Ev.RootVoided(rootId, head);
    }

    // ------------------------------------------------------------------ views

    /// @notice A root's settings and state.
    function root(uint256 rootId) external view returns (Root memory) {
        return _roots[rootId];
    }

    /// @notice A market's original bounds.
    function market(uint256 rootId, uint16 branchId) external view returns (int128 min, int128 max) {
        Market memory m = _markets[_marketId(rootId, branchId)];
        return (m.min, m.max);
    }

    /// @notice A resting order: trader, quantity resting, quantity filled but not yet credited.
    function restingOrder(uint256 orderKey) external view returns (address trader, uint256 remaining, uint256 unclaimed) {
        Resting memory ro = _resting[orderKey];
        return (ro.trader, ro.remaining, ro.unclaimed);
    }

    /// @notice A price level: FIFO indices [head, tail) and side.
    function level(uint256 rootId, uint16 branchId, uint8 tick) external view returns (uint32 head, uint32 tail, bool isBid) {
        Level memory lv = _levels[(_marketId(rootId, branchId) << 8) | tick];
        return (lv.head, lv.tail, lv.isBid);
    }

    /// @notice Best bid and best offer ticks of a market (0 and TICKS when a side is empty).
    function bestPrices(uint256 rootId, uint16 branchId) external view returns (uint256 bestBid, uint256 bestAsk) {
        uint256 bits = bookBits[_marketId(rootId, branchId)];
        uint256 bids = bits & LOW128;
        uint256 asks = bits >> 128;
        bestBid = bids == 0 ? 0 : Math.log2(bids);
        bestAsk = asks == 0 ? TICKS : _lowestBit(asks);
    }

    /// @notice A trader's account: cash and the stored sum of worst cases (collateral units), and its open roots.
    function account(address trader, IERC20 token) external view returns (int256 cash, int256 sumWorst, uint64[] memory roots) {
        Account storage a = _accounts[trader][token];
        return (a.cash, a.sumWorst, a.roots);
    }

    /// @notice A trader's stored state on a root (positions exclude maker fills not yet credited).
    function traderRoot(address trader, uint256 rootId)
        external
        view
        returns (int256 worst, int256 premiumPaid, uint16[] memory branches, int64[] memory positions, uint64[] memory orderRefs)
    {
        TraderRoot storage tr = _traderRoots[trader][rootId];
        worst = tr.worst;
        premiumPaid = tr.premiumPaid;
        branches = new uint16[](tr.nBranches);
        positions = new int64[](tr.nBranches);
        for (uint256 i; i < branches.length; ++i) {
            branches[i] = tr.branches[i];
            positions[i] = tr.positions[i];
        }
        orderRefs = new uint64[](tr.nOrders);
        for (uint256 j; j < orderRefs.length; ++j) orderRefs[j] = tr.orders[j];
    }

    /// @notice A trader's position on a market in contracts, maker fills not yet credited included.
    function positionOf(address trader, uint256 rootId, uint16 branchId) external view returns (int256 pos) {
        Snapshot memory s = _snapshot(trader, rootId, _roots[rootId], _traderRoots[trader][rootId]);
        for (uint256 i; i < s.nB; ++i) if (s.branches[i] == branchId) return s.pos[i];
    }

    /// @notice What the contract would store as the trader's worst case on `rootId` now (collateral units),
    /// and the cash change still to be credited from maker fills.
    function previewWorst(address trader, uint256 rootId) external view returns (int256 worst, int256 pendingCash) {
        Root storage r = _roots[rootId];
        Snapshot memory s = _snapshot(trader, rootId, r, _traderRoots[trader][rootId]);
        return (_worstOf(r, s), s.cashDelta);
    }

    /// @notice The order key of level index `index` at (rootId, branchId, tick).
    function orderKeyOf(uint256 rootId, uint16 branchId, uint8 tick, uint32 index) external pure returns (uint256) {
        return (((_marketId(rootId, branchId) << 8) | tick) << 32) | index;
    }
}
