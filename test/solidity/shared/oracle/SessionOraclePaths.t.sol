// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingKind, FixingSpec} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {SessionOracle} from "../../../../contracts/sessions/SessionOracle.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";

/// @notice The SessionOracle adapter's own checks: one hint array per leg, and leg-by-leg spec decoding.
contract SessionOraclePathsTest is OracleFixingBase {
    SessionOracle internal oracle;
    MockAggregator internal feed2;
    bytes internal specs;

    function setUp() public override {
        super.setUp();
        oracle = new SessionOracle();
        feed2 = new MockAggregator(6, "BTC / USD");
        FixingSpec[] memory s = new FixingSpec[](2);
        s[0] = _firstAfter();
        s[1] = _spec(FixingKind.Twap, _one(address(feed2)));
        s[1].heartbeat = 7200;
        s[1].minAnswer = 5;
        specs = abi.encode(s);
    }

    function _hints(uint256 n) internal pure returns (uint80[][] memory hints) {
        hints = new uint80[][](n);
        for (uint256 k; k < n; ++k) hints[k] = new uint80[](2);
    }

    function test_fixAll_revertsHintsLength_whenHintArrayCountDiffersFromLegs() public {
        vm.expectRevert(abi.encodeWithSelector(SessionOracle.HintsLength.selector, uint256(2), uint256(1)));
        oracle.fixAll(specs, T0, _hints(1));
    }

    function test_fixMasked_revertsHintsLength_whenHintArrayCountDiffersFromLegs() public {
        // Even a leg skipped by the mask needs its (ignored) hint array: the count is checked first.
        vm.expectRevert(abi.encodeWithSelector(SessionOracle.HintsLength.selector, uint256(2), uint256(3)));
        oracle.fixMasked(specs, T0, _hints(3), 2);
    }

    function test_specAt_returnsLegSpec_andPanicsPastLastLeg() public {
        FixingSpec memory got = oracle.specAt(specs, 1);
        assertEq(uint8(got.kind), uint8(FixingKind.Twap));
        assertEq(got.feeds.length, 1);
        assertEq(got.feeds[0], address(feed2));
        assertEq(got.heartbeat, 7200);
        assertEq(got.twapWindow, WINDOW);
        assertEq(got.minAnswer, 5);
        got = oracle.specAt(specs, 0);
        assertEq(uint8(got.kind), uint8(FixingKind.FirstAfter));
        assertEq(got.feeds[0], address(feed));
        assertEq(got.heartbeat, HEARTBEAT);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", uint256(0x32)));
        oracle.specAt(specs, 2);
    }
}
