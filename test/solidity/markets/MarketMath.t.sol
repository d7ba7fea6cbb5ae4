// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {PayoffMath} from "../../../contracts/markets/libraries/PayoffMath.sol";
import {WorstCase} from "../../../contracts/markets/libraries/WorstCase.sol";
import {WorstCaseCases} from "./WorstCaseCases.sol";

/// @notice Fuzz of the pure math: payoffs at and between bounds (negative outcomes, any decimals), and the
/// worst-case collateral computation against a brute-force evaluation over every integer outcome.
contract MarketMathTest is Test, WorstCaseCases {
    uint256 internal constant TICKS = 100;

    // ---------------------------------------------------------------- payoff

    function testFuzz_payoffAtAndBeyondBounds(
        int128 min,
        uint64 width,
        uint64 scale,
        int128 below,
        int128 above
    ) public pure {
        vm.assume(width > 0 && scale > 0);
        int256 max = int256(min) + int256(uint256(width));
        uint256 unit = TICKS * scale;
        int256 lo = int256(min) - int256(uint256(uint128(below)) % 1e30);
        int256 hi = max + int256(uint256(uint128(above)) % 1e30);
        assertEq(PayoffMath.payoffDown(min, min, max, unit), 0);
        assertEq(PayoffMath.payoffDown(lo, min, max, unit), 0);
        assertEq(PayoffMath.payoffDown(max, min, max, unit), unit);
        assertEq(PayoffMath.payoffDown(hi, min, max, unit), unit);
    }

    function testFuzz_payoffBetweenBounds_monotoneAndRoundedDownOnce(
        int64 min,
        uint32 width,
        uint64 scale,
        uint32 a,
        uint32 b
    ) public pure {
        vm.assume(width > 0 && scale > 0);
        int256 max = int256(min) + int256(uint256(width));
        uint256 unit = TICKS * scale;
        int256 xa = int256(min) + int256(uint256(a % (uint256(width) + 1)));
        int256 xb = int256(min) + int256(uint256(b % (uint256(width) + 1)));
        if (xa > xb) (xa, xb) = (xb, xa);
        uint256 pa = PayoffMath.payoffDown(xa, min, max, unit);
        uint256 pb = PayoffMath.payoffDown(xb, min, max, unit);
        assertLe(pa, pb);
        // Rounded down by less than one unit: pa <= exact < pa + 1, i.e. pa * width <= unit * (xa - min) < (pa + 1) * width.
        uint256 num = unit * uint256(xa - min);
        assertLe(pa * width, num);
        assertGt((pa + 1) * width, num);
        // Long receives pa, short keeps the complement: a contract pays exactly `unit`, nothing created or stranded.
        int256 longGets = PayoffMath.settlementValue(1, pa);
        int256 shortGets = int256(unit) + PayoffMath.settlementValue(-1, pa);
        assertEq(uint256(longGets + shortGets), unit);
    }

    function testFuzz_floorDiv(int128 a, uint64 b) public pure {
        vm.assume(b > 0);
        int256 q = PayoffMath.floorDiv(a, int256(uint256(b)));
        assertLe(q * int256(uint256(b)), int256(a));
        assertGt((q + 1) * int256(uint256(b)), int256(a));
    }

    // ---------------------------------------------------------------- worst case vs brute force

    /// @notice What the trader's book is worth at outcome x if settled, each open order counted filled or not,
    /// whichever is worse (settlement rounding included).
    function _settled(Case memory c, int256 x) internal pure returns (int256 w) {
        uint256 unit = TICKS * uint256(c.scale);
        for (uint256 i; i < c.legs.length; ++i) {
            WorstCase.Leg memory l = c.legs[i];
            w += l.pos * int256(PayoffMath.payoffDown(x, l.min, l.max, unit));
        }
        for (uint256 j; j < c.opens.length; ++j) {
            WorstCase.Open memory o = c.opens[j];
            WorstCase.Leg memory l = c.legs[o.leg];
            int256 u = int256(PayoffMath.payoffDown(x, l.min, l.max, unit));
            int256 v = o.qty * (u - o.tick * c.scale);
            if (v < 0) w += v;
        }
    }

    function testFuzz_worstCase_soundAndTight_vsBruteForce(uint256 seed) public pure {
        Case memory c = _build(seed, 4, 4, false);
        int256 worst = WorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale);
        int256 brute = type(int256).max;
        for (int256 x = c.lo; x <= c.hi; ++x) {
            int256 w = _settled(c, x);
            if (w < brute) brute = w;
        }
        // Sound: never above what settlement can pay at any possible outcome.
        assertLe(worst, brute);
        // Tight: below it only by rounding: settlement floors each contract's payoff (up to one unit per
        // contract either way), the computation floors each term, and longs carry a one-unit allowance.
        int256 allowance;
        for (uint256 i; i < c.legs.length; ++i) allowance += _abs(c.legs[i].pos) * 2 + 1;
        for (uint256 j; j < c.opens.length; ++j) allowance += _abs(c.opens[j].qty) * 2 + 1;
        assertGe(worst + allowance, brute);
    }

    /// @notice Partial fills in between are covered: any fill fraction of each order is worth at least the worst case.
    function _abs(int256 v) internal pure returns (int256) {
        return v < 0 ? -v : v;
    }

    function testFuzz_worstCase_coversPartialFills(uint256 seed, uint8 fracSeed) public pure {
        Case memory c = _build(seed, 4, 4, false);
        int256 worst = WorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale);
        uint256 unit = TICKS * uint256(c.scale);
        for (int256 x = c.lo; x <= c.hi; ++x) {
            int256 w;
            for (uint256 i; i < c.legs.length; ++i) {
                WorstCase.Leg memory l = c.legs[i];
                w += l.pos * int256(PayoffMath.payoffDown(x, l.min, l.max, unit));
            }
            for (uint256 j; j < c.opens.length; ++j) {
                WorstCase.Open memory o = c.opens[j];
                WorstCase.Leg memory l = c.legs[o.leg];
                int256 filled = (o.qty * int256(uint256(uint8(fracSeed + j * 37)) % 101)) / 100;
                int256 u = int256(PayoffMath.payoffDown(x, l.min, l.max, unit));
                w += filled * (u - o.tick * c.scale);
            }
            assertLe(worst, w);
        }
    }
}
