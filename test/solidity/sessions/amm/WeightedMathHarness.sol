// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {WeightedMath} from "../../../../contracts/sessions/amm/WeightedMath.sol";

/// @notice Exposes {WeightedMath} for tests (Solidity fuzz and the TypeScript reference comparison).
contract WeightedMathHarness {
    function outGivenInDown(
        uint256 bIn,
        uint256 wIn,
        uint256 bOut,
        uint256 wOut,
        uint256 a
    ) external pure returns (uint256) {
        return WeightedMath.outGivenInDown(bIn, wIn, bOut, wOut, a);
    }

    function inGivenOutUp(
        uint256 bIn,
        uint256 wIn,
        uint256 bOut,
        uint256 wOut,
        uint256 a
    ) external pure returns (uint256) {
        return WeightedMath.inGivenOutUp(bIn, wIn, bOut, wOut, a);
    }

    function powUp(uint256 x, uint256 y) external pure returns (uint256) {
        return WeightedMath.powUp(x, y);
    }

    function powDown(uint256 x, uint256 y) external pure returns (uint256) {
        return WeightedMath.powDown(x, y);
    }
}
