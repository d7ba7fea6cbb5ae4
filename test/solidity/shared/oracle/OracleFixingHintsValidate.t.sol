// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {MockSequencerUptimeFeed} from "../../../../contracts/mocks/MockSequencerUptimeFeed.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";

/// @notice findHints finds exactly the hints fixAt accepts (fuzzed round layouts with phase changes), and
/// validate rejects each bad field.
contract OracleFixingHintsValidateTest is OracleFixingBase {
    // ================================================================ findHints

    struct Layout {
        MockAggregator f;
        uint80[] ids;
        uint256[] u;
        int256[] a;
    }

    /// n rounds, gaps 0..heartbeat, a phase change before round `phaseAt` (or none), `skip` empty phases.
    function _layout(
        uint256 seed,
        uint256 n,
        uint256 phaseAt,
        uint16 skip,
        bool reverts
    ) internal returns (Layout memory l) {
        l.f = new MockAggregator(8, "hints");
        l.f.setMissingRoundReverts(reverts);
        l.ids = new uint80[](n);
        l.u = new uint256[](n);
        l.a = new int256[](n);
        uint256 ts = T0;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (i == phaseAt) l.f.skipPhases(skip);
            if (i > 0) ts += r % 1000;
            l.u[i] = ts;
            l.a[i] = int256(1 + ((r >> 64) % 1e12));
            l.ids[i] = l.f.pushRound(l.a[i], ts);
        }
    }

    function testFuzz_findHints_firstAfter_returnsHintsFixAtAccepts(
        uint256 seed,
        uint8 nRaw,
        uint8 phaseAtRaw,
        uint8 skipRaw,
        uint256 tRaw,
        bool reverts
    ) public {
        uint256 n = bound(nRaw, 1, 24);
        uint256 phaseAt = bound(phaseAtRaw, 1, 30);
        Layout memory l = _layout(
            seed,
            n,
            phaseAt,
            uint16(bound(skipRaw, 1, 1 + OracleFixing.MAX_PHASE_SKIP)),
            reverts
        );
        uint256 t = bound(tRaw, T0 - 10, l.u[n - 1] + 10);
        vm.warp(l.u[n - 1] + 20);
        FixingSpec memory s = _spec(FixingKind.FirstAfter, _one(address(l.f)));
        s.heartbeat = 100_000;
        s.maxDelay = 100_000;

        // reference: the first round with updatedAt >= t, which needs a predecessor
        uint256 k = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            if (l.u[i] >= t) {
                k = i;
                break;
            }
        }
        (bool ok, uint80[] memory hints) = h.findHints(s, t);
        if (k == type(uint256).max || k == 0) {
            assertFalse(ok);
            return;
        }
        assertTrue(ok);
        // Two non-empty phases (rounds before and after `phaseAt`): a phase the pair does not cover takes a hint.
        if (phaseAt < n && k < phaseAt && l.u[phaseAt] == l.u[k]) {
            // the later phase's round 1 ties the first round at/after t: the higher phase wins
            assertEq(hints.length, 3);
            assertEq(hints[0], l.ids[phaseAt]);
            assertEq(hints[1], 0);
            assertEq(hints[2], l.ids[k]);
            assertEq(h.fixAt(s, t, hints), uint256(l.a[phaseAt]) * 1e10);
            return;
        }
        assertEq(hints[0], l.ids[k]);
        assertEq(hints[1], l.ids[k - 1]);
        if (phaseAt < n && k != phaseAt) {
            assertEq(hints.length, 3);
            // the other phase: its first round at/after t (k in the first phase) or its last round (k in the later)
            assertEq(hints[2], k < phaseAt ? l.ids[phaseAt] : l.ids[phaseAt - 1]);
        } else {
            assertEq(hints.length, 2);
        }
        assertEq(h.fixAt(s, t, hints), uint256(l.a[k]) * 1e10);
    }

    function testFuzz_findHints_twap_returnsHintsFixAtAccepts(
        uint256 seed,
        uint8 nRaw,
        uint8 phaseAtRaw,
        uint256 tRaw,
        uint256 wRaw
    ) public {
        uint256 n = bound(nRaw, 2, 24);
        Layout memory l = _layout(seed, n, bound(phaseAtRaw, 1, n - 1), 1, true);
        uint256 t = bound(tRaw, l.u[0] + 1, l.u[n - 1] + 10);
        uint256 w = bound(wRaw, 1, t - l.u[0]);
        vm.warp(l.u[n - 1] + 20);
        FixingSpec memory s = _spec(FixingKind.Twap, _one(address(l.f)));
        s.heartbeat = 100_000;
        // Narrowing is safe: w <= 24 * 1000 + 10.
        s.twapWindow = uint32(w);
        (bool ok, uint80[] memory hints) = h.findHints(s, t);
        assertTrue(ok);
        // reference TWAP integrated forward
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            uint256 from = l.u[i];
            uint256 to = i + 1 < n ? l.u[i + 1] : t;
            if (to > t) to = t;
            if (from < t - w) from = t - w;
            if (to > from) sum += uint256(l.a[i]) * 1e10 * (to - from);
        }
        assertEq(h.fixAt(s, t, hints), sum / w);
    }

    function test_findHints_median_allFeeds() public {
        uint256 t = T0 + 500;
        address[] memory feeds = new address[](5);
        for (uint256 i; i < 5; ++i) {
            MockAggregator f = new MockAggregator(8, "m");
            feeds[i] = address(f);
            f.pushRound(int256(100e8 * (i + 1)), t - 100);
            f.pushRound(int256(100e8 * (5 - i)), t + i);
            f.pushRound(1, t + 50);
        }
        vm.warp(t + 60);
        FixingSpec memory s = _spec(FixingKind.Median, feeds);
        (bool ok, uint80[] memory hints) = h.findHints(s, t);
        assertTrue(ok);
        assertEq(hints.length, 10);
        assertEq(h.fixAt(s, t, hints), 300e18);
    }

    function test_findHints_notOk_beforeT_orNoRoundYet_orInvalidFixing() public {
        uint256 t = T0 + 100;
        feed.pushRound(100e8, T0 - 10);
        FixingSpec memory s = _firstAfter();
        (bool ok, ) = h.findHints(s, t);
        assertFalse(ok, "before t");
        vm.warp(t + 5);
        (ok, ) = h.findHints(s, t);
        assertFalse(ok, "no round at/after t yet");
        feed.pushRound(100e8, t + MAX_DELAY + 1);
        vm.warp(t + MAX_DELAY + 1);
        uint80[] memory hints;
        (ok, hints) = h.findHints(s, t);
        assertFalse(ok, "round too late");
        assertEq(hints.length, 2, "hints still returned for diagnosis");
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.RoundTooLate.selector, address(feed), t + MAX_DELAY + 1, t + MAX_DELAY)
        );
        h.fixAt(s, t, hints);
    }

    function test_findHints_notOk_whenSearchBoundHit() public {
        uint256 t = T0 + 1;
        feed.pushRound(100e8, T0);
        for (uint256 i; i < OracleFixing.MAX_SEARCH + 1; ++i) feed.pushRound(100e8, t + i);
        vm.warp(t + OracleFixing.MAX_SEARCH + 1);
        FixingSpec memory s = _firstAfter();
        s.maxDelay = 100_000;
        (bool ok, ) = h.findHints(s, t);
        assertFalse(ok);
    }

    function test_findHints_notOk_whenSequencerDown() public {
        MockSequencerUptimeFeed seq = new MockSequencerUptimeFeed();
        seq.setStatus(false, 1);
        uint256 t = T0 + 100;
        feed.pushRound(100e8, t - 1);
        feed.pushRound(100e8, t + 1);
        vm.warp(t + 1);
        FixingSpec memory s = _firstAfter();
        s.sequencerFeed = address(seq);
        (bool ok, ) = h.findHints(s, t);
        assertFalse(ok);
        seq.setStatus(true, 1);
        (ok, ) = h.findHints(s, t);
        assertTrue(ok);
    }

    // ================================================================ validate

    function _three() internal returns (address[] memory a) {
        a = new address[](3);
        for (uint256 i; i < 3; ++i) a[i] = address(new MockAggregator(8, "v"));
    }

    function test_validate_acceptsGoodSpecs() public {
        h.validate(_firstAfter());
        h.validate(_twapSpec());
        h.validate(_spec(FixingKind.Median, _three()));
        FixingSpec memory s = _firstAfter();
        s.minAnswer = 1;
        s.maxAnswer = 2;
        s.sequencerFeed = address(new MockSequencerUptimeFeed());
        h.validate(s);
    }

    function test_validate_rejectsEachBadField() public {
        FixingSpec memory s = _firstAfter();
        s.feeds = new address[](0);
        vm.expectRevert(OracleFixing.NoFeeds.selector);
        h.validate(s);

        s = _spec(FixingKind.FirstAfter, _three());
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.FirstAfter, 3));
        h.validate(s);

        s = _spec(FixingKind.Twap, _three());
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Twap, 3));
        h.validate(s);

        address[] memory four = new address[](4);
        address[] memory three = _three();
        for (uint256 i; i < 3; ++i) four[i] = three[i];
        four[3] = address(new MockAggregator(8, "v"));
        s = _spec(FixingKind.Median, four);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Median, 4));
        h.validate(s);

        s = _spec(FixingKind.Median, _one(address(feed)));
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Median, 1));
        h.validate(s);

        s = _spec(FixingKind.FirstAfter, _one(address(0)));
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.ZeroFeedAddress.selector, 0));
        h.validate(s);

        s = _spec(FixingKind.FirstAfter, _one(address(0xBEEF)));
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FeedNotContract.selector, address(0xBEEF)));
        h.validate(s);

        three = _three();
        three[2] = three[0];
        s = _spec(FixingKind.Median, three);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.DuplicateFeed.selector, three[0]));
        h.validate(s);

        s = _firstAfter();
        s.heartbeat = 0;
        vm.expectRevert(OracleFixing.ZeroHeartbeat.selector);
        h.validate(s);

        s = _firstAfter();
        s.maxDelay = 0;
        vm.expectRevert(OracleFixing.ZeroMaxDelay.selector);
        h.validate(s);

        s = _spec(FixingKind.Median, _three());
        s.maxDelay = 0;
        vm.expectRevert(OracleFixing.ZeroMaxDelay.selector);
        h.validate(s);

        s = _twapSpec();
        s.maxDelay = 0; // not needed for Twap
        h.validate(s);
        s.twapWindow = 0;
        vm.expectRevert(OracleFixing.ZeroTwapWindow.selector);
        h.validate(s);

        s = _firstAfter();
        s.minAnswer = -1;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.NegativeBound.selector, int256(-1), int256(0)));
        h.validate(s);
        s.minAnswer = 0;
        s.maxAnswer = -1;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.NegativeBound.selector, int256(0), int256(-1)));
        h.validate(s);

        s.minAnswer = 5;
        s.maxAnswer = 5;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.BoundsInverted.selector, int256(5), int256(5)));
        h.validate(s);

        s = _firstAfter();
        feed.setDecimals(19);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FeedDecimalsTooHigh.selector, address(feed), uint8(19)));
        h.validate(s);
        feed.setDecimals(8);

        three = _three();
        MockAggregator(three[1]).setDecimals(18);
        s = _spec(FixingKind.Median, three);
        h.validate(s); // mixed decimals are fine without raw bounds
        s.maxAnswer = 1e30;
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.MixedDecimalsWithBounds.selector, three[1], uint8(18), uint8(8))
        );
        h.validate(s);

        s = _firstAfter();
        s.sequencerFeed = address(0xCAFE);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FeedNotContract.selector, address(0xCAFE)));
        h.validate(s);
    }

    function test_fixAt_rejectsWrongFeedCountEvenIfNotValidated() public {
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Median, 1));
        h.fixAt(_spec(FixingKind.Median, _one(address(feed))), T0, _pair(1, 2));
        FixingSpec memory s = _spec(FixingKind.Twap, _three());
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Twap, 3));
        h.fixAt(s, T0, _pair(1, 2));
    }
}
