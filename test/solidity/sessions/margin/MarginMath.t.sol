// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {MarginMathHarness} from "./MarginMathHarness.sol";

/// @notice Fuzz tests of the margin arithmetic ({MarginStorage.risk} and {MarginStorage.unitValue}) through
/// {MarginMathHarness}: the stressed equity is the exact worst case of an independent brute force over every
/// scenario, and unit values are floor-rounded, monotone in price and scale, and zero for closed legs.
contract MarginMathTest is Test {
    uint256 internal constant BPS = 10_000;
    /// @dev Fuzzed magnitudes: |x_k| < 2^100 session units and p_k <= 1e40 keep every product (times BPS, summed
    /// over six legs) inside int256, as the contract's documented ranges do.
    uint256 internal constant MAX_X = 2 ** 100 - 1;
    uint256 internal constant MAX_P = 1e40;

    MarginMathHarness internal h;

    function setUp() public {
        h = new MarginMathHarness();
    }

    // ------------------------------------------------------------------ fixtures

    struct Case {
        int256[] x;
        uint256[] p;
        uint16[] shocks;
        uint256 mask;
        uint256 groupShock;
    }

    /// @dev A random account of 1 to 6 legs; `zeroSeed` zeroes some allocations and some unit values (closed legs).
    function _case(
        uint256 nSeed,
        int256[6] memory xs,
        uint256[6] memory ps,
        uint16[6] memory shocks,
        uint32 mask,
        uint16 groupShock,
        uint256 zeroSeed
    ) internal returns (Case memory c) {
        uint256 n = bound(nSeed, 1, 6);
        c.x = new int256[](n);
        c.p = new uint256[](n);
        c.shocks = new uint16[](n);
        for (uint256 k; k < n; ++k) {
            // Safe cast: bounded below 2^100.
            c.x[k] = (zeroSeed >> k) & 1 == 1 ? int256(0) : int256(bound(xs[k], -int256(MAX_X), int256(MAX_X)));
            c.p[k] = (zeroSeed >> (k + 8)) & 1 == 1 ? 0 : bound(ps[k], 0, MAX_P);
            // Narrowing cast: bounded by BPS.
            c.shocks[k] = uint16(bound(shocks[k], 0, BPS));
        }
        c.mask = mask;
        c.groupShock = bound(groupShock, 0, BPS);
        // Narrowing casts: the mask is a uint32 and the group shock is bounded by BPS.
        h.setStress(c.shocks, uint32(c.mask), uint16(c.groupShock));
    }

    /// @dev The worst scenario recomputed independently: every scenario's equity scaled by BPS exactly (each leg
    /// alone up and down by its shock; group A up and the rest down by the group shock, and the reverse), the
    /// minimum taken, then divided by BPS rounding up (the contract rounds each loss down, so the stressed equity
    /// is the exact minimum rounded up).
    function _bruteStressed(Case memory c) internal pure returns (int256 equity, uint256 gross, int256 stressed) {
        int256 a;
        int256 b;
        uint256 n = c.x.length;
        int256[] memory v = new int256[](n);
        for (uint256 k; k < n; ++k) {
            // Safe cast: p <= 1e40.
            v[k] = c.x[k] * int256(c.p[k]);
            equity += v[k];
            gross += v[k] >= 0 ? uint256(v[k]) : uint256(-v[k]);
            if ((c.mask >> k) & 1 == 1) a += v[k];
            else b += v[k];
        }
        int256 bps = int256(BPS);
        int256 base = equity * bps;
        int256 worst = base;
        for (uint256 k; k < n; ++k) {
            // Safe cast: shocks <= BPS.
            int256 d = v[k] * int256(uint256(c.shocks[k]));
            worst = _min(worst, _min(base + d, base - d));
        }
        // Safe cast: the group shock is <= BPS.
        int256 g = (a - b) * int256(c.groupShock);
        worst = _min(worst, _min(base + g, base - g));
        stressed = _ceilDiv(worst, bps);
    }

    function _min(int256 x, int256 y) internal pure returns (int256) {
        return x < y ? x : y;
    }

    /// @dev ceil(n / d) for d > 0 (Solidity division truncates toward zero, which is the ceiling for n < 0).
    function _ceilDiv(int256 n, int256 d) internal pure returns (int256) {
        if (n <= 0) return n / d;
        return (n + d - 1) / d;
    }

    function _abs(int256 v) internal pure returns (uint256) {
        return v >= 0 ? uint256(v) : uint256(-v);
    }

    // ------------------------------------------------------------------ risk

    /// The stressed equity is never above the equity, and the worst loss is at most the gross exposure.
    function testFuzz_stressedAtMostEquityAndAboveEquityMinusGross(
        uint256 nSeed,
        int256[6] memory xs,
        uint256[6] memory ps,
        uint16[6] memory shocks,
        uint32 mask,
        uint16 groupShock,
        uint256 zeroSeed
    ) public {
        Case memory c = _case(nSeed, xs, ps, shocks, mask, groupShock, zeroSeed);
        (int256 equity, int256 stressed, uint256 gross) = h.risk(c.x, c.p);
        assertLe(stressed, equity, "stressed <= equity");
        // Safe cast: gross < 2^240 with the fuzzed bounds.
        assertGe(stressed, equity - int256(gross), "worst loss <= gross");
    }

    /// The gross exposure bounds the equity: gross >= |equity|, and it is exactly sum |x_k p_k|.
    function testFuzz_grossAtLeastAbsEquity(
        uint256 nSeed,
        int256[6] memory xs,
        uint256[6] memory ps,
        uint16[6] memory shocks,
        uint32 mask,
        uint16 groupShock,
        uint256 zeroSeed
    ) public {
        Case memory c = _case(nSeed, xs, ps, shocks, mask, groupShock, zeroSeed);
        (int256 equity, , uint256 gross) = h.risk(c.x, c.p);
        assertGe(gross, _abs(equity), "gross >= |equity|");
        (int256 eq, uint256 gr, ) = _bruteStressed(c);
        assertEq(equity, eq, "equity == x.p");
        assertEq(gross, gr, "gross == sum |x_k p_k|");
    }

    /// The stressed equity equals the worst of every scenario, recomputed by brute force.
    function testFuzz_worstScenarioMatchesBruteForce(
        uint256 nSeed,
        int256[6] memory xs,
        uint256[6] memory ps,
        uint16[6] memory shocks,
        uint32 mask,
        uint16 groupShock,
        uint256 zeroSeed
    ) public {
        Case memory c = _case(nSeed, xs, ps, shocks, mask, groupShock, zeroSeed);
        (, int256 stressed, ) = h.risk(c.x, c.p);
        (, , int256 brute) = _bruteStressed(c);
        assertEq(stressed, brute, "stressed == min over scenarios");
    }

    /// A short-only and a long-only vector of the same size have the same stress loss (the scenarios come in
    /// up/down pairs, so the worst case is symmetric in the sign of the vector).
    function testFuzz_stressSymmetricInSign(
        uint256 nSeed,
        int256[6] memory xs,
        uint256[6] memory ps,
        uint16[6] memory shocks,
        uint32 mask,
        uint16 groupShock,
        uint256 zeroSeed
    ) public {
        Case memory c = _case(nSeed, xs, ps, shocks, mask, groupShock, zeroSeed);
        (int256 e1, int256 s1, uint256 g1) = h.risk(c.x, c.p);
        for (uint256 k; k < c.x.length; ++k) c.x[k] = -c.x[k];
        (int256 e2, int256 s2, uint256 g2) = h.risk(c.x, c.p);
        assertEq(e2, -e1, "equity flips");
        assertEq(g2, g1, "gross unchanged");
        assertEq(e1 - s1, e2 - s2, "same worst loss");
    }

    /// A worked example (docs): cash 1000 at 1, short 6 of leg 1 at 100, long 2 of leg 2 at 100; shocks 0/25%/25%,
    /// group A = {leg 1} at 10%: equity 600, gross 1,800, worst loss max(150, 50, 10% of |-600 - 1,200|) = 180.
    function test_riskWorkedExample() public {
        uint16[] memory s = new uint16[](3);
        (s[1], s[2]) = (2_500, 2_500);
        h.setStress(s, 1 << 1, 1_000);
        int256[] memory x = new int256[](3);
        (x[0], x[1], x[2]) = (1_000, -6, 2);
        uint256[] memory p = new uint256[](3);
        (p[0], p[1], p[2]) = (1, 100, 100);
        (int256 equity, int256 stressed, uint256 gross) = h.risk(x, p);
        assertEq(equity, 600);
        assertEq(gross, 1_800);
        assertEq(stressed, 420);
    }

    /// Shocks are packed 16 bits per leg over two words and read back unchanged for all 32 legs.
    function testFuzz_shockPackingRoundTrips(uint16[32] memory raw) public {
        uint16[] memory s = new uint16[](32);
        // Narrowing cast: bounded by BPS.
        for (uint256 k; k < 32; ++k) s[k] = uint16(bound(raw[k], 0, BPS));
        h.setStress(s, 0, 0);
        for (uint256 k; k < 32; ++k) assertEq(h.shockBps(k), s[k], "shock k");
    }

    // ------------------------------------------------------------------ unit values

    function _scale(uint256 num, uint256 den) internal pure returns (uint256, uint256) {
        return (bound(num, 1, type(uint64).max), bound(den, 1, type(uint64).max));
    }

    /// unitValue is price * 10^(18 - decimals) * num / den rounded down (checked by its defining inequality).
    function testFuzz_unitValueRoundsDown(uint256 price, uint8 decimals, uint256 num, uint256 den) public {
        price = bound(price, 0, 1e30);
        uint256 dec = bound(decimals, 0, 18);
        (num, den) = _scale(num, den);
        h.setScale(1, num, den);
        uint256 u = h.unitValue(1, price, dec);
        uint256 exact = price * 10 ** (18 - dec) * num;
        assertLe(u * den, exact, "floor: u * den <= exact");
        assertGt((u + 1) * den, exact, "floor: (u + 1) * den > exact");
    }

    /// Until a split, a session unit is one token unit: unitValue == price * 10^(18 - decimals).
    function testFuzz_unitValueDefaultScaleIsOne(uint256 k, uint256 price, uint8 decimals) public view {
        k = bound(k, 0, 31);
        price = bound(price, 0, 1e30);
        uint256 dec = bound(decimals, 0, 18);
        assertEq(h.unitValue(k, price, dec), price * 10 ** (18 - dec));
    }

    /// unitValue never decreases when the price rises.
    function testFuzz_unitValueMonotoneInPrice(
        uint256 p1,
        uint256 p2,
        uint8 decimals,
        uint256 num,
        uint256 den
    ) public {
        p1 = bound(p1, 0, 1e30);
        p2 = bound(p2, 0, 1e30);
        if (p1 > p2) (p1, p2) = (p2, p1);
        uint256 dec = bound(decimals, 0, 18);
        (num, den) = _scale(num, den);
        h.setScale(2, num, den);
        assertLe(h.unitValue(2, p1, dec), h.unitValue(2, p2, dec));
    }

    /// unitValue never decreases when the scale (token units per session unit) rises.
    function testFuzz_unitValueMonotoneInScale(
        uint256 price,
        uint8 decimals,
        uint256 n1,
        uint256 d1,
        uint256 n2,
        uint256 d2
    ) public {
        price = bound(price, 0, 1e30);
        uint256 dec = bound(decimals, 0, 18);
        (n1, d1) = _scale(n1, d1);
        (n2, d2) = _scale(n2, d2);
        if (n1 * d2 > n2 * d1) (n1, d1, n2, d2) = (n2, d2, n1, d1);
        h.setScale(0, n1, d1);
        uint256 lo = h.unitValue(0, price, dec);
        h.setScale(0, n2, d2);
        assertLe(lo, h.unitValue(0, price, dec));
    }

    /// A closed leg is worth nothing at any price and scale; the other legs are unaffected.
    function testFuzz_unitValueZeroForClosedLegs(uint256 k, uint256 closed, uint256 price, uint8 decimals) public {
        k = bound(k, 0, 31);
        price = bound(price, 0, 1e30);
        uint256 dec = bound(decimals, 0, 18);
        h.setScale(k, 3, 2);
        h.setClosed(closed);
        uint256 u = h.unitValue(k, price, dec);
        if ((closed >> k) & 1 == 1) assertEq(u, 0, "closed leg is worth 0");
        else assertEq(u, (price * 10 ** (18 - dec) * 3) / 2, "open leg keeps its value");
    }

    /// A worked example (docs): a 6-decimal token at 100 quote per whole token is worth 1e32 per token unit
    /// (1e-4 quote, 1e36 scale); after a 2-for-1 split a session unit is two token units, worth 2e32.
    function test_unitValueWorkedExample() public {
        assertEq(h.unitValue(0, 100e18, 6), 1e32);
        h.setScale(0, 2, 1);
        assertEq(h.unitValue(0, 100e18, 6), 2e32);
    }
}
