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
    /// @notice Most empty phases (a phase with no round) allowed between two adjacent rounds. It also sets the
    /// phases a fixing looks at: the proxy's current phase P and the `MAX_PHASE_SKIP + 1` phases below it (never
    /// below phase 1; a bare aggregator, whose ids carry phase 0, has the one phase 0).
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
    /// @notice The hinted round lies in `phase`, outside the phases the fixing looks at, `[lowest, current]`.
    error PhaseNotReachable(address feed, uint256 phase, uint256 lowest, uint256 current);
    /// @notice The phase hint for `phase` is `hint`, which is not a round id of that phase.
    error WrongPhaseHint(address feed, uint256 phase, uint80 hint);
    /// @notice The phase hint `roundId` of `phase` is before t, so it must be the phase's last round, but round
    /// `nextRoundId` exists (the phase's first round at/after t must be hinted instead).
    error NotLastRoundOfPhase(address feed, uint256 phase, uint80 roundId, uint80 nextRoundId);
    /// @notice The phase hint `roundId` of `phase` is at/after t, so it must be the phase's first round at/after
    /// t, but the round before it was updated at `prevUpdatedAt`, not before `t`.
    error NotFirstRoundOfPhaseAfterTarget(
        address feed,
        uint256 phase,
        uint80 roundId,
        uint256 prevUpdatedAt,
        uint256 t
    );
    /// @notice Another reachable phase's first round at/after t, `roundId` of `phase` (updated at `updatedAt`),
    /// comes before the hinted round `candidate` (updated at `candidateUpdatedAt`; on equal times the higher
    /// phase comes first). The fixing is the earliest round at/after t over every reachable phase.
    error EarlierRoundInOtherPhase(
        address feed,
        uint256 phase,
        uint80 roundId,
        uint256 updatedAt,
        uint80 candidate,
        uint256 candidateUpdatedAt
    );
    /// @notice `round` is the first round of its phase, hinted without a predecessor (`previousRound = 0`),
    /// but `lastRound`, the last round of the nearest earlier non-empty phase, is before t: hint it as
    /// `previousRound`.
    error PredecessorNotHinted(address feed, uint80 round, uint80 lastRound);
    /// @notice No reachable phase has a round before `t`, so the feed cannot be shown live across t.
    error NoRoundBeforeTarget(address feed, uint80 round, uint256 t);
    /// @notice With more than one reachable phase the chosen round must be older than the block: `roundId` was
    /// updated at `updatedAt == now_`, and a round written later in this block by another phase could tie it.
    error RoundTooRecent(address feed, uint80 roundId, uint256 updatedAt, uint256 now_);
    /// @notice TWAP: the last round before t must be in the highest reachable phase that has one, but `roundId`,
    /// the first round of the higher `phase`, was updated at `updatedAt`, before `t`.
    error LaterPhaseHasRoundBeforeTarget(address feed, uint256 phase, uint80 roundId, uint256 updatedAt, uint256 t);
    /// @notice TWAP: the walk crossed from `firstRound` (first of its phase, updated at `firstUpdatedAt`) to
    /// `lastRound`, the last round of the earlier phase, updated later at `lastUpdatedAt`: the two aggregators
    /// reported over the same time, so no single price path exists (the family falls back).
    error PhasesOverlap(
        address feed,
        uint80 lastRound,
        uint256 lastUpdatedAt,
        uint80 firstRound,
        uint256 firstUpdatedAt
    );

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
            uint8 dec = _decimals(feed);
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

    /// @notice The fixing at time `t` (unix s), in WAD. `hints` are round ids found off-chain or by {findHints}
    /// (docs/oracle.md has worked examples). Reachable phases: the proxy's current phase P (the top 16 bits of
    /// `latestRoundData().roundId`) and the `MAX_PHASE_SKIP + 1` phases below it.
    /// - FirstAfter: `[round, previousRound, phaseHints...]`. `round` is the round with the smallest
    ///   `updatedAt >= t` over every reachable phase (on equal times the higher phase). `previousRound` is the
    ///   round right before it (same phase: round - 1; when `round` is its phase's first round: the last round of
    ///   the nearest earlier non-empty phase if that is before t, else 0), with `updatedAt < t`. The pair covers
    ///   the phases from `previousRound`'s to `round`'s; every other reachable phase that has a round 1 takes one
    ///   phase hint, in ascending phase order: its first round at/after t (which must not come before `round`), or
    ///   its last round if that is before t. Empty phases take none, so a feed with one reachable phase (or one
    ///   whose other phases are empty) needs just the pair, and the count follows from on-chain state.
    /// - Median: the FirstAfter hints of each feed, one feed after the other, in spec order.
    /// - Twap: `[round, previousRound, crossingHints...]`; `round` may be 0 ("no round at/after t yet") when
    ///   `previousRound` is the latest round. `previousRound` is the last round before t of the highest reachable
    ///   phase that has one (every higher phase's round 1 is missing or at/after t). `crossingHints` name, in
    ///   walking order, the last round of the previous phase each time the walk back over the window crosses a
    ///   phase change (usually none); an earlier phase that kept reporting after the later one started fails
    ///   ({PhasesOverlap}).
    /// @dev Reverts with the first failing check's error. For a given t and feed history only one set of hints
    /// passes, so the result does not depend on who settles or when (after t). A round written later has
    /// `updatedAt >= block.timestamp` (aggregators stamp their write time), so with several reachable phases the
    /// chosen round must be strictly older than the block ({RoundTooRecent}): no later write can then come before
    /// it or tie it, and an answer once accepted stays the answer (later writes may change which phase hints
    /// prove it, never the price). Confirming a new aggregator on the proxy adds a phase; see docs/oracle.md.
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

    /// @notice Searches the hints on-chain, for Chainlink Automation `checkUpkeep` (a view simulated off-chain;
    /// gas is high but bounded). Per feed and reachable phase: the current phase is walked back from the latest
    /// round (at most {MAX_SEARCH} rounds), an earlier phase from its last round (found by exponential and binary
    /// search, at most 2 * 64 reads, then at most {MAX_SEARCH} rounds walked back).
    /// @return ok True when `hints` give a fixing that {fixAt} accepts now; false when t is not reached, no
    /// round at/after t exists yet, the search bound is hit, or the fixing it found fails a check.
    /// @return hints The hints found (possibly partial when `ok` is false; empty when none were found).
    function findHints(FixingSpec memory spec, uint256 t) internal view returns (bool ok, uint80[] memory hints) {
        if (block.timestamp < t || spec.feeds.length == 0) return (false, hints);
        if (spec.kind == FixingKind.Twap) {
            hints = _twapHints(spec, t);
        } else {
            uint256 n = spec.feeds.length;
            for (uint256 i; i < n; ++i) {
                (bool found, uint80[] memory own) = _firstAfterHints(spec.feeds[i], t);
                if (!found) return (false, new uint80[](0));
                hints = _concat(hints, own);
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
        uint256 n = spec.feeds.length;
        if (spec.kind != FixingKind.Median && n != 0) {
            return
                latestWadOf(
                    spec.feeds[0],
                    spec.heartbeat,
                    spec.minAnswer,
                    spec.maxAnswer,
                    spec.sequencerFeed,
                    spec.sequencerGrace
                );
        }
        bytes memory err = _checkSequencer(spec.sequencerFeed, spec.sequencerGrace);
        if (err.length != 0) _revertWith(err);
        if (n == 0) revert NoFeeds();
        uint256[] memory wads = new uint256[](n);
        updatedAt = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            uint256 upd;
            (wads[i], upd, err) = _latest(spec.feeds[i], spec.heartbeat, spec.minAnswer, spec.maxAnswer);
            if (err.length != 0) _revertWith(err);
            if (upd < updatedAt) updatedAt = upd;
        }
        priceWad = _median(wads);
    }

    /// @notice {latestWad} of a single-feed spec (FirstAfter or Twap) given by the fields it reads: the same
    /// checks in the same order, with no spec in memory. For callers that keep those fields packed.
    function latestWadOf(
        address feed,
        uint256 heartbeat,
        int256 minAnswer,
        int256 maxAnswer,
        address sequencerFeed,
        uint256 sequencerGrace
    ) internal view returns (uint256 priceWad, uint256 updatedAt) {
        bytes memory err = _checkSequencer(sequencerFeed, sequencerGrace);
        if (err.length == 0) (priceWad, updatedAt, err) = _latest(feed, heartbeat, minAnswer, maxAnswer);
        if (err.length != 0) _revertWith(err);
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
        err = _checkSequencer(spec.sequencerFeed, spec.sequencerGrace);
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
        // At least one pair per feed; phase hints, if any, are counted feed by feed.
        if (hints.length < 2 * n) return (0, abi.encodeWithSelector(WrongHintCount.selector, 2 * n, hints.length));
        uint256 cursor;
        uint256[] memory wads = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (wads[i], cursor, err) = _firstAfter(spec, spec.feeds[i], t, hints, cursor);
            if (err.length != 0) return (0, err);
        }
        if (cursor != hints.length) return (0, abi.encodeWithSelector(WrongHintCount.selector, cursor, hints.length));
        priceWad = n == 1 ? wads[0] : _median(wads);
    }

    /// @dev State of one FirstAfter check (kept in memory to stay within the stack).
    struct FirstAfterCheck {
        address feed;
        uint256 t;
        uint80 round;
        uint80 prev;
        uint256 upd;
        /// Latest updatedAt before t seen over the reachable phases (0: none yet).
        uint256 before;
        /// Lowest phase covered by the pair (the phases from `prev`'s to `round`'s).
        uint256 lowCovered;
        uint256 phase;
        uint256 lowest;
        uint256 current;
    }

    /// @dev The answer of `hints[at]`, checked to be the round with the smallest updatedAt >= t over every
    /// reachable phase of `feed` (see {fixAt}). Returns the index after the hints it used.
    function _firstAfter(
        FixingSpec memory spec,
        address feed,
        uint256 t,
        uint80[] memory hints,
        uint256 at
    ) private view returns (uint256 wad, uint256 next, bytes memory err) {
        if (hints.length < at + 2) return (0, 0, abi.encodeWithSelector(WrongHintCount.selector, at + 2, hints.length));
        FirstAfterCheck memory c;
        c.feed = feed;
        c.t = t;
        c.round = hints[at];
        c.prev = hints[at + 1];
        int256 answer;
        (answer, c.upd, err) = _readChecked(spec, feed, c.round);
        if (err.length != 0) return (0, 0, err);
        if (c.upd < t) return (0, 0, abi.encodeWithSelector(RoundBeforeTarget.selector, feed, c.round, c.upd, t));
        uint256 deadline = t + spec.maxDelay;
        if (c.upd > deadline) return (0, 0, abi.encodeWithSelector(RoundTooLate.selector, feed, c.upd, deadline));

        c.phase = c.round >> 64;
        c.lowCovered = c.phase;
        // previousRound 0 is allowed only for the first round of a phase (checked against the phases below).
        if (c.prev != 0 || uint64(c.round) != 1) {
            (c.before, err) = _checkPrevious(feed, t, c.prev, c.round);
            if (err.length != 0) return (0, 0, err);
            c.lowCovered = c.prev >> 64;
        }
        next = at + 2;
        (next, err) = _checkOtherPhases(c, hints, next);
        if (err.length != 0) return (0, 0, err);
        if (c.before == 0) return (0, 0, abi.encodeWithSelector(NoRoundBeforeTarget.selector, feed, c.round, t));
        // Gap between the latest round before t (any reachable phase) and the fixing: live across t.
        if (c.upd - c.before > spec.heartbeat) {
            return (0, 0, abi.encodeWithSelector(StaleRound.selector, feed, c.before, uint256(spec.heartbeat)));
        }
        uint256 scale;
        (scale, err) = _scale(feed);
        if (err.length != 0) return (0, 0, err);
        (wad, err) = _toWad(feed, answer, scale);
    }

    /// @dev Checks the phase hints of every reachable phase the pair does not cover (see {fixAt}) and raises
    /// `c.before` to the latest round before t they show. Returns the index after the hints used.
    function _checkOtherPhases(
        FirstAfterCheck memory c,
        uint80[] memory hints,
        uint256 at
    ) private view returns (uint256 next, bytes memory err) {
        (c.current, err) = _currentPhase(c.feed);
        if (err.length != 0) return (0, err);
        c.lowest = _lowestPhase(c.current);
        if (c.phase < c.lowest || c.phase > c.current) {
            return (0, abi.encodeWithSelector(PhaseNotReachable.selector, c.feed, c.phase, c.lowest, c.current));
        }
        if (c.lowCovered < c.lowest) {
            return (0, abi.encodeWithSelector(PhaseNotReachable.selector, c.feed, c.lowCovered, c.lowest, c.current));
        }
        next = at;
        if (c.lowest == c.current) return (next, "");
        if (c.upd >= block.timestamp) {
            return (0, abi.encodeWithSelector(RoundTooRecent.selector, c.feed, c.round, c.upd, block.timestamp));
        }
        bool lowerEndsBefore;
        uint80 lowerHint;
        for (uint256 q = c.lowest; q <= c.current; ++q) {
            if (q >= c.lowCovered && q <= c.phase) continue;
            // Narrowing is safe: q <= current phase < 2**16, so (q << 64) | 1 < 2**80.
            if (_missing(c.feed, uint80((q << 64) | 1))) continue;
            if (next >= hints.length)
                return (0, abi.encodeWithSelector(WrongHintCount.selector, next + 1, hints.length));
            uint80 e = hints[next++];
            bool endsBefore;
            (endsBefore, err) = _checkPhaseHint(c, q, e);
            if (err.length != 0) return (0, err);
            if (q < c.phase) {
                // Ascending order: the last assignment is the nearest non-empty phase below the round's.
                lowerEndsBefore = endsBefore;
                lowerHint = e;
            }
        }
        if (c.prev == 0 && lowerEndsBefore) {
            return (0, abi.encodeWithSelector(PredecessorNotHinted.selector, c.feed, c.round, lowerHint));
        }
    }

    /// @dev Phase hint `e` of phase `q`: either its last round, before t (`endsBefore`), or its first round
    /// at/after t, which must not come before the candidate `c.round` (equal times: the higher phase first).
    function _checkPhaseHint(
        FirstAfterCheck memory c,
        uint256 q,
        uint80 e
    ) private view returns (bool endsBefore, bytes memory err) {
        address feed = c.feed;
        if ((e >> 64) != q || uint64(e) == 0)
            return (false, abi.encodeWithSelector(WrongPhaseHint.selector, feed, q, e));
        (uint80 eid, int256 eAnswer, uint256 eUpd, ) = _getRound(feed, e);
        if (eid != e || eUpd == 0 || eUpd > block.timestamp) {
            return (false, abi.encodeWithSelector(InvalidRound.selector, feed, e, eAnswer, eUpd));
        }
        if (eUpd < c.t) {
            // e + 1 stays in phase q (no overflow): it is only formed when the aggregator round id is below its max.
            if (uint64(e) != type(uint64).max && !_missing(feed, e + 1)) {
                return (false, abi.encodeWithSelector(NotLastRoundOfPhase.selector, feed, q, e, e + 1));
            }
            if (eUpd > c.before) c.before = eUpd;
            return (true, "");
        }
        if (uint64(e) > 1) {
            err = _checkPhasePredecessor(c, q, e);
            if (err.length != 0) return (false, err);
        }
        if (eUpd < c.upd || (eUpd == c.upd && q > c.phase)) {
            return (false, abi.encodeWithSelector(EarlierRoundInOtherPhase.selector, feed, q, e, eUpd, c.round, c.upd));
        }
        return (false, "");
    }

    /// @dev Round `e - 1` (phase `q`, `e` not its first round) exists and is before t: `e` is the phase's first
    /// round at/after t. Raises `c.before` to it.
    function _checkPhasePredecessor(FirstAfterCheck memory c, uint256 q, uint80 e) private view returns (bytes memory) {
        // Cannot underflow: the caller checked the aggregator round id is > 1.
        uint80 p;
        unchecked {
            p = e - 1;
        }
        (uint80 pid, int256 pAnswer, uint256 pUpd, ) = _getRound(c.feed, p);
        if (pid != p || pUpd == 0) return abi.encodeWithSelector(InvalidRound.selector, c.feed, p, pAnswer, pUpd);
        if (pUpd >= c.t) {
            return abi.encodeWithSelector(NotFirstRoundOfPhaseAfterTarget.selector, c.feed, q, e, pUpd, c.t);
        }
        if (pUpd > c.before) c.before = pUpd;
        return "";
    }

    /// @dev The proxy's current phase: the top bits of its latest round id (0 for a bare aggregator).
    function _currentPhase(address feed) private view returns (uint256 phase, bytes memory err) {
        try AggregatorV3Interface(feed).latestRoundData() returns (uint80 id, int256, uint256, uint256, uint80) {
            return (id >> 64, "");
        } catch {
            return (0, abi.encodeWithSelector(InvalidRound.selector, feed, uint80(0), int256(0), uint256(0)));
        }
    }

    /// @dev Lowest reachable phase: `MAX_PHASE_SKIP + 1` below `current`, never below 1 (phase 0 only for a bare
    /// aggregator, whose current phase is 0).
    function _lowestPhase(uint256 current) private pure returns (uint256) {
        if (current > MAX_PHASE_SKIP + 1) return current - MAX_PHASE_SKIP - 1;
        return current == 0 ? 0 : 1;
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
        /// The first round of the later phase when the last step crossed a phase change, else 0.
        uint80 crossedFrom;
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
            if (upd > segEnd) {
                if (w.crossedFrom != 0) {
                    return abi.encodeWithSelector(PhasesOverlap.selector, feed, cur, upd, w.crossedFrom, segEnd);
                }
                return abi.encodeWithSelector(RoundsOutOfOrder.selector, feed, cur, upd, segEnd);
            }
        }
        w.crossedFrom = 0;
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
        w.crossedFrom = cur;
        w.cur = p;
    }

    /// @dev Proves `prev` is the last round before t of the highest reachable phase that has one: either
    /// `round` (the first at/after t) follows it, or `round == 0` and `prev` is the latest round; and every
    /// reachable phase above `prev`'s has no round 1 before t.
    function _checkTwapEnd(address feed, uint256 t, uint80 round, uint80 prev) private view returns (bytes memory) {
        if (round == 0) {
            (uint80 latestId, , , , ) = _latestRound(feed);
            if (latestId != prev) return abi.encodeWithSelector(NotLatestRound.selector, feed, prev, latestId);
        } else {
            (uint80 rid, int256 answer, uint256 upd, ) = _getRound(feed, round);
            if (rid != round || upd == 0 || upd > block.timestamp) {
                return abi.encodeWithSelector(InvalidRound.selector, feed, round, answer, upd);
            }
            if (upd < t) return abi.encodeWithSelector(RoundBeforeTarget.selector, feed, round, upd, t);
            bytes memory err = _checkAdjacent(feed, prev, round);
            if (err.length != 0) return err;
        }
        return _checkNoHigherPhaseBefore(feed, t, prev >> 64);
    }

    /// @dev TWAP uniqueness across phases: `phase` (the phase of the last round before t) is reachable and no
    /// reachable phase above it has a round before t (its round 1 is missing or at/after t; rounds of a phase
    /// are in time order).
    function _checkNoHigherPhaseBefore(address feed, uint256 t, uint256 phase) private view returns (bytes memory) {
        (uint256 current, bytes memory err) = _currentPhase(feed);
        if (err.length != 0) return err;
        uint256 lowest = _lowestPhase(current);
        if (phase < lowest || phase > current) {
            return abi.encodeWithSelector(PhaseNotReachable.selector, feed, phase, lowest, current);
        }
        for (uint256 q = phase + 1; q <= current; ++q) {
            // Narrowing is safe: q <= current phase < 2**16, so (q << 64) | 1 < 2**80.
            uint80 first = uint80((q << 64) | 1);
            (, , uint256 upd, ) = _getRound(feed, first);
            if (upd != 0 && upd < t) {
                return abi.encodeWithSelector(LaterPhaseHasRoundBeforeTarget.selector, feed, q, first, upd, t);
            }
        }
        return "";
    }

    function _latest(
        address feed,
        uint256 heartbeat,
        int256 minAnswer,
        int256 maxAnswer
    ) private view returns (uint256 wad, uint256 upd, bytes memory err) {
        (uint80 rid, int256 answer, , uint256 u, uint80 answeredIn) = _latestRound(feed);
        upd = u;
        // For the latest round the id asked for is the id returned; only id 0 is invalid.
        err = _checkRound(feed, rid, rid, answer, upd, answeredIn, minAnswer, maxAnswer);
        if (err.length != 0) return (0, upd, err);
        if (block.timestamp - upd > heartbeat) {
            return (0, upd, abi.encodeWithSelector(StaleRound.selector, feed, upd, heartbeat));
        }
        uint256 scale;
        (scale, err) = _scale(feed);
        if (err.length != 0) return (0, upd, err);
        (wad, err) = _toWad(feed, answer, scale);
    }

    // ================================================================== checks

    /// @dev Sequencer up (answer 0) and up for more than `grace` seconds. No-op on L1 (`seq` zero).
    function _checkSequencer(address seq, uint256 grace) private view returns (bytes memory) {
        if (seq == address(0)) return "";
        (, int256 status, uint256 startedAt, , ) = _latestRound(seq);
        if (status != 0) return abi.encodeWithSelector(SequencerDown.selector, seq);
        if (startedAt == 0) return abi.encodeWithSelector(SequencerStatusUnknown.selector, seq);
        if (startedAt > block.timestamp || block.timestamp - startedAt <= grace) {
            return abi.encodeWithSelector(SequencerGracePeriod.selector, seq, startedAt, grace);
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
        err = _checkRound(feed, id, rid, answer, upd, answeredIn, spec.minAnswer, spec.maxAnswer);
    }

    /// @dev A round whose answer is used: exists under the id asked for, answer > 0, updated in the past,
    /// answered in its own round or later, strictly inside the raw bounds.
    function _checkRound(
        address feed,
        uint80 asked,
        uint80 rid,
        int256 answer,
        uint256 upd,
        uint80 answeredIn,
        int256 minAnswer,
        int256 maxAnswer
    ) private view returns (bytes memory) {
        if (rid == 0 || rid != asked || answer <= 0 || upd == 0 || upd > block.timestamp || answeredIn < rid) {
            return abi.encodeWithSelector(InvalidRound.selector, feed, asked, answer, upd);
        }
        if ((minAnswer != 0 && answer <= minAnswer) || (maxAnswer != 0 && answer >= maxAnswer)) {
            return abi.encodeWithSelector(AnswerOutOfBounds.selector, feed, answer, minAnswer, maxAnswer);
        }
        return "";
    }

    /// @dev 10^(18 - decimals) for `feed`.
    function _scale(address feed) private view returns (uint256 scale, bytes memory err) {
        uint8 dec = _decimals(feed);
        if (dec > MAX_DECIMALS) return (0, abi.encodeWithSelector(FeedDecimalsTooHigh.selector, feed, dec));
        // Unchecked power: dec <= 18 here, so scale <= 10^18.
        unchecked {
            scale = 10 ** (MAX_DECIMALS - dec);
        }
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

    /// @dev `feed.latestRoundData()`, as the typed call reads it: a revert of the feed is passed on, and a reply
    /// shorter than five words, or with a round id or `answeredInRound` beyond uint80, reverts without data (as
    /// the ABI decoder does). In assembly: the typed call's encoding, copy and checks cost ~200 gas a read (the
    /// swap's four reads, measured).
    function _latestRound(
        address feed
    ) private view returns (uint80 rid, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(0, 0xfeaf968c) // latestRoundData()
            if iszero(staticcall(gas(), feed, 28, 4, m, 0xa0)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            rid := mload(m)
            answeredIn := mload(add(m, 0x80))
            if or(lt(returndatasize(), 0xa0), shr(80, or(rid, answeredIn))) {
                revert(0, 0)
            }
            answer := mload(add(m, 0x20))
            startedAt := mload(add(m, 0x40))
            updatedAt := mload(add(m, 0x60))
        }
    }

    /// @dev `feed.decimals()`, read as {_latestRound} reads a round: a reply shorter than a word or beyond uint8
    /// reverts without data.
    function _decimals(address feed) private view returns (uint8 dec) {
        assembly ("memory-safe") {
            mstore(0, 0x313ce567) // decimals()
            if iszero(staticcall(gas(), feed, 28, 4, 0, 0x20)) {
                let m := mload(0x40)
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            dec := mload(0)
            if or(lt(returndatasize(), 0x20), shr(8, dec)) {
                revert(0, 0)
            }
        }
    }

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

    /// @dev TWAP end: walks back from the latest round (crossing to earlier phases' last rounds) to the first
    /// round with updatedAt >= t and its predecessor; a latest round before t yields (true, 0, latest).
    function _searchPair(address feed, uint256 t) private view returns (bool found, uint80 round, uint80 prev) {
        (uint80 cur, , , uint256 upd, ) = _latestRound(feed);
        if (cur == 0 || upd == 0) return (false, 0, 0);
        if (upd < t) return (true, 0, cur);
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
            p = _lastRound(feed, q);
            (, , pUpd, ) = _getRound(feed, p);
            return (true, p, pUpd);
        }
        return (false, 0, 0);
    }

    /// @dev What {findHints} learned about one reachable phase.
    struct PhaseFind {
        /// 0: empty (no round 1); 1: its last round is before t; 2: `id` is its first round at/after t.
        uint8 kind;
        uint80 id;
        uint256 upd;
    }

    /// @dev The FirstAfter hints of one feed (see {fixAt}); `found` is false when no reachable phase has a round
    /// at/after t yet or a search bound was hit.
    function _firstAfterHints(address feed, uint256 t) private view returns (bool found, uint80[] memory hints) {
        (uint256 current, bytes memory err) = _currentPhase(feed);
        if (err.length != 0) return (false, hints);
        uint256 lowest = _lowestPhase(current);
        PhaseFind[] memory ph = new PhaseFind[](current - lowest + 1);
        uint256 best = type(uint256).max;
        for (uint256 q = lowest; q <= current; ++q) {
            PhaseFind memory f = ph[q - lowest];
            bool ok;
            (ok, f.kind, f.id, f.upd) = _findInPhase(feed, t, q, q == current);
            if (!ok) return (false, hints);
            // Ascending phases and `<=`: on equal times the higher phase wins (as {fixAt} requires).
            if (f.kind == 2 && (best == type(uint256).max || f.upd <= ph[best].upd)) best = q - lowest;
        }
        if (best == type(uint256).max) return (false, hints);
        uint80 round = ph[best].id;
        uint256 phase = lowest + best;
        uint80 prev;
        uint256 lowCovered = phase;
        if (uint64(round) > 1) {
            // Cannot underflow: the aggregator round id is > 1.
            unchecked {
                prev = round - 1;
            }
        } else {
            for (uint256 i = best; i > 0;) {
                --i;
                if (ph[i].kind == 0) continue;
                if (ph[i].kind == 1) {
                    prev = ph[i].id;
                    lowCovered = lowest + i;
                }
                break;
            }
        }
        uint80[] memory buf = new uint80[](ph.length + 2);
        buf[0] = round;
        buf[1] = prev;
        uint256 len = 2;
        for (uint256 i; i < ph.length; ++i) {
            uint256 q = lowest + i;
            if ((q >= lowCovered && q <= phase) || ph[i].kind == 0) continue;
            buf[len++] = ph[i].id;
        }
        hints = new uint80[](len);
        for (uint256 i; i < len; ++i) {
            hints[i] = buf[i];
        }
        found = true;
    }

    /// @dev Phase `q` of `feed`: empty, last round before t, or first round at/after t. `ok` is false when a
    /// search bound is hit.
    function _findInPhase(
        address feed,
        uint256 t,
        uint256 q,
        bool isCurrent
    ) private view returns (bool ok, uint8 kind, uint80 id, uint256 upd) {
        if (isCurrent) {
            (id, , , upd, ) = _latestRound(feed);
            if (upd == 0) return (true, 0, 0, 0);
        } else {
            // Narrowing is safe: q < current phase < 2**16.
            if (_missing(feed, uint80((q << 64) | 1))) return (true, 0, 0, 0);
            id = _lastRound(feed, q);
            (, , upd, ) = _getRound(feed, id);
        }
        if (upd < t) return (true, 1, id, upd);
        for (uint256 i; i < MAX_SEARCH; ++i) {
            if (uint64(id) <= 1) return (true, 2, id, upd);
            // Cannot underflow: the aggregator round id is > 1.
            uint80 p;
            unchecked {
                p = id - 1;
            }
            (, , uint256 pUpd, ) = _getRound(feed, p);
            if (pUpd < t) return (true, 2, id, upd);
            id = p;
            upd = pUpd;
        }
        return (false, 0, 0, 0);
    }

    /// @dev The last round of phase `q` (which has a round 1), by exponential then binary search over the
    /// aggregator round ids (at most 2 * 64 reads).
    function _lastRound(address feed, uint256 q) private view returns (uint80) {
        uint256 base = q << 64;
        uint256 lo = 1;
        uint256 hi = 2;
        // Narrowing casts below are safe: q < 2**16 and every aggregator round id is < 2**64.
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
        return uint80(base | lo);
    }

    /// @dev `a` followed by `b`.
    function _concat(uint80[] memory a, uint80[] memory b) private pure returns (uint80[] memory c) {
        c = new uint80[](a.length + b.length);
        for (uint256 i; i < a.length; ++i) c[i] = a[i];
        for (uint256 i; i < b.length; ++i) c[a.length + i] = b[i];
    }

    /// @dev Hints for a TWAP: the end pair, then the phase hints needed to walk back over the window.
    function _twapHints(FixingSpec memory spec, uint256 t) private view returns (uint80[] memory hints) {
        address feed = spec.feeds[0];
        (bool found, uint80 round, uint80 prev) = _searchPair(feed, t);
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
