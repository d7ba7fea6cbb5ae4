// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {FeeMath} from "../../../../contracts/shared/fees/FeeMath.sol";
import {FeeMathHarness} from "./FeeMathHarness.sol";

/// @notice Fault class 20: fees are bounded, signed into the order, rounded down, and never make a payout
/// underflow.
contract FeeMathTest is Test {
    FeeMathHarness internal h;

    function setUp() public {
        h = new FeeMathHarness();
    }

    /// @dev Reference floor(amount * bps / 10_000) over 512 bits, independent of the library.
    function _refFeeDown(uint256 amount, uint256 bps) internal pure returns (uint256 q) {
        // amount * bps = hi * 2^256 + lo; with bps < 2^128 and amount < 2^256 the quotient fits in 256 bits
        // whenever hi < 10_000. Long division by 10_000 over the two words.
        uint256 lo;
        uint256 hi;
        unchecked {
            lo = amount * bps; // low word of the 512-bit product, wraps on purpose
            uint256 mm = mulmod(amount, bps, type(uint256).max);
            hi = mm - lo - (mm < lo ? 1 : 0);
        }
        require(hi < FeeMath.BPS, "reference overflow");
        // q = (hi * 2^256 + lo) / BPS, computed digit by digit in base 2^128 to stay within 256 bits.
        uint256 rem = hi;
        uint256 loHi = lo >> 128;
        uint256 loLo = lo & type(uint128).max;
        uint256 cur = (rem << 128) | loHi;
        uint256 qHi = cur / FeeMath.BPS;
        rem = cur % FeeMath.BPS;
        cur = (rem << 128) | loLo;
        uint256 qLo = cur / FeeMath.BPS;
        q = (qHi << 128) + qLo;
    }

    function test_constants() public pure {
        assertEq(FeeMath.BPS, 10_000);
        assertEq(FeeMath.MAX_FEE_BPS, 500);
    }

    function test_feeDown_examples() public view {
        assertEq(h.feeDown(0, 500), 0);
        assertEq(h.feeDown(1, 500), 0); // 0.05 rounds down to 0: favours the payer
        assertEq(h.feeDown(19, 500), 0);
        assertEq(h.feeDown(20, 500), 1);
        assertEq(h.feeDown(10_000, 1), 1);
        assertEq(h.feeDown(9_999, 1), 0);
        assertEq(h.feeDown(1e6, 30), 3_000);
        assertEq(h.feeDown(123_456_789, 0), 0);
    }

    function test_feeDown_doesNotOverflow_onHugeAmounts() public view {
        // 500 bps is exactly 1/20; amount * 500 would overflow 256 bits, the fee itself does not.
        assertEq(h.feeDown(type(uint256).max, 500), type(uint256).max / 20);
        assertEq(h.feeDown(type(uint256).max, 10_000), type(uint256).max);
        assertEq(
            h.feeDown(type(uint256).max / 3, 30),
            (type(uint256).max / 3 / 10_000) * 30 + (((type(uint256).max / 3) % 10_000) * 30) / 10_000
        );
    }

    function testFuzz_feeDown_matchesFloorReference(uint256 amount, uint256 bps) public view {
        bps = bound(bps, 0, FeeMath.BPS);
        assertEq(h.feeDown(amount, bps), _refFeeDown(amount, bps));
    }

    function testFuzz_feeDown_matchesFloorOnRealisticAmounts(uint128 amount, uint16 bps) public view {
        // On amounts where the product cannot overflow, the plain formula is the definition.
        assertEq(h.feeDown(amount, bps), (uint256(amount) * bps) / 10_000);
    }

    function testFuzz_feeDown_strictlyBelowAmount(uint256 amount, uint256 bps) public view {
        amount = bound(amount, 1, type(uint256).max);
        bps = bound(bps, 0, FeeMath.MAX_FEE_BPS);
        uint256 fee = h.feeDown(amount, bps);
        assertLt(fee, amount, "fee not strictly below the amount");
        // So a payout net of fee never underflows and never reaches zero from a non-zero amount.
        assertGt(amount - fee, 0);
    }

    function testFuzz_feeDown_monotonicInAmountAndRate(uint256 a, uint256 b, uint256 bps1, uint256 bps2) public view {
        bps1 = bound(bps1, 0, FeeMath.MAX_FEE_BPS);
        bps2 = bound(bps2, bps1, FeeMath.MAX_FEE_BPS);
        (a, b) = a <= b ? (a, b) : (b, a);
        assertLe(h.feeDown(a, bps1), h.feeDown(b, bps1));
        assertLe(h.feeDown(a, bps1), h.feeDown(a, bps2));
    }

    function testFuzz_feeDown_splitNeverPaysMoreAndLeaksUnderOneUnitPerPart(
        uint256[8] memory parts,
        uint256 bps,
        uint8 k
    ) public view {
        bps = bound(bps, 0, FeeMath.MAX_FEE_BPS);
        k = uint8(bound(k, 1, parts.length));
        uint256 total;
        uint256 sumOfFees;
        for (uint256 i = 0; i < k; ++i) {
            uint256 p = bound(parts[i], 0, type(uint256).max / 8);
            total += p;
            sumOfFees += h.feeDown(p, bps);
        }
        uint256 feeOfSum = h.feeDown(total, bps);
        assertLe(sumOfFees, feeOfSum, "split fills paid more fee than one fill");
        // Each part rounds down by less than one unit, so splitting saves the payer at most k - 1 units.
        assertLe(feeOfSum - sumOfFees, uint256(k) - 1, "split fills leaked more than k - 1 fee units");
    }

    function test_check_acceptsUpToCap() public view {
        h.check(0);
        h.check(1);
        h.check(FeeMath.MAX_FEE_BPS);
    }

    function test_check_reverts_whenAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(FeeMath.FeeTooHigh.selector, 501, 500));
        h.check(501);
    }

    function testFuzz_check(uint256 bps) public {
        if (bps > FeeMath.MAX_FEE_BPS) {
            vm.expectRevert(abi.encodeWithSelector(FeeMath.FeeTooHigh.selector, bps, FeeMath.MAX_FEE_BPS));
        }
        h.check(bps);
    }

    function test_checkSigned_reverts_whenVenueFeeAboveSigned() public {
        vm.expectRevert(abi.encodeWithSelector(FeeMath.FeeAboveSigned.selector, 31, 30));
        h.checkSigned(31, 30);
        vm.expectRevert(abi.encodeWithSelector(FeeMath.FeeAboveSigned.selector, 1, 0));
        h.checkSigned(1, 0);
        h.checkSigned(30, 30);
        h.checkSigned(0, 0);
        h.checkSigned(0, 500);
    }

    function testFuzz_checkSigned(uint256 venueBps, uint256 signedMaxBps) public {
        if (venueBps > signedMaxBps) {
            vm.expectRevert(abi.encodeWithSelector(FeeMath.FeeAboveSigned.selector, venueBps, signedMaxBps));
        }
        h.checkSigned(venueBps, signedMaxBps);
    }
}
