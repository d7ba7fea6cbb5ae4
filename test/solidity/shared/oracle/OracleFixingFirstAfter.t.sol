// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {MockSequencerUptimeFeed} from "../../../../contracts/mocks/MockSequencerUptimeFeed.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";
import {StoredSpecConsumer} from "./OracleFixingHarness.sol";

/// @notice FirstAfter fixing: the one correct round around t, every invalid-round case, staleness, bounds,
/// sequencer, phase changes, the maxDelay boundary and decimals.
contract OracleFixingFirstAfterTest is OracleFixingBase {
    uint256 internal t;

    function setUp() public override {
        super.setUp();
        t = T0 + 10_000;
    }

    /// rounds at t-200, t-100, t+10, t+50, t+100; now = t + 1000.
    function _layout() internal returns (uint80[] memory ids) {
        ids = new uint80[](5);
        ids[0] = feed.pushRound(1000e8, t - 200);
        ids[1] = feed.pushRound(1100e8, t - 100);
        ids[2] = feed.pushRound(1200e8, t + 10);
        ids[3] = feed.pushRound(1300e8, t + 50);
        ids[4] = feed.pushRound(1400e8, t + 100);
        vm.warp(t + 1000);
    }

    // ---------------------------------------------------------------- happy path and selection

    function test_fixAt_returnsFirstRoundAtOrAfterT_inWad() public {
        uint80[] memory ids = _layout();
        assertEq(h.fixAt(_firstAfter(), t, _pair(ids[2], ids[1])), 1200e18);
    }

    function test_fixAt_acceptsRoundExactlyAtT() public {
        uint80 p = feed.pushRound(900e8, t - 1);
        uint80 r = feed.pushRound(950e8, t);
        vm.warp(t);
        assertEq(h.fixAt(_firstAfter(), t, _pair(r, p)), 950e18);
    }

    /// Fault 5/30: of every (round, previousRound) pair among the rounds around t, exactly one passes,
    /// so the fixing cannot depend on who settles or which round they pick.
    function test_favourableRound_exactlyOnePairPasses() public {
        uint80[] memory ids = _layout();
        uint256 passes;
        for (uint256 i; i < ids.length; ++i) {
            for (uint256 j; j < ids.length; ++j) {
                (bool ok, , ) = h.tryFixAt(_firstAfter(), t, _pair(ids[i], ids[j]));
                if (ok) {
                    ++passes;
                    assertEq(i, 2, "only the first round at/after t");
                    assertEq(j, 1, "only its predecessor");
                }
            }
        }
        assertEq(passes, 1);
    }

    function test_reverts_whenLaterRoundChosen() public {
        uint80[] memory ids = _layout();
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.PreviousRoundNotBefore.selector, address(feed), t + 10, t));
        h.fixAt(_firstAfter(), t, _pair(ids[3], ids[2]));
    }

    function test_reverts_whenEarlierRoundChosen() public {
        uint80[] memory ids = _layout();
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.RoundBeforeTarget.selector, address(feed), ids[1], t - 100, t)
        );
        h.fixAt(_firstAfter(), t, _pair(ids[1], ids[0]));
    }

    function test_reverts_whenPreviousNotAdjacent() public {
        uint80[] memory ids = _layout();
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), ids[0], ids[2]));
        h.fixAt(_firstAfter(), t, _pair(ids[2], ids[0]));
    }

    function test_reverts_whenHintCountWrong() public {
        uint80[] memory ids = _layout();
        uint80[] memory hints = new uint80[](1);
        hints[0] = ids[2];
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.WrongHintCount.selector, 2, 1));
        h.fixAt(_firstAfter(), t, hints);
    }

    // ---------------------------------------------------------------- fixing before t

    function test_reverts_whenFixingBeforeT() public {
        uint80 p = feed.pushRound(900e8, T0 - 10);
        uint80 r = feed.pushRound(950e8, T0);
        uint256 target = T0 + 1;
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FixingTimeNotReached.selector, target, T0));
        h.fixAt(_firstAfter(), target, _pair(r, p));
    }

    // ---------------------------------------------------------------- staleness (fault 1)

    function test_reverts_whenGapAcrossTExceedsHeartbeat() public {
        uint80 p = feed.pushRound(900e8, t - HEARTBEAT);
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 1);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.StaleRound.selector, address(feed), t - HEARTBEAT, uint256(HEARTBEAT))
        );
        h.fixAt(_firstAfter(), t, _pair(r, p));
    }

    function test_fixAt_passesWhenGapEqualsHeartbeat() public {
        uint80 p = feed.pushRound(900e8, t - HEARTBEAT + 1);
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 1);
        assertEq(h.fixAt(_firstAfter(), t, _pair(r, p)), 950e18);
    }

    function test_latestWad_reverts_whenStale() public {
        feed.pushRound(2000e8, T0);
        vm.warp(T0 + HEARTBEAT);
        (uint256 p, uint256 upd) = h.latestWad(_firstAfter());
        assertEq(p, 2000e18);
        assertEq(upd, T0);
        vm.warp(T0 + HEARTBEAT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.StaleRound.selector, address(feed), T0, uint256(HEARTBEAT))
        );
        h.latestWad(_firstAfter());
    }

    // ---------------------------------------------------------------- invalid rounds (fault 2), table-driven

    struct Bad {
        uint80 reportedId;
        int256 answer;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

    function _badCases(uint80 id, uint256 now_) internal pure returns (Bad[] memory c) {
        c = new Bad[](6);
        c[0] = Bad(id, 0, now_, id); // answer 0
        c[1] = Bad(id, -1, now_, id); // negative answer
        c[2] = Bad(id, 1000e8, 0, id); // updatedAt 0
        c[3] = Bad(id, 1000e8, now_ + 1, id); // updatedAt in the future
        c[4] = Bad(0, 1000e8, now_, 0); // round id 0
        c[5] = Bad(id, 1000e8, now_, id - 1); // answeredInRound < roundId
    }

    function test_reverts_onEachInvalidRound_fixAt() public {
        uint80 p = feed.pushRound(900e8, t - 10);
        uint80 r = p + 1;
        vm.warp(t + 5);
        Bad[] memory cases = _badCases(r, t + 5);
        for (uint256 i; i < cases.length; ++i) {
            Bad memory b = cases[i];
            feed.setRawRoundAt(r, b.reportedId, b.answer, b.updatedAt, b.updatedAt, b.answeredInRound);
            vm.expectRevert(
                abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), r, b.answer, b.updatedAt)
            );
            h.fixAt(_firstAfter(), t, _pair(r, p));
        }
        // and the same slot with a valid round passes: the table is not failing for another reason
        feed.setRawRound(r, 1000e8, t + 5, t + 5, r);
        assertEq(h.fixAt(_firstAfter(), t, _pair(r, p)), 1000e18);
    }

    function test_reverts_onEachInvalidRound_latestWad() public {
        uint80 id = feed.pushRound(900e8, T0);
        Bad[] memory cases = _badCases(id, T0);
        for (uint256 i; i < cases.length; ++i) {
            Bad memory b = cases[i];
            feed.setRawRoundAt(id, b.reportedId, b.answer, b.updatedAt, b.updatedAt, b.answeredInRound);
            vm.expectRevert(
                abi.encodeWithSelector(
                    OracleFixing.InvalidRound.selector,
                    address(feed),
                    b.reportedId,
                    b.answer,
                    b.updatedAt
                )
            );
            h.latestWad(_firstAfter());
        }
    }

    function test_reverts_whenHintedRoundMissing_bothMockBehaviours() public {
        uint80 p = feed.pushRound(900e8, t - 10);
        vm.warp(t + 5);
        for (uint256 mode; mode < 2; ++mode) {
            feed.setMissingRoundReverts(mode == 0);
            vm.expectRevert(abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), p + 1, 0, 0));
            h.fixAt(_firstAfter(), t, _pair(p + 1, p));
        }
    }

    function test_reverts_whenPreviousRoundMissing() public {
        // round 1 exists at t+1; "previous" round 0 of phase 1 never exists
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 1);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), r - 1, 0, 0));
        h.fixAt(_firstAfter(), t, _pair(r, r - 1));
    }

    // ---------------------------------------------------------------- pinned answers (fault 3)

    function _boundedSpec() internal view returns (FixingSpec memory s) {
        s = _firstAfter();
        s.minAnswer = 1000e8;
        s.maxAnswer = 5000e8;
    }

    function _fixWithAnswer(
        FixingSpec memory s,
        int256 answer
    ) internal returns (bool ok, uint256 wad, bytes memory err) {
        MockAggregator f = new MockAggregator(8, "pinned");
        s.feeds = _one(address(f));
        uint80 p = f.pushRound(2000e8, t - 1);
        uint80 r = f.pushRound(answer, t + 1);
        vm.warp(t + 1);
        (ok, wad, err) = h.tryFixAt(s, t, _pair(r, p));
    }

    function test_reverts_whenPinnedAtMinOrMax_andOneUnitInsidePasses() public {
        FixingSpec memory s = _boundedSpec();
        (bool ok, , bytes memory err) = _fixWithAnswer(s, 1000e8);
        assertFalse(ok);
        assertEq(
            err,
            abi.encodeWithSelector(
                OracleFixing.AnswerOutOfBounds.selector,
                s.feeds[0],
                int256(1000e8),
                s.minAnswer,
                s.maxAnswer
            )
        );
        (ok, , err) = _fixWithAnswer(s, 5000e8);
        assertFalse(ok);
        assertEq(
            err,
            abi.encodeWithSelector(
                OracleFixing.AnswerOutOfBounds.selector,
                s.feeds[0],
                int256(5000e8),
                s.minAnswer,
                s.maxAnswer
            )
        );
        uint256 wad;
        (ok, wad, ) = _fixWithAnswer(s, 1000e8 + 1);
        assertTrue(ok);
        assertEq(wad, (1000e8 + 1) * 1e10);
        (ok, wad, ) = _fixWithAnswer(s, 5000e8 - 1);
        assertTrue(ok);
        assertEq(wad, (5000e8 - 1) * 1e10);
    }

    function test_fixAt_revertPropagatesPinnedError() public {
        uint80 p = feed.pushRound(2000e8, t - 1);
        uint80 r = feed.pushRound(5000e8, t + 1);
        vm.warp(t + 1);
        FixingSpec memory s = _boundedSpec();
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.AnswerOutOfBounds.selector,
                address(feed),
                int256(5000e8),
                s.minAnswer,
                s.maxAnswer
            )
        );
        h.fixAt(s, t, _pair(r, p));
    }

    function test_latestWad_reverts_whenPinned() public {
        feed.pushRound(1000e8, T0);
        FixingSpec memory s = _boundedSpec();
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.AnswerOutOfBounds.selector,
                address(feed),
                int256(1000e8),
                s.minAnswer,
                s.maxAnswer
            )
        );
        h.latestWad(s);
    }

    // ---------------------------------------------------------------- sequencer (fault 4)

    function test_sequencer_downOrInGrace_reverts_andJustPastGracePasses() public {
        MockSequencerUptimeFeed seq = new MockSequencerUptimeFeed();
        uint80 p = feed.pushRound(900e8, t - 1);
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 10_000);
        FixingSpec memory s = _firstAfter();
        s.sequencerFeed = address(seq);
        s.sequencerGrace = 3600;
        uint80[] memory hints = _pair(r, p);

        seq.setStatus(false, block.timestamp - 5000);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.SequencerDown.selector, address(seq)));
        h.fixAt(s, t, hints);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.SequencerDown.selector, address(seq)));
        h.latestWad(s);

        seq.setStatus(true, block.timestamp - 3600); // exactly at the end of grace: still inside
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.SequencerGracePeriod.selector,
                address(seq),
                block.timestamp - 3600,
                3600
            )
        );
        h.fixAt(s, t, hints);

        seq.setStatus(true, block.timestamp - 10); // just came back
        vm.expectRevert(
            abi.encodeWithSelector(OracleFixing.SequencerGracePeriod.selector, address(seq), block.timestamp - 10, 3600)
        );
        h.fixAt(s, t, hints);

        seq.setStatus(true, 0); // never initialised
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.SequencerStatusUnknown.selector, address(seq)));
        h.fixAt(s, t, hints);

        seq.setStatus(true, block.timestamp - 3601); // just past grace
        assertEq(h.fixAt(s, t, hints), 950e18);
    }

    function test_sequencer_anyNonZeroAnswerIsDown() public {
        MockSequencerUptimeFeed seq = new MockSequencerUptimeFeed();
        uint80 p = feed.pushRound(900e8, t - 1);
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 10_000);
        FixingSpec memory s = _firstAfter();
        s.sequencerFeed = address(seq);
        seq.setRaw(-1, 1);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.SequencerDown.selector, address(seq)));
        h.fixAt(s, t, _pair(r, p));
    }

    // ---------------------------------------------------------------- phase change (fault 6)

    function test_phaseJump_correctCrossPhasePairPasses_wrongOnesFail() public {
        uint80 a1 = feed.pushRound(900e8, t - 300);
        uint80 a2 = feed.pushRound(910e8, t - 100);
        feed.startPhase();
        uint80 b1 = feed.pushRound(920e8, t + 20);
        uint80 b2 = feed.pushRound(930e8, t + 60);
        vm.warp(t + 100);
        assertEq(b1, _id(2, 1));
        for (uint256 mode; mode < 2; ++mode) {
            feed.setMissingRoundReverts(mode == 0);
            assertEq(h.fixAt(_firstAfter(), t, _pair(b1, a2)), 920e18);
            // not the last round of the previous phase
            vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a1, b1));
            h.fixAt(_firstAfter(), t, _pair(b1, a1));
            // a later round of the new phase
            vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a2, b2));
            h.fixAt(_firstAfter(), t, _pair(b2, a2));
            // the arithmetic successor of a2 does not exist
            vm.expectRevert(abi.encodeWithSelector(OracleFixing.InvalidRound.selector, address(feed), a2 + 1, 0, 0));
            h.fixAt(_firstAfter(), t, _pair(a2 + 1, a2));
        }
    }

    function test_phaseJump_rejected_whenOldPhaseKeptUpdating() public {
        feed.pushRound(900e8, t - 300);
        uint80 a2 = feed.pushRound(910e8, t - 100);
        feed.startPhase();
        uint80 b1 = feed.pushRound(920e8, t + 20);
        // the old aggregator wrote one more round: a2's successor is now a2 + 1, not b1
        feed.setRawRound(a2 + 1, 915e8, t + 30, t + 30, a2 + 1);
        vm.warp(t + 100);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a2, b1));
        h.fixAt(_firstAfter(), t, _pair(b1, a2));
        // Both phases are reachable, so the fixing is the earliest round at/after t over both: b1 (t + 20), not
        // the old phase's a2 + 1 (t + 30). Phase 1 has a round at/after t, so b1 has no predecessor (0) and
        // phase 1 takes a phase hint (issue 12, see OracleFixingOverlappingPhases.t.sol).
        uint80[] memory hints = new uint80[](3);
        (hints[0], hints[1], hints[2]) = (b1, 0, a2 + 1);
        assertEq(h.fixAt(_firstAfter(), t, hints), 920e18);
        (hints[0], hints[1], hints[2]) = (a2 + 1, a2, b1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleFixing.EarlierRoundInOtherPhase.selector,
                address(feed),
                2,
                b1,
                t + 20,
                a2 + 1,
                t + 30
            )
        );
        h.fixAt(_firstAfter(), t, hints);
    }

    function test_phaseJump_overEmptyPhases() public {
        uint80 a1 = feed.pushRound(900e8, t - 100);
        feed.skipPhases(3); // phases 2 and 3 stay empty
        uint80 d1 = feed.pushRound(920e8, t + 20);
        vm.warp(t + 100);
        assertEq(d1, _id(4, 1));
        assertEq(h.fixAt(_firstAfter(), t, _pair(d1, a1)), 920e18);
        // if an intermediate phase had a round, a1 is not d1's predecessor
        feed.setRawRound(_id(3, 1), 910e8, t - 50, t - 50, _id(3, 1));
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a1, d1));
        h.fixAt(_firstAfter(), t, _pair(d1, a1));
    }

    function test_phaseJump_rejected_beyondMaxPhaseSkip() public {
        uint80 a1 = feed.pushRound(900e8, t - 100);
        feed.skipPhases(uint16(OracleFixing.MAX_PHASE_SKIP + 2));
        uint80 z1 = feed.pushRound(920e8, t + 20);
        vm.warp(t + 100);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.RoundsNotAdjacent.selector, address(feed), a1, z1));
        h.fixAt(_firstAfter(), t, _pair(z1, a1));
    }

    // ---------------------------------------------------------------- round too late (fault 7)

    function testFuzz_roundTooLate_aroundMaxDelayBoundary(uint256 delay) public {
        delay = bound(delay, 0, 2 * uint256(MAX_DELAY));
        FixingSpec memory s = _firstAfter();
        s.heartbeat = 100_000;
        uint80 p = feed.pushRound(900e8, t - 1);
        uint80 r = feed.pushRound(950e8, t + delay);
        vm.warp(t + 2 * uint256(MAX_DELAY) + 1);
        if (delay <= MAX_DELAY) {
            assertEq(h.fixAt(s, t, _pair(r, p)), 950e18);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(OracleFixing.RoundTooLate.selector, address(feed), t + delay, t + MAX_DELAY)
            );
            h.fixAt(s, t, _pair(r, p));
        }
    }

    // ---------------------------------------------------------------- decimals (fault 8)

    function _fixWithDecimals(uint8 dec, int256 answer) internal returns (uint256) {
        MockAggregator f = new MockAggregator(dec, "dec");
        FixingSpec memory s = _spec(FixingKind.FirstAfter, _one(address(f)));
        h.validate(s);
        uint80 p = f.pushRound(answer, t - 1);
        uint80 r = f.pushRound(answer, t + 1);
        vm.warp(t + 1);
        return h.fixAt(s, t, _pair(r, p));
    }

    function test_decimals_8and18_normaliseExactly() public {
        assertEq(_fixWithDecimals(8, 3150_12345678), 3150.12345678e18);
        assertEq(_fixWithDecimals(18, 3150.123456789012345678e18), 3150.123456789012345678e18);
        assertEq(_fixWithDecimals(8, 1), 1e10);
        assertEq(_fixWithDecimals(18, 1), 1);
    }

    function testFuzz_decimals_normaliseExactlyToWad(uint8 dec, uint256 raw) public {
        dec = uint8(bound(dec, 0, 18));
        raw = bound(raw, 1, 1e40);
        uint256 wad = _fixWithDecimals(dec, int256(raw));
        assertEq(wad, raw * 10 ** (18 - uint256(dec)));
        assertEq(wad / 10 ** (18 - uint256(dec)), raw);
    }

    function test_reverts_whenDecimalsAbove18AtFixing() public {
        uint80 p = feed.pushRound(900e8, t - 1);
        uint80 r = feed.pushRound(950e8, t + 1);
        vm.warp(t + 1);
        feed.setDecimals(19);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.FeedDecimalsTooHigh.selector, address(feed), uint8(19)));
        h.fixAt(_firstAfter(), t, _pair(r, p));
    }

    function test_reverts_whenAnswerOverflowsWad() public {
        MockAggregator f = new MockAggregator(0, "huge");
        FixingSpec memory s = _spec(FixingKind.FirstAfter, _one(address(f)));
        int256 huge = type(int256).max;
        uint80 p = f.pushRound(1, t - 1);
        uint80 r = f.pushRound(huge, t + 1);
        vm.warp(t + 1);
        vm.expectRevert(abi.encodeWithSelector(OracleFixing.AnswerTooLarge.selector, address(f), huge, uint8(0)));
        h.fixAt(s, t, _pair(r, p));
    }

    // ---------------------------------------------------------------- gas

    /// FirstAfter from a spec held in storage (as the families hold it): total call gas stays bounded.
    function test_gas_firstAfterFromStorage() public {
        uint80[] memory ids = _layout();
        StoredSpecConsumer c = new StoredSpecConsumer(_firstAfter());
        uint80[] memory hints = _pair(ids[2], ids[1]);
        uint256 g = gasleft();
        uint256 wad = c.settle(t, hints);
        g -= gasleft();
        assertEq(wad, 1200e18);
        emit log_named_uint("fixAt FirstAfter from storage, call gas", g);
        assertLt(g, 60_000);
    }

    function test_gas_firstAfterMemorySpec() public {
        uint80[] memory ids = _layout();
        FixingSpec memory s = _firstAfter();
        uint80[] memory hints = _pair(ids[2], ids[1]);
        uint256 g = gasleft();
        h.fixAt(s, t, hints);
        g -= gasleft();
        emit log_named_uint("fixAt FirstAfter via harness, call gas", g);
        assertLt(g, 40_000);
    }
}
