// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PayoffMath} from "./PayoffMath.sol";

/// @title WorstCase
/// @notice The worst case of one trader on one root: `min over X in [lo, hi] of W(X)` with
/// `W(X) = sum_b pos_b * payoff_b(X) + sum_j min(0, v_j(X))`, where `v_j` is what open order j adds at X if it
/// filled in full at its own price (bid q at tick t: `q * (payoff_b(X) - t * scale)`; an offer the negative).
/// @dev W is piecewise linear in X, and a minimum lies only at an end of [lo, hi] or at a convex kink (where
/// the slope rises). A position term `pos * payoff_b` bends only at its market's bounds: convex at `min` for a
/// long, at `max` for a short (concave at the other bound). An order term `min(0, v_j)` is active (negative)
/// from `min` up to its zero crossing for a bid, and from its crossing up to `max` for an offer (the crossing
/// lies strictly inside the bounds: 0 < tick < TICKS), so it bends convexly only at `min` for a bid and at
/// `max` for an offer, and concavely at the crossing. So the candidates are {lo, hi}, the `min` of each market
/// where the trader is long or bids, and the `max` of each market where it is short or offers: at most
/// 2 + 2 x markets points, usually 2 + markets, whatever the number of orders. Between two consecutive
/// candidates W has only concave kinks, so its least value over the integers there is at one of the two ends,
/// and every candidate is an integer.
/// Each term is rounded toward negative infinity, so the computed value is never above the true one.
/// Settlement rounds each long contract's payoff down by less than one unit, so the result also subtracts
/// `longs` (open long contracts plus open bid quantity): the value returned is a lower bound for what the
/// trader's positions on this root can be worth at settlement, for every possible outcome. Cost: the terms
/// are flattened once into memory (eight words each, with each term's fixed value below and above its
/// market, and its market's index), then each candidate costs one pass over them in assembly: a comparison
/// for each term whose market lies wholly on one side of the candidate, a rounded division only for those
/// whose market holds it strictly inside. When the trader's terms all move one way (only long and bidding, or
/// only short and offering), W is monotone and the two ends alone are evaluated, in time linear in its markets
/// and orders. Otherwise the evaluations are (candidates) x (markets around each), both counts capped by the
/// core; each candidate is found from the terms and evaluated once.
library WorstCase {
    /// @notice One market the trader holds: original bounds and the signed position (contracts).
    struct Leg {
        int256 min;
        int256 max;
        int256 pos;
    }

    /// @notice One open order: index into the legs, price tick, signed remaining quantity (+ bid, - offer).
    struct Open {
        uint256 leg;
        int256 tick;
        int256 qty;
    }

    /// @notice The worst case over the integers of [lo, hi], minus the settlement rounding allowance.
    /// @dev The terms are flattened first ({newTerms}, {addPosition}, {addOrder}); a caller that has the
    /// terms' inputs at hand builds them itself and calls {minOverTerms}.
    /// @param scale Collateral units per tick per contract (`unitScale`).
    /// @return worst Collateral units; negative means the trader may owe that much at worst.
    function minOverRange(
        int256 lo,
        int256 hi,
        Leg[] memory legs,
        Open[] memory opens,
        int256 scale
    ) internal pure returns (int256 worst) {
        uint256 nL = legs.length;
        uint256 nO = opens.length;
        uint256 t = newTerms(nL + nO);
        int256 unitTicks = int256(PayoffMath.TICKS) * scale; // < 2^71
        for (uint256 i; i < nL; ++i) {
            Leg memory lg = legs[i];
            if (lg.pos != 0) t = addPosition(t, i, lg.min, lg.max, lg.pos, unitTicks);
        }
        for (uint256 j; j < nO; ++j) {
            Open memory o = opens[j];
            Leg memory lg = legs[o.leg];
            t = addOrder(t, o.leg, lg.min, lg.max, o.qty, o.tick, scale);
        }
        return minOverTerms(lo, hi, t);
    }

    /// @notice Room for `n` terms above the free pointer, none written yet.
    /// @return t The terms' memory range: start | mid << 64 | end << 128 (mid: the first order term), and in
    /// bit 254 whether a rising term (a long or a bid) was added, in bit 255 a falling one (a short or an
    /// offer). The word just below `start` holds the rounding allowance: open long contracts plus open bid
    /// quantity.
    function newTerms(uint256 n) internal pure returns (uint256 t) {
        assembly ("memory-safe") {
            let allowance := mload(0x40)
            mstore(allowance, 0)
            let start := add(allowance, 0x20)
            mstore(0x40, add(start, shl(8, n)))
            t := or(start, or(shl(64, start), shl(128, start)))
        }
    }

    /// @notice Appends the term of a position of `pos` contracts on leg `leg` (bounds `min` < `max`); every
    /// position term must come before the first order term. `unitTicks` = TICKS x scale.
    /// @dev Unchecked: |pos| < 2^63 and unitTicks < 2^71, so |a| < 2^134.
    function addPosition(
        uint256 t,
        uint256 leg,
        int256 min,
        int256 max,
        int256 pos,
        int256 unitTicks
    ) internal pure returns (uint256) {
        unchecked {
            int256 a = pos * unitTicks;
            uint256 end = (t >> 128) & 0xffffffffffffffff;
            _put(end, min, max, a, 0, 0, a, leg);
            end += 0x100;
            t = (t & ~(uint256(0xffffffffffffffffffffffffffffffff) << 64)) | (end << 64) | (end << 128);
            return _side(t, pos);
        }
    }

    /// @notice Appends the term of an open order of signed quantity `q` (+ bid, - offer) at `tick` on leg `leg`
    /// (bounds `min` < `max`), as {addPosition}.
    /// @dev Unchecked: |q| < 2^48, scale < 2^64, 0 < tick < TICKS: |a| < 2^119 and |off| < 2^119.
    function addOrder(
        uint256 t,
        uint256 leg,
        int256 min,
        int256 max,
        int256 q,
        int256 tick,
        int256 scale
    ) internal pure returns (uint256) {
        unchecked {
            int256 qs = q * scale;
            int256 a = qs * int256(PayoffMath.TICKS);
            int256 off = -qs * tick;
            assembly ("memory-safe") {
                // The layout of {_put}; atMin = min(0, off), atMax = min(0, a + off).
                let p := and(shr(128, t), 0xffffffffffffffff)
                mstore(p, min)
                mstore(add(p, 0x20), max)
                mstore(add(p, 0x40), sub(max, min))
                mstore(add(p, 0x60), a)
                mstore(add(p, 0x80), off)
                mstore(add(p, 0xa0), mul(off, slt(off, 0)))
                let atMax := add(a, off)
                mstore(add(p, 0xc0), mul(atMax, slt(atMax, 0)))
                mstore(add(p, 0xe0), leg)
                t := or(and(t, not(shl(128, 0xffffffffffffffff))), shl(128, add(p, 0x100)))
            }
            return _side(t, q);
        }
    }

    /// @dev Adds a term of signed size `n` to the allowance and the side bits of `t` (see {newTerms}). The
    /// allowance gains at most 16 sizes below 2^63.
    function _side(uint256 t, int256 n) private pure returns (uint256) {
        if (n <= 0) return t | (uint256(1) << 255);
        assembly ("memory-safe") {
            let at := sub(and(t, 0xffffffffffffffff), 0x20)
            mstore(at, add(mload(at), n))
        }
        return t | (uint256(1) << 254);
    }

    /// @notice The worst case over the integers of [lo, hi] of the terms `t`, minus the settlement rounding
    /// allowance (the library's notes say why the candidates below suffice).
    function minOverTerms(int256 lo, int256 hi, uint256 t) internal pure returns (int256 worst) {
        worst = _eval(t, lo);
        if (hi != lo) {
            int256 w = _eval(t, hi);
            if (w < worst) worst = w;
        }
        int256 longs;
        assembly ("memory-safe") {
            longs := mload(sub(and(t, 0xffffffffffffffff), 0x20))
        }
        // Every term is monotone in x, rounding and min(0, .) included: a long's or a bid's never falls, a
        // short's or an offer's never rises. With no term of one of the two kinds W is monotone and its least
        // value is at an end; only when both kinds are held can a bound inside hold a lower one.
        if (t >> 254 != 3) return worst - longs;
        // A bound is a candidate when some term bends convexly there (see the library's @dev): the min of a
        // market with a rising term, the max of one with a falling term. Each is evaluated once: `seen` has
        // bit leg for a market's min, bit 128 + leg for its max.
        uint256 seen;
        uint256 end = (t >> 128) & 0xffffffffffffffff;
        for (uint256 p = t & 0xffffffffffffffff; p < end; p += 0x100) {
            (int256 x, uint256 bit) = _candidate(p);
            if (seen & bit != 0) continue;
            seen |= bit;
            if (x > lo && x < hi) {
                int256 w = _eval(t, x);
                if (w < worst) worst = w;
            }
        }
        worst -= longs; // |longs| < 16 * 2^63: no overflow against a worst case of magnitude < 2^140
    }

    /// @notice What the positions among the terms `t` pay at the final outcome `x`: each position times its
    /// market's payoff per contract rounded down ({PayoffMath.settlementValue}); open orders count nothing on
    /// a final root. `unit` = TICKS x scale, the factor {addPosition} was given.
    function settledValue(uint256 t, int256 x, uint256 unit) internal pure returns (int256 v) {
        uint256 mid = (t >> 64) & 0xffffffffffffffff;
        for (uint256 p = t & 0xffffffffffffffff; p < mid; p += 0x100) {
            int256 min;
            int256 max;
            int256 a;
            assembly ("memory-safe") {
                min := mload(p)
                max := mload(add(p, 0x20))
                a := mload(add(p, 0x60))
            }
            // a = pos * unit exactly, so the division gives the position back
            v += PayoffMath.settlementValue(a / int256(unit), PayoffMath.payoffDown(x, min, max, unit));
        }
    }

    /// @dev The bound term `p` bends convexly at, and its bit in {minOverTerms}' `seen`: the min of its market
    /// for a rising term (a > 0), the max for a falling one.
    function _candidate(uint256 p) private pure returns (int256 x, uint256 bit) {
        assembly ("memory-safe") {
            let leg := mload(add(p, 0xe0))
            switch sgt(mload(add(p, 0x60)), 0)
            case 1 {
                x := mload(p)
                bit := shl(leg, 1)
            }
            default {
                x := mload(add(p, 0x20))
                bit := shl(add(leg, 128), 1)
            }
        }
    }

    /// @dev Writes one term, eight words: min, max, span, a, off, atMin, atMax, leg. Inside its market
    /// (min < x < max) a term is floor(a * (x - min) / span) + off; a position has off = 0 and counts in full,
    /// an order (a = q * scale * TICKS, off = -q * scale * tick) counts only when negative. At or beyond a
    /// bound the term is exact and fixed: `atMin` below the market, `atMax` above it, each already reduced to
    /// what it adds to W (an order's min(0, v): a bid's is negative at min and zero at max, an offer's the
    /// reverse, as 0 < tick < TICKS). These are the values the clamped formula floor((a * (clamp(x, min, max) -
    /// min) - q * scale * tick * span) / span) gives there, since the tick term is a multiple of span; so a
    /// candidate outside a market costs one comparison, not a division.
    function _put(
        uint256 p,
        int256 min,
        int256 max,
        int256 a,
        int256 off,
        int256 atMin,
        int256 atMax,
        uint256 leg
    ) private pure {
        assembly ("memory-safe") {
            mstore(p, min)
            mstore(add(p, 0x20), max)
            mstore(add(p, 0x40), sub(max, min))
            mstore(add(p, 0x60), a)
            mstore(add(p, 0x80), off)
            mstore(add(p, 0xa0), atMin)
            mstore(add(p, 0xc0), atMax)
            mstore(add(p, 0xe0), leg)
        }
    }

    /// @notice W(x) over the terms `t` (see {_put}): a term whose market lies wholly above or below x adds
    /// its stored end value; one whose market holds x strictly inside is evaluated, rounded toward negative
    /// infinity, and added in full (a position) or only when negative (an order).
    function _eval(uint256 t, int256 x) private pure returns (int256 w) {
        assembly ("memory-safe") {
            let mid := and(shr(64, t), 0xffffffffffffffff)
            let end := and(shr(128, t), 0xffffffffffffffff)
            for {
                let p := and(t, 0xffffffffffffffff)
            } lt(p, end) {
                p := add(p, 0x100)
            } {
                let mn := mload(p)
                if iszero(sgt(x, mn)) {
                    w := add(w, mload(add(p, 0xa0)))
                    continue
                }
                if iszero(slt(x, mload(add(p, 0x20)))) {
                    w := add(w, mload(add(p, 0xc0)))
                    continue
                }
                let span := mload(add(p, 0x40))
                let num := mul(mload(add(p, 0x60)), sub(x, mn))
                let q := sdiv(num, span)
                if and(slt(num, 0), iszero(iszero(smod(num, span)))) {
                    q := sub(q, 1)
                }
                q := add(q, mload(add(p, 0x80)))
                // Positions always count; an order only where it hurts (min(0, v)).
                if or(lt(p, mid), slt(q, 0)) {
                    w := add(w, q)
                }
            }
        }
    }
}
