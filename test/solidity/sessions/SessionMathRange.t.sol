// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {SessionMath} from "../../../contracts/sessions/SessionMath.sol";

/// @notice External window on {SessionMath.setHalf}, so a revert of the library is one call deeper than the test.
contract SetHalfCaller {
    function setHalf(uint256 word, uint256 half, int256 value) external pure returns (uint256) {
        return SessionMath.setHalf(word, half, value);
    }
}

/// @notice The range check of packed allocation halves: |value| <= MAX_AMOUNT (int128 max), both signs.
contract SessionMathRangeTest is Test {
    SetHalfCaller internal caller;

    function setUp() public {
        caller = new SetHalfCaller();
    }

    function test_setHalf_revertsAmountOutOfRange_whenValueAboveMaxAmount() public {
        int256 v = int256(SessionMath.MAX_AMOUNT) + 1;
        vm.expectRevert(abi.encodeWithSelector(SessionMath.AmountOutOfRange.selector, v));
        caller.setHalf(0, 1, v);
    }

    function test_setHalf_revertsAmountOutOfRange_whenValueBelowMinusMaxAmount() public {
        // -MAX_AMOUNT - 1 is int128's minimum: representable, but outside the symmetric range.
        int256 v = -int256(SessionMath.MAX_AMOUNT) - 1;
        vm.expectRevert(abi.encodeWithSelector(SessionMath.AmountOutOfRange.selector, v));
        caller.setHalf(0, 0, v);
    }

    function test_setHalf_acceptsTheRangeEnds() public view {
        int256 hi = int256(SessionMath.MAX_AMOUNT);
        uint256 w = caller.setHalf(0, 1, hi);
        assertEq(SessionMath.getHalf(w, 1), hi);
        w = caller.setHalf(w, 0, -hi);
        assertEq(SessionMath.getHalf(w, 0), -hi);
        assertEq(SessionMath.getHalf(w, 1), hi);
    }
}
