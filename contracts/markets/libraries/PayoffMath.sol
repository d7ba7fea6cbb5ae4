// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title PayoffMath
/// @notice Payoff of one bounded contract. A contract on a market with original bounds [min, max] pays
/// `UNIT * (clamp(X, min, max) - min) / (max - min)` collateral units, where `UNIT = TICKS * unitScale`.
/// A price is a tick in (0, TICKS): a bid of q contracts at tick t pays `q * t * unitScale` units, exactly.
library PayoffMath {
    /// @notice Ticks in one unit payoff: a price is `tick / TICKS`, tick in [1, TICKS - 1].
    uint256 internal constant TICKS = 100;

    /// @notice `x` clamped into [min, max].
    function clamp(int256 x, int256 min, int256 max) internal pure returns (int256) {
        return x < min ? min : (x > max ? max : x);
    }

    /// @notice Payoff per contract in collateral units, equivalent to
    /// `floor(unit * (clamp(x, min, max) - min) / (max - min))`.
    /// @dev Rounded down once, at settlement: the long side receives this, the short side the complement
    /// `unit - payoffDown`, so each contract pays out exactly `unit`. Requires min < max,
    /// max - min < 2^120 and unit < 2^71 (enforced at root creation), so the product cannot overflow.
    function payoffDown(int256 x, int256 min, int256 max, uint256 unit) internal pure returns (uint256) {
        int256 c = clamp(x, min, max);
        // Both differences are in [0, 2^120) by the bound checks at creation.
        return (unit * uint256(c - min)) / uint256(max - min);
    }

    /// @notice `floor(a / b)` for b > 0 (rounds toward negative infinity, unlike Solidity's `/`).
    function floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
    }

    /// @notice What a trader with `pos` contracts (negative = short) receives at settlement, in collateral
    /// units: `pos * payoffDown`. Longs receive the rounded-down payoff, shorts pay it (keeping the complement).
    function settlementValue(int256 pos, uint256 payoffPerContract) internal pure returns (int256) {
        // payoffPerContract < 2^71 and |pos| < 2^63: the product fits in int256.
        return pos * int256(payoffPerContract);
    }
}
