// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice How a reference price is fixed from Chainlink feeds.
/// - FirstAfter: the answer of the first round with `updatedAt >= t` (one feed).
/// - Median: the median of 3 or 5 feeds, each fixed as FirstAfter.
/// - Twap: the time-weighted average of one feed's answers over `[t - twapWindow, t)`.
enum FixingKind {
    FirstAfter,
    Median,
    Twap
}

/// @notice How one reference price is fixed at a time t. Stored by value in family contracts.
/// @dev `minAnswer` and `maxAnswer` are in the feed's own units (raw `answer`, feed decimals), because they
/// mirror the aggregator's own floor and cap. For Median with bounds set, all feeds must share decimals.
struct FixingSpec {
    /// @notice The fixing rule.
    FixingKind kind;
    /// @notice Chainlink proxies (AggregatorV3Interface). FirstAfter/Twap: exactly 1; Median: 3 or 5, distinct.
    address[] feeds;
    /// @notice Max seconds between a feed's rounds; older data is stale. Set it to the feed's heartbeat plus a margin.
    uint32 heartbeat;
    /// @notice FirstAfter/Median: the first round at/after t must have `updatedAt <= t + maxDelay`, else
    /// {OracleFixing.RoundTooLate} (the family's fallback path). Ignored for Twap.
    uint32 maxDelay;
    /// @notice Twap only: average over `[t - twapWindow, t)`, seconds.
    uint32 twapWindow;
    /// @notice Answers `<= minAnswer` are rejected (price pinned at the aggregator floor); 0 = no guard beyond `> 0`.
    int256 minAnswer;
    /// @notice Answers `>= maxAnswer` are rejected (price pinned at the cap); 0 = no upper guard.
    int256 maxAnswer;
    /// @notice L2 sequencer-uptime feed (answer 0 = up, 1 = down), address(0) on L1.
    address sequencerFeed;
    /// @notice Seconds after the sequencer came back up during which no fixing is accepted.
    uint32 sequencerGrace;
}

/// @title OracleFixing
/// @notice The one Chainlink fixing implementation shared by both families: the first round at or after a
/// time t (with the previous round proven to be before t, so a settler cannot pick a favourable round), the
/// median of 3 or 5 feeds, and a time-weighted average, with checks on staleness, invalid rounds, pinned
/// answers, phase changes in round ids and the L2 sequencer. Prices come out in WAD (1e18 = 1.0).
/// @dev Every check is written once, as a function that returns the ABI-encoded custom error (empty when the
/// check passes). {fixAt} and {latestWad} revert with that error; {tryFixAt} and {findHints} return it, so
/// Chainlink Automation `checkUpkeep` can tell "a valid fixing exists" without a try/catch on a self-call.
/// Round ids: a proxy's id is `(phaseId << 64) | aggregatorRoundId`; ids are contiguous within a phase and
/// jump at a phase change (the next phase starts at aggregator round 1).
library OracleFixing {
    /// @notice 1.0 in WAD.
    uint256 internal constant WAD = 1e18;
    /// @notice Highest feed decimals accepted (answers are scaled up to 18 decimals, never down).
    uint8 internal constant MAX_DECIMALS = 18;
    /// @notice Most rounds a TWAP reads (bounds the gas of {fixAt} for Twap).
    uint256 internal constant MAX_TWAP_ROUNDS = 64;
    /// @notice Most rounds {findHints} walks back from the latest round.
    uint256 internal constant MAX_SEARCH = 256;
    /// @notice Most empty phases (a phase with no round) allowed between two adjacent rounds.
    uint256 internal constant MAX_PHASE_SKIP = 4;

    // ------------------------------------------------------------------ spec errors (validate)

    /// @notice The spec lists no feed.
    error NoFeeds();
    /// @notice `count` feeds is wrong for `kind` (FirstAfter/Twap: 1; Median: 3 or 5).
    error WrongFeedCount(FixingKind kind, uint256 count);
    /// @notice `feeds[index]` is address(0).
    error ZeroFeedAddress(uint256 index);
    /// @notice `feed` (a price feed or the sequencer feed) has no code.
    error FeedNotContract(address feed);
    /// @notice `feed` appears twice in a Median spec.
    error DuplicateFeed(address feed);
    /// @notice `heartbeat` is 0.
    error ZeroHeartbeat();
    /// @notice `maxDelay` is 0 for a FirstAfter or Median spec.
    error ZeroMaxDelay();
    /// @notice `twapWindow` is 0 for a Twap spec.
    error ZeroTwapWindow();
    /// @notice `minAnswer` or `maxAnswer` is negative.
    error NegativeBound(int256 minAnswer, int256 maxAnswer);
    /// @notice Both bounds are set and `minAnswer >= maxAnswer`: no answer could pass.
    error BoundsInverted(int256 minAnswer, int256 maxAnswer);
    /// @notice `feed` reports `decimals` > {MAX_DECIMALS}.
    error FeedDecimalsTooHigh(address feed, uint8 decimals);
    /// @notice Median with raw bounds set needs feeds of equal decimals; `feed` has `decimals`, not `expected`.
    error MixedDecimalsWithBounds(address feed, uint8 decimals, uint8 expected);

    // ------------------------------------------------------------------ fixing errors

    /// @notice The fixing time `t` is still in the future (`now_` = block.timestamp).
    error FixingTimeNotReached(uint256 t, uint256 now_);
    /// @notice `hints` has `got` entries; `expected` were needed.
    error WrongHintCount(uint256 expected, uint256 got);
    /// @notice The L2 sequencer reported by `sequencerFeed` is down.
    error SequencerDown(address sequencerFeed);
    /// @notice The L2 sequencer is up since `upSince` (unix s) but still inside its `grace` period (s).
    error SequencerGracePeriod(address sequencerFeed, uint256 upSince, uint256 grace);
    /// @notice The sequencer feed has no status yet (`startedAt == 0`).
    error SequencerStatusUnknown(address sequencerFeed);
    /// @notice Round `roundId` of `feed` is missing or invalid: answer <= 0, updatedAt 0 or in the future,
    /// id 0 or not the id asked for, or answeredInRound < roundId. `answer` is raw, `updatedAt` unix s.
    error InvalidRound(address feed, uint80 roundId, int256 answer, uint256 updatedAt);
    /// @notice `answer` (raw) is pinned at or beyond a bound: it must satisfy `minAnswer < answer < maxAnswer`.
    error AnswerOutOfBounds(address feed, int256 answer, int256 minAnswer, int256 maxAnswer);
    /// @notice `answer` (raw, `decimals`) does not fit in WAD.
    error AnswerTooLarge(address feed, int256 answer, uint8 decimals);
    /// @notice Data of `feed` updated at `updatedAt` went unrefreshed for more than `heartbeat` seconds.
    error StaleRound(address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice The hinted `roundId` was updated at `updatedAt`, before the fixing time `t`.
    error RoundBeforeTarget(address feed, uint80 roundId, uint256 updatedAt, uint256 t);
    /// @notice The first round at/after t was updated at `updatedAt`, after `deadline = t + maxDelay`.
    error RoundTooLate(address feed, uint256 updatedAt, uint256 deadline);
    /// @notice The hinted previous round was updated at `prevUpdatedAt`, not before the fixing time `t`.
    error PreviousRoundNotBefore(address feed, uint256 prevUpdatedAt, uint256 t);
    /// @notice `previousRound` is not the round right before `round` (same phase: round - 1; across a phase
    /// change: the last round of the previous phase).
    error RoundsNotAdjacent(address feed, uint80 previousRound, uint80 round);
    /// @notice A TWAP hint of round 0 needs `previousRound` to be the latest round, but `latestRound` is.
    error NotLatestRound(address feed, uint80 previousRound, uint80 latestRound);
    /// @notice Round `roundId` (updated at `updatedAt`) is later than the round after it (`laterUpdatedAt`).
    error RoundsOutOfOrder(address feed, uint80 roundId, uint256 updatedAt, uint256 laterUpdatedAt);
    /// @notice The TWAP walked back to `roundId`, the first of its phase, and no hint names the round before it.
    error MissingPhaseHint(address feed, uint80 roundId);
    /// @notice The feed's history ends at `oldestUpdatedAt`, after the TWAP window start `windowStart`.
    error TwapWindowNotCovered(address feed, uint256 oldestUpdatedAt, uint256 windowStart);
    /// @notice Covering the TWAP window needs more than `maxRounds` rounds.
    error TooManyTwapRounds(address feed, uint256 maxRounds);

    // ================================================================== validate

    /// @notice Reverts with an error naming the offending field if `spec` is invalid. Reads each feed's
    /// decimals, so call it when the spec is stored (creation of a session or root).
    function validate(FixingSpec memory spec) internal view {
        uint256 n = spec.feeds.length;
        if (n == 0) revert NoFeeds();
        if (spec.kind == FixingKind.Median) {
            if (n != 3 && n != 5) revert WrongFeedCount(spec.kind, n);
        } else if (n != 1) {
            revert WrongFeedCount(spec.kind, n);
        }
        bool bounded = spec.minAnswer != 0 || spec.maxAnswer != 0;
        uint8 firstDecimals;
        for (uint256 i; i < n; ++i) {
            address feed = spec.feeds[i];
            if (feed == address(0)) revert ZeroFeedAddress(i);
            if (feed.code.length == 0) revert FeedNotContract(feed);
            for (uint256 j; j < i; ++j) {
                if (spec.feeds[j] == feed) revert DuplicateFeed(feed);
            }
            uint8 dec = AggregatorV3Interface(feed).decimals();
            if (dec > MAX_DECIMALS) revert FeedDecimalsTooHigh(feed, dec);
            if (i == 0) firstDecimals = dec;
            else if (bounded && dec != firstDecimals) revert MixedDecimalsWithBounds(feed, dec, firstDecimals);
        }
        if (spec.heartbeat == 0) revert ZeroHeartbeat();
        if (spec.kind == FixingKind.Twap) {
            if (spec.twapWindow == 0) revert ZeroTwapWindow();
        } else if (spec.maxDelay == 0) {
            revert ZeroMaxDelay();
        }
        if (spec.minAnswer < 0 || spec.maxAnswer < 0) revert NegativeBound(spec.minAnswer, spec.maxAnswer);
        if (spec.minAnswer != 0 && spec.maxAnswer != 0 && spec.minAnswer >= spec.maxAnswer) {
            revert BoundsInverted(spec.minAnswer, spec.maxAnswer);
        }
        if (spec.sequencerFeed != address(0) && spec.sequencerFeed.code.length == 0) {
            revert FeedNotContract(spec.sequencerFeed);
        }
    }

    // ================================================================== fixing

    /// @notice The fixing at time `t` (unix s), in WAD. `hints` are round ids found off-chain or by {findHints}:
    /// - FirstAfter: `[round, previousRound]`: `round` is the first round with `updatedAt >= t`, `previousRound`
    ///   the round right before it (same phase: round - 1; across a phase change: the last round of the previous
    ///   phase), with `updatedAt < t`.
    /// - Median: `[round0, prev0, round1, prev1, ...]`, one pair per feed, each checked as FirstAfter.
    /// - Twap: `[round, previousRound, phaseHints...]`; `round` may be 0 ("no round at/after t yet") when
    ///   `previousRound` is the latest round. `phaseHints` name, in walking order, the last round of the
    ///   previous phase each time the walk back over the window crosses a phase change (usually none).
    /// @dev Reverts with the first failing check's error. Only one set of hints passes for a given t and feed
    /// history, so the result does not depend on who settles or when (after t).
    function fixAt(FixingSpec memory spec, uint256 t, uint80[] memory hints) internal view returns (uint256 priceWad) {
        bytes memory err;
        (priceWad, err) = _fix(spec, t, hints);
        if (err.length != 0) _revertWith(err);
    }

    /// @notice {fixAt} without reverting: `ok` is false and `err` holds the ABI-encoded custom error when the
    /// fixing fails. External calls to the feeds can still revert (a feed that is not an aggregator).
    function tryFixAt(
        FixingSpec memory spec,
        uint256 t,
        uint80[] memory hints
    ) internal view returns (bool ok, uint256 priceWad, bytes memory err) {
        (priceWad, err) = _fix(spec, t, hints);
        ok = err.length == 0;
        if (!ok) priceWad = 0;
    }

    /// @notice Searches the hints on-chain by walking back from each feed's latest round (at most {MAX_SEARCH}
    /// rounds per feed), for Chainlink Automation `checkUpkeep` (a view simulated off-chain; gas is high).
    /// @return ok True when `hints` give a fixing that {fixAt} accepts now; false when t is not reached, no
    /// round at/after t exists yet, the search bound is hit, or the fixing it found fails a check.
    /// @return hints The hints found (possibly partial when `ok` is false; empty when none were found).
    function findHints(FixingSpec memory spec, uint256 t) internal view returns (bool ok, uint80[] memory hints) {
        if (block.timestamp < t || spec.feeds.length == 0) return (false, hints);
        if (spec.kind == FixingKind.Twap) {
            hints = _twapHints(spec, t);
        } else {
            uint256 n = spec.feeds.length;
            hints = new uint80[](2 * n);
            for (uint256 i; i < n; ++i) {
                (bool found, uint80 round, uint80 prev) = _searchPair(spec.feeds[i], t, false);
                if (!found) return (false, new uint80[](0));
                hints[2 * i] = round;
                hints[2 * i + 1] = prev;
            }
        }
        if (hints.length == 0) return (false, hints);
        (, bytes memory err) = _fix(spec, t, hints);
        ok = err.length == 0;
    }

    /// @notice The latest valid price in WAD for mark-to-market views, and when it was updated (unix s; for
    /// Median the oldest of the feeds' latest rounds). Reverts if stale (older than heartbeat), invalid,
    /// pinned, or the sequencer is down or in grace. Median: median of the feeds' latest; Twap: the latest of
    /// its single feed. Not a fixing: never use it to settle.
    function latestWad(FixingSpec memory spec) internal view returns (uint256 priceWad, uint256 updatedAt) {
        bytes memory err = _checkSequencer(spec);
        if (err.length != 0) _revertWith(err);
        uint256 n = spec.feeds.length;
        if (n == 0) revert NoFeeds();
        if (spec.kind != FixingKind.Median) {
            (priceWad, updatedAt, err) = _latest(spec, spec.feeds[0]);
            if (err.length != 0) _revertWith(err);
            return (priceWad, updatedAt);
        }
        uint256[] memory wads = new uint256[](n);
        updatedAt = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            uint256 upd;
            (wads[i], upd, err) = _latest(spec, spec.feeds[i]);
            if (err.length != 0) _revertWith(err);
            if (upd < updatedAt) updatedAt = upd;
        }
        priceWad = _median(wads);
    }

    /// @notice The median of an odd-length array (sorts `values` in place, ascending). Exposed for tests.
    function median(uint256[] memory values) internal pure returns (uint256) {
        return _median(values);
    }

    // ================================================================== core

    function _fix(
        FixingSpec memory spec,
        uint256 t,
        uint80[] memory hints
    ) private view returns (uint256 priceWad, bytes memory err) {
        if (block.timestamp < t) return (0, abi.encodeWithSelector(FixingTimeNotReached.selector, t, block.timestamp));
        err = _checkSequencer(spec);
        if (err.length != 0) return (0, err);
        uint256 n = spec.feeds.length;
        if (spec.kind == FixingKind.Twap) {
            if (n != 1) return (0, abi.encodeWithSelector(WrongFeedCount.selector, spec.kind, n));
            return _twap(spec, t, hints);
        }
        if (spec.kind == FixingKind.FirstAfter) {
            if (n != 1) return (0, abi.encodeWithSelector(WrongFeedCount.selector, spec.kind, n));
        } else if (n != 3 && n != 5) {
            return (0, abi.encodeWithSelector(WrongFeedCount.selector, spec.kind, n));
        }
        if (hints.length != 2 * n) return (0, abi.encodeWithSelector(WrongHintCount.selector, 2 * n, hints.length));
        if (n == 1) return _firstAfter(spec, spec.feeds[0], t, hints[0], hints[1]);
        uint256[] memory wads = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (wads[i], err) = _firstAfter(spec, spec.feeds[i], t, hints[2 * i], hints[2 * i + 1]);
            if (err.length != 0) return (0, err);
        }
        priceWad = _median(wads);
    }

    /// @dev The answer of `round`, checked to be the first round of `feed` with updatedAt >= t.
    function _firstAfter(
        FixingSpec memory spec,
        address feed,
        uint256 t,
        uint80 round,
        uint80 prev
    ) private view returns (uint256 wad, bytes memory err) {
        int256 answer;
        uint256 upd;
        (answer, upd, err) = _readChecked(spec, feed, round);
        if (err.length != 0) return (0, err);
        if (upd < t) return (0, abi.encodeWithSelector(RoundBeforeTarget.selector, feed, round, upd, t));
        uint256 deadline = t + spec.maxDelay;
        if (upd > deadline) return (0, abi.encodeWithSelector(RoundTooLate.selector, feed, upd, deadline));

        uint256 prevUpd;
        (prevUpd, err) = _checkPrevious(feed, t, prev, round);
        if (err.length != 0) return (0, err);
        // Gap between the round before t and the round after it: the feed must have been live across t.
        if (upd - prevUpd > spec.heartbeat) {
            return (0, abi.encodeWithSelector(StaleRound.selector, feed, prevUpd, uint256(spec.heartbeat)));
        }
        uint256 scale;
        (scale, err) = _scale(feed);
        if (err.length != 0) return (0, err);
        return _toWad(feed, answer, scale);
    }

    /// @dev `prev` must exist, be updated before t and sit right before `round`. Its answer is not used.
    function _checkPrevious(
        address feed,
        uint256 t,
        uint80 prev,
        uint80 round
    ) private view returns (uint256 prevUpd, bytes memory err) {
        (uint80 pid, int256 pAnswer, uint256 pUpd, ) = _getRound(feed, prev);
        if (prev == 0 || pid != prev || pUpd == 0) {
            return (0, abi.encodeWithSelector(InvalidRound.selector, feed, prev, pAnswer, pUpd));
        }
        if (pUpd >= t) return (0, abi.encodeWithSelector(PreviousRoundNotBefore.selector, feed, pUpd, t));
        err = _checkAdjacent(feed, prev, round);
        prevUpd = pUpd;
    }

    /// @dev Same phase: `round == prev + 1`. Across a phase change: `round` is aggregator round 1 of a later
    /// phase, `prev + 1` does not exist, and every phase in between has no round 1 (at most MAX_PHASE_SKIP).
    function _checkAdjacent(address feed, uint80 prev, uint80 round) private view returns (bytes memory) {
        if (round > prev) {
            // Cannot underflow: round > prev.
            unchecked {
                if (round - prev == 1 && uint64(round) != 0) return "";
            }
            uint256 prevPhase = prev >> 64;
            uint256 roundPhase = round >> 64;
            if (uint64(round) == 1 && roundPhase > prevPhase && roundPhase - prevPhase <= MAX_PHASE_SKIP + 1) {
                // prev + 1 cannot overflow: prev < round <= type(uint80).max.
                bool ok = _missing(feed, prev + 1);
                for (uint256 q = prevPhase + 1; ok && q < roundPhase; ++q) {
                    // Narrowing is safe: q < roundPhase <= type(uint16).max.
                    ok = _missing(feed, uint80((q << 64) | 1));
                }
                if (ok) return "";
            }
        }
        return abi.encodeWithSelector(RoundsNotAdjacent.selector, feed, prev, round);
    }

    /// @dev State of the walk back over a TWAP window (kept in memory to stay within the stack).
    struct TwapWalk {
        address feed;
        uint80 cur;
        bool done;
        uint256 t;
        uint256 scale;
        uint256 windowStart;
        uint256 segEnd;
        uint256 acc;
        uint256 nextHint;
    }

    /// @dev The time-weighted average over [t - twapWindow, t). Each round's answer weighs the time it was the
    /// latest inside the window. Rounded down (by less than 1 wei of WAD; favours nobody in particular).
    function _twap(
        FixingSpec memory spec,
        uint256 t,
        uint80[] memory hints
    ) private view returns (uint256 priceWad, bytes memory err) {
        if (hints.length < 2) return (0, abi.encodeWithSelector(WrongHintCount.selector, 2, hints.length));
        TwapWalk memory w;
        w.feed = spec.feeds[0];
        w.t = t;
        w.cur = hints[1];
        err = _checkTwapEnd(w.feed, t, hints[0], w.cur);
        if (err.length != 0) return (0, err);
        (w.scale, err) = _scale(w.feed);
        if (err.length != 0) return (0, err);
        w.windowStart = t > spec.twapWindow ? t - spec.twapWindow : 0;
        w.segEnd = t;
        w.nextHint = 2;
        for (uint256 used; !w.done; ++used) {
            if (used == MAX_TWAP_ROUNDS) {
                return (0, abi.encodeWithSelector(TooManyTwapRounds.selector, w.feed, MAX_TWAP_ROUNDS));
            }
            err = _twapStep(spec, w, hints, used == 0);
            if (err.length != 0) return (0, err);
        }
        if (w.nextHint != hints.length) {
            return (0, abi.encodeWithSelector(WrongHintCount.selector, w.nextHint, hints.length));
        }
        priceWad = w.acc / spec.twapWindow;
    }

    /// @dev Adds round `w.cur`'s weighted answer, then moves `w.cur` to its predecessor (or sets `w.done`).
    function _twapStep(
        FixingSpec memory spec,
        TwapWalk memory w,
        uint80[] memory hints,
        bool first
    ) private view returns (bytes memory err) {
        address feed = w.feed;
        uint80 cur = w.cur;
        (int256 answer, uint256 upd, bytes memory rerr) = _readChecked(spec, feed, cur);
        if (rerr.length != 0) return rerr;
        uint256 segEnd = w.segEnd;
        if (upd >= segEnd) {
            if (first) return abi.encodeWithSelector(PreviousRoundNotBefore.selector, feed, upd, w.t);
            if (upd > segEnd) return abi.encodeWithSelector(RoundsOutOfOrder.selector, feed, cur, upd, segEnd);
        }
        if (segEnd - upd > spec.heartbeat) {
            return abi.encodeWithSelector(StaleRound.selector, feed, upd, uint256(spec.heartbeat));
        }
        uint256 wad;
        (wad, err) = _toWad(feed, answer, w.scale);
        if (err.length != 0) return err;
        if (upd <= w.windowStart) {
            w.acc += wad * (segEnd - w.windowStart);
            w.done = true;
            return "";
        }
        w.acc += wad * (segEnd - upd);
        w.segEnd = upd;
        if (uint64(cur) > 1) {
            // Cannot underflow: the aggregator round id is > 1.
            unchecked {
                w.cur = cur - 1;
            }
            return "";
        }
        if (w.nextHint == hints.length) {
            if ((cur >> 64) <= 1) {
                return abi.encodeWithSelector(TwapWindowNotCovered.selector, feed, upd, w.windowStart);
            }
            return abi.encodeWithSelector(MissingPhaseHint.selector, feed, cur);
        }
        uint80 p = hints[w.nextHint++];
        err = _checkAdjacent(feed, p, cur);
        w.cur = p;
    }

    /// @dev Proves `prev` is the last round before t: either `round` (the first at/after t) follows it, or
    /// `round == 0` and `prev` is the latest round.
    function _checkTwapEnd(address feed, uint256 t, uint80 round, uint80 prev) private view returns (bytes memory) {
        if (round == 0) {
            (uint80 latestId, , , , ) = AggregatorV3Interface(feed).latestRoundData();
            if (latestId != prev) return abi.encodeWithSelector(NotLatestRound.selector, feed, prev, latestId);
            return "";
        }
        (uint80 rid, int256 answer, uint256 upd, ) = _getRound(feed, round);
        if (rid != round || upd == 0 || upd > block.timestamp) {
            return abi.encodeWithSelector(InvalidRound.selector, feed, round, answer, upd);
        }
        if (upd < t) return abi.encodeWithSelector(RoundBeforeTarget.selector, feed, round, upd, t);
        return _checkAdjacent(feed, prev, round);
    }

    function _latest(
        FixingSpec memory spec,
        address feed
    ) private view returns (uint256 wad, uint256 upd, bytes memory err) {
        (uint80 rid, int256 answer, , uint256 u, uint80 answeredIn) = AggregatorV3Interface(feed).latestRoundData();
        upd = u;
        // For the latest round the id asked for is the id returned; only id 0 is invalid.
        err = _checkRound(spec, feed, rid, rid, answer, upd, answeredIn);
        if (err.length != 0) return (0, upd, err);
        if (block.timestamp - upd > spec.heartbeat) {
            return (0, upd, abi.encodeWithSelector(StaleRound.selector, feed, upd, uint256(spec.heartbeat)));
        }
        uint256 scale;
        (scale, err) = _scale(feed);
        if (err.length != 0) return (0, upd, err);
        (wad, err) = _toWad(feed, answer, scale);
    }

    // ================================================================== checks

    /// @dev Sequencer up (answer 0) and up for more than `sequencerGrace` seconds. No-op on L1.
    function _checkSequencer(FixingSpec memory spec) private view returns (bytes memory) {
        address seq = spec.sequencerFeed;
        if (seq == address(0)) return "";
        (, int256 status, uint256 startedAt, , ) = AggregatorV3Interface(seq).latestRoundData();
        if (status != 0) return abi.encodeWithSelector(SequencerDown.selector, seq);
        if (startedAt == 0) return abi.encodeWithSelector(SequencerStatusUnknown.selector, seq);
        if (startedAt > block.timestamp || block.timestamp - startedAt <= spec.sequencerGrace) {
            return abi.encodeWithSelector(SequencerGracePeriod.selector, seq, startedAt, uint256(spec.sequencerGrace));
        }
        return "";
    }

    /// @dev Reads round `id` and applies {_checkRound}.
    function _readChecked(
        FixingSpec memory spec,
        address feed,
        uint80 id
    ) private view returns (int256 answer, uint256 upd, bytes memory err) {
        uint80 rid;
        uint80 answeredIn;
        (rid, answer, upd, answeredIn) = _getRound(feed, id);
        err = _checkRound(spec, feed, id, rid, answer, upd, answeredIn);
    }

    /// @dev A round whose answer is used: exists under the id asked for, answer > 0, updated in the past,
    /// answered in its own round or later, strictly inside the raw bounds.
    function _checkRound(
        FixingSpec memory spec,
        address feed,
        uint80 asked,
        uint80 rid,
        int256 answer,
        uint256 upd,
        uint80 answeredIn
    ) private view returns (bytes memory) {
        if (rid == 0 || rid != asked || answer <= 0 || upd == 0 || upd > block.timestamp || answeredIn < rid) {
            return abi.encodeWithSelector(InvalidRound.selector, feed, asked, answer, upd);
        }
        if ((spec.minAnswer != 0 && answer <= spec.minAnswer) || (spec.maxAnswer != 0 && answer >= spec.maxAnswer)) {
            return abi.encodeWithSelector(AnswerOutOfBounds.selector, feed, answer, spec.minAnswer, spec.maxAnswer);
        }
        return "";
    }

    /// @dev 10^(18 - decimals) for `feed`.
    function _scale(address feed) private view returns (uint256 scale, bytes memory err) {
        uint8 dec = AggregatorV3Interface(feed).decimals();
        if (dec > MAX_DECIMALS) return (0, abi.encodeWithSelector(FeedDecimalsTooHigh.selector, feed, dec));
        scale = 10 ** (MAX_DECIMALS - dec);
    }

    /// @dev Exact: `answer * scale`, reverting (as data) instead of overflowing. `answer > 0` is checked before.
    function _toWad(address feed, int256 answer, uint256 scale) private pure returns (uint256, bytes memory) {
        // Cast is safe: callers checked answer > 0.
        uint256 a = uint256(answer);
        if (a > type(uint256).max / scale) {
            return (0, abi.encodeWithSelector(AnswerTooLarge.selector, feed, answer, _decimalsOf(scale)));
        }
        return (a * scale, "");
    }

    function _decimalsOf(uint256 scale) private pure returns (uint8 dec) {
        dec = MAX_DECIMALS;
        while (scale > 1) {
            scale /= 10;
            --dec;
        }
    }

    // ================================================================== feed reads

    /// @dev getRoundData that never reverts: a reverting call (a real proxy on a missing round) reads as zeros.
    function _getRound(
        address feed,
        uint80 id
    ) private view returns (uint80 rid, int256 answer, uint256 updatedAt, uint80 answeredIn) {
        try AggregatorV3Interface(feed).getRoundData(id) returns (uint80 r, int256 a, uint256, uint256 u, uint80 air) {
            return (r, a, u, air);
        } catch {
            return (0, 0, 0, 0);
        }
    }

    /// @dev A round is missing when getRoundData reverts or reports updatedAt == 0.
    function _missing(address feed, uint80 id) private view returns (bool) {
        (, , uint256 upd, ) = _getRound(feed, id);
        return upd == 0;
    }

    // ================================================================== search (findHints)

    /// @dev Walks back from the latest round to the first round with updatedAt >= t and its predecessor.
    /// With `allowNone`, a latest round before t yields (true, 0, latest).
    function _searchPair(
        address feed,
        uint256 t,
        bool allowNone
    ) private view returns (bool found, uint80 round, uint80 prev) {
        (uint80 cur, , , uint256 upd, ) = AggregatorV3Interface(feed).latestRoundData();
        if (cur == 0 || upd == 0) return (false, 0, 0);
        if (upd < t) return allowNone ? (true, 0, cur) : (false, 0, 0);
        for (uint256 i; i < MAX_SEARCH; ++i) {
            (bool has, uint80 p, uint256 pUpd) = _predecessor(feed, cur);
            if (!has) return (false, 0, 0);
            if (pUpd < t) return (true, cur, p);
            cur = p;
        }
        return (false, 0, 0);
    }

    /// @dev The round before `cur`: `cur - 1` within a phase, else the last round of the nearest earlier phase
    /// that has rounds (skipping at most MAX_PHASE_SKIP empty phases), found by exponential + binary search.
    function _predecessor(address feed, uint80 cur) private view returns (bool has, uint80 p, uint256 pUpd) {
        if (uint64(cur) > 1) {
            // Cannot underflow: the aggregator round id is > 1.
            unchecked {
                p = cur - 1;
            }
            (, , pUpd, ) = _getRound(feed, p);
            return (pUpd != 0, p, pUpd);
        }
        uint256 phase = cur >> 64;
        for (uint256 q = phase; q > 1 && phase - q <= MAX_PHASE_SKIP;) {
            --q;
            uint256 base = q << 64;
            // Narrowing casts below are safe: q < 2**16 and every aggregator round id is < 2**64.
            if (_missing(feed, uint80(base | 1))) continue;
            uint256 lo = 1;
            uint256 hi = 2;
            while (hi <= type(uint64).max && !_missing(feed, uint80(base | hi))) {
                lo = hi;
                hi *= 2;
            }
            if (hi > type(uint64).max) hi = uint256(type(uint64).max) + 1;
            while (hi - lo > 1) {
                uint256 mid = lo + (hi - lo) / 2;
                if (_missing(feed, uint80(base | mid))) hi = mid;
                else lo = mid;
            }
            p = uint80(base | lo);
            (, , pUpd, ) = _getRound(feed, p);
            return (true, p, pUpd);
        }
        return (false, 0, 0);
    }

    /// @dev Hints for a TWAP: the end pair, then the phase hints needed to walk back over the window.
    function _twapHints(FixingSpec memory spec, uint256 t) private view returns (uint80[] memory hints) {
        address feed = spec.feeds[0];
        (bool found, uint80 round, uint80 prev) = _searchPair(feed, t, true);
        if (!found) return hints;
        uint256 windowStart = t > spec.twapWindow ? t - spec.twapWindow : 0;
        uint80[] memory buf = new uint80[](2 + MAX_TWAP_ROUNDS);
        buf[0] = round;
        buf[1] = prev;
        uint256 len = 2;
        uint80 cur = prev;
        for (uint256 used; used < MAX_TWAP_ROUNDS; ++used) {
            (, , uint256 upd, ) = _getRound(feed, cur);
            if (upd == 0 || upd <= windowStart) break;
            if (uint64(cur) > 1) {
                // Cannot underflow: the aggregator round id is > 1.
                unchecked {
                    --cur;
                }
                continue;
            }
            (bool has, uint80 p, ) = _predecessor(feed, cur);
            if (!has) break;
            buf[len++] = p;
            cur = p;
        }
        hints = new uint80[](len);
        for (uint256 i; i < len; ++i) {
            hints[i] = buf[i];
        }
    }

    // ================================================================== helpers

    /// @dev Insertion sort (n <= 5), then the middle element. Exact.
    function _median(uint256[] memory v) private pure returns (uint256) {
        uint256 n = v.length;
        for (uint256 i = 1; i < n; ++i) {
            uint256 x = v[i];
            uint256 j = i;
            while (j > 0 && v[j - 1] > x) {
                v[j] = v[j - 1];
                --j;
            }
            v[j] = x;
        }
        return v[n / 2];
    }

    function _revertWith(bytes memory err) private pure {
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }
}
