// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OrderSigning} from "../shared/orders/OrderSigning.sol";

/// @title OrderSigningHarness
/// @notice Test-only venue that inherits {OrderSigning} with a tiny order type, so the shared signed-order
/// mechanism (domain, signatures, nonce floors, cancels, fill accounting) can be tested on its own. It moves
/// no tokens: a fill only records and reports what was filled.
contract OrderSigningHarness is OrderSigning {
    /// @notice A minimal signed order.
    struct Probe {
        /// @notice The signer of the order (EOA or ERC-1271 wallet); never address(0).
        address maker;
        /// @notice The only account allowed to fill, or address(0) for anyone.
        address taker;
        /// @notice Total size of the order, in abstract size units; fills never add up past it.
        uint256 size;
        /// @notice Total quote amount the taker owes for the whole size, in abstract quote units.
        uint256 quote;
        /// @notice Unix time (seconds) from which the order is dead: valid while `block.timestamp < expiry`.
        uint256 expiry;
        /// @notice The maker's nonce; the order is dead once the maker's floor rises above it.
        uint256 nonce;
        /// @notice Free entropy so two otherwise equal orders get different digests.
        uint256 salt;
    }

    /// @notice EIP-712 type hash of {Probe}; the TypeScript typed data must use the same field names, types
    /// and order.
    bytes32 public constant PROBE_TYPEHASH = keccak256(
        "Probe(address maker,address taker,uint256 size,uint256 quote,uint256 expiry,uint256 nonce,uint256 salt)"
    );

    /// @notice Emitted after a fill of `sizeFilled` size units (cumulative `filledBefore` -> `filledAfter`) of
    /// the order `orderDigest`, for which the taker owes `quoteOwed` quote units.
    event ProbeFilled(
        bytes32 indexed orderDigest,
        address indexed maker,
        address indexed taker,
        uint256 sizeFilled,
        uint256 quoteOwed,
        uint256 filledBefore,
        uint256 filledAfter
    );

    /// @param name EIP-712 domain name.
    /// @param version EIP-712 domain version.
    constructor(string memory name, string memory version) OrderSigning(name, version) {}

    /// @notice The EIP-712 struct hash of `order`.
    function hashProbe(Probe calldata order) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    PROBE_TYPEHASH,
                    order.maker,
                    order.taker,
                    order.size,
                    order.quote,
                    order.expiry,
                    order.nonce,
                    order.salt
                )
            );
    }

    /// @notice The EIP-712 digest the maker signs for `order` on this contract and chain.
    function digestOf(Probe calldata order) public view returns (bytes32) {
        return _orderDigest(hashProbe(order));
    }

    /// @notice The quote owed for the first `filledSize` size units of an order of `size` for `quote`,
    /// rounded up (favours the maker). Per-fill amounts are differences of this, so they telescope.
    function quoteAt(uint256 filledSize, uint256 size, uint256 quote) public pure returns (uint256) {
        return Math.mulDiv(filledSize, quote, size, Math.Rounding.Ceil);
    }

    /// @notice Fills up to `want` size units of `order` for the caller (the taker).
    /// @dev Anyone may call; a maker filling its own order needs no signature. Pays nothing, moves nothing.
    /// @param signature The maker's EIP-712 signature (65 bytes for EOAs; any bytes its ERC-1271 wallet accepts).
    /// @return sizeFilled Size units filled by this call (at most `want`).
    /// @return quoteOwed Quote units the taker owes for this fill.
    function fill(
        Probe calldata order,
        bytes calldata signature,
        uint256 want
    ) external returns (uint256 sizeFilled, uint256 quoteOwed) {
        bytes32 digest = digestOf(order);
        _verifyOrder(digest, order.maker, order.expiry, order.nonce, order.taker, msg.sender, signature);
        (uint256 before, uint256 after_) = _consumeFill(digest, order.maker, order.salt, want, order.size);
        sizeFilled = after_ - before; // _consumeFill never lowers the cumulative fill
        quoteOwed = quoteAt(after_, order.size, order.quote) - quoteAt(before, order.size, order.quote);
        emit ProbeFilled(digest, order.maker, msg.sender, sizeFilled, quoteOwed, before, after_);
    }

    /// @notice Cancels `order`. Only its maker may call.
    function cancel(Probe calldata order) external {
        _cancel(digestOf(order), order.maker, order.salt);
    }
}
