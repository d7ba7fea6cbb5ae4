// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPM} from "solady/src/utils/FixedPointMathLib.sol";

/// @title WeightedMath
/// @notice Pure math of the weighted constant-function invariant V = prod_k x_k^{w_k} (weights in WAD,
/// summing to 1e18) used by {SessionAmm}. Every function names its rounding direction; each rounds so that the
/// pool (the AMM's allocation) never loses to rounding: amounts the pool pays round down, amounts it is paid
/// round up, and the approximate power is widened by {POW_REL_ERROR} in the pool's favour.
/// @dev Balances and amounts are raw leg units (any decimals) treated as WAD numbers; only ratios of balances
/// enter the power, so the unit cancels. `x^y` is solady's `powWad` = `expWad(lnWad(x) * y / 1e18)`, an
/// approximation: {powUp} and {powDown} bound it from above and below.
library WeightedMath {
    uint256 internal constant WAD = 1e18;
    /// @notice Bound on the relative error of solady's `powWad` for the bases and exponents this library
    /// uses (base in [1/2, 2], exponent at most 99): 1e-14 (the observed error is below 1e-16; the margin is
    /// checked against a 50-digit reference in test/sessions/amm-reference.ts).
    uint256 internal constant POW_REL_ERROR = 1e4;
    /// @notice Smallest non-zero weight (1%), so an exponent w_i/w_j is at most 99.
    uint256 internal constant MIN_WEIGHT = 1e16;
    /// @notice Largest effective amount in, and largest amount out, as a fraction of the pool's balance of
    /// that leg (WAD): keeps power bases within [2/3, 2] and balances strictly positive.
    uint256 internal constant MAX_RATIO = 5e17;

    /// @notice `x^y` (WAD) rounded up: an upper bound on the exact power. Favours the pool where a larger
    /// power means the pool pays less or is paid more.
    function powUp(uint256 x, uint256 y) internal pure returns (uint256) {
        // Safe casts: x <= 2e18 and y <= 99e18 in every use (bases and exponents are bounded by the callers).
        uint256 raw = uint256(FPM.powWad(int256(x), int256(y)));
        return raw + FPM.mulDivUp(raw, POW_REL_ERROR, WAD) + 1;
    }

    /// @notice `x^y` (WAD) rounded down: a lower bound on the exact power (never below zero).
    function powDown(uint256 x, uint256 y) internal pure returns (uint256) {
        // Safe casts: as in {powUp}.
        uint256 raw = uint256(FPM.powWad(int256(x), int256(y)));
        uint256 margin = FPM.mulDivUp(raw, POW_REL_ERROR, WAD) + 1;
        return raw > margin ? raw - margin : 0;
    }

    /// @notice Amount of leg `out` the pool pays for an effective amount `amountIn` of leg `in` (after fees):
    /// `balanceOut * (1 - (balanceIn / (balanceIn + amountIn))^(weightIn / weightOut))`, rounded down
    /// (favours the pool: the trader receives at most the exact curve amount).
    /// @dev The base rounds up and the exponent down (base < 1, so both make the power larger), the power is
    /// bounded from above, and the final product rounds down. With equal weights the power is the base itself
    /// and the amount is `balanceOut * amountIn / (balanceIn + amountIn)` rounded down, with no approximation.
    /// Reverts {AmountInTooLarge} beyond {MAX_RATIO}.
    function outGivenInDown(
        uint256 balanceIn,
        uint256 weightIn,
        uint256 balanceOut,
        uint256 weightOut,
        uint256 amountIn
    ) internal pure returns (uint256) {
        uint256 maxIn = FPM.mulWad(balanceIn, MAX_RATIO);
        if (amountIn > maxIn) revert AmountInTooLarge(amountIn, maxIn);
        // Equal weights: the exponent is 1 and the curve is the constant product, computed exactly (floor).
        if (weightIn == weightOut) return FPM.mulDiv(balanceOut, amountIn, balanceIn + amountIn);
        uint256 base = FPM.divWadUp(balanceIn, balanceIn + amountIn);
        uint256 power = powUp(base, FPM.divWad(weightIn, weightOut));
        if (power >= WAD) return 0;
        return FPM.mulWad(balanceOut, WAD - power);
    }

    /// @notice Effective amount of leg `in` (after fees) the pool must receive to pay `amountOut` of leg `out`:
    /// `balanceIn * ((balanceOut / (balanceOut - amountOut))^(weightOut / weightIn) - 1)`, rounded up
    /// (favours the pool: the trader pays at least the exact curve amount).
    /// @dev The base (> 1) and the exponent round up, the power is bounded from above, the product rounds up.
    /// With equal weights the amount is computed exactly and rounded up. Reverts {AmountOutTooLarge} beyond
    /// {MAX_RATIO}.
    function inGivenOutUp(
        uint256 balanceIn,
        uint256 weightIn,
        uint256 balanceOut,
        uint256 weightOut,
        uint256 amountOut
    ) internal pure returns (uint256) {
        uint256 maxOut = FPM.mulWad(balanceOut, MAX_RATIO);
        if (amountOut > maxOut) revert AmountOutTooLarge(amountOut, maxOut);
        // Equal weights: `balanceIn * amountOut / (balanceOut - amountOut)` exactly, rounded up.
        if (weightIn == weightOut) return FPM.mulDivUp(balanceIn, amountOut, balanceOut - amountOut);
        uint256 base = FPM.divWadUp(balanceOut, balanceOut - amountOut);
        uint256 power = powUp(base, FPM.divWadUp(weightOut, weightIn));
        return FPM.mulWadUp(balanceIn, power - WAD);
    }

    /// @notice Marginal price of leg `in` in units of leg `out` (WAD): `(balanceOut / weightOut) /
    /// (balanceIn / weightIn)`, rounded down (favours the pool in the oracle band check, where a lower pool
    /// price of the leg being sold is the side that is rejected).
    function spotRateDown(
        uint256 balanceIn,
        uint256 weightIn,
        uint256 balanceOut,
        uint256 weightOut
    ) internal pure returns (uint256) {
        return FPM.mulDiv(balanceOut * weightIn, WAD, balanceIn * weightOut);
    }

    /// @notice `sum_k w_k ln(x_k)` (WAD): the log of the invariant, for views and tests. Legs with zero
    /// weight or zero balance are skipped. An approximation (each `lnWad` is within a few wei).
    function lnInvariant(uint256[] memory balances, uint256[] memory weights) internal pure returns (int256 v) {
        for (uint256 k; k < balances.length; ++k) {
            if (weights[k] == 0 || balances[k] == 0) continue;
            // Safe casts: balances are int128 allocations; weights <= 1e18.
            v += (FPM.lnWad(int256(balances[k])) * int256(weights[k])) / int256(WAD);
        }
    }

    /// @notice The effective amount in exceeds {MAX_RATIO} of the pool's balance of the leg.
    error AmountInTooLarge(uint256 amountIn, uint256 maxIn);
    /// @notice The amount out exceeds {MAX_RATIO} of the pool's balance of the leg.
    error AmountOutTooLarge(uint256 amountOut, uint256 maxOut);
}
