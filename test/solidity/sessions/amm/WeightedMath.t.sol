// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {WeightedMath} from "../../../../contracts/sessions/amm/WeightedMath.sol";
import {WeightedMathHarness} from "./WeightedMathHarness.sol";

/// @notice Fuzz tests of the weighted invariant math. Exact checks use weight pairs with an integer ratio r =
/// w_out / w_in in {1, 2, 3} (and the inverse), where V = x_in^{w_in} x_out^{w_out} is non-decreasing iff
/// x_in' * x_out'^r >= x_in * x_out^r (or x_in'^r * x_out' >= x_in^r * x_out), which is integer arithmetic.
contract WeightedMathTest is Test {
    uint256 internal constant WAD = 1e18;
    WeightedMathHarness internal h;

    function setUp() public {
        h = new WeightedMathHarness();
    }

    /// @dev (w_in, w_out, r, inHeavy): r is the integer ratio of the heavier weight to the lighter one.
    function _pair(uint256 sel) internal pure returns (uint256 wIn, uint256 wOut, uint256 r, bool inHeavy) {
        sel = sel % 5;
        if (sel == 0) return (5e17, 5e17, 1, false);
        if (sel == 1) return (333333333333333333, 666666666666666666, 2, false);
        if (sel == 2) return (666666666666666666, 333333333333333333, 2, true);
        if (sel == 3) return (25e16, 75e16, 3, false);
        return (75e16, 25e16, 3, true);
    }

    /// @dev x_in^a * x_out^b compared exactly: returns lhs >= rhs for (x1, y1) vs (x0, y0).
    function _notBelow(
        uint256 x1,
        uint256 y1,
        uint256 x0,
        uint256 y0,
        uint256 r,
        bool inHeavy
    ) internal pure returns (bool) {
        if (inHeavy) return x1 ** r * y1 >= x0 ** r * y0;
        return x1 * y1 ** r >= x0 * y0 ** r;
    }

    /// Exact-in: the invariant never decreases across the swap (rounding favours the pool).
    function testFuzz_outGivenIn_invariantNeverDecreases(
        uint256 sel,
        uint256 bIn,
        uint256 bOut,
        uint256 a
    ) public view {
        (uint256 wIn, uint256 wOut, uint256 r, bool inHeavy) = _pair(sel);
        bIn = bound(bIn, 1e3, 1e18);
        bOut = bound(bOut, 1e3, 1e18);
        a = bound(a, 1, bIn / 2);
        uint256 out = h.outGivenInDown(bIn, wIn, bOut, wOut, a);
        assertLt(out, bOut, "pool never pays its whole reserve");
        assertTrue(_notBelow(bIn + a, bOut - out, bIn, bOut, r, inHeavy), "invariant decreased");
    }

    /// Equal weights are the constant product, computed exactly: the pool pays the most (exact-in) and asks
    /// the least (exact-out) that keep x * y from falling; one unit more (less) would lower it.
    function testFuzz_equalWeights_exactAndTight(uint256 w, uint256 bIn, uint256 bOut, uint256 a) public view {
        w = bound(w, WeightedMath.MIN_WEIGHT, 99e16);
        bIn = bound(bIn, 1e3, 1e30);
        bOut = bound(bOut, 1e3, 1e30);
        a = bound(a, 1, bIn / 2);
        uint256 out = h.outGivenInDown(bIn, w, bOut, w, a);
        assertGe((bIn + a) * (bOut - out), bIn * bOut, "exact-in lowers x*y");
        assertLt((bIn + a) * (bOut - out - 1), bIn * bOut, "exact-in leaves a unit on the table");
        uint256 o = bound(a, 1, bOut / 2);
        uint256 cost = h.inGivenOutUp(bIn, w, bOut, w, o);
        assertGe((bIn + cost) * (bOut - o), bIn * bOut, "exact-out lowers x*y");
        assertLt((bIn + cost - 1) * (bOut - o), bIn * bOut, "exact-out asks a unit too many");
    }

    /// Exact-out: paying the quoted amount in never lowers the invariant.
    function testFuzz_inGivenOut_invariantNeverDecreases(
        uint256 sel,
        uint256 bIn,
        uint256 bOut,
        uint256 out
    ) public view {
        (uint256 wIn, uint256 wOut, uint256 r, bool inHeavy) = _pair(sel);
        bIn = bound(bIn, 1e3, 1e18);
        bOut = bound(bOut, 1e3, 1e18);
        out = bound(out, 1, bOut / 2);
        uint256 a = h.inGivenOutUp(bIn, wIn, bOut, wOut, out);
        assertGt(a, 0, "something out always costs something in");
        assertTrue(_notBelow(bIn + a, bOut - out, bIn, bOut, r, inHeavy), "invariant decreased");
    }

    /// Exact-in there, exact-out back: buying back the `a` units paid (on the moved state) costs at least the
    /// `out` units received, so the round trip never profits the trader (general weights).
    function testFuzz_roundTrip_exactInThenExactOut_neverProfits(
        uint256 wIn,
        uint256 bIn,
        uint256 bOut,
        uint256 a
    ) public view {
        wIn = bound(wIn, WeightedMath.MIN_WEIGHT, WAD - WeightedMath.MIN_WEIGHT);
        uint256 wOut = WAD - wIn;
        bIn = bound(bIn, 1e6, 1e30);
        bOut = bound(bOut, 1e6, 1e30);
        a = bound(a, 1, bIn / 2);
        uint256 out = h.outGivenInDown(bIn, wIn, bOut, wOut, a);
        vm.assume(out > 0);
        uint256 cost = h.inGivenOutUp(bOut - out, wOut, bIn + a, wIn, a);
        assertGe(cost, out, "bought back the input for less than the output");
    }

    /// Swapping there and back (exact-in both ways on the moved state) never returns more than was paid.
    function testFuzz_roundTrip_thereAndBack_neverProfits(
        uint256 wIn,
        uint256 bIn,
        uint256 bOut,
        uint256 a
    ) public view {
        wIn = bound(wIn, WeightedMath.MIN_WEIGHT, WAD - WeightedMath.MIN_WEIGHT);
        uint256 wOut = WAD - wIn;
        bIn = bound(bIn, 1e6, 1e30);
        bOut = bound(bOut, 1e6, 1e30);
        a = bound(a, 1, bIn / 2);
        uint256 out = h.outGivenInDown(bIn, wIn, bOut, wOut, a);
        vm.assume(out > 0 && out <= (bOut - out) / 2);
        uint256 back = h.outGivenInDown(bOut - out, wOut, bIn + a, wIn, out);
        assertLe(back, a, "round trip profited the trader");
    }

    /// The power bounds bracket solady's powWad and stay ordered.
    function testFuzz_powBounds_bracket(uint256 x, uint256 y) public view {
        x = bound(x, 5e17, 2e18);
        y = bound(y, 1e16, 99e18);
        uint256 up = h.powUp(x, y);
        uint256 down = h.powDown(x, y);
        assertGe(up, down, "powUp below powDown");
        assertGt(up, 0, "powUp is positive");
    }

    function test_reverts_whenAmountInBeyondMaxRatio() public {
        vm.expectRevert(abi.encodeWithSelector(WeightedMath.AmountInTooLarge.selector, 501, 500));
        h.outGivenInDown(1000, 5e17, 1000, 5e17, 501);
    }

    function test_reverts_whenAmountOutBeyondMaxRatio() public {
        vm.expectRevert(abi.encodeWithSelector(WeightedMath.AmountOutTooLarge.selector, 501, 500));
        h.inGivenOutUp(1000, 5e17, 1000, 5e17, 501);
    }

    /// Equal weights at a known state: out = 1000 * (1 - 1000/1100) = 90.9..., so 90 after rounding down.
    function test_outGivenIn_equalWeights_knownValue() public view {
        assertEq(h.outGivenInDown(1000e18, 5e17, 1000e18, 5e17, 100e18) / 1e14, 909090); // 90.9090 tokens
        assertLe(h.outGivenInDown(1000, 5e17, 1000, 5e17, 100), 90);
    }
}
