// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {MockERC20} from "./MockERC20.sol";

/// @notice An equity-like ERC-20 whose issuer can split or reverse-split it: every holder's balance becomes
/// `balance * num / den`, rounded down per holder (a real issuer pays the fractions as cash in lieu). Holders
/// are tracked in a list, so the split loops over them. Test and local networks only.
contract MockSplitToken is MockERC20 {
    address[] private _holders;
    mapping(address => bool) private _known;

    /// @notice Every balance was multiplied by num/den.
    event Split(uint256 num, uint256 den);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Splits the token: every balance becomes balance * num / den (rounded down).
    function split(uint256 num, uint256 den) external {
        uint256 h = _holders.length;
        for (uint256 i; i < h; ++i) {
            address a = _holders[i];
            uint256 b = balanceOf(a);
            uint256 next = (b * num) / den;
            if (next > b) _mint(a, next - b);
            else if (next < b) _burn(a, b - next);
        }
        emit Split(num, den);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to != address(0) && !_known[to]) {
            _known[to] = true;
            _holders.push(to);
        }
    }
}
