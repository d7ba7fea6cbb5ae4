// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingSpec, OracleFixing} from "../shared/oracle/OracleFixing.sol";

/// @title SessionOracle
/// @notice Stateless, view-only adapter from a session's encoded fixing specs (`abi.encode(FixingSpec[])`,
/// one per leg) to {OracleFixing}. Deployed once and named in every session's immutable args, so the oracle
/// code is not repeated in each session's bytecode. It holds no funds and no state: a session calls it with
/// STATICCALL and every check of {OracleFixing} applies.
contract SessionOracle {
    /// @notice Fixing of every leg at `t` with the given hints (reverts like {OracleFixing.fixAt}).
    /// @return prices WAD quote per unit, one per leg.
    function fixAll(
        bytes calldata specs,
        uint256 t,
        uint80[][] calldata hints
    ) external view returns (uint256[] memory prices) {
        FixingSpec[] memory s = abi.decode(specs, (FixingSpec[]));
        uint256 n = s.length;
        if (hints.length != n) revert HintsLength(n, hints.length);
        prices = new uint256[](n);
        for (uint256 k; k < n; ++k) prices[k] = OracleFixing.fixAt(s[k], t, hints[k]);
    }

    /// @notice As {fixAll}, but legs whose bit is set in `skipMask` are not read and price 0 (a leg closed by a
    /// corporate action, whose feed may have stopped).
    function fixMasked(
        bytes calldata specs,
        uint256 t,
        uint80[][] calldata hints,
        uint256 skipMask
    ) external view returns (uint256[] memory prices) {
        FixingSpec[] memory s = abi.decode(specs, (FixingSpec[]));
        uint256 n = s.length;
        if (hints.length != n) revert HintsLength(n, hints.length);
        prices = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            if ((skipMask >> k) & 1 == 0) prices[k] = OracleFixing.fixAt(s[k], t, hints[k]);
        }
    }

    /// @notice Latest price of every leg not in `skipMask` (WAD; skipped legs price 0). Reverts with the
    /// oracle's error on a stale or invalid round, so a margin check never runs on old prices.
    function latestMasked(bytes calldata specs, uint256 skipMask) external view returns (uint256[] memory prices) {
        FixingSpec[] memory s = abi.decode(specs, (FixingSpec[]));
        prices = new uint256[](s.length);
        for (uint256 k; k < s.length; ++k) {
            if ((skipMask >> k) & 1 == 0) (prices[k], ) = OracleFixing.latestWad(s[k]);
        }
    }

    /// @notice Hints for every leg at `t` ({OracleFixing.findHints}); `ok` only if every leg has a fixing.
    function findAll(bytes calldata specs, uint256 t) external view returns (bool ok, uint80[][] memory hints) {
        FixingSpec[] memory s = abi.decode(specs, (FixingSpec[]));
        hints = new uint80[][](s.length);
        for (uint256 k; k < s.length; ++k) {
            bool legOk;
            (legOk, hints[k]) = OracleFixing.findHints(s[k], t);
            if (!legOk) return (false, hints);
        }
        ok = true;
    }

    /// @notice Latest price of every leg (WAD) and the oldest update time among them.
    function latestAll(bytes calldata specs) external view returns (uint256[] memory prices, uint256 oldestUpdate) {
        FixingSpec[] memory s = abi.decode(specs, (FixingSpec[]));
        prices = new uint256[](s.length);
        oldestUpdate = type(uint256).max;
        for (uint256 k; k < s.length; ++k) {
            uint256 at;
            (prices[k], at) = OracleFixing.latestWad(s[k]);
            if (at < oldestUpdate) oldestUpdate = at;
        }
    }

    /// @notice Validates one spec ({OracleFixing.validate}); reverts naming the bad field.
    function validate(FixingSpec calldata spec) external view {
        OracleFixing.validate(spec);
    }

    /// @notice Decodes the fixing spec of leg `k`.
    function specAt(bytes calldata specs, uint256 k) external pure returns (FixingSpec memory) {
        return abi.decode(specs, (FixingSpec[]))[k];
    }

    /// @notice One hint array per leg is required.
    error HintsLength(uint256 expected, uint256 got);
}
