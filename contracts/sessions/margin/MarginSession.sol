// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {FeeMath} from "../../shared/fees/FeeMath.sol";
import {SessionMath} from "../SessionMath.sol";
import {Status} from "../SessionTypes.sol";
import {MarginBase} from "./MarginBase.sol";
import {MarginStorage} from "./MarginStorage.sol";

/// @title MarginSession
/// @notice A session on ERC-20 legs where allocations may go negative (bounded shorting), settled
/// value-weighted in kind. A trade that leaves a short account's worst stressed equity below the initial margin
/// reverts; a short account below the maintenance margin can be liquidated by anyone, inside the pool. Fees are
/// allocation moved to the fee recipient, whose allocation is the insurance: at t2 it covers negative account
/// values first, and what it cannot cover is shared pro rata by the accounts of positive value.
/// Configuration, corporate actions (splits, dividends, cash-in-lieu), dividend claims, the fallback fixing
/// proposal and the margin views live in {MarginModule}, reached through this contract's fallback by
/// DELEGATECALL.
contract MarginSession is MarginBase {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The module that holds corporate actions, fallback fixing proposals and the margin views.
    address public immutable module;

    /// @param module_ The {MarginModule} implementation.
    constructor(address module_) {
        module = module_;
    }

    function _module() internal view override returns (address) {
        return module;
    }

    /// @dev Everything this contract does not implement runs in {MarginModule}, in this session's storage.
    fallback() external {
        address m = module;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), m, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    // ------------------------------------------------------------------ subscription

    function _onSubscribe(
        address account,
        uint256 shares,
        uint256 totalAfter
    ) internal override returns (uint256[] memory) {
        return _moveBasket(account, shares, totalAfter, true);
    }

    function _onRedeem(address account, uint256 shares, uint256) internal override returns (uint256[] memory) {
        return _moveBasket(account, shares, 0, false);
    }

    /// @dev Subscribing pulls shares*u_k of every leg and credits it; redeeming debits and pays it back. Before t1
    /// nobody traded, so a redeemer's x_ik >= shares*u_k.
    function _moveBasket(
        address account,
        uint256 shares,
        uint256 totalAfter,
        bool pull
    ) private returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 u = _unit(n, k);
            // The whole basket must stay within the int128 allocation range (one account may come to hold it).
            if (totalAfter * u > SessionMath.MAX_AMOUNT) revert SessionMath.AmountOutOfRange(int256(totalAfter * u));
            uint256 amt = shares * u;
            amounts[k] = amt;
            // Safe casts: amt is at most the subscribed basket, within int128.
            if (pull) {
                _pullExact(_legToken(k), account, amt);
                _addAllocation(account, k, int256(amt));
            } else {
                _addAllocation(account, k, -int256(amt));
                _push(_legToken(k), account, amt);
            }
        }
    }

    // ------------------------------------------------------------------ trading

    /// @dev Moves the gross amounts between maker and taker, each receiver paying its fee (bps of what it
    /// receives, rounded down) to the fee recipient. Allocations may go negative; afterwards every party with a
    /// negative leg must respect the concentration cap and the initial margin at the latest oracle prices.
    function _applyTrade(
        address maker,
        address taker,
        uint256 legs,
        int256[] memory deltas,
        int256[] memory takerNet,
        uint256 h0
    ) internal override returns (uint256, uint256) {
        uint256 n = _nLegs(h0);
        address feeTo = _feeRecipient(h0);
        _checkpointLegs(maker, legs, n);
        _checkpointLegs(taker, legs, n);
        _checkpointLegs(feeTo, legs, n);
        uint256 j;
        for (uint256 k; legs >> k != 0; ++k) {
            if ((legs >> k) & 1 == 0) continue;
            (deltas[j], takerNet[j]) = _moveLeg(maker, taker, feeTo, k, deltas[j], h0);
            unchecked {
                ++j; // at most 32 legs
            }
        }
        _requireShortCap();
        _requireMargins(maker, taker);
        return (0, 0);
    }

    /// @dev One leg of a trade: the receiver pays its fee (bps of what it receives, rounded down in the
    /// payer's favour) to the fee recipient.
    function _moveLeg(
        address maker,
        address taker,
        address feeTo,
        uint256 k,
        int256 g,
        uint256 h0
    ) private returns (int256 mNet, int256 tNet) {
        if ((_ml().closedLegs >> k) & 1 == 1) revert LegClosed(k);
        int256 fee;
        if (g > 0) {
            // Safe casts: 0 < g <= MAX_AMOUNT; the fee is below g.
            fee = int256(FeeMath.feeDown(uint256(g), _makerBps(h0)));
            (mNet, tNet) = (g - fee, -g);
        } else {
            fee = int256(FeeMath.feeDown(uint256(-g), _takerBps(h0)));
            (mNet, tNet) = (g, -g - fee);
        }
        _addAllocation(maker, k, mNet);
        _addAllocation(taker, k, tNet);
        if (fee != 0) _addAllocation(feeTo, k, fee);
    }

    /// @dev The margin rule for both parties of a trade, at one read of the oracle prices.
    function _requireMargins(address maker, address taker) private {
        MarginStorage.Layout storage m = _ml();
        bool makerShort = m.negMask[maker] != 0;
        bool takerShort = m.negMask[taker] != 0;
        if (!makerShort && !takerShort) return;
        uint256[] memory p = _liveUnitValues();
        if (makerShort) _requireMargin(maker, p);
        if (takerShort) _requireMargin(taker, p);
    }

    /// @dev Concentration cap on every short leg, the initial margin and the minimum short equity
    /// ({MarginModule.checkMargin}, a view run in the module).
    function _requireMargin(address account, uint256[] memory p) private {
        _delegateModule(abi.encodeWithSignature("checkMargin(address,uint256[])", account, p));
    }

    // ------------------------------------------------------------------ liquidation

    /// @notice Liquidates a short `account` whose worst stressed equity is below the maintenance margin (bps
    /// of its gross exposure) at the latest oracle prices. The caller takes over the account's whole allocation
    /// vector and pays the account, in cash-leg units from its own allocation, the account's equity minus the
    /// penalty (`liquidationPenaltyBps` of the gross exposure), floored at zero. Everything moves inside the
    /// pool; the caller must then meet the initial margin itself. Anyone who may trade may call, during trading.
    /// @return compensation Cash-leg units paid to the liquidated account.
    function liquidate(address account) external nonReentrant onlyClone returns (uint256 compensation) {
        uint256 h0 = _requireTrading();
        if (account == msg.sender) revert SelfFill(msg.sender);
        address feeTo = _feeRecipient(h0);
        if (msg.sender == feeTo) revert FeeRecipientCannotTrade(feeTo);
        _requireCanTrade(msg.sender, h0);
        uint256 n = _nLegs(h0);
        _checkpointLegs(account, (1 << n) - 1, n);
        _checkpointLegs(msg.sender, (1 << n) - 1, n);
        uint256[] memory p = _liveUnitValues();
        int256 equity;
        int256 stressed;
        uint256 penalty;
        (equity, stressed, penalty, compensation) = abi.decode(
            _delegateModule(abi.encodeWithSignature("liquidationTerms(address,uint256[])", account, p)),
            (int256, int256, uint256, uint256)
        );
        emit Liquidated(account, msg.sender, equity, stressed, penalty, compensation);
        _takeOver(account, msg.sender, _ml().cashLeg, compensation, n);
        // The cap once the whole vector moved: the liquidator may join the set before the account leaves it.
        _requireShortCap();
        if (_ml().negMask[msg.sender] != 0) _requireMargin(msg.sender, p);
    }

    /// @dev Moves `account`'s whole vector to `liquidator`, except `compensation` cash-leg units it keeps.
    function _takeOver(address account, address liquidator, uint256 j, uint256 compensation, uint256 n) private {
        for (uint256 k; k < n; ++k) {
            int256 x = _allocation(account, k, n);
            // Safe cast: compensation <= equity / p_j, within the allocation range.
            if (k == j) x -= int256(compensation);
            if (x == 0) continue;
            _addAllocation(account, k, -x);
            _addAllocation(liquidator, k, x);
        }
    }

    // ------------------------------------------------------------------ dividends

    /// @notice Brings `account`'s dividends up to date on every leg that paid one: a long's accrual becomes
    /// claimable ({MarginModule.claimDividends}), a short's debt is paid from its cash-leg allocation. A short of
    /// a leg closed by cash in lieu, having paid the leg's value, is cleared (its allocation of that leg set to
    /// zero, and it leaves the short set if it holds no other short). Anyone may call; the result does not
    /// depend on when or by whom.
    function checkpoint(address account) external onlyClone {
        uint256 n = _legCount();
        _checkpointLegs(account, (1 << n) - 1, n);
        MarginStorage.Layout storage m = _ml();
        uint256 closedShort = m.negMask[account] & m.closedLegs;
        for (uint256 k; closedShort >> k != 0; ++k) {
            if ((closedShort >> k) & 1 == 1) _addAllocation(account, k, -_allocation(account, k, n));
        }
    }

    // ------------------------------------------------------------------ settlement and claims

    /// @notice Settles the session at the organiser's fallback fixings ({MarginModule.proposeFixing}) once
    /// their dispute window passed undisputed. Permissionless.
    function finalizeFixing() external nonReentrant onlyClone {
        _finalizeProposal(_ml());
    }

    function _finalizeProposal(MarginStorage.Layout storage m) private {
        uint256 at = m.proposedAt;
        if (at == 0 || m.disputer != address(0) || status != Status.Open) revert NoProposal();
        uint256 end = at + m.disputeWindow;
        if (block.timestamp <= end) revert DisputeWindow(block.timestamp, end);
        status = Status.Settled;
        _onSettle(m.proposed);
        emit SessionSettled(block.timestamp);
    }

    function _fixings(uint256 t2, uint80[][] memory hints) internal view override returns (uint256[] memory) {
        return oracle().fixMasked(fixingSpecs(), t2, hints, _ml().closedLegs);
    }

    /// @dev The fallback path after the deadline: an undisputed proposal settles at its fixings once its
    /// dispute window passed (as {finalizeFixing}, so Chainlink Automation can finish it); a disputed one
    /// releases at once; with no proposal, release waits for the proposal window.
    function _releaseFallback() internal override {
        MarginStorage.Layout storage m = _ml();
        if (m.proposedAt != 0 && m.disputer == address(0)) return _finalizeProposal(m);
        (, , uint256 deadline, ) = windows();
        uint256 end = deadline + m.disputeWindow;
        if (m.disputer == address(0) && block.timestamp <= end) revert ReleaseNotYet(block.timestamp, end);
        super._releaseFallback();
    }

    /// @dev Mirrors {_releaseFallback} without reverting, for {checkUpkeep} (which has checked that the session
    /// is open, so no dispute happened: a dispute releases at once).
    function _fallbackDue() internal view override returns (bool) {
        MarginStorage.Layout storage m = _ml();
        uint256 from = m.proposedAt; // the proposal's window, else the proposal window after the deadline
        if (from == 0) (, , from, ) = windows();
        return block.timestamp > from + m.disputeWindow;
    }

    /// @dev Settled: the account's value `x_i.S` (fee recipient: the insurance left after the gap; negative:
    /// nothing; positive: scaled by V/P when the insurance fell short) as a share of every leg's basket.
    /// Released: shares/totalShares of every leg's basket.
    function _payout(address account, address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        MarginStorage.Layout storage m = _ml();
        uint256 num;
        uint256 den;
        if (status == Status.Settled) {
            num = abi.decode(_delegateModule(abi.encodeWithSignature("claimValueOf(address)", account)), (uint256));
            den = m.basketValueE36;
            m.claimedValueE36 += num;
        } else {
            num = _accounts[account].shares;
            den = totalShares;
            m.claimedShares += num;
        }
        if (num == 0) revert NothingToClaim(account);
        for (uint256 k; k < n; ++k) {
            uint256 amt = Math.mulDiv(num, _basketTokens(k, n), den); // rounded down, in the pool's favour
            if (amt == 0) continue;
            amounts[k] = amt;
            paid[k] += amt;
            _push(_legToken(k), to, amt);
        }
    }

    /// @dev After the claim deadline: every leg's token balance beyond what the unclaimed value (or shares) can
    /// still claim, rounded up, and on the cash leg beyond the dividend reserve and the fee recipient's bonds,
    /// goes to the fee recipient: the claims' rounding dust and any surplus the pool holds above what it owes
    /// (a split's rounding, donations), so nothing is stranded.
    function _sweep(address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        MarginStorage.Layout storage m = _ml();
        (uint256 left, uint256 den) = status == Status.Settled
            ? (m.basketValueE36 - m.claimedValueE36, m.basketValueE36)
            : (totalShares - m.claimedShares, totalShares);
        for (uint256 k; k < n; ++k) {
            uint256 keep = den == 0 ? 0 : Math.mulDiv(left, _basketTokens(k, n), den, Math.Rounding.Ceil);
            if (k == m.cashLeg) keep += m.dividendReserve + m.bonds[to];
            address token = _legToken(k);
            uint256 have = IERC20(token).balanceOf(address(this));
            if (have <= keep) continue;
            // Safe: have > keep in the branch.
            uint256 avail = have - keep;
            swept[k] += avail;
            amounts[k] = avail;
            _push(token, to, avail);
        }
    }
}
