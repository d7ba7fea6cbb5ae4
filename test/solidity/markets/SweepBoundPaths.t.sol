// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {MarketEvents as Ev} from "../../../contracts/markets/libraries/MarketEvents.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";

/// @notice The contract's own sweep bound: a taker visits at most MAX_TOUCH (64) live resting orders per call.
/// When live orders it could still trade remain, the sweep stops with reason REASON_SWEEP_BOUND (3), the
/// remainder of a GTC taker is dropped (reported, never rested on a crossed book), and the book keeps what
/// was not touched.
contract SweepBoundPathsTest is MarketsBase {
    uint8 internal constant REASON_SWEEP_BOUND = 3;
    uint256 internal rootId;

    function setUp() public override {
        super.setUp();
        rootId = _root(0, 100);
        _fund(t1, 1000 * UNIT);
    }

    /// 9 makers with 8 one-lot offers each (MAX_OPEN_ORDERS per trader), at `tickOf(m, j)`.
    function _makers(bool oneLevel) internal {
        for (uint256 m; m < 9; ++m) {
            address maker = address(uint160(0x1000 + m));
            _fund(maker, 100 * UNIT);
            for (uint256 j; j < 8; ++j) _place(maker, rootId, 1, oneLevel ? 50 : uint8(10 + m * 8 + j), -1);
        }
    }

    /// Places t1's 100-lot GTC bid at `limit` and returns what it traded and the (qty, reason) of its drop.
    function _take(uint8 limit) internal returns (uint256 traded, uint64 dropped, uint8 reason, uint256 drops) {
        vm.recordLogs();
        Order memory o = _order(t1, rootId, 1, limit, 100);
        vm.prank(t1);
        (, traded) = core.place(o, "", 255);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != Ev.OrderReduced.selector) continue;
            address who;
            (who, dropped, reason, ) = abi.decode(logs[i].data, (address, uint64, uint8, bytes32));
            assertEq(who, t1, "only the taker's order is reduced");
            assertEq(uint256(logs[i].topics[2]), 0, "the taker's drop, not a resting order's");
            ++drops;
        }
    }

    /// 72 offers on 72 levels (ticks 10..81): the first 64 levels empty exactly at MAX_TOUCH, and the 65th
    /// level (tick 74) stops the sweep in `_match` before it is visited.
    function test_place_stopsWithSweepBound_whenMaxTouchReachedAcrossLevelsAndLiveLevelRemains() public {
        _makers(false);
        (uint256 traded, uint64 dropped, uint8 reason, uint256 drops) = _take(99);
        assertEq(traded, core.MAX_TOUCH(), "exactly MAX_TOUCH lots trade");
        assertEq(drops, 1);
        assertEq(reason, REASON_SWEEP_BOUND);
        assertEq(dropped, 100 - 64);
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0, "the stopped remainder does not rest");
        assertEq(ask, 74, "levels 74..81 untouched");
        (uint32 head, uint32 tail, , uint32 live) = adm.level(rootId, 1, 74);
        assertEq(live, 1);
        assertEq(tail - head, 1);
        assertEq(_pos(t1, rootId, 1), 64);
    }

    /// 72 one-lot offers at one level: the sweep stops inside the level at the 65th live order
    /// (`_sweepLevel`), then `_match` sees the level still live and stops with reason 3.
    function test_place_stopsWithSweepBound_whenLevelHoldsMoreThanMaxTouchLiveOrders() public {
        _makers(true);
        (uint32 head0, , , ) = adm.level(rootId, 1, 50);
        (uint256 traded, uint64 dropped, uint8 reason, uint256 drops) = _take(60);
        assertEq(traded, 64);
        assertEq(drops, 1);
        assertEq(reason, REASON_SWEEP_BOUND);
        assertEq(dropped, 36);
        (uint32 head, uint32 tail, , uint32 live) = adm.level(rootId, 1, 50);
        assertEq(live, 8, "the 9th maker's 8 offers stay");
        assertEq(head - head0, 64, "the head moved past the 64 filled offers");
        assertEq(tail - head, 8);
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0, "the stopped remainder does not rest");
        assertEq(ask, 50);
        // A second call trades the rest of the level.
        (, uint256 traded2) = _place(t1, rootId, 1, 60, 8);
        assertEq(traded2, 8);
        assertEq(_pos(t1, rootId, 1), 72);
    }
}
