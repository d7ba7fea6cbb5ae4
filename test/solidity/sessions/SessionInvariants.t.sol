// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";

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
    SettlementMode,
    Status
} from "../../../contracts/sessions/SessionTypes.sol";

/// @notice Drives random subscribe/redeem/fill/match/cancel/warp/settle/fallback/claim/sweep across two physical
/// sessions sharing their leg tokens and one cash session, with three signing traders and a fee recipient.
contract SessionHandler is Test {
    uint256 internal constant N = 3;
    uint256 internal constant WAD = 1e18;

    SessionCore[3] public sessions; // 0: physical in kind, 1: physical value-weighted, 2: cash
    MockERC20[N] public tokens;
    MockERC20 public collateral;
    MockAggregator[N] public feeds;
    uint256[3] public pks = [uint256(0xA11CE), uint256(0xB0B), uint256(0xCA401)];
    address[3] public actors;
    address public feeTo;
    mapping(uint256 session => mapping(address account => uint256)) public claimsMade;
    uint256 public maxClaims;
    uint256 public salt;
    /// @notice Successful calls, to show the runs reach trading and settlement.
    uint256 public fills;
    uint256 public matches;
    uint256 public settles;

    constructor(SessionCore[3] memory s, MockERC20[N] memory t, MockERC20 c, MockAggregator[N] memory f, address fee) {
        sessions = s;
        tokens = t;
        collateral = c;
        feeds = f;
        feeTo = fee;
        for (uint256 i; i < 3; ++i) actors[i] = vm.addr(pks[i]);
    }

    function actorCount() external pure returns (uint256) {
        return 3;
    }

    function subscribe(uint256 who, uint256 which, uint256 shares) external {
        who = who % 3;
        which = which % 3;
        shares = bound(shares, 1, 5);
        address a = actors[who];
        SessionCore s = sessions[which];
        if (which < 2) {
            for (uint256 k; k < N; ++k) {
                (, , uint256 unit, , ) = s.leg(k);
                tokens[k].mint(a, shares * unit);
                vm.prank(a);
                tokens[k].approve(address(s), shares * unit);
            }
        } else {
            uint256 dep = CashSession(address(s)).depositFor(shares);
            collateral.mint(a, dep);
            vm.prank(a);
            collateral.approve(address(s), dep);
        }
        vm.prank(a);
        try s.subscribe(shares, new bytes32[](0)) {} catch {}
    }

    function redeem(uint256 who, uint256 which, uint256 shares) external {
        address a = actors[who % 3];
        SessionCore s = sessions[which % 3];
        vm.prank(a);
        try s.redeem(bound(shares, 1, 5)) {} catch {}
    }

    function _order(
        uint256 who,
        uint256 pair,
        uint256 give,
        uint256 get,
        bool flip,
        SessionCore s
    ) internal returns (SessionOrder memory o, bytes memory sig) {
        (uint256 legs, int256[] memory amounts) = _amounts(pair, give, get, flip, s);
        address maker = actors[who % 3];
        o = SessionOrder(maker, address(0), legs, amounts, 50, block.timestamp + 1 days, s.minNonce(maker), ++salt);
        sig = _sign(who, s, o);
    }

    function _sign(uint256 who, SessionCore s, SessionOrder memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(pks[who % 3], s.hashOrder(o));
        return abi.encodePacked(r, sv, v);
    }

    function _amounts(
        uint256 pair,
        uint256 give,
        uint256 get,
        bool flip,
        SessionCore s
    ) internal view returns (uint256 legs, int256[] memory amounts) {
        (uint256 p, uint256 q) = pair % 3 == 0
            ? (0, 1)
            : pair % 3 == 1
                ? (1, 2)
                : (0, 2);
        (, , uint256 unitP, , ) = s.leg(p);
        (, , uint256 unitQ, , ) = s.leg(q);
        amounts = new int256[](2);
        amounts[0] = -int256(bound(give, 1, unitP));
        amounts[1] = int256(bound(get, 1, unitQ));
        if (flip) (amounts[0], amounts[1]) = (-amounts[0], -amounts[1]);
        legs = (1 << p) | (1 << q);
    }

    function fill(
        uint256 which,
        uint256 maker,
        uint256 taker,
        uint256 pair,
        uint256 give,
        uint256 get,
        uint256 fraction
    ) external {
        SessionCore s = sessions[which % 3];
        (SessionOrder memory o, bytes memory sig) = _order(maker, pair, give, get, false, s);
        // a taker other than the maker
        vm.prank(actors[(maker + 1 + (taker % 2)) % 3]);
        try s.fill(o, sig, bound(fraction, 1, WAD)) {
            ++fills;
        } catch {}
    }

    function matchOrders(
        uint256 which,
        uint256 makerA,
        uint256 pair,
        uint256 give,
        uint256 get,
        uint256 slack,
        uint256 fraction
    ) external {
        SessionCore s = sessions[which % 3];
        (SessionOrder memory a, bytes memory sigA) = _order(makerA, pair, give, get, false, s);
        (SessionOrder memory b, bytes memory sigB) = _mirror(makerA + 1, a, slack, s);
        try s.matchOrders(a, sigA, b, sigB, bound(fraction, 1, WAD)) {
            ++matches;
        } catch {}
    }

    /// @dev B: the mirror of A at a rate at least as generous (pays up to `slack` more of A's receive leg).
    function _mirror(
        uint256 who,
        SessionOrder memory a,
        uint256 slack,
        SessionCore s
    ) internal returns (SessionOrder memory b, bytes memory sig) {
        int256[] memory amounts = new int256[](2);
        amounts[0] = -a.amounts[0];
        amounts[1] = -a.amounts[1] - int256(bound(slack, 0, uint256(a.amounts[1])));
        address maker = actors[who % 3];
        b = SessionOrder(maker, address(0), a.legs, amounts, 50, block.timestamp + 1 days, s.minNonce(maker), ++salt);
        sig = _sign(who, s, b);
    }

    function cancelAll(uint256 who, uint256 which) external {
        SessionCore s = sessions[which % 3];
        address a = actors[who % 3];
        uint256 next = s.minNonce(a) + 1;
        vm.prank(a);
        s.raiseNonceFloor(next);
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 1 days));
    }

    function settle(uint256 which, uint256 priceSeed) external {
        SessionCore s = sessions[which % 3];
        (, uint256 t2, , ) = s.windows();
        if (block.timestamp < t2) return;
        for (uint256 k; k < N; ++k) {
            (, , uint256 updatedAt, , ) = feeds[k].latestRoundData();
            if (updatedAt < t2)
                feeds[k].pushRound(
                    int256(bound(uint256(keccak256(abi.encode(priceSeed, k))), 1e8, 400e8)),
                    block.timestamp
                );
        }
        (bool needed, bytes memory data) = s.checkUpkeep("");
        if (needed) {
            try s.performUpkeep(data) {
                ++settles;
            } catch {}
        }
    }

    function releaseFallback(uint256 which) external {
        try sessions[which % 3].releaseFallback() {} catch {}
    }

    function claim(uint256 who, uint256 which) external {
        uint256 i = which % 3;
        address a = who % 4 == 3 ? feeTo : actors[who % 4];
        vm.prank(a);
        try sessions[i].claim(a) {
            uint256 c = ++claimsMade[i][a];
            if (c > maxClaims) maxClaims = c;
        } catch {}
    }

    function sweep(uint256 which) external {
        try sessions[which % 3].sweepDust() {} catch {}
    }
}

contract SessionInvariantsTest is StdInvariant, Test {
    uint256 internal constant N = 3;
    SessionHandler internal handler;
    SessionCore[3] internal sessions;
    MockERC20[N] internal tokens;
    MockERC20 internal collateral;
    address internal constant FEE_TO = address(0xFEE);

    function setUp() public {
        vm.warp(1_800_000_000);
        MockAggregator[N] memory feeds;
        uint8[3] memory decs = [18, 6, 8];
        for (uint256 k; k < N; ++k) {
            tokens[k] = new MockERC20("Leg", "L", decs[k]);
            feeds[k] = new MockAggregator(8, "feed");
            feeds[k].pushRound(100e8, block.timestamp);
        }
        collateral = new MockERC20("USD", "USD", 6);
        SessionFactory factory = new SessionFactory(
            address(new PhysicalSession()),
            address(new CashSession()),
            address(new MarginSession(address(new MarginModule()))),
            address(new SessionOracle())
        );
        sessions[0] = SessionCore(factory.createSession(_config(SessionKind.Physical, SettlementMode.InKind, feeds)));
        sessions[1] = SessionCore(
            factory.createSession(_config(SessionKind.Physical, SettlementMode.ValueWeighted, feeds))
        );
        sessions[2] = SessionCore(factory.createSession(_config(SessionKind.Cash, SettlementMode.Cash, feeds)));
        handler = new SessionHandler(sessions, tokens, collateral, feeds, FEE_TO);
        // Every actor starts with 3 shares in every session, so runs reach trading quickly.
        for (uint256 who; who < 3; ++who) {
            for (uint256 i; i < 3; ++i) handler.subscribe(who, i, 3);
        }
        targetContract(address(handler));
    }

    function _config(
        SessionKind kind,
        SettlementMode mode,
        MockAggregator[N] memory feeds
    ) internal view returns (SessionConfig memory c) {
        LegConfig[] memory legs = new LegConfig[](N);
        for (uint256 k; k < N; ++k) {
            address[] memory f = new address[](1);
            f[0] = address(feeds[k]);
            FixingSpec memory spec = FixingSpec(FixingKind.FirstAfter, f, 30 days, 1 days, 0, 0, 0, address(0), 0);
            bool phys = kind == SessionKind.Physical;
            legs[k] = LegConfig(
                phys ? address(tokens[k]) : address(0),
                phys ? 10 ** tokens[k].decimals() : 1e18,
                phys ? 0 : 50e18,
                phys ? 0 : 200e18,
                spec
            );
        }
        uint40 t = uint40(block.timestamp);
        c = SessionConfig(
            kind,
            mode,
            legs,
            kind == SessionKind.Cash ? address(collateral) : address(0),
            t + 6 hours,
            t + 1 days,
            t + 2 days,
            t + 3 days,
            10,
            5,
            FEE_TO,
            Participation.Open,
            bytes32(0),
            address(this),
            address(this)
        );
    }

    function _accounts() internal view returns (address[4] memory a) {
        for (uint256 i; i < 3; ++i) a[i] = handler.actors(i);
        a[3] = FEE_TO;
    }

    /// Conservation: the allocations of all accounts add up to the basket, in every session and leg.
    function invariant_conservation() public view {
        address[4] memory a = _accounts();
        for (uint256 i; i < 3; ++i) {
            int256[N] memory sum;
            for (uint256 j; j < 4; ++j) {
                int256[] memory x = sessions[i].allocationOf(a[j]);
                for (uint256 k; k < N; ++k) sum[k] += x[k];
            }
            for (uint256 k; k < N; ++k) {
                (, , uint256 unit, , ) = sessions[i].leg(k);
                assertEq(sum[k], int256(sessions[i].totalShares() * unit), "sum x == q");
            }
        }
    }

    /// Full funding and isolation: each session's balance equals exactly its own obligations (no donations are
    /// made, and the physical sessions share tokens), and every cash account is solvent at the worst corner.
    function invariant_fullFundingAndIsolation() public view {
        for (uint256 i; i < 2; ++i) {
            PhysicalSession s = PhysicalSession(address(sessions[i]));
            for (uint256 k; k < N; ++k)
                assertEq(tokens[k].balanceOf(address(s)), s.obligations(k), "balance == obligations");
        }
        CashSession c = CashSession(address(sessions[2]));
        assertEq(
            collateral.balanceOf(address(c)),
            c.totalDeposit() - c.paid(0) - c.swept(0),
            "cash balance == obligations"
        );
        address[4] memory a = _accounts();
        for (uint256 j; j < 4; ++j) assertGe(c.marginE36(a[j]), 0, "cash margin >= 0");
    }

    /// Claims never exceed the pool, and once every holder has claimed they (plus accounted dust) equal it.
    function invariant_claimsSumToPool() public view {
        address[4] memory a = _accounts();
        for (uint256 i; i < 3; ++i) {
            SessionCore s = sessions[i];
            if (s.status() == Status.Open) continue;
            bool allClaimed = true;
            for (uint256 j; j < 4; ++j) {
                (, , bool claimed, ) = s.accountOf(a[j]);
                if (!claimed && _holds(i, a[j])) allClaimed = false;
            }
            uint256 legs = i < 2 ? N : 1;
            for (uint256 k; k < legs; ++k) {
                uint256 pool = i < 2 ? s.totalShares() * _unit(s, k) : CashSession(address(s)).totalDeposit();
                uint256 denom =
                    i == 2
                        ? 1e30
                        : i == 1
                            ? PhysicalSession(address(s)).basketValueE36()
                            : 1;
                uint256 dust = denom == 0 ? 0 : s.remainder(k) / denom;
                assertLe(s.paid(k) + dust, pool, "claims <= pool");
                if (allClaimed && denom != 0) {
                    assertEq(s.remainder(k) % denom, 0, "dust is whole units once all claimed");
                    assertEq(s.paid(k) + dust, pool, "claims + dust == pool");
                }
            }
        }
    }

    /// No account is paid twice by one session.
    function invariant_noDoubleClaim() public view {
        assertLe(handler.maxClaims(), 1);
    }

    /// The handler's actions really trade, settle and claim (so the invariants are exercised on live states).
    function test_handlerReachesTradingSettlementAndClaims() public {
        vm.warp(block.timestamp + 7 hours);
        for (uint256 i; i < 3; ++i) {
            handler.fill(i, 0, 1, 0, 1e6, 1e6, 1e18);
            handler.matchOrders(i, 0, 1, 1e5, 1e5, 0, 5e17);
        }
        vm.warp(block.timestamp + 1 days);
        for (uint256 i; i < 3; ++i) handler.settle(i, 42);
        for (uint256 i; i < 3; ++i) handler.claim(0, i);
        assertEq(handler.fills(), 3, "fills");
        assertEq(handler.matches(), 3, "matches");
        assertEq(handler.settles(), 3, "settles");
        assertEq(handler.maxClaims(), 1, "claims");
    }

    function _unit(SessionCore s, uint256 k) internal view returns (uint256 u) {
        (, , u, , ) = s.leg(k);
    }

    function _holds(uint256 i, address who) internal view returns (bool) {
        if (i == 2) {
            (uint256 amt, uint256 rem) = CashSession(address(sessions[2])).payoutOf(who);
            return amt != 0 || rem != 0;
        }
        int256[] memory x = sessions[i].allocationOf(who);
        for (uint256 k; k < N; ++k) if (x[k] != 0) return true;
        return false;
    }
}
