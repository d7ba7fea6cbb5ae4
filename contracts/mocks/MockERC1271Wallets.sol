// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Base smart wallet: forwards arbitrary calls from its owner (approve, subscribe, deposit...).
abstract contract MockWalletBase is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function execute(address to, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "owner");
        (bool ok, bytes memory ret) = to.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    function approve(IERC20 token, address spender) external {
        require(msg.sender == owner, "owner");
        token.approve(spender, type(uint256).max);
    }
}

/// @notice Honest ERC-1271 wallet: valid iff the owner's ECDSA signature over the hash; the owner can revoke
/// a hash (a "revoked before the fill" signature).
contract MockERC1271Wallet is MockWalletBase {
    mapping(bytes32 => bool) public revoked;

    constructor(address owner_) MockWalletBase(owner_) {}

    function revoke(bytes32 hash) external {
        require(msg.sender == owner, "owner");
        revoked[hash] = true;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (revoked[hash]) return 0xffffffff;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return
            err == ECDSA.RecoverError.NoError && signer == owner
                ? IERC1271.isValidSignature.selector
                : bytes4(0xffffffff);
    }
}

/// @notice Malicious wallet that approves any hash with any signature bytes. Only its own orders are at stake:
/// a venue must never let it sign for someone else.
contract MockERC1271ApproveAll is MockWalletBase {
    constructor(address owner_) MockWalletBase(owner_) {}

    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return IERC1271.isValidSignature.selector;
    }
}

/// @notice Wallet whose `isValidSignature` reverts.
contract MockERC1271Reverting is MockWalletBase {
    constructor(address owner_) MockWalletBase(owner_) {}

    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        revert("no signatures here");
    }
}

/// @notice Wallet whose `isValidSignature` burns all the gas it is given.
contract MockERC1271GasBurner is MockWalletBase {
    constructor(address owner_) MockWalletBase(owner_) {}

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 x;
        while (gasleft() > 1_000) x = uint256(keccak256(abi.encode(x)));
        return bytes4(uint32(x));
    }
}
