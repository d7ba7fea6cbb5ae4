// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeMath
/// @notice Fee arithmetic shared by both families. Fees are in basis points (1 bps = 1/10,000), bounded by
/// {MAX_FEE_BPS}, and always a transfer to a fee account: never burned, never created.
library FeeMath {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;
    /// @notice The highest fee any venue may charge: 5%.
    uint256 internal constant MAX_FEE_BPS = 500;

    /// @notice A fee rate above {MAX_FEE_BPS}.
    error FeeTooHigh(uint256 bps, uint256 maxBps);
    /// @notice The venue's fee exceeds the most the order's signer accepted.
    error FeeAboveSigned(uint256 venueBps, uint256 signedMaxBps);

    /// @notice Reverts unless `bps <= MAX_FEE_BPS`.
    function check(uint256 bps) internal pure {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps, MAX_FEE_BPS);
    }

    /// @notice Reverts unless the venue's fee is at most what the signer signed for.
    function checkSigned(uint256 venueBps, uint256 signedMaxBps) internal pure {
        if (venueBps > signedMaxBps) revert FeeAboveSigned(venueBps, signedMaxBps);
    }

    /// @notice Equivalent to `amount * bps / 10_000` rounded down (favours the payer), for every `amount`:
    /// the product is taken over 512 bits, so no amount overflows.
    /// @dev `bps <= MAX_FEE_BPS` keeps the fee strictly below `amount` for any non-zero amount, so
    /// `amount - feeDown(amount, bps)` never underflows.
    function feeDown(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, BPS);
    }
}
