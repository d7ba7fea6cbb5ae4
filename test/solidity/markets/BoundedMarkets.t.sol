// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {OrderSigning} from "../../../contracts/shared/orders/OrderSigning.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";

/// @notice Seed worked examples (perfect match, better-price match, chaining, partial fills, reductions), matching
/// rules, cancels, the collateral check, and every revert path of the order and collateral functions.
contract BoundedMarketsTest is MarketsBase {
    uint256 internal rootId;

    function setUp() public override {
        super.setUp();
        rootId = _root(0, 100);
        _fund(t1, 100 * UNIT);
        _fund(t2, 100 * UNIT);
        _fund(t3, 100 * UNIT);
    }

    // ---------------------------------------------------------------- seed examples

    function test_seed_perfectMatch() public {
        _place(t1, rootId, 1, 50, 10);
        (, uint256 traded) = _place(t2, rootId, 1, 50, -10);
        assertEq(traded, 10);
        assertEq(_pos(t1, rootId, 1), 10);
        assertEq(_pos(t2, rootId, 1), -10);
        assertEq(_cash(t2), int256(100 * UNIT + 5 * UNIT));
        core.sync(rootId); // no-op for the caller; t1 syncs below
        vm.prank(t1);
        core.sync(rootId);
        assertEq(_cash(t1), int256(100 * UNIT - 5 * UNIT));
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0);
        assertEq(ask, 100);
    }

    function test_seed_betterPriceMatch_tradesAtRestingPrice() public {
        _place(t1, rootId, 1, 50, 10);
        _place(t2, rootId, 1, 40, -10); // offers at 0.4 into a resting 0.5 bid: trades at 0.5
        assertEq(_cash(t2), int256(100 * UNIT + 5 * UNIT));
        vm.prank(t1);
        core.sync(rootId);
        assertEq(_cash(t1), int256(100 * UNIT - 5 * UNIT));
    }

    function test_seed_chainingToPreviousRecord() public {
        bytes32 h0 = _head(rootId);
        assertEq(h0, bytes32(0));
        Order memory a = _order(t1, rootId, 1, 50, 1);
        vm.prank(t1);
        (uint256 keyA, ) = core.place(a, "", 16);
        bytes32 h1 = keccak256(abi.encode(h0, uint8(1), core.orderDigest(a), keyA));
        assertEq(_head(rootId), h1);
        Order memory b = _order(t2, rootId, 1, 40, -1);
        vm.prank(t2);
        (uint256 keyB, ) = core.place(b, "", 16);
        bytes32 db = core.orderDigest(b);
        bytes32 h2 = keccak256(abi.encode(h1, uint8(1), db, keyB));
        bytes32 h3 = keccak256(abi.encode(h2, uint8(2), keyA, db, uint256(50), uint256(1)));
        assertEq(_head(rootId), h3);
        // Trader 3's offers chain to the last record (the match), then to each other.
        Order memory c = _order(t3, rootId, 1, 70, -1);
        vm.prank(t3);
        (uint256 keyC, ) = core.place(c, "", 16);
        bytes32 h4 = keccak256(abi.encode(h3, uint8(1), core.orderDigest(c), keyC));
        assertEq(_head(rootId), h4);
        Order memory d = _order(t3, rootId, 1, 80, -1);
        vm.prank(t3);
        (uint256 keyD, ) = core.place(d, "", 16);
        assertEq(_head(rootId), keccak256(abi.encode(h4, uint8(1), core.orderDigest(d), keyD)));
    }

    function test_seed_partialFills_remainderRests() public {
        (uint256 key, ) = _place(t1, rootId, 1, 50, 10);
        _place(t2, rootId, 1, 50, -4);
        (uint256 remaining, uint256 unclaimed) = adm.restingOrder(key);
        assertEq(remaining, 6);
        assertEq(unclaimed, 4);
        (, uint256 traded) = _place(t3, rootId, 1, 45, -6);
        assertEq(traded, 6);
        (remaining, unclaimed) = adm.restingOrder(key);
        assertEq(remaining, 0);
        assertEq(_pos(t1, rootId, 1), 10);
        assertEq(_cash(t3), int256(100 * UNIT + 3 * UNIT)); // 6 at 0.5
        // The incoming order's remainder rests when it outsizes the book.
        (uint256 k2, uint256 tr2) = _place(t2, rootId, 1, 60, 5);
        assertEq(tr2, 0);
        (remaining, ) = adm.restingOrder(k2);
        assertEq(remaining, 5);
    }

    function test_seed_reduction_cancelChains_andReleasesAtTheNextRefresh() public {
        (uint256 key, ) = _place(t1, rootId, 1, 50, 10);
        int256 lockedWorst = _sumWorst(t1);
        assertLt(lockedWorst, 0);
        bytes32 h = _head(rootId);
        vm.prank(t1);
        core.cancel(key);
        assertEq(_head(rootId), keccak256(abi.encode(h, uint8(3), key, bytes32(0), uint256(10), uint8(0))));
        // Out of the book at once; nothing was filled, so the record is gone too.
        (uint256 remaining, uint256 unclaimed) = adm.restingOrder(key);
        assertEq(remaining, 0);
        assertEq(unclaimed, 0);
        (uint256 bid, ) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0);
        // The stored worst case is left as it was (conservative); the preview already counts the cancel.
        assertEq(_sumWorst(t1), lockedWorst);
        (int256 worstNow, ) = adm.previewWorst(t1, rootId);
        assertEq(worstNow, 0);
        vm.prank(t1);
        core.sync(rootId);
        assertEq(_sumWorst(t1), 0);
        (, , , , uint64[] memory refs) = adm.traderRoot(t1, rootId);
        assertEq(refs.length, 0, "the refresh drops the cancelled order from the trader's list");
    }

    function test_cancel_keepsUnclaimedFillsForTheRefreshToCredit() public {
        (uint256 key, ) = _place(t1, rootId, 1, 50, 10);
        _place(t2, rootId, 1, 50, -4); // fills 4 of t1's bid; t1 is credited lazily
        vm.prank(t1);
        core.cancel(key);
        (uint256 remaining, uint256 unclaimed) = adm.restingOrder(key);
        assertEq(remaining, 0);
        assertEq(unclaimed, 4);
        assertEq(_pos(t1, rootId, 1), 4); // the view counts the uncredited fill
        vm.prank(t1);
        core.sync(rootId);
        assertEq(_cash(t1), int256(100 * UNIT - 2 * UNIT));
        (remaining, unclaimed) = adm.restingOrder(key);
        assertEq(remaining, 0, "credited, then dropped");
        assertEq(unclaimed, 0);
        assertEq(_pos(t1, rootId, 1), 4);
        (int256 worstNow, ) = adm.previewWorst(t1, rootId);
        (int256 stored, , , , ) = adm.traderRoot(t1, rootId);
        assertEq(stored, worstNow);
    }

    function test_cancel_withdrawReleasesAtOnce() public {
        address t4 = address(0x44);
        _fund(t4, 5 * UNIT + 10); // exactly what a bid of 10 at 0.5 locks (with the rounding unit per contract)
        (uint256 key, ) = _place(t4, rootId, 1, 50, 10);
        vm.prank(t4);
        core.cancel(key);
        vm.prank(t4);
        core.withdraw(IERC20(address(usdc)), 5 * UNIT + 10, t4); // recomputes the root first
        assertEq(_cash(t4), 0);
        assertEq(_sumWorst(t4), 0);
    }

    function test_cancel_otherRootCountsTheReleaseAfterASync() public {
        uint256 root2 = _root(0, 100);
        address t4 = address(0x44);
        _fund(t4, 5 * UNIT + 10);
        (uint256 key, ) = _place(t4, rootId, 1, 50, 10);
        vm.prank(t4);
        core.cancel(key);
        // The account's stored sum still holds the cancelled bid until root 1 is refreshed.
        Order memory o = _order(t4, root2, 1, 50, 10);
        vm.prank(t4);
        vm.expectRevert(
            abi.encodeWithSelector(
                E.InsufficientCollateral.selector,
                t4,
                address(usdc),
                int256(5 * UNIT + 10),
                -int256(2 * (5 * UNIT + 10)),
                int256(5 * UNIT + 10)
            )
        );
        core.place(o, "", 16);
        vm.prank(t4);
        core.sync(rootId);
        vm.prank(t4);
        core.place(o, "", 16);
        assertEq(_sumWorst(t4), -int256(5 * UNIT + 10));
    }

    // ---------------------------------------------------------------- matching rules

    function test_priceTimePriority() public {
        (uint256 kA, ) = _place(t1, rootId, 1, 50, 3);
        (uint256 kB, ) = _place(t2, rootId, 1, 50, 3);
        (uint256 kC, ) = _place(t2, rootId, 1, 55, 2);
        _place(t3, rootId, 1, 50, -4); // best price first (55), then oldest at 50 (A)
        (uint256 remC, ) = adm.restingOrder(kC);
        (uint256 remA, ) = adm.restingOrder(kA);
        (uint256 remB, ) = adm.restingOrder(kB);
        assertEq(remC, 0);
        assertEq(remA, 1);
        assertEq(remB, 3);
        assertEq(_cash(t3), int256(100 * UNIT + 2 * 550_000 + 2 * 500_000));
    }

    function test_selfTrade_cancelsRestingOwnOrder_bookNotCrossed() public {
        (uint256 own, ) = _place(t1, rootId, 1, 50, 5);
        (uint256 k, uint256 traded) = _place(t1, rootId, 1, 40, -3);
        assertEq(traded, 0);
        (uint256 remOwn, ) = adm.restingOrder(own);
        assertEq(remOwn, 0);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 3);
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 0);
        assertEq(ask, 40);
    }

    function test_ioc_remainderReduced() public {
        _place(t1, rootId, 1, 50, 2);
        (uint256 k, uint256 traded) = _placeType(t2, rootId, 50, -5, 1, 16);
        assertEq(traded, 2);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 0);
        (, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(ask, 100);
    }

    function test_postOnly_restsWhenNotCrossing() public {
        (uint256 k, ) = _placeType(t1, rootId, 50, 2, 2, 16);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 2);
    }

    function test_reverts_postOnlyWouldCross() public {
        _place(t1, rootId, 1, 50, 2);
        Order memory o = _order(t2, rootId, 1, 50, -1);
        o.orderType = 2;
        vm.prank(t2);
        vm.expectRevert(abi.encodeWithSelector(E.PostOnlyWouldCross.selector, 50, 50));
        core.place(o, "", 16);
    }

    function test_sweep_maxLevelsBound_dropsRemainder() public {
        _place(t1, rootId, 1, 50, 1);
        _place(t1, rootId, 1, 49, 1);
        _place(t1, rootId, 1, 48, 1);
        (uint256 k, uint256 traded) = _placeType(t2, rootId, 40, -3, 0, 2);
        assertEq(traded, 2);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 0); // would have crossed the 48 bid: dropped, not rested
        (uint256 bid, uint256 ask) = adm.bestPrices(rootId, 1);
        assertEq(bid, 48);
        assertEq(ask, 100);
    }

    function test_sweep_manyLevels() public {
        for (uint8 i; i < 5; ++i) _place(t1, rootId, 1, 50 - i, 1);
        (, uint256 traded) = _place(t2, rootId, 1, 1, -5);
        assertEq(traded, 5);
        assertEq(_cash(t2), int256(100 * UNIT + (50 + 49 + 48 + 47 + 46) * uint256(SCALE)));
    }

    // ---------------------------------------------------------------- signatures and replay

    function test_relayerPlacesSignedOrder() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        bytes memory sig = _sign(PK1, o);
        vm.prank(address(0xBEEF));
        (uint256 k, ) = core.place(o, sig, 16);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 2);
        // The book does not store the trader; the trader's own list holds the order.
        (, , , , uint64[] memory refs) = adm.traderRoot(t1, rootId);
        assertEq(refs.length, 1, "the order is the trader's");
        assertEq(uint256(refs[0] & type(uint32).max), k & type(uint32).max, "its level index");
    }

    function test_reverts_badSignature() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        bytes memory sig = _sign(PK2, o);
        vm.prank(address(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, t1, core.orderDigest(o)));
        core.place(o, sig, 16);
    }

    /// One fill record per trader and salt: another order of the trader with an accepted salt never enters the
    /// book, whatever its quantity; the same salt of another trader is another record; a cancelled salt is dead.
    function test_reverts_otherOrderWithAnAcceptedSalt() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        core.place(o, _sign(PK1, o), 16);
        int64[2] memory qtys = [int64(5), int64(1)];
        for (uint256 i = 0; i < 2; ++i) {
            Order memory twin = _order(t1, rootId, 1, 40, qtys[i]);
            twin.salt = o.salt;
            bytes memory sig = _sign(PK1, twin);
            bytes memory err = abi.encodeWithSelector(
                OrderSigning.OrderFullyFilled.selector,
                core.orderDigest(twin),
                2,
                uint64(qtys[i])
            );
            vm.expectRevert(err);
            core.place(twin, sig, 16);
        }
        Order memory theirs = _order(t2, rootId, 1, 40, 1);
        theirs.salt = o.salt;
        core.place(theirs, _sign(PK2, theirs), 16);
        assertEq(core.filledOf(t2, o.salt), 1);

        Order memory unsent = _order(t1, rootId, 1, 45, 1);
        vm.prank(t1);
        core.cancelSigned(unsent);
        Order memory sameSalt = _order(t1, rootId, 1, 45, 3);
        sameSalt.salt = unsent.salt;
        bytes memory sig2 = _sign(PK1, sameSalt);
        bytes memory cancelled = abi.encodeWithSelector(
            OrderSigning.OrderIsCancelled.selector,
            core.orderDigest(sameSalt)
        );
        vm.expectRevert(cancelled);
        core.place(sameSalt, sig2, 16);
    }

    function test_reverts_replayOfPlacedOrder() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        bytes memory sig = _sign(PK1, o);
        core.place(o, sig, 16);
        bytes32 d = core.orderDigest(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, 2, 2));
        core.place(o, sig, 16);
    }

    function test_reverts_cancelledCacheOrder() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        bytes memory sig = _sign(PK1, o);
        vm.prank(t1);
        core.cancelSigned(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderIsCancelled.selector, core.orderDigest(o)));
        core.place(o, sig, 16);
    }

    function test_reverts_cancelSignedByOther() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        vm.prank(t2);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotMaker.selector, t2, t1));
        core.cancelSigned(o);
    }

    function test_reverts_nonceBelowFloor() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        bytes memory sig = _sign(PK1, o);
        vm.prank(t1);
        core.raiseNonceFloor(1);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NonceBelowFloor.selector, t1, 0, 1));
        core.place(o, sig, 16);
    }

    function test_reverts_orderExpired() public {
        Order memory o = _order(t1, rootId, 1, 50, 2);
        o.expiry = uint64(block.timestamp);
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OrderSigning.OrderExpired.selector,
                core.orderDigest(o),
                block.timestamp,
                block.timestamp
            )
        );
        core.place(o, "", 16);
    }

    function test_unsignedCacheOrder_costsNoCollateral() public {
        Order memory o = _order(t1, rootId, 1, 50, 100);
        _sign(PK1, o); // signed, not submitted
        assertEq(_sumWorst(t1), 0);
        vm.prank(t1);
        core.withdraw(IERC20(address(usdc)), 100 * UNIT, t1);
        assertEq(usdc.balanceOf(t1), 100 * UNIT);
    }

    // ---------------------------------------------------------------- order validation reverts

    function test_reverts_badTick() public {
        Order memory o = _order(t1, rootId, 1, 0, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadTick.selector, 0, 100));
        core.place(o, "", 16);
        o.tick = 100;
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadTick.selector, 100, 100));
        core.place(o, "", 16);
    }

    function test_reverts_badQuantity() public {
        Order memory o = _order(t1, rootId, 1, 50, 0);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadQuantity.selector, int256(0)));
        core.place(o, "", 16);
        o.quantity = int64(uint64(type(uint48).max) + 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadQuantity.selector, int256(o.quantity)));
        core.place(o, "", 16);
    }

    function test_reverts_badOrderType() public {
        Order memory o = _order(t1, rootId, 1, 50, 1);
        o.orderType = 3;
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadOrderType.selector, 3));
        core.place(o, "", 16);
    }

    /// An order word with bits outside its field's type is refused, as Solidity's own decoder refuses it, by
    /// place, cancelSigned and orderDigest alike (the struct hash reads the words as they stand): an order
    /// has exactly one digest. Nothing is recorded; the clean order then places.
    function test_reverts_dirtyOrderWord_inEveryNarrowField() public {
        Order memory o = _order(t1, rootId, 1, 50, 5);
        // word index in the order (a static struct is encoded in place, right after the selector) and a bit
        // just above the field's type: rootId, branchId, tick, quantity (int64: not sign-extended), orderType,
        // expiry, trader
        uint256[7] memory words = [uint256(0), 1, 2, 3, 4, 5, 8];
        uint256[7] memory dirt = [uint256(1) << 64, 1 << 16, 1 << 8, 1 << 64, 1 << 8, 1 << 64, 1 << 160];
        bytes[3] memory calls = [
            abi.encodeCall(core.place, (o, "", 16)),
            abi.encodeCall(core.cancelSigned, (o)),
            abi.encodeCall(core.orderDigest, (o))
        ];
        for (uint256 c; c < calls.length; ++c) {
            for (uint256 i; i < words.length; ++i) {
                vm.prank(t1);
                (bool ok, bytes memory ret) = address(core).call(_orWord(calls[c], words[i], dirt[i]));
                assertFalse(ok, "a dirty order word must revert");
                // refused by the encoding check (no reason), before any check that reads the field
                assertEq(ret.length, 0, "the encoding check refuses it first");
            }
        }
        // a negative quantity whose upper bits are not all ones
        Order memory offer = _order(t1, rootId, 1, 50, -5);
        vm.prank(t1);
        (bool okOffer, bytes memory retOffer) = address(core).call(
            _andWord(abi.encodeCall(core.place, (offer, "", 16)), 3, ~(uint256(1) << 100))
        );
        assertFalse(okOffer, "a quantity word that is not a sign-extended int64 must revert");
        assertEq(retOffer.length, 0, "the encoding check refuses it first");
        assertEq(core.filledOf(t1, o.salt), 0);
        assertEq(core.filledOf(t1, offer.salt), 0);
        vm.prank(t1);
        (bool clean, ) = address(core).call(calls[0]);
        assertTrue(clean, "the clean order places");
        assertEq(core.filledOf(t1, o.salt), 5);
    }

    function _orWord(bytes memory data, uint256 word, uint256 bits) internal pure returns (bytes memory out) {
        out = bytes.concat(data);
        assembly ("memory-safe") {
            let p := add(add(out, 0x24), shl(5, word))
            mstore(p, or(mload(p), bits))
        }
    }

    function _andWord(bytes memory data, uint256 word, uint256 mask) internal pure returns (bytes memory out) {
        out = bytes.concat(data);
        assembly ("memory-safe") {
            let p := add(add(out, 0x24), shl(5, word))
            mstore(p, and(mload(p), mask))
        }
    }

    function test_reverts_unknownMarketAndRoot() public {
        Order memory o = _order(t1, rootId, 7, 50, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.UnknownMarket.selector, rootId, 7));
        core.place(o, "", 16);
        o = _order(t1, 99, 1, 50, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.UnknownRoot.selector, 99));
        core.place(o, "", 16);
    }

    function test_reverts_tradingClosedAtExpiry() public {
        uint64 expiry = adm.root(rootId).expiry;
        vm.warp(expiry);
        Order memory o = _order(t1, rootId, 1, 50, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TradingClosed.selector, rootId, expiry, expiry));
        core.place(o, "", 16);
    }

    function test_reverts_tooManyOpenOrders() public {
        for (uint8 i; i < 8; ++i) _place(t1, rootId, 1, 10 + i, 1);
        Order memory o = _order(t1, rootId, 1, 30, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyOpenOrders.selector, t1, rootId, 8));
        core.place(o, "", 16);
    }

    function test_reverts_tooManyMarkets() public {
        for (uint16 i; i < 8; ++i) {
            vm.prank(owner);
            admin.createSub(rootId, 1, int128(int16(i)), 100);
        }
        _place(t1, rootId, 1, 10, 1);
        for (uint16 b = 2; b <= 8; ++b) _place(t1, rootId, b, 10, 1);
        Order memory o = _order(t1, rootId, 9, 10, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyMarkets.selector, t1, rootId, 8));
        core.place(o, "", 16);
    }

    /// @notice Positions live in 64-bit lanes from the header's top lane on (slot 0 in the header, 1-4 and 5-7
    /// in the two position words): every slot reads back as traded, signs included, across the lane and word
    /// boundaries and after a market in the middle is closed and the later slots move down.
    function testFuzz_positions_everySlot_roundTrip(uint256 seed) public {
        for (uint16 i; i < 7; ++i) {
            vm.prank(owner);
            admin.createSub(rootId, 1, int128(int16(i)), 100);
        }
        int64[9] memory q;
        for (uint16 b = 1; b <= 8; ++b) {
            q[b] = int64(int256(uint256(keccak256(abi.encode(seed, b))) % 20)) - 10; // -10..9
            if (q[b] >= 0) q[b] += 1; // never zero: every market is held
            _place(t1, rootId, b, 50, q[b]); // rests: t1 is the maker, credited at its next refresh
            _place(t2, rootId, b, 50, -q[b]); // takes it
        }
        vm.prank(t1);
        core.sync(rootId);
        _assertPositions(q, 0);
        // Close one market in the middle of the slots: the later slots move down a lane, across the words.
        uint16 closed = uint16(1 + (seed % 6)); // branch 1..6: slot 0..5
        _place(t1, rootId, closed, 50, -q[closed]);
        _place(t2, rootId, closed, 50, q[closed]);
        vm.prank(t1);
        core.sync(rootId);
        _assertPositions(q, closed);
    }

    function _assertPositions(int64[9] memory q, uint16 closed) internal view {
        (, , uint16[] memory branches, int64[] memory positions, ) = adm.traderRoot(t1, rootId);
        assertEq(branches.length, closed == 0 ? 8 : 7, "markets held");
        uint256 i;
        for (uint16 b = 1; b <= 8; ++b) {
            assertEq(_pos(t2, rootId, b), b == closed ? int256(0) : -int256(q[b]), "taker's position");
            if (b == closed) {
                assertEq(_pos(t1, rootId, b), 0, "closed");
                continue;
            }
            assertEq(branches[i], b, "slot order kept");
            assertEq(positions[i], q[b], "stored position");
            assertEq(_pos(t1, rootId, b), q[b], "position");
            ++i;
        }
    }

    /// @notice Redeeming one root moves the account's last root into its place in the root list (the moved
    /// root's header gets its new index): the moved root's positions, the short one in the header's own lane
    /// included, and its worst case are untouched, and it still trades and redeems.
    function test_redeem_movesTheLastRoot_keepsItsPositions() public {
        uint256 a = rootId;
        uint256 b = _root(0, 100);
        vm.prank(owner);
        admin.createSub(b, 1, 20, 80);
        _place(t2, a, 1, 40, 2);
        _place(t1, a, 1, 40, -2); // t1 short 2 on root a
        _place(t2, b, 1, 30, 3);
        _place(t1, b, 1, 30, -3); // t1 short 3 on b's root market: slot 0
        _place(t2, b, 2, 60, -5);
        _place(t1, b, 2, 60, 5); // and long 5 on the sub-market: slot 1
        (, , uint64[] memory roots) = adm.account(t1, IERC20(address(usdc)));
        assertEq(roots.length, 2);
        assertEq(roots[1], b);
        (int256 worstBefore, , , int64[] memory before, ) = adm.traderRoot(t1, b);
        assertEq(before[0], -3);
        assertEq(before[1], 5);

        vm.prank(owner);
        admin.postBounds(a, 1, 10, 10);
        core.redeem(a, t1); // a leaves the list; b moves to index 0

        (, , roots) = adm.account(t1, IERC20(address(usdc)));
        assertEq(roots.length, 1);
        assertEq(roots[0], b);
        (int256 worstAfter, , uint16[] memory branches, int64[] memory positions, ) = adm.traderRoot(t1, b);
        assertEq(worstAfter, worstBefore, "worst case untouched");
        assertEq(branches.length, 2);
        assertEq(positions[0], -3, "slot 0, in the header");
        assertEq(positions[1], 5, "slot 1");
        assertEq(_sumWorst(t1), worstAfter, "the account counts the moved root once");

        _place(t2, b, 1, 30, -1);
        _place(t1, b, 1, 30, 1); // buys one back: short 2
        assertEq(_pos(t1, b, 1), -2);
        vm.prank(owner);
        admin.postBounds(b, 1, 50, 50);
        int256 cashBefore = _cash(t1);
        // Short 2 on [0, 100] at 50 pays -1 USDC; long 5 on [20, 80] at 50 pays 2.5 USDC.
        assertEq(core.redeem(b, t1), int256(UNIT / 2) * 3);
        assertEq(_cash(t1), cashBefore + int256(UNIT / 2) * 3);
        (, , roots) = adm.account(t1, IERC20(address(usdc)));
        assertEq(roots.length, 0);
    }

    function test_reverts_tooManyRoots() public {
        for (uint256 i; i < 15; ++i) _place(t1, _root(0, 100), 1, 10, 1); // 16 with the fixture's root below
        _place(t1, rootId, 1, 10, 1);
        uint256 extra = _root(0, 100);
        Order memory o = _order(t1, extra, 1, 10, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyRoots.selector, t1, address(usdc), 16));
        core.place(o, "", 16);
    }

    function test_reverts_tooManyBranches() public {
        // Root struct of root 1: mapping `_roots` sits in slot 1; branchCount is in the struct's second word,
        // after collateral (20 bytes) and unitScale (8 bytes).
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(rootId, uint256(1)))) + 1);
        bytes32 word = vm.load(address(core), slot);
        word = bytes32((uint256(word) & ~(uint256(0xffff) << 224)) | (uint256(type(uint16).max) << 224));
        vm.store(address(core), slot, word);
        assertEq(adm.root(rootId).branchCount, type(uint16).max);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyBranches.selector, rootId));
        admin.createSub(rootId, 1, 10, 20);
    }

    // ---------------------------------------------------------------- cancels

    function test_reverts_cancelByOther() public {
        (uint256 k, ) = _place(t1, rootId, 1, 50, 1);
        vm.prank(t2);
        vm.expectRevert(abi.encodeWithSelector(E.NotYourOrder.selector, t2, k));
        core.cancel(k);
    }

    function test_reverts_cancelTwice() public {
        (uint256 k, ) = _place(t1, rootId, 1, 50, 1);
        vm.startPrank(t1);
        core.cancel(k);
        vm.expectRevert(abi.encodeWithSelector(E.NoSuchOrder.selector, k));
        core.cancel(k);
        vm.stopPrank();
    }

    function test_cancelMarket_cancelsOnlyThatMarket() public {
        vm.prank(owner);
        uint16 sub = admin.createSub(rootId, 1, 20, 60);
        (uint256 k1, ) = _place(t1, rootId, 1, 50, 1);
        (uint256 k2, ) = _place(t1, rootId, sub, 50, 1);
        vm.prank(t1);
        core.cancelMarket(rootId, sub);
        (uint256 r1, ) = adm.restingOrder(k1);
        (uint256 r2, ) = adm.restingOrder(k2);
        assertEq(r1, 1);
        assertEq(r2, 0);
        vm.prank(t1);
        core.cancelMarket(rootId, 0);
        (r1, ) = adm.restingOrder(k1);
        assertEq(r1, 0);
        assertEq(_sumWorst(t1), 0);
    }

    function test_cancelMiddleOfLevel_keepsFifo() public {
        (uint256 a, ) = _place(t1, rootId, 1, 50, 1);
        (uint256 b, ) = _place(t2, rootId, 1, 50, 1);
        (uint256 c, ) = _place(t3, rootId, 1, 50, 1);
        vm.prank(t2);
        core.cancel(b);
        vm.prank(t1);
        core.cancel(a); // head advances past a and the cancelled b
        (uint32 head, , , ) = adm.level(rootId, 1, 50);
        assertEq(head, 2);
        address t4 = address(0x44);
        _fund(t4, 10 * UNIT);
        _place(t4, rootId, 1, 50, -1);
        (uint256 rc, ) = adm.restingOrder(c);
        assertEq(rc, 0);
    }

    // ---------------------------------------------------------------- collateral

    function test_collateral_exactlyEnoughPasses_oneLessReverts() public {
        address t4 = address(0x44);
        // An offer of 10 at 0.3 risks 10 * 0.7 = 7 USDC at X = max.
        _fund(t4, 7 * UNIT - 1);
        Order memory o = _order(t4, rootId, 1, 30, -10);
        vm.prank(t4);
        vm.expectRevert(
            abi.encodeWithSelector(
                E.InsufficientCollateral.selector,
                t4,
                address(usdc),
                int256(7 * UNIT - 1),
                -int256(7 * UNIT),
                int256(1)
            )
        );
        core.place(o, "", 16);
        _fund(t4, 1);
        vm.prank(t4);
        core.place(o, "", 16);
    }

    function test_collateral_bidAndOfferDoNotNetOut() public {
        address t4 = address(0x44);
        _fund(t4, 7 * UNIT);
        _place(t4, rootId, 1, 30, -10); // needs 7
        // A bid of 10 at 0.2 on top needs 2 more at X = min: the two open orders each count where they hurt.
        Order memory o = _order(t4, rootId, 1, 20, 10);
        vm.prank(t4);
        vm.expectRevert();
        core.place(o, "", 16);
    }

    function test_withdraw_andRevertPaths() public {
        vm.prank(t1);
        vm.expectRevert(E.ZeroAmount.selector);
        core.withdraw(IERC20(address(usdc)), 0, t1);
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(E.InsufficientCash.selector, t1, address(usdc), int256(100 * UNIT), 100 * UNIT + 1)
        );
        core.withdraw(IERC20(address(usdc)), 100 * UNIT + 1, t1);
        _place(t1, rootId, 1, 50, 10); // locks 5 USDC + 10 units of rounding allowance
        vm.prank(t1);
        vm.expectRevert(
            abi.encodeWithSelector(
                E.InsufficientCollateral.selector,
                t1,
                address(usdc),
                int256(5 * UNIT + 10 - 1),
                -int256(5 * UNIT + 10),
                int256(1)
            )
        );
        core.withdraw(IERC20(address(usdc)), 95 * UNIT - 10 + 1, t1);
        vm.prank(t1);
        core.withdraw(IERC20(address(usdc)), 95 * UNIT - 10, address(0x99));
        assertEq(usdc.balanceOf(address(0x99)), 95 * UNIT - 10);
    }

    /// Push-transfer audit: a withdrawal to the zero address or to the markets contract itself would lose the
    /// caller's funds for good (burnt, or stranded as a donation): refused, and nothing moves.
    function test_reverts_withdrawToZeroOrCore_BadRecipient() public {
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadRecipient.selector, address(0)));
        core.withdraw(IERC20(address(usdc)), 1, address(0));
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.BadRecipient.selector, address(core)));
        core.withdraw(IERC20(address(usdc)), 1, address(core));
        assertEq(_cash(t1), int256(100 * UNIT));
    }

    function test_reverts_depositZero() public {
        vm.expectRevert(E.ZeroAmount.selector);
        core.deposit(IERC20(address(usdc)), 0);
    }

    function test_crossMargin_worstCasesOfRootsAddUp() public {
        uint256 root2 = _root(0, 100);
        address t4 = address(0x44);
        _fund(t4, 7 * UNIT);
        _place(t4, rootId, 1, 30, -10); // needs 7 on root 1
        Order memory o = _order(t4, root2, 1, 30, -1); // needs 0.7 more on root 2: cash is not counted twice
        vm.prank(t4);
        vm.expectRevert();
        core.place(o, "", 16);
    }

    function test_voidScenario_blocksRealisingProfitBeforeSettlement() public {
        address t4 = address(0x44);
        _fund(t4, 1 * UNIT + 10); // premium plus the rounding allowance of 1 unit per long contract
        _place(t2, rootId, 1, 10, -10);
        _place(t4, rootId, 1, 10, 10); // t4 buys 10 at 0.1: pays 1
        _place(t3, rootId, 1, 90, 10);
        _place(t4, rootId, 1, 90, -10); // sells 10 at 0.9: receives 9, net flat
        assertEq(_cash(t4), int256(9 * UNIT + 10));
        // If the root is voided t4 must return 8 (the net premium received): it cannot withdraw it now.
        vm.prank(t4);
        vm.expectRevert(
            abi.encodeWithSelector(
                E.InsufficientCollateral.selector,
                t4,
                address(usdc),
                int256(8 * UNIT - 1),
                -int256(8 * UNIT),
                int256(1)
            )
        );
        core.withdraw(IERC20(address(usdc)), 1 * UNIT + 11, t4);
        vm.prank(t4);
        core.withdraw(IERC20(address(usdc)), 1 * UNIT + 10, t4);
    }
}
