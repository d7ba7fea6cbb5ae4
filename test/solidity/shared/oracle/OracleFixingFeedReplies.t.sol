// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {OracleFixingBase} from "./OracleFixingBase.sol";

/// @notice A feed whose replies can be made malformed: it answers with raw bytes, not through the ABI encoder.
contract OddFeed {
    uint256 internal constant P = 2_000e8;

    /// 0: a valid round; 1: reverts with a reason; 2: four words only; 3: round id beyond uint80;
    /// 4: answeredInRound beyond uint80; 5: decimals beyond uint8; 6: an empty decimals reply.
    uint256 public mode;

    function setMode(uint256 m) external {
        mode = m;
    }

    function decimals() external view returns (uint8) {
        uint256 m = mode;
        if (m == 1) revert("OddFeed: down");
        assembly ("memory-safe") {
            if eq(m, 6) {
                return(0, 0)
            }
            mstore(0, 8)
            if eq(m, 5) {
                mstore(0, 264) // 8 + 256: fits a word, not a uint8
            }
            return(0, 0x20)
        }
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint256 m = mode;
        if (m == 1) revert("OddFeed: down");
        uint256 id = m == 3 ? (uint256(1) << 80) | 7 : 7;
        uint256 answered = m == 4 ? (uint256(1) << 80) | 7 : 7;
        uint256 len = m == 2 ? 0x80 : 0xa0;
        uint256 p = P;
        uint256 t = block.timestamp;
        assembly ("memory-safe") {
            mstore(0x00, id)
            mstore(0x20, p)
            mstore(0x40, t)
            mstore(0x60, t)
            mstore(0x80, answered)
            return(0, len)
        }
    }
}

/// @notice Reads a feed through the typed interface: the behaviour {OracleFixing} must keep.
contract TypedFeedReader {
    function latest(address feed) external view returns (uint80, int256, uint256, uint256, uint80) {
        return AggregatorV3Interface(feed).latestRoundData();
    }

    function decimalsOf(address feed) external view returns (uint8) {
        return AggregatorV3Interface(feed).decimals();
    }
}

/// @notice The library reads `latestRoundData` and `decimals` in assembly: every malformed reply must fail
/// as the typed call fails (the same revert data), and a well-formed one must price as before.
contract OracleFixingFeedRepliesTest is OracleFixingBase {
    OddFeed internal odd;
    TypedFeedReader internal typed;

    function setUp() public override {
        super.setUp();
        odd = new OddFeed();
        typed = new TypedFeedReader();
    }

    function _oddSpec() internal view returns (FixingSpec memory) {
        return _spec(FixingKind.FirstAfter, _one(address(odd)));
    }

    function _viaSpec() internal view returns (bool ok, bytes memory ret) {
        return address(h).staticcall(abi.encodeCall(h.latestWad, (_oddSpec())));
    }

    function _viaFields(address feed) internal view returns (bool ok, bytes memory ret) {
        return address(h).staticcall(abi.encodeCall(h.latestWadOf, (feed, HEARTBEAT, 0, 0, address(0), 0)));
    }

    function test_wellFormedReply_pricesTheSameBothWays() public view {
        (uint256 a, uint256 ta) = h.latestWad(_oddSpec());
        (uint256 b, uint256 tb) = h.latestWadOf(address(odd), HEARTBEAT, 0, 0, address(0), 0);
        assertEq(a, 2_000e18);
        assertEq(b, a);
        assertEq(ta, block.timestamp);
        assertEq(tb, ta);
    }

    function _assertFailsAsTyped(uint256 mode, bool viaDecimals) internal {
        odd.setMode(mode);
        (bool tOk, bytes memory tRet) = viaDecimals
            ? address(typed).staticcall(abi.encodeCall(typed.decimalsOf, (address(odd))))
            : address(typed).staticcall(abi.encodeCall(typed.latest, (address(odd))));
        assertFalse(tOk, "the typed read refuses this reply");
        (bool ok1, bytes memory r1) = _viaSpec();
        (bool ok2, bytes memory r2) = _viaFields(address(odd));
        assertFalse(ok1, "latestWad refuses it");
        assertFalse(ok2, "latestWadOf refuses it");
        assertEq(r1, tRet, "latestWad fails with the typed read's data");
        assertEq(r2, tRet, "latestWadOf fails with the typed read's data");
    }

    function test_revertingFeed_passesItsReasonOn() public {
        _assertFailsAsTyped(1, false);
        (, bytes memory r) = _viaSpec();
        assertEq(r, abi.encodeWithSignature("Error(string)", "OddFeed: down"));
    }

    function test_shortRoundReply_revertsWithoutData() public {
        _assertFailsAsTyped(2, false);
        (, bytes memory r) = _viaSpec();
        assertEq(r.length, 0);
    }

    function test_roundIdBeyondUint80_revertsWithoutData() public {
        _assertFailsAsTyped(3, false);
    }

    function test_answeredInRoundBeyondUint80_revertsWithoutData() public {
        _assertFailsAsTyped(4, false);
    }

    function test_decimalsBeyondUint8_revertsWithoutData() public {
        _assertFailsAsTyped(5, true);
    }

    function test_emptyDecimalsReply_revertsWithoutData() public {
        _assertFailsAsTyped(6, true);
    }

    function test_feedWithoutCode_revertsWithoutData() public view {
        address nobody = address(0xdead);
        (bool tOk, bytes memory tRet) = address(typed).staticcall(abi.encodeCall(typed.latest, (nobody)));
        (bool ok, bytes memory r) = _viaFields(nobody);
        assertFalse(tOk);
        assertFalse(ok);
        assertEq(r, tRet);
        assertEq(r.length, 0);
    }

    /// The sequencer feed is read by the same helper: a malformed status reply fails as the typed read does.
    function test_sequencerFeedShortReply_revertsWithoutData() public {
        odd.setMode(2);
        (bool ok, bytes memory r) = address(h).staticcall(
            abi.encodeCall(h.latestWadOf, (address(feed), HEARTBEAT, 0, 0, address(odd), 0))
        );
        assertFalse(ok);
        assertEq(r.length, 0);
    }
}
