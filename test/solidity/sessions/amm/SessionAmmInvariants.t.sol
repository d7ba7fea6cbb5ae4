// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {FixedPointMathLib as FPM} from "solady/src/utils/FixedPointMathLib.sol";

import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {MockERC20} from "../../../../contracts/mocks/MockERC20.sol";
import {FixingKind, FixingSpec} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {CashSession} from "../../../../contracts/sessions/CashSession.sol";
import {MarginModule} from "../../../../contracts/sessions/margin/MarginModule.sol";
import {MarginSession} from "../../../../contracts/sessions/margin/MarginSession.sol";
import {ISessionPool} from "../../../../contracts/sessions/ISessionPool.sol";
import {PhysicalSession} from "../../../../contracts/sessions/PhysicalSession.sol";
import {SessionCore} from "../../../../contracts/sessions/SessionCore.sol";
import {SessionFactory} from "../../../../contracts/sessions/SessionFactory.sol";
import {SessionOracle} from "../../../../contracts/sessions/SessionOracle.sol";
import {SessionOrder} from "../../../../contracts/sessions/SessionOrderLib.sol";
import {
    LegConfig,
    Participation,
    SessionConfig,
    SessionKind,
    SettlementMode
} from "../../../../contracts/sessions/SessionTypes.sol";
import {SessionAmm} from "../../../../contracts/sessions/amm/SessionAmm.sol";

/// @notice Random swaps (signed orders exact-in and exact-out, at the quote or with slack, and greedy ones asking one
/// unit more than the quote; the traders' own pool swaps through the session, at the quote's limit or one unit
/// beyond it), LP adds and withdrawals, and oracle moves against one AMM in a 3-leg physical session.
contract AmmHandler is Test {
    uint256 internal constant N = 3;
    uint256 internal constant WAD = 1e18;

    SessionCore public session;
    SessionAmm public amm;
    MockAggregator[N] public feeds;
    uint256[2] internal traderPks = [uint256(0xA11CE), uint256(0xB0B)];
    uint256 internal constant LP_PK = 0x1B;
    uint256 internal salt;

    /// @notice ln(V / totalShares) after the last action (WAD), and whether it ever fell beyond evaluation noise.
    int256 public lastLnPerShare;
    bool public perShareFell;
    bool public greedySucceeded;
    /// @notice A pool swap that moved the trader's allocation by other than the quote (net of the maker fee).
    bool public poolSwapOffQuote;
    uint256 public swaps;
    uint256 public poolSwaps;
    uint256 public adds;
    uint256 public withdrawals;

    /// @dev ln evaluation noise allowed per check: each lnWad is within a few wei.
    int256 internal constant LN_TOLERANCE = 100;

    constructor(SessionCore s, SessionAmm a, MockAggregator[N] memory f) {
        session = s;
        amm = a;
        feeds = f;
        lastLnPerShare = _lnPerShare();
    }

    function trader(uint256 i) public view returns (address) {
        return vm.addr(traderPks[i % 2]);
    }

    function lp() public pure returns (address) {
        return vm.addr(LP_PK);
    }

    function _sign(uint256 pk, SessionOrder memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, session.hashOrder(o));
        return abi.encodePacked(r, s, v);
    }

    function _swapOrder(
        address who,
        uint256 i,
        uint256 j,
        uint256 amountIn,
        uint256 amountOut
    ) internal returns (SessionOrder memory o) {
        int256[] memory amounts = new int256[](2);
        (uint256 lo, uint256 hi) = i < j ? (i, j) : (j, i);
        amounts[i < j ? 0 : 1] = -int256(amountIn);
        amounts[i < j ? 1 : 0] = int256(amountOut);
        o = SessionOrder(who, address(amm), (1 << lo) | (1 << hi), amounts, 50, block.timestamp + 1 hours, 0, ++salt);
    }

    function _legs(uint256 a, uint256 b) internal pure returns (uint256 i, uint256 j) {
        i = a % N;
        j = (i + 1 + (b % (N - 1))) % N;
    }

    function _try(uint256 who, SessionOrder memory o, bool exactOut) internal returns (bool ok) {
        bytes memory sig = _sign(traderPks[who % 2], o);
        if (exactOut) {
            try amm.swapExactOut(o, sig) {
                ok = true;
            } catch {}
        } else {
            try amm.swapExactIn(o, sig) {
                ok = true;
            } catch {}
        }
    }

    function _quoteIn(uint256 i, uint256 j, uint256 amountIn) internal view returns (uint256 out) {
        try amm.quoteExactIn(i, j, amountIn) returns (uint256 o, uint256, uint256, bool) {
            out = o;
        } catch {}
    }

    function _quoteOut(uint256 i, uint256 j, uint256 amountOut) internal view returns (uint256 amountIn) {
        try amm.quoteExactOut(i, j, amountOut) returns (uint256 a, uint256, uint256, bool) {
            amountIn = a;
        } catch {}
    }

    function _reserve(uint256 k) internal view returns (uint256) {
        (uint256[] memory r, ) = amm.reserves();
        return r[k];
    }

    function swapExactIn(uint256 who, uint256 a, uint256 b, uint256 size, uint256 slackBps) external {
        (uint256 i, uint256 j) = _legs(a, b);
        uint256 amountIn = bound(size, 1, _reserve(i) / 10 + 1);
        uint256 out = (_quoteIn(i, j, amountIn) * (10_000 - bound(slackBps, 0, 100))) / 10_000;
        if (out != 0 && _try(who, _swapOrder(trader(who), i, j, amountIn, out), false)) ++swaps;
        _checkPerShare();
    }

    function swapExactOut(uint256 who, uint256 a, uint256 b, uint256 size) external {
        (uint256 i, uint256 j) = _legs(a, b);
        uint256 amountOut = bound(size, 1, _reserve(j) / 10 + 1);
        uint256 amountIn = _quoteOut(i, j, amountOut);
        if (amountIn != 0 && _try(who, _swapOrder(trader(who), i, j, amountIn, amountOut), true)) ++swaps;
        _checkPerShare();
    }

    /// @dev Asks one unit more than the exact-in quote, or pays one unit less than the exact-out quote: must fail.
    function swapGreedy(uint256 who, uint256 a, uint256 b, uint256 size, bool exactOut) external {
        (uint256 i, uint256 j) = _legs(a, b);
        if (exactOut) {
            uint256 amountOut = bound(size, 1, _reserve(j) / 10 + 1);
            uint256 amountIn = _quoteOut(i, j, amountOut);
            if (amountIn > 1 && _try(who, _swapOrder(trader(who), i, j, amountIn - 1, amountOut), true)) {
                greedySucceeded = true;
            }
        } else {
            uint256 amountIn = bound(size, 1, _reserve(i) / 10 + 1);
            uint256 out = _quoteIn(i, j, amountIn);
            if (_try(who, _swapOrder(trader(who), i, j, amountIn, out + 1), false)) greedySucceeded = true;
        }
        _checkPerShare();
    }

    /// @dev One pool swap: legs, the amount named, the quote's two sides and the trader's limit.
    struct PoolSwap {
        address trader;
        uint256 i;
        uint256 j;
        uint256 amount;
        uint256 quoteIn;
        uint256 quoteOut;
        uint256 limit;
        bool exactOut;
    }

    /// @dev The trader's own swap through the session ({PhysicalSession.swapWithPool}), its limit at the quote
    /// (`greedy`: one unit beyond it, which must fail). A success must move the trader by exactly the quote.
    function poolSwap(uint256 who, uint256 a, uint256 b, uint256 size, bool exactOut, bool greedy) external {
        PoolSwap memory p;
        p.trader = trader(who);
        p.exactOut = exactOut;
        (p.i, p.j) = _legs(a, b);
        if (exactOut) {
            p.amount = bound(size, 1, _reserve(p.j) / 10 + 1);
            (p.quoteIn, p.quoteOut) = (_quoteOut(p.i, p.j, p.amount), p.amount);
            if (p.quoteIn == 0) return;
            p.limit = greedy ? p.quoteIn - 1 : p.quoteIn;
        } else {
            p.amount = bound(size, 1, _reserve(p.i) / 10 + 1);
            (p.quoteIn, p.quoteOut) = (p.amount, _quoteIn(p.i, p.j, p.amount));
            p.limit = greedy ? p.quoteOut + 1 : p.quoteOut;
        }
        if (_tryPoolSwap(p)) {
            if (greedy) greedySucceeded = true;
            ++poolSwaps;
        }
        _checkPerShare();
    }

    function _tryPoolSwap(PoolSwap memory p) internal returns (bool ok) {
        int256[] memory before = session.allocationOf(p.trader);
        vm.prank(p.trader);
        try
            PhysicalSession(address(session)).swapWithPool(
                ISessionPool(address(amm)),
                p.i,
                p.j,
                p.amount,
                p.limit,
                p.exactOut
            )
        {
            ok = true;
        } catch {}
        if (!ok) return false;
        int256[] memory x = session.allocationOf(p.trader);
        (, , , , , uint256 makerBps, , ) = session.config();
        uint256 received = p.quoteOut - (p.quoteOut * makerBps) / 10_000;
        if (before[p.i] - x[p.i] != int256(p.quoteIn) || x[p.j] - before[p.j] != int256(received)) {
            poolSwapOffQuote = true;
        }
    }

    function add(uint256 fracBps) external {
        int256[] memory x = session.allocationOf(lp());
        fracBps = bound(fracBps, 1, 2_000);
        int256[] memory amounts = new int256[](N);
        for (uint256 k; k < N; ++k) {
            // Safe cast: physical allocations are never negative.
            uint256 a = (uint256(x[k]) * fracBps) / 10_000;
            if (a == 0) return;
            amounts[k] = -int256(a);
        }
        SessionOrder memory o = SessionOrder(lp(), address(amm), 7, amounts, 50, block.timestamp + 1 hours, 0, ++salt);
        bytes memory sig = _sign(LP_PK, o);
        vm.prank(lp());
        try amm.add(o, sig) {
            ++adds;
        } catch {}
        _checkPerShare();
    }

    function withdraw(uint256 fracBps) external {
        uint256 total = amm.totalShares();
        if (total == 0) return;
        uint256 shares = (bound(fracBps, 1, 5_000) * total) / 10_000;
        if (shares == 0) return;
        uint256[] memory allowed = amm.previewWithdraw(shares);
        int256[] memory amounts = new int256[](N);
        for (uint256 k; k < N; ++k) {
            if (allowed[k] == 0) return;
            amounts[k] = int256(allowed[k]);
        }
        SessionOrder memory o = SessionOrder(lp(), address(amm), 7, amounts, 50, block.timestamp + 1 hours, 0, ++salt);
        bytes memory sig = _sign(LP_PK, o);
        vm.prank(lp());
        try amm.withdraw(o, sig, shares) {
            ++withdrawals;
        } catch {}
        _checkPerShare();
    }

    /// @dev Moves one oracle price by up to +-20%: the band follows the oracle; the invariant does not care.
    function moveOracle(uint256 leg, uint256 moveBps, bool up) external {
        MockAggregator f = feeds[leg % N];
        (, int256 p, , , ) = f.latestRoundData();
        moveBps = bound(moveBps, 0, 2_000);
        // Safe cast: the answer is a positive mock price.
        uint256 np = up ? (uint256(p) * (10_000 + moveBps)) / 10_000 : (uint256(p) * (10_000 - moveBps)) / 10_000;
        if (np == 0) return;
        f.pushRound(int256(np), block.timestamp);
    }

    function _lnPerShare() internal view returns (int256) {
        uint256 s = amm.totalShares();
        if (s == 0) return type(int256).min;
        return amm.lnInvariant() - FPM.lnWad(int256(s));
    }

    function _checkPerShare() internal {
        int256 now_ = _lnPerShare();
        if (now_ != type(int256).min && lastLnPerShare != type(int256).min && now_ < lastLnPerShare - LN_TOLERANCE) {
            perShareFell = true;
        }
        lastLnPerShare = now_;
    }
}

/// @notice Invariants of the session AMM: reserves equal its session allocation (never negative), session
/// conservation, the invariant per LP share never falls, and no trade beats the quote.
contract SessionAmmInvariantsTest is StdInvariant, Test {
    uint256 internal constant N = 3;
    address internal constant FEE_TO = address(0xFEE);
    AmmHandler internal handler;
    SessionCore internal session;
    SessionAmm internal amm;
    MockERC20[N] internal tokens;

    function setUp() public {
        vm.warp(1_800_000_000);
        MockAggregator[N] memory feeds;
        uint8[3] memory decs = [18, 6, 8];
        int256[3] memory prices = [int256(500e8), 300e8, 200e8];
        LegConfig[] memory legs = new LegConfig[](N);
        for (uint256 k; k < N; ++k) {
            tokens[k] = new MockERC20("Leg", "L", decs[k]);
            feeds[k] = new MockAggregator(8, "feed");
            feeds[k].pushRound(prices[k], block.timestamp);
            address[] memory f = new address[](1);
            f[0] = address(feeds[k]);
            legs[k] = LegConfig(
                address(tokens[k]),
                10 ** decs[k],
                0,
                0,
                FixingSpec(FixingKind.FirstAfter, f, 30 days, 1 days, 0, 0, 0, address(0), 0)
            );
        }
        SessionFactory factory = new SessionFactory(
            address(new PhysicalSession()),
            address(new CashSession()),
            address(new MarginSession(address(new MarginModule()))),
            address(new SessionOracle())
        );
        uint40 t = uint40(block.timestamp);
        session = SessionCore(
            factory.createSession(
                SessionConfig(
                    SessionKind.Physical,
                    SettlementMode.InKind,
                    legs,
                    address(0),
                    t + 1 hours,
                    t + 30 days,
                    t + 31 days,
                    t + 32 days,
                    10,
                    5,
                    FEE_TO,
                    Participation.Open,
                    bytes32(0),
                    address(this),
                    address(this)
                )
            )
        );
        uint64[] memory w = new uint64[](N);
        (w[0], w[1], w[2]) = (5e17, 3e17, 2e17);
        address lpAddr = vm.addr(0x1B);
        amm = new SessionAmm(session, lpAddr, w, 30, 1_000);
        handler = new AmmHandler(session, amm, feeds);
        _fund(handler.trader(0), 20);
        _fund(handler.trader(1), 20);
        _fund(lpAddr, 20);
        for (uint256 k; k < N; ++k) {
            tokens[k].mint(lpAddr, 100 * 10 ** decs[k]);
            vm.prank(lpAddr);
            tokens[k].approve(address(amm), type(uint256).max);
        }
        vm.prank(lpAddr);
        amm.subscribe(100, new bytes32[](0));
        vm.warp(t + 1 hours);
        handler = new AmmHandler(session, amm, feeds);
        targetContract(address(handler));
    }

    function _fund(address who, uint256 shares) internal {
        for (uint256 k; k < N; ++k) {
            (, , uint256 unit, , ) = session.leg(k);
            tokens[k].mint(who, shares * unit);
            vm.prank(who);
            tokens[k].approve(address(session), shares * unit);
        }
        vm.prank(who);
        session.subscribe(shares, new bytes32[](0));
    }

    /// The AMM's cached reserves are exactly its session allocation, never negative, and positive in every
    /// weighted leg while LP shares are outstanding.
    function invariant_reservesEqualAllocationAndStayPositive() public view {
        (uint256[] memory r, ) = amm.reserves();
        int256[] memory x = session.allocationOf(address(amm));
        bool live = amm.totalShares() != 0;
        for (uint256 k; k < N; ++k) {
            assertGe(x[k], 0, "AMM allocation negative");
            // Safe cast: checked non-negative just above.
            assertEq(r[k], uint256(x[k]), "reserve differs from allocation");
            if (live) assertGt(r[k], 0, "weighted reserve emptied");
        }
    }

    /// Session conservation: all allocations add up to the basket.
    function invariant_conservation() public view {
        address[5] memory accounts = [handler.trader(0), handler.trader(1), handler.lp(), address(amm), FEE_TO];
        uint256 total = session.totalShares();
        for (uint256 k; k < N; ++k) {
            int256 s;
            for (uint256 i; i < 5; ++i) s += session.allocationOf(accounts[i])[k];
            (, , uint256 unit, , ) = session.leg(k);
            assertEq(s, int256(total * unit), "conservation broken");
        }
    }

    /// The invariant per LP share never falls (swaps raise it by fees and rounding; adds and withdrawals are pro
    /// rata, rounded for the pool).
    function invariant_invariantPerShareNeverFalls() public view {
        assertFalse(handler.perShareFell(), "invariant per share fell");
    }

    /// No order asking more than the quote (or paying less) ever executes, and a trader's own pool swap moves
    /// its allocation by exactly the quote (what it receives net of the session's maker fee).
    function invariant_noTradeBeatsTheQuote() public view {
        assertFalse(handler.greedySucceeded(), "a greedy swap executed");
        assertFalse(handler.poolSwapOffQuote(), "a pool swap moved the trader off the quote");
    }

    /// Non-vacuity: the handler's swap path executes (a direct call at the start state).
    function test_handlerReachesSwapsAddsAndWithdrawals() public {
        handler.swapExactIn(0, 0, 0, 1e17, 0);
        handler.swapExactOut(1, 1, 0, 1e5);
        handler.add(500);
        handler.withdraw(1_000);
        handler.poolSwap(0, 0, 0, 1e17, false, false);
        handler.poolSwap(1, 2, 0, 1e5, true, false);
        handler.poolSwap(0, 1, 1, 1e16, false, true);
        assertEq(handler.poolSwaps(), 2);
        assertFalse(handler.greedySucceeded());
        assertFalse(handler.poolSwapOffQuote());
        assertEq(handler.swaps(), 2);
        assertEq(handler.adds(), 1);
        assertEq(handler.withdrawals(), 1);
        assertFalse(handler.perShareFell());
    }
}
