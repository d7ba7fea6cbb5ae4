// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeMath} from "../../../../contracts/shared/fees/FeeMath.sol";

/// @notice Exposes the FeeMath library as external calls so tests can catch its reverts.
contract FeeMathHarness {
    function check(uint256 bps) external pure {
        FeeMath.check(bps);
    }

    function checkSigned(uint256 venueBps, uint256 signedMaxBps) external pure {
        FeeMath.checkSigned(venueBps, signedMaxBps);
    }

    function feeDown(uint256 amount, uint256 bps) external pure returns (uint256) {
        return FeeMath.feeDown(amount, bps);
    }
}
