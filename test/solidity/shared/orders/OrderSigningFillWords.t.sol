// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";
import {OrderSigningBase} from "./OrderSigningBase.sol";

/// @notice Packed fill records: four 64-bit lanes a word per maker, keyed by salt. A lane never bleeds into its
/// neighbours, a reused salt shares one record (never more fill than one order), and makers never share words.
contract OrderSigningFillWordsTest is OrderSigningBase {
    function _at(
        address maker_,
        uint256 size,
        uint256 salt
    ) internal view returns (OrderSigningHarness.Probe memory o) {
        o = _order(maker_, size, size);
        o.salt = salt;
    }

    function test_neighbourLanes_areIndependent() public {
        OrderSigningHarness.Probe[4] memory os;
        bytes[4] memory sigs;
        for (uint256 i = 0; i < 4; ++i) {
            os[i] = _at(maker, 10 + i, 4 + i); // salts 4..7: one word, lanes 0..3
            sigs[i] = _sign(os[i]);
            _fill(os[i], sigs[i], 1 + i);
        }
        for (uint256 i = 0; i < 4; ++i) assertEq(venue.filledOf(maker, 4 + i), 1 + i, "lane lost its fill");
        vm.prank(maker);
        venue.cancel(os[1]);
        assertEq(venue.filledOf(maker, 5), type(uint256).max, "cancelled lane");
        assertEq(venue.filledOf(maker, 4), 1, "lane 0 touched by a cancel of lane 1");
        assertEq(venue.filledOf(maker, 6), 3, "lane 2 touched by a cancel of lane 1");
        assertEq(_fill(os[3], sigs[3], type(uint256).max), 13 - 4, "lane 3 no longer fills to its size");
        assertEq(venue.filledOf(maker, 7), 13);
        assertEq(venue.filledOf(maker, 8), 0, "the next word was written");
        bytes memory cancelled = abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, venue.digestOf(os[1]));
        vm.expectRevert(cancelled);
        _fill(os[1], sigs[1], 1);
    }

    function test_reusedSalt_sharesOneRecord() public {
        OrderSigningHarness.Probe memory a = _at(maker, 10, 9);
        OrderSigningHarness.Probe memory b = _at(maker, 10, 9);
        b.quote = 99; // another order, same salt
        assertTrue(venue.digestOf(a) != venue.digestOf(b));
        bytes memory sigA = _sign(a);
        assertEq(_fill(a, sigA, 6), 6);
        assertEq(_fill(b, _sign(b), type(uint256).max), 4, "a reused salt filled past one order's size");
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, venue.digestOf(a), 10, 10));
        _fill(a, sigA, 1);

        OrderSigningHarness.Probe memory c = _at(maker, 10, 10);
        OrderSigningHarness.Probe memory d = _at(maker, 20, 10);
        bytes memory sigD = _sign(d);
        bytes memory cancelled = abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, venue.digestOf(d));
        vm.prank(maker);
        venue.cancel(c);
        vm.expectRevert(cancelled);
        _fill(d, sigD, 1);
    }

    function test_otherMakerSameSalt_isIndependent() public {
        (address other, uint256 otherKey) = makeAddrAndKey("other maker");
        OrderSigningHarness.Probe memory mine = _at(maker, 10, 3);
        OrderSigningHarness.Probe memory theirs = _at(other, 10, 3);
        _fill(mine, _sign(mine), type(uint256).max);
        assertEq(venue.filledOf(other, 3), 0);
        assertEq(_fill(theirs, _sign(venue, theirs, otherKey), 7), 7);
        assertEq(venue.filledOf(maker, 3), 10);
        assertEq(venue.filledOf(other, 3), 7);
    }

    /// @dev Two orders in one word (salts s and s ^ k, k in 1..3) of random sizes, random fills and an optional
    /// cancel of the first: each lane reads back exactly its own history, at any salt (the top word included).
    function testFuzz_lanesNeverBleed(
        uint256 salt,
        uint8 k,
        uint64 sizeA,
        uint64 sizeB,
        uint64 wantA,
        uint64 wantB,
        bool cancelA
    ) public {
        uint256 saltB = salt ^ bound(k, 1, 3);
        sizeA = uint64(bound(sizeA, 1, type(uint64).max - 1));
        sizeB = uint64(bound(sizeB, 1, type(uint64).max - 1));
        OrderSigningHarness.Probe memory a = _at(maker, sizeA, salt);
        OrderSigningHarness.Probe memory b = _at(maker, sizeB, saltB);
        uint256 gotA = _fill(a, _sign(a), wantA);
        uint256 gotB = _fill(b, _sign(b), wantB);
        assertEq(gotA, wantA < sizeA ? wantA : sizeA);
        assertEq(gotB, wantB < sizeB ? wantB : sizeB);
        if (cancelA) {
            vm.prank(maker);
            venue.cancel(a);
        }
        assertEq(venue.filledOf(maker, salt), cancelA ? type(uint256).max : gotA, "lane A");
        assertEq(venue.filledOf(maker, saltB), gotB, "lane B");
        if (gotB < sizeB) assertEq(_fill(b, _sign(b), type(uint256).max), sizeB - gotB, "lane B lost its room");
        assertEq(venue.filledOf(maker, salt), cancelA ? type(uint256).max : gotA, "lane A after B filled");
    }
}
