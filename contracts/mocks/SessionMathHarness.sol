// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SessionMath} from "../sessions/SessionMath.sol";

/// @title SessionMathHarness
/// @notice Test-only window on {SessionMath.amountAt}, so the TypeScript mirror (`amountAt` in
/// sdk/sessions/orders.ts) can be compared with the contract's own arithmetic on many cases in one call.
contract SessionMathHarness {
    /// @notice `SessionMath.amountAt(amount, fractionWad)`: the maker's cumulative change after `fractionWad`
    /// (WAD) of an order whose full change is `amount` (leg units), rounded in the maker's favour.
    /// @dev Callers keep `|amount| <= SessionMath.MAX_AMOUNT` and `fractionWad <= 1e18`, as the sessions do.
    function amountAt(int256 amount, uint256 fractionWad) external pure returns (int256) {
        return SessionMath.amountAt(amount, fractionWad);
    }

    /// @notice `amountAt(amounts[i], fractionsWad[i])` for every i; reverts unless the two lists have one length.
    function amountsAt(
        int256[] calldata amounts,
        uint256[] calldata fractionsWad
    ) external pure returns (int256[] memory out) {
        if (amounts.length != fractionsWad.length) revert LengthMismatch(amounts.length, fractionsWad.length);
        out = new int256[](amounts.length);
        for (uint256 i; i < amounts.length; ++i) out[i] = SessionMath.amountAt(amounts[i], fractionsWad[i]);
    }

    /// @notice The two input lists of {amountsAt} differ in length.
    error LengthMismatch(uint256 amounts, uint256 fractions);
}
