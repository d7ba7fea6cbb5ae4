// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISessionPool
/// @notice A participant of a physical session that prices swaps on its own allocation (a {SessionAmm}). A
/// trader swaps with it through {PhysicalSession.swapWithPool}: the session asks the pool for the amounts,
/// then moves both allocations itself, with every check of a fill (window, pause, participation, fees,
/// allocations). The trader is the caller, so no signature is needed; the pool consents by answering.
interface ISessionPool {
    /// @notice Prices a swap of `trader`. Called only by the session, with its re-entry guard held; the session
    /// moves the allocations after it returns, or the whole call reverts. `amount` is what the trader gives of
    /// `legIn` (exact-in) or receives of `legOut` (exact-out, gross of the session's maker fee). `reserveIn` and
    /// `reserveOut` are the pool's own allocations of the two legs before the swap, as the session holds them.
    /// @return amountIn Units of `legIn` the trader gives (equals `amount` for exact-in).
    /// @return amountOut Units of `legOut` the trader receives, gross (equals `amount` for exact-out).
    function onSessionSwap(
        address trader,
        uint256 legIn,
        uint256 legOut,
        uint256 amount,
        bool exactOut,
        uint256 reserveIn,
        uint256 reserveOut
    ) external returns (uint256 amountIn, uint256 amountOut);
}

/// @title IPoolSession
/// @notice What a pool reads of its session ({PhysicalSession}) outside a swap the session asked it to price.
interface IPoolSession {
    /// @notice `account`'s allocations of legs `a` and `b` (leg units).
    function allocationPair(address account, uint256 a, uint256 b) external view returns (int256 xa, int256 xb);
}
