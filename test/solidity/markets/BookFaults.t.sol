// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "../../../contracts/markets/libraries/MarketEvents.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";

/// @notice Issue 12, faults 6 and 7 of the bounded markets: a relayer's unsigned `maxLevels` cannot change a
/// signed order's outcome, and entries that are no longer live (cancelled) neither cut a taker short nor
/// leave phantom price levels in the book. Gas logged here is measured inside one test transaction (slots
/// touched earlier are warm); receipt gas of the same cases is in bench/gas.json (`market.take.dead63`,
/// `market.take.deadMax`).
contract BookFaultsTest is MarketsBase {
    uint256 internal rootId;
    address internal relayer = address(0xBEEF);
    address internal t4 = address(0x44);
    address internal griefer = address(0x6666);

    function setUp() public override {
        super.setUp();
        rootId = _root(0, 100);
        _fund(t1, 1000 * UNIT);
        _fund(t2, 1000 * UNIT);
        _fund(t3, 1000 * UNIT);
        _fund(t4, 1000 * UNIT);
        _fund(griefer, 1000 * UNIT);
    }

    // ---------------------------------------------------------------- fault 6: relayed orders

    /// The issue's case: a crossing GTC order relayed with maxLevels = 0 used to be marked 10 of 10 filled with
    /// nothing traded and nothing resting. Now the relay reverts and nothing is consumed; a relay with enough
    /// levels trades and rests the rest.
    function test_relayedOrder_cannotBeConsumedWithoutTrading() public {
        _place(t2, rootId, 1, 50, 4); // a bid the offer crosses
        Order memory o = _order(t1, rootId, 1, 40, -10);
        bytes memory sig = _sign(PK1, o);
        bytes32 digest = core.orderDigest(o);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(E.RelayedSweepBound.selector, digest, relayer, 0));
        core.place(o, sig, 0);
        assertEq(core.filledOf(o.trader, o.salt), 0, "nothing consumed");
        vm.prank(relayer);
        (uint256 key, uint256 traded) = core.place(o, sig, 99);
        assertEq(traded, 4);
        (uint256 rem, ) = adm.restingOrder(key);
        assertEq(rem, 6, "the remainder rests, as the trader signed");
        assertEq(core.filledOf(o.trader, o.salt), 10);
    }

    /// A relayer's maxLevels below the crossing levels reverts for GTC and IOC alike; a bound that is never
    /// reached changes nothing, and the trader's own submission still honours its own bound (its own choice).
    function test_reverts_relayedOrder_whenMaxLevelsStopsACrossingSweep() public {
        _place(t2, rootId, 1, 50, 1);
        _place(t2, rootId, 1, 49, 1);
        Order memory o = _order(t1, rootId, 1, 40, -3);
        o.orderType = 1; // IOC
        bytes memory sig = _sign(PK1, o);
        bytes32 digest = core.orderDigest(o);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(E.RelayedSweepBound.selector, digest, relayer, 1));
        core.place(o, sig, 1);
        // Two levels are all there is: a bound of 2 is never the reason the sweep stops.
        vm.prank(relayer);
        (, uint256 traded) = core.place(o, sig, 2);
        assertEq(traded, 2);
        // A non-crossing relayed order with maxLevels 0 rests whole: the bound never stops anything.
        Order memory p = _order(t1, rootId, 1, 60, -2);
        vm.prank(relayer);
        (uint256 key, ) = core.place(p, _sign(PK1, p), 0);
        (uint256 rem, ) = adm.restingOrder(key);
        assertEq(rem, 2);
        // The trader itself may bound its own sweep (documented: the remainder is dropped, reason 3).
        _place(t2, rootId, 1, 55, 1);
        _place(t2, rootId, 1, 54, 1);
        (uint256 k2, uint256 tr2) = _placeType(t3, rootId, 50, -2, 0, 1);
        assertEq(tr2, 1);
        (uint256 rem2, ) = adm.restingOrder(k2);
        assertEq(rem2, 0);
    }

    // ---------------------------------------------------------------- fault 7: dead entries and phantom levels

    /// Leaves `n` cancelled entries at the offer level `tick` in front of a live offer of `maker` for `qty`:
    /// t3's 1-lot offer goes first (so the cancels are not first in line), then a taker takes it, and the
    /// level's head stands on the first cancelled entry.
    function _deadEntriesInFront(uint8 tick, uint256 n, address maker, int64 qty) internal {
        _place(t3, rootId, 1, tick, -1);
        for (uint256 i; i < n; ++i) {
            (uint256 k, ) = _place(griefer, rootId, 1, tick, -1);
            vm.prank(griefer);
            core.cancel(k);
        }
        _place(maker, rootId, 1, tick, qty);
        _place(t2, rootId, 1, tick, 1); // takes t3's offer
        (uint32 head, uint32 tail, , uint32 live) = adm.level(rootId, 1, tick);
        assertEq(live, 1, "setup: one live order");
        assertEq(tail - head, n + 1, "setup: n dead entries in front of it");
    }

    /// Resting one more order on a level keeps its head (the dead entries in front stay where the sweep starts),
    /// takes the old tail as the new order's index, and counts it live; the side stays.
    function test_rest_keepsTheLevelsHead_andCountsTheNewOrder() public {
        _deadEntriesInFront(50, 3, t4, -1); // head on the first of 3 cancelled entries, t4's offer live behind
        (uint32 head, uint32 tail, bool isBid, uint32 live) = adm.level(rootId, 1, 50);
        assertGt(head, 0, "setup: the head has moved");
        (uint256 k, ) = _place(t1, rootId, 1, 50, -2);
        (uint32 head2, uint32 tail2, bool isBid2, uint32 live2) = adm.level(rootId, 1, 50);
        assertEq(head2, head, "head kept");
        assertEq(tail2, tail + 1, "one more entry");
        assertEq(live2, live + 1, "counted live");
        assertEq(isBid2, isBid, "still offers");
        assertFalse(isBid2);
        assertEq(k & type(uint32).max, tail, "the new order sits at the old tail");
    }

    /// The issue's case: 63 cancelled entries in front of one live offer. The victim's 100-lot bid used to
    /// trade 1 lot (63 dead + 1 live = MAX_TOUCH) and drop the rest. Cancelled entries no longer count
    /// against MAX_TOUCH: it trades all 100.
    function test_cancelledEntries_doNotCutTakerShort() public {
        _deadEntriesInFront(50, 63, t4, -1); // 63 cancelled entries, then t4's live 1-lot offer
        _place(t4, rootId, 1, 51, -200); // plenty behind at the next level
        vm.recordLogs();
        Order memory o = _order(t1, rootId, 1, 60, 100);
        vm.prank(t1);
        uint256 g = gasleft();
        (, uint256 traded) = core.place(o, "", 16);
        g -= gasleft();
        assertEq(traded, 100, "the whole bid trades");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != Ev.OrderReduced.selector, "nothing of the taker is dropped");
        }
        (uint32 head, uint32 tail, , uint32 live) = adm.level(rootId, 1, 50);
        assertEq(head, tail, "level emptied");
        assertEq(live, 0);
        (, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(ask, 51);
        emit log_named_uint("gas: 100-lot bid over 63 cancelled entries, 2 levels", g);
        assertLt(g, 600_000);
    }

    /// The issue's phantom level: A bids 2 at 50, C bids 3 at 50, C cancels, B offers 2 at 50 (fills A exactly).
    /// The level has no live order left, so it leaves the book at once: `bestPrices` shows no bid and B's
    /// post-only offer 1 at 50 rests instead of being refused with PostOnlyWouldCross.
    function test_phantomLevel_cancelledNonHeadThenExactFill_levelCleared() public {
        _place(t1, rootId, 1, 50, 2); // A
        (uint256 c, ) = _place(t3, rootId, 1, 50, 3); // C
        vm.prank(t3);
        core.cancel(c);
        (, uint256 traded) = _place(t2, rootId, 1, 50, -2); // B
        assertEq(traded, 2);
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0, "no phantom bid");
        assertEq(ask, 100);
        assertEq(core.bookBits(_marketId(rootId, 1)), 0, "no book bit without a live order");
        (uint32 head, uint32 tail, , uint32 live) = adm.level(rootId, 1, 50);
        assertEq(live, 0);
        assertEq(head, tail);
        (uint256 k, ) = _placeType(t2, rootId, 50, -1, 2, 16); // post-only offer 1 at 50
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 1, "post-only rests");
        (, ask) = adm.bestPrices(rootId, 1);
        assertEq(ask, 50);
    }

    /// The phantom level also ate a GTC taker's level budget: with maxLevels = 1 against a real bid at 45 behind
    /// the phantom at 50, the offer was dropped (reason 3). Now it trades at 45.
    function test_phantomLevel_doesNotConsumeTakerLevelBudget() public {
        _place(t1, rootId, 1, 50, 2);
        (uint256 c, ) = _place(t3, rootId, 1, 50, 3);
        vm.prank(t3);
        core.cancel(c);
        _place(t2, rootId, 1, 50, -2);
        _place(t4, rootId, 1, 45, 1); // the real best bid
        (uint256 k, uint256 traded) = _placeType(t2, rootId, 40, -1, 0, 1);
        assertEq(traded, 1, "trades against the real level");
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 0);
        assertEq(_pos(t4, rootId, 1), 1);
    }

    /// Cancelling the last live order of a level clears it at once, whatever dead entries it still lists,
    /// and a level's live count follows every fill, cancel and self-trade cancel.
    function test_liveCount_followsFillsCancelsAndSelfTrades() public {
        _place(t1, rootId, 1, 50, 1);
        (uint256 b, ) = _place(t2, rootId, 1, 50, 2);
        (uint256 c, ) = _place(t3, rootId, 1, 50, 3);
        (, , , uint32 live) = adm.level(rootId, 1, 50);
        assertEq(live, 3);
        vm.prank(t2);
        core.cancel(b); // middle: head stays on a
        (uint32 head, uint32 tail, , uint32 live2) = adm.level(rootId, 1, 50);
        assertEq(live2, 2);
        assertEq(head, 0);
        _place(t4, rootId, 1, 50, -1); // fills a: head moves to b (dead), c still live
        (head, tail, , live2) = adm.level(rootId, 1, 50);
        assertEq(live2, 1);
        (uint256 bid, ) = adm.bestPrices(rootId, 1);
        assertEq(bid, 50);
        // t3's own offer meets t3's resting bid: self-trade cancel takes the last live order away.
        (, uint256 traded) = _placeType(t3, rootId, 50, -1, 1, 16); // IOC: nothing of it rests
        assertEq(traded, 0);
        (head, tail, , live2) = adm.level(rootId, 1, 50);
        assertEq(live2, 0);
        assertEq(head, tail);
        (bid, ) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0);
        (uint256 remC, ) = adm.restingOrder(c);
        assertEq(remC, 0);
        // A cancel of the last live order behind dead entries also empties the level.
        (uint256 d, ) = _place(t1, rootId, 1, 30, 1);
        (uint256 e, ) = _place(t2, rootId, 1, 30, 1);
        vm.prank(t1);
        core.cancel(d); // head: advances to e
        vm.prank(t2);
        core.cancel(e);
        (head, tail, , live2) = adm.level(rootId, 1, 30);
        assertEq(live2, 0);
        assertEq(head, tail);
        assertEq(core.bookBits(_marketId(rootId, 1)) & (uint256(1) << 30), 0);
    }

    /// Dead entries are stepped over at most MAX_SKIP per call: past that the sweep stops and says so
    /// (reason 4, never silently), the head keeps its progress, and the retry trades.
    function test_skipBound_stopsWithReasonFour_andRetryTrades() public {
        uint256 maxSkip = core.MAX_SKIP();
        _deadEntriesInFront(50, maxSkip + 1, t4, -3);
        (uint32 head0, , , ) = adm.level(rootId, 1, 50);
        vm.recordLogs();
        Order memory o = _order(t1, rootId, 1, 60, 3);
        vm.prank(t1);
        uint256 g = gasleft();
        (, uint256 traded) = core.place(o, "", 16);
        g -= gasleft();
        assertEq(traded, 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != Ev.OrderReduced.selector) continue;
            (, uint64 q, uint8 reason, ) = abi.decode(logs[i].data, (address, uint64, uint8, bytes32));
            assertEq(reason, 4, "stopped by the skip bound, said so");
            assertEq(q, 3);
            seen = true;
        }
        assertTrue(seen, "the drop is reported");
        (uint32 head1, , , uint32 live) = adm.level(rootId, 1, 50);
        assertEq(head1 - head0, maxSkip, "the head kept its progress");
        assertEq(live, 1);
        emit log_named_uint("gas: sweep stepping over MAX_SKIP dead entries", g);
        assertLt(g, 1_600_000);
        (, traded) = _place(t1, rootId, 1, 60, 3);
        assertEq(traded, 3, "the retry trades");
    }

    function _marketId(uint256 id, uint256 branch) internal pure returns (uint256) {
        return (id << 16) | branch;
    }
}
