// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {SessionAuditBase} from "./SessionAuditBase.sol";
import {BoundedMarkets} from "../../../contracts/markets/BoundedMarkets.sol";
import {BoundedMarketsAdmin} from "../../../contracts/markets/BoundedMarketsAdmin.sol";
import {BoundedMarketsLens} from "../../../contracts/markets/BoundedMarketsLens.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";
import {CashSession} from "../../../contracts/sessions/CashSession.sol";
import {ISessionErrors} from "../../../contracts/sessions/ISessionErrors.sol";
import {PhysicalSession} from "../../../contracts/sessions/PhysicalSession.sol";
import {SessionCore} from "../../../contracts/sessions/SessionCore.sol";
import {SessionFactory} from "../../../contracts/sessions/SessionFactory.sol";
import {SessionOrder} from "../../../contracts/sessions/SessionOrderLib.sol";
import {SessionKind, SettlementMode} from "../../../contracts/sessions/SessionTypes.sol";

/// @notice Gas at the session leg cap (26) and isolation between many sessions and roots living at once on the
/// same tokens (24).
contract SessionsCapsAndIsolationTest is SessionAuditBase {
    uint256 internal constant BLOCK_GAS_LIMIT = 30_000_000;

    // ---------------------------------------------------------------- 26: 32 legs

    /// @dev An order of `maker` over all n legs: gives 1e15 of every even leg, receives 1e15 of every odd leg.
    function _allLegsOrder(address maker, uint256 n, bool flip) internal returns (SessionOrder memory o) {
        int256[] memory amounts = new int256[](n);
        for (uint256 k; k < n; ++k) amounts[k] = (k % 2 == 0) != flip ? -1e15 : int256(1e15);
        o = SessionOrder(maker, address(0), (1 << n) - 1, amounts, 50, block.timestamp + 30 days, 0, ++nonceSalt);
    }

    /// A physical session at the cap of 32 legs: subscribe (32 pulls), a fill touching all 32 legs, settlement
    /// (32 fixings) and a claim (32 transfers) each stay far below a block; 33 legs are refused at creation.
    function test_gas_physicalSessionAt32Legs_underBlockLimit() public {
        uint256 n = factory.MAX_LEGS();
        PhysicalSession s = _physical(n);
        uint256 g = gasleft();
        _subscribe(s, alice, 2);
        g -= gasleft();
        emit log_named_uint("gas subscribe @32 legs (with mints and approvals)", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        _subscribe(s, bob, 2);
        (uint256 t1, , , ) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _allLegsOrder(alice, n, false);
        bytes memory sig = _signOrder(PKA, s, o);
        vm.prank(bob);
        g = gasleft();
        s.fill(o, sig, WAD);
        g -= gasleft();
        emit log_named_uint("gas fill of a 32-leg order", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        uint80[][] memory hints = _roundsAroundT2(s, n, 100e8);
        g = gasleft();
        s.settle(hints);
        g -= gasleft();
        emit log_named_uint("gas settle @32 legs", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        vm.prank(alice);
        g = gasleft();
        s.claim(alice);
        g -= gasleft();
        emit log_named_uint("gas claim @32 legs", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        _ensureLegs(n + 1);
        vm.expectRevert(abi.encodeWithSelector(SessionFactory.InvalidConfig.selector, "legs", n + 1));
        factory.createSession(_config(SessionKind.Physical, SettlementMode.InKind, n + 1));
    }

    /// A cash session at 32 legs: a 32-leg fill (32 worst-case updates), settlement and a claim (32-term payout).
    function test_gas_cashSessionAt32Legs_underBlockLimit() public {
        uint256 n = factory.MAX_LEGS();
        CashSession s = _cash(n);
        _subscribe(s, alice, 1);
        _subscribe(s, bob, 1);
        (uint256 t1, , , ) = s.windows();
        vm.warp(t1);
        SessionOrder memory o = _allLegsOrder(alice, n, false);
        bytes memory sig = _signOrder(PKA, s, o);
        vm.prank(bob);
        uint256 g = gasleft();
        s.fill(o, sig, WAD);
        g -= gasleft();
        emit log_named_uint("gas cash fill of a 32-leg order", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        uint80[][] memory hints = _roundsAroundT2(s, n, 100e8);
        g = gasleft();
        s.settle(hints);
        g -= gasleft();
        emit log_named_uint("gas cash settle @32 legs", g);
        assertLt(g, BLOCK_GAS_LIMIT);
        vm.prank(bob);
        g = gasleft();
        s.claim(bob);
        g -= gasleft();
        emit log_named_uint("gas cash claim @32 legs", g);
        assertLt(g, BLOCK_GAS_LIMIT);
    }

    // ---------------------------------------------------------------- 24: many sessions and roots at once

    BoundedMarkets internal core;

    function _marketsCore() internal returns (BoundedMarketsAdmin adm) {
        core = new BoundedMarkets(address(new BoundedMarketsAdmin()));
        adm = BoundedMarketsAdmin(address(core));
    }

    function _deposit(address who, uint256 amount) internal {
        collateral.mint(who, amount);
        vm.startPrank(who);
        collateral.approve(address(core), amount);
        core.deposit(IERC20(address(collateral)), amount);
        vm.stopPrank();
    }

    function _placeM(address who, uint256 rootId, uint8 tick, int64 qty) internal {
        Order memory o = Order(uint64(rootId), 1, tick, qty, 0, uint64(block.timestamp + 1 days), 0, ++nonceSalt, who);
        vm.prank(who);
        core.place(o, "", 8);
    }

    /// Three physical sessions on the same leg tokens, three cash sessions and three market roots on the same
    /// collateral, all live at once with the same traders. One session of each kind and one root (chosen by the
    /// fuzzer) run to the end (trade, settle or collapse, claim, redeem, withdraw everything) while the others
    /// keep open positions. Afterwards every other session still holds exactly its own obligations, their
    /// allocations and deposits are unchanged, and the markets singleton holds exactly the cash it owes.
    function testFuzz_isolation_manySessionsAndRootsAtOnce(uint8 pick, uint8 tick) public {
        uint256 v = pick % 3;
        tick = uint8(bound(tick, 1, 99));
        PhysicalSession[3] memory ps;
        CashSession[3] memory cs;
        for (uint256 i; i < 3; ++i) {
            ps[i] = _physical(2);
            cs[i] = _cash(2);
            _subscribe(ps[i], alice, 3 + i);
            _subscribe(ps[i], bob, 2);
            _subscribe(cs[i], alice, 1 + i);
            _subscribe(cs[i], bob, 1);
        }
        BoundedMarketsAdmin adm = _marketsCore();
        uint256[3] memory roots;
        MarketStorage.RootParams memory p = MarketStorage.RootParams(
            IERC20(address(collateral)),
            10_000,
            0,
            0,
            100,
            uint64(block.timestamp + 5 days),
            uint64(block.timestamp + 20 days),
            0,
            address(0),
            0
        );
        for (uint256 i; i < 3; ++i) roots[i] = adm.createRoot(p);
        _deposit(alice, 100e6);
        _deposit(bob, 100e6);
        _deposit(carol, 1e6); // a bystander who only deposits
        (uint256 t1, , , ) = ps[0].windows();
        vm.warp(t1);
        for (uint256 i; i < 3; ++i) {
            SessionOrder memory o = _order(alice, 0, 1e18, 1, 1e18);
            bytes memory sig = _signOrder(PKA, ps[i], o);
            vm.prank(bob);
            ps[i].fill(o, sig, WAD / 2);
            o = _order(alice, 0, 1e18, 1, 1e18);
            sig = _signOrder(PKA, cs[i], o);
            vm.prank(bob);
            cs[i].fill(o, sig, WAD);
            _placeM(bob, roots[i], tick, -5);
            _placeM(alice, roots[i], tick, 5);
        }
        // Snapshot of the sessions that stay open.
        int256[3][2] memory allocAlice;
        uint256[3] memory depBob;
        for (uint256 i; i < 3; ++i) {
            allocAlice[0][i] = ps[i].allocationOf(alice)[0];
            allocAlice[1][i] = cs[i].allocationOf(alice)[1];
            (, depBob[i], , ) = cs[i].accountOf(bob);
        }
        // Run session v of each kind and root v to the end.
        ps[v].settle(_roundsAroundT2(ps[v], 2, 100e8));
        cs[v].settle(_roundsAroundT2(cs[v], 2, 120e8));
        address[3] memory who = [alice, bob, feeTo];
        for (uint256 j; j < 3; ++j) {
            vm.prank(who[j]);
            ps[v].claim(who[j]);
            vm.prank(who[j]);
            cs[v].claim(who[j]);
        }
        adm.postBounds(roots[v], 1, 70, 70);
        core.redeem(roots[v], alice);
        core.redeem(roots[v], bob);
        // The other sessions cannot be claimed from, whoever asks.
        for (uint256 i; i < 3; ++i) {
            if (i == v) continue;
            vm.prank(alice);
            vm.expectRevert(ISessionErrors.NotFinal.selector);
            ps[i].claim(alice);
        }
        for (uint256 i; i < 3; ++i) {
            for (uint256 k; k < 2; ++k) {
                assertEq(legTokens[k].balanceOf(address(ps[i])), ps[i].obligations(k), "physical: own obligations");
            }
            assertEq(
                collateral.balanceOf(address(cs[i])),
                cs[i].totalDeposit() - cs[i].paid(0) - cs[i].swept(0),
                "cash: own"
            );
            if (i == v) {
                assertEq(legTokens[0].balanceOf(address(ps[i])), 0, "finished session emptied");
                continue;
            }
            assertEq(ps[i].allocationOf(alice)[0], allocAlice[0][i], "open physical untouched");
            assertEq(cs[i].allocationOf(alice)[1], allocAlice[1][i], "open cash untouched");
            (, uint256 d, , ) = cs[i].accountOf(bob);
            assertEq(d, depBob[i], "open cash deposit untouched");
        }
        for (uint256 i; i < 3; ++i) {
            if (i == v) continue;
            vm.prank(bob);
            core.sync(roots[i]); // credit Bob's maker fills on the open roots
        }
        (int256 cashCarol, , ) = BoundedMarketsLens(address(core)).account(carol, IERC20(address(collateral)));
        assertEq(cashCarol, 1e6, "bystander untouched");
        (int256 ca, , ) = BoundedMarketsLens(address(core)).account(alice, IERC20(address(collateral)));
        (int256 cb, , ) = BoundedMarketsLens(address(core)).account(bob, IERC20(address(collateral)));
        // Alice (long 5 on each root) and Bob (short) still hold two open roots; their cash plus what those roots
        // may still pay each other is the 201 units deposited: the premiums on open roots net to zero.
        assertEq(ca + cb + cashCarol, 201e6, "singleton cash == deposits");
        assertEq(collateral.balanceOf(address(core)), 201e6, "singleton balance == deposits");
        vm.prank(alice);
        core.withdraw(IERC20(address(collateral)), 1, alice);
    }
}
