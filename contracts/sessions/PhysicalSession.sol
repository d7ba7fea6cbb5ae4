// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPoolSession, ISessionPool} from "./ISessionPool.sol";
import {SessionCore} from "./SessionCore.sol";
import {SessionMath} from "./SessionMath.sol";
import {SettlementMode, Status} from "./SessionTypes.sol";

/// @title PhysicalSession
/// @notice A session whose legs are ERC-20 tokens held by the pool. Allocations x_i are token units and never
/// negative; fees are allocation moved to the fee recipient in the leg the payer receives. Claims deliver x_i
/// in kind, or a value-weighted share x_i.S / q.S of every leg's holdings, per the session's mode.
contract PhysicalSession is SessionCore, IPoolSession {
    /// @notice q.S at settlement in 1e36 quote units (value-weighted mode only): the claim denominator.
    uint256 public basketValueE36;

    /// @notice Swaps the caller's allocation with a pool's ({ISessionPool}, e.g. a {SessionAmm}): the caller
    /// gives leg `legIn` and receives leg `legOut`, at the amounts the pool answers. Exact-in (`exactOut`
    /// false): gives `amount`, receives at least `limit`. Exact-out: receives `amount` (gross), gives at most
    /// `limit`. Fees as in a fill of the caller's order by the pool: the caller pays the maker fee on what it
    /// receives, the pool the taker fee on what it receives. Emits {Traded} with a zero digest (no order).
    /// @dev The caller moves only its own allocation; the pool's moves only by its answer, and the session
    /// still checks both allocations, the window, the pause and participation. The pool is called before any
    /// state change, with the re-entry guard held.
    function swapWithPool(
        ISessionPool pool,
        uint256 legIn,
        uint256 legOut,
        uint256 amount,
        uint256 limit,
        bool exactOut
    ) external nonReentrant onlyClone returns (uint256 amountIn, uint256 amountOut) {
        uint256 h0 = _requireTrading();
        if (address(pool) == msg.sender) revert SelfFill(msg.sender);
        if (address(pool).code.length == 0) revert NotAPool(address(pool));
        if (amount == 0) revert ZeroFill();
        uint256 n = _nLegs(h0);
        if (legIn == legOut || legIn >= n || legOut >= n) revert BadSwapLegs(legIn, legOut, n);
        _requireParties(msg.sender, address(pool), h0);
        (amountIn, amountOut) = _askPool(address(pool), legIn, legOut, amount, exactOut);
        if (
            amountIn == 0 ||
            amountOut == 0 ||
            amountIn > SessionMath.MAX_AMOUNT ||
            amountOut > SessionMath.MAX_AMOUNT ||
            (exactOut ? (amountOut != amount || amountIn > limit) : (amountIn != amount || amountOut < limit))
        ) revert PoolOutsideLimit(address(pool), amountIn, amountOut, limit);
        // Safe casts: both amounts are at most MAX_AMOUNT (< 2^127), checked just above.
        int256[] memory gross = _newDeltas(2);
        (gross[0], gross[1]) =
            legIn < legOut ? (-int256(amountIn), int256(amountOut)) : (int256(amountOut), -int256(amountIn));
        _trade(bytes32(0), msg.sender, address(pool), (1 << legIn) | (1 << legOut), gross, WAD, h0);
    }

    /// @dev `ISessionPool.onSessionSwap.selector`, for the call encoded in assembly below.
    uint256 private constant ON_SESSION_SWAP = 0x1234dfe3;

    /// @dev Calls `pool.onSessionSwap(msg.sender, legIn, legOut, amount, exactOut, reserveIn, reserveOut)` with
    /// the pool's own allocations of the two legs as its reserves (reading them here also warms the words the
    /// trade then moves), and bubbles up the pool's revert. Encoded by hand: the high-level call needs more
    /// stack than the function has. The pool has code (checked by the caller); an answer shorter than two
    /// words reads as (0, 0), which the caller refuses.
    function _askPool(
        address pool,
        uint256 legIn,
        uint256 legOut,
        uint256 amount,
        bool exactOut
    ) private returns (uint256 amountIn, uint256 amountOut) {
        uint256 p;
        assembly ("memory-safe") {
            p := mload(0x40)
            mstore(0x40, add(p, 0xe4)) // the call's arguments, allocated
            mstore(p, shl(224, ON_SESSION_SWAP))
            mstore(add(p, 0x04), caller())
            mstore(add(p, 0x24), legIn)
            mstore(add(p, 0x44), legOut)
            mstore(add(p, 0x64), amount)
            mstore(add(p, 0x84), exactOut)
        }
        // Physical allocations are never negative: the session refuses to move one below zero. The leg count
        // argument is 0: the physical layout does not use it (one more local would not fit the stack).
        uint256 r = uint256(_allocation(pool, legIn, 0));
        assembly ("memory-safe") {
            mstore(add(p, 0xa4), r)
        }
        r = uint256(_allocation(pool, legOut, 0));
        assembly ("memory-safe") {
            mstore(add(p, 0xc4), r)
            if iszero(call(gas(), pool, 0, p, 0xe4, 0, 0x40)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if iszero(lt(returndatasize(), 0x40)) {
                amountIn := mload(0)
                amountOut := mload(0x20)
            }
        }
    }

    /// @notice `account`'s allocations of legs `a` and `b` (leg units): two entries of {allocationOf}, read
    /// alone (a pool's reserves for a swap).
    function allocationPair(address account, uint256 a, uint256 b) external view returns (int256 xa, int256 xb) {
        uint256 n = _legCount();
        if (a >= n || b >= n) revert BadSwapLegs(a, b, n);
        return (_allocation(account, a, n), _allocation(account, b, n));
    }

    function _valueScale(uint256 k, uint256 priceWad) internal view returns (int256) {
        // Safe cast: decimals <= 18 (checked at creation), price from a feed normalised to WAD.
        return int256(priceWad * 10 ** (18 - _legDecimals(k)));
    }

    function _allocation(address account, uint256 k, uint256) internal view override returns (int256) {
        return SessionMath.getHalf(_alloc[account][k >> 1], k & 1);
    }

    function _addAllocation(address account, uint256 k, int256 delta) private {
        uint256 w = _alloc[account][k >> 1];
        _alloc[account][k >> 1] = SessionMath.setHalf(w, k & 1, SessionMath.getHalf(w, k & 1) + delta);
    }

    function _onSubscribe(
        address account,
        uint256 shares,
        uint256 totalAfter
    ) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 u = _unit(n, k);
            // The whole basket must stay within the int128 allocation range (one account may come to hold it).
            if (totalAfter * u > SessionMath.MAX_AMOUNT) revert SessionMath.AmountOutOfRange(int256(totalAfter * u));
            uint256 amt = shares * u;
            amounts[k] = amt;
            _pullExact(_legToken(k), account, amt);
            // Safe cast: amt <= totalAfter * u <= MAX_AMOUNT.
            _addAllocation(account, k, int256(amt));
        }
    }

    function _onRedeem(address account, uint256 shares, uint256) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 amt = shares * _unit(n, k);
            amounts[k] = amt;
            // Before t1 no trade has happened, so x_i = shares_i * u >= amt: no underflow.
            // Safe cast: amt <= the subscribed basket, within int128.
            _addAllocation(account, k, -int256(amt));
            _push(_legToken(k), account, amt);
        }
    }

    /// @dev Per set leg (ascending): the receiver pays its fee (bps of what it receives, rounded down in the
    /// payer's favour) to the fee recipient; the giver must hold what it gives. Word by word (two neighbouring legs
    /// share a storage word): the nets of the word's legs, then each account's word read and written once, the
    /// fee recipient's only when a fee is due (see {_moveAllocations}).
    function _applyTrade(
        address maker,
        address taker,
        uint256 legs,
        int256[] memory deltas,
        int256[] memory takerNet,
        uint256 h0
    ) internal override returns (uint256, uint256) {
        _moveAllocations(
            maker,
            taker,
            _feeRecipient(h0),
            legs,
            deltas,
            takerNet,
            (_makerBps(h0) << 128) | _takerBps(h0)
        );
        return (0, 0);
    }

    /// @dev Turns each gross change into the two nets, in place: on a leg the maker receives (g > 0) it pays
    /// `makerBps` of g and the taker gives g; on a leg the taker receives (-g) it pays `takerBps` of -g; each fee
    /// rounded down, in the payer's favour (as FeeMath.feeDown). `bps` packs the maker's rate above bit 128 and the
    /// taker's below. Then adds the nets to the maker's and the taker's allocations and the fees, -(maker's net +
    /// taker's net), to the fee recipient's, word by word (leg k is half k & 1 of word k >> 1): the maker's, then
    /// the taker's, then the fee recipient's. No overflow: |g| <= MAX_AMOUNT < 2^127 (a fill's amounts and a
    /// pool's answer are range-checked) and each rate is at most 500 bps. A giver short of what it gives reverts
    /// with `InsufficientAllocation(account, leg, have, need)`; a new allocation above MAX_AMOUNT with
    /// `AmountOutOfRange` (as `SessionMath.setHalf`; unreachable while the basket stays within MAX_AMOUNT, kept as a
    /// guard). Maker, taker and fee recipient are three different accounts (checked by the callers), so each word
    /// is read once. In assembly: the same steps in Solidity kept a cursor in memory and cost ~2.5k more a fill.
    function _moveAllocations(
        address maker,
        address taker,
        address feeTo,
        uint256 legs,
        int256[] memory deltas,
        int256[] memory takerNet,
        uint256 bps
    ) private {
        assembly ("memory-safe") {
            // The gross change at `q` becomes the maker's net there and the taker's at `q + gap`.
            function netsAt(q, gap, rates) {
                let g := mload(q)
                if sgt(g, 0) {
                    mstore(q, sub(g, div(mul(g, shr(128, rates)), 10000))) // 10,000 = FeeMath.BPS
                    mstore(add(q, gap), sub(0, g))
                }
                if slt(g, 0) {
                    let a := sub(0, g)
                    mstore(add(q, gap), sub(a, div(mul(a, and(rates, 0xffffffffffffffffffffffffffffffff)), 10000)))
                }
            }
            // keccak256(account . _alloc.slot): the account's inner mapping. An address reaches assembly as it
            // lies on the stack, possibly with dirty upper bits (the fee recipient is cut from a packed word), so it
            // is cleaned here (and by `failShort` for its report).
            function innerOf(account) -> inner {
                mstore(0x00, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
                mstore(0x20, _alloc.slot)
                inner := keccak256(0x00, 0x40)
            }
            function wordSlot(inner, word) -> slot {
                mstore(0x00, word)
                mstore(0x20, inner)
                slot := keccak256(0x00, 0x40)
            }
            function failShort(account, leg, have, need) {
                let e := mload(0x40) // the error is built above the free pointer
                mstore(e, shl(224, 0xc1fb969e)) // InsufficientAllocation(address,uint256,int256,int256)
                mstore(add(e, 0x04), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
                mstore(add(e, 0x24), leg)
                mstore(add(e, 0x44), have)
                mstore(add(e, 0x64), need)
                revert(e, 0x84)
            }
            function failRange(v) {
                let e := mload(0x40)
                mstore(e, shl(224, 0x740614ab)) // SessionMath.AmountOutOfRange(int256)
                mstore(add(e, 0x04), v)
                revert(e, 0x24)
            }
            // Half `leg & 1` of `w` plus `d`; the result must lie in [0, MAX_AMOUNT].
            function addHalf(w, leg, d, account) -> nw {
                let shift := shl(7, and(leg, 1))
                let have := signextend(15, shr(shift, w))
                let v := add(have, d) // |have|, |d| < 2^128: no overflow
                if slt(v, 0) {
                    failShort(account, leg, have, sub(0, d))
                }
                if sgt(v, 0x7fffffffffffffffffffffffffffffff) {
                    failRange(v)
                }
                nw := or(and(w, not(shl(shift, 0xffffffffffffffffffffffffffffffff))), shl(shift, v))
            }
            // Adds one or two consecutive nets from `p` on to `account`'s word `word` (`pair` bit 0: leg 2 word,
            // bit 1: leg 2 word + 1), read and written once.
            function creditWord(inner, word, pair, p, account) {
                let slot := wordSlot(inner, word)
                let w := sload(slot)
                let leg := shl(1, word)
                if and(pair, 1) {
                    w := addHalf(w, leg, mload(p), account)
                    p := add(p, 0x20)
                }
                if and(pair, 2) {
                    w := addHalf(w, or(leg, 1), mload(p), account)
                }
                sstore(slot, w)
            }
            // The fee recipient's gain on each leg of the word: -(maker's net + taker's net); its word is touched
            // only when one of them is not zero.
            function creditFees(word, pair, p, gap, recipient) {
                let fee0 := 0
                let fee1 := 0
                if and(pair, 1) {
                    fee0 := sub(0, add(mload(p), mload(add(p, gap))))
                    p := add(p, 0x20)
                }
                if and(pair, 2) {
                    fee1 := sub(0, add(mload(p), mload(add(p, gap))))
                }
                if or(fee0, fee1) {
                    let slot := wordSlot(innerOf(recipient), word)
                    let leg := shl(1, word)
                    sstore(slot, addHalf(addHalf(sload(slot), leg, fee0, recipient), or(leg, 1), fee1, recipient))
                }
            }
            let mInner := innerOf(maker)
            let tInner := innerOf(taker)
            let gap := sub(takerNet, deltas) // the taker's net of a leg lies `gap` bytes after the maker's
            let p := add(deltas, 0x20)
            for {
                let word := 0
            } shr(shl(1, word), legs) {
                word := add(word, 1)
            } {
                let pair := and(shr(shl(1, word), legs), 3)
                if pair {
                    if and(pair, 1) {
                        netsAt(p, gap, bps)
                    }
                    if and(pair, 2) {
                        netsAt(add(p, shl(5, and(pair, 1))), gap, bps)
                    }
                    creditWord(mInner, word, pair, p, maker)
                    creditWord(tInner, word, pair, add(p, gap), taker)
                    creditFees(word, pair, p, gap, feeTo)
                    p := add(p, shl(5, add(and(pair, 1), shr(1, pair)))) // one word a set leg
                }
            }
        }
    }

    function _onSettle(uint256[] memory prices) internal override {
        uint256 n = prices.length;
        uint256 h0 = _argWord(0);
        bool weighted = _mode(h0) == SettlementMode.ValueWeighted;
        uint256 total;
        uint256 shares = totalShares;
        for (uint256 k; k < n; ++k) {
            settlementPrice[k] = prices[k];
            emit LegFixed(k, prices[k], prices[k]);
            // Safe cast: _valueScale is non-negative.
            if (weighted) total += shares * _unit(n, k) * uint256(_valueScale(k, prices[k]));
        }
        if (weighted) basketValueE36 = total;
    }

    function _payout(address account, address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        bool weighted = status == Status.Settled && _mode(_argWord(0)) == SettlementMode.ValueWeighted;
        uint256 denom = basketValueE36;
        uint256 v;
        bool any;
        if (weighted) {
            for (uint256 k; k < n; ++k) {
                // Safe cast: physical allocations are never negative.
                v += uint256(_allocation(account, k, n)) * uint256(_valueScale(k, settlementPrice[k]));
            }
        }
        for (uint256 k; k < n; ++k) {
            uint256 amt;
            if (weighted) {
                uint256 q = totalShares * _unit(n, k);
                amt = Math.mulDiv(v, q, denom); // rounded down: dust stays accounted in `remainder`
                remainder[k] += mulmod(v, q, denom);
            } else {
                // Safe cast: physical allocations are never negative.
                amt = uint256(_allocation(account, k, n));
            }
            if (amt != 0) {
                any = true;
                amounts[k] = amt;
                paid[k] += amt;
                _push(_legToken(k), to, amt);
            }
        }
        if (!any) revert NothingToClaim(account);
    }

    function _sweep(address to) internal override returns (uint256[] memory amounts) {
        uint256 n = _legCount();
        amounts = new uint256[](n);
        uint256 denom = basketValueE36;
        if (denom == 0) return amounts; // in kind: claims are exact, no dust
        for (uint256 k; k < n; ++k) {
            uint256 avail = remainder[k] / denom - swept[k];
            if (avail != 0) {
                swept[k] += avail;
                amounts[k] = avail;
                _push(_legToken(k), to, avail);
            }
        }
    }

    /// @notice Token units the pool owes per leg under its accounting: the basket q_k minus claims and sweeps.
    function obligations(uint256 k) external view returns (uint256) {
        return totalShares * _unit(_legCount(), k) - paid[k] - swept[k];
    }
}
