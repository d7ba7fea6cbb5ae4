// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {WorstCase} from "../../../contracts/markets/libraries/WorstCase.sol";

/// @notice Random books for the worst-case tests: a trader's positions on a root market [-40, 60] and its
/// sub-markets, open orders on them, and a possible range, all drawn from one seed.
abstract contract WorstCaseCases {
    struct Case {
        WorstCase.Leg[] legs;
        WorstCase.Open[] opens;
        int256 lo;
        int256 hi;
        int256 scale;
    }

    /// @param maxLegs Markets held: 1 to maxLegs (the root first).
    /// @param maxOpens Open orders: 0 to maxOpens - 1.
    /// @param rich Also draw sub-markets that share the root's upper bound, zero positions, and a range that
    /// may start or end outside the root's bounds.
    function _build(uint256 seed, uint256 maxLegs, uint256 maxOpens, bool rich) internal pure returns (Case memory c) {
        c.scale = int256(1 + (seed % 1000));
        seed = uint256(keccak256(abi.encode(seed)));
        uint256 nLegs = 1 + (seed % maxLegs);
        uint256 nOpens = (seed >> 8) % maxOpens;
        c.legs = new WorstCase.Leg[](nLegs);
        c.opens = new WorstCase.Open[](nOpens);
        c.legs[0] = WorstCase.Leg(-40, 60, int256((seed >> 16) % 41) - 20);
        for (uint256 i = 1; i < nLegs; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            int256 a = -40 + int256(seed % 100);
            int256 w = 1 + int256((seed >> 32) % uint256(60 - a));
            if (rich && (seed >> 40) % 4 == 0) w = 60 - a; // shares the root's upper bound
            int256 pos = rich && (seed >> 48) % 3 == 0 ? int256(0) : int256((seed >> 64) % 41) - 20;
            c.legs[i] = WorstCase.Leg(a, a + w, pos);
        }
        for (uint256 j; j < nOpens; ++j) {
            seed = uint256(keccak256(abi.encode(seed, j, "o")));
            int256 q = int256(1 + (seed % 15));
            c.opens[j] = WorstCase.Open(seed % nLegs, int256(1 + ((seed >> 8) % 99)), (seed >> 16) & 1 == 1 ? q : -q);
        }
        seed = uint256(keccak256(abi.encode(seed, "range")));
        if (rich) {
            c.lo = -45 + int256(seed % 55);
            c.hi = c.lo + int256((seed >> 16) % uint256(66 - c.lo));
        } else {
            c.lo = -40 + int256(seed % 50);
            c.hi = c.lo + int256((seed >> 16) % uint256(61 - c.lo));
        }
    }
}
