// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISessionAmmEvents
/// @notice The LP's changes of a {SessionAmm}'s shares and reserves. Swaps have no event of their own: each is the
/// session's `Traded` event with the AMM as taker, whose taker deltas are the AMM's reserve changes, so the
/// reserves are rebuilt from the session's logs alone.
interface ISessionAmmEvents {
    /// @notice The LP added allocation: `amounts[k]` units of leg k reached the reserves (net of the session's
    /// taker fee); `shares` LP shares were minted (total now `totalShares`).
    event Added(address indexed lp, uint256[] amounts, uint256 shares, uint256 totalShares);
    /// @notice The LP withdrew `amounts[k]` units of leg k (at most its pro-rata share of each reserve) and
    /// burnt `shares` LP shares (total now `totalShares`).
    event Withdrew(address indexed lp, uint256[] amounts, uint256 shares, uint256 totalShares);
    /// @notice After settlement the AMM's whole allocation was claimed from the session and sent to `to`.
    event ClaimedForLp(address indexed to, uint256[] amounts);
}

/// @title ISessionAmmErrors
/// @notice Every way a {SessionAmm} call can fail, with the values that explain it.
interface ISessionAmmErrors {
    /// @notice Only session kind 0 (physical) is supported; `kind` was given.
    error UnsupportedSessionKind(uint256 kind);
    /// @notice Weights must be one per session leg, each 0 or at least 1%, at least two non-zero, summing to 1e18.
    error BadWeights(uint256 index, uint256 weight);
    /// @notice A parameter at creation is out of range (`swapFeeBps`, `bandBps`, `lp`).
    error BadParameter(string field, uint256 value);
    /// @notice The leg has no weight in this AMM (or is not a leg of the session).
    error UnknownLeg(uint256 leg);
    /// @notice A swap needs two different legs.
    error SameLeg(uint256 leg);
    /// @notice Zero amount in a swap, add or withdrawal.
    error ZeroAmount();
    /// @notice The order must name this AMM as its private taker (so nobody else can fill part of it first).
    error NotAddressedToAmm(address taker);
    /// @notice A swap order must have exactly two legs, giving one and receiving the other.
    error NotASwap(uint256 legs);
    /// @notice Exact-in: the order asks for `asked` units out, more than the invariant pays (`quoted`).
    error OutExceedsQuote(uint256 legOut, uint256 quoted, uint256 asked);
    /// @notice Exact-out: the order pays `effective` units in (after fees), less than the invariant needs.
    error InBelowQuote(uint256 legIn, uint256 needed, uint256 effective);
    /// @notice After the swap, the pool's marginal price of `legIn` in `legOut` (`poolRateWad`) would be more
    /// than `bandBps` below the oracle's ratio (`oracleRateWad`).
    error OracleBandExceeded(
        uint256 legIn,
        uint256 legOut,
        uint256 poolRateWad,
        uint256 oracleRateWad,
        uint256 bandBps
    );
    /// @notice Caller is not the LP.
    error NotLp(address caller);
    /// @notice Only the AMM's session may ask it to price a swap ({SessionAmm.onSessionSwap}).
    error NotSession(address caller);
    /// @notice Add or withdrawal orders must be made by the LP and only give (add) or only receive (withdraw).
    error BadLpOrder(uint256 index);
    /// @notice A withdrawal asks `asked` units of leg `leg`, more than the pro-rata share `allowed`.
    error WithdrawalAboveProRata(uint256 leg, uint256 allowed, uint256 asked);
    /// @notice Burning `shares` with only `totalShares` outstanding.
    error InsufficientShares(uint256 shares, uint256 totalShares);
    /// @notice The add would mint no LP share (a weighted leg missing from it, or too small).
    error AddMintsNothing();
    /// @notice A token delivered less than requested while seeding (fee-on-transfer tokens are rejected).
    error TransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice Every weighted leg needs a positive reserve before the AMM can quote.
    error EmptyReserve(uint256 leg);
}
