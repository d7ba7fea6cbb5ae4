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
/// are flattened once into memory (seven words each, with each term's fixed value below and above its
/// market), then each candidate costs one pass over them in assembly: a comparison for each term whose market
/// lies wholly on one side of the candidate, a rounded division only for those whose market holds it strictly
/// inside. When the trader's terms all move one way (only long and bidding, or only short and offering), W is
/// monotone and the two ends alone are evaluated, in time linear in its markets and orders. Otherwise the
/// evaluations are (candidates) x (markets around each), both counts capped by the core.
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
    /// @param scale Collateral units per tick per contract (`unitScale`).
    /// @return worst Collateral units; negative means the trader may owe that much at worst.
    function minOverRange(
        int256 lo,
        int256 hi,
        Leg[] memory legs,
        Open[] memory opens,
        int256 scale
    ) internal pure returns (int256 worst) {
        (uint256 t, int256 longs, uint256 sides) = _flatten(legs, opens, scale);
        worst = _eval(t, lo);
        if (hi != lo) {
            int256 w = _eval(t, hi);
            if (w < worst) worst = w;
        }
        // Every term is monotone in x, rounding and min(0, .) included: a long's or a bid's never falls, a
        // short's or an offer's never rises. With no term of one of the two kinds W is monotone and its least
        // value is at an end; only when both kinds are held can a bound inside hold a lower one.
        if (sides >> 128 == 0 || uint128(sides) == 0) return worst - longs;
        uint256 nL = legs.length;
        for (uint256 i; i < nL; ++i) {
            Leg memory lg = legs[i];
            // A bound is a candidate when some term bends convexly there (see the library's @dev): the min of a
            // market with a rising term, the max of one with a falling term.
            int256 x = lg.min;
            if ((sides >> i) & 1 != 0 && x > lo && x < hi) {
                int256 w = _eval(t, x);
                if (w < worst) worst = w;
            }
            x = lg.max;
            if ((sides >> (i + 128)) & 1 != 0 && x > lo && x < hi) {
                int256 w = _eval(t, x);
                if (w < worst) worst = w;
            }
        }
        worst -= longs; // |longs| < 16 * 2^63: no overflow against a worst case of magnitude < 2^140
    }

    /// @notice Flattens the terms of W into scratch memory, seven words each: min, max, span, a, off, atMin, atMax.
    /// Inside its market (min < x < max) a term is floor(a * (x - min) / span) + off; a position has off = 0
    /// and counts in full, an order (a = q * scale * TICKS, off = -q * scale * tick) counts only when negative.
    /// At or beyond a bound the term is exact and fixed: `atMin` below the market, `atMax` above it, each
    /// already reduced to what it adds to W (an order's min(0, v): a bid's is negative at min and zero at max,
    /// an offer's the reverse, as 0 < tick < TICKS). These are the values the clamped formula
    /// floor((a * (clamp(x, min, max) - min) - q * scale * tick * span) / span) gives there, since the tick
    /// term is a multiple of span; so a candidate outside a market costs one comparison, not a division.
    /// @return t The terms' memory range: start | mid << 64 | end << 128 (mid: the first order term).
    /// @return longs Open long contracts plus open bid quantity (the settlement rounding allowance).
    /// @return sides Bit i set when leg i carries a rising term (a long or a bid), bit 128 + i when it carries a
    /// falling one (a short or an offer); legs are capped well below 128.
    function _flatten(
        Leg[] memory legs,
        Open[] memory opens,
        int256 scale
    ) private pure returns (uint256 t, int256 longs, uint256 sides) {
        // Unchecked: |pos| < 2^63, |qty| < 2^48, scale < 2^64, TICKS = 100, 0 <= c - min <= max - min < 2^120
        // (all enforced by the core at creation and placement), so every product here and in {_eval} is
        // < 2^254 and a sum of at most 16 terms of magnitude < 2^135 cannot overflow.
        unchecked {
            uint256 nL = legs.length;
            uint256 nO = opens.length;
            int256 unitTicks = int256(PayoffMath.TICKS) * scale;
            uint256 start;
            assembly ("memory-safe") {
                start := mload(0x40)
                mstore(0x40, add(start, mul(add(nL, nO), 0xe0)))
            }
            uint256 p = start;
            for (uint256 i; i < nL; ++i) {
                Leg memory lg = legs[i];
                int256 pos = lg.pos;
                if (pos == 0) continue;
                if (pos > 0) {
                    longs += pos;
                    sides |= 1 << i;
                } else {
                    sides |= 1 << (i + 128);
                }
                int256 a = pos * unitTicks;
                _put(p, lg.min, lg.max, a, 0, 0, a);
                p += 0xe0;
            }
            uint256 mid = p;
            for (uint256 j; j < nO; ++j) {
                Open memory o = opens[j];
                int256 q = o.qty;
                if (q > 0) {
                    longs += q;
                    sides |= 1 << o.leg;
                } else {
                    sides |= 1 << (o.leg + 128);
                }
                Leg memory lg = legs[o.leg];
                int256 qs = q * scale;
                int256 a = qs * int256(PayoffMath.TICKS);
                int256 off = -qs * o.tick;
                _put(p, lg.min, lg.max, a, off, off < 0 ? off : int256(0), a + off < 0 ? a + off : int256(0));
                p += 0xe0;
            }
            t = start | (mid << 64) | (p << 128); // memory pointers, far below 2^64
        }
    }

    function _put(uint256 p, int256 min, int256 max, int256 a, int256 off, int256 atMin, int256 atMax) private pure {
        assembly ("memory-safe") {
            mstore(p, min)
            mstore(add(p, 0x20), max)
            mstore(add(p, 0x40), sub(max, min))
            mstore(add(p, 0x60), a)
            mstore(add(p, 0x80), off)
            mstore(add(p, 0xa0), atMin)
            mstore(add(p, 0xc0), atMax)
        }
    }

    /// @notice W(x) over the terms `t` (see {_flatten}): a term whose market lies wholly above or below x adds
    /// its stored end value; one whose market holds x strictly inside is evaluated, rounded toward negative
    /// infinity, and added in full (a position) or only when negative (an order).
    function _eval(uint256 t, int256 x) private pure returns (int256 w) {
        assembly ("memory-safe") {
            let mid := and(shr(64, t), 0xffffffffffffffff)
            let end := shr(128, t)
            for {
                let p := and(t, 0xffffffffffffffff)
            } lt(p, end) {
                p := add(p, 0xe0)
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
