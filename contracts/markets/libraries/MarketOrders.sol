// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Order type: rests until filled or cancelled (0), fills what it can now and drops the rest (1),
// or only rests and reverts if it would trade (2).
uint8 constant GOOD_TILL_CANCEL = 0;
uint8 constant IMMEDIATE_OR_CANCEL = 1;
uint8 constant POST_ONLY = 2;

/// @notice A signed order on one bounded market. Signing it costs nothing: until someone submits it (the
/// seed's "cache"), it holds no collateral and is not in the book.
struct Order {
    /// @notice The root (the uncertain outcome X) the market belongs to.
    uint64 rootId;
    /// @notice The market on the root: 1 is the root market, higher ids are sub-markets.
    uint16 branchId;
    /// @notice Limit price as a tick in (0, TICKS): price = tick / TICKS of the unit payoff. A bid pays at
    /// most this, an offer receives at least this.
    uint8 tick;
    /// @notice Signed quantity in contracts: positive to buy (bid), negative to sell (offer).
    /// |quantity| <= 2^48 - 1.
    int64 quantity;
    /// @notice 0 good-till-cancel, 1 immediate-or-cancel, 2 post-only.
    uint8 orderType;
    /// @notice Unix seconds; the order cannot be submitted at or after this time (a resting order stays).
    uint64 expiry;
    /// @notice Cancel-all handle: orders with nonce below the trader's floor can no longer be submitted.
    uint256 nonce;
    /// @notice Free entropy so that two otherwise equal orders have distinct digests.
    uint256 salt;
    /// @notice The account whose collateral backs the order (an EOA or an ERC-1271 wallet).
    address trader;
}

/// @title MarketOrders
/// @notice EIP-712 struct hash of {Order}. The TypeScript twin is sdk/markets/typedData.ts.
library MarketOrders {
    /// @notice keccak256 of the EIP-712 type string of {Order}.
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(uint64 rootId,uint16 branchId,uint8 tick,int64 quantity,uint8 orderType,uint64 expiry,uint256 nonce,uint256 salt,address trader)"
    );

    /// @notice The EIP-712 struct hash (before the domain is applied): keccak256 of the type hash and the
    /// order's nine words as they stand in calldata, once each field is checked to be its type's canonical
    /// encoding (as Solidity's decoder requires; a dirty word reverts, so an order has exactly one digest).
    /// The same bytes as `keccak256(abi.encode(ORDER_TYPEHASH, o.rootId, ..., o.trader))`, without the
    /// per-field copy.
    function structHash(Order calldata o) internal pure returns (bytes32 h) {
        bytes32 typeHash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let quantity := calldataload(add(o, 0x60))
            if or(
                or(
                    or(shr(64, calldataload(o)), shr(16, calldataload(add(o, 0x20)))),
                    or(shr(8, calldataload(add(o, 0x40))), xor(quantity, signextend(7, quantity)))
                ),
                or(
                    or(shr(8, calldataload(add(o, 0x80))), shr(64, calldataload(add(o, 0xa0)))),
                    shr(160, calldataload(add(o, 0x100)))
                )
            ) {
                revert(0, 0)
            }
            let p := mload(0x40)
            mstore(p, typeHash)
            calldatacopy(add(p, 0x20), o, 0x120)
            h := keccak256(p, 0x140)
        }
    }

    /// @notice Word `i` of the order as it stands in calldata: 0 rootId, 1 branchId, 2 tick, 3 quantity (sign-
    /// extended), 4 orderType, 5 expiry, 6 nonce, 7 salt, 8 trader. Unchecked: read a word only after
    /// {structHash} has checked the order's encoding (the compiler's own check at each field access costs
    /// ~50 gas).
    function word(Order calldata o, uint256 i) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(o, shl(5, i)))
        }
    }
}
