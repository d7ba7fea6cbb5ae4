// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";
import {OrderSigningBase} from "./OrderSigningBase.sol";

/// @notice Fault classes 17 (cancel and cancel-all by nonce floor) and 18 (expiry boundary, private taker,
/// maker acting for itself).
contract OrderSigningLifecycleTest is OrderSigningBase {
    // ---------------------------------------------------------------- 17. cancel

    function test_cancel_byMaker_marksCancelledAndEmits() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes32 d = venue.digestOf(o);
        vm.expectEmit(true, true, false, false, address(venue));
        emit OrderSigning.OrderCancelled(maker, d);
        vm.prank(maker);
        venue.cancel(o);
        assertEq(venue.filledOf(o.maker, o.salt), type(uint256).max);
    }

    function test_cancel_reverts_whenCallerNotMaker() public {
        OrderSigningHarness.Probe memory o = _order();
        address[3] memory others = [taker, stranger, address(venue)];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.prank(others[i]);
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotMaker.selector, others[i], maker));
            venue.cancel(o);
        }
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function testFuzz_cancel_reverts_whenCallerNotMaker(address caller) public {
        vm.assume(caller != maker);
        OrderSigningHarness.Probe memory o = _order();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotMaker.selector, caller, maker));
        venue.cancel(o);
    }

    function test_fill_reverts_whenOrderCancelled() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        vm.prank(maker);
        venue.cancel(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, d));
        _fill(o, sig, 1);
        // Not even the maker can fill it.
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, d));
        venue.fill(o, "", 1);
    }

    function test_cancel_afterPartialFill_stopsTheRest() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        assertEq(_fill(o, sig, 3e18), 3e18);
        vm.prank(maker);
        venue.cancel(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, d));
        _fill(o, sig, 1);
    }

    function test_cancel_reverts_whenAlreadyCancelled() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes32 d = venue.digestOf(o);
        vm.prank(maker);
        venue.cancel(o);
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, d));
        venue.cancel(o);
    }

    function test_cancel_onOneVenue_leavesOtherVenueUntouched() public {
        OrderSigningHarness.Probe memory o = _order();
        vm.prank(maker);
        venue.cancel(o);
        bytes memory sigOther = _sign(otherVenue, o, makerKey);
        vm.prank(taker);
        (uint256 got, ) = otherVenue.fill(o, sigOther, 1e18);
        assertEq(got, 1e18);
    }

    function test_raiseNonceFloor_killsEveryOlderOrder() public {
        uint256[4] memory nonces = [uint256(0), 1, 6, 7];
        OrderSigningHarness.Probe[4] memory os;
        bytes[4] memory sigs;
        for (uint256 i = 0; i < 4; ++i) {
            os[i] = _order();
            os[i].nonce = nonces[i];
            sigs[i] = _sign(os[i]);
        }
        vm.expectEmit(true, false, false, true, address(venue));
        emit OrderSigning.NonceFloorRaised(maker, 7);
        vm.prank(maker);
        venue.raiseNonceFloor(7);
        assertEq(venue.minNonce(maker), 7);
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceBelowFloor.selector, maker, nonces[i], 7));
            _fill(os[i], sigs[i], 1);
        }
        // The order at the floor survives.
        assertEq(_fill(os[3], sigs[3], 1), 1);
    }

    function test_raiseNonceFloor_touchesOnlyTheCaller() public {
        (address otherMaker, uint256 otherKey) = makeAddrAndKey("otherMaker");
        OrderSigningHarness.Probe memory o = _order(otherMaker, 10, 10);
        bytes memory sig = _sign(venue, o, otherKey);
        vm.prank(maker);
        venue.raiseNonceFloor(100);
        assertEq(venue.minNonce(otherMaker), 0);
        assertEq(_fill(o, sig, 1), 1);
    }

    function test_raiseNonceFloor_reverts_whenNotRising() public {
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceFloorNotRaised.selector, 0, 0));
        venue.raiseNonceFloor(0);
        vm.prank(maker);
        venue.raiseNonceFloor(5);
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceFloorNotRaised.selector, 5, 5));
        venue.raiseNonceFloor(5);
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceFloorNotRaised.selector, 5, 4));
        venue.raiseNonceFloor(4);
        assertEq(venue.minNonce(maker), 5);
    }

    function testFuzz_raiseNonceFloor_onlyRises(uint256 first, uint256 second) public {
        vm.assume(first > 0);
        vm.prank(maker);
        venue.raiseNonceFloor(first);
        vm.prank(maker);
        if (second <= first) {
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceFloorNotRaised.selector, first, second));
            venue.raiseNonceFloor(second);
            assertEq(venue.minNonce(maker), first);
        } else {
            venue.raiseNonceFloor(second);
            assertEq(venue.minNonce(maker), second);
        }
    }

    function testFuzz_nonceFloor_decidesLiveness(uint256 floor, uint256 nonce) public {
        vm.assume(floor > 0);
        OrderSigningHarness.Probe memory o = _order();
        o.nonce = nonce;
        bytes memory sig = _sign(o);
        vm.prank(maker);
        venue.raiseNonceFloor(floor);
        if (nonce < floor) {
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceBelowFloor.selector, maker, nonce, floor));
            _fill(o, sig, 1);
        } else {
            assertEq(_fill(o, sig, 1), 1);
        }
    }

    // ---------------------------------------------------------------- 18. expiry, private taker, self

    function test_fill_reverts_whenExpiryEqualsNow() public {
        OrderSigningHarness.Probe memory o = _order();
        o.expiry = block.timestamp;
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, block.timestamp));
        _fill(o, sig, 1);
    }

    function test_fill_succeeds_oneSecondBeforeExpiry_thenExpires() public {
        OrderSigningHarness.Probe memory o = _order();
        o.expiry = T0 + 60;
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        vm.warp(o.expiry - 1);
        assertEq(_fill(o, sig, 1), 1);
        vm.warp(o.expiry);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, o.expiry));
        _fill(o, sig, 1);
        vm.warp(o.expiry + 1);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, o.expiry + 1));
        _fill(o, sig, 1);
    }

    function testFuzz_expiry_boundary(uint64 expiry, uint64 nowTs) public {
        vm.warp(nowTs);
        OrderSigningHarness.Probe memory o = _order();
        o.expiry = expiry;
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        if (expiry <= nowTs) {
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, uint256(nowTs)));
            _fill(o, sig, 1);
        } else {
            assertEq(_fill(o, sig, 1), 1);
        }
    }

    function test_fill_privateTaker_onlyThatTaker() public {
        OrderSigningHarness.Probe memory o = _order();
        o.taker = taker;
        bytes memory sig = _sign(o);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotPrivateTaker.selector, stranger, taker));
        venue.fill(o, sig, 1);
        // The maker is not the named taker either: a private order binds the maker too.
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotPrivateTaker.selector, maker, taker));
        venue.fill(o, "", 1);
        assertEq(_fill(o, sig, 1), 1);
    }

    function testFuzz_fill_reverts_whenNotPrivateTaker(address caller) public {
        vm.assume(caller != taker);
        OrderSigningHarness.Probe memory o = _order();
        o.taker = taker;
        bytes memory sig = _sign(o);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotPrivateTaker.selector, caller, taker));
        venue.fill(o, sig, 1);
    }

    function test_fill_publicOrder_anyTaker() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        vm.prank(stranger);
        (uint256 a, ) = venue.fill(o, sig, 1);
        vm.prank(taker);
        (uint256 b, ) = venue.fill(o, sig, 1);
        assertEq(a + b, 2);
        assertEq(venue.filledOf(o.maker, o.salt), 2);
    }

    function test_fill_byMakerForItself_needsNoSignature() public {
        OrderSigningHarness.Probe memory o = _order();
        vm.prank(maker);
        (uint256 got, ) = venue.fill(o, "", 5);
        assertEq(got, 5);
        vm.prank(maker);
        (got, ) = venue.fill(o, "not a signature", 5);
        assertEq(got, 5);
    }

    function test_fill_byMakerForItself_stillChecksExpiryAndFloor() public {
        OrderSigningHarness.Probe memory o = _order();
        o.expiry = block.timestamp;
        bytes32 d = venue.digestOf(o);
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, block.timestamp));
        venue.fill(o, "", 1);
        o = _order();
        vm.prank(maker);
        venue.raiseNonceFloor(1);
        vm.prank(maker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceBelowFloor.selector, maker, 0, 1));
        venue.fill(o, "", 1);
    }

    function test_fill_byOtherCaller_needsTheSignature() public {
        OrderSigningHarness.Probe memory o = _order();
        vm.expectRevert(_badSig(venue, o));
        _fill(o, "", 1);
    }

    function test_checks_runInDocumentedOrder() public {
        // Expired, below the floor, wrong taker and unsigned at once: expiry is reported first...
        OrderSigningHarness.Probe memory o = _order();
        o.expiry = block.timestamp;
        o.taker = taker;
        vm.prank(maker);
        venue.raiseNonceFloor(1);
        bytes32 d = venue.digestOf(o);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderExpired.selector, d, o.expiry, block.timestamp));
        venue.fill(o, "", 1);
        // ...then the floor...
        o.expiry = block.timestamp + 1;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceBelowFloor.selector, maker, 0, 1));
        venue.fill(o, "", 1);
        // ...then the private taker, and the signature last.
        o.nonce = 1;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotPrivateTaker.selector, stranger, taker));
        venue.fill(o, "", 1);
        d = venue.digestOf(o);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, maker, d));
        venue.fill(o, "", 1);
    }
}
