// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";

/// @notice A feed whose rounds are computed, not stored, so a test can have very many of them: phase 1 holds
/// every aggregator round 1..`lastOfPhase1` (round 1 updated at `firstUpd`, round i > 1 at
/// `laterBase + i * step`), and phase 2 holds round 1 at `phase2Upd` when that is non-zero (then it is the
/// latest round; else phase 1's last). Every other id reverts, as a proxy does on a missing round.
contract DenseFeed is AggregatorV3Interface {
    uint64 internal immutable lastOfPhase1;
    uint256 internal immutable firstUpd;
    uint256 internal immutable laterBase;
    uint256 internal immutable step;
    uint256 internal immutable phase2Upd;
    int256 internal immutable answer;

    error NoDataPresent(uint80 roundId);

    constructor(uint64 last_, uint256 firstUpd_, uint256 laterBase_, uint256 step_, uint256 phase2Upd_, int256 a) {
        lastOfPhase1 = last_;
        firstUpd = firstUpd_;
        laterBase = laterBase_;
        step = step_;
        phase2Upd = phase2Upd_;
        answer = a;
    }

    function decimals() external pure override returns (uint8) {
        return 8;
    }

    function description() external pure override returns (string memory) {
        return "dense";
    }

    function version() external pure override returns (uint256) {
        return 4;
    }

    function getRoundData(uint80 id) public view override returns (uint80, int256, uint256, uint256, uint80) {
        uint256 phase = id >> 64;
        uint64 agg = uint64(id); // the low 64 bits are the aggregator round id
        uint256 u;
        if (phase == 1 && agg >= 1 && agg <= lastOfPhase1) u = agg == 1 ? firstUpd : laterBase + agg * step;
        else if (phase == 2 && agg == 1 && phase2Upd != 0) u = phase2Upd;
        else revert NoDataPresent(id);
        return (id, answer, u, u, id);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(phase2Upd != 0 ? uint80((2 << 64) | 1) : uint80((uint256(1) << 64) | lastOfPhase1));
    }
}

/// @notice One test per path of OracleFixing that the other suites leave unexecuted: each pins the exact
/// error (with its arguments) or the `(false, ...)` result of {OracleFixing.findHints} on that path.
contract OracleFixingPathsTest is OracleFixingBase {
    int256 internal constant P1 = 100e8;
    int256 internal constant P2 = 110e8;

    function _three(address a, address b, address c) internal pure returns (address[] memory f) {
        f = new address[](3);
        (f[0], f[1], f[2]) = (a, b, c);
    }

    /// Phase 1: round 1.1 before t; phase 2: 2.1 before t and 2.2 just after t (t = T0). Fixing needs
    /// `[2.2, 2.1, 1.1]`: the pair, then phase 1's last round as its phase hint.
    function _twoPhaseFeed(MockAggregator f) internal {
        f.pushRound(P1, T0 - 200);
        f.startPhase();
        f.pushRound(P1, T0 - 100);
        f.pushRound(P2, T0 + 10);
    }

    // ================================================================ latestWad

    function test_latestWad_revertsNoFeeds_whenSpecListsNoFeed() public {
        FixingSpec memory s = _spec(FixingKind.FirstAfter, new address[](0));
        vm.expectRevert(OracleFixing.NoFeeds.selector);
        h.latestWad(s);
    }

    function test_latestWad_median_revertsStaleRound_whenThirdFeedIsStale() public {
        MockAggregator f1 = new MockAggregator(8, "b");
        MockAggregator f2 = new MockAggregator(8, "c");
        feed.pushRound(P1, T0);
        f1.pushRound(P2, T0 - 10);
        f2.pushRound(P1, T0 - HEARTBEAT - 1);
        FixingSpec memory s = _spec(FixingKind.Median, _three(address(feed), address(f1), address(f2)));
        _expectErr(
            abi.encodeWithSelector(OracleFixing.StaleRound.selector, address(f2), T0 - HEARTBEAT - 1, HEARTBEAT)
        );
        h.latestWad(s);
    }

    function test_latestWad_revertsFeedDecimalsTooHigh_whenFeedReportsNineteenDecimals() public {
        feed.pushRound(P1, T0);
        feed.setDecimals(19);
        _expectErr(abi.encodeWithSelector(OracleFixing.FeedDecimalsTooHigh.selector, address(feed), uint8(19)));
        h.latestWad(_firstAfter());
    }

    // ================================================================ fixAt: FirstAfter / Median

    function test_fixAt_revertsWrongFeedCount_whenTwapSpecHasThreeFeeds() public {
        MockAggregator f1 = new MockAggregator(8, "b");
        MockAggregator f2 = new MockAggregator(8, "c");
        FixingSpec memory s = _spec(FixingKind.Twap, _three(address(feed), address(f1), address(f2)));
        _expectErr(abi.encodeWithSelector(OracleFixing.WrongFeedCount.selector, FixingKind.Twap, uint256(3)));
        h.fixAt(s, T0, _pair(1, 0));
    }

    /// The first feed takes a phase hint (3 entries), so 6 hints (= 2 per feed) leave the third feed only one.
    function test_fixAt_median_revertsWrongHintCount_whenPhaseHintsLeaveLastFeedWithoutPair() public {
        MockAggregator f1 = new MockAggregator(8, "b");
        MockAggregator f2 = new MockAggregator(8, "c");
        _twoPhaseFeed(feed);
        uint80[] memory full = new uint80[](7);
        (full[0], full[1], full[2]) = (_id(2, 2), _id(2, 1), _id(1, 1));
        full[4] = f1.pushRound(P1, T0 - 100);
        full[3] = f1.pushRound(P2, T0 + 10);
        full[6] = f2.pushRound(P1, T0 - 100);
        full[5] = f2.pushRound(P1, T0 + 10);
        vm.warp(T0 + 20);
        FixingSpec memory s = _spec(FixingKind.Median, _three(address(feed), address(f1), address(f2)));
        assertEq(h.fixAt(s, T0, full), uint256(P2) * 1e10, "control: the full hint set fixes (median 110)");
        uint80[] memory cut = new uint80[](6);
        for (uint256 i; i < 6; ++i) cut[i] = full[i];
        _expectErr(abi.encodeWithSelector(OracleFixing.WrongHintCount.selector, uint256(7), uint256(6)));
        h.fixAt(s, T0, cut);
    }

    /// The hinted pair is fine but the proxy's latestRoundData reverts: the current phase is unknown.
    function test_fixAt_revertsInvalidRoundZero_whenLatestRoundDataReverts() public {
        feed.pushRound(P1, T0 - 100);
        feed.pushRound(P2, T0 + 10);
        vm.warp(T0 + 20);
        assertEq(h.fixAt(_firstAfter(), T0, _pair(_id(1, 2), _id(1, 1))), uint256(P2) * 1e10, "control");
        feed.setLatestRound(_id(1, 99)); // missing: latestRoundData reverts
        _expectErr(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), uint80(0), int256(0), uint256(0))
        );
        h.fixAt(_firstAfter(), T0, _pair(_id(1, 2), _id(1, 1)));
    }

    /// Round 2.1 was written to phase 2 before the proxy confirmed it (current phase still 1).
    function test_fixAt_revertsPhaseNotReachable_whenRoundInPhaseAboveCurrent() public {
        feed.pushRound(P1, T0 - 100);
        feed.appendRound(2, P2, T0 + 10);
        vm.warp(T0 + 20);
        _expectErr(
            abi.encodeWithSelector(
                OracleFixing.PhaseNotReachable.selector,
                address(feed),
                uint256(2),
                uint256(1),
                uint256(1)
            )
        );
        h.fixAt(_firstAfter(), T0, _pair(_id(2, 1), 0));
    }

    /// Previous round 0.5 (phase 0) is adjacent to 1.1 (0.6 missing) but phase 0 is below the lowest
    /// reachable phase 1 of a proxy in phase 1.
    function test_fixAt_revertsPhaseNotReachable_whenPreviousRoundInPhaseZero() public {
        feed.setRawRound(_id(0, 5), P1, T0 - 100, T0 - 100, _id(0, 5));
        feed.pushRound(P2, T0 + 10);
        vm.warp(T0 + 20);
        _expectErr(
            abi.encodeWithSelector(
                OracleFixing.PhaseNotReachable.selector,
                address(feed),
                uint256(0),
                uint256(1),
                uint256(1)
            )
        );
        h.fixAt(_firstAfter(), T0, _pair(_id(1, 1), _id(0, 5)));
    }

    function test_fixAt_revertsInvalidRound_whenPhaseHintNamesMissingRound() public {
        _twoPhaseFeed(feed);
        vm.warp(T0 + 20);
        uint80[] memory hints = new uint80[](3);
        (hints[0], hints[1], hints[2]) = (_id(2, 2), _id(2, 1), _id(1, 5));
        _expectErr(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), _id(1, 5), int256(0), uint256(0))
        );
        h.fixAt(_firstAfter(), T0, hints);
    }

    /// Phase hint 1.3 is at/after t, so 1.2 must exist and be before t; 1.2 is missing.
    function test_fixAt_revertsInvalidRound_whenPhaseHintPredecessorMissing() public {
        feed.pushRound(P1, T0 - 200);
        feed.setRawRound(_id(1, 3), P1, T0 + 15, T0 + 15, _id(1, 3));
        feed.startPhase();
        feed.pushRound(P1, T0 - 100);
        feed.pushRound(P2, T0 + 10);
        vm.warp(T0 + 20);
        uint80[] memory hints = new uint80[](3);
        (hints[0], hints[1], hints[2]) = (_id(2, 2), _id(2, 1), _id(1, 3));
        _expectErr(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), _id(1, 2), int256(0), uint256(0))
        );
        h.fixAt(_firstAfter(), T0, hints);
    }

    // ================================================================ fixAt: Twap

    function test_fixAt_twap_revertsWrongHintCount_whenFewerThanTwoHints() public {
        feed.pushRound(P1, T0 - 100);
        uint80[] memory one = new uint80[](1);
        one[0] = _id(1, 1);
        _expectErr(abi.encodeWithSelector(OracleFixing.WrongHintCount.selector, uint256(2), uint256(1)));
        h.fixAt(_twapSpec(), T0, one);
    }

    function test_fixAt_twap_revertsFeedDecimalsTooHigh_whenFeedReportsNineteenDecimals() public {
        feed.pushRound(P1, T0 - 2000);
        feed.pushRound(P2, T0 - 100);
        feed.setDecimals(19);
        _expectErr(abi.encodeWithSelector(OracleFixing.FeedDecimalsTooHigh.selector, address(feed), uint8(19)));
        h.fixAt(_twapSpec(), T0, _pair(0, _id(1, 2)));
    }

    /// A 0-decimal feed answering 1e60: 1e60 * 1e18 does not fit in 256 bits.
    function test_fixAt_twap_revertsAnswerTooLarge_whenAnswerOverflowsWad() public {
        MockAggregator big = new MockAggregator(0, "big");
        big.pushRound(1e60, T0 - 100);
        FixingSpec memory s = _spec(FixingKind.Twap, _one(address(big)));
        _expectErr(abi.encodeWithSelector(OracleFixing.AnswerTooLarge.selector, address(big), int256(1e60), uint8(0)));
        h.fixAt(s, T0, _pair(0, _id(1, 1)));
    }

    function test_fixAt_twap_revertsInvalidRound_whenEndRoundMissing() public {
        feed.pushRound(P1, T0 - 100);
        _expectErr(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), _id(1, 2), int256(0), uint256(0))
        );
        h.fixAt(_twapSpec(), T0, _pair(_id(1, 2), _id(1, 1)));
    }

    function test_fixAt_twap_revertsInvalidRoundZero_whenLatestRoundDataReverts() public {
        feed.pushRound(P1, T0 - 2000);
        feed.pushRound(P2, T0 + 10);
        vm.warp(T0 + 20);
        assertEq(h.fixAt(_twapSpec(), T0, _pair(_id(1, 2), _id(1, 1))), uint256(P1) * 1e10, "control");
        feed.setLatestRound(_id(1, 99)); // missing: latestRoundData reverts
        _expectErr(
            abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), uint80(0), int256(0), uint256(0))
        );
        h.fixAt(_twapSpec(), T0, _pair(_id(1, 2), _id(1, 1)));
    }

    /// Phase 2 reports (2.1 before t, 2.2 after) before the proxy confirms it: its pair is not reachable.
    function test_fixAt_twap_revertsPhaseNotReachable_whenPairInPhaseAboveCurrent() public {
        feed.pushRound(P1, T0 - 3000);
        feed.appendRound(2, P1, T0 - 100);
        feed.appendRound(2, P2, T0 + 10);
        vm.warp(T0 + 20);
        _expectErr(
            abi.encodeWithSelector(
                OracleFixing.PhaseNotReachable.selector,
                address(feed),
                uint256(2),
                uint256(1),
                uint256(1)
            )
        );
        h.fixAt(_twapSpec(), T0, _pair(_id(2, 2), _id(2, 1)));
    }

    // ================================================================ findHints

    /// A feed with no round at all, reading missing rounds as zeros: no TWAP pair, empty hints.
    function test_findHints_twap_returnsFalseEmpty_whenFeedHasNoRound() public {
        feed.setMissingRoundReverts(false);
        (bool ok, uint80[] memory hints) = h.findHints(_twapSpec(), T0);
        assertFalse(ok);
        assertEq(hints.length, 0);
    }

    /// Every round is at/after t and the first has no predecessor: the walk back finds no round before t.
    function test_findHints_twap_returnsFalseEmpty_whenNoRoundBeforeTarget() public {
        feed.pushRound(P1, T0 + 10);
        feed.pushRound(P2, T0 + 20);
        vm.warp(T0 + 30);
        (bool ok, uint80[] memory hints) = h.findHints(_twapSpec(), T0);
        assertFalse(ok);
        assertEq(hints.length, 0);
    }

    /// Round 1 is before t and rounds 2..258 after it: the pair (1.2, 1.1) lies 257 rounds back, past
    /// MAX_SEARCH (256), so findHints gives up although fixAt accepts that pair.
    function test_findHints_twap_returnsFalseEmpty_whenPairBeyondMaxSearch() public {
        DenseFeed d = new DenseFeed(258, T0 - 1900, T0, 1, 0, P1);
        vm.warp(T0 + 300);
        FixingSpec memory s = _spec(FixingKind.Twap, _one(address(d)));
        (bool ok, uint80[] memory hints) = h.findHints(s, T0);
        assertFalse(ok);
        assertEq(hints.length, 0);
        assertEq(h.fixAt(s, T0, _pair(_id(1, 2), _id(1, 1))), uint256(P1) * 1e10, "a fixing exists");
    }

    /// Phase 2 is empty (skipped): the walk back from 3.1 steps over it to phase 1's last round, 1.2.
    function test_findHints_twap_crossesEmptyPhase_toLastRoundOfPhaseBelow() public {
        feed.pushRound(P1, T0 - 2000);
        feed.pushRound(P2, T0 - 500);
        feed.skipPhases(2);
        feed.pushRound(P1, T0 + 100);
        vm.warp(T0 + 200);
        (bool ok, uint80[] memory hints) = h.findHints(_twapSpec(), T0);
        assertTrue(ok);
        assertEq(hints.length, 2);
        assertEq(hints[0], _id(3, 1));
        assertEq(hints[1], _id(1, 2));
        // [T0-1800, T0-500): 100; [T0-500, T0): 110, in WAD.
        assertEq(h.fixAt(_twapSpec(), T0, hints), ((uint256(P1) * 1300 + uint256(P2) * 500) * 1e10) / WINDOW);
    }

    function test_findHints_firstAfter_returnsFalseEmpty_whenLatestRoundDataReverts() public {
        feed.pushRound(P1, T0 - 100);
        feed.pushRound(P2, T0 + 10);
        feed.setLatestRound(_id(1, 99)); // missing: latestRoundData reverts
        vm.warp(T0 + 20);
        (bool ok, uint80[] memory hints) = h.findHints(_firstAfter(), T0);
        assertFalse(ok);
        assertEq(hints.length, 0);
    }

    /// The proxy moved to a new aggregator (phase 2) that has not reported: its latest round 2.0 has
    /// updatedAt 0, so phase 2 counts as empty and phase 1's pair is the fixing.
    function test_findHints_firstAfter_treatsCurrentPhaseAsEmpty_whenLatestUpdatedAtZero() public {
        feed.pushRound(P1, T0 - 100);
        feed.pushRound(P2, T0 + 10);
        feed.setRawRound(_id(2, 0), 0, 0, 0, _id(2, 0));
        feed.setLatestRound(_id(2, 0));
        vm.warp(T0 + 20);
        (bool ok, uint80[] memory hints) = h.findHints(_firstAfter(), T0);
        assertTrue(ok);
        assertEq(hints.length, 2);
        assertEq(hints[0], _id(1, 2));
        assertEq(hints[1], _id(1, 1));
        assertEq(h.fixAt(_firstAfter(), T0, hints), uint256(P2) * 1e10);
    }

    /// Phase 1 holds every aggregator round id up to 2^64 - 1: the exponential search for its last round
    /// runs past type(uint64).max, is clamped, and the binary search lands on 1.(2^64 - 1).
    function test_findHints_firstAfter_clampsLastRoundSearch_whenPhaseHoldsEveryRoundId() public {
        DenseFeed d = new DenseFeed(type(uint64).max, T0 - 100, T0 - 100, 0, T0 + 10, P1);
        vm.warp(T0 + 20);
        FixingSpec memory s = _spec(FixingKind.FirstAfter, _one(address(d)));
        (bool ok, uint80[] memory hints) = h.findHints(s, T0);
        assertTrue(ok);
        assertEq(hints.length, 2);
        assertEq(hints[0], _id(2, 1));
        assertEq(hints[1], _id(1, type(uint64).max));
        assertEq(h.fixAt(s, T0, hints), uint256(P1) * 1e10);
    }
}
