// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketsBase} from "./MarketsBase.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";

/// @notice Chainlink Automation on callback roots: past the void deadline an unreported root needs the void
/// upkeep, but a root with a pending report does not (voiding it would revert; it finalises instead).
contract UpkeepPathsTest is MarketsBase {
    function test_checkUpkeep_returnsFalse_whenPastVoidDeadlineWithPendingReport() public {
        uint256 reported = _callbackRoot(0, 100, 1 hours);
        uint256 silent = _callbackRoot(0, 100, 1 hours);
        uint64 voidDeadline = adm.root(reported).voidDeadline;
        vm.warp(adm.root(reported).expiry);
        vm.prank(reporter);
        admin.report(reported, 42);
        vm.warp(voidDeadline);

        (bool needed, bytes memory data) = admin.checkUpkeep(abi.encode(reported));
        assertFalse(needed, "a pending report is not voided");
        assertEq(data.length, 0);
        vm.expectRevert(abi.encodeWithSelector(E.ReportPending.selector, reported, int256(42)));
        admin.voidRoot(reported);

        // Control: the same root without a report does need the void upkeep.
        (needed, data) = admin.checkUpkeep(abi.encode(silent));
        assertTrue(needed);
        (uint256 id, bool isVoid, uint80[] memory hints) = abi.decode(data, (uint256, bool, uint80[]));
        assertEq(id, silent);
        assertTrue(isVoid);
        assertEq(hints.length, 0);

        // The pending report finalises (its window is over) and the root then needs nothing.
        admin.finalizeReport(reported);
        (needed, ) = admin.checkUpkeep(abi.encode(reported));
        assertFalse(needed);
    }
}
