// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PayoffMath} from "./PayoffMath.sol";

/// @title WorstCase
/// @notice The worst case of one trader on one root: `min over X in [lo, hi] of W(X)` with
/// `W(X) = sum_b pos_b * payoff_b(X) + sum_j min(0, v_j(X))`, where `v_j` is what open order j adds at X if it
/// filled in full at its own price (bid q at tick t: `q * (payoff_b(X) - t * scale)`; an offer the negative).
/// @dev Exact for integer outcomes X: W is piecewise linear in X, so its minimum over the integers of
/// [lo, hi] is attained at lo, hi, a market bound, or the integer just below or above an order's zero
/// crossing. Every candidate is evaluated (no sort needed); each term is rounded toward negative infinity,
/// so the computed value is never above the true one. Settlement rounds each long contract's payoff down
/// by less than one unit, so the result also subtracts `longs` (open long contracts plus open bid
/// quantity): the value returned is a lower bound for what the trader's positions on this root can be
/// worth at settlement, for every possible outcome. Cost: O((legs + orders)^2), both capped by the core.
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

    /// @notice W(x), each term rounded toward negative infinity (never above the exact value).
    /// @param scale Collateral units per tick per contract (`unitScale`).
    function valueAt(int256 x, Leg[] memory legs, Open[] memory opens, int256 scale) internal pure returns (int256 w) {
        // Unchecked: |pos| < 2^63, |qty| < 2^48, scale < 2^64, TICKS = 100, 0 <= c - min <= max - min < 2^120
        // (all enforced by the core at creation and placement), so every product below is < 2^254 and a sum
        // of at most 16 terms of magnitude < 2^135 cannot overflow.
        unchecked {
            int256 unitTicks = int256(PayoffMath.TICKS) * scale;
            uint256 n = legs.length;
            for (uint256 i; i < n; ++i) {
                Leg memory lg = legs[i];
                int256 pos = lg.pos;
                if (pos == 0) continue;
                int256 min = lg.min;
                int256 max = lg.max;
                int256 c = x < min ? min : (x > max ? max : x);
                w += _floorDiv(pos * unitTicks * (c - min), max - min);
            }
            n = opens.length;
            for (uint256 j; j < n; ++j) {
                Open memory o = opens[j];
                Leg memory lg = legs[o.leg];
                int256 min = lg.min;
                int256 max = lg.max;
                int256 c = x < min ? min : (x > max ? max : x);
                int256 v = _floorDiv(
                    o.qty * scale * (int256(PayoffMath.TICKS) * (c - min) - o.tick * (max - min)),
                    max - min
                );
                if (v < 0) w += v;
            }
        }
    }

    /// @notice floor(a / b) for b > 0; same as {PayoffMath.floorDiv} without the checks (b > 0 always here).
    function _floorDiv(int256 a, int256 b) private pure returns (int256 q) {
        assembly ("memory-safe") {
            q := sdiv(a, b)
            if and(slt(a, 0), iszero(iszero(smod(a, b)))) {
                q := sub(q, 1)
            }
        }
    }

    /// @notice The worst case over the integers of [lo, hi], minus the settlement rounding allowance.
    /// @return worst Collateral units; negative means the trader may owe that much at worst.
    function minOverRange(
        int256 lo,
        int256 hi,
        Leg[] memory legs,
        Open[] memory opens,
        int256 scale
    ) internal pure returns (int256 worst) {
        worst = valueAt(lo, legs, opens, scale);
        if (hi != lo) {
            int256 wHi = valueAt(hi, legs, opens, scale);
            if (wHi < worst) worst = wHi;
        }
        int256 longs;
        uint256 legsWithOrders; // bit i set: leg i has an open order (legs are capped well below 256)
        for (uint256 j; j < opens.length; ++j) {
            Open memory o = opens[j];
            if (o.qty > 0) longs += o.qty;
            legsWithOrders |= 1 << o.leg;
            Leg memory lg = legs[o.leg];
            // Zero crossing x* = min + tick * (max - min) / TICKS; evaluate the integers on both sides (just
            // x* itself when it is an integer: W is linear on each side of it).
            int256 span = o.tick * (lg.max - lg.min);
            int256 below = lg.min + span / int256(PayoffMath.TICKS);
            worst = _lower(worst, below, lo, hi, legs, opens, scale);
            if (span % int256(PayoffMath.TICKS) != 0) worst = _lower(worst, below + 1, lo, hi, legs, opens, scale);
        }
        for (uint256 i; i < legs.length; ++i) {
            Leg memory lg = legs[i];
            if (lg.pos > 0) longs += lg.pos;
            // A leg's bounds are kinks of W when it holds a position or carries an order.
            if (lg.pos == 0 && (legsWithOrders >> i) & 1 == 0) continue;
            worst = _lower(worst, lg.min, lo, hi, legs, opens, scale);
            worst = _lower(worst, lg.max, lo, hi, legs, opens, scale);
        }
        worst -= longs;
    }

    /// @notice `min(worst, W(x))` when x lies strictly inside (lo, hi) (the ends are evaluated first); `worst` otherwise.
    function _lower(
        int256 worst,
        int256 x,
        int256 lo,
        int256 hi,
        Leg[] memory legs,
        Open[] memory opens,
        int256 scale
    ) private pure returns (int256) {
        if (x <= lo || x >= hi) return worst;
        int256 w = valueAt(x, legs, opens, scale);
        return w < worst ? w : worst;
    }
}
