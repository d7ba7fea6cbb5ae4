// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {CorporateAction} from "../SessionTypes.sol";

/// @title MarginStorage
/// @notice The margin state of a session in one ERC-7201 namespace, shared by {MarginSession} and its delegate
/// {MarginModule} (which runs in the session's storage), and the margin arithmetic both use.
library MarginStorage {
    uint256 internal constant E36 = 1e36;
    uint256 internal constant BPS = 10_000;

    /// @custom:storage-location erc7201:ringfence.storage.MarginSession
    struct Layout {
        uint8 cashLeg;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 liquidationPenaltyBps;
        uint16 concentrationBps;
        uint16 groupShockBps;
        uint32 groupMask;
        uint32 actionDelay;
        uint32 disputeWindow;
        uint128 disputeBond;
        /// 16 bits per leg: legs 0-15 in word 0, 16-31 in word 1.
        uint256[2] shocks;
        /// num << 128 | den; zero means 1/1.
        mapping(uint256 leg => uint256) scale;
        /// Cumulative cash-leg units x 1e36 paid per session unit of the leg.
        mapping(uint256 leg => uint256) divIndex;
        mapping(address account => mapping(uint256 leg => uint256)) divSeen;
        mapping(address account => uint256) dividends;
        mapping(address account => uint256) negMask;
        uint256 dividendLegs;
        uint256 closedLegs;
        /// Cash-leg basket change from dividend debits (always <= 0).
        int256 cashBasketDelta;
        /// Cash-leg tokens held for dividend claims.
        uint256 dividendReserve;
        EnumerableSet.AddressSet shorts;
        CorporateAction[] actions;
        uint256 basketValueE36;
        uint256 deficitE36;
        uint256 insuranceE36;
        uint256 positiveE36;
        uint256 claimedValueE36;
        uint256 claimedShares;
        uint256[] proposed;
        uint40 proposedAt;
        address disputer;
        /// Token units the leg's basket is after its splits, floored at each split as the issuer floors the
        /// pool's balance (set at the first split).
        mapping(uint256 leg => uint256) splitTokens;
        /// Least stressed equity of a short account after its trades, bps of the pool's value.
        uint16 minShortEquityBps;
        /// Cash-leg units of forfeited dispute bonds held in the pool for their owner (the fee recipient) to
        /// withdraw: a pull, so no transfer to it can block a dispute.
        mapping(address owner => uint256) bonds;
    }

    // keccak256(abi.encode(uint256(keccak256("ringfence.storage.MarginSession")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SLOT = 0xeb60975901602306df815efbec2f8b23fa4fe1281760196a0c0735c8a406d600;

    function layout() internal pure returns (Layout storage m) {
        assembly ("memory-safe") {
            m.slot := SLOT
        }
    }

    /// @notice Leg k's token units per session unit as a fraction (1/1 until a split).
    function scaleOf(Layout storage m, uint256 k) internal view returns (uint256 num, uint256 den) {
        uint256 s = m.scale[k];
        if (s == 0) return (1, 1);
        return (s >> 128, uint128(s));
    }

    /// @notice Token units of leg k that a basket of `q` session units is: q before any split, then the count
    /// kept split by split (each rounded down, like the issuer's own split of the pool's balance); zero once the
    /// leg is closed.
    function basketTokens(Layout storage m, uint256 k, uint256 q) internal view returns (uint256) {
        if ((m.closedLegs >> k) & 1 == 1) return 0;
        return m.scale[k] == 0 ? q : m.splitTokens[k];
    }

    /// @notice The single-leg shock of leg k (bps).
    function shockBps(Layout storage m, uint256 k) internal view returns (uint256) {
        return (m.shocks[k >> 4] >> ((k & 15) << 4)) & 0xffff;
    }

    /// @notice Value of one session unit of leg k in 1e36 quote units from its WAD price per whole token:
    /// `price * 10^(18 - decimals) * num / den`, rounded down; zero once the leg is closed.
    function unitValue(
        Layout storage m,
        uint256 k,
        uint256 priceWad,
        uint256 decimals
    ) internal view returns (uint256) {
        if ((m.closedLegs >> k) & 1 == 1) return 0;
        (uint256 num, uint256 den) = scaleOf(m, k);
        return Math.mulDiv(priceWad * 10 ** (18 - decimals), num, den);
    }

    /// @notice `equity = x.p`; `stressed` = equity in the worst scenario: each leg alone up or down by its
    /// shock, and group A up / the rest down by the group shock (and the reverse); `gross = sum |x_k| p_k`.
    /// All in 1e36 quote units; `p` from {unitValue}.
    function risk(
        Layout storage m,
        int256[] memory x,
        uint256[] memory p
    ) internal view returns (int256 equity, int256 stressed, uint256 gross) {
        uint256 mask = m.groupMask;
        uint256 worst;
        int256 groupA;
        for (uint256 k; k < x.length; ++k) {
            if (x[k] == 0) continue;
            // Safe cast: p_k stays far below 2^255 for prices and scales in the documented range.
            int256 v = x[k] * int256(p[k]);
            equity += v;
            uint256 av = SignedAbs.abs(v);
            gross += av;
            uint256 s = Math.mulDiv(av, shockBps(m, k), BPS);
            if (s > worst) worst = s;
            if ((mask >> k) & 1 == 1) groupA += v;
        }
        // Group A minus the rest is 2 * A - equity.
        uint256 rel = Math.mulDiv(SignedAbs.abs(2 * groupA - equity), m.groupShockBps, BPS);
        if (rel > worst) worst = rel;
        // Safe cast: worst <= gross, a sum of in-range products.
        stressed = equity - int256(worst);
    }
}

/// @dev |v| of a signed value.
library SignedAbs {
    function abs(int256 v) internal pure returns (uint256) {
        // Safe cast: v > type(int256).min for every value formed here.
        return v >= 0 ? uint256(v) : uint256(-v);
    }
}
