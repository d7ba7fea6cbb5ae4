// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {MarketsBase} from "./MarketsBase.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";

/// @notice Roots and sub-markets, telescoping bound posts (narrowing releases collateral), the three settlement
/// sources, voiding, and pull-based redemption (payouts sum to zero per root; rounding strands nothing).
contract SettlementTest is MarketsBase {
    // ---------------------------------------------------------------- roots and sub-markets

    function test_createRoot_recordsSettings() public {
        uint256 id = _root(-50, 150);
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.owner, owner);
        assertEq(r.lo, -50);
        assertEq(r.hi, 150);
        (int128 min, int128 max) = adm.market(id, 1);
        assertEq(min, -50);
        assertEq(max, 150);
    }

    function test_reverts_createRootBadParams() public {
        MarketStorage.RootParams memory p = _params(0, 100);
        p.collateral = IERC20(address(0));
        vm.expectRevert(E.ZeroCollateral.selector);
        admin.createRoot(p);
        p = _params(0, 100);
        p.unitScale = 0;
        vm.expectRevert(abi.encodeWithSelector(E.BadUnitScale.selector, 0));
        admin.createRoot(p);
        p = _params(100, 100);
        vm.expectRevert(abi.encodeWithSelector(E.BadBounds.selector, int256(100), int256(100)));
        admin.createRoot(p);
        p = _params(0, int128(int256(1 << 120)));
        vm.expectRevert(abi.encodeWithSelector(E.BadBounds.selector, int256(0), int256(1 << 120)));
        admin.createRoot(p);
        p = _params(0, 100);
        p.decimals = 37;
        vm.expectRevert(abi.encodeWithSelector(E.BadDecimals.selector, 37));
        admin.createRoot(p);
        p = _params(0, 100);
        p.expiry = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(E.BadSchedule.selector, p.expiry, p.voidDeadline, 0, block.timestamp));
        admin.createRoot(p);
        p = _params(0, 100);
        p.disputeWindow = 30 days;
        vm.expectRevert(
            abi.encodeWithSelector(E.BadSchedule.selector, p.expiry, p.voidDeadline, 30 days, block.timestamp)
        );
        admin.createRoot(p);
        p = _params(0, 100);
        p.source = 1; // callback without a reporter
        vm.expectRevert(abi.encodeWithSelector(E.BadSource.selector, 1));
        admin.createRoot(p);
        p.source = 3;
        p.reporter = reporter;
        vm.expectRevert(abi.encodeWithSelector(E.BadSource.selector, 3));
        admin.createRoot(p);
    }

    function test_createSub_insideParent_andReverts() public {
        uint256 id = _root(0, 100);
        vm.prank(t3); // anyone may create a sub-market
        uint16 sub = admin.createSub(id, 1, 30, 40);
        assertEq(sub, 2);
        uint16 subsub = admin.createSub(id, sub, 32, 38);
        assertEq(subsub, 3);
        vm.expectRevert(
            abi.encodeWithSelector(E.OutsideParent.selector, int256(29), int256(38), int256(30), int256(40))
        );
        admin.createSub(id, sub, 29, 38);
        vm.expectRevert(abi.encodeWithSelector(E.UnknownMarket.selector, id, 9));
        admin.createSub(id, 9, 30, 40);
        vm.expectRevert(abi.encodeWithSelector(E.BadBounds.selector, int256(40), int256(30)));
        admin.createSub(id, 1, 40, 30);
        vm.expectRevert(abi.encodeWithSelector(E.UnknownRoot.selector, 77));
        admin.createSub(77, 1, 30, 40);
    }

    // ---------------------------------------------------------------- telescoping bounds

    function test_postBounds_telescopesThroughTree() public {
        uint256 id = _root(0, 100);
        uint16 sub = admin.createSub(id, 1, 30, 40);
        vm.startPrank(owner);
        admin.postBounds(id, sub, 35, 40); // X >= 35; the sub's max says nothing about X above 40
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.lo, 35);
        assertEq(r.hi, 100);
        admin.postBounds(id, 1, 0, 60); // X <= 60
        admin.postBounds(id, 1, 10, 80); // wider: highest min and lowest max win
        r = adm.root(id);
        assertEq(r.lo, 35);
        assertEq(r.hi, 60);
        admin.postBounds(id, sub, 30, 38); // X <= 38
        r = adm.root(id);
        assertEq(r.hi, 38);
        vm.stopPrank();
    }

    function test_reverts_postBounds() public {
        uint256 id = _callbackRoot(0, 100, 1 hours);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.NotBoundsPoster.selector, t1, id));
        admin.postBounds(id, 1, 10, 90);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(E.PostOutsideMarket.selector, int256(-1), int256(90), int256(0), int256(100))
        );
        admin.postBounds(id, 1, -1, 90);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(E.PostOutsideMarket.selector, int256(60), int256(50), int256(0), int256(100))
        );
        admin.postBounds(id, 1, 60, 50);
        vm.prank(owner);
        admin.postBounds(id, 1, 40, 100);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.BoundsContradict.selector, int256(40), int256(30)));
        admin.postBounds(id, 1, 0, 30);
        vm.prank(reporter); // the oracle may narrow...
        admin.postBounds(id, 1, 45, 100);
        vm.prank(reporter); // ...but not collapse
        vm.expectRevert(abi.encodeWithSelector(E.ReporterCannotCollapse.selector, id));
        admin.postBounds(id, 1, 45, 45);
        uint64 deadline = adm.root(id).voidDeadline;
        vm.warp(deadline);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.PastVoidDeadline.selector, id, deadline, block.timestamp));
        admin.postBounds(id, 1, 50, 60);
    }

    function test_narrowing_releasesCollateralAtOnce() public {
        uint256 id = _root(0, 100);
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _place(t1, id, 1, 30, 10);
        _place(t2, id, 1, 30, -10); // t2 short 10 at 0.3: owes up to 7
        vm.prank(t2);
        vm.expectRevert();
        core.withdraw(IERC20(address(usdc)), 3 * UNIT + 1, t2); // 13 cash - 7 at risk = 6... minus premium-void path
        vm.prank(owner);
        admin.postBounds(id, 1, 0, 50); // X <= 50: the short now owes at most 10 * 0.5 = 5
        vm.prank(t2);
        core.withdraw(IERC20(address(usdc)), 8 * UNIT, t2); // 13 - 5 = 8 free
        assertEq(usdc.balanceOf(t2), 8 * UNIT);
    }

    // ---------------------------------------------------------------- owner collapse and redemption

    function test_ownerCollapse_settles_andRedeemPaysExactly() public {
        uint256 id = _root(0, 30); // range 30 does not divide the unit: payoffs round
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _place(t1, id, 1, 40, 7);
        _place(t2, id, 1, 40, -7);
        vm.prank(owner);
        admin.postBounds(id, 1, 10, 10);
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.status, 1);
        int256 p1 = core.redeem(id, t1);
        int256 p2 = core.redeem(id, t2);
        uint256 perContract = (UNIT * 10) / 30; // 333333, rounded down once
        assertEq(p1, int256(7 * perContract));
        assertEq(p1 + p2, 0);
        assertEq(_cash(t1) + _cash(t2), int256(20 * UNIT));
        // Everything the contract holds is claimable, nothing more.
        uint256 c1 = uint256(_cash(t1));
        uint256 c2 = uint256(_cash(t2));
        vm.prank(t1);
        core.withdraw(IERC20(address(usdc)), c1, t1);
        vm.prank(t2);
        core.withdraw(IERC20(address(usdc)), c2, t2);
        assertEq(usdc.balanceOf(address(core)), 0);
    }

    function test_redeem_creditsUnclaimedMakerFills() public {
        uint256 id = _root(0, 100);
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _place(t1, id, 1, 50, 4); // maker: never syncs
        _place(t2, id, 1, 50, -4);
        vm.prank(owner);
        admin.postBounds(id, 1, 100, 100);
        assertEq(core.redeem(id, t1), int256(4 * UNIT));
        assertEq(_cash(t1), int256(10 * UNIT - 2 * UNIT + 4 * UNIT));
        assertEq(core.redeem(id, t1), 0); // second redemption is a no-op
    }

    function test_reverts_redeemBeforeFinal() public {
        uint256 id = _root(0, 100);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotFinal.selector, id));
        core.redeem(id, t1);
    }

    function test_reverts_tradeAfterSettlement() public {
        uint256 id = _root(0, 100);
        vm.prank(owner);
        admin.postBounds(id, 1, 5, 5);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, id, 1));
        _place(t1, id, 1, 50, 1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, id, 1));
        admin.postBounds(id, 1, 5, 5);
    }

    // ---------------------------------------------------------------- callback oracle

    function test_callback_reportFinalizes_afterWindow() public {
        uint256 id = _callbackRoot(-20, 20, 1 hours);
        vm.warp(adm.root(id).expiry);
        vm.prank(reporter);
        admin.report(id, -5);
        vm.expectRevert(abi.encodeWithSelector(E.TooEarly.selector, id, block.timestamp + 1 hours, block.timestamp));
        admin.finalizeReport(id);
        vm.warp(block.timestamp + 1 hours);
        admin.finalizeReport(id);
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.status, 1);
        assertEq(r.lo, -5);
    }

    function test_callback_ownerOverridesWithinWindow() public {
        uint256 id = _callbackRoot(0, 100, 1 hours);
        vm.warp(adm.root(id).expiry);
        vm.prank(reporter);
        admin.report(id, 70);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.NotOwner.selector, t1, owner));
        admin.overrideReport(id, 60);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.OutcomeOutsideRange.selector, int256(101), int256(0), int256(100)));
        admin.overrideReport(id, 101);
        vm.prank(owner);
        admin.overrideReport(id, 60);
        assertEq(adm.root(id).lo, 60);
    }

    function test_reverts_callbackPaths() public {
        uint256 id = _callbackRoot(0, 100, 1 hours);
        uint64 expiry = adm.root(id).expiry;
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.TooEarly.selector, id, expiry, block.timestamp));
        admin.report(id, 5);
        vm.warp(expiry);
        vm.prank(t1);
        vm.expectRevert(abi.encodeWithSelector(E.NotReporter.selector, t1, reporter));
        admin.report(id, 5);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.OutcomeOutsideRange.selector, int256(101), int256(0), int256(100)));
        admin.report(id, 101);
        vm.expectRevert(abi.encodeWithSelector(E.NoReport.selector, id));
        admin.finalizeReport(id);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.NoReport.selector, id));
        admin.overrideReport(id, 5);
        vm.prank(reporter);
        admin.report(id, 5);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.ReportPending.selector, id, int256(5)));
        admin.report(id, 6);
        vm.warp(block.timestamp + 1 hours);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.DisputeWindowOver.selector, id, block.timestamp, block.timestamp));
        admin.overrideReport(id, 6);
        // The owner root source has no reporter path.
        uint256 ownerRoot = _root(0, 100);
        vm.warp(adm.root(ownerRoot).expiry);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.WrongSource.selector, ownerRoot, 0));
        admin.report(ownerRoot, 5);
    }

    function test_reverts_reportTooLate() public {
        uint256 id = _callbackRoot(0, 100, 1 hours);
        uint64 deadline = adm.root(id).voidDeadline;
        vm.warp(deadline - 1 hours + 1);
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(E.ReportTooLate.selector, id, uint256(deadline) + 1, deadline));
        admin.report(id, 5);
    }

    // ---------------------------------------------------------------- void

    function test_void_refundsExactlyWhatEachPaid() public {
        uint256 id = _root(0, 100);
        _fund(t1, 10 * UNIT);
        _fund(t2, 10 * UNIT);
        _fund(t3, 10 * UNIT);
        _place(t1, id, 1, 60, 5);
        _place(t2, id, 1, 60, -5);
        _place(t2, id, 1, 70, 3);
        _place(t3, id, 1, 65, -3);
        vm.expectRevert(abi.encodeWithSelector(E.TooEarly.selector, id, adm.root(id).voidDeadline, block.timestamp));
        admin.voidRoot(id);
        vm.warp(adm.root(id).voidDeadline);
        admin.voidRoot(id);
        core.redeem(id, t1);
        core.redeem(id, t2);
        core.redeem(id, t3);
        assertEq(_cash(t1), int256(10 * UNIT));
        assertEq(_cash(t2), int256(10 * UNIT));
        assertEq(_cash(t3), int256(10 * UNIT));
        vm.expectRevert(abi.encodeWithSelector(E.RootNotOpen.selector, id, 2));
        admin.voidRoot(id);
    }

    function test_reverts_voidWhileReportPending() public {
        uint256 id = _callbackRoot(0, 100, 1 hours);
        vm.warp(adm.root(id).expiry);
        vm.prank(reporter);
        admin.report(id, 5);
        vm.warp(adm.root(id).voidDeadline);
        vm.expectRevert(abi.encodeWithSelector(E.ReportPending.selector, id, int256(5)));
        admin.voidRoot(id);
        admin.finalizeReport(id); // the report, not who calls first, decides
        assertEq(adm.root(id).status, 1);
    }
}
