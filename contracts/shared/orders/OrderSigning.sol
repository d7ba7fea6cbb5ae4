// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title OrderSigning
/// @notice Signed-order plumbing shared by both families: the EIP-712 domain, signature checks for EOAs and
/// ERC-1271 wallets, per-maker nonce epochs (cancel-all) and per-order fill accounting keyed by the order's
/// maker and salt (both signed, so a malleable or re-encoded signature can never refill an order).
/// @dev Fill records are packed: the records of one maker live in words keyed by `salt >> 2`, four 64-bit lanes
/// a word (lane `salt & 3`). A maker's next order (the next salt) then rewrites a word it already wrote (5,000
/// gas) instead of writing a fresh slot (22,100). Two orders of one maker with the same salt share one record:
/// together they fill at most the size of one of them, and cancelling one cancels both. A salt is the maker's
/// to choose (the SDK counts them up per maker); reusing one can only take fills away from the maker, never add.
/// @dev Each family defines its own order struct, type hash and hashing library, then calls
/// {_verifyOrder} and {_consumeFill}. The domain separator follows a chain-id change (OpenZeppelin EIP712
/// rebuilds it), and it names `address(this)`, so a signature for one session or book is void in any other.
abstract contract OrderSigning is EIP712 {
    /// @notice What {filledOf} answers for a cancelled order: no fill can ever fit under it.
    uint256 internal constant CANCELLED = type(uint256).max;
    /// @notice A lane of all ones: the record of a cancelled order. Sizes must stay below it.
    uint256 internal constant LANE_CANCELLED = type(uint64).max;

    /// @notice Orders of `maker` with `nonce < minNonce[maker]` are dead (cancel-all by nonce bump).
    mapping(address maker => uint256) public minNonce;

    /// @notice Packed fill records: word `salt >> 2` of `maker` holds the records of salts `4w .. 4w + 3`,
    /// lane `salt & 3` at bits `64 * (salt & 3)`. Read one with {filledOf}.
    mapping(address maker => mapping(uint256 word => uint256)) private _fillWords;

    /// @notice Emitted after `maker` cancelled the order with digest `orderDigest`.
    event OrderCancelled(address indexed maker, bytes32 indexed orderDigest);
    /// @notice Emitted after `maker` raised its nonce floor: every order with `nonce < newMinNonce` is dead.
    event NonceFloorRaised(address indexed maker, uint256 newMinNonce);

    /// @notice The order names no maker.
    error ZeroMaker();
    /// @notice The signature does not verify for `maker` over `orderDigest` (EOA or ERC-1271).
    error BadSignature(address maker, bytes32 orderDigest);
    /// @notice The order expired: `expiry <= block.timestamp` (`now`).
    error OrderExpired(bytes32 orderDigest, uint256 expiry, uint256 now_);
    /// @notice The order's nonce is below the maker's floor (cancelled by a nonce bump).
    error NonceBelowFloor(address maker, uint256 nonce, uint256 floor);
    /// @notice The order is private to `taker`; `caller` is someone else.
    error NotPrivateTaker(address caller, address taker);
    /// @notice Only the maker may cancel its orders.
    error NotMaker(address caller, address maker);
    /// @notice The order was cancelled.
    error OrderIsCancelled(bytes32 orderDigest);
    /// @notice Nothing is left to fill: `filledBefore` of `size` already filled.
    error OrderFullyFilled(bytes32 orderDigest, uint256 filledBefore, uint256 size);
    /// @notice An order's size must fit a 64-bit fill lane below {LANE_CANCELLED}.
    error OrderSizeTooLarge(uint256 size, uint256 max);
    /// @notice A nonce floor may only rise.
    error NonceFloorNotRaised(uint256 current, uint256 proposed);

    constructor(string memory name, string memory version) EIP712(name, version) {}

    /// @notice The EIP-712 domain separator of this contract on the current chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Cumulative filled size of the order of `maker` with `salt`, in the order's own size unit;
    /// {CANCELLED} (2^256 - 1) once cancelled.
    function filledOf(address maker, uint256 salt) public view returns (uint256) {
        uint256 lane = (_fillWords[maker][salt >> 2] >> ((salt & 3) << 6)) & LANE_CANCELLED;
        return lane == LANE_CANCELLED ? CANCELLED : lane;
    }

    /// @notice Kill every order of the caller whose nonce is below `newMinNonce`. The floor only rises.
    /// @dev Callable by anyone for themselves; works while the venue is paused.
    function raiseNonceFloor(uint256 newMinNonce) external {
        uint256 current = minNonce[msg.sender];
        if (newMinNonce <= current) revert NonceFloorNotRaised(current, newMinNonce);
        minNonce[msg.sender] = newMinNonce;
        emit NonceFloorRaised(msg.sender, newMinNonce);
    }

    /// @notice The EIP-712 digest that a maker signs for a struct hash of this contract's order type.
    function _orderDigest(bytes32 structHash) internal view returns (bytes32) {
        return _hashTypedDataV4(structHash);
    }

    /// @notice Checks, in order: 1. maker set; 2. not expired; 3. nonce at or above the maker's floor;
    /// 4. private taker matches `taker_`; 5. signature valid for the maker: ECDSA first (65 bytes only, low-s,
    /// never address(0)) and accepted when it recovers the maker; only otherwise, and only when the maker has
    /// code, ERC-1271 `isValidSignature` decides.
    /// @dev ECDSA first spares an EXTCODESIZE on a cold EOA maker (2,600 gas). It accepts nothing the
    /// code-first order refused: an ECDSA signature that recovers the maker's own address can only come from
    /// the key of that address (an EOA, or an EIP-7702 account whose key is its root of trust); every other
    /// signature of a contract maker, an ECDSA one of some other key included, goes to ERC-1271 as before.
    /// @param signature Ignored when `maker == msg.sender` (a maker acting for itself needs no signature).
    function _verifyOrder(
        bytes32 digest,
        address maker,
        uint256 expiry,
        uint256 nonce,
        address privateTaker,
        address taker_,
        bytes calldata signature
    ) internal view {
        if (maker == address(0)) revert ZeroMaker();
        if (expiry <= block.timestamp) revert OrderExpired(digest, expiry, block.timestamp);
        uint256 floor = minNonce[maker];
        if (nonce < floor) revert NonceBelowFloor(maker, nonce, floor);
        if (privateTaker != address(0) && privateTaker != taker_) revert NotPrivateTaker(taker_, privateTaker);
        if (maker != msg.sender) {
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
            if (
                (err != ECDSA.RecoverError.NoError || recovered != maker) &&
                (maker.code.length == 0 ||
                    !SignatureChecker.isValidERC1271SignatureNowCalldata(maker, digest, signature))
            ) revert BadSignature(maker, digest);
        }
    }

    /// @notice Fills up to `want` more of the order `digest` of `maker` with `salt` and total `size`; returns the
    /// cumulative filled size before and after. Callers compute amounts as `amountAt(after) - amountAt(before)`,
    /// so any sequence of partial fills adds up to exactly one full fill.
    function _consumeFill(
        bytes32 digest,
        address maker,
        uint256 salt,
        uint256 want,
        uint256 size
    ) internal returns (uint256 before, uint256 after_) {
        if (size >= LANE_CANCELLED) revert OrderSizeTooLarge(size, LANE_CANCELLED - 1);
        mapping(uint256 => uint256) storage words = _fillWords[maker];
        uint256 key = salt >> 2;
        uint256 shift = (salt & 3) << 6;
        uint256 word = words[key];
        before = (word >> shift) & LANE_CANCELLED;
        if (before == LANE_CANCELLED) revert OrderIsCancelled(digest);
        if (before >= size) revert OrderFullyFilled(digest, before, size);
        uint256 left = size - before; // cannot underflow: before < size
        after_ = before + (want < left ? want : left);
        // after_ <= size < LANE_CANCELLED fits the lane; XOR swaps the old lane value for the new one.
        words[key] = word ^ ((before ^ after_) << shift);
    }

    /// @notice Records a one-shot order (accepted once, in full): the lane of its maker and salt must be unused,
    /// so neither this order nor another of the maker with the same salt was accepted before.
    function _consumeOnce(bytes32 digest, address maker, uint256 salt, uint256 size) internal {
        (uint256 before, ) = _consumeFill(digest, maker, salt, size, size);
        if (before != 0) revert OrderFullyFilled(digest, before, size);
    }

    /// @notice Marks the order `digest` of `maker` with `salt` cancelled. Only its maker may do so; works while
    /// the venue is paused.
    function _cancel(bytes32 digest, address maker, uint256 salt) internal {
        if (msg.sender != maker) revert NotMaker(msg.sender, maker);
        mapping(uint256 => uint256) storage words = _fillWords[maker];
        uint256 key = salt >> 2;
        uint256 shift = (salt & 3) << 6;
        uint256 word = words[key];
        if ((word >> shift) & LANE_CANCELLED == LANE_CANCELLED) revert OrderIsCancelled(digest);
        words[key] = word | (LANE_CANCELLED << shift);
        emit OrderCancelled(maker, digest);
    }
}
