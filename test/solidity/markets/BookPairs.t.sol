// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {PackedPairsHarness} from "./PackedPairs.t.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "../../../contracts/markets/libraries/MarketEvents.sol";

/// @notice The book keeps two resting orders a slot and does not store who placed them: self-trade prevention
/// and `cancel` decide ownership from the trader's own order list. These cases put two traders' orders in one
/// slot and check that each check finds the right owner and that writing one order never touches the other.
contract BookPairsTest is MarketsBase {
    uint256 internal rootId;
    PackedPairsHarness internal layout; // same storage layout as the core (MarketStorage first): its slots

    function setUp() public override {
        super.setUp();
        rootId = _root(0, 100);
        _fund(t1, 1000 * UNIT);
        _fund(t2, 1000 * UNIT);
        _fund(t3, 1000 * UNIT);
        layout = new PackedPairsHarness();
    }

    function _pairWord(uint256 key) internal view returns (uint256) {
        (bytes32 slot, ) = layout.restingSlots(key);
        return uint256(vm.load(address(core), slot));
    }

    function _remaining(uint256 key) internal view returns (uint256 rem) {
        (rem, ) = adm.restingOrder(key);
    }

    /// The taker's own order in the second lane, another trader's in the first: the other's is filled, the own
    /// one cancelled as a self-trade (named with the taker), and the taker's remainder rests on the other side.
    function test_selfTrade_ownOrderInTheSecondLane_otherFilled() public {
        (uint256 k0, ) = _place(t1, rootId, 1, 50, 2);
        (uint256 k1, ) = _place(t2, rootId, 1, 50, 3);
        assertEq(k1, k0 + 1, "consecutive keys");
        assertEq(k0 & 1, 0, "the first order opens the pair");
        vm.recordLogs();
        (uint256 kOffer, uint256 traded) = _place(t2, rootId, 1, 50, -4);
        assertEq(traded, 2, "only the other trader's order trades");
        (uint256 rem0, uint256 unc0) = adm.restingOrder(k0);
        assertEq(rem0, 0);
        assertEq(unc0, 2, "t1's fill waits in its lane");
        (uint256 rem1, uint256 unc1) = adm.restingOrder(k1);
        assertEq(rem1, 0, "t2's own bid left the book");
        assertEq(unc1, 0);
        assertEq(_remaining(kOffer), 2, "the offer's remainder rests");
        _expectSelfTrade(vm.getRecordedLogs(), k1, t2, 3);
    }

    /// The same with the lanes the other way round: the own order first in line is cancelled, then the other
    /// trader's order behind it in the same slot is filled.
    function test_selfTrade_ownOrderInTheFirstLane_otherFilled() public {
        (uint256 k0, ) = _place(t2, rootId, 1, 50, 3);
        (uint256 k1, ) = _place(t1, rootId, 1, 50, 2);
        vm.recordLogs();
        (, uint256 traded) = _place(t2, rootId, 1, 50, -2);
        assertEq(traded, 2);
        assertEq(_remaining(k0), 0, "t2's own bid left the book");
        (uint256 rem1, uint256 unc1) = adm.restingOrder(k1);
        assertEq(rem1, 0);
        assertEq(unc1, 2, "t1 was filled");
        _expectSelfTrade(vm.getRecordedLogs(), k0, t2, 3);
        assertEq(_pos(t1, rootId, 1), 2);
        assertEq(_pos(t2, rootId, 1), -2);
    }

    /// A taker's own orders elsewhere (same side, or another market) are not met and stay as they were.
    function test_selfTrade_onlyOrdersOnTheSweptSideAndMarket() public {
        (uint256 own1, ) = _place(t2, rootId, 1, 70, -1); // t2's offer: the same side as its sell
        vm.prank(owner);
        uint16 sub = admin.createSub(rootId, 1, 10, 90);
        (uint256 own2, ) = _place(t2, rootId, sub, 50, 1); // t2's bid on another market
        (uint256 k, ) = _place(t1, rootId, 1, 50, 1);
        (, uint256 traded) = _place(t2, rootId, 1, 50, -1);
        assertEq(traded, 1);
        assertEq(_remaining(k), 0);
        assertEq(_remaining(own1), 1);
        assertEq(_remaining(own2), 1);
    }

    function _expectSelfTrade(Vm.Log[] memory logs, uint256 key, address trader, uint256 qty) internal pure {
        uint256 seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != Ev.OrderReduced.selector || uint256(logs[i].topics[2]) != key) continue;
            (address who, uint64 q, uint8 reason, ) = abi.decode(logs[i].data, (address, uint64, uint8, bytes32));
            assertEq(who, trader, "the reduction names the order's own trader");
            assertEq(q, qty);
            assertEq(reason, 1, "self-trade");
            ++seen;
        }
        assertEq(seen, 1, "one self-trade record");
    }

    /// Cancelling one order of a pair clears its lane alone; the slot is freed (zero) once both are gone.
    function test_cancel_clearsItsOwnLane_slotFreedWhenBothAreGone() public {
        (uint256 k0, ) = _place(t1, rootId, 1, 50, 2);
        (uint256 k1, ) = _place(t2, rootId, 1, 50, 3);
        assertEq(_pairWord(k0), 2 | (uint256(3) << 128), "both orders in one slot");
        vm.prank(t1);
        core.cancel(k0);
        assertEq(_pairWord(k0), uint256(3) << 128, "t2's lane untouched");
        assertEq(_remaining(k1), 3);
        vm.prank(t2);
        core.cancel(k1);
        assertEq(_pairWord(k0), 0, "slot freed");
    }

    /// Only the order's own trader may cancel it: a trader with eight open orders of its own (both of its order
    /// words in use) is refused another's; the owner cancels an order listed in its second word.
    function test_cancel_byOwnListOnly_bothOrderWords() public {
        uint256[] memory keys = new uint256[](8);
        for (uint256 i; i < 8; ++i) (keys[i], ) = _place(t1, rootId, 1, uint8(10 + i), 1);
        for (uint256 i; i < 8; ++i) _place(t2, rootId, 1, uint8(10 + i), 1); // t2's share t1's slots
        (, , , , uint64[] memory refs) = adm.traderRoot(t2, rootId);
        assertEq(refs.length, 8, "t2 uses both order words");
        for (uint256 i; i < 8; ++i) {
            vm.prank(t2);
            vm.expectRevert(abi.encodeWithSelector(E.NotYourOrder.selector, t2, keys[i]));
            core.cancel(keys[i]);
        }
        vm.prank(t3); // no list at all on the root
        vm.expectRevert(abi.encodeWithSelector(E.NotYourOrder.selector, t3, keys[6]));
        core.cancel(keys[6]);
        vm.prank(t1);
        core.cancel(keys[6]); // the seventh order: in t1's second order word
        assertEq(_remaining(keys[6]), 0);
        assertEq(_remaining(keys[6] + 1), 1, "t2's order in the same slot rests on");
    }

    /// A key on a root that does not exist names no order.
    function test_reverts_cancel_unknownRoot_noSuchOrder() public {
        uint256 key = (uint256(rootId + 7) << 56) | (uint256(1) << 40) | (uint256(50) << 32);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.NoSuchOrder.selector, key));
        core.cancel(key);
    }
}
