// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingSpec} from "../shared/oracle/OracleFixing.sol";

/// @notice Physical sessions hold every leg as an ERC-20; cash-settled sessions hold one collateral token;
/// margin sessions hold ERC-20 legs, allow negative allocations under a stressed-value margin rule, and take
/// corporate actions through a timelock (see {MarginConfig}).
enum SessionKind {
    Physical,
    Cash,
    Margin
}

/// @notice Who may subscribe and trade: anyone, holders of `PARTICIPANT_ROLE`, or accounts proven in a Merkle root.
enum Participation {
    Open,
    Role,
    Merkle
}

/// @notice How a settled session pays. Physical: `InKind` (x_i of each leg) or `ValueWeighted` (a share
/// x_i.S / q.S of each leg's holdings). Cash-settled sessions use `Cash` (collateral).
enum SettlementMode {
    InKind,
    ValueWeighted,
    Cash
}

/// @notice One leg of a session.
/// @param token Physical: the leg's ERC-20 (decimals <= 18). Cash: must be zero.
/// @param unit Leg amount per subscription share (u_k). Physical: token units. Cash: WAD units of the
/// reference instrument (1e18 = one unit).
/// @param floor Cash only: lowest settlement price, WAD quote per instrument unit (> 0). Physical: 0.
/// @param cap Cash only: highest settlement price, WAD quote per instrument unit (>= floor, <= 1e30). Physical: 0.
/// @param fixing How the leg's price at t2 is fixed from Chainlink feeds.
struct LegConfig {
    address token;
    uint256 unit;
    uint256 floor;
    uint256 cap;
    FixingSpec fixing;
}

/// @notice Everything a session is created from. Immutable once created.
/// @param kind Physical or cash-settled.
/// @param mode Settlement mode (see {SettlementMode}).
/// @param legs 1 to 32 legs.
/// @param collateral Cash only: the collateral token (1 token = 1 quote unit; decimals <= 18). Physical: zero.
/// @param t1 End of subscription, start of trading (unix seconds).
/// @param t2 End of trading, fixing time (unix seconds).
/// @param fallbackDeadline Last moment a fixing may be recorded; afterwards anyone may trigger fallback release.
/// @param claimDeadline After this moment rounding dust may be swept to the fee recipient (claims stay open).
/// @param takerFeeBps Fee charged to the taker of a fill, bps of what it receives (<= FeeMath.MAX_FEE_BPS).
/// @param makerFeeBps Fee charged to the maker of a fill, bps of what it receives (<= FeeMath.MAX_FEE_BPS).
/// @param feeRecipient Account credited with fees and swept dust; may not trade.
/// @param participation Open, role-curated or Merkle-curated.
/// @param merkleRoot Root of the allowlist when `participation == Merkle` (OpenZeppelin standard leaves).
/// @param admin Holder of DEFAULT_ADMIN_ROLE on the session (grants guardian and participant roles).
/// @param guardian Holder of GUARDIAN_ROLE (pause/unpause); zero means the admin.
struct SessionConfig {
    SessionKind kind;
    SettlementMode mode;
    LegConfig[] legs;
    address collateral;
    uint40 t1;
    uint40 t2;
    uint40 fallbackDeadline;
    uint40 claimDeadline;
    uint16 takerFeeBps;
    uint16 makerFeeBps;
    address feeRecipient;
    Participation participation;
    bytes32 merkleRoot;
    address admin;
    address guardian;
}

/// @notice Settlement status of a session.
enum Status {
    Open,
    Settled,
    FallbackReleased
}

/// @notice The risk and governance parameters of a margin session, fixed at creation.
/// @param cashLeg Leg index of the cash (numeraire) leg: dividends accrue to it, liquidation compensation and
/// the dispute bond are paid in it. It can be neither split nor converted.
/// @param initialMarginBps A trade leaving a short account's stressed equity below this share (bps) of its
/// gross exposure reverts (1 to 10,000).
/// @param maintenanceMarginBps A short account whose stressed equity is below this share (bps) of its gross
/// exposure can be liquidated by anyone (1 to initialMarginBps).
/// @param liquidationPenaltyBps Share (bps) of the gross exposure the liquidator keeps (<= maintenanceMarginBps).
/// @param concentrationBps Largest short per leg, bps of the leg's basket q_k (1 to 10,000).
/// @param shockBps Per leg, the size (bps) of the up and the down single-leg stress scenarios (<= 10,000).
/// @param groupMask Legs of group A in the relative scenario (group A up, the rest down, and the reverse).
/// @param groupShockBps Size (bps) of the relative scenario (<= 10,000; 0 = none).
/// @param actionDelay Seconds between scheduling a corporate action and the earliest execution (at least
/// one hour, `MarginModule.MIN_ACTION_DELAY`: the time participants, who cannot leave after t1, have to see the
/// action and trade out of the positions it touches).
/// @param disputeWindow Seconds for a fallback-fixing proposal to be made after the fallback deadline, and
/// for it to be disputed once made (>= 1).
/// @param disputeBond Cash-leg token units a disputer posts; forfeited to the fee recipient, who withdraws it
/// from the pool (> 0).
/// @param minShortEquityBps After each of its trades (and after a liquidation, for the liquidator), an account
/// holding a negative allocation must keep a stressed equity of at least this share (bps) of the pool's value
/// at the latest prices, on top of the initial margin: each of the 50 short slots costs that much locked
/// capital (1 to 200; 200 x 50 = the whole pool).
struct MarginConfig {
    uint8 cashLeg;
    uint16 initialMarginBps;
    uint16 maintenanceMarginBps;
    uint16 liquidationPenaltyBps;
    uint16 concentrationBps;
    uint16[] shockBps;
    uint32 groupMask;
    uint16 groupShockBps;
    uint32 actionDelay;
    uint32 disputeWindow;
    uint128 disputeBond;
    uint16 minShortEquityBps;
}

/// @notice A corporate action of a margin session. `Split`: every token of leg `leg` becomes `num/den`
/// tokens (2/1 = 2-for-1 split, 1/10 = 1-for-10 reverse split). `Dividend`: the organiser pays `num` cash-leg
/// token units on leg `leg`'s basket, accrued pro rata to allocations at execution (negative allocations owe
/// it). `CashInLieu`: leg `leg` is converted into the cash leg at the oracle price at execution (merger,
/// spin-off, delisting); the organiser pays the cash and takes the leg's tokens; the leg is then closed.
enum ActionKind {
    Split,
    Dividend,
    CashInLieu
}

/// @notice Lifecycle of a scheduled corporate action.
enum ActionState {
    None,
    Scheduled,
    Executed,
    Cancelled
}

/// @notice A corporate action in the timelock: executable by the organiser from `eta` until t2.
struct CorporateAction {
    ActionKind kind;
    ActionState state;
    uint8 leg;
    uint40 eta;
    uint128 num;
    uint128 den;
}
