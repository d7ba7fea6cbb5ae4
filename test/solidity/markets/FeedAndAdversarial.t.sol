// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";
import {OrderSigning} from "../../../contracts/shared/orders/OrderSigning.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {FeeOnTransferToken, ReentrantToken} from "../../../contracts/mocks/AdversarialTokens.sol";
import {
    MockERC1271Wallet,
    MockERC1271ApproveAll,
    MockERC1271Reverting,
    MockERC1271GasBurner
} from "../../../contracts/mocks/MockERC1271Wallets.sol";

/// @notice Chainlink-settled roots and Automation upkeep; adversarial tokens (fee-on-transfer, re-entrant),
/// ERC-1271 wallets (honest, revoked, approve-all, reverting, gas-burning), rounding drain through small fills,
/// and bound posts whose result does not depend on their order.
contract FeedAndAdversarialTest is MarketsBase {
    MockAggregator internal feed;

    function setUp() public override {
        super.setUp();
        feed = new MockAggregator(8, "RAIN / MM");
    }

    function _spec() internal view returns (FixingSpec memory s) {
        address[] memory feeds = new address[](1);
        feeds[0] = address(feed);
        s = FixingSpec(FixingKind.FirstAfter, feeds, 1 days, 1 hours, 0, 0, 0, address(0), 0);
    }

    function _feedRoot() internal returns (uint256 id) {
        MarketStorage.RootParams memory p = _params(0, 5000); // X in hundredths of a millimetre
        p.source = 2;
        p.decimals = 2;
        vm.prank(owner);
        id = admin.createFeedRoot(p, _spec());
    }

    // ---------------------------------------------------------------- feed settlement

    function test_feed_settlesAtFirstRoundAfterExpiry_viaUpkeep() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        feed.pushRound(20e8, expiry - 10 minutes);
        (bool needed, ) = admin.checkUpkeep(abi.encode(id));
        assertFalse(needed);
        vm.warp(expiry + 5 minutes);
        feed.pushRound(2555e6, expiry + 1 minutes); // 25.55 mm
        bytes memory data;
        (needed, data) = admin.checkUpkeep(abi.encode(id));
        assertTrue(needed);
        admin.performUpkeep(data);
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.status, 1);
        assertEq(r.lo, 2555);
        (needed, ) = admin.checkUpkeep(abi.encode(id));
        assertFalse(needed);
    }

    function test_feed_settleWithHints_andReverts() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        uint80 prev = feed.pushRound(20e8, expiry - 10 minutes);
        uint80[] memory hints = new uint80[](2);
        hints[1] = prev;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FixingTimeNotReached.selector, expiry, block.timestamp));
        admin.settleFromFeed(id, hints);
        vm.warp(expiry + 1);
        hints[0] = feed.pushRound(31e8, expiry + 1);
        admin.settleFromFeed(id, hints);
        assertEq(adm.root(id).lo, 3100);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, id, 1));
        admin.settleFromFeed(id, hints);
    }

    function test_feed_outcomeClampedIntoPostedRange() public {
        uint256 id = _feedRoot();
        vm.prank(owner);
        admin.postBounds(id, 1, 0, 3000);
        uint64 expiry = adm.root(id).expiry;
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(20e8, expiry - 1);
        vm.warp(expiry);
        hints[0] = feed.pushRound(45e8, expiry);
        admin.settleFromFeed(id, hints);
        assertEq(adm.root(id).lo, 3000);
    }

    function test_reverts_feedPaths() public {
        uint256 id = _feedRoot();
        uint256 ownerRoot = _root(0, 100);
        uint80[] memory hints = new uint80[](2);
        vm.expectRevert(abi.encodeWithSelector(E.WrongSource.selector, ownerRoot, 0));
        admin.settleFromFeed(ownerRoot, hints);
        uint64 deadline = adm.root(id).voidDeadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(E.PastVoidDeadline.selector, id, deadline, deadline));
        admin.settleFromFeed(id, hints);
        // A feed that never delivered: the upkeep voids the root once the deadline passed.
        (bool needed, bytes memory data) = admin.checkUpkeep(abi.encode(id));
        assertTrue(needed);
        admin.performUpkeep(data);
        assertEq(adm.root(id).status, 2);
        MarketStorage.RootParams memory p = _params(0, 100);
        p.source = 2;
        vm.expectRevert(abi.encodeWithSelector(E.BadSource.selector, 2));
        admin.createRoot(p);
        p.source = 0;
        vm.expectRevert(abi.encodeWithSelector(E.BadSource.selector, 0));
        admin.createFeedRoot(p, _spec());
        p.source = 2;
        FixingSpec memory bad = _spec();
        bad.heartbeat = 0;
        vm.expectRevert(OracleFixing.ZeroHeartbeat.selector);
        admin.createFeedRoot(p, bad);
    }

    function test_reverts_feedOutcomeTooLarge() public {
        MarketStorage.RootParams memory p = _params(0, int128(int256(1e36)));
        p.source = 2;
        p.decimals = 36;
        vm.prank(owner);
        uint256 id = admin.createFeedRoot(p, _spec());
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(1e8, p.expiry - 1);
        vm.warp(p.expiry);
        hints[0] = feed.pushRound(200e8, p.expiry); // 200 * 10^36 does not fit an int128 outcome
        vm.expectRevert(abi.encodeWithSelector(E.FeedOutcomeTooLarge.selector, 200e18));
        admin.settleFromFeed(id, hints);
    }

    // ---------------------------------------------------------------- tokens

    function test_reverts_feeOnTransferDeposit() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(100);
        fot.mint(t1, 1000);
        vm.startPrank(t1);
        fot.approve(address(core), 1000);
        vm.expectRevert(abi.encodeWithSelector(E.DepositShortfall.selector, address(fot), 1000, 990));
        core.deposit(IERC20(address(fot)), 1000);
        vm.stopPrank();
    }

    function test_reentrantToken_cannotReenter() public {
        ReentrantToken re = new ReentrantToken();
        re.mint(t1, 1000);
        vm.prank(t1);
        re.approve(address(core), 1000);
        re.arm(address(core), abi.encodeCall(core.withdraw, (IERC20(address(re)), 1, address(re))));
        vm.prank(t1);
        core.deposit(IERC20(address(re)), 1000);
        assertFalse(re.lastCallSucceeded());
        assertEq(bytes4(re.lastRevertData()), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        (int256 cash, , ) = adm.account(t1, IERC20(address(re)));
        assertEq(cash, 1000);
    }

    function test_donation_changesNoClaim() public {
        _fund(t1, 5 * UNIT);
        usdc.mint(address(core), 77 * UNIT); // sent straight to the contract
        assertEq(_cash(t1), int256(5 * UNIT));
        vm.prank(t1);
        vm.expectRevert();
        core.withdraw(IERC20(address(usdc)), 5 * UNIT + 1, t1);
    }

    // ---------------------------------------------------------------- ERC-1271 wallets

    function test_erc1271_honestWallet_andRevoked() public {
        uint256 id = _root(0, 100);
        MockERC1271Wallet w = new MockERC1271Wallet(t3);
        usdc.mint(address(w), 10 * UNIT);
        vm.startPrank(t3);
        w.approve(IERC20(address(usdc)), address(core));
        w.execute(address(core), abi.encodeCall(core.deposit, (IERC20(address(usdc)), 10 * UNIT)));
        vm.stopPrank();
        Order memory o = _order(address(w), id, 1, 50, 2);
        bytes memory sig = _sign(PK3, o);
        (uint256 k, ) = core.place(o, sig, 16);
        (uint256 rem, ) = adm.restingOrder(k);
        assertEq(rem, 2);
        (, , , , uint64[] memory refs) = adm.traderRoot(address(w), id);
        assertEq(refs.length, 1, "the order rests as the wallet's");
        Order memory o2 = _order(address(w), id, 1, 40, 2);
        bytes memory sig2 = _sign(PK3, o2);
        bytes32 d2 = core.orderDigest(o2);
        vm.prank(t3);
        w.revoke(d2);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, address(w), d2));
        core.place(o2, sig2, 16);
    }

    function test_erc1271_approveAll_onlyRisksItsOwnCollateral() public {
        uint256 id = _root(0, 100);
        MockERC1271ApproveAll w = new MockERC1271ApproveAll(t3);
        Order memory o = _order(address(w), id, 1, 50, 2);
        // Anyone can submit for it, but its (empty) account must cover the order.
        vm.expectRevert();
        core.place(o, hex"01", 16);
        // It can never sign for someone else.
        Order memory other = _order(t1, id, 1, 50, 2);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, t1, core.orderDigest(other)));
        core.place(other, hex"01", 16);
    }

    function test_erc1271_revertingAndGasBurningWallets_rejected() public {
        uint256 id = _root(0, 100);
        MockERC1271Reverting rv = new MockERC1271Reverting(t3);
        Order memory o = _order(address(rv), id, 1, 50, 2);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, address(rv), core.orderDigest(o)));
        core.place(o, hex"01", 16);
        MockERC1271GasBurner gb = new MockERC1271GasBurner(t3);
        Order memory o2 = _order(address(gb), id, 1, 50, 2);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.BadSignature.selector, address(gb), core.orderDigest(o2)));
        core.place{gas: 2_000_000}(o2, hex"01", 16);
    }

    // ---------------------------------------------------------------- rounding drain, post ordering

    /// @notice k small fills never beat one fill: cash moved and final payouts are identical.
    function testFuzz_kSmallFillsNeverBeatOne(uint8 k, uint8 tick, int128 x) public {
        k = uint8(bound(k, 1, 6));
        tick = uint8(bound(tick, 1, 99));
        x = int128(bound(x, -10, 40));
        uint256 idA = _root(0, 30);
        uint256 idB = _root(0, 30);
        _fund(t1, 1000 * UNIT);
        _fund(t2, 1000 * UNIT);
        _fund(t3, 1000 * UNIT);
        address t4 = address(0x44);
        _fund(t4, 1000 * UNIT);
        // One fill of 7k on root A; k fills of 7 on root B.
        _place(t1, idA, 1, tick, int64(uint64(7) * k));
        _place(t2, idA, 1, tick, -int64(uint64(7) * k));
        _place(t3, idB, 1, tick, int64(uint64(7) * k));
        for (uint256 i; i < k; ++i) _place(t4, idB, 1, tick, -7);
        assertEq(_cash(t2), _cash(t4));
        vm.startPrank(owner);
        admin.postBounds(
            idA,
            1,
            int128(x < 0 ? int128(0) : (x > 30 ? int128(30) : x)),
            int128(x < 0 ? int128(0) : (x > 30 ? int128(30) : x))
        );
        admin.postBounds(
            idB,
            1,
            int128(x < 0 ? int128(0) : (x > 30 ? int128(30) : x)),
            int128(x < 0 ? int128(0) : (x > 30 ? int128(30) : x))
        );
        vm.stopPrank();
        assertEq(core.redeem(idA, t2), core.redeem(idB, t4));
        assertEq(core.redeem(idA, t1), core.redeem(idB, t3));
    }

    /// @notice Two consistent bound posts give the same possible range in either order (no front-running gain).
    function testFuzz_boundPostsCommute(int128 a, int128 b, int128 c, int128 d) public {
        a = int128(bound(a, 0, 100));
        b = int128(bound(b, a, 100));
        c = int128(bound(c, 0, 100));
        d = int128(bound(d, c, 100));
        // Consistent posts that leave more than one possible outcome.
        vm.assume((a > c ? a : c) < (b < d ? b : d));
        uint256 id1 = _root(0, 100);
        uint256 id2 = _root(0, 100);
        vm.startPrank(owner);
        admin.postBounds(id1, 1, a, b);
        admin.postBounds(id1, 1, c, d);
        admin.postBounds(id2, 1, c, d);
        admin.postBounds(id2, 1, a, b);
        vm.stopPrank();
        MarketStorage.Root memory r1 = adm.root(id1);
        MarketStorage.Root memory r2 = adm.root(id2);
        assertEq(r1.lo, r2.lo);
        assertEq(r1.hi, r2.hi);
    }
}
