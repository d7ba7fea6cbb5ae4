// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MarketEvents
/// @notice Every event of the bounded-payoff market family. Amounts in collateral base units, outcomes in
/// the root's outcome units, quantities in contracts, prices in ticks (price = tick / TICKS). Every event
/// that appends to a root's hash chain carries the new `head`, so an indexer can re-check the chain.
/// @dev An interface that {MarketStorage} inherits, so every event is in each module's ABI even when it is
/// logged in assembly ({BoundedMarkets} logs `OrderAccepted` and `OrderFilled` that way); contracts emit
/// them as `Ev.Name(...)` all the same.
interface MarketEvents {
    /// @notice A root was created; its root market is branch 1 with bounds [min, max].
    event RootCreated(
        uint256 indexed rootId,
        address indexed owner,
        address indexed collateral,
        uint256 unitScale,
        uint8 decimals,
        int256 min,
        int256 max,
        uint64 expiry,
        uint64 voidDeadline,
        uint8 source,
        address reporter,
        uint32 disputeWindow
    );
    /// @notice A sub-market was created under `parentBranch`, bounds [min, max] inside the parent's.
    event MarketCreated(
        uint256 indexed rootId,
        uint16 indexed branchId,
        uint16 parentBranch,
        int256 min,
        int256 max,
        address creator
    );
    /// @notice `amount` was credited to `trader`'s cash in `collateral`.
    event Deposited(address indexed trader, address indexed collateral, uint256 amount);
    /// @notice `amount` was paid out of `trader`'s cash to `to`.
    event Withdrew(address indexed trader, address indexed collateral, address to, uint256 amount);
    /// @notice An order entered the book. `orderKey` is the key it rests under if any of it rests
    /// (`rootId << 56 | branchId << 40 | tick << 32 | index`). With the topics it carries the whole signed
    /// {Order}: `rootId`, `branchId` and `tick` are in the key, `trader` is a topic, the other fields follow.
    /// `signature` is empty when the trader submitted it itself.
    event OrderAccepted(
        uint256 indexed rootId,
        bytes32 indexed digest,
        address indexed trader,
        uint256 orderKey,
        int64 quantity,
        uint8 orderType,
        uint64 expiry,
        uint256 nonce,
        uint256 salt,
        bytes signature,
        address submitter,
        bytes32 head
    );
    /// @notice `quantity` contracts traded between the resting order `makerKey` and the incoming order
    /// `takerDigest`, at the resting order's tick. Carries only what its two orders' {OrderAccepted} records do
    /// not: the maker's market and tick are in `makerKey` (`rootId << 56 | branchId << 40 | tick << 32 |
    /// index`); the maker, the taker and the side come from the two orders (the taker bought when its
    /// quantity is positive). docs/markets.md, "Reading the chain".
    event OrderFilled(
        uint256 indexed rootId,
        uint256 indexed makerKey,
        bytes32 indexed takerDigest,
        uint64 quantity,
        bytes32 head
    );
    /// @notice `quantity` contracts of an order left the book unfilled (a "reduction"): a cancel by its
    /// trader (`reason` 0), a self-trade cancel of the resting order (1), an IOC remainder (2), a remainder
    /// that hit the sweep bound (3: the trader's own `maxLevels`, or `MAX_TOUCH` live orders visited) or a
    /// remainder stopped after stepping over `MAX_SKIP` cancelled entries (4; the level's head has moved past
    /// them, so a retry goes on). `orderKey` names a resting order, `digest` an incoming remainder.
    event OrderReduced(
        uint256 indexed rootId,
        uint256 indexed orderKey,
        bytes32 indexed digest,
        address trader,
        uint64 quantity,
        uint8 reason,
        bytes32 head
    );
    /// @notice Bounds [newMin, newMax] were posted on a market; the root's possible range is now [lo, hi].
    event BoundsPosted(
        uint256 indexed rootId,
        uint16 indexed branchId,
        address poster,
        int256 newMin,
        int256 newMax,
        int256 lo,
        int256 hi,
        bytes32 head
    );
    /// @notice The reporter reported outcome `x`; it is final after the dispute window unless overridden.
    event OutcomeReported(uint256 indexed rootId, address reporter, int256 x, uint64 windowEnd);
    /// @notice The root settled at outcome `x` (`how`: 0 bounds collapsed, 1 report finalised, 2 owner override, 3 feed).
    event RootSettled(uint256 indexed rootId, int256 x, uint8 how, bytes32 head);
    /// @notice Nothing settled the root by its void deadline; every trader gets back what it put in.
    event RootVoided(uint256 indexed rootId, bytes32 head);
    /// @notice `trader`'s positions on a final root were turned into cash: `payout` (signed) was added.
    event Redeemed(uint256 indexed rootId, address indexed trader, int256 payout);
}
