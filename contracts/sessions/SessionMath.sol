// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title SessionMath
/// @notice Pure arithmetic of session pools: pro-rata fills, the cash worst case, packed allocations.
library SessionMath {
    /// @notice 1.0 in WAD (fill fractions and prices).
    uint256 internal constant WAD = 1e18;
    /// @notice Largest magnitude of a stored allocation (int128 range, symmetric).
    uint256 internal constant MAX_AMOUNT = uint256(uint128(type(int128).max));

    /// @notice The maker's cumulative allocation change after `fractionWad` of an order whose full change is
    /// `amount`, rounded in the maker's favour: what the maker receives (amount > 0) rounds up, what it gives
    /// (amount < 0) rounds down. Exact at 0 and at WAD, so cumulative differences add up to one full fill.
    /// @dev `|amount| <= MAX_AMOUNT` and `fractionWad <= WAD` are checked by callers, so the product is below
    /// 2^127 * 2^60 and plain 256-bit arithmetic is exact: no 512-bit `mulDiv` is needed. Under those bounds
    /// nothing here can overflow, so it runs unchecked (fuzzed against the `mulDiv` reference over the range).
    function amountAt(int256 amount, uint256 fractionWad) internal pure returns (int256) {
        unchecked {
            if (amount >= 0) {
                // Safe cast: result <= amount <= MAX_AMOUNT.
                return int256((uint256(amount) * fractionWad + (WAD - 1)) / WAD);
            }
            // Safe casts: |amount| <= MAX_AMOUNT, result <= |amount|.
            return -int256((uint256(-amount) * fractionWad) / WAD);
        }
    }

    /// @notice Worst-case value of a deviation `d` from baseline over the price box [floor, cap]:
    /// `min(d * floor, d * cap)`, in 1e36 units (d in WAD, prices in WAD). Negative d is worst at the cap,
    /// positive d at the floor.
    function worstValue(int256 d, uint256 floor, uint256 cap) internal pure returns (int256) {
        // Safe casts: floor <= cap <= 1e30 and |d| < 2^128, so the product fits int256 comfortably.
        return d >= 0 ? d * int256(floor) : d * int256(cap);
    }

    /// @notice Number of set bits in `x`.
    /// @dev Counted in parallel (no loop): bit pairs, then nibbles, bytes and 16-bit lanes each hold their own
    /// count (at most 2, 4, 8 and 16), and one multiplication sums the sixteen lanes into the top one (at most 256,
    /// so no lane carries). Unchecked on purpose: the multiplication's overflow above bit 255 is discarded.
    function popcount(uint256 x) internal pure returns (uint256) {
        unchecked {
            x -= (x >> 1) & 0x5555555555555555555555555555555555555555555555555555555555555555;
            x =
                (x & 0x3333333333333333333333333333333333333333333333333333333333333333) +
                ((x >> 2) & 0x3333333333333333333333333333333333333333333333333333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f;
            x =
                (x & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) +
                ((x >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff);
            return (x * 0x0001000100010001000100010001000100010001000100010001000100010001) >> 240;
        }
    }

    /// @notice The signed 128-bit half `half` (0 = low, 1 = high) of a packed word.
    function getHalf(uint256 word, uint256 half) internal pure returns (int256) {
        // Narrowing cast: a half is stored as the two's complement int128 written by {setHalf}.
        return int256(int128(uint128(word >> (half << 7))));
    }

    /// @notice `word` with half `half` replaced by `value`; reverts unless `|value| <= MAX_AMOUNT`.
    function setHalf(uint256 word, uint256 half, int256 value) internal pure returns (uint256) {
        if (value > int256(MAX_AMOUNT) || value < -int256(MAX_AMOUNT)) revert AmountOutOfRange(value);
        uint256 shift = half << 7;
        // Narrowing cast: range checked just above.
        return (word & ~(uint256(type(uint128).max) << shift)) | (uint256(uint128(int128(value))) << shift);
    }

    /// @notice A stored amount would leave the int128 range.
    error AmountOutOfRange(int256 value);
}
