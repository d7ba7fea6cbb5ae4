// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {MarketsBase} from "../markets/MarketsBase.sol";
import {BoundedMarkets} from "../../../contracts/markets/BoundedMarkets.sol";
import {BoundedMarketsAdmin} from "../../../contracts/markets/BoundedMarketsAdmin.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";
import {OrderSigning} from "../../../contracts/shared/orders/OrderSigning.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {
    BlocklistToken,
    NoReturnToken,
    RebasingToken,
    ReentrantToken
} from "../../../contracts/mocks/AdversarialTokens.sol";

/// @notice Audit suite for the bounded-payoff markets: oracle never delivers (9), settling too early / twice /
/// re-entrantly (10), a live root's terms cannot change (11), non-standard collateral (22), donations (23),
/// re-entrancy through token hooks (25), gas at every cap (26), privileged functions (28), feed settlement
/// independent of the caller (30).
contract MarketsAuditTest is MarketsBase {
    MockAggregator internal feed;
    uint256 internal constant BLOCK_GAS_LIMIT = 30_000_000;

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
        MarketStorage.RootParams memory p = _params(0, 5000);
        p.source = 2;
        p.decimals = 2;
        vm.prank(owner);
        id = admin.createFeedRoot(p, _spec());
    }

    /// @dev t1 buys 4 from t2 at 60, t3 buys 2 from t1 at 70: every trader has a position and has paid or
    /// received premium.
    function _trade(uint256 id) internal {
        _place(t2, id, 1, 60, -4);
        _place(t1, id, 1, 60, 4);
        _place(t1, id, 1, 70, -2);
        _place(t3, id, 1, 70, 2);
    }

    function _withdrawAll(address who) internal {
        int256 c = _cash(who);
        vm.prank(who);
        core.withdraw(IERC20(address(usdc)), uint256(c), who);
    }

    // ---------------------------------------------------------------- 9: the oracle never delivers

    /// A feed root traded by three traders; the feed writes nothing after expiry. Settlement is impossible, and
    /// from the void deadline anyone voids the root: every trader redeems and withdraws exactly its deposit, and
    /// the contract ends empty.
    function test_feedNeverDelivers_voidThenEveryoneWithdrawsDeposit() public {
        uint256 id = _feedRoot();
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _fund(t3, 10 * UNIT);
        _trade(id);
        MarketStorage.Root memory r = adm.root(id);
        feed.pushRound(20e8, r.expiry - 1 minutes);
        vm.warp(r.expiry + 1 hours);
        (bool needed, ) = admin.checkUpkeep(abi.encode(id));
        assertFalse(needed, "nothing to do until the deadline");
        vm.warp(r.voidDeadline);
        vm.expectRevert(abi.encodeWithSelector(E.PastVoidDeadline.selector, id, r.voidDeadline, r.voidDeadline));
        admin.settleFromFeed(id, new uint80[](2));
        vm.prank(address(0xDEAD)); // anyone
        admin.voidRoot(id);
        address[3] memory who = [t1, t2, t3];
        for (uint256 i; i < 3; ++i) {
            core.redeem(id, who[i]);
            _withdrawAll(who[i]);
            assertEq(usdc.balanceOf(who[i]), 10 * UNIT, "deposit back");
        }
        assertEq(usdc.balanceOf(address(core)), 0, "contract emptied");
    }

    /// The only round after expiry is later than maxDelay: settleFromFeed fails for ever (RoundTooLate), the
    /// keeper's upkeep stays idle, and from the deadline the upkeep voids the root; deposits come back.
    function test_feedRoundTooLate_upkeepVoidsAtDeadline_depositsBack() public {
        uint256 id = _feedRoot();
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _place(t2, id, 1, 40, -3);
        _place(t1, id, 1, 40, 3);
        MarketStorage.Root memory r = adm.root(id);
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(20e8, r.expiry - 1);
        vm.warp(r.expiry + 2 hours);
        hints[0] = feed.pushRound(30e8, r.expiry + 2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.RoundTooLate.selector,
                address(feed),
                r.expiry + 2 hours,
                r.expiry + 1 hours
            )
        );
        admin.settleFromFeed(id, hints);
        (bool needed, bytes memory data) = admin.checkUpkeep(abi.encode(id));
        assertFalse(needed);
        vm.warp(r.voidDeadline);
        (needed, data) = admin.checkUpkeep(abi.encode(id));
        assertTrue(needed);
        admin.performUpkeep(data);
        core.redeem(id, t1);
        core.redeem(id, t2);
        _withdrawAll(t1);
        _withdrawAll(t2);
        assertEq(usdc.balanceOf(t1), 10 * UNIT);
        assertEq(usdc.balanceOf(t2), 10 * UNIT);
    }

    // ---------------------------------------------------------------- 10: too early, twice

    /// Every settlement path refuses a second settlement and any settlement of a root already final, whatever the
    /// path that made it final; and every path refuses to run early.
    function test_settle_reverts_twice_andAcrossPaths_andTooEarly() public {
        // Owner collapse, then every other path.
        uint256 a = _root(0, 100);
        vm.prank(owner);
        admin.postBounds(a, 1, 40, 40);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, a, 1));
        admin.postBounds(a, 1, 50, 50);
        vm.warp(adm.root(a).voidDeadline);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, a, 1));
        admin.voidRoot(a);
        // Callback: report, finalize, then finalize / override / void again.
        vm.warp(1_000_000);
        uint256 b = _callbackRoot(0, 100, 1 hours);
        uint64 bExpiry = adm.root(b).expiry;
        vm.warp(bExpiry - 1);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.TooEarly.selector, b, bExpiry, bExpiry - 1));
        admin.report(b, 10);
        vm.warp(bExpiry);
        vm.prank(reporter);
        admin.report(b, 10);
        vm.warp(block.timestamp + 1 hours);
        admin.finalizeReport(b);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, b, 1));
        admin.finalizeReport(b);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, b, 1));
        admin.overrideReport(b, 20);
        // Feed: too early, once, not twice, not after a void.
        uint256 c = _feedRoot();
        MarketStorage.Root memory r = adm.root(c);
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(20e8, r.expiry - 1);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FixingTimeNotReached.selector, r.expiry, block.timestamp));
        admin.settleFromFeed(c, hints);
        vm.expectRevert(abi.encodeWithSelector(E.TooEarly.selector, c, r.voidDeadline, block.timestamp));
        admin.voidRoot(c);
        vm.warp(r.expiry + 1);
        hints[0] = feed.pushRound(21e8, r.expiry + 1);
        admin.settleFromFeed(c, hints);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, c, 1));
        admin.settleFromFeed(c, hints);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, c, 1));
        admin.performUpkeep(abi.encode(c, false, hints));
        vm.warp(r.voidDeadline);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, c, 1));
        admin.performUpkeep(abi.encode(c, true, new uint80[](0)));
        assertEq(adm.root(c).lo, 2100);
    }

    // ---------------------------------------------------------------- 10, 25: re-entrancy through token hooks

    /// A root whose collateral calls back into the core during every transfer, and the token contract itself as a
    /// funded trader (the hook's calls come from it).
    function _reentrantSetup() internal returns (ReentrantToken re, uint256 id, uint256 feedId) {
        re = new ReentrantToken();
        MarketStorage.RootParams memory p = _params(0, 100);
        p.collateral = IERC20(address(re));
        p.unitScale = 1;
        vm.prank(owner);
        id = admin.createRoot(p);
        p.source = 2;
        p.decimals = 2;
        p.max = 5000;
        vm.prank(owner);
        feedId = admin.createFeedRoot(p, _spec());
        address[2] memory who = [t1, address(re)];
        for (uint256 i; i < 2; ++i) {
            re.mint(who[i], 1e6);
            vm.startPrank(who[i]);
            re.approve(address(core), 1e6);
            core.deposit(IERC20(address(re)), 1e6);
            vm.stopPrank();
        }
    }

    function _assertGuard(ReentrantToken re) internal view {
        assertFalse(re.lastCallSucceeded(), "re-entrant call failed");
        assertEq(
            bytes4(re.lastRevertData()),
            ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector,
            "by the guard"
        );
    }

    /// During a withdrawal's transfer (and a deposit's pull) the hook re-enters every state-changing entry point
    /// that moves cash or settles: withdraw, deposit, place, cancelMarket, sync, redeem, settleFromFeed, voidRoot,
    /// postBounds, report, finalizeReport, overrideReport, performUpkeep. The guard stops each before any other
    /// check; the outer withdrawal pays exactly once.
    function test_reentrancy_duringWithdrawAndDeposit_everyEntryPointGuarded() public {
        (ReentrantToken re, uint256 id, uint256 feedId) = _reentrantSetup();
        Order memory o = _order(address(re), id, 1, 50, 1);
        uint80[] memory hints = new uint80[](2);
        bytes[13] memory calls = [
            abi.encodeCall(BoundedMarkets.withdraw, (IERC20(address(re)), 1e6, address(re))),
            abi.encodeCall(BoundedMarkets.deposit, (IERC20(address(re)), 1)),
            abi.encodeCall(BoundedMarkets.place, (o, "", 4)),
            abi.encodeCall(BoundedMarkets.cancelMarket, (id, 0)),
            abi.encodeCall(BoundedMarkets.sync, (id)),
            abi.encodeCall(BoundedMarkets.redeem, (id, address(re))),
            abi.encodeCall(BoundedMarketsAdmin.settleFromFeed, (feedId, hints)),
            abi.encodeCall(BoundedMarketsAdmin.voidRoot, (id)),
            abi.encodeCall(BoundedMarketsAdmin.postBounds, (id, 1, 10, 90)),
            abi.encodeCall(BoundedMarketsAdmin.report, (id, 5)),
            abi.encodeCall(BoundedMarketsAdmin.finalizeReport, (id)),
            abi.encodeCall(BoundedMarketsAdmin.overrideReport, (id, 5)),
            abi.encodeCall(BoundedMarketsAdmin.performUpkeep, (abi.encode(feedId, false, hints)))
        ];
        for (uint256 i; i < calls.length; ++i) {
            re.arm(address(core), calls[i]);
            vm.prank(t1);
            core.withdraw(IERC20(address(re)), 1, t1);
            _assertGuard(re);
        }
        re.mint(t1, 1);
        vm.prank(t1);
        re.approve(address(core), 1);
        re.arm(address(core), calls[0]);
        vm.prank(t1);
        core.deposit(IERC20(address(re)), 1);
        _assertGuard(re);
        assertEq(re.balanceOf(t1), 13, "thirteen single-unit withdrawals, then one unit back in");
        (int256 cashRe, , ) = adm.account(address(re), IERC20(address(re)));
        assertEq(cashRe, 1e6, "the re-entering account was never paid");
        assertEq(re.balanceOf(address(core)), 2e6 - 12);
    }

    // ---------------------------------------------------------------- 11: a live root's terms cannot change

    function _termsHash(uint256 id) internal view returns (bytes32 h) {
        MarketStorage.Root memory r = adm.root(id);
        h = keccak256(abi.encode(r.owner, r.expiry, r.source, r.decimals, r.collateral, r.unitScale));
        h = keccak256(abi.encode(h, r.reporter, r.voidDeadline, r.disputeWindow));
        (int128 mn, int128 mx) = adm.market(id, 1);
        h = keccak256(abi.encode(h, mn, mx, adm.feedSpec(id)));
    }

    /// The owner of a live feed root does everything it may (narrow from both sides, on the root and on a
    /// sub-market, create sub-markets) and strangers try too: the feed spec, expiry, void deadline, collateral,
    /// unit, source, reporter and every market's original bounds stay as created; only [lo, hi] narrows.
    function test_liveRoot_termsCannotBeChangedByOwner() public {
        uint256 id = _feedRoot();
        uint256 other = _feedRoot();
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _place(t2, id, 1, 50, -2);
        _place(t1, id, 1, 50, 2);
        bytes32 before = _termsHash(id);
        bytes32 otherBefore = _termsHash(other);
        vm.startPrank(owner);
        uint16 sub = admin.createSub(id, 1, 1000, 4000);
        admin.postBounds(id, 1, 100, 4900);
        admin.postBounds(id, sub, 1500, 4000);
        vm.stopPrank();
        vm.prank(t3);
        vm.expectRevert(abi.encodeWithSelector(E.NotBoundsPoster.selector, t3, id));
        admin.postBounds(id, 1, 200, 300);
        assertEq(_termsHash(id), before, "terms unchanged");
        assertEq(_termsHash(other), otherBefore, "other root untouched");
        (int128 smin, int128 smax) = adm.market(id, sub);
        assertEq(smin, 1000);
        assertEq(smax, 4000);
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.lo, 1500);
        assertEq(r.hi, 4900);
    }

    // ---------------------------------------------------------------- 22: non-standard collateral

    /// USDT-style collateral (no return values): deposit, trade, settle, redeem and withdraw all work.
    function test_noReturnCollateral_depositTradeWithdraw() public {
        NoReturnToken nrt = new NoReturnToken(6);
        MarketStorage.RootParams memory p = _params(0, 100);
        p.collateral = IERC20(address(nrt));
        vm.prank(owner);
        uint256 id = admin.createRoot(p);
        address[2] memory who = [t1, t2];
        for (uint256 i; i < 2; ++i) {
            nrt.mint(who[i], 5 * UNIT);
            vm.startPrank(who[i]);
            nrt.approve(address(core), 5 * UNIT);
            core.deposit(IERC20(address(nrt)), 5 * UNIT);
            vm.stopPrank();
        }
        _place(t2, id, 1, 30, -2);
        _place(t1, id, 1, 30, 2);
        vm.prank(owner);
        admin.postBounds(id, 1, 100, 100);
        core.redeem(id, t1);
        core.redeem(id, t2);
        for (uint256 i; i < 2; ++i) {
            (int256 c, , ) = adm.account(who[i], IERC20(address(nrt)));
            vm.prank(who[i]);
            core.withdraw(IERC20(address(nrt)), uint256(c), who[i]);
        }
        assertEq(nrt.balanceOf(t1), 5 * UNIT + 2 * 70 * SCALE);
        assertEq(nrt.balanceOf(t2), 5 * UNIT - 2 * 70 * SCALE);
        assertEq(nrt.balanceOf(address(core)), 0);
    }

    /// USDC-style blocklist: the blocked trader cannot withdraw to itself but can redirect to another address;
    /// the other trader's settlement, redemption and withdrawal are untouched.
    function test_blocklistedTrader_blocksNobodyElse_andCanRedirect() public {
        BlocklistToken blk = new BlocklistToken(6);
        MarketStorage.RootParams memory p = _params(0, 100);
        p.collateral = IERC20(address(blk));
        vm.prank(owner);
        uint256 id = admin.createRoot(p);
        address[2] memory who = [t1, t2];
        for (uint256 i; i < 2; ++i) {
            blk.mint(who[i], 5 * UNIT);
            vm.startPrank(who[i]);
            blk.approve(address(core), 5 * UNIT);
            core.deposit(IERC20(address(blk)), 5 * UNIT);
            vm.stopPrank();
        }
        _place(t2, id, 1, 30, -2);
        _place(t1, id, 1, 30, 2);
        blk.setBlocked(t1, true);
        vm.prank(owner);
        admin.postBounds(id, 1, 0, 0);
        core.redeem(id, t1);
        core.redeem(id, t2);
        (int256 c1, , ) = adm.account(t1, IERC20(address(blk)));
        (int256 c2, , ) = adm.account(t2, IERC20(address(blk)));
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, t1));
        core.withdraw(IERC20(address(blk)), uint256(c1), t1);
        vm.prank(t2);
        core.withdraw(IERC20(address(blk)), uint256(c2), t2);
        assertEq(blk.balanceOf(t2), 5 * UNIT + 2 * 30 * SCALE);
        vm.prank(t1);
        core.withdraw(IERC20(address(blk)), uint256(c1), t3);
        assertEq(blk.balanceOf(t3), 5 * UNIT - 2 * 30 * SCALE);
    }

    /// Rebasing collateral: a rebase changes nobody's cash (claims come from accounting, never from balanceOf);
    /// once the multiplier is not 1, a deposit's before/after balance check sees a mismatch and rejects it (no
    /// mis-accounting); every trader still withdraws exactly its accounted cash; and a rebase of one token never
    /// touches accounts in another token.
    function test_rebasingCollateral_accountingIgnoresRebase_andOtherTokensUntouched() public {
        RebasingToken reb = new RebasingToken();
        MarketStorage.RootParams memory p = _params(0, 100);
        p.collateral = IERC20(address(reb));
        vm.prank(owner);
        uint256 id = admin.createRoot(p);
        uint256 usdcRoot = _root(0, 100);
        _fund(t1, 5 * UNIT);
        _fund(t2, 5 * UNIT);
        _place(t2, usdcRoot, 1, 50, -1);
        _place(t1, usdcRoot, 1, 50, 1);
        int256[2] memory usdcCash = [_cash(t1), _cash(t2)];
        address[2] memory who = [t1, t2];
        for (uint256 i; i < 2; ++i) {
            reb.mint(who[i], 5 * UNIT);
            vm.startPrank(who[i]);
            reb.approve(address(core), type(uint256).max);
            core.deposit(IERC20(address(reb)), 5 * UNIT);
            vm.stopPrank();
        }
        _place(t2, id, 1, 30, -2);
        _place(t1, id, 1, 30, 2);
        reb.rebase(12_000); // +20%
        (int256 c1, , ) = adm.account(t1, IERC20(address(reb)));
        assertEq(c1, int256(5 * UNIT - 2 * 30 * SCALE), "cash from accounting, not balance");
        reb.mint(t3, 2 * UNIT);
        vm.prank(t3);
        reb.approve(address(core), type(uint256).max);
        vm.prank(t3);
        vm.expectRevert(
            abi.encodeWithSelector(E.DepositShortfall.selector, address(reb), 1 * UNIT, 1 * UNIT + (1 * UNIT) / 5)
        );
        core.deposit(IERC20(address(reb)), 1 * UNIT);
        vm.prank(owner);
        admin.postBounds(id, 1, 100, 100);
        core.redeem(id, t1);
        core.redeem(id, t2);
        reb.rebase(8_000); // -20%
        int256 total;
        for (uint256 i; i < 2; ++i) {
            (int256 c, , ) = adm.account(who[i], IERC20(address(reb)));
            total += c;
            vm.prank(who[i]);
            core.withdraw(IERC20(address(reb)), uint256(c), who[i]);
        }
        assertEq(total, int256(10 * UNIT), "accounted cash is what was deposited");
        assertEq(reb.balanceOf(address(core)), 0, "nobody stuck, nothing left");
        assertEq(_cash(t1), usdcCash[0], "usdc account untouched");
        assertEq(_cash(t2), usdcCash[1], "usdc account untouched");
    }

    // ---------------------------------------------------------------- 23: donations

    /// Tokens sent straight to the singleton in the middle of a root's life (positions open, then settled) change
    /// no cash, no worst case and no payout; every trader withdraws exactly its accounted amount and the donation
    /// stays behind.
    function test_donationMidLife_changesNoPayout() public {
        uint256 id = _root(0, 100);
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _fund(t3, 10 * UNIT);
        _trade(id);
        int256[3] memory cashBefore = [_cash(t1), _cash(t2), _cash(t3)];
        int256[3] memory worstBefore = [_sumWorst(t1), _sumWorst(t2), _sumWorst(t3)];
        usdc.mint(address(core), 1_000 * UNIT);
        address[3] memory who = [t1, t2, t3];
        for (uint256 i; i < 3; ++i) {
            assertEq(_cash(who[i]), cashBefore[i]);
            assertEq(_sumWorst(who[i]), worstBefore[i]);
        }
        vm.prank(owner);
        admin.postBounds(id, 1, 80, 80);
        uint256 paidOut;
        for (uint256 i; i < 3; ++i) {
            core.redeem(id, who[i]);
            paidOut += uint256(_cash(who[i]));
            _withdrawAll(who[i]);
            vm.prank(who[i]);
            vm.expectRevert();
            core.withdraw(IERC20(address(usdc)), 1, who[i]);
        }
        assertEq(paidOut, 30 * UNIT, "payouts sum to deposits, the donation is nobody's");
        assertEq(usdc.balanceOf(address(core)), 1_000 * UNIT);
    }

    // ---------------------------------------------------------------- 26: gas at every cap

    /// One taker sweeps MAX_TOUCH (64) resting orders of 8 makers across 64 price levels in one call; the gas is
    /// measured and stays far below a block.
    function test_gas_sweepAtMaxTouch_underBlockLimit() public {
        uint256 id = _root(0, 100);
        for (uint256 m; m < 8; ++m) {
            address maker = address(uint160(0x1000 + m));
            _fund(maker, 100 * UNIT);
            for (uint256 j; j < 8; ++j) _place(maker, id, 1, uint8(10 + m * 8 + j), -1);
        }
        _fund(t1, 100 * UNIT);
        Order memory o = _order(t1, id, 1, 99, 100);
        o.orderType = 1; // IOC
        vm.prank(t1);
        uint256 g = gasleft();
        (, uint256 traded) = core.place(o, "", 255);
        g -= gasleft();
        assertEq(traded, 64, "every resting order swept");
        assertLt(g, BLOCK_GAS_LIMIT);
        emit log_named_uint("gas place sweeping 64 orders on 64 levels", g);
        // maxLevels bounds the sweep too: with 0 levels allowed nothing trades and the remainder is dropped.
        _fund(t2, 10 * UNIT);
        _place(t2, id, 1, 99, -2);
        Order memory o2 = _order(t3, id, 1, 99, 1);
        _fund(t3, 10 * UNIT);
        vm.prank(t3);
        (, traded) = core.place(o2, "", 0);
        assertEq(traded, 0, "maxLevels 0 sweeps nothing");
    }

    /// A trader at every per-account cap: 16 open roots in one token, each with 8 markets and 8 open orders.
    /// A 17th root is refused; the withdrawal (which recomputes every root) and a placement at the caps are
    /// measured and stay below a block.
    function test_gas_withdrawAndPlace_atRootMarketAndOrderCaps() public {
        _fund(t1, 10_000 * UNIT);
        uint256 lastRoot;
        for (uint256 r; r < 16; ++r) {
            uint256 id = _root(0, 1000);
            vm.startPrank(owner);
            for (uint256 b; b < 7; ++b) admin.createSub(id, 1, int128(int256(b * 100)), int128(int256(b * 100 + 300)));
            vm.stopPrank();
            for (uint16 b = 1; b <= 8; ++b) _place(t1, id, b, uint8(5 + b), 1);
            lastRoot = id;
        }
        (, , uint64[] memory roots) = adm.account(t1, IERC20(address(usdc)));
        assertEq(roots.length, 16);
        uint256 extra = _root(0, 1000);
        Order memory o = _order(t1, extra, 1, 5, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyRoots.selector, t1, address(usdc), 16));
        core.place(o, "", 4);
        o = _order(t1, lastRoot, 1, 20, 1);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.TooManyOpenOrders.selector, t1, lastRoot, 8));
        core.place(o, "", 4);
        // A counterparty fills one order on every market of the last root (the trader's state then carries fills).
        _fund(t2, 100 * UNIT);
        for (uint16 b = 1; b <= 8; ++b) _place(t2, lastRoot, b, uint8(5 + b), -1);
        vm.prank(t1);
        uint256 g = gasleft();
        core.withdraw(IERC20(address(usdc)), 1, t1);
        g -= gasleft();
        assertLt(g, BLOCK_GAS_LIMIT);
        emit log_named_uint("gas withdraw at 16 roots x 8 markets x 8 orders", g);
        vm.prank(t1);
        g = gasleft();
        core.cancelMarket(lastRoot - 1, 0);
        g -= gasleft();
        assertLt(g, BLOCK_GAS_LIMIT);
        emit log_named_uint("gas cancelMarket of 8 orders on 8 markets", g);
    }

    // ---------------------------------------------------------------- 28: privileged functions

    /// Every privileged function of the markets rejects everyone else: postBounds (owner, or reporter without
    /// collapse), report (reporter), overrideReport (owner), cancel of a resting order and cancelSigned (its
    /// trader); cancelMarket only ever touches the caller's own orders. Markets has no global admin, no pause and
    /// no ownership transfer.
    function testFuzz_rootPrivilegedFunctions_rejectEveryoneElse(address caller) public {
        vm.assume(caller != owner && caller != reporter && caller != t1 && caller != address(0));
        uint256 id = _callbackRoot(0, 100, 1 hours);
        _fund(t1, 10 * UNIT);
        (uint256 key, ) = _place(t1, id, 1, 40, 2);
        Order memory cached = _order(t1, id, 1, 30, 1);
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(E.NotBoundsPoster.selector, caller, id));
        admin.postBounds(id, 1, 10, 90);
        vm.expectRevert(abi.encodeWithSelector(E.NotYourOrder.selector, caller, key));
        core.cancel(key);
        vm.expectRevert(abi.encodeWithSelector(OrderSigning.NotMaker.selector, caller, t1));
        core.cancelSigned(cached);
        core.cancelMarket(id, 0); // touches nothing of t1
        vm.stopPrank();
        (uint256 remaining, ) = adm.restingOrder(key);
        assertEq(remaining, 2, "t1's order still rests");
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.ReporterCannotCollapse.selector, id));
        admin.postBounds(id, 1, 50, 50);
        vm.warp(adm.root(id).expiry);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(E.NotReporter.selector, caller, reporter));
        admin.report(id, 5);
        vm.prank(reporter);
        admin.report(id, 5);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(E.NotOwner.selector, caller, owner));
        admin.overrideReport(id, 7);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.NotOwner.selector, reporter, owner));
        admin.overrideReport(id, 7);
        assertEq(adm.root(id).status, 0);
    }

    // ---------------------------------------------------------------- 30: the caller cannot choose the result

    /// Rounds around expiry: two before, three after. Two different callers try every (round, previous) pair as
    /// hints: exactly one pair settles, at the first round after expiry, and after it nothing else can settle.
    function test_feedSettle_twoCallersDifferentHints_onlyOneOutcome() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        uint80[5] memory ids;
        ids[0] = feed.pushRound(20e8, expiry - 50 minutes);
        ids[1] = feed.pushRound(21e8, expiry - 1);
        vm.warp(expiry + 30 minutes);
        ids[2] = feed.pushRound(22e8, expiry);
        ids[3] = feed.pushRound(30e8, expiry + 1 minutes);
        ids[4] = feed.pushRound(40e8, expiry + 2 minutes);
        uint256 passed;
        uint256 winner;
        for (uint256 i; i < 5; ++i) {
            for (uint256 j; j < 5; ++j) {
                uint256 snap = vm.snapshotState();
                uint80[] memory hints = new uint80[](2);
                (hints[0], hints[1]) = (ids[i], ids[j]);
                vm.prank(j % 2 == 0 ? t1 : t2);
                try admin.settleFromFeed(id, hints) {
                    ++passed;
                    winner = i * 5 + j;
                    assertEq(adm.root(id).lo, 2200);
                } catch {}
                vm.revertToState(snap);
            }
        }
        assertEq(passed, 1, "exactly one hint pair passes");
        assertEq(winner, 2 * 5 + 1);
        (bool needed, bytes memory data) = admin.checkUpkeep(abi.encode(id));
        assertTrue(needed);
        vm.prank(t3);
        admin.performUpkeep(data);
        uint80[] memory other = new uint80[](2);
        (other[0], other[1]) = (ids[4], ids[3]);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, id, 1));
        admin.settleFromFeed(id, other);
        assertEq(adm.root(id).lo, 2200);
    }
}
