// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {PayoffMath} from "../../../contracts/markets/libraries/PayoffMath.sol";
import {WorstCase} from "../../../contracts/markets/libraries/WorstCase.sol";
import {NaiveWorstCase} from "./NaiveWorstCase.sol";
import {WorstCaseCases} from "./WorstCaseCases.sol";

/// @notice The collateral check's worst case (issue 11: flattened terms, only the ends and market bounds as
/// candidates) fuzzed against the naive version it replaced and against the exact minimum of W over every
/// integer outcome, on books of up to MAX_MARKETS markets and MAX_OPEN_ORDERS open orders.
contract WorstCaseSweepTest is Test, WorstCaseCases {
    int256 internal constant TICKS = int256(PayoffMath.TICKS);

    /// @notice D * W(x) exactly (no rounding), D the product of the spans.
    function _exactScaled(Case memory c, int256 x, int256 d) internal pure returns (int256 w) {
        for (uint256 i; i < c.legs.length; ++i) {
            WorstCase.Leg memory l = c.legs[i];
            int256 cx = x < l.min ? l.min : (x > l.max ? l.max : x);
            w += l.pos * TICKS * c.scale * (cx - l.min) * (d / (l.max - l.min));
        }
        for (uint256 j; j < c.opens.length; ++j) {
            WorstCase.Open memory o = c.opens[j];
            WorstCase.Leg memory l = c.legs[o.leg];
            int256 cx = x < l.min ? l.min : (x > l.max ? l.max : x);
            int256 v = o.qty * c.scale * (TICKS * (cx - l.min) - o.tick * (l.max - l.min)) * (d / (l.max - l.min));
            if (v < 0) w += v;
        }
    }

    function _floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) --q;
    }

    function testFuzz_worstCase_vsNaiveAndExact(uint256 seed) public pure {
        Case memory c = _build(seed, 8, 9, true);
        int256 fast = WorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale);
        int256 naive = NaiveWorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale);
        int256 d = 1;
        int256 longs;
        int256 nTerms = int256(c.opens.length);
        for (uint256 i; i < c.legs.length; ++i) {
            d *= c.legs[i].max - c.legs[i].min;
            if (c.legs[i].pos > 0) longs += c.legs[i].pos;
            if (c.legs[i].pos != 0) ++nTerms;
        }
        for (uint256 j; j < c.opens.length; ++j) if (c.opens[j].qty > 0) longs += c.opens[j].qty;
        int256 exactMinScaled = type(int256).max;
        for (int256 x = c.lo; x <= c.hi; ++x) {
            int256 w = _exactScaled(c, x, d);
            if (w < exactMinScaled) exactMinScaled = w;
        }
        // The naive version evaluates a superset of the candidates, so it is never above the new one.
        assertGe(fast, naive);
        // Sound: never above the exact least W over every integer outcome (less the rounding allowance).
        assertLe((fast + longs) * d, exactMinScaled);
        // Tight: below it only by the floor of each term (under one unit each).
        assertGe(fast + longs + nTerms, _floorDiv(exactMinScaled, d));
        // Hence never more than that rounding above the naive version.
        assertLe(fast, naive + nTerms);
    }

    /// @notice Books whose every bound and crossing lands on an integer: no rounding anywhere, so the new and the
    /// naive version agree exactly (the dropped crossing candidates were never the minimum).
    function testFuzz_worstCase_equalsNaive_whenExact(uint256 seed) public pure {
        Case memory c = _build(seed, 8, 9, true);
        for (uint256 i; i < c.legs.length; ++i) c.legs[i].max = c.legs[i].min + 100; // span 100: every term exact
        c.hi = c.lo + int256(seed % 150);
        assertEq(
            WorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale),
            NaiveWorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale)
        );
    }

    /// @notice The end values stored per term change no result: the library's minimum is, to the unit, the least
    /// of the clamped, per-term floored W (the reference's `valueAt`) over the same candidates (the ends and each
    /// convex kink inside them), less the rounding allowance.
    function testFuzz_worstCase_equalsFlooredW_atTheCandidates(uint256 seed) public pure {
        Case memory c = _build(seed, 8, 9, true);
        int256 longs;
        uint256 sides;
        for (uint256 i; i < c.legs.length; ++i) if (c.legs[i].pos > 0) longs += c.legs[i].pos;
        for (uint256 j; j < c.opens.length; ++j) {
            WorstCase.Open memory o = c.opens[j];
            if (o.qty > 0) longs += o.qty;
            sides |= o.qty > 0 ? 1 << o.leg : 1 << (o.leg + 128);
        }
        int256 expected = NaiveWorstCase.valueAt(c.lo, c.legs, c.opens, c.scale);
        int256 w = NaiveWorstCase.valueAt(c.hi, c.legs, c.opens, c.scale);
        if (w < expected) expected = w;
        for (uint256 i; i < c.legs.length; ++i) {
            WorstCase.Leg memory l = c.legs[i];
            if ((l.pos > 0 || (sides >> i) & 1 != 0) && l.min > c.lo && l.min < c.hi) {
                w = NaiveWorstCase.valueAt(l.min, c.legs, c.opens, c.scale);
                if (w < expected) expected = w;
            }
            if ((l.pos < 0 || (sides >> (i + 128)) & 1 != 0) && l.max > c.lo && l.max < c.hi) {
                w = NaiveWorstCase.valueAt(l.max, c.legs, c.opens, c.scale);
                if (w < expected) expected = w;
            }
        }
        assertEq(WorstCase.minOverRange(c.lo, c.hi, c.legs, c.opens, c.scale), expected - longs);
    }
}
