// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarginStorage} from "../../../../contracts/sessions/margin/MarginStorage.sol";

/// @notice Exposes {MarginStorage.risk} and {MarginStorage.unitValue} for tests. It writes the stress parameters,
/// split scales and closed legs into its own copy of the margin namespace, as a session's configuration would.
contract MarginMathHarness {
    /// @notice Sets the per-leg shocks (bps, <= 10,000), the group-A mask and the group shock (bps).
    function setStress(uint16[] calldata shocks, uint32 groupMask, uint16 groupShockBps) external {
        MarginStorage.Layout storage m = MarginStorage.layout();
        m.shocks[0] = 0;
        m.shocks[1] = 0;
        for (uint256 k; k < shocks.length; ++k) m.shocks[k >> 4] |= uint256(shocks[k]) << ((k & 15) << 4);
        m.groupMask = groupMask;
        m.groupShockBps = groupShockBps;
    }

    /// @notice Sets leg k's token units per session unit to num/den (both < 2^128, den > 0).
    function setScale(uint256 k, uint256 num, uint256 den) external {
        MarginStorage.layout().scale[k] = (num << 128) | den;
    }

    /// @notice Sets the mask of legs closed by cash-in-lieu.
    function setClosed(uint256 mask) external {
        MarginStorage.layout().closedLegs = mask;
    }

    function shockBps(uint256 k) external view returns (uint256) {
        return MarginStorage.shockBps(MarginStorage.layout(), k);
    }

    function unitValue(uint256 k, uint256 priceWad, uint256 decimals) external view returns (uint256) {
        return MarginStorage.unitValue(MarginStorage.layout(), k, priceWad, decimals);
    }

    function risk(
        int256[] calldata x,
        uint256[] calldata p
    ) external view returns (int256 equity, int256 stressed, uint256 gross) {
        return MarginStorage.risk(MarginStorage.layout(), x, p);
    }
}
