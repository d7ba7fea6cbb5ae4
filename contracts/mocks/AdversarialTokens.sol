// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Takes `feeBps` of every transfer (fee-on-transfer token). The receiver gets less than was sent.
contract FeeOnTransferToken is MockERC20 {
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) MockERC20("Fee On Transfer", "FOT", 18) {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice USDT-like token: `transfer`, `transferFrom` and `approve` return nothing.
contract NoReturnToken {
    string public constant name = "No Return";
    string public constant symbol = "NRT";
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "allowance");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf[from] >= amount, "balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice USDC-style token with a blocklist: transfers to or from a blocked address revert.
contract BlocklistToken is MockERC20 {
    mapping(address => bool) public blocked;

    error Blocked(address account);

    constructor(uint8 decimals_) MockERC20("Blocklist", "BLK", decimals_) {}

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert Blocked(from);
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

/// @notice Token whose holders' balances change without transfers (rebasing), by a global multiplier.
contract RebasingToken is ERC20 {
    uint256 public multiplierBps = 10_000;

    constructor() ERC20("Rebasing", "REB") {}

    function mint(address to, uint256 amount) external {
        _mint(to, (amount * 10_000) / multiplierBps);
    }

    function rebase(uint256 newMultiplierBps) external {
        multiplierBps = newMultiplierBps;
    }

    function balanceOf(address account) public view override returns (uint256) {
        return (super.balanceOf(account) * multiplierBps) / 10_000;
    }
}

/// @notice Calls back into a target during every transfer, to probe re-entrancy guards. The target and the
/// calldata are set by the test; the call's failure is recorded, not bubbled, so the test can assert on it.
contract ReentrantToken is MockERC20 {
    address public reentryTarget;
    bytes public payload;
    bool public armed;
    bool public lastCallSucceeded;
    bytes public lastRevertData;

    constructor() MockERC20("Reentrant", "RE", 18) {}

    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        payload = payload_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed) {
            armed = false; // one shot: the re-entrant call itself may transfer
            (bool ok, bytes memory data) = reentryTarget.call(payload);
            lastCallSucceeded = ok;
            lastRevertData = data;
        }
    }
}
