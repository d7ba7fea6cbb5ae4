// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISessionPool} from "../sessions/ISessionPool.sol";

/// @notice Test pool for {PhysicalSession.swapWithPool}: answers whatever amounts it is told to, and can try to
/// re-enter the session during its answer (every entry must refuse: the session holds its re-entry guard).
contract MockSessionPool is ISessionPool {
    uint256 public answerIn;
    uint256 public answerOut;
    /// @notice Calldata sent back to the session from inside the answer (empty: no re-entry).
    bytes public reentry;
    /// @notice When set, the answer is a single word instead of the (amountIn, amountOut) pair.
    bool public shortAnswer;
    /// @notice The reserves the session handed over in the last answer.
    uint256 public lastReserveIn;
    uint256 public lastReserveOut;

    function setAnswer(uint256 amountIn, uint256 amountOut) external {
        (answerIn, answerOut) = (amountIn, amountOut);
    }

    function setShortAnswer(bool on) external {
        shortAnswer = on;
    }

    function setReentry(bytes calldata data) external {
        reentry = data;
    }

    /// @notice Joins a session (subscribes `shares`, having been given the basket) so it holds an allocation.
    function subscribe(
        address session,
        address[] calldata tokens,
        uint256[] calldata amounts,
        uint256 shares
    ) external {
        for (uint256 k; k < tokens.length; ++k) {
            (bool ok, ) = tokens[k].call(abi.encodeWithSignature("approve(address,uint256)", session, amounts[k]));
            require(ok, "approve");
        }
        (bool done, bytes memory ret) = session.call(
            abi.encodeWithSignature("subscribe(uint256,bytes32[])", shares, new bytes32[](0))
        );
        if (!done) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    function onSessionSwap(
        address,
        uint256,
        uint256,
        uint256,
        bool,
        uint256 reserveIn,
        uint256 reserveOut
    ) external returns (uint256, uint256) {
        (lastReserveIn, lastReserveOut) = (reserveIn, reserveOut);
        if (shortAnswer) {
            uint256 a = answerIn;
            assembly ("memory-safe") {
                mstore(0, a)
                return(0, 0x20)
            }
        }
        bytes memory data = reentry;
        if (data.length != 0) {
            (bool ok, bytes memory ret) = msg.sender.call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        return (answerIn, answerOut);
    }
}
