// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {FeeMath} from "../shared/fees/FeeMath.sol";
import {SessionCore} from "./SessionCore.sol";
import {SessionMath} from "./SessionMath.sol";
import {Status} from "./SessionTypes.sol";

/// @title CashSession
/// @notice A session on reference prices with a declared box [floor_k, cap_k] per leg. The pool holds one
/// collateral token; a share deposits sum_k u_k*cap_k. Storage keeps each account's deviation d_i = x_i - b_i
/// (WAD units, may be negative) and its worst case W_i = sum_k min(d_ik*floor_k, d_ik*cap_k) (1e36 units),
/// updated per traded leg, so the margin rule `deposit_i + W_i >= 0` costs O(legs traded).
/// Payout at t2: deposit_i + d_i . clamp(S), in collateral units, rounded down; the remainders are accounted.
contract CashSession is SessionCore {
    using SafeCast for uint256;

    /// @notice Worst-case deviation value W_i of each account over the price box (1e36 quote units).
    mapping(address account => int256) public worstCaseE36;
    /// @notice Collateral units deposited by all accounts (fees move between deposits, never change it).
    uint256 public totalDeposit;

    /// @dev 1e36-units of value per collateral token unit: 10^(36 - decimals).
    function _perToken() internal view returns (uint256) {
        return 10 ** (36 - ((_argWord(3) >> 160) & 0xff));
    }

    function _collateral() internal view returns (address) {
        return address(uint160(_argWord(3)));
    }

    function _deviation(address account, uint256 k) private view returns (int256) {
        return SessionMath.getHalf(_alloc[account][k >> 1], k & 1);
    }

    function _allocation(address account, uint256 k, uint256 n) internal view override returns (int256) {
        // Safe cast: shares * unit is bounded by the int128 check at subscription.
        return int256(uint256(_accounts[account].shares) * _unit(n, k)) + _deviation(account, k);
    }

    /// @notice Collateral units one subscription of `shares` deposits: ceil(shares * sum_k u_k*cap_k / 1e36 *
    /// 10^decimals), rounded up against the depositor so the pool is funded at every corner of the box.
    function depositFor(uint256 shares) public view returns (uint256) {
        uint256 n = _legCount();
        uint256 perShare;
        for (uint256 k; k < n; ++k) {
            (, uint256 cap) = _box(n, k);
            perShare += _unit(n, k) * cap;
        }
        uint256 per = _perToken();
        return (shares * perShare + per - 1) / per;
    }

    function _onSubscribe(
        address account,
        uint256 shares,
        uint256 totalAfter
    ) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        for (uint256 k; k < n; ++k) {
            uint256 q = totalAfter * _unit(n, k);
            if (q > SessionMath.MAX_AMOUNT) revert SessionMath.AmountOutOfRange(int256(q));
        }
        uint256 dep = depositFor(shares);
        _pullExact(_collateral(), account, dep);
        Account storage a = _accounts[account];
        a.deposit = (a.deposit + dep).toUint112();
        totalDeposit += dep;
        amounts = new uint256[](1);
        amounts[0] = dep;
    }

    function _onRedeem(
        address account,
        uint256 shares,
        uint256 sharesBefore
    ) internal override returns (uint256[] memory amounts) {
        Account storage a = _accounts[account];
        uint256 dep = a.deposit;
        // All shares: the whole deposit; otherwise pro rata, rounded down (the rest stays with the account).
        uint256 refund = shares == sharesBefore ? dep : (dep * shares) / sharesBefore;
        // Narrowing cast: refund <= dep, which fits uint112.
        a.deposit = uint112(dep - refund);
        totalDeposit -= refund;
        _push(_collateral(), account, refund);
        amounts = new uint256[](1);
        amounts[0] = refund;
    }

    /// @dev Deviations move by the gross amounts (no fee in legs); fees are bps of the cap-notional each party
    /// receives, in collateral units rounded down (favours the payer), moved from its deposit to the fee
    /// recipient's. Both parties must then pass the worst-case margin rule.
    function _applyTrade(
        address maker,
        address taker,
        uint256 legs,
        int256[] memory deltas,
        int256[] memory takerNet,
        uint256 h0
    ) internal override returns (uint256 makerFee, uint256 takerFee) {
        uint256 n = _nLegs(h0);
        TradeTotals memory t = TradeTotals(worstCaseE36[maker], worstCaseE36[taker], 0, 0);
        uint256 j;
        for (uint256 k; legs >> k != 0; ++k) {
            if ((legs >> k) & 1 == 0) continue;
            int256 g = deltas[j]; // also the maker's net change: fees are paid in collateral
            takerNet[j] = -g;
            _moveLeg(maker, taker, k, g, n, t);
            unchecked {
                ++j; // at most 32 legs
            }
        }
        worstCaseE36[maker] = t.worstMaker;
        worstCaseE36[taker] = t.worstTaker;
        uint256 per = _perToken();
        makerFee = FeeMath.feeDown(t.makerBase / per, _makerBps(h0));
        takerFee = FeeMath.feeDown(t.takerBase / per, _takerBps(h0));
        _chargeAndCheck(maker, makerFee, t.worstMaker, per);
        _chargeAndCheck(taker, takerFee, t.worstTaker, per);
        if (makerFee + takerFee != 0) {
            Account storage f = _accounts[_feeRecipient(h0)];
            f.deposit = (f.deposit + makerFee + takerFee).toUint112();
        }
    }

    /// @dev Running totals of one trade: both worst cases (1e36 units) and the cap-notional each side receives.
    struct TradeTotals {
        int256 worstMaker;
        int256 worstTaker;
        uint256 makerBase;
        uint256 takerBase;
    }

    function _moveLeg(address maker, address taker, uint256 k, int256 g, uint256 n, TradeTotals memory t) private {
        (uint256 floor, uint256 cap) = _box(n, k);
        int256 dm = _deviation(maker, k);
        int256 dt = _deviation(taker, k);
        t.worstMaker += SessionMath.worstValue(dm + g, floor, cap) - SessionMath.worstValue(dm, floor, cap);
        t.worstTaker += SessionMath.worstValue(dt - g, floor, cap) - SessionMath.worstValue(dt, floor, cap);
        _setDeviation(maker, k, dm + g);
        _setDeviation(taker, k, dt - g);
        // Safe casts: |g| <= MAX_AMOUNT.
        if (g > 0) t.makerBase += uint256(g) * cap;
        else t.takerBase += uint256(-g) * cap;
    }

    function _setDeviation(address account, uint256 k, int256 d) private {
        uint256 w = _alloc[account][k >> 1];
        _alloc[account][k >> 1] = SessionMath.setHalf(w, k & 1, d);
    }

    function _chargeAndCheck(address account, uint256 fee, int256 worst, uint256 per) private {
        Account storage a = _accounts[account];
        uint256 dep = a.deposit;
        // Safe casts: deposits fit uint112, per <= 1e36, so the products fit int256.
        int256 worstCase = int256(dep * per) - int256(fee * per) + worst;
        if (fee > dep || worstCase < 0) revert InsufficientMargin(account, worstCase);
        // Narrowing cast: fee <= dep.
        if (fee != 0) a.deposit = uint112(dep - fee);
    }

    /// @notice Deposit plus worst-case deviation value of `account` (1e36 quote units); never negative.
    function marginE36(address account) external view returns (int256) {
        // Safe cast: deposits fit uint112.
        return int256(uint256(_accounts[account].deposit) * _perToken()) + worstCaseE36[account];
    }

    function _onSettle(uint256[] memory prices) internal override {
        uint256 n = prices.length;
        for (uint256 k; k < n; ++k) {
            (uint256 floor, uint256 cap) = _box(n, k);
            uint256 p =
                prices[k] < floor
                    ? floor
                    : prices[k] > cap
                        ? cap
                        : prices[k];
            settlementPrice[k] = p;
            emit LegFixed(k, prices[k], p);
        }
    }

    /// @notice What `account` would be paid now (collateral units) and the rounding remainder (1e36 units).
    function payoutOf(address account) public view returns (uint256 amount, uint256 rem) {
        uint256 dep = _accounts[account].deposit;
        if (status != Status.Settled) return (dep, 0);
        uint256 n = _legCount();
        uint256 per = _perToken();
        // Safe cast: deposits fit uint112 and per <= 1e36.
        int256 v = int256(dep * per);
        for (uint256 k; k < n; ++k) {
            int256 d = _deviation(account, k);
            // Safe cast: settlement prices are clamped to cap <= 1e30.
            if (d != 0) v += d * int256(settlementPrice[k]);
        }
        // The margin rule keeps v >= 0 at every price in the box, and settlement prices are clamped into it.
        // Safe cast: v >= 0.
        uint256 uv = uint256(v);
        return (uv / per, uv % per);
    }

    function _payout(address account, address to) internal override returns (uint256[] memory amounts) {
        (uint256 amount, uint256 rem) = payoutOf(account);
        if (amount == 0 && rem == 0) revert NothingToClaim(account);
        remainder[0] += rem;
        paid[0] += amount;
        _push(_collateral(), to, amount);
        amounts = new uint256[](1);
        amounts[0] = amount;
    }

    function _sweep(address to) internal override returns (uint256[] memory amounts) {
        amounts = new uint256[](1);
        uint256 avail = remainder[0] / _perToken() - swept[0];
        if (avail != 0) {
            swept[0] += avail;
            amounts[0] = avail;
            _push(_collateral(), to, avail);
        }
    }
}
