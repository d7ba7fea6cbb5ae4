// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

import {FeeMath} from "../shared/fees/FeeMath.sol";
import {OrderSigning} from "../shared/orders/OrderSigning.sol";
import {ISessionErrors, ISessionEvents} from "./ISessionErrors.sol";
import {SessionMath} from "./SessionMath.sol";
import {SessionOracle} from "./SessionOracle.sol";
import {SessionOrder, SessionOrderLib} from "./SessionOrderLib.sol";
import {Participation, SessionKind, SettlementMode, Status} from "./SessionTypes.sol";

/// @title SessionCore
/// @notice The flow every session shares: subscription windows, participation, signed reallocation orders
/// (fill, match, cancel), fees, pause, settlement from Chainlink fixings (or fallback release), pull claims and
/// dust accounting. The two kinds ({PhysicalSession}, {CashSession}) supply the accounting hooks.
/// @dev Deployed once as an implementation; every session is an OpenZeppelin clone whose immutable args hold
/// the whole configuration (read with EXTCODECOPY, no storage). Layout of the args (32-byte words):
/// 0: feeRecipient | takerBps<<160 | makerBps<<176 | nLegs<<192 | kind<<200 | participation<<208 | mode<<216
/// 1: t1 | t2<<40 | fallbackDeadline<<80 | claimDeadline<<120
/// 2: merkleRoot      3: collateral | collateralDecimals<<160      4: SessionOracle adapter
/// 5+k: token_k | decimals_k<<160     5+n+k: unit_k     5+2n+k: floor_k | cap_k<<128
/// then abi.encode(FixingSpec[]) for the n legs.
/// Allocations are stored two legs per slot (int128 halves), so a two-leg trade on neighbouring legs touches
/// one slot per account.
abstract contract SessionCore is
    OrderSigning,
    AccessControl,
    Pausable,
    ReentrancyGuardTransient,
    Initializable,
    AutomationCompatibleInterface,
    ISessionEvents,
    ISessionErrors
{
    using SafeERC20 for IERC20;

    /// @notice May pause and unpause trading and subscriptions.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May subscribe and trade in a role-curated session.
    bytes32 public constant PARTICIPANT_ROLE = keccak256("PARTICIPANT_ROLE");

    uint256 internal constant WAD = SessionMath.WAD;
    uint256 private constant CLONE_ARGS_OFFSET = 0x2d;
    uint256 internal constant HEADER_WORDS = 5;

    /// @dev The implementation's own address: calls that reach it directly (not through a clone) revert.
    address private immutable _self = address(this);

    /// @notice Per-account bookkeeping. `shares` is the subscription (baseline = shares * u); `deposit` is the
    /// cash collateral in token units (cash sessions only); `claimed` is set by the one claim.
    struct Account {
        uint128 shares;
        uint112 deposit;
        bool claimed;
        bool admitted;
    }

    mapping(address account => Account) internal _accounts;
    /// @dev Allocation (physical: x_ik) or deviation from baseline (cash: x_ik - b_ik) of leg k in half k & 1
    /// of slot k >> 1.
    mapping(address account => mapping(uint256 slot => uint256 packed)) internal _alloc;

    /// @notice Total subscription shares: the basket q = totalShares * u.
    uint256 public totalShares;
    /// @notice Settlement status.
    Status public status;
    /// @notice Settlement price of leg k (WAD quote per unit; cash: clamped to [floor, cap]).
    mapping(uint256 leg => uint256) public settlementPrice;
    /// @notice Token units paid out by claims, per leg (physical) or at index 0 (cash collateral).
    mapping(uint256 index => uint256) public paid;
    /// @notice Sum of the rounding remainders of claims, per index as {paid}, in units of the claim
    /// denominator ({dustDenominator}); `remainder / denominator` token units belong to nobody.
    mapping(uint256 index => uint256) public remainder;
    /// @notice Dust already swept, per index as {paid}.
    mapping(uint256 index => uint256) public swept;
    /// @notice Account offered DEFAULT_ADMIN_ROLE by {beginAdminTransfer}, until it accepts; zero if none.
    address public pendingAdmin;
    /// @dev The admin that made the pending offer: it loses the role when the offer is accepted.
    address private _pendingFrom;

    /// @dev The EIP-712 domain's name and version, given to {OrderSigning}; {_sessionDigest} uses their hashes
    /// (`HASHED_NAME`, `HASHED_VERSION`: hashes of literals fold at compile time, of these constants they
    /// would not). The constructor refuses to deploy if the two ever differ.
    string private constant DOMAIN_NAME = "Ringfence Session";
    string private constant DOMAIN_VERSION = "1";

    constructor() OrderSigning(DOMAIN_NAME, DOMAIN_VERSION) {
        assert(keccak256(bytes(DOMAIN_NAME)) == HASHED_NAME && keccak256(bytes(DOMAIN_VERSION)) == HASHED_VERSION);
        _disableInitializers();
    }

    modifier onlyClone() {
        if (address(this) == _self) revert NotASession();
        _;
    }

    /// @notice DEFAULT_ADMIN_ROLE moves only in two steps ({beginAdminTransfer}, {acceptAdminTransfer}), so a
    /// mistyped address can never take the session over; other roles are granted as usual by the admin.
    function grantRole(bytes32 role, address account) public override onlyRole(getRoleAdmin(role)) {
        if (role == DEFAULT_ADMIN_ROLE) revert AdminTransferIsTwoStep();
        _grantRole(role, account);
    }

    /// @notice Offers DEFAULT_ADMIN_ROLE to `newAdmin` (zero withdraws the offer). Only an admin; the caller
    /// keeps the role until `newAdmin` accepts, then loses it.
    function beginAdminTransfer(address newAdmin) external onlyRole(DEFAULT_ADMIN_ROLE) {
        pendingAdmin = newAdmin;
        _pendingFrom = msg.sender;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @notice The pending admin takes DEFAULT_ADMIN_ROLE; the admin that offered it loses it.
    function acceptAdminTransfer() external {
        if (msg.sender != pendingAdmin || msg.sender == address(0)) revert NotPendingAdmin(msg.sender, pendingAdmin);
        address from = _pendingFrom;
        pendingAdmin = address(0);
        _pendingFrom = address(0);
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _revokeRole(DEFAULT_ADMIN_ROLE, from);
    }

    /// @notice Called once by the factory in the creating transaction.
    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param guardian Receives GUARDIAN_ROLE.
    function initialize(address admin, address guardian) external initializer onlyClone {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ------------------------------------------------------------------ configuration (immutable args)

    function _argWord(uint256 i) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(CLONE_ARGS_OFFSET, shl(5, i)), 0x20)
            w := mload(0x00)
        }
    }

    function _feeRecipient(uint256 h0) internal pure returns (address) {
        return address(uint160(h0));
    }

    function _takerBps(uint256 h0) internal pure returns (uint256) {
        return (h0 >> 160) & 0xffff;
    }

    function _makerBps(uint256 h0) internal pure returns (uint256) {
        return (h0 >> 176) & 0xffff;
    }

    function _nLegs(uint256 h0) internal pure returns (uint256) {
        return (h0 >> 192) & 0xff;
    }

    function _participation(uint256 h0) internal pure returns (Participation) {
        return Participation((h0 >> 208) & 0xff);
    }

    function _mode(uint256 h0) internal pure returns (SettlementMode) {
        return SettlementMode((h0 >> 216) & 0xff);
    }

    function _legCount() internal view returns (uint256) {
        return _nLegs(_argWord(0));
    }

    /// @notice The session's windows, unix seconds.
    /// @return t1 End of subscription, start of trading.
    /// @return t2 End of trading, fixing time.
    /// @return fallbackDeadline Last moment a fixing may be recorded.
    /// @return claimDeadline Dust is sweepable after it.
    function windows() public view returns (uint256 t1, uint256 t2, uint256 fallbackDeadline, uint256 claimDeadline) {
        return _windows(_argWord(1));
    }

    /// @dev The four windows packed in header word 1, 40 bits each.
    function _windows(
        uint256 h1
    ) internal pure returns (uint256 t1, uint256 t2, uint256 fallbackDeadline, uint256 claimDeadline) {
        t1 = h1 & 0xffffffffff;
        t2 = (h1 >> 40) & 0xffffffffff;
        fallbackDeadline = (h1 >> 80) & 0xffffffffff;
        claimDeadline = (h1 >> 120) & 0xffffffffff;
    }

    function _unit(uint256 n, uint256 k) internal view returns (uint256) {
        return _argWord(HEADER_WORDS + n + k);
    }

    function _legToken(uint256 k) internal view returns (address) {
        return address(uint160(_argWord(HEADER_WORDS + k)));
    }

    function _legDecimals(uint256 k) internal view returns (uint256) {
        return (_argWord(HEADER_WORDS + k) >> 160) & 0xff;
    }

    function _box(uint256 n, uint256 k) internal view returns (uint256 floor, uint256 cap) {
        uint256 w = _argWord(HEADER_WORDS + 2 * n + k);
        floor = uint128(w);
        cap = w >> 128;
    }

    /// @notice The fixing specs of every leg, `abi.encode(FixingSpec[])` (decode with {SessionOracle.specAt}).
    function fixingSpecs() public view returns (bytes memory specs) {
        uint256 n = _legCount();
        uint256 start = CLONE_ARGS_OFFSET + (HEADER_WORDS + 3 * n) * 32;
        uint256 len = address(this).code.length - start;
        specs = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(address(), add(specs, 0x20), start, len)
        }
    }

    /// @notice The oracle adapter this session fixes through.
    function oracle() public view returns (SessionOracle) {
        return SessionOracle(address(uint160(_argWord(4))));
    }

    /// @notice The session's static configuration.
    /// @return kind Physical or cash.
    /// @return mode Settlement mode.
    /// @return legCount Number of legs.
    /// @return feeRecipient Fee account.
    /// @return takerFeeBps Taker fee (bps).
    /// @return makerFeeBps Maker fee (bps).
    /// @return participation Participation rule.
    /// @return merkleRoot Allowlist root (Merkle rule).
    function config()
        external
        view
        returns (
            SessionKind kind,
            SettlementMode mode,
            uint256 legCount,
            address feeRecipient,
            uint256 takerFeeBps,
            uint256 makerFeeBps,
            Participation participation,
            bytes32 merkleRoot
        )
    {
        uint256 h0 = _argWord(0);
        kind = SessionKind((h0 >> 200) & 0xff);
        mode = _mode(h0);
        legCount = _nLegs(h0);
        feeRecipient = _feeRecipient(h0);
        takerFeeBps = _takerBps(h0);
        makerFeeBps = _makerBps(h0);
        participation = _participation(h0);
        merkleRoot = bytes32(_argWord(2));
    }

    /// @notice Leg `k`: token (physical), token decimals, unit per share, and price box (cash).
    function leg(
        uint256 k
    ) external view returns (address token, uint256 decimals, uint256 unit, uint256 floor, uint256 cap) {
        uint256 n = _legCount();
        token = _legToken(k);
        decimals = _legDecimals(k);
        unit = _unit(n, k);
        (floor, cap) = _box(n, k);
    }

    // ------------------------------------------------------------------ participation

    function _requireCanTrade(address account, uint256 h0) internal view {
        Participation p = _participation(h0);
        if (p == Participation.Open) return;
        if (p == Participation.Role) {
            if (!hasRole(PARTICIPANT_ROLE, account)) revert NotAllowed(account);
        } else if (!_accounts[account].admitted) {
            revert NotAllowed(account);
        }
    }

    function _admit(address account, bytes32[] calldata proof) internal {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account))));
        if (!MerkleProof.verifyCalldata(proof, bytes32(_argWord(2)), leaf)) revert BadProof(account);
        _accounts[account].admitted = true;
        emit Admitted(account);
    }

    /// @notice Proves the caller is on the allowlist of a Merkle-curated session, so it may trade without
    /// subscribing. Anyone may call for themselves; costs the caller gas only.
    /// @param proof OpenZeppelin Merkle proof of the leaf keccak256(keccak256(abi.encode(caller))).
    function admit(bytes32[] calldata proof) external onlyClone {
        if (_participation(_argWord(0)) != Participation.Merkle) revert NotMerkleSession();
        _admit(msg.sender, proof);
    }

    // ------------------------------------------------------------------ subscription

    /// @notice Subscribes `shares` before t1: pulls the basket (physical: shares*u_k of every leg; cash:
    /// shares * sum_k u_k*cap_k of collateral, rounded up) from the caller, who must have approved it.
    /// Allocation and baseline rise by shares*u. Curated sessions need the role or a Merkle proof.
    /// @param shares Subscription shares (> 0).
    /// @param proof Merkle proof (Merkle sessions, first time only).
    function subscribe(uint256 shares, bytes32[] calldata proof) external nonReentrant whenNotPaused onlyClone {
        (uint256 t1, , , ) = windows();
        if (block.timestamp >= t1) revert SubscriptionClosed(block.timestamp, t1);
        if (shares == 0) revert ZeroShares();
        uint256 h0 = _argWord(0);
        if (_participation(h0) == Participation.Merkle && !_accounts[msg.sender].admitted) _admit(msg.sender, proof);
        _requireCanTrade(msg.sender, h0);
        uint256 total = totalShares + shares;
        totalShares = total;
        Account storage a = _accounts[msg.sender];
        // Narrowing cast: total shares times every unit is checked to stay within int128 by the kind.
        a.shares = uint128(a.shares + shares);
        uint256[] memory amounts = _onSubscribe(msg.sender, shares, total);
        emit Subscribed(msg.sender, shares, amounts);
    }

    /// @notice Redeems `shares` before t1 and returns their basket (physical: shares*u_k of every leg; cash:
    /// the pro-rata part of the caller's deposit, all of it when redeeming every share). Works while paused.
    function redeem(uint256 shares) external nonReentrant onlyClone {
        (uint256 t1, , , ) = windows();
        if (block.timestamp >= t1) revert SubscriptionClosed(block.timestamp, t1);
        if (shares == 0) revert ZeroShares();
        Account storage a = _accounts[msg.sender];
        uint256 have = a.shares;
        if (shares > have) revert InsufficientShares(msg.sender, have, shares);
        uint256[] memory amounts = _onRedeem(msg.sender, shares, have);
        // Narrowing cast: shares <= have, which fits uint128.
        a.shares = uint128(have - shares);
        totalShares -= shares;
        emit Redeemed(msg.sender, shares, amounts);
    }

    // ------------------------------------------------------------------ orders

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant HASHED_NAME = keccak256("Ringfence Session"); // DOMAIN_NAME's (checked at deployment)
    bytes32 private constant HASHED_VERSION = keccak256("1"); // DOMAIN_VERSION's

    /// @dev The EIP-712 digest of an order's struct hash in this session's domain: what `_orderDigest` gives, for
    /// less. A clone cannot use OpenZeppelin's cached separator (it is cached for the implementation's address
    /// only and rebuilt with `abi.encode` on every other call), so the separator is hashed here in free memory.
    function _sessionDigest(bytes32 structHash) internal view returns (bytes32 digest) {
        bytes32 typeHash = DOMAIN_TYPEHASH;
        bytes32 nameHash = HASHED_NAME;
        bytes32 versionHash = HASHED_VERSION;
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch above the free pointer: nothing is allocated
            mstore(m, typeHash)
            mstore(add(m, 0x20), nameHash)
            mstore(add(m, 0x40), versionHash)
            mstore(add(m, 0x60), chainid())
            mstore(add(m, 0x80), address())
            let separator := keccak256(m, 0xa0)
            mstore(m, 0x1901) // "\x19\x01" in the word's last two bytes
            mstore(add(m, 0x20), separator)
            mstore(add(m, 0x40), structHash)
            digest := keccak256(add(m, 0x1e), 0x42)
        }
    }

    /// @notice The EIP-712 digest a maker signs for `order` in this session.
    function hashOrder(SessionOrder calldata order) external view returns (bytes32) {
        return _sessionDigest(SessionOrderLib.hash(order));
    }

    /// @dev Reverts unless trading is open (not paused, t1 <= now < t2). Returns header word 0 (fee recipient,
    /// fee rates, legs, participation, mode): both header words come from one copy of the clone's arguments.
    function _requireTrading() internal view returns (uint256 h0) {
        _requireNotPaused();
        uint256 h1;
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, CLONE_ARGS_OFFSET, 0x40)
            h0 := mload(0x00)
            h1 := mload(0x20)
        }
        (uint256 t1, uint256 t2, , ) = _windows(h1);
        if (block.timestamp < t1 || block.timestamp >= t2) revert TradingClosed(block.timestamp, t1, t2);
    }

    /// @notice Takes `fractionWad` (WAD = the whole order) of a signed order; the caller is the taker.
    /// The maker's change is `amountAt(filledAfter) - amountAt(filledBefore)` per leg (rounded in the maker's
    /// favour, so all partial fills add up to exactly one full fill). The maker pays the maker fee, the caller
    /// the taker fee, each on what it receives. A fraction beyond what is left fills the rest.
    /// @param order The maker's order.
    /// @param signature EOA (65 bytes) or ERC-1271 signature over its digest.
    /// @param fractionWad Wanted fraction of the full order (WAD).
    /// @return filledAfterWad The order's cumulative filled fraction after this fill.
    function fill(
        SessionOrder calldata order,
        bytes calldata signature,
        uint256 fractionWad
    ) external nonReentrant onlyClone returns (uint256 filledAfterWad) {
        uint256 h0 = _requireTrading();
        address maker = order.maker; // one read: each access re-validates the calldata word
        if (msg.sender == maker) revert SelfFill(msg.sender);
        if (fractionWad == 0) revert ZeroFill();
        bytes32 digest = _sessionDigest(SessionOrderLib.hash(order));
        _verifyOrder(digest, maker, order.expiry, order.nonce, order.taker, msg.sender, signature);
        FeeMath.checkSigned(_makerBps(h0), order.maxFeeBps);
        _requireParties(maker, msg.sender, h0);
        uint256 before;
        (before, filledAfterWad) = _consumeFill(digest, maker, order.salt, fractionWad, WAD);
        (int256[] memory gross, uint256 legs) = _grossDeltas(order, before, filledAfterWad, _nLegs(h0));
        _trade(digest, maker, msg.sender, legs, gross, filledAfterWad, h0);
    }

    /// @notice Crosses two compatible pairwise orders: `a` gives leg P for leg Q, `b` gives Q for P. Executes
    /// `fractionA` of `a` on a's own grid at a's rate; `b` receives what `a` gives and pays what `a` receives,
    /// which must be at or better than b's signed rate. b's fill fraction advances by what it paid over its
    /// signed give, rounded up. a's maker pays the maker fee, b's maker the taker fee. Anyone may call.
    function matchOrders(
        SessionOrder calldata a,
        bytes calldata sigA,
        SessionOrder calldata b,
        bytes calldata sigB,
        uint256 fractionA
    ) external nonReentrant onlyClone returns (uint256 filledAfterA, uint256 filledAfterB) {
        uint256 h0 = _requireTrading();
        if (a.maker == b.maker) revert SelfMatch(a.maker);
        if (fractionA == 0) revert ZeroFill();
        bytes32 digestA = _checkOrder(a, sigA, b.maker, _makerBps(h0));
        bytes32 digestB = _checkOrder(b, sigB, a.maker, _takerBps(h0));
        _requireParties(a.maker, b.maker, h0);
        (filledAfterA, filledAfterB) = _executeMatch(a, b, digestA, digestB, fractionA, h0);
    }

    function _executeMatch(
        SessionOrder calldata a,
        SessionOrder calldata b,
        bytes32 digestA,
        bytes32 digestB,
        uint256 fractionA,
        uint256 h0
    ) private returns (uint256 filledAfterA, uint256 filledAfterB) {
        {
            // One access each: every `o.amounts` re-checks the array's place in calldata.
            int256[] calldata aa = a.amounts;
            int256[] calldata ba = b.amounts;
            if (
                a.legs != b.legs ||
                aa.length != 2 ||
                ba.length != 2 ||
                SessionMath.popcount(a.legs) != 2 ||
                (aa[0] > 0) == (aa[1] > 0) ||
                (aa[0] > 0) == (ba[0] > 0) ||
                (ba[0] > 0) == (ba[1] > 0)
            ) revert NotPairwise(digestA, digestB);
        }
        int256[] memory gross;
        (gross, filledAfterA, filledAfterB) = _crossAtRateOfA(a, b, digestA, digestB, fractionA, _nLegs(h0));
        _trade(digestA, a.maker, b.maker, a.legs, gross, filledAfterA, h0);
        emit Matched(digestA, digestB, filledAfterB);
    }

    /// @dev Steps 1-4 of order checks (see {OrderSigning._verifyOrder}) plus the signed fee bound.
    function _checkOrder(
        SessionOrder calldata o,
        bytes calldata sig,
        address counterparty,
        uint256 feeBps
    ) private view returns (bytes32 digest) {
        digest = _sessionDigest(SessionOrderLib.hash(o));
        _verifyOrder(digest, o.maker, o.expiry, o.nonce, o.taker, counterparty, sig);
        FeeMath.checkSigned(feeBps, o.maxFeeBps);
    }

    /// @dev Consumes `fractionA` of a on its own grid and the matching fraction of b; returns a's gross deltas.
    function _crossAtRateOfA(
        SessionOrder calldata a,
        SessionOrder calldata b,
        bytes32 digestA,
        bytes32 digestB,
        uint256 fractionA,
        uint256 n
    ) private returns (int256[] memory gross, uint256 filledAfterA, uint256 filledAfterB) {
        uint256 before;
        (before, filledAfterA) = _consumeFill(digestA, a.maker, a.salt, fractionA, WAD);
        (gross, ) = _grossDeltas(a, before, filledAfterA, n);
        // Index of the leg a gives (P); the other (Q) a receives.
        uint256 p = a.amounts[0] < 0 ? 0 : 1;
        // Safe casts: a's amounts are range-checked by _grossDeltas, so these magnitudes fit.
        uint256 aGives = uint256(-gross[p]);
        uint256 aGets = uint256(gross[1 - p]);
        uint256 bSignedGets;
        uint256 bSignedGives;
        {
            int256[] calldata ba = b.amounts; // one access: each re-checks the array's place in calldata
            bSignedGets = _absChecked(ba[p], p);
            bSignedGives = _absChecked(ba[1 - p], 1 - p);
        }
        // Unchecked: all four magnitudes are at most MAX_AMOUNT < 2^127, so each product is below 2^254 and
        // aGets * WAD below 2^188; bSignedGives is at least 1.
        uint256 wantB;
        unchecked {
            // b pays aGets of Q and receives aGives of P: at or better than its limit bSignedGives / bSignedGets.
            if (aGets * bSignedGets > aGives * bSignedGives) revert OrdersDoNotCross(digestA, digestB);
            // Rounded up: b never gives beyond its order.
            wantB = (aGets * WAD + bSignedGives - 1) / bSignedGives;
        }
        filledAfterB = _consumeWhole(b, digestB, wantB);
    }

    /// @dev Consumes exactly `want` of order `o`, or reverts when less than that is left.
    function _consumeWhole(
        SessionOrder calldata o,
        bytes32 digest,
        uint256 want
    ) private returns (uint256 filledAfter) {
        uint256 before;
        (before, filledAfter) = _consumeFill(digest, o.maker, o.salt, want, WAD);
        if (filledAfter - before < want) revert MatchExceedsOrder(digest, WAD - before, want);
    }

    /// @notice Cancels one order; only its maker may. Works while paused.
    function cancel(SessionOrder calldata order) external onlyClone {
        _cancel(_sessionDigest(SessionOrderLib.hash(order)), order.maker, order.salt);
    }

    /// @dev |v|, which must lie in [1, MAX_AMOUNT]; else `BadOrderAmounts(index)`.
    function _absChecked(int256 v, uint256 index) private pure returns (uint256 a) {
        unchecked {
            // Unchecked on purpose: -type(int256).min wraps to 2^255 and a - 1 wraps for a == 0, so both fail
            // the one comparison below.
            a = v < 0 ? uint256(-v) : uint256(v);
            if (a - 1 >= SessionMath.MAX_AMOUNT) revert BadOrderAmounts(index);
        }
    }

    function _requireParties(address maker, address taker, uint256 h0) internal view {
        address feeTo = _feeRecipient(h0);
        if (maker == feeTo || taker == feeTo) revert FeeRecipientCannotTrade(feeTo);
        if (_participation(h0) == Participation.Open) return; // the common case: no per-account check
        _requireCanTrade(maker, h0);
        _requireCanTrade(taker, h0);
    }

    /// @dev The maker's change per set leg between two cumulative fill fractions; validates the order shape.
    /// The array comes from {_newDeltas}: it is the `Traded` event's maker array, filled in place.
    function _grossDeltas(
        SessionOrder calldata order,
        uint256 before,
        uint256 after_,
        uint256 n
    ) private pure returns (int256[] memory gross, uint256 legs) {
        legs = order.legs;
        if (legs == 0 || legs >> n != 0) revert BadOrderLegs(legs, n); // n < 256: the header gives it 8 bits
        int256[] calldata amounts = order.amounts; // one access: each re-checks the array's place in calldata
        uint256 m = amounts.length;
        if (m != SessionMath.popcount(legs)) revert BadOrderAmounts(m);
        gross = _newDeltas(m);
        for (uint256 j; j < m; ++j) {
            int256 amt = amounts[j];
            _absChecked(amt, j);
            int256 d;
            // Unchecked: both terms lie between 0 and amt, |amt| <= MAX_AMOUNT (before <= after_ <= WAD).
            unchecked {
                d = SessionMath.amountAt(amt, after_) - SessionMath.amountAt(amt, before);
            }
            assembly ("memory-safe") {
                mstore(add(gross, shl(5, add(j, 1))), d) // gross[j]: j < m, its length, so no bounds check
            }
        }
    }

    /// @dev Words of the `Traded` event's data before the maker's array: filledAfterWad, legs, the two arrays'
    /// offsets and the two collateral fees.
    uint256 private constant TRADED_HEAD = 0xc0;

    /// @dev An `m`-leg array for a trade's gross deltas, laid out in memory as the `Traded` event's data: the
    /// six head words are reserved before it and the taker's array after it (see {_trade}). Both arrays are
    /// zeroed.
    function _newDeltas(uint256 m) internal pure returns (int256[] memory deltas) {
        assembly ("memory-safe") {
            let head := mload(0x40)
            let size := add(TRADED_HEAD, shl(6, add(m, 1))) // head + two arrays of (length + m words)
            calldatacopy(head, calldatasize(), size) // zeroes: the bytes past calldata read as zero
            deltas := add(head, TRADED_HEAD)
            mstore(deltas, m)
            mstore(add(deltas, shl(5, add(m, 1))), m)
            mstore(0x40, add(head, size))
        }
    }

    /// @dev Moves the allocations of a trade and logs it. `gross` (from {_newDeltas}) holds the maker's gross
    /// change per set leg; {_applyTrade} turns it into the maker's net change and writes the taker's into the
    /// array after it, so the event's data is already in memory as the ABI encodes it and is logged from there.
    function _trade(
        bytes32 digest,
        address maker,
        address taker,
        uint256 legs,
        int256[] memory gross,
        uint256 filledAfter,
        uint256 h0
    ) internal {
        int256[] memory takerNet;
        assembly ("memory-safe") {
            takerNet := add(gross, shl(5, add(mload(gross), 1)))
        }
        (uint256 makerFee, uint256 takerFee) = _applyTrade(maker, taker, legs, gross, takerNet, h0);
        bytes32 topic = Traded.selector;
        assembly ("memory-safe") {
            let head := sub(gross, TRADED_HEAD)
            mstore(head, filledAfter)
            mstore(add(head, 0x20), legs)
            mstore(add(head, 0x40), TRADED_HEAD)
            mstore(add(head, 0x60), sub(takerNet, head))
            mstore(add(head, 0x80), makerFee)
            mstore(add(head, 0xa0), takerFee)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff // addresses may reach assembly with dirty upper bits
            log4(
                head,
                sub(add(takerNet, shl(5, add(mload(takerNet), 1))), head),
                topic,
                digest,
                and(maker, mask),
                and(taker, mask)
            )
        }
    }

    // ------------------------------------------------------------------ pause

    /// @notice Stops subscriptions and trading. Guardian only.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes subscriptions and trading. Guardian only.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ settlement

    /// @notice Settles the session from the Chainlink fixing of every leg at t2. Permissionless, between t2 and
    /// the fallback deadline; the result cannot depend on the caller since each hint is re-validated by
    /// {OracleFixing.fixAt}, which accepts exactly one round set per fixing rule.
    /// @param hints Per leg, the round hints {OracleFixing.fixAt} expects (see {checkUpkeep}).
    function settle(uint80[][] calldata hints) external nonReentrant onlyClone {
        _settle(hints);
    }

    function _settle(uint80[][] memory hints) internal {
        if (status != Status.Open) revert AlreadyFinal(status);
        (, uint256 t2, uint256 deadline, ) = windows();
        if (block.timestamp < t2) revert SettlementTooEarly(block.timestamp, t2);
        if (block.timestamp > deadline) revert SettlementWindowClosed(block.timestamp, deadline);
        uint256 n = _legCount();
        if (hints.length != n) revert HintsLength(n, hints.length);
        uint256[] memory prices = _fixings(t2, hints);
        status = Status.Settled;
        _onSettle(prices);
        emit SessionSettled(block.timestamp);
    }

    /// @dev The fixing of every leg at t2 (a kind may skip legs that no longer exist).
    function _fixings(uint256 t2, uint80[][] memory hints) internal view virtual returns (uint256[] memory) {
        return oracle().fixAll(fixingSpecs(), t2, hints);
    }

    /// @notice After the fallback deadline with no fixing recorded, releases every participant's funds:
    /// physical claims deliver x_i in kind, cash claims return deposits. Permissionless; works while paused.
    function releaseFallback() external nonReentrant onlyClone {
        _releaseFallback();
    }

    /// @dev Whether {_releaseFallback} would go through now, the deadline having passed (margin sessions wait
    /// for their proposal window).
    function _fallbackDue() internal view virtual returns (bool) {
        return true;
    }

    function _releaseFallback() internal virtual {
        if (status != Status.Open) revert AlreadyFinal(status);
        (, , uint256 deadline, ) = windows();
        if (block.timestamp <= deadline) revert FallbackNotYet(block.timestamp, deadline);
        status = Status.FallbackReleased;
        emit FallbackReleased(block.timestamp);
    }

    /// @notice Chainlink Automation: upkeep is needed once t2 passed and the session is open. Before the
    /// deadline `performData` carries the hints found by {OracleFixing.findHints} (and only if every leg has a
    /// fixing); after it, the fallback path, once {_fallbackDue} says it would go through.
    function checkUpkeep(bytes calldata) external view override returns (bool upkeepNeeded, bytes memory performData) {
        if (status != Status.Open || address(this) == _self) return (false, "");
        (, uint256 t2, uint256 deadline, ) = windows();
        if (block.timestamp < t2) return (false, "");
        if (block.timestamp > deadline) return (_fallbackDue(), abi.encode(true, new uint80[][](0)));
        (bool ok, uint80[][] memory hints) = oracle().findAll(fixingSpecs(), t2);
        if (!ok) return (false, "");
        return (true, abi.encode(false, hints));
    }

    /// @notice Chainlink Automation: settles with the given hints or releases the fallback. Everything is
    /// re-validated, so anyone may call it with any data.
    function performUpkeep(bytes calldata performData) external override nonReentrant onlyClone {
        (bool isFallback, uint80[][] memory hints) = abi.decode(performData, (bool, uint80[][]));
        if (isFallback) _releaseFallback();
        else _settle(hints);
    }

    // ------------------------------------------------------------------ claims

    /// @notice Pays the caller's settlement once, to `to` (so a blocklisted holder can redirect). Physical:
    /// x_i in kind or value-weighted in kind, per the mode (in kind after fallback). Cash: deposit plus
    /// deviation value at the clamped fixing (deposit back after fallback). Works while paused.
    /// @return amounts Token units sent per leg (physical) or at index 0 (cash collateral).
    function claim(address to) external nonReentrant onlyClone returns (uint256[] memory amounts) {
        if (status == Status.Open) revert NotFinal();
        Account storage a = _accounts[msg.sender];
        if (a.claimed) revert AlreadyClaimed(msg.sender);
        a.claimed = true;
        amounts = _payout(msg.sender, to);
        emit Claimed(msg.sender, to, amounts);
    }

    /// @notice After the claim deadline, sends the accounted rounding dust (never anyone's claim) to the fee
    /// recipient. Permissionless.
    function sweepDust() external nonReentrant onlyClone returns (uint256[] memory amounts) {
        if (status == Status.Open) revert NotFinal();
        (, , , uint256 claimDeadline) = windows();
        if (block.timestamp <= claimDeadline) revert SweepTooEarly(block.timestamp, claimDeadline);
        address to = _feeRecipient(_argWord(0));
        amounts = _sweep(to);
        emit DustSwept(to, amounts);
    }

    /// @notice Subscription shares and deposit (cash, collateral units) of `account`.
    function accountOf(
        address account
    ) external view returns (uint256 shares, uint256 deposit, bool claimed, bool admitted) {
        Account memory a = _accounts[account];
        return (a.shares, a.deposit, a.claimed, a.admitted);
    }

    // ------------------------------------------------------------------ views

    /// @notice Allocation x_i of `account` per leg (physical: token units; cash: WAD units, may be negative).
    function allocationOf(address account) public view returns (int256[] memory x) {
        uint256 n = _legCount();
        x = new int256[](n);
        for (uint256 k; k < n; ++k) x[k] = _allocation(account, k, n);
    }

    /// @notice Baseline allocation of `account`: shares * u.
    function baselineOf(address account) public view returns (int256[] memory b) {
        uint256 n = _legCount();
        b = new int256[](n);
        uint256 s = _accounts[account].shares;
        // Safe cast: shares * unit is bounded by the int128 check at subscription.
        for (uint256 k; k < n; ++k) b[k] = int256(s * _unit(n, k));
    }

    // ------------------------------------------------------------------ hooks

    function _allocation(address account, uint256 k, uint256 n) internal view virtual returns (int256);

    function _onSubscribe(
        address account,
        uint256 shares,
        uint256 totalAfter
    ) internal virtual returns (uint256[] memory);

    function _onRedeem(
        address account,
        uint256 shares,
        uint256 sharesBefore
    ) internal virtual returns (uint256[] memory);

    /// @dev Moves a trade's allocations. On entry `deltas[j]` is the maker's gross change on the j-th set leg
    /// (ascending); on return it is the maker's net change and `takerNet[j]` the taker's (both zeroed on entry,
    /// of the same length). Returns the fees charged in collateral (cash sessions), else zero.
    function _applyTrade(
        address maker,
        address taker,
        uint256 legs,
        int256[] memory deltas,
        int256[] memory takerNet,
        uint256 h0
    ) internal virtual returns (uint256 makerFee, uint256 takerFee);

    function _onSettle(uint256[] memory prices) internal virtual;

    function _payout(address account, address to) internal virtual returns (uint256[] memory);

    function _sweep(address to) internal virtual returns (uint256[] memory);

    // ------------------------------------------------------------------ token helpers

    /// @dev Pulls exactly `amount` or reverts: a shortfall (fee-on-transfer) is rejected, not mis-accounted.
    function _pullExact(address token, address from, uint256 amount) internal {
        IERC20 t = IERC20(token);
        uint256 b0 = t.balanceOf(address(this));
        t.safeTransferFrom(from, address(this), amount);
        uint256 got = t.balanceOf(address(this)) - b0;
        if (got != amount) revert TransferShortfall(token, amount, got);
    }

    function _push(address token, address to, uint256 amount) internal {
        if (amount != 0) IERC20(token).safeTransfer(to, amount);
    }
}
