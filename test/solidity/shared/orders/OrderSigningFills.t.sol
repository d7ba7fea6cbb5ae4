// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";
import {OrderSigningBase} from "./OrderSigningBase.sol";

/// @notice Fault class 19: partial-fill accounting. Cumulative fills never pass the size, the increments add
/// up to what `filled` reports, k small fills owe exactly what one fill of the same total owes, and a full
/// order refuses further fills.
contract OrderSigningFillsTest is OrderSigningBase {
    function test_fill_capsAtWhatIsLeft() public {
        OrderSigningHarness.Probe memory o = _order(maker, 10, 7);
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        vm.expectEmit(true, true, true, true, address(venue));
        emit OrderSigningHarness.ProbeFilled(d, maker, taker, 6, 5, 0, 6); // ceil(6*7/10) = 5
        assertEq(_fill(o, sig, 6), 6);
        vm.expectEmit(true, true, true, true, address(venue));
        emit OrderSigningHarness.ProbeFilled(d, maker, taker, 4, 2, 6, 10); // 7 - 5
        assertEq(_fill(o, sig, type(uint256).max), 4, "fill did not stop at the size");
        assertEq(venue.filledOf(o.maker, o.salt), 10);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, 10, 10));
        _fill(o, sig, 1);
    }

    function test_fill_reverts_whenSizeZero() public {
        OrderSigningHarness.Probe memory o = _order(maker, 0, 7);
        bytes memory sig = _sign(o);
        bytes32 d = venue.digestOf(o);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, 0, 0));
        _fill(o, sig, 1);
    }

    function test_fill_zeroWant_changesNothing() public {
        OrderSigningHarness.Probe memory o = _order(maker, 10, 7);
        bytes memory sig = _sign(o);
        vm.prank(taker);
        (uint256 got, uint256 owed) = venue.fill(o, sig, 0);
        assertEq(got, 0);
        assertEq(owed, 0);
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function test_sizeAboveTheLane_reverts() public {
        // A fill record is a 64-bit lane whose all-ones value marks a cancel: a size must stay below it.
        uint256 laneMax = type(uint64).max;
        for (uint256 i = 0; i < 2; ++i) {
            OrderSigningHarness.Probe memory o = _order(maker, i == 0 ? laneMax : type(uint256).max, 1);
            bytes memory sig = _sign(o);
            vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderSizeTooLarge.selector, o.size, laneMax - 1));
            _fill(o, sig, 1);
        }
    }

    function test_largestSize_fillsWholeThenBlocksRefill() public {
        OrderSigningHarness.Probe memory o = _order(maker, type(uint64).max - 1, 1);
        bytes memory sig = _sign(o);
        assertEq(_fill(o, sig, type(uint256).max), o.size);
        assertEq(venue.filledOf(o.maker, o.salt), o.size, "a full lane is not the cancel mark");
        vm.expectRevert(
            abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, venue.digestOf(o), o.size, o.size)
        );
        _fill(o, sig, 1);
    }

    /// @dev Running totals of one order's fills, kept in memory to stay clear of the stack limit.
    struct Tally {
        uint256 filled;
        uint256 owed;
    }

    /// @dev Fills `wants` in turn (stopping once full) and checks every step against a running model.
    function testFuzz_partialFills_accountExactly(uint256 size, uint256 quote, uint256[10] memory wants) public {
        size = bound(size, 1, type(uint64).max - 1);
        quote = bound(quote, 0, 1e36);
        OrderSigningHarness.Probe memory o = _order(maker, size, quote);
        bytes memory sig = _sign(o);
        Tally memory t = _fillAll(o, sig, wants);

        // The same total in one fill of a twin order owes the same quote.
        if (t.filled > 0) {
            OrderSigningHarness.Probe memory twin = _order(maker, size, quote);
            twin.salt = 2;
            bytes memory twinSig = _sign(twin);
            vm.prank(taker);
            (uint256 gotOne, uint256 owedOne) = venue.fill(twin, twinSig, t.filled);
            assertEq(gotOne, t.filled);
            assertEq(owedOne, t.owed, "k small fills beat one fill");
        }

        // Whatever remains can be taken in one go, after which the order has owed exactly its quote.
        if (t.filled < size) {
            vm.prank(taker);
            (uint256 rest, uint256 owedRest) = venue.fill(o, sig, type(uint256).max);
            t.filled += rest;
            t.owed += owedRest;
        }
        assertEq(t.filled, size);
        assertEq(t.owed, quote, "a completed order did not owe exactly its quote");
        bytes memory full = abi.encodeWithSelector(
            OrderSigning.OrderFullyFilled.selector,
            venue.digestOf(o),
            size,
            size
        );
        vm.expectRevert(full);
        _fill(o, sig, 1);
    }

    function _fillAll(
        OrderSigningHarness.Probe memory o,
        bytes memory sig,
        uint256[10] memory wants
    ) internal returns (Tally memory t) {
        bytes32 d = venue.digestOf(o);
        for (uint256 i = 0; i < wants.length; ++i) {
            // Mix tiny, mid and oversized asks so both dust fills and the cap are exercised.
            uint256 want = i % 3 == 0 ? bound(wants[i], 0, 3) : bound(wants[i], 0, o.size);
            if (t.filled == o.size) {
                vm.expectRevert(abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, o.size, o.size));
                _fill(o, sig, want);
                continue;
            }
            uint256 left = o.size - t.filled;
            vm.prank(taker);
            (uint256 got, uint256 owed) = venue.fill(o, sig, want);
            assertEq(got, want < left ? want : left, "filled other than min(want, left)");
            t.filled += got;
            t.owed += owed;
            assertLe(t.filled, o.size, "cumulative fill passed the size");
            assertEq(venue.filledOf(o.maker, o.salt), t.filled, "filled() differs from the sum of increments");
            // k fills owe exactly what one fill of the same total owes: no rounding drain either way.
            assertEq(t.owed, venue.quoteAt(t.filled, o.size, o.quote), "partial fills drifted from one fill");
        }
    }

    function testFuzz_manyDustFills_oweNoLessThanTheirShare(uint256 size, uint256 quote, uint8 k) public {
        // Per-fill amounts are differences of a rounded-up curve, so each dust fill owes at least its exact
        // share in aggregate: the taker can never pay less than size-proportional quote in total.
        size = bound(size, 1, type(uint64).max - 1);
        quote = bound(quote, 0, 1e30);
        k = uint8(bound(k, 1, 40));
        OrderSigningHarness.Probe memory o = _order(maker, size, quote);
        bytes memory sig = _sign(o);
        uint256 sumFilled;
        uint256 sumOwed;
        for (uint256 i = 0; i < k && sumFilled < size; ++i) {
            vm.prank(taker);
            (uint256 got, uint256 owed) = venue.fill(o, sig, 1);
            sumFilled += got;
            sumOwed += owed;
            // sumOwed >= sumFilled * quote / size, i.e. never below the exact pro-rata amount.
            assertGe(sumOwed * size, sumFilled * quote, "dust fills paid less than pro rata");
        }
    }
}

/// @notice Drives random fills and cancels across a few orders of two makers on one venue.
contract OrderFillHandler is Test {
    OrderSigningHarness public immutable venue;
    OrderSigningHarness.Probe[] internal _orders;
    bytes[] internal _sigs;
    bytes32[] public digests;
    address[3] internal _takers;

    /// @notice Sum of sizes each order's fills reported, and of quotes owed, as returned by fill().
    mapping(bytes32 => uint256) public ghostFilled;
    mapping(bytes32 => uint256) public ghostOwed;
    mapping(bytes32 => bool) public ghostCancelled;
    uint256 public fills;

    constructor(OrderSigningHarness venue_) {
        venue = venue_;
        _takers = [makeAddr("t0"), makeAddr("t1"), makeAddr("t2")];
        uint256[2] memory keys;
        address[2] memory makers;
        (makers[0], keys[0]) = makeAddrAndKey("m0");
        (makers[1], keys[1]) = makeAddrAndKey("m1");
        uint256[4] memory sizes = [uint256(1), 7, 1_000, 1e19];
        uint256[4] memory quotes = [uint256(3), 1_000_003, 9, 333e18];
        for (uint256 i = 0; i < 4; ++i) {
            OrderSigningHarness.Probe memory o;
            o.maker = makers[i % 2];
            o.size = sizes[i];
            o.quote = quotes[i];
            o.expiry = type(uint64).max;
            o.salt = i;
            bytes32 d = venue.digestOf(o);
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i % 2], d);
            _orders.push(o);
            _sigs.push(abi.encodePacked(r, s, v));
            digests.push(d);
        }
    }

    function orderCount() external view returns (uint256) {
        return _orders.length;
    }

    function order(uint256 i) external view returns (OrderSigningHarness.Probe memory) {
        return _orders[i];
    }

    function fill(uint256 which, uint256 takerSeed, uint256 want) external {
        which = bound(which, 0, _orders.length - 1);
        OrderSigningHarness.Probe memory o = _orders[which];
        bytes32 d = digests[which];
        uint256 cur = venue.filledOf(o.maker, o.salt);
        if (ghostCancelled[d] || cur >= o.size) return;
        want = want % 4 == 0 ? bound(want, 0, 2) : bound(want, 0, o.size);
        vm.prank(_takers[bound(takerSeed, 0, 2)]);
        (uint256 got, uint256 owed) = venue.fill(o, _sigs[which], want);
        ghostFilled[d] += got;
        ghostOwed[d] += owed;
        ++fills;
    }

    function cancel(uint256 which) external {
        which = bound(which, 0, _orders.length - 1);
        bytes32 d = digests[which];
        if (ghostCancelled[d]) return;
        vm.prank(_orders[which].maker);
        venue.cancel(_orders[which]);
        ghostCancelled[d] = true;
    }
}

/// @notice Invariants of fill accounting under random interleavings of fills and cancels.
contract OrderSigningFillsInvariantTest is StdInvariant, Test {
    OrderSigningHarness internal venue;
    OrderFillHandler internal handler;

    function setUp() public {
        venue = new OrderSigningHarness("Ringfence Probe", "1");
        handler = new OrderFillHandler(venue);
        bytes4[] memory selectors = new bytes4[](2);
        selectors[0] = OrderFillHandler.fill.selector;
        selectors[1] = OrderFillHandler.cancel.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice filled() is the sum of the increments fill() reported, never above the size, or the sentinel.
    function invariant_filledIsSumOfIncrementsAndAtMostSize() public view {
        for (uint256 i = 0; i < handler.orderCount(); ++i) {
            OrderSigningHarness.Probe memory o = handler.order(i);
            bytes32 d = handler.digests(i);
            uint256 ghost = handler.ghostFilled(d);
            assertLe(ghost, o.size, "increments passed the size");
            if (handler.ghostCancelled(d)) {
                assertEq(venue.filledOf(o.maker, o.salt), type(uint256).max, "cancelled order lost its sentinel");
            } else {
                assertEq(venue.filledOf(o.maker, o.salt), ghost, "filled() differs from the sum of increments");
            }
        }
    }

    /// @notice The quote owed over all fills of an order equals what one fill of the same total owes.
    function invariant_quoteOwedTelescopes() public view {
        for (uint256 i = 0; i < handler.orderCount(); ++i) {
            OrderSigningHarness.Probe memory o = handler.order(i);
            bytes32 d = handler.digests(i);
            assertEq(handler.ghostOwed(d), venue.quoteAt(handler.ghostFilled(d), o.size, o.quote));
        }
    }
}
