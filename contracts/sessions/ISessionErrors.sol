// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Status} from "./SessionTypes.sol";

/// @title ISessionEvents
/// @notice Every state change of a session, with amounts, so that allocations x_i(t) can be rebuilt from logs.
interface ISessionEvents {
    /// @notice `account` subscribed `shares`. Physical: `amounts[k]` token units of leg k pulled (= shares*u_k);
    /// cash: `amounts[0]` collateral units deposited. Baseline and (physical) allocation rose by shares*u.
    event Subscribed(address indexed account, uint256 shares, uint256[] amounts);
    /// @notice `account` redeemed `shares` before t1; `amounts` as in {Subscribed}, paid back.
    event Redeemed(address indexed account, uint256 shares, uint256[] amounts);
    /// @notice `account` proved membership of the Merkle allowlist.
    event Admitted(address indexed account);
    /// @notice A fill (or the first order of a match) executed. `legs` is the leg bit mask; `makerDeltas` and
    /// `takerDeltas` are the net allocation changes per set leg in ascending order (physical: leg units; cash:
    /// deviation from baseline, WAD units). Physical: the fee recipient's change is -(maker + taker) per leg.
    /// Cash: fees are collateral units moved from the payer's deposit to the fee recipient's.
    event Traded(
        bytes32 indexed digest,
        address indexed maker,
        address indexed taker,
        uint256 filledAfterWad,
        uint256 legs,
        int256[] makerDeltas,
        int256[] takerDeltas,
        uint256 makerFeeCollateral,
        uint256 takerFeeCollateral
    );
    /// @notice Order `digestB` was crossed against `digestA` at A's rate; its cumulative filled fraction is now
    /// `filledAfterB` (WAD). The allocation changes are in the {Traded} event of `digestA` just before.
    event Matched(bytes32 indexed digestA, bytes32 indexed digestB, uint256 filledAfterB);
    /// @notice Leg `leg` fixed at `fixingWad` (WAD quote per instrument unit); `settlementWad` is what pays
    /// (cash: clamped to [floor, cap]; physical: the same).
    event LegFixed(uint256 indexed leg, uint256 fixingWad, uint256 settlementWad);
    /// @notice The session settled from the fixings above.
    event SessionSettled(uint256 timestamp);
    /// @notice No fixing arrived by the deadline: claims pay x_i in kind (physical) or deposits back (cash).
    event FallbackReleased(uint256 timestamp);
    /// @notice `account` claimed; `amounts[k]` token units of leg k (physical) or `amounts[0]` collateral (cash)
    /// were sent to `to`.
    event Claimed(address indexed account, address indexed to, uint256[] amounts);
    /// @notice `from` offered DEFAULT_ADMIN_ROLE to `to` (zero: offer withdrawn); `to` must accept.
    event AdminTransferStarted(address indexed from, address indexed to);
    /// @notice Rounding dust sent to the fee recipient; `amounts` as in {Claimed}.
    event DustSwept(address indexed recipient, uint256[] amounts);
}

/// @title ISessionErrors
/// @notice Every way a session call can fail, with the values that explain it.
interface ISessionErrors {
    /// @notice The call reached the implementation contract rather than a session clone.
    error NotASession();
    /// @notice Subscribing or redeeming after t1.
    error SubscriptionClosed(uint256 now_, uint256 t1);
    /// @notice Trading outside [t1, t2) or after the session became final.
    error TradingClosed(uint256 now_, uint256 t1, uint256 t2);
    /// @notice Zero shares.
    error ZeroShares();
    /// @notice Zero fill fraction.
    error ZeroFill();
    /// @notice Redeeming more shares than held.
    error InsufficientShares(address account, uint256 have, uint256 want);
    /// @notice The account may not take part in this curated session.
    error NotAllowed(address account);
    /// @notice The Merkle proof does not show `account` in the allowlist.
    error BadProof(address account);
    /// @notice A token delivered less than requested (fee-on-transfer tokens are rejected).
    error TransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice A maker cannot take its own order.
    error SelfFill(address maker);
    /// @notice Both orders of a match have the same maker.
    error SelfMatch(address maker);
    /// @notice The fee recipient cannot trade.
    error FeeRecipientCannotTrade(address feeRecipient);
    /// @notice The order's leg mask is empty or names a leg the session lacks.
    error BadOrderLegs(uint256 legs, uint256 legCount);
    /// @notice The order's amounts do not match its legs: wrong length, a zero, or beyond the int128 range.
    error BadOrderAmounts(uint256 index);
    /// @notice A match needs two-leg orders on the same legs with opposite signs.
    error NotPairwise(bytes32 digestA, bytes32 digestB);
    /// @notice A matched order would pay worse than its own limit: `paid * signedReceive > received * signedGive`.
    error OrdersDoNotCross(bytes32 digestA, bytes32 digestB);
    /// @notice The second order of a match has `remaining` (WAD) left, less than the `wanted` fraction.
    error MatchExceedsOrder(bytes32 digestB, uint256 remaining, uint256 wanted);
    /// @notice A pool swap's pool has no code (it cannot price a swap).
    error NotAPool(address pool);
    /// @notice A pool swap needs two different legs of the session.
    error BadSwapLegs(uint256 legIn, uint256 legOut, uint256 legCount);
    /// @notice The pool's answer is zero, beyond the allocation range, not the amount asked, or beyond the
    /// caller's limit.
    error PoolOutsideLimit(address pool, uint256 amountIn, uint256 amountOut, uint256 limit);
    /// @notice A physical trade would leave `account` with `have - need < 0` of leg `leg`.
    error InsufficientAllocation(address account, uint256 leg, int256 have, int256 need);
    /// @notice A cash trade or fee would leave `account` below zero at the worst corner of the price box;
    /// `worstCaseE36` is its deposit plus worst-case deviation value (1e36 = one quote unit).
    error InsufficientMargin(address account, int256 worstCaseE36);
    /// @notice Settling before t2.
    error SettlementTooEarly(uint256 now_, uint256 t2);
    /// @notice Settling after the fallback deadline (use fallback release).
    error SettlementWindowClosed(uint256 now_, uint256 fallbackDeadline);
    /// @notice The session is already settled or released.
    error AlreadyFinal(Status status);
    /// @notice Fallback release before the deadline.
    error FallbackNotYet(uint256 now_, uint256 fallbackDeadline);
    /// @notice One hint array per leg is required.
    error HintsLength(uint256 expected, uint256 got);
    /// @notice Claims and sweeps wait for settlement or fallback release.
    error NotFinal();
    /// @notice The account has claimed already.
    error AlreadyClaimed(address account);
    /// @notice The account has nothing to claim.
    error NothingToClaim(address account);
    /// @notice Dust is sweepable only after the claim deadline.
    error SweepTooEarly(uint256 now_, uint256 claimDeadline);
    /// @notice The Merkle admission entry point is only for Merkle-curated sessions.
    error NotMerkleSession();
    /// @notice DEFAULT_ADMIN_ROLE is not granted directly: use beginAdminTransfer, then acceptAdminTransfer.
    error AdminTransferIsTwoStep();
    /// @notice Only the pending admin `pending` may accept; `caller` is not it.
    error NotPendingAdmin(address caller, address pending);
}
