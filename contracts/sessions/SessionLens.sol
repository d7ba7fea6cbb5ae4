// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SessionCore} from "./SessionCore.sol";
import {SessionKind} from "./SessionTypes.sol";

/// @title SessionLens
/// @notice Read-only mark-to-market views of any session (kept out of the session bytecode): latest prices,
/// relative prices to a numeraire leg, value of an allocation and P&L versus baseline. Stateless; anyone.
contract SessionLens {
    /// @notice Latest price of every leg of `session` from its feeds (WAD quote per instrument unit or per
    /// whole token), and the oldest update time among them.
    function latestPrices(SessionCore session) public view returns (uint256[] memory prices, uint256 oldestUpdate) {
        return session.oracle().latestAll(session.fixingSpecs());
    }

    /// @notice Prices of every leg relative to leg `numeraire`: S_k / S_numeraire in WAD, rounded down
    /// (display only).
    function relativePrices(SessionCore session, uint256 numeraire) external view returns (uint256[] memory rel) {
        (uint256[] memory prices, ) = latestPrices(session);
        rel = new uint256[](prices.length);
        for (uint256 k; k < prices.length; ++k) rel[k] = (prices[k] * 1e18) / prices[numeraire];
    }

    /// @notice Value of `account`'s allocation x_i at the latest prices, in 1e36 quote units (exact).
    function markToMarketE36(SessionCore session, address account) external view returns (int256) {
        (uint256[] memory prices, ) = latestPrices(session);
        return _dot(session, session.allocationOf(account), prices);
    }

    /// @notice P&L of `account` versus its baseline, (x_i - b_i).S at the latest prices, in 1e36 quote units.
    /// Exact, so it sums to zero across all participants (fee recipient included).
    function pnlE36(SessionCore session, address account) external view returns (int256) {
        (uint256[] memory prices, ) = latestPrices(session);
        int256[] memory x = session.allocationOf(account);
        int256[] memory b = session.baselineOf(account);
        for (uint256 k; k < x.length; ++k) x[k] -= b[k];
        return _dot(session, x, prices);
    }

    /// @dev sum_k x_k * value of one allocation unit of leg k (physical and margin: token units, scaled by
    /// 10^(18-dec) so that 1e36 is one quote unit; cash: WAD units times WAD prices). For a margin session whose
    /// legs were split, use the session's own `marginOf` view: its units are session units.
    function _dot(SessionCore session, int256[] memory x, uint256[] memory prices) private view returns (int256 v) {
        (SessionKind kind, , , , , , , ) = session.config();
        for (uint256 k; k < x.length; ++k) {
            uint256 scale = prices[k];
            if (kind != SessionKind.Cash) {
                (, uint256 dec, , , ) = session.leg(k);
                scale *= 10 ** (18 - dec);
            }
            // Safe cast: prices are WAD-normalised feed answers, far below 2^255.
            v += x[k] * int256(scale);
        }
    }
}
