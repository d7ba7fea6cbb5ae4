// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FeeMath} from "../shared/fees/FeeMath.sol";
import {ISessionPool} from "./ISessionPool.sol";
import {SessionCore} from "./SessionCore.sol";
import {SessionMath} from "./SessionMath.sol";
import {SettlementMode, Status} from "./SessionTypes.sol";

/// @title PhysicalSession
/// @notice A session whose legs are ERC-20 tokens held by the pool. Allocations x_i are token units and never
/// negative; fees are allocation moved to the fee recipient in the leg the payer receives. Claims deliver x_i
/// in kind, or a value-weighted share x_i.S / q.S of every leg's holdings, per the session's mode.
contract PhysicalSession is SessionCore {
    /// @notice q.S at settlement in 1e36 quote units (value-weighted mode only): the claim denominator.
    uint256 public basketValueE36;

    /// @notice Swaps the caller's allocation with a pool's ({ISessionPool}, e.g. a {SessionAmm}): the caller
    /// gives leg `legIn` and receives leg `legOut`, at the amounts the pool answers. Exact-in (`exactOut`
    /// false): gives `amount`, receives at least `limit`. Exact-out: receives `amount` (gross), gives at most
    /// `limit`. Fees as in a fill of the caller's order by the pool: the caller pays the maker fee on what it
    /// receives, the pool the taker fee on what it receives. Emits {Traded} with a zero digest (no order).
    /// @dev The caller moves only its own allocation; the pool's moves only by its answer, and the session
    /// still checks both allocations, the window, the pause and participation. The pool is called before any
    /// state change, with the re-entry guard held.
    function swapWithPool(
        ISessionPool pool,
        uint256 legIn,
        uint256 legOut,
        uint256 amount,
        uint256 limit,
        bool exactOut
    ) external nonReentrant onlyClone returns (uint256 amountIn, uint256 amountOut) {
        _requireTrading();
        if (address(pool) == msg.sender) revert SelfFill(msg.sender);
        if (address(pool).code.length == 0) revert NotAPool(address(pool));
        if (amount == 0) revert ZeroFill();
        uint256 h0 = _argWord(0);
        uint256 n = _nLegs(h0);
        if (legIn == legOut || legIn >= n || legOut >= n) revert BadSwapLegs(legIn, legOut, n);
        _requireParties(msg.sender, address(pool), h0);
        (amountIn, amountOut) = pool.onSessionSwap(msg.sender, legIn, legOut, amount, exactOut);
        if (
            amountIn == 0 ||
            amountOut == 0 ||
            amountIn > SessionMath.MAX_AMOUNT ||
            amountOut > SessionMath.MAX_AMOUNT ||
            (exactOut ? (amountOut != amount || amountIn > limit) : (amountIn != amount || amountOut < limit))
        ) revert PoolOutsideLimit(address(pool), amountIn, amountOut, limit);
        // Safe casts: both amounts are at most MAX_AMOUNT (< 2^127), checked just above.
        int256[] memory gross = new int256[](2);
        (gross[0], gross[1]) =
            legIn < legOut ? (-int256(amountIn), int256(amountOut)) : (int256(amountOut), -int256(amountIn));
        _trade(bytes32(0), msg.sender, address(pool), (1 << legIn) | (1 << legOut), gross, WAD, h0);
    }

    function _valueScale(uint256 k, uint256 priceWad) internal view returns (int256) {
        // Safe cast: decimals <= 18 (checked at creation), price from a feed normalised to WAD.
        return int256(priceWad * 10 ** (18 - _legDecimals(k)));
    }

    function _allocation(address account, uint256 k, uint256) internal view override returns (int256) {
        return SessionMath.getHalf(_alloc[account][k >> 1], k & 1);
    }

    function _addAllocation(address account, uint256 k, int256 delta) private {
        uint256 w = _alloc[account][k >> 1];
        _alloc[account][k >> 1] = SessionMath.setHalf(w, k & 1, SessionMath.getHalf(w, k & 1) + delta);
    }

    function _onSubscribe(
        address account,
        uint256 shares,
        uint256 totalAfter
    ) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 u = _unit(n, k);
            // The whole basket must stay within the int128 allocation range (one account may come to hold it).
            if (totalAfter * u > SessionMath.MAX_AMOUNT) revert SessionMath.AmountOutOfRange(int256(totalAfter * u));
            uint256 amt = shares * u;
            amounts[k] = amt;
            _pullExact(_legToken(k), account, amt);
            // Safe cast: amt <= totalAfter * u <= MAX_AMOUNT.
            _addAllocation(account, k, int256(amt));
        }
    }

    function _onRedeem(address account, uint256 shares, uint256) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 amt = shares * _unit(n, k);
            amounts[k] = amt;
            // Before t1 no trade has happened, so x_i = shares_i * u >= amt: no underflow.
            // Safe cast: amt <= the subscribed basket, within int128.
            _addAllocation(account, k, -int256(amt));
            _push(_legToken(k), account, amt);
        }
    }

    /// @dev Per set leg (ascending): the receiver pays its fee (bps of what it receives, rounded down in the
    /// payer's favour) to the fee recipient; the giver must hold what it gives. Two neighbouring legs share a
    /// storage slot, which is read and written once per account.
    function _applyTrade(
        address maker,
        address taker,
        uint256 legs,
        int256[] memory gross,
        uint256 h0
    ) internal override returns (int256[] memory makerNet, int256[] memory takerNet, uint256, uint256) {
        uint256 m = gross.length;
        makerNet = new int256[](m);
        takerNet = new int256[](m);
        Cursor memory c = Cursor(
            maker,
            taker,
            _feeRecipient(h0),
            _makerBps(h0),
            _takerBps(h0),
            type(uint256).max,
            0,
            0,
            0,
            false,
            false
        );
        uint256 j;
        for (uint256 k; legs >> k != 0; ++k) {
            if ((legs >> k) & 1 == 0) continue;
            (makerNet[j], takerNet[j]) = _legStep(c, k, gross[j]);
            unchecked {
                ++j; // at most 32 legs
            }
        }
        _flush(c);
        return (makerNet, takerNet, 0, 0);
    }

    /// @dev The storage slot being worked on (two legs) and its words for maker, taker and fee recipient.
    struct Cursor {
        address maker;
        address taker;
        address feeTo;
        uint256 makerBps;
        uint256 takerBps;
        uint256 slot;
        uint256 mw;
        uint256 tw;
        uint256 fw;
        bool feeLoaded;
        bool feeDirty;
    }

    function _flush(Cursor memory c) private {
        _alloc[c.maker][c.slot] = c.mw;
        _alloc[c.taker][c.slot] = c.tw;
        if (c.feeDirty) _alloc[c.feeTo][c.slot] = c.fw;
    }

    function _legStep(Cursor memory c, uint256 k, int256 g) private returns (int256 mNet, int256 tNet) {
        uint256 s = k >> 1;
        if (s != c.slot) {
            if (c.slot != type(uint256).max) _flush(c);
            c.slot = s;
            c.mw = _alloc[c.maker][s];
            c.tw = _alloc[c.taker][s];
            c.feeLoaded = false;
            c.feeDirty = false;
        }
        uint256 half = k & 1;
        int256 mx = SessionMath.getHalf(c.mw, half);
        int256 tk = SessionMath.getHalf(c.tw, half);
        int256 fee;
        if (g > 0) {
            if (tk < g) revert InsufficientAllocation(c.taker, k, tk, g);
            // Safe casts: 0 < g <= MAX_AMOUNT; the fee is below g.
            fee = int256(FeeMath.feeDown(uint256(g), c.makerBps));
            mNet = g - fee;
            tNet = -g;
        } else if (g < 0) {
            if (mx < -g) revert InsufficientAllocation(c.maker, k, mx, -g);
            fee = int256(FeeMath.feeDown(uint256(-g), c.takerBps));
            mNet = g;
            tNet = -g - fee;
        }
        c.mw = SessionMath.setHalf(c.mw, half, mx + mNet);
        c.tw = SessionMath.setHalf(c.tw, half, tk + tNet);
        if (fee != 0) {
            if (!c.feeLoaded) {
                c.fw = _alloc[c.feeTo][s];
                c.feeLoaded = true;
            }
            c.fw = SessionMath.setHalf(c.fw, half, SessionMath.getHalf(c.fw, half) + fee);
            c.feeDirty = true;
        }
    }

    function _onSettle(uint256[] memory prices) internal override {
        uint256 n = prices.length;
        uint256 h0 = _argWord(0);
        bool weighted = _mode(h0) == SettlementMode.ValueWeighted;
        uint256 total;
        uint256 shares = totalShares;
        for (uint256 k; k < n; ++k) {
            settlementPrice[k] = prices[k];
            emit LegFixed(k, prices[k], prices[k]);
            // Safe cast: _valueScale is non-negative.
            if (weighted) total += shares * _unit(n, k) * uint256(_valueScale(k, prices[k]));
        }
        if (weighted) basketValueE36 = total;
    }

    function _payout(address account, address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        bool weighted = status == Status.Settled && _mode(_argWord(0)) == SettlementMode.ValueWeighted;
        uint256 denom = basketValueE36;
        uint256 v;
        bool any;
        if (weighted) {
            for (uint256 k; k < n; ++k) {
                // Safe cast: physical allocations are never negative.
                v += uint256(_allocation(account, k, n)) * uint256(_valueScale(k, settlementPrice[k]));
            }
        }
        for (uint256 k; k < n; ++k) {
            uint256 amt;
            if (weighted) {
                uint256 q = totalShares * _unit(n, k);
                amt = Math.mulDiv(v, q, denom); // rounded down: dust stays accounted in `remainder`
                remainder[k] += mulmod(v, q, denom);
            } else {
                // Safe cast: physical allocations are never negative.
                amt = uint256(_allocation(account, k, n));
            }
            if (amt != 0) {
                any = true;
                amounts[k] = amt;
                paid[k] += amt;
                _push(_legToken(k), to, amt);
            }
        }
        if (!any) revert NothingToClaim(account);
    }

    function _sweep(address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        uint256 denom = basketValueE36;
        if (denom == 0) return amounts; // in kind: claims are exact, no dust
        for (uint256 k; k < n; ++k) {
            uint256 avail = remainder[k] / denom - swept[k];
            if (avail != 0) {
                swept[k] += avail;
                amounts[k] = avail;
                _push(_legToken(k), to, avail);
            }
        }
    }

    /// @notice Token units the pool owes per leg under its accounting: the basket q_k minus claims and sweeps.
    function obligations(uint256 k) external view returns (uint256) {
        return totalShares * _unit(_legCount(), k) - paid[k] - swept[k];
    }
}
