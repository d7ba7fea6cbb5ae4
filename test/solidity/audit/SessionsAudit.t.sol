// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {SessionAuditBase} from "./SessionAuditBase.sol";
import {ReentrantToken} from "../../../contracts/mocks/AdversarialTokens.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {OracleFixing} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {CashSession} from "../../../contracts/sessions/CashSession.sol";
import {ISessionErrors} from "../../../contracts/sessions/ISessionErrors.sol";
import {PhysicalSession} from "../../../contracts/sessions/PhysicalSession.sol";
import {SessionCore} from "../../../contracts/sessions/SessionCore.sol";
import {SessionOrder} from "../../../contracts/sessions/SessionOrderLib.sol";
import {
    LegConfig,
    SessionConfig,
    SessionKind,
    SettlementMode,
    Status
} from "../../../contracts/sessions/SessionTypes.sol";

/// @notice Audit suite for the session pools: oracle never delivers (9), settling too early / twice /
/// re-entrantly (10), no admin path changes a live session (11), re-entrancy through token hooks (25), pause
/// never blocks exits (27), every privileged function rejects everyone else (28), settlement independent of the
/// caller (30).
contract SessionsAuditTest is SessionAuditBase {
    // ---------------------------------------------------------------- 9: the oracle never delivers

    /// Physical: trades happened, no round after t2 ever arrives; past the deadline settlement is closed, anyone
    /// releases, and every participant (fee recipient included) is paid exactly its allocation in kind: the pool
    /// ends empty.
    function test_fallback_physical_everyoneGetsAllocationBack_whenNoRoundAfterT2() public {
        PhysicalSession s = _physical(2);
        _subscribe(s, alice, 10);
        _subscribe(s, bob, 10);
        (uint256 t1, , uint256 deadline, ) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _order(alice, 0, 2e18, 1, 3e18);
        bytes memory sig = _signOrder(PKA, s, o);
        vm.prank(bob);
        s.fill(o, sig, WAD);
        for (uint256 k; k < 2; ++k) legFeeds[k].pushRound(100e8, block.timestamp); // before t2 only
        vm.warp(deadline + 1);
        uint80[][] memory hints = new uint80[][](2);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.SettlementWindowClosed.selector, deadline + 1, deadline));
        s.settle(hints);
        vm.prank(carol); // anyone
        s.releaseFallback();
        address[3] memory who = [alice, bob, feeTo];
        for (uint256 i; i < 3; ++i) {
            int256[] memory x = s.allocationOf(who[i]);
            vm.prank(who[i]);
            s.claim(who[i]);
            for (uint256 k; k < 2; ++k) assertEq(legTokens[k].balanceOf(who[i]), uint256(x[k]), "paid x_i in kind");
        }
        for (uint256 k; k < 2; ++k) assertEq(legTokens[k].balanceOf(address(s)), 0, "pool emptied");
    }

    /// Cash: trades moved deviations and fees; no fixing arrives; after the deadline each deposit (after fees) comes
    /// back and the deposits add up to everything pulled in.
    function test_fallback_cash_everyDepositBack_whenNoRoundAfterT2() public {
        CashSession s = _cash(2);
        _subscribe(s, alice, 2);
        _subscribe(s, bob, 2);
        uint256 pulled = s.totalDeposit();
        (uint256 t1, , uint256 deadline, ) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _order(alice, 0, 1e18, 1, 1e18);
        bytes memory sig = _signOrder(PKA, s, o);
        vm.prank(bob);
        s.fill(o, sig, WAD);
        vm.warp(deadline + 1);
        s.releaseFallback();
        address[3] memory who = [alice, bob, feeTo];
        uint256 total;
        for (uint256 i; i < 3; ++i) {
            (, uint256 dep, , ) = s.accountOf(who[i]);
            vm.prank(who[i]);
            s.claim(who[i]);
            assertEq(collateral.balanceOf(who[i]), dep, "deposit back");
            total += dep;
        }
        assertEq(total, pulled, "everything pulled in is paid back");
        assertEq(collateral.balanceOf(address(s)), 0, "pool emptied");
    }

    /// The only round after t2 is later than maxDelay: the fixing fails permanently (RoundTooLate), and the
    /// fallback path still returns everyone's funds.
    function test_fallback_whenOnlyRoundIsTooLate() public {
        PhysicalSession s = _physical(1);
        _subscribe(s, alice, 3);
        (, uint256 t2, uint256 deadline, ) = s.windows();
        vm.warp(t2 - 1);
        uint80 prev = legFeeds[0].pushRound(100e8, t2 - 1);
        vm.warp(t2 + 2 hours);
        uint80 late = legFeeds[0].pushRound(100e8, t2 + 2 hours);
        uint80[][] memory hints = new uint80[][](1);
        hints[0] = new uint80[](2);
        (hints[0][0], hints[0][1]) = (late, prev);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.RoundTooLate.selector, address(legFeeds[0]), t2 + 2 hours, t2 + 1 hours)
        );
        s.settle(hints);
        (bool needed, ) = s.checkUpkeep("");
        assertFalse(needed, "no upkeep before the deadline when no fixing passes");
        vm.warp(deadline + 1);
        bytes memory data;
        (needed, data) = s.checkUpkeep("");
        assertTrue(needed);
        s.performUpkeep(data);
        vm.prank(alice);
        s.claim(alice);
        assertEq(legTokens[0].balanceOf(alice), 3e18);
    }

    // ---------------------------------------------------------------- 10: too early, twice, re-entrantly

    function test_settle_reverts_tooEarly_twice_andReleaseAfterSettle() public {
        PhysicalSession s = _physical(1);
        _subscribe(s, alice, 1);
        (, uint256 t2, , ) = s.windows();
        uint80[][] memory hints = new uint80[][](1);
        vm.warp(t2 - 1);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.SettlementTooEarly.selector, t2 - 1, t2));
        s.settle(hints);
        hints = _roundsAroundT2(s, 1, 100e8);
        s.settle(hints);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.AlreadyFinal.selector, Status.Settled));
        s.settle(hints);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.AlreadyFinal.selector, Status.Settled));
        s.performUpkeep(abi.encode(false, hints));
        (, , uint256 deadline, ) = s.windows();
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.AlreadyFinal.selector, Status.Settled));
        s.releaseFallback();
    }

    /// A leg token's transfer hook (during a claim on an already settled session, and during a subscription on an
    /// open one) re-enters settle, performUpkeep and releaseFallback: the guard stops each before any other check.
    function test_settle_reverts_whenReenteredFromTokenHook() public {
        (PhysicalSession s, ReentrantToken re) = _sessionWithReentrantLeg();
        _subscribeReentrant(s, re, alice, 1);
        uint80[][] memory hints = new uint80[][](2);
        bytes[3] memory calls = [
            abi.encodeCall(SessionCore.settle, (hints)),
            abi.encodeCall(SessionCore.performUpkeep, (abi.encode(true, hints))),
            abi.encodeCall(SessionCore.releaseFallback, ())
        ];
        for (uint256 i; i < 3; ++i) {
            _subscribeReentrant(s, re, bob, 1, calls[i]);
            _assertReentrancyBlocked(re);
        }
    }

    // ---------------------------------------------------------------- 11: a live session cannot be changed

    /// The admin and the guardian run every function they hold a role for (grant themselves every role, pause,
    /// unpause, re-initialise): the session's legs, boxes, units, feeds and windows never change, and there is no
    /// other entry point (the configuration lives in the clone's bytecode).
    function test_liveSession_configCannotBeChangedByAdmin() public {
        PhysicalSession s = _physical(3);
        CashSession c = _cash(3);
        SessionCore[2] memory all = [SessionCore(address(s)), SessionCore(address(c))];
        for (uint256 i; i < 2; ++i) {
            SessionCore x = all[i];
            bytes32 before = _configHash(x);
            vm.startPrank(sessionAdmin);
            x.grantRole(x.GUARDIAN_ROLE(), sessionAdmin);
            x.grantRole(x.PARTICIPANT_ROLE(), sessionAdmin);
            x.beginAdminTransfer(carol); // the admin role itself moves only in two steps
            x.pause();
            x.unpause();
            vm.expectRevert(Initializable.InvalidInitialization.selector);
            x.initialize(sessionAdmin, sessionAdmin);
            vm.stopPrank();
            vm.prank(guardian);
            x.pause();
            assertEq(_configHash(x), before, "config unchanged");
        }
        // A new session with other feeds and bounds leaves the live ones untouched.
        bytes32 h = _configHash(all[0]);
        SessionConfig memory cfg = _config(SessionKind.Physical, SettlementMode.InKind, 3);
        cfg.legs[0].fixing.heartbeat = 1 hours;
        factory.createSession(cfg);
        assertEq(_configHash(all[0]), h, "other sessions do not leak into a live one");
    }

    function _configHash(SessionCore x) internal view returns (bytes32 h) {
        (SessionKind kind, SettlementMode mode, uint256 n, address fee, uint256 tb, uint256 mb, , ) = x.config();
        h = keccak256(abi.encode(kind, mode, n, fee, tb, mb, x.fixingSpecs(), address(x.oracle())));
        h = _windowsHash(x, h);
        for (uint256 k; k < n; ++k) h = _legHash(x, k, h);
    }

    function _windowsHash(SessionCore x, bytes32 h) internal view returns (bytes32) {
        (uint256 a, uint256 b, uint256 cc, uint256 d) = x.windows();
        return keccak256(abi.encode(h, a, b, cc, d));
    }

    function _legHash(SessionCore x, uint256 k, bytes32 h) internal view returns (bytes32) {
        (bool ok, bytes memory ret) = address(x).staticcall(abi.encodeCall(SessionCore.leg, (k)));
        assertTrue(ok);
        return keccak256(abi.encode(h, ret));
    }

    // ---------------------------------------------------------------- 25: re-entrancy through token hooks

    function _sessionWithReentrantLeg() internal returns (PhysicalSession s, ReentrantToken re) {
        re = new ReentrantToken();
        SessionConfig memory cfg = _config(SessionKind.Physical, SettlementMode.InKind, 2);
        cfg.legs[1].token = address(re);
        s = PhysicalSession(factory.createSession(cfg));
    }

    function _subscribeReentrant(PhysicalSession s, ReentrantToken re, address who, uint256 shares) internal {
        _subscribeReentrant(s, re, who, shares, "");
    }

    /// @dev Mints and approves first, then arms the token with `payload` (if any), so the hook fires inside the
    /// session's pull.
    function _subscribeReentrant(
        PhysicalSession s,
        ReentrantToken re,
        address who,
        uint256 shares,
        bytes memory payload
    ) internal {
        legTokens[0].mint(who, shares * WAD);
        re.mint(who, shares * WAD);
        vm.startPrank(who);
        legTokens[0].approve(address(s), shares * WAD);
        re.approve(address(s), shares * WAD);
        vm.stopPrank();
        if (payload.length != 0) re.arm(address(s), payload);
        vm.prank(who);
        s.subscribe(shares, new bytes32[](0));
    }

    function _assertReentrancyBlocked(ReentrantToken re) internal view {
        assertFalse(re.lastCallSucceeded(), "re-entrant call failed");
        assertEq(
            bytes4(re.lastRevertData()),
            ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector,
            "by the guard"
        );
    }

    /// During a subscription's pull, the hook re-enters subscribe, redeem, fill and matchOrders: each is stopped by
    /// the guard (not by a later check), and the session's books hold only the outer subscription.
    function test_reentrancy_duringSubscribe_blocksSubscribeRedeemFillMatch() public {
        (PhysicalSession s, ReentrantToken re) = _sessionWithReentrantLeg();
        _subscribeReentrant(s, re, alice, 2);
        SessionOrder memory o = _order(alice, 0, 1e18, 1, 1e18);
        bytes memory sig = _signOrder(PKA, s, o);
        bytes[4] memory calls = [
            abi.encodeCall(SessionCore.subscribe, (1, new bytes32[](0))),
            abi.encodeCall(SessionCore.redeem, (1)),
            abi.encodeCall(SessionCore.fill, (o, sig, WAD)),
            abi.encodeCall(SessionCore.matchOrders, (o, sig, o, sig, WAD))
        ];
        for (uint256 i; i < 4; ++i) {
            _subscribeReentrant(s, re, bob, 1, calls[i]);
            _assertReentrancyBlocked(re);
        }
        assertEq(s.totalShares(), 6);
        assertEq(re.balanceOf(address(s)), 6e18);
    }

    /// During a redemption's payout the hook re-enters redeem (a second payout of the same shares): the guard.
    function test_reentrancy_duringRedeem_blocksSecondRedeem() public {
        (PhysicalSession s, ReentrantToken re) = _sessionWithReentrantLeg();
        _subscribeReentrant(s, re, alice, 2);
        re.arm(address(s), abi.encodeCall(SessionCore.redeem, (1)));
        vm.prank(alice);
        s.redeem(1);
        _assertReentrancyBlocked(re);
        assertEq(s.totalShares(), 1);
        assertEq(re.balanceOf(alice), 1e18);
    }

    /// During a claim's payout the hook re-enters claim and sweepDust: the guard stops both, the claimer is paid
    /// once.
    function test_reentrancy_duringClaim_blocksClaimAndSweep() public {
        (PhysicalSession s, ReentrantToken re) = _sessionWithReentrantLeg();
        _subscribeReentrant(s, re, alice, 1);
        _subscribeReentrant(s, re, bob, 1);
        s.settle(_roundsAroundT2(s, 2, 100e8));
        (, , , uint256 claimDeadline) = s.windows();
        vm.warp(claimDeadline + 1);
        re.arm(address(s), abi.encodeCall(SessionCore.claim, (alice)));
        vm.prank(alice);
        s.claim(alice);
        _assertReentrancyBlocked(re);
        re.arm(address(s), abi.encodeCall(SessionCore.sweepDust, ()));
        vm.prank(bob);
        s.claim(bob);
        _assertReentrancyBlocked(re);
        assertEq(re.balanceOf(alice), 1e18);
        assertEq(re.balanceOf(bob), 1e18);
        assertEq(re.balanceOf(address(s)), 0);
    }

    // ---------------------------------------------------------------- 27: pause never blocks exits

    /// With the guardian's pause on for the whole life of the session: redeem, cancel, nonce floor, settlement,
    /// claims and the dust sweep all work; subscribe and fill are refused (new risk).
    function test_pause_neverBlocksRedeemCancelSettleClaimSweep() public {
        SessionConfig memory cfg = _config(SessionKind.Physical, SettlementMode.ValueWeighted, 2);
        PhysicalSession s = PhysicalSession(factory.createSession(cfg));
        _subscribe(s, alice, 3);
        _subscribe(s, bob, 2);
        vm.prank(guardian);
        s.pause();
        vm.prank(alice);
        s.redeem(1);
        vm.prank(carol);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        s.subscribe(1, new bytes32[](0));
        (uint256 t1, , , uint256 claimDeadline) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _order(alice, 0, 1e18, 1, 1e18);
        bytes memory sig = _signOrder(PKA, s, o);
        vm.prank(bob);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        s.fill(o, sig, WAD);
        vm.prank(alice);
        s.cancel(o);
        vm.prank(alice);
        s.raiseNonceFloor(7);
        s.settle(_roundsAroundT2(s, 2, 3e8));
        vm.prank(alice);
        s.claim(alice);
        vm.prank(bob);
        s.claim(bob);
        vm.warp(claimDeadline + 1);
        s.sweepDust();
        assertTrue(s.paused());
        for (uint256 k; k < 2; ++k) assertEq(legTokens[k].balanceOf(address(s)), s.obligations(k));
    }

    /// Paused past the deadline with no fixing: release and claims (cash deposits back) still work.
    function test_pause_neverBlocksFallbackRelease_cash() public {
        CashSession s = _cash(1);
        _subscribe(s, alice, 1);
        vm.prank(guardian);
        s.pause();
        (, , uint256 deadline, ) = s.windows();
        vm.warp(deadline + 1);
        s.releaseFallback();
        vm.prank(alice);
        s.claim(alice);
        assertEq(collateral.balanceOf(alice), s.depositFor(1));
    }

    // ---------------------------------------------------------------- 28: privileged functions

    /// Every privileged function of a session (pause, unpause: GUARDIAN_ROLE; grantRole, revokeRole: the role's
    /// admin, DEFAULT_ADMIN_ROLE; initialize: once, by the factory) rejects any other caller, for both kinds.
    function testFuzz_privilegedFunctions_rejectEveryoneElse(address caller) public {
        vm.assume(caller != sessionAdmin && caller != guardian);
        PhysicalSession s = _physical(1);
        CashSession c = _cash(1);
        SessionCore[2] memory all = [SessionCore(address(s)), SessionCore(address(c))];
        for (uint256 i; i < 2; ++i) {
            SessionCore x = all[i];
            bytes32 g = x.GUARDIAN_ROLE();
            bytes32 adminRole = x.DEFAULT_ADMIN_ROLE();
            vm.startPrank(caller);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, g)
            );
            x.pause();
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, g)
            );
            x.unpause();
            bytes32[3] memory roles = [adminRole, g, x.PARTICIPANT_ROLE()];
            for (uint256 r; r < 3; ++r) {
                vm.expectRevert(
                    abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, adminRole)
                );
                x.grantRole(roles[r], caller);
                vm.expectRevert(
                    abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, adminRole)
                );
                x.revokeRole(roles[r], sessionAdmin);
            }
            vm.expectRevert(Initializable.InvalidInitialization.selector);
            x.initialize(caller, caller);
            vm.stopPrank();
            // The guardian may pause but not grant; the admin grants but (without the role) may not pause.
            vm.prank(guardian);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, adminRole)
            );
            x.grantRole(g, caller);
            vm.prank(sessionAdmin);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sessionAdmin, g)
            );
            x.pause();
            assertFalse(x.hasRole(g, caller));
            assertFalse(x.paused());
        }
    }

    /// An order whose maker or taker word carries bits above 160, or whose amounts array's offset or length
    /// points outside the calldata, is refused by fill, cancel and hashOrder alike, as Solidity's decoder
    /// refuses it (the struct hash reads the words as they stand): an order has exactly one digest. Nothing
    /// fills; the clean order then fills in full.
    function test_reverts_malformedOrderWords_byFillCancelAndHashOrder() public {
        PhysicalSession s = _physical(2);
        _subscribe(s, alice, 10);
        _subscribe(s, bob, 10);
        (uint256 t1, , , ) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _order(alice, 0, 2e18, 1, 3e18);
        bytes memory sig = _signOrder(PKA, s, o);
        bytes[3] memory calls = [
            abi.encodeCall(SessionCore.fill, (o, sig, WAD)),
            abi.encodeCall(SessionCore.cancel, (o)),
            abi.encodeCall(SessionCore.hashOrder, (o))
        ];
        address[3] memory callers = [bob, alice, carol];
        for (uint256 c; c < calls.length; ++c) {
            // the order is the first argument: its words start at the offset in the head's first word
            uint256 base = 4 + _slice32(calls[c], 4);
            bytes[4] memory bad = [
                _orAt(calls[c], base, uint256(1) << 160), // maker
                _orAt(calls[c], base + 0x20, uint256(1) << 160), // taker
                _orAt(calls[c], base + 0x60, uint256(1) << 200), // amounts' offset past the calldata
                _orAt(calls[c], base + 0x100, uint256(1) << 40) // amounts' length past the calldata
            ];
            for (uint256 i; i < bad.length; ++i) {
                vm.prank(callers[c]);
                (bool ok, ) = address(s).call(bad[i]);
                assertFalse(ok, "a malformed order word must revert");
            }
        }
        assertEq(s.filledOf(alice, o.salt), 0);
        vm.prank(bob);
        (bool clean, ) = address(s).call(calls[0]);
        assertTrue(clean, "the clean order fills");
        assertEq(s.filledOf(alice, o.salt), WAD);
    }

    function _slice32(bytes memory data, uint256 at) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), at))
        }
    }

    function _orAt(bytes memory data, uint256 at, uint256 bits) internal pure returns (bytes memory out) {
        out = bytes.concat(data);
        assembly ("memory-safe") {
            let p := add(add(out, 0x20), at)
            mstore(p, or(mload(p), bits))
        }
    }

    /// The implementations behind the clones cannot be initialised or used by anyone.
    function test_implementation_cannotBeInitialisedOrUsed() public {
        SessionCore impl = SessionCore(factory.physicalImplementation());
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(carol, carol);
        vm.expectRevert(ISessionErrors.NotASession.selector);
        impl.releaseFallback();
    }

    // ---------------------------------------------------------------- 30: the caller cannot choose the result

    /// Rounds around t2: two before, three after. Different callers try every (round, previous) pair of the five
    /// as hints: exactly one pair settles, at the first round after t2, whoever calls; afterwards nothing else can.
    function test_settle_twoCallersDifferentHints_onlyOneOutcome() public {
        PhysicalSession s = _physical(1);
        _subscribe(s, alice, 1);
        (, uint256 t2, , ) = s.windows();
        vm.warp(t2 - 1 hours);
        uint80[5] memory ids;
        ids[0] = legFeeds[0].pushRound(90e8, t2 - 50 minutes);
        ids[1] = legFeeds[0].pushRound(95e8, t2 - 1);
        vm.warp(t2 + 30 minutes);
        ids[2] = legFeeds[0].pushRound(100e8, t2);
        ids[3] = legFeeds[0].pushRound(120e8, t2 + 1 minutes);
        ids[4] = legFeeds[0].pushRound(150e8, t2 + 2 minutes);
        uint256 passed;
        uint256 winner;
        for (uint256 i; i < 5; ++i) {
            for (uint256 j; j < 5; ++j) {
                uint256 snap = vm.snapshotState();
                uint80[][] memory hints = new uint80[][](1);
                hints[0] = new uint80[](2);
                (hints[0][0], hints[0][1]) = (ids[i], ids[j]);
                vm.prank(i % 2 == 0 ? bob : carol);
                try s.settle(hints) {
                    ++passed;
                    winner = i * 5 + j;
                    assertEq(s.settlementPrice(0), 100e18, "the first round at/after t2");
                } catch {}
                vm.revertToState(snap);
            }
        }
        assertEq(passed, 1, "exactly one hint pair passes");
        assertEq(winner, 2 * 5 + 1, "[first after t2, last before t2]");
        // The keeper's hints are that same pair; once settled, the other caller's try is refused.
        (bool needed, bytes memory data) = s.checkUpkeep("");
        assertTrue(needed);
        vm.prank(carol);
        s.performUpkeep(data);
        uint80[][] memory other = new uint80[][](1);
        other[0] = new uint80[](2);
        (other[0][0], other[0][1]) = (ids[4], ids[3]);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ISessionErrors.AlreadyFinal.selector, Status.Settled));
        s.settle(other);
        assertEq(s.settlementPrice(0), 100e18);
    }
}
