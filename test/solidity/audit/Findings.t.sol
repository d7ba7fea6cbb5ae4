// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SessionAuditBase} from "./SessionAuditBase.sol";
import {MarketsBase} from "../markets/MarketsBase.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {FixingKind, FixingSpec} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {PhysicalSession} from "../../../contracts/sessions/PhysicalSession.sol";

/// @notice Open findings of the audit (docs/security.md, "Open findings"). Each test states the property the
/// contracts should have and FAILS until the finding is fixed. Nothing here is skipped on purpose.
contract FindingsMarketsTest is MarketsBase {
    MockAggregator internal feed;

    function setUp() public override {
        super.setUp();
        feed = new MockAggregator(8, "RAIN / MM");
    }

    function _feedRoot() internal returns (uint256 id) {
        address[] memory feeds = new address[](1);
        feeds[0] = address(feed);
        MarketStorage.RootParams memory p = _params(0, 5000);
        p.source = 2;
        p.decimals = 2;
        vm.prank(owner);
        id = admin.createFeedRoot(p, FixingSpec(FixingKind.FirstAfter, feeds, 1 days, 1 hours, 0, 0, 0, address(0), 0));
    }

    /// F-1 (fault class 30). A feed root whose fixing round is published at expiry (31.00 mm). The owner sees it
    /// and, before anyone calls settleFromFeed, posts bounds that exclude it. Whoever calls first decides the
    /// outcome: the keeper first gives 3100, the owner first gives 3000 (narrowed) or any number (collapsed).
    /// Expected: at or after expiry a feed root's outcome is the feed's, whoever calls first.
    function test_F1_feedRoot_ownerCannotMoveOutcomeAfterExpiry_byNarrowing() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(20e8, expiry - 1);
        vm.warp(expiry + 1);
        hints[0] = feed.pushRound(31e8, expiry + 1);
        vm.prank(owner);
        try admin.postBounds(id, 1, 0, 3000) {} catch {}
        admin.settleFromFeed(id, hints);
        assertEq(adm.root(id).lo, 3100, "outcome must be the feed's fixing, not the owner's post");
    }

    /// F-1, collapse form: after expiry the owner collapses the feed root to a number of its choosing.
    function test_F1_feedRoot_ownerCannotCollapseAfterExpiry() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        uint80[] memory hints = new uint80[](2);
        hints[1] = feed.pushRound(20e8, expiry - 1);
        vm.warp(expiry + 1);
        hints[0] = feed.pushRound(31e8, expiry + 1);
        vm.prank(owner);
        try admin.postBounds(id, 1, 4999, 4999) {} catch {}
        try admin.settleFromFeed(id, hints) {} catch {}
        MarketStorage.Root memory r = adm.root(id);
        assertEq(r.status, 1);
        assertEq(r.lo, 3100, "outcome must be the feed's fixing, not the owner's collapse");
    }
    /// F-1 fix: the post itself is refused with a reason from expiry on, and still accepted just before.
    function test_F1_feedRoot_reverts_whenBoundsPostedAtOrAfterExpiry() public {
        uint256 id = _feedRoot();
        uint64 expiry = adm.root(id).expiry;
        vm.warp(expiry - 1);
        vm.prank(owner);
        admin.postBounds(id, 1, 100, 5000); // before expiry the owner may still narrow
        vm.warp(expiry);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(E.BoundsClosedAtExpiry.selector, id, uint256(expiry), uint256(expiry)));
        admin.postBounds(id, 1, 200, 5000);
    }
}

contract FindingsSessionsTest is SessionAuditBase {
    /// F-2 (fault class 28, "roles transfer in two steps"). A session's DEFAULT_ADMIN_ROLE moves in one step: the
    /// admin's grant to a mistyped address takes effect at once (and the admin can then renounce), with no
    /// acceptance by the new holder. Expected: the new admin holds the role only after it accepts.
    function test_F2_sessionAdminRole_transfersOnlyInTwoSteps() public {
        PhysicalSession s = _physical(1);
        bytes32 adminRole = s.DEFAULT_ADMIN_ROLE();
        vm.prank(sessionAdmin);
        try s.grantRole(adminRole, carol) {} catch {}
        assertFalse(s.hasRole(adminRole, carol), "a new admin must accept before holding the role");
    }
}
