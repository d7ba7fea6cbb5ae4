// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixingSpec} from "../shared/oracle/OracleFixing.sol";

/// @notice Physical sessions hold every leg as an ERC-20; cash-settled sessions hold one collateral token.
enum SessionKind {
    Physical,
    Cash
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
