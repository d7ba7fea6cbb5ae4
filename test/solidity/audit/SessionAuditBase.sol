// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {FixingKind, FixingSpec} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {CashSession} from "../../../contracts/sessions/CashSession.sol";
import {MarginModule} from "../../../contracts/sessions/margin/MarginModule.sol";
import {MarginSession} from "../../../contracts/sessions/margin/MarginSession.sol";
import {PhysicalSession} from "../../../contracts/sessions/PhysicalSession.sol";
import {SessionCore} from "../../../contracts/sessions/SessionCore.sol";
import {SessionFactory} from "../../../contracts/sessions/SessionFactory.sol";
import {SessionOracle} from "../../../contracts/sessions/SessionOracle.sol";
import {SessionOrder} from "../../../contracts/sessions/SessionOrderLib.sol";
import {
    LegConfig,
    Participation,
    SessionConfig,
    SessionKind,
    SettlementMode
} from "../../../contracts/sessions/SessionTypes.sol";

/// @notice Session fixture for the audit suites: the factory with both implementations and the oracle adapter,
/// plain 18-decimal leg tokens with one 8-decimal {MockAggregator} each, a 6-decimal collateral, signing
/// traders, and helpers to create, subscribe, sign, and push the rounds around t2.
/// Windows of every session made here: t1 = now + 1 day, t2 = now + 2 days, fallback deadline = now + 3 days,
/// claim deadline = now + 10 days (all relative to the creation time).
abstract contract SessionAuditBase is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant PKA = 0xA11CE5;
    uint256 internal constant PKB = 0xB0B5;
    uint256 internal constant PKC = 0xCA4015;

    SessionFactory internal factory;
    SessionOracle internal oracleAdapter;
    MockERC20 internal collateral;
    MockERC20[] internal legTokens;
    MockAggregator[] internal legFeeds;

    address internal alice;
    address internal bob;
    address internal carol;
    address internal sessionAdmin = address(0xAD);
    address internal guardian = address(0x6A);
    address internal feeTo = address(0xFEE);
    uint256 internal nonceSalt;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        oracleAdapter = new SessionOracle();
        factory = new SessionFactory(
            address(new PhysicalSession()),
            address(new CashSession()),
            address(new MarginSession(address(new MarginModule()))),
            address(oracleAdapter)
        );
        collateral = new MockERC20("USD Coin", "USDC", 6);
        alice = vm.addr(PKA);
        bob = vm.addr(PKB);
        carol = vm.addr(PKC);
    }

    /// @dev Makes sure `n` plain leg tokens and feeds exist.
    function _ensureLegs(uint256 n) internal {
        while (legTokens.length < n) {
            legTokens.push(new MockERC20("Leg", "LEG", 18));
            legFeeds.push(new MockAggregator(8, "LEG / USD"));
        }
    }

    function _spec(address feed) internal pure returns (FixingSpec memory s) {
        address[] memory feeds = new address[](1);
        feeds[0] = feed;
        s = FixingSpec(FixingKind.FirstAfter, feeds, 30 days, 1 hours, 0, 1, 1e30, address(0), 0);
    }

    function _config(SessionKind kind, SettlementMode mode, uint256 n) internal returns (SessionConfig memory c) {
        _ensureLegs(n);
        LegConfig[] memory legs = new LegConfig[](n);
        for (uint256 k; k < n; ++k) {
            legs[k] =
                kind == SessionKind.Physical
                    ? LegConfig(address(legTokens[k]), WAD, 0, 0, _spec(address(legFeeds[k])))
                    : LegConfig(address(0), WAD, 50 * WAD, 200 * WAD, _spec(address(legFeeds[k])));
        }
        uint40 t = uint40(block.timestamp);
        c = SessionConfig(
            kind,
            mode,
            legs,
            kind == SessionKind.Cash ? address(collateral) : address(0),
            t + 1 days,
            t + 2 days,
            t + 3 days,
            t + 10 days,
            10,
            5,
            feeTo,
            Participation.Open,
            bytes32(0),
            sessionAdmin,
            guardian
        );
    }

    function _physical(uint256 n) internal returns (PhysicalSession) {
        return PhysicalSession(factory.createSession(_config(SessionKind.Physical, SettlementMode.InKind, n)));
    }

    function _cash(uint256 n) internal returns (CashSession) {
        return CashSession(factory.createSession(_config(SessionKind.Cash, SettlementMode.Cash, n)));
    }

    function _subscribe(SessionCore s, address who, uint256 shares) internal {
        (SessionKind kind, , uint256 n, , , , , ) = s.config();
        if (kind == SessionKind.Physical) {
            for (uint256 k; k < n; ++k) {
                (address token, , uint256 unit, , ) = s.leg(k);
                MockERC20(token).mint(who, shares * unit);
                vm.prank(who);
                MockERC20(token).approve(address(s), shares * unit);
            }
        } else {
            uint256 dep = CashSession(address(s)).depositFor(shares);
            collateral.mint(who, dep);
            vm.prank(who);
            collateral.approve(address(s), dep);
        }
        vm.prank(who);
        s.subscribe(shares, new bytes32[](0));
    }

    /// @dev An order of `maker` over legs `p` (gives `give`) and `q` (receives `get`), p < q or p > q.
    function _order(
        address maker,
        uint256 p,
        int256 give,
        uint256 q,
        int256 get
    ) internal returns (SessionOrder memory o) {
        int256[] memory amounts = new int256[](2);
        (amounts[0], amounts[1]) = p < q ? (-give, get) : (get, -give);
        o = SessionOrder(
            maker,
            address(0),
            (1 << p) | (1 << q),
            amounts,
            50,
            block.timestamp + 30 days,
            0,
            ++nonceSalt
        );
    }

    function _signOrder(uint256 pk, SessionCore s, SessionOrder memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(pk, s.hashOrder(o));
        return abi.encodePacked(r, sv, v);
    }

    function _windows(SessionCore s) internal view returns (uint256 t1, uint256 t2, uint256 fb, uint256 cd) {
        return s.windows();
    }

    /// @dev Pushes on every feed of the first `n` legs a round 10 minutes before t2 (the predecessor) and, after
    /// warping to t2 + 1 minute, the fixing round at t2 + 30 s. Returns the hints `[fixing, predecessor]` per leg.
    function _roundsAroundT2(SessionCore s, uint256 n, int256 answer) internal returns (uint80[][] memory hints) {
        (, uint256 t2, , ) = s.windows();
        hints = new uint80[][](n);
        if (block.timestamp < t2 - 10 minutes) vm.warp(t2 - 10 minutes);
        for (uint256 k; k < n; ++k) {
            hints[k] = new uint80[](2);
            hints[k][1] = legFeeds[k].pushRound(answer, t2 - 10 minutes);
        }
        vm.warp(t2 + 1 minutes);
        for (uint256 k; k < n; ++k) hints[k][0] = legFeeds[k].pushRound(answer, t2 + 30);
    }
}
