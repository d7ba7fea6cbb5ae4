// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";

/// @notice Exposes the OracleFixing library as external calls so tests can catch its reverts.
contract OracleFixingHarness {
    function validate(FixingSpec memory spec) external view {
        OracleFixing.validate(spec);
    }

    function fixAt(FixingSpec memory spec, uint256 t, uint80[] memory hints) external view returns (uint256) {
        return OracleFixing.fixAt(spec, t, hints);
    }

    function tryFixAt(
        FixingSpec memory spec,
        uint256 t,
        uint80[] memory hints
    ) external view returns (bool ok, uint256 priceWad, bytes memory err) {
        return OracleFixing.tryFixAt(spec, t, hints);
    }

    function findHints(FixingSpec memory spec, uint256 t) external view returns (bool ok, uint80[] memory hints) {
        return OracleFixing.findHints(spec, t);
    }

    function latestWad(FixingSpec memory spec) external view returns (uint256 priceWad, uint256 updatedAt) {
        return OracleFixing.latestWad(spec);
    }

    function latestWadOf(
        address feed,
        uint256 heartbeat,
        int256 minAnswer,
        int256 maxAnswer,
        address sequencerFeed,
        uint256 sequencerGrace
    ) external view returns (uint256 priceWad, uint256 updatedAt) {
        return OracleFixing.latestWadOf(feed, heartbeat, minAnswer, maxAnswer, sequencerFeed, sequencerGrace);
    }

    function median(uint256[] memory values) external pure returns (uint256) {
        return OracleFixing.median(values);
    }
}

/// @notice Holds a spec in storage, as a family contract does, to measure a realistic fixAt.
contract StoredSpecConsumer {
    FixingSpec internal _spec;

    constructor(FixingSpec memory spec) {
        OracleFixing.validate(spec);
        _spec = spec;
    }

    function settle(uint256 t, uint80[] calldata hints) external view returns (uint256) {
        return OracleFixing.fixAt(_spec, t, hints);
    }
}
