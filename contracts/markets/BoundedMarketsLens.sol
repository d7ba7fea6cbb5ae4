// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FixingSpec} from "../shared/oracle/OracleFixing.sol";
import {MarketStorage} from "./MarketStorage.sol";

/// @title BoundedMarketsLens
/// @notice Views of the bounded-payoff markets. Runs only by delegatecall (core -> admin -> lens), on the
/// core's storage; it writes nothing.
contract BoundedMarketsLens is MarketStorage {
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

    /// @notice A resting order: quantity resting, quantity filled but not yet credited to its trader. The book
    /// does not store the trader; the order's `OrderAccepted` log (its `orderKey`) names it.
    function restingOrder(uint256 orderKey) external view returns (uint256 remaining, uint256 unclaimed) {
        return _restingOf(orderKey);
    }

    /// @notice A price level: FIFO indices [head, tail), side, and how many of its orders are live (still
    /// rest). The level is in the book (has its bit, counts for `bestPrices`) exactly when `live > 0`.
    function level(
        uint256 rootId,
        uint16 branchId,
        uint8 tick
    ) external view returns (uint32 head, uint32 tail, bool isBid, uint32 live) {
        Level memory lv = _levels[(_marketId(rootId, branchId) << 8) | tick];
        return (lv.head, lv.tail, lv.isBid, lv.live);
    }

    /// @notice Best bid and best offer ticks of a market among live orders (0 and TICKS when a side is empty).
    function bestPrices(uint256 rootId, uint16 branchId) external view returns (uint256 bestBid, uint256 bestAsk) {
        uint256 bits = bookBits[_marketId(rootId, branchId)];
        uint256 bids = bits & LOW128;
        uint256 asks = bits >> 128;
        bestBid = bids == 0 ? 0 : _highestBit(bids);
        bestAsk = asks == 0 ? TICKS : _lowestBit(asks);
    }

    /// @notice A trader's account: cash and the stored sum of worst cases (collateral units), and its open roots.
    function account(
        address trader,
        IERC20 token
    ) external view returns (int256 cash, int256 sumWorst, uint64[] memory roots) {
        Account storage a = _accounts[trader][token];
        return (a.cash, a.sumWorst, a.roots);
    }

    /// @notice A trader's stored state on a root (positions exclude maker fills not yet credited).
    function traderRoot(
        address trader,
        uint256 rootId
    )
        external
        view
        returns (
            int256 worst,
            int256 premiumPaid,
            uint16[] memory branches,
            int64[] memory positions,
            uint64[] memory orderRefs
        )
    {
        TraderRoot storage tr = _traderRoots[trader][rootId];
        worst = tr.worst;
        premiumPaid = tr.premiumPaid;
        uint256 h = tr.header;
        branches = new uint16[]((h >> 128) & 0xff);
        positions = new int64[](branches.length);
        uint256[2] memory pw = [tr.posWords[0], tr.posWords[1]];
        for (uint256 i; i < branches.length; ++i) {
            branches[i] = uint16(h >> (16 * i)); // 16-bit field
            positions[i] = int64(uint64(_posLane(h, pw, i))); // 64-bit field
        }
        (uint256 w0, uint256 w1) = _orderWordsOf(tr, h);
        orderRefs = new uint64[](_ordersIn(w0, w1));
        for (uint256 j; j < orderRefs.length; ++j) orderRefs[j] = _refAt(w0, w1, j);
    }

    /// @notice A trader's position on a market in contracts, maker fills not yet credited included.
    function positionOf(address trader, uint256 rootId, uint16 branchId) external view returns (int256 pos) {
        Snapshot memory s = _newSnapshot()();
        _snapshot(s, trader, rootId, _roots[rootId], _traderRoots[trader][rootId], _noDelta());
        for (uint256 i; i < s.nB; ++i) if (s.branches[i] == branchId) return s.pos[i];
    }

    /// @notice What the contract would store as the trader's worst case on `rootId` now (collateral units),
    /// and the cash change still to be credited from maker fills.
    function previewWorst(address trader, uint256 rootId) external view returns (int256 worst, int256 pendingCash) {
        Root storage r = _roots[rootId];
        Snapshot memory s = _newSnapshot()();
        _snapshot(s, trader, rootId, r, _traderRoots[trader][rootId], _noDelta());
        return (_worstOf(r, s), s.cashDelta);
    }

    /// @notice A trader's exposure on a root in one call: effective positions by branch id (index 0 unused;
    /// maker fills not yet credited included), the effective net premium paid into the root, the cash still
    /// to be credited from maker fills, and the worst case the contract would store now (collateral units).
    function exposure(
        address trader,
        uint256 rootId
    ) external view returns (int256[] memory positions, int256 premiumPaid, int256 pendingCash, int256 worst) {
        Root storage r = _roots[rootId];
        Snapshot memory s = _newSnapshot()();
        _snapshot(s, trader, rootId, r, _traderRoots[trader][rootId], _noDelta());
        positions = new int256[](uint256(r.branchCount) + 1);
        for (uint256 i; i < s.nB; ++i) positions[s.branches[i]] = s.pos[i];
        return (positions, s.premium, s.cashDelta, _worstOf(r, s));
    }

    /// @notice The order key of level index `index` at (rootId, branchId, tick).
    function orderKeyOf(uint256 rootId, uint16 branchId, uint8 tick, uint32 index) external pure returns (uint256) {
        return (((_marketId(rootId, branchId) << 8) | tick) << 32) | index;
    }

    /// @notice The fixing rule of a feed root.
    function feedSpec(uint256 rootId) external view returns (FixingSpec memory) {
        return _feedSpecs[rootId];
    }
}
