// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A maker's signed allocation change in one session.
/// @dev The EIP-712 domain is the session itself (name "Ringfence Session", version "1", chainId, the session
/// clone as verifyingContract), so an order is void in every other session and on every other chain.
struct SessionOrder {
    /// @notice The account whose allocation changes; signs the order (EOA or ERC-1271 wallet).
    address maker;
    /// @notice The only account allowed to take the order; zero means anyone.
    address taker;
    /// @notice Bit k set means leg k is part of the order (k < number of legs); at least one bit.
    uint256 legs;
    /// @notice Maker's allocation change per set leg, in ascending leg order, at a full fill: positive means the
    /// maker receives, negative means it gives. Same units as the leg's allocation; non-zero, |a| < 2^127.
    int256[] amounts;
    /// @notice Highest fee, in bps of what the maker receives, the maker accepts (the session's maker fee must
    /// not exceed it; in a match the second order's signer pays the taker fee under the same bound).
    uint256 maxFeeBps;
    /// @notice Unix second from which the order is dead (`expiry <= block.timestamp` fails).
    uint256 expiry;
    /// @notice Nonce epoch: the order is dead once the maker raises its floor above it (cancel-all).
    uint256 nonce;
    /// @notice Free entropy so otherwise identical orders have distinct digests.
    uint256 salt;
}

/// @title SessionOrderLib
/// @notice The EIP-712 type hash and struct hash of {SessionOrder}.
library SessionOrderLib {
    /// @notice keccak256 of the EIP-712 type string of {SessionOrder}.
    bytes32 internal constant TYPEHASH = keccak256(
        "SessionOrder(address maker,address taker,uint256 legs,int256[] amounts,uint256 maxFeeBps,uint256 expiry,uint256 nonce,uint256 salt)"
    );

    /// @notice EIP-712 `hashStruct` of `order`; the array member is hashed as keccak256 of its packed words.
    /// @dev Built from the order's words as they stand in calldata, after the checks Solidity's decoder makes
    /// (the two addresses carry no bits above 160; the array's offset and length lie inside the calldata),
    /// so an order has exactly one digest. The same bytes as `keccak256(abi.encode(TYPEHASH, order.maker,
    /// order.taker, order.legs, keccak256(abi.encodePacked(order.amounts)), order.maxFeeBps, order.expiry,
    /// order.nonce, order.salt))`, without the per-field copies.
    function hash(SessionOrder calldata order) internal pure returns (bytes32 h) {
        bytes32 typeHash = TYPEHASH;
        assembly ("memory-safe") {
            if or(shr(160, calldataload(order)), shr(160, calldataload(add(order, 0x20)))) {
                revert(0, 0)
            }
            // order.amounts: a relative offset from the struct's start, then the length and the words.
            let rel := calldataload(add(order, 0x60))
            if iszero(slt(rel, sub(sub(calldatasize(), order), 0x1f))) {
                revert(0, 0)
            }
            let len := calldataload(add(order, rel))
            let data := add(add(order, rel), 0x20)
            if or(gt(len, 0xffffffffffffffff), sgt(data, sub(calldatasize(), shl(5, len)))) {
                revert(0, 0)
            }
            let p := mload(0x40)
            calldatacopy(p, data, shl(5, len))
            let amountsHash := keccak256(p, shl(5, len))
            mstore(p, typeHash)
            calldatacopy(add(p, 0x20), order, 0x60) // maker, taker, legs
            mstore(add(p, 0x80), amountsHash)
            calldatacopy(add(p, 0xa0), add(order, 0x80), 0x80) // maxFeeBps, expiry, nonce, salt
            h := keccak256(p, 0x120)
        }
    }
}
