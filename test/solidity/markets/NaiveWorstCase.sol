// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PayoffMath} from "../../../contracts/markets/libraries/PayoffMath.sol";
import {WorstCase} from "../../../contracts/markets/libraries/WorstCase.sol";

/// @title NaiveWorstCase
/// @notice Test reference: the collateral check's worst case as it was computed before the flattened
/// evaluation (issue 11), kept to fuzz the production library against. It evaluates W at every candidate of
/// the old rule (the ends, every market bound, and both integers around each order's zero crossing), each
/// through the struct arrays.
library NaiveWorstCase {
    /// @notice W(x), each term rounded toward negative infinity (never above the exact value).
    /// @param scale Collateral units per tick per contract (`unitScale`).
    function valueAt(
        int256 x,
        WorstCase.Leg[] memory legs,
        WorstCase.Open[] memory opens,
        int256 scale
    ) internal pure returns (int256 w) {
        // Unchecked: |pos| < 2^63, |qty| < 2^48, scale < 2^64, TICKS = 100, 0 <= c - min <= max - min < 2^120
        // (all enforced by the core at creation and placement), so every product below is < 2^254 and a sum
        // of at most 16 terms of magnitude < 2^135 cannot overflow.
        unchecked {
            int256 unitTicks = int256(PayoffMath.TICKS) * scale;
            uint256 n = legs.length;
            for (uint256 i; i < n; ++i) {
                WorstCase.Leg memory lg = legs[i];
                int256 pos = lg.pos;
                if (pos == 0) continue;
                int256 min = lg.min;
                int256 max = lg.max;
                int256 c = x < min ? min : (x > max ? max : x);
                w += _floorDiv(pos * unitTicks * (c - min), max - min);
            }
            n = opens.length;
            for (uint256 j; j < n; ++j) {
                WorstCase.Open memory o = opens[j];
                WorstCase.Leg memory lg = legs[o.leg];
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
        WorstCase.Leg[] memory legs,
        WorstCase.Open[] memory opens,
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
            WorstCase.Open memory o = opens[j];
            if (o.qty > 0) longs += o.qty;
            legsWithOrders |= 1 << o.leg;
            WorstCase.Leg memory lg = legs[o.leg];
            // Zero crossing x* = min + tick * (max - min) / TICKS; evaluate the integers on both sides (just
            // x* itself when it is an integer: W is linear on each side of it).
            int256 span = o.tick * (lg.max - lg.min);
            int256 below = lg.min + span / int256(PayoffMath.TICKS);
            worst = _lower(worst, below, lo, hi, legs, opens, scale);
            if (span % int256(PayoffMath.TICKS) != 0) worst = _lower(worst, below + 1, lo, hi, legs, opens, scale);
        }
        for (uint256 i; i < legs.length; ++i) {
            WorstCase.Leg memory lg = legs[i];
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
        WorstCase.Leg[] memory legs,
        WorstCase.Open[] memory opens,
        int256 scale
    ) private pure returns (int256) {
        if (x <= lo || x >= hi) return worst;
        int256 w = valueAt(x, legs, opens, scale);
        return w < worst ? w : worst;
    }
}
