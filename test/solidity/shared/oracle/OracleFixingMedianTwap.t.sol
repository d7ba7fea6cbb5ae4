// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";

/// @notice Median of 3 and 5 feeds against a rank-counting reference; TWAP against a forward-integrating
/// reference, plus every TWAP revert path.
contract OracleFixingMedianTwapTest is OracleFixingBase {
    uint256 internal t;

    function setUp() public override {
        super.setUp();
        t = T0 + 100_000;
    }

    // ================================================================ median

    /// Reference: the value with fewer than n/2+1 values below it and fewer than n/2+1 above it.
    function _refMedian(uint256[] memory v) internal pure returns (uint256) {
        uint256 n = v.length;
        for (uint256 i; i < n; ++i) {
            uint256 below;
            uint256 above;
            for (uint256 j; j < n; ++j) {
                if (v[j] < v[i]) ++below;
                if (v[j] > v[i]) ++above;
            }
            if (below <= n / 2 && above <= n / 2) return v[i];
        }
        revert("no median");
    }

    function _median(uint256 n, uint256 seed) internal returns (uint256 got, uint256 want) {
        address[] memory feeds = new address[](n);
        uint80[] memory hints = new uint80[](2 * n);
        uint256[] memory wads = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint8 dec = uint8(r % 19);
            // small value range so ties occur often
            uint256 raw = 1 + ((r >> 8) % 7) * 10 ** dec + ((r >> 16) % 3);
            MockAggregator f = new MockAggregator(dec, "m");
            feeds[i] = address(f);
            hints[2 * i + 1] = f.pushRound(int256(raw + 5), t - 1 - ((r >> 24) % 100));
            hints[2 * i] = f.pushRound(int256(raw), t + ((r >> 32) % 100));
            wads[i] = raw * 10 ** (18 - uint256(dec));
        }
        vm.warp(t + 200);
        FixingSpec memory s = _spec(FixingKind.Median, feeds);
        h.validate(s);
        got = h.fixAt(s, t, hints);
        want = _refMedian(wads);
    }

    function testFuzz_median3_equalsReference(uint256 seed) public {
        (uint256 got, uint256 want) = _median(3, seed);
        assertEq(got, want);
    }

    function testFuzz_median5_equalsReference(uint256 seed) public {
        (uint256 got, uint256 want) = _median(5, seed);
        assertEq(got, want);
    }

    function testFuzz_medianHelper_equalsReference(uint256[5] memory raw, bool five) public view {
        uint256 n = five ? 5 : 3;
        uint256[] memory v = new uint256[](n);
        for (uint256 i; i < n; ++i) v[i] = raw[i] % 1000;
        uint256 want = _refMedian(v);
        assertEq(h.median(v), want);
    }

    function test_median_oneBadFeedRevertsWholeFixing() public {
        address[] memory feeds = new address[](3);
        uint80[] memory hints = new uint80[](6);
        for (uint256 i; i < 3; ++i) {
            MockAggregator f = new MockAggregator(8, "m");
            feeds[i] = address(f);
            hints[2 * i + 1] = f.pushRound(100e8, t - 1);
            hints[2 * i] = f.pushRound(i == 1 ? int256(0) : int256(100e8), t + 1);
        }
        vm.warp(t + 1);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, feeds[1], hints[2], int256(0), t + 1)
        );
        h.fixAt(_spec(FixingKind.Median, feeds), t, hints);
    }

    function test_median_reverts_whenHintCountWrong() public {
        address[] memory feeds = new address[](3);
        for (uint256 i; i < 3; ++i) feeds[i] = address(new MockAggregator(8, "m"));
        vm.warp(t);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongHintCount.selector, 6, 2));
        h.fixAt(_spec(FixingKind.Median, feeds), t, _pair(1, 2));
    }

    function test_latestWad_medianOfLatest_andOldestUpdatedAt() public {
        address[] memory feeds = new address[](3);
        int256[3] memory answers = [int256(300e8), 100e8, 200e8];
        for (uint256 i; i < 3; ++i) {
            MockAggregator f = new MockAggregator(8, "m");
            feeds[i] = address(f);
            f.pushRound(answers[i], T0 - 10 * i);
        }
        (uint256 p, uint256 upd) = h.latestWad(_spec(FixingKind.Median, feeds));
        assertEq(p, 200e18);
        assertEq(upd, T0 - 20);
    }

    // ================================================================ TWAP

    /// Reference: integrate forward over [t - w, t): round i holds from u[i] to u[i+1] (last: to t).
    function _refTwap(
        int256[] memory a,
        uint256[] memory u,
        uint256 tt,
        uint256 w,
        uint256 scale
    ) internal pure returns (uint256) {
        uint256 start = tt - w;
        uint256 sum;
        for (uint256 i; i < a.length; ++i) {
            uint256 from = u[i];
            uint256 to = i + 1 < a.length ? u[i + 1] : tt;
            if (to <= start || from >= tt) continue;
            if (from < start) from = start;
            sum += uint256(a[i]) * scale * (to - from);
        }
        return sum / w;
    }

    struct TwapCase {
        MockAggregator f;
        int256[] a;
        uint256[] u;
        uint80 last;
        uint80 next;
        uint256 tt;
        uint256 w;
        uint256 scale;
    }

    function _buildTwap(uint256 seed, uint256 n, bool withNextRound, uint8 dec) internal returns (TwapCase memory c) {
        c.f = new MockAggregator(dec, "twap");
        c.scale = 10 ** (18 - uint256(dec));
        c.a = new int256[](n);
        c.u = new uint256[](n);
        uint256 ts = T0;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (i > 0) ts += r % (HEARTBEAT + 1); // gaps 0..heartbeat (0 = same second)
            c.a[i] = int256(1 + ((r >> 64) % 1e12));
            c.u[i] = ts;
            c.last = c.f.pushRound(c.a[i], ts);
        }
        uint256 r2 = uint256(keccak256(abi.encode(seed, "t")));
        c.tt = ts + 1 + (r2 % HEARTBEAT); // t - last <= heartbeat
        c.w = 1 + ((r2 >> 64) % (c.tt - c.u[0])); // window covered: t - w >= u[0]
        if (withNextRound) c.next = c.f.pushRound(c.a[0], c.tt + ((r2 >> 128) % 100));
    }

    function testFuzz_twap_equalsReference(uint256 seed, uint8 nRaw, bool withNextRound, uint8 dec) public {
        uint256 n = bound(nRaw, 1, 20);
        TwapCase memory c = _buildTwap(seed, n, withNextRound, uint8(bound(dec, 0, 18)));
        vm.warp(c.tt + 200);
        FixingSpec memory s = _spec(FixingKind.Twap, _one(address(c.f)));
        // Narrowing is safe: w <= t - u[0] <= 21 * HEARTBEAT.
        s.twapWindow = uint32(c.w);
        uint256 got = h.fixAt(s, c.tt, _pair(c.next, c.last));
        assertEq(got, _refTwap(c.a, c.u, c.tt, c.w, c.scale));
        // a constant price averages to itself
        if (n == 1) assertEq(got, uint256(c.a[0]) * c.scale);
    }

    function _twapLayout() internal returns (uint80 r1, uint80 r2, uint80 r3) {
        // window [t - 1800, t): 1000 for 600 s (from before the start), 2000 for 600 s, 4000 for 600 s
        r1 = feed.pushRound(1000e8, t - 2000);
        r2 = feed.pushRound(2000e8, t - 1200);
        r3 = feed.pushRound(4000e8, t - 600);
        vm.warp(t + 10);
    }

    function test_twap_workedExample() public {
        (, , uint80 r3) = _twapLayout();
        assertEq(h.fixAt(_twapSpec(), t, _pair(0, r3)), 2333333333333333333333);
    }

    function test_twap_reverts_whenRoundZeroButPreviousNotLatest() public {
        (, uint80 r2, uint80 r3) = _twapLayout();
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.NotLatestRound.selector, address(feed), r2, r3));
        h.fixAt(_twapSpec(), t, _pair(0, r2));
    }

    function test_twap_reverts_whenPreviousNotBeforeT() public {
        (, , uint80 r3) = _twapLayout();
        uint80 r4 = feed.pushRound(5000e8, t);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.PreviousRoundNotBefore.selector, address(feed), t, t));
        h.fixAt(_twapSpec(), t, _pair(0, r4));
        // and with the next round named, the pair (r4, r3) is the only one that passes
        assertEq(h.fixAt(_twapSpec(), t, _pair(r4, r3)), 2333333333333333333333);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), r3 - 1, r4));
        h.fixAt(_twapSpec(), t, _pair(r4, r3 - 1));
    }

    function test_twap_reverts_whenNextRoundBeforeT() public {
        (, uint80 r2, uint80 r3) = _twapLayout();
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundBeforeTarget.selector, address(feed), r3, t - 600, t));
        h.fixAt(_twapSpec(), t, _pair(r3, r2));
    }

    function test_twap_reverts_whenWindowNotCovered() public {
        uint80 r1 = feed.pushRound(1000e8, t - 1000);
        vm.warp(t);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.TwapWindowNotCovered.selector, address(feed), t - 1000, t - WINDOW)
        );
        h.fixAt(_twapSpec(), t, _pair(0, r1));
    }

    function test_twap_reverts_whenGapExceedsHeartbeat() public {
        feed.pushRound(1000e8, t - 1800 - HEARTBEAT - 1);
        uint80 r2 = feed.pushRound(2000e8, t - 1800);
        vm.warp(t);
        // r2 starts exactly at the window start, so the gap before it is not used: passes
        assertEq(h.fixAt(_twapSpec(), t, _pair(0, r2)), 2000e18);
        uint80 r3 = feed.pushRound(3000e8, t - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.StaleRound.selector,
                address(feed),
                t - 1800 - HEARTBEAT - 1,
                uint256(HEARTBEAT)
            )
        );
        FixingSpec memory s = _twapSpec();
        s.twapWindow = 1801;
        h.fixAt(s, t, _pair(0, r3));
    }

    function test_twap_reverts_whenLastRoundOlderThanHeartbeatAtT() public {
        uint80 r1 = feed.pushRound(1000e8, t - HEARTBEAT - 1);
        vm.warp(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.StaleRound.selector,
                address(feed),
                t - HEARTBEAT - 1,
                uint256(HEARTBEAT)
            )
        );
        h.fixAt(_twapSpec(), t, _pair(0, r1));
    }

    function test_twap_reverts_whenTooManyRounds() public {
        uint256 k = OracleFixing.MAX_TWAP_ROUNDS + 1;
        uint80 last;
        for (uint256 i; i < k; ++i) last = feed.pushRound(1000e8, t - k + i);
        vm.warp(t);
        FixingSpec memory s = _twapSpec();
        s.twapWindow = uint32(k);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.TooManyTwapRounds.selector, address(feed), k - 1));
        h.fixAt(s, t, _pair(0, last));
        s.twapWindow = uint32(k - 1); // exactly MAX_TWAP_ROUNDS rounds: passes
        assertEq(h.fixAt(s, t, _pair(0, last)), 1000e18);
    }

    function test_twap_invalidRoundInsideWindowReverts() public {
        (, uint80 r2, uint80 r3) = _twapLayout();
        feed.setRawRound(r2, -5, t - 1200, t - 1200, r2);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), r2, int256(-5), t - 1200)
        );
        h.fixAt(_twapSpec(), t, _pair(0, r3));
    }

    function test_twap_roundsOutOfOrderRevert() public {
        (, uint80 r2, uint80 r3) = _twapLayout();
        feed.setRawRound(r2, 2000e8, t - 500, t - 500, r2); // later than r3 (t - 600)
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.RoundsOutOfOrder.selector, address(feed), r2, t - 500, t - 600)
        );
        h.fixAt(_twapSpec(), t, _pair(0, r3));
    }

    function test_twap_acrossPhaseChange_needsHint() public {
        feed.pushRound(1000e8, t - 2000);
        uint80 a2 = feed.pushRound(2000e8, t - 1200);
        feed.startPhase();
        uint80 b1 = feed.pushRound(4000e8, t - 600);
        vm.warp(t + 10);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.MissingPhaseHint.selector, address(feed), b1));
        h.fixAt(_twapSpec(), t, _pair(0, b1));
        uint80[] memory hints = new uint80[](3);
        hints[1] = b1;
        hints[2] = a2;
        assertEq(h.fixAt(_twapSpec(), t, hints), 2333333333333333333333);
        hints[2] = a2 - 1; // not the last round of the previous phase
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a2 - 1, b1));
        h.fixAt(_twapSpec(), t, hints);
    }

    function test_twap_reverts_whenUnusedHints() public {
        (, , uint80 r3) = _twapLayout();
        uint80[] memory hints = new uint80[](3);
        hints[1] = r3;
        hints[2] = 7;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongHintCount.selector, 2, 3));
        h.fixAt(_twapSpec(), t, hints);
    }

    function test_latestWad_twapUsesLatest() public {
        feed.pushRound(1000e8, T0 - 5);
        feed.pushRound(1500e8, T0);
        (uint256 p, uint256 upd) = h.latestWad(_twapSpec());
        assertEq(p, 1500e18);
        assertEq(upd, T0);
    }
}
