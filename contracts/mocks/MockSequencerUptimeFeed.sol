// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockSequencerUptimeFeed
/// @notice A Chainlink L2 sequencer-uptime feed stand-in (test and local networks only). As the real feed:
/// answer 0 = sequencer up, 1 = down; `startedAt` = when the status last changed. Anyone may set it.
contract MockSequencerUptimeFeed is AggregatorV3Interface {
    uint80 public roundId;
    int256 public status;
    uint256 public startedAt;
    uint256 public updatedAt;

    /// @notice Report the sequencer `up` (answer 0) or down (answer 1) since `startedAt_` (unix s).
    function setStatus(bool up, uint256 startedAt_) external {
        ++roundId;
        status = up ? int256(0) : int256(1);
        startedAt = startedAt_;
        updatedAt = block.timestamp;
    }

    /// @notice Write the raw answer (any value) and startedAt.
    function setRaw(int256 answer, uint256 startedAt_) external {
        ++roundId;
        status = answer;
        startedAt = startedAt_;
        updatedAt = block.timestamp;
    }

    function decimals() external pure override returns (uint8) {
        return 0;
    }

    function description() external pure override returns (string memory) {
        return "L2 Sequencer Uptime Status Feed (mock)";
    }

    function version() external pure override returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80) external view override returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, status, startedAt, updatedAt, roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, status, startedAt, updatedAt, roundId);
    }
}
