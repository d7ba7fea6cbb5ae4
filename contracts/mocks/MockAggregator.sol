// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockAggregator
/// @notice A Chainlink proxy stand-in with full control, for table-driven tests and local networks only.
/// Round ids follow a real proxy: `(phaseId << 64) | aggregatorRoundId`, phase 1 first, aggregator round 1
/// first in every phase. Anyone may write to it.
/// @dev A round that was never written is "missing". By default `getRoundData` on a missing round reverts
/// with {NoDataPresent} (as an OCR aggregator behind a proxy does); {setMissingRoundReverts}(false) makes it
/// return all zeros instead (as some aggregator versions do). Consumers must handle both.
contract MockAggregator is AggregatorV3Interface {
    struct Round {
        uint80 roundId;
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
        uint80 answeredInRound;
        bool exists;
    }

    /// @notice The round asked for does not exist.
    error NoDataPresent(uint80 roundId);

    uint8 public override decimals;
    string public override description;
    uint256 public constant override version = 4;

    /// @notice Current phase id (starts at 1).
    uint16 public phaseId = 1;
    /// @notice Last aggregator round id pushed in the current phase (0 before the first push).
    uint64 public aggregatorRound;
    /// @notice The round id `latestRoundData` reads.
    uint80 public latestRoundId;
    /// @notice Whether reading a missing round reverts (true) or returns zeros (false).
    bool public missingRoundReverts = true;

    mapping(uint80 => Round) internal _rounds;
    /// @notice Last aggregator round id appended to each phase by {pushRound} or {appendRound}.
    mapping(uint16 => uint64) public lastRoundOfPhase;

    constructor(uint8 decimals_, string memory description_) {
        decimals = decimals_;
        description = description_;
    }

    /// @notice Change the decimals the feed reports.
    function setDecimals(uint8 decimals_) external {
        decimals = decimals_;
    }

    /// @notice Choose how a missing round reads: revert (true, default) or all zeros (false).
    function setMissingRoundReverts(bool reverts_) external {
        missingRoundReverts = reverts_;
    }

    /// @notice Append a round to the current phase and make it the latest. startedAt = updatedAt.
    /// @return roundId The proxy round id of the new round.
    function pushRound(int256 answer, uint256 updatedAt) public returns (uint80 roundId) {
        ++aggregatorRound;
        roundId = (uint80(phaseId) << 64) | aggregatorRound;
        _rounds[roundId] = Round(roundId, answer, updatedAt, updatedAt, roundId, true);
        latestRoundId = roundId;
        lastRoundOfPhase[phaseId] = aggregatorRound;
    }

    /// @notice Append a round to `phase`'s own sequence, as an aggregator does that still reports after the
    /// proxy moved on (an earlier phase) or that reports before the proxy confirms it (a later phase). In the
    /// current phase it is {pushRound}; elsewhere the latest round does not move.
    function appendRound(uint16 phase, int256 answer, uint256 updatedAt) external returns (uint80 roundId) {
        if (phase == phaseId) return pushRound(answer, updatedAt);
        uint64 n = ++lastRoundOfPhase[phase];
        roundId = (uint80(phase) << 64) | n;
        _rounds[roundId] = Round(roundId, answer, updatedAt, updatedAt, roundId, true);
    }

    /// @notice Start a new phase: the next pushed round gets id `(phaseId << 64) | 1` (or follows the rounds
    /// {appendRound} already wrote to it: an aggregator that reported before the proxy confirmed it).
    function startPhase() external {
        ++phaseId;
        aggregatorRound = lastRoundOfPhase[phaseId];
    }

    /// @notice Jump `count` phases at once (the phases skipped stay empty).
    function skipPhases(uint16 count) external {
        phaseId += count;
        aggregatorRound = lastRoundOfPhase[phaseId];
    }

    /// @notice Write any raw round, stored under `roundId` (does not move the latest round).
    function setRawRound(
        uint80 roundId,
        int256 answer,
        uint256 startedAt,
        uint256 updatedAt,
        uint80 answeredInRound
    ) external {
        _rounds[roundId] = Round(roundId, answer, startedAt, updatedAt, answeredInRound, true);
    }

    /// @notice Write any raw round under key `key`, reporting `roundId` (which may differ from the key).
    function setRawRoundAt(
        uint80 key,
        uint80 roundId,
        int256 answer,
        uint256 startedAt,
        uint256 updatedAt,
        uint80 answeredInRound
    ) external {
        _rounds[key] = Round(roundId, answer, startedAt, updatedAt, answeredInRound, true);
    }

    /// @notice Forget a round (it becomes missing).
    function deleteRound(uint80 roundId) external {
        delete _rounds[roundId];
    }

    /// @notice Point `latestRoundData` at `roundId`.
    function setLatestRound(uint80 roundId) external {
        latestRoundId = roundId;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId_) external view override returns (uint80, int256, uint256, uint256, uint80) {
        return _read(roundId_);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return _read(latestRoundId);
    }

    function _read(uint80 key) internal view returns (uint80, int256, uint256, uint256, uint80) {
        Round storage r = _rounds[key];
        if (!r.exists) {
            if (missingRoundReverts) revert NoDataPresent(key);
            return (0, 0, 0, 0, 0);
        }
        return (r.roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }
}
