// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {MockSequencerUptimeFeed} from "../../../../contracts/mocks/MockSequencerUptimeFeed.sol";
import {OracleFixingHarness} from "./OracleFixingHarness.sol";

/// @notice Shared set-up: one 8-decimal feed, a harness, and spec/hint builders.
abstract contract OracleFixingBase is Test {
    uint256 internal constant T0 = 1_700_000_000;
    uint32 internal constant HEARTBEAT = 3600;
    uint32 internal constant MAX_DELAY = 600;
    uint32 internal constant WINDOW = 1800;

    OracleFixingHarness internal h;
    MockAggregator internal feed;

    function setUp() public virtual {
        vm.warp(T0);
        h = new OracleFixingHarness();
        feed = new MockAggregator(8, "ETH / USD");
    }

    function _spec(FixingKind kind, address[] memory feeds) internal pure returns (FixingSpec memory s) {
        s.kind = kind;
        s.feeds = feeds;
        s.heartbeat = HEARTBEAT;
        s.maxDelay = MAX_DELAY;
        s.twapWindow = WINDOW;
    }

    function _one(address f) internal pure returns (address[] memory a) {
        a = new address[](1);
        a[0] = f;
    }

    function _firstAfter() internal view returns (FixingSpec memory) {
        return _spec(FixingKind.FirstAfter, _one(address(feed)));
    }

    function _twapSpec() internal view returns (FixingSpec memory) {
        return _spec(FixingKind.Twap, _one(address(feed)));
    }

    function _pair(uint80 round, uint80 prev) internal pure returns (uint80[] memory hints) {
        hints = new uint80[](2);
        hints[0] = round;
        hints[1] = prev;
    }

    function _id(uint256 phase, uint256 aggRound) internal pure returns (uint80) {
        return uint80((phase << 64) | aggRound);
    }

    function _expectErr(bytes memory err) internal {
        vm.expectRevert(err);
    }
}
