// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketsBase} from "../markets/MarketsBase.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {FixingKind, FixingSpec} from "../../../contracts/shared/oracle/OracleFixing.sol";
import {SessionOracle} from "../../../contracts/sessions/SessionOracle.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {DataFeedsLegacyAggregatorProxy} from "@chainlink/contracts/src/v0.8/data-feeds/test/helpers/DataFeedsLegacyAggregatorProxy.sol";

/// @notice Issue 12, fault 1 at family level: a feed behind Chainlink's real proxy migrates to a new aggregator
/// around the fixing time and both phases report over the same time. A markets feed root and a session's
/// oracle path (the {SessionOracle} adapter every session settles through) accept exactly one hint set.
contract OverlappingPhasesAuditTest is MarketsBase {
    DataFeedsLegacyAggregatorProxy internal proxy;

    /// Phase 1 from `t - 100` (20.00); phase 2 confirmed at `t - 40` (its round 1 at `t - 50`, 21.00). Then the
    /// old aggregator writes 22.00 at `t + 10` and the new one 30.00 at `t + 20`. The fixing is 22.00.
    function _migrateAround(uint256 t, MockV3Aggregator agg1) internal {
        vm.warp(t - 100);
        agg1.updateAnswer(20e8);
        vm.warp(t - 50);
        MockV3Aggregator agg2 = new MockV3Aggregator(8, 21e8);
        vm.warp(t - 40);
        proxy.proposeAggregator(address(agg2));
        proxy.confirmAggregator(address(agg2));
        vm.warp(t + 10);
        agg1.updateAnswer(22e8);
        vm.warp(t + 20);
        agg2.updateAnswer(30e8);
        vm.warp(t + 30 minutes);
    }

    /// Every `[round, prev]` and `[round, prev, extra]` over the rounds of both phases (and 0).
    function _candidates() internal pure returns (uint80[][] memory out) {
        uint80[5] memory v = [
            uint80((1 << 64) | 2),
            uint80((1 << 64) | 3),
            uint80((2 << 64) | 1),
            uint80((2 << 64) | 2),
            uint80(0)
        ];
        out = new uint80[][](4 * 5 * 6);
        uint256 n;
        for (uint256 i; i < 4; ++i) {
            for (uint256 j; j < 5; ++j) {
                for (uint256 k; k < 6; ++k) {
                    uint80[] memory h = new uint80[](k == 5 ? 2 : 3);
                    h[0] = v[i];
                    h[1] = v[j];
                    if (k < 5) h[2] = v[k];
                    out[n++] = h;
                }
            }
        }
    }

    function _spec() internal view returns (FixingSpec memory s) {
        address[] memory feeds = new address[](1);
        feeds[0] = address(proxy);
        s = FixingSpec(FixingKind.FirstAfter, feeds, 1 days, 1 hours, 0, 0, 0, address(0), 0);
    }

    function test_overlappingPhases_marketsFeedRoot_onlyUniqueHintsSettle() public {
        MockV3Aggregator agg1 = new MockV3Aggregator(8, 19e8);
        proxy = new DataFeedsLegacyAggregatorProxy(address(agg1));
        MarketStorage.RootParams memory p = _params(0, 5000);
        p.source = 2;
        p.decimals = 2;
        vm.prank(owner);
        uint256 id = admin.createFeedRoot(p, _spec());
        uint64 expiry = adm.root(id).expiry;
        _migrateAround(expiry, agg1);
        uint80[][] memory c = _candidates();
        uint256 passed;
        uint256 winner;
        for (uint256 i; i < c.length; ++i) {
            uint256 snap = vm.snapshotState();
            vm.prank(i % 2 == 0 ? t1 : t2);
            try admin.settleFromFeed(id, c[i]) {
                ++passed;
                winner = i;
                assertEq(adm.root(id).lo, 2200, "the earliest round after expiry over both phases");
            } catch {}
            vm.revertToState(snap);
        }
        assertEq(passed, 1, "exactly one hint set settles the root");
        assertEq(c[winner][0], (1 << 64) | 3);
        assertEq(c[winner][1], (1 << 64) | 2);
        assertEq(c[winner][2], (2 << 64) | 2);
        // the keeper finds the same hints and settles at 22.00
        (bool needed, bytes memory data) = admin.checkUpkeep(abi.encode(id));
        assertTrue(needed);
        vm.prank(t3);
        admin.performUpkeep(data);
        assertEq(adm.root(id).lo, 2200);
    }

    function test_overlappingPhases_sessionOracle_onlyUniqueHintsFix() public {
        SessionOracle oracle = new SessionOracle();
        MockV3Aggregator agg1 = new MockV3Aggregator(8, 19e8);
        proxy = new DataFeedsLegacyAggregatorProxy(address(agg1));
        uint256 t2 = block.timestamp + 1 days;
        FixingSpec[] memory specs = new FixingSpec[](1);
        specs[0] = _spec();
        oracle.validate(specs[0]);
        bytes memory encoded = abi.encode(specs);
        _migrateAround(t2, agg1);
        uint80[][] memory c = _candidates();
        uint256 passed;
        for (uint256 i; i < c.length; ++i) {
            uint80[][] memory hints = new uint80[][](1);
            hints[0] = c[i];
            try oracle.fixAll(encoded, t2, hints) returns (uint256[] memory prices) {
                ++passed;
                assertEq(prices[0], 22e18);
                assertEq(c[i][0], (1 << 64) | 3);
            } catch {}
        }
        assertEq(passed, 1, "exactly one hint set fixes the leg");
        (bool ok, uint80[][] memory found) = oracle.findAll(encoded, t2);
        assertTrue(ok);
        assertEq(oracle.fixAll(encoded, t2, found)[0], 22e18);
    }
}
