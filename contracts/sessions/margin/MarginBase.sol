// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {SessionCore} from "../SessionCore.sol";
import {SessionMath} from "../SessionMath.sol";
import {IMarginSession} from "./IMarginSession.sol";
import {MarginStorage} from "./MarginStorage.sol";

/// @title MarginBase
/// @notice State and arithmetic shared by {MarginSession} and its delegate {MarginModule}: allocations in
/// session units that may be negative, per-leg split scales, per-leg dividend indices accrued lazily to the
/// cash leg, the set of short accounts, stressed-value margin, and settlement with gap coverage.
/// @dev Margin state lives in one ERC-7201 namespace so that the session and the module (which runs by
/// DELEGATECALL in the session's storage) agree on it without sharing code. A session unit of leg k is the
/// amount of the leg one token unit was at creation; after splits it is `num/den` token units
/// ({tokensPerUnit}). Allocations, orders and baskets are in session units, so a split changes no stored
/// number and every open order keeps its economic meaning.
abstract contract MarginBase is SessionCore, IMarginSession {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Most accounts that may hold a negative allocation at once (bounds settlement and dividends).
    uint256 public constant MAX_SHORT_ACCOUNTS = 50;
    uint256 internal constant E36 = MarginStorage.E36;
    uint256 internal constant BPS = MarginStorage.BPS;

    function _ml() internal pure returns (MarginStorage.Layout storage) {
        return MarginStorage.layout();
    }

    // ------------------------------------------------------------------ allocations

    function _allocation(address account, uint256 k, uint256) internal view override returns (int256) {
        return SessionMath.getHalf(_alloc[account][k >> 1], k & 1);
    }

    /// @dev Adds `delta` to x_ik and keeps the account's negative-leg mask and the short set current. The cap on
    /// the set is checked once per operation by {_requireShortCap}, after every move of the operation (a
    /// liquidation adds the liquidator before the liquidated account leaves).
    function _addAllocation(address account, uint256 k, int256 delta) internal {
        uint256 w = _alloc[account][k >> 1];
        int256 x = SessionMath.getHalf(w, k & 1) + delta;
        _alloc[account][k >> 1] = SessionMath.setHalf(w, k & 1, x);
        MarginStorage.Layout storage m = _ml();
        uint256 mask = m.negMask[account];
        uint256 next = x < 0 ? mask | (1 << k) : mask & ~(1 << k);
        if (next == mask) return;
        m.negMask[account] = next;
        if (mask == 0) m.shorts.add(account);
        else if (next == 0) m.shorts.remove(account);
    }

    /// @dev Reverts if more than {MAX_SHORT_ACCOUNTS} accounts are short once an operation is complete.
    function _requireShortCap() internal view {
        if (_ml().shorts.length() > MAX_SHORT_ACCOUNTS) revert TooManyShortAccounts(MAX_SHORT_ACCOUNTS);
    }

    /// @dev The basket q_k in session units: shares * u_k, plus the dividend debits on the cash leg.
    function _basket(uint256 k, uint256 n) internal view returns (uint256) {
        uint256 q = totalShares * _unit(n, k);
        if (k != _ml().cashLeg) return q;
        // Safe cast: the debits never exceed the cash basket (checked where they are made).
        return uint256(int256(q) + _ml().cashBasketDelta);
    }

    /// @dev Token units of leg k the basket is ({MarginStorage.basketTokens}).
    function _basketTokens(uint256 k, uint256 n) internal view returns (uint256) {
        return MarginStorage.basketTokens(_ml(), k, _basket(k, n));
    }

    // ------------------------------------------------------------------ prices and risk

    /// @dev Value of one session unit of every leg (1e36 quote units, {MarginStorage.unitValue}) at the latest
    /// oracle prices; reverts on a stale or invalid round. Closed legs are worth nothing.
    function _liveUnitValues() internal view returns (uint256[] memory p) {
        p = oracle().latestMasked(fixingSpecs(), _ml().closedLegs);
        for (uint256 k; k < p.length; ++k) p[k] = MarginStorage.unitValue(_ml(), k, p[k], _legDecimals(k));
    }

    /// @dev Equity, worst stressed equity and gross exposure of `account` at unit values `p`
    /// ({MarginStorage.risk}).
    function _risk(
        address account,
        uint256[] memory p
    ) internal view returns (int256 equity, int256 stressed, uint256 gross) {
        return MarginStorage.risk(_ml(), allocationOf(account), p);
    }

    // ------------------------------------------------------------------ dividends

    /// @dev Brings `account`'s dividends of leg k up to the leg's index: a long accrues claimable cash-leg units
    /// (rounded down), a short pays from its cash-leg allocation (rounded up), which moves that cash out of the
    /// basket into the dividend reserve. Both roundings favour the pool.
    function _checkpoint(address account, uint256 k, uint256 n) internal {
        MarginStorage.Layout storage m = _ml();
        uint256 index = m.divIndex[k];
        uint256 seen = m.divSeen[account][k];
        if (index == seen) return;
        m.divSeen[account][k] = index;
        int256 x = _allocation(account, k, n);
        if (x == 0) return;
        uint256 delta = index - seen;
        if (x > 0) {
            // Safe cast: x > 0.
            uint256 credit = Math.mulDiv(uint256(x), delta, E36);
            m.dividends[account] += credit;
            emit DividendAccrued(account, k, credit, 0);
        } else {
            // Safe cast: x < 0, |x| <= MAX_AMOUNT.
            uint256 debit = Math.mulDiv(uint256(-x), delta, E36, Math.Rounding.Ceil);
            uint256 j = m.cashLeg;
            uint256 basket = _basket(j, n);
            if (debit > basket) revert DividendExceedsCashLeg(basket, debit);
            // Safe casts: debit <= basket <= MAX_AMOUNT.
            m.cashBasketDelta -= int256(debit);
            m.dividendReserve += debit;
            _addAllocation(account, j, -int256(debit));
            emit DividendAccrued(account, k, 0, debit);
        }
    }

    /// @dev Checkpoints every leg of `legs` that ever paid a dividend.
    function _checkpointLegs(address account, uint256 legs, uint256 n) internal {
        uint256 due = legs & _ml().dividendLegs;
        for (uint256 k; due >> k != 0; ++k) {
            if ((due >> k) & 1 == 1) _checkpoint(account, k, n);
        }
    }

    // ------------------------------------------------------------------ settlement

    /// @dev Records the fixings, then the gap ({MarginModule.recordGap}, in this session's storage).
    function _onSettle(uint256[] memory prices) internal override {
        uint256 n = prices.length;
        for (uint256 k; k < n; ++k) {
            settlementPrice[k] = prices[k];
            emit LegFixed(k, prices[k], prices[k]);
        }
        _delegateModule(abi.encodeWithSignature("recordGap(uint256[])", prices));
    }

    /// @dev Runs `data` in the margin module by DELEGATECALL and bubbles up its revert.
    function _delegateModule(bytes memory data) internal returns (bytes memory ret) {
        bool ok;
        (ok, ret) = _module().delegatecall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function _module() internal view virtual returns (address);
}
