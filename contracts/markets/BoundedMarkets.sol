// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {OrderSigning} from "../shared/orders/OrderSigning.sol";
import {MarketStorage} from "./MarketStorage.sol";
import {MarketErrors as E} from "./libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "./libraries/MarketEvents.sol";
import {Order, MarketOrders, IMMEDIATE_OR_CANCEL, POST_ONLY} from "./libraries/MarketOrders.sol";

/// @title BoundedMarkets
/// @notice The singleton core of the bounded-payoff market family (seeds 001/002). It holds every root (one
/// uncertain outcome X), every market on it (bounded contracts paying `(clamp(X,min,max)-min)/(max-min)` of
/// the unit payoff), every order book and every collateral account. Collateral is cross-margined per trader
/// and collateral token: an order is accepted, and a withdrawal allowed, only if
/// `cash + sum over the trader's roots of worst(root) >= 0`, where worst(root) is the least the trader's
/// positions and open orders on that root can be worth over every outcome still possible (and in the void
/// case). See docs/markets.md for the rules in plain words.
/// @dev Root creation, bounds, settlement and views live in {BoundedMarketsAdmin}, reached through this
/// contract's fallback by delegatecall (one address, one storage; the split keeps each under the EIP-170
/// size limit). Maker fills are credited lazily: a fill writes only the resting order; the maker's position
/// and cash pick it up the next time the maker's state on that root is refreshed (any action of the maker
/// there, a withdrawal, a redemption, or {sync}). Until then the maker's stored worst case stays
/// conservative (a fill never lowers `cash + W(X)` for any X).
contract BoundedMarkets is MarketStorage, OrderSigning, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice The module that serves root creation, bounds, settlement and views (delegate-called).
    address public immutable admin;

    /// @param admin_ A deployed {BoundedMarketsAdmin} (it deploys its own {BoundedMarketsLens}).
    constructor(address admin_) OrderSigning("Ringfence BoundedMarkets", "1") {
        admin = admin_;
    }

    /// @notice Every function not defined here runs in {BoundedMarketsAdmin} on this contract's storage.
    fallback() external {
        address target = admin;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    // ------------------------------------------------------------------ collateral

    /// @notice Credits `amount` of `token` to the caller's account. The caller pays; the contract checks its
    /// balance before and after and rejects any shortfall (fee-on-transfer tokens).
    function deposit(IERC20 token, uint256 amount) external nonReentrant {
        if (amount == 0) revert E.ZeroAmount();
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert E.DepositShortfall(address(token), amount, received);
        Account storage a = _accounts[msg.sender][token];
        a.cash = (int256(a.cash) + amount.toInt256()).toInt128();
        emit Ev.Deposited(msg.sender, address(token), amount);
    }

    /// @notice Pays `amount` of the caller's cash in `token` to `to`. Recomputes every open root of the
    /// caller in this token first (so narrowed bounds and fills count at once), then requires
    /// `cash - amount >= 0` and `cash - amount + sumWorst >= 0`.
    /// @dev The family's only push transfer. It pays only the caller's own cash, after every state change
    /// (checks-effects-interactions, and re-entry guarded); a `to` that cannot receive fails only this call.
    /// `to` may not be zero or this contract (either would lose the caller's funds for good).
    function withdraw(IERC20 token, uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert E.ZeroAmount();
        if (to == address(0) || to == address(this)) revert E.BadRecipient(to);
        Account storage a = _accounts[msg.sender][token];
        uint256 n = a.roots.length;
        for (uint256 i; i < n; ++i) {
            uint256 rootId = a.roots[i];
            _refresh(msg.sender, rootId, _roots[rootId], a, 0, false, _noDelta());
        }
        int256 cash = a.cash;
        if (cash < amount.toInt256()) revert E.InsufficientCash(msg.sender, address(token), cash, amount);
        cash -= int256(amount); // amount <= cash < 2^127, checked just above
        a.cash = cash.toInt128();
        _requireCovered(msg.sender, address(token), cash, a.sumWorst);
        token.safeTransfer(to, amount);
        emit Ev.Withdrew(msg.sender, address(token), to, amount);
    }

    /// @notice Credits the caller's filled orders on `rootId` and recomputes its worst case there (releasing
    /// collateral after a narrowing or a fill). Never reverts for lack of collateral.
    function sync(uint256 rootId) external nonReentrant {
        Root storage r = _root(rootId);
        _refresh(msg.sender, rootId, r, _accounts[msg.sender][r.collateral], 0, false, _noDelta());
    }

    // ------------------------------------------------------------------ orders

    /// @notice Submits an order: by its trader (no signature needed) or by anyone carrying the trader's
    /// EIP-712 signature (ERC-1271 for contract wallets). It trades against the opposite side at the resting
    /// orders' prices, best price first and oldest first within a price, over at most `maxLevels` price
    /// levels holding live orders, visiting at most MAX_TOUCH live orders (cancelled entries do not count; at
    /// most MAX_SKIP of them are stepped over); a good-till-cancel remainder then rests. Reverts unless the
    /// trader's collateral covers its worst case afterwards. The trader's own resting orders met on the way
    /// are cancelled (self-trade prevention that never leaves a crossed book).
    /// @dev `maxLevels` is the submitter's gas bound and is not signed: it binds only the trader's own
    /// submissions. When someone else submits and the order still crosses at that bound, the call reverts
    /// with {MarketErrors.RelayedSweepBound} (nothing consumed), so a relayer can never change what a signed
    /// order does. The contract's own bounds (MAX_TOUCH, MAX_SKIP) apply to every order alike.
    /// @param maxLevels Most price levels to trade through (99 covers every level of a side).
    /// @return orderKey The key the remainder rests under (meaningless if nothing rests).
    /// @return traded Contracts traded by this call.
    function place(
        Order calldata o,
        bytes calldata signature,
        uint256 maxLevels
    ) external nonReentrant returns (uint256 orderKey, uint256 traded) {
        Root storage r = _roots[MarketOrders.word(o, 0)]; // _accept checks the root id's encoding and the root
        Take memory t = _newTake()();
        _accept(t, r, o, signature);
        orderKey = t.orderKey;
        uint256 size = t.remaining;
        uint256 orderType = MarketOrders.word(o, 4); // checked by _accept
        if (orderType == POST_ONLY) {
            _requireNoCross(t.marketId, t.isBid, t.limit);
        } else {
            _match(t, maxLevels);
        }
        traded = size - t.remaining;
        _settleTaker(r, t, orderType, traded);
        r.head = t.head; // one write for every record of this order (each event carries its own head)
    }

    /// @notice Checks and accepts an incoming order into `t` (a zeroed {Take}): validity, signature, replay,
    /// and the chain record.
    /// @dev The struct hash checks every field's encoding first; the fields are then read as plain words
    /// ({MarketOrders.word}), without the compiler's check at each access.
    function _accept(Take memory t, Root storage r, Order calldata o, bytes calldata signature) internal {
        bytes32 structHash = MarketOrders.structHash(o);
        {
            uint256 rootId = MarketOrders.word(o, 0);
            uint256 branchId = MarketOrders.word(o, 1);
            uint256 tick = MarketOrders.word(o, 2);
            _requireTrading(r, rootId);
            t.marketId = _marketId(rootId, branchId);
            (int256 min, int256 max) = _boundsOf(t.marketId);
            if (max <= min) revert E.UnknownMarket(rootId, branchId);
            if (tick == 0 || tick >= TICKS) revert E.BadTick(tick, TICKS);
            t.rootId = rootId;
            t.branchId = uint16(branchId);
            t.limit = tick;
        }
        {
            int256 q = int256(MarketOrders.word(o, 3)); // an int64, sign-extended in its word
            if (q == 0 || q > int256(MAX_QUANTITY) || q < -int256(MAX_QUANTITY)) revert E.BadQuantity(q);
            uint256 orderType = MarketOrders.word(o, 4);
            if (orderType > POST_ONLY) revert E.BadOrderType(uint8(orderType));
            t.isBid = q > 0;
            t.remaining = uint256(q > 0 ? q : -q); // |q| <= MAX_QUANTITY, checked above
        }
        t.digest = _orderDigest(structHash);
        t.taker = address(uint160(MarketOrders.word(o, 8)));
        _verifyOrder(
            t.digest,
            t.taker,
            MarketOrders.word(o, 5),
            MarketOrders.word(o, 6),
            address(0),
            msg.sender,
            signature
        );
        _consumeOnce(t.digest, t.taker, MarketOrders.word(o, 7), t.remaining);
        t.levelKey = (t.marketId << 8) | t.limit;
        t.orderKey = (t.levelKey << 32) | _levels[t.levelKey].tail;
        t.head = _chain4(_rootWord(r, 3), REC_ACCEPT, uint256(t.digest), t.orderKey); // word 3: the head
        _logAccepted(o, signature, t.digest, t.orderKey, t.head);
        uint256 w1 = _rootWord(r, 1); // collateral and unitScale in one read
        t.collateral = address(uint160(w1));
        t.scale = uint64(w1 >> 160);
    }

    /// @dev Emits {MarketEvents.OrderAccepted} from scratch memory above the free pointer, copying the order's
    /// fields and the signature straight from calldata (the ABI encoder would copy and clean each again).
    /// {MarketOrders.structHash} has already checked every field's encoding. The same log as `emit
    /// Ev.OrderAccepted(o.rootId, digest, o.trader, orderKey, o.quantity, o.orderType, o.expiry, o.nonce,
    /// o.salt, signature, msg.sender, head)`.
    function _logAccepted(
        Order calldata o,
        bytes calldata signature,
        bytes32 digest,
        uint256 orderKey,
        bytes32 head
    ) internal {
        bytes32 topic0 = Ev.OrderAccepted.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, orderKey)
            calldatacopy(add(p, 0x20), add(o, 0x60), 0xa0) // quantity, orderType, expiry, nonce, salt
            mstore(add(p, 0xc0), 0x120) // where the signature's bytes start
            mstore(add(p, 0xe0), caller())
            mstore(add(p, 0x100), head)
            let len := signature.length
            mstore(add(p, 0x120), len)
            calldatacopy(add(p, 0x140), signature.offset, len)
            mstore(add(add(p, 0x140), len), 0) // zero the last word's padding
            let size := add(0x140, and(add(len, 31), not(31)))
            log4(p, size, topic0, calldataload(o), digest, calldataload(add(o, 0x100))) // rootId, digest, trader
        }
    }

    /// @notice Books the taker's trades, rests or drops its remainder, and runs its collateral check.
    function _settleTaker(Root storage r, Take memory t, uint256 orderType, uint256 traded) internal {
        Account storage a = _accounts[t.taker][IERC20(t.collateral)];
        TraderRoot storage tr = _traderRoots[t.taker][t.rootId];
        if ((tr.header >> 152) & 1 == 0) _activate(t.taker, t.rootId, r, tr, a);
        Delta memory d;
        d.branch = t.branchId;
        d.scale = int256(t.scale); // a uint64
        int256 cashDelta;
        if (traded > 0) {
            // Premium is exact: traded * tick * unitScale, all integers.
            int256 premium = t.premium.toInt256();
            d.pos = t.isBid ? int256(traded) : -int256(traded); // traded <= 2^48
            d.premium = t.isBid ? premium : -premium;
            cashDelta = -d.premium;
        }
        if (t.remaining > 0) {
            if (orderType != IMMEDIATE_OR_CANCEL && t.stopped == 0) {
                d.ref = _rest(t);
                d.rest = t.isBid ? int256(t.remaining) : -int256(t.remaining); // <= MAX_QUANTITY
            } else {
                uint8 reason = t.stopped != 0 ? t.stopped : REASON_IOC;
                // The incoming order's own remainder: it never rested, so it has no key, only its digest.
                t.head = _reduceRecord(t.head, t.rootId, 0, t.digest, t.taker, t.remaining, reason);
            }
        }
        _refresh(t.taker, t.rootId, r, a, cashDelta, true, d);
    }

    /// @notice Cancels the caller's resting order `orderKey` (a reduction: appended to the root's chain). The
    /// order leaves the book at once; the collateral it held is released at the caller's next refresh of the
    /// root: any action there, {sync}, or a withdrawal (which recomputes every root first). {cancelMarket}
    /// releases at once.
    /// @dev Only the order's trader: the book does not store it, so the caller must list the order among its
    /// own (its order words on the root). Works after expiry and on final roots too, until the trader redeems
    /// there (redeeming clears its lists; a final root trades no more). No recomputation: taking an open order
    /// away can only raise the trader's worst case, so the stored one stays conservative (as after a maker
    /// fill). The refresh that releases it drops the order from the trader's list.
    function cancel(uint256 orderKey) external nonReentrant {
        uint256 rootId = orderKey >> 56; // key = rootId << 56 | branch << 40 | tick << 32 | index
        // No check that the root exists: only an existing root has resting orders, so any other key finds
        // nothing ({MarketErrors.NoSuchOrder}).
        _cancelResting(_roots[rootId], rootId, orderKey, msg.sender, false);
    }

    /// @notice Cancels every resting order of the caller on market (rootId, branchId), or on every market of
    /// the root when `branchId == 0`, and recomputes the caller's worst case there: the collateral they held
    /// is free at once.
    function cancelMarket(uint256 rootId, uint16 branchId) external nonReentrant {
        Root storage r = _root(rootId);
        TraderRoot storage tr = _traderRoots[msg.sender][rootId];
        (uint256 w0, uint256 w1) = _orderWordsOf(tr, tr.header);
        uint256 n = _ordersIn(w0, w1);
        for (uint256 j; j < n; ++j) {
            uint64 ref = _refAt(w0, w1, j);
            if (branchId != 0 && uint16(ref >> 48) != branchId) continue; // top 16 bits of a 64-bit ref
            uint256 key = _refKey(rootId, ref);
            (uint256 rem, ) = _restingOf(key);
            if (rem != 0) _cancelResting(r, rootId, key, msg.sender, true); // the caller's own list
        }
        _refresh(msg.sender, rootId, r, _accounts[msg.sender][r.collateral], 0, false, _noDelta());
    }

    /// @notice Cancels a signed order nobody has submitted yet (a "cache" order). Only its trader.
    function cancelSigned(Order calldata o) external {
        _cancel(_orderDigest(MarketOrders.structHash(o)), o.trader, o.salt);
    }

    /// @notice The EIP-712 digest a trader signs for `o` on this contract and chain.
    function orderDigest(Order calldata o) external view returns (bytes32) {
        return _orderDigest(MarketOrders.structHash(o));
    }

    /// @notice Turns `trader`'s positions on a settled or voided root into cash in its account (pull-based;
    /// anyone may call for anyone, the value only ever goes to the trader's own account).
    /// @return payout Collateral units added to the trader's cash (negative for a short that pays out).
    function redeem(uint256 rootId, address trader) external nonReentrant returns (int256 payout) {
        Root storage r = _root(rootId);
        if (r.status == STATUS_OPEN) revert E.RootNotFinal(rootId);
        TraderRoot storage tr = _traderRoots[trader][rootId];
        if ((tr.header >> 152) & 1 == 0) return 0;
        Account storage a = _accounts[trader][r.collateral];
        _refresh(trader, rootId, r, a, 0, false, _noDelta());
        payout = tr.worst; // on a final root the "worst case" is the exact final value
        _setAccount(a, int256(a.cash) + payout, int256(a.sumWorst) - payout);
        _deactivate(trader, tr, a);
        emit Ev.Redeemed(rootId, trader, payout);
    }

    // ------------------------------------------------------------------ internal: book

    /// @notice Trades `t` against the opposite side, best live level first. Every level with a book bit holds
    /// a live order, so `maxLevels` counts only levels where something can trade.
    function _match(Take memory t, uint256 maxLevels) internal {
        uint256 bits = bookBits[t.marketId];
        uint256 before = bits;
        uint256 levels;
        while (t.remaining > 0 && t.stopped == 0) {
            uint256 best;
            if (t.isBid) {
                uint256 asks = bits >> 128;
                if (asks == 0) break;
                best = _lowestBit(asks);
                if (best > t.limit) break;
            } else {
                uint256 bids = bits & LOW128;
                if (bids == 0) break;
                best = _highestBit(bids);
                if (best < t.limit) break;
            }
            if (t.touched >= MAX_TOUCH) {
                t.stopped = REASON_SWEEP_BOUND;
                break;
            }
            if (levels >= maxLevels) {
                // The submitter's bound, not the trader's: it may stop only the trader's own submission.
                if (msg.sender != t.taker) revert E.RelayedSweepBound(t.digest, msg.sender, maxLevels);
                t.stopped = REASON_SWEEP_BOUND;
                break;
            }
            if (++levels == 1) _loadOwn(t);
            if (_sweepLevel(t, best)) {
                bits &= ~(uint256(1) << (t.isBid ? best + 128 : best));
            }
        }
        if (bits != before) bookBits[t.marketId] = bits;
    }

    /// @notice Reads the taker's own open orders on the root (its order words) for self-trade prevention: the
    /// book does not store who placed an order. Keeps them in `t` only if one of them rests on the market and
    /// side being swept. The taker's refresh reads the same words again, warm.
    function _loadOwn(Take memory t) internal view {
        TraderRoot storage tr = _traderRoots[t.taker][t.rootId];
        (uint256 w0, uint256 w1) = _orderWordsOf(tr, tr.header);
        if (w0 == 0) return; // no open order (refs fill word 0 first)
        // A resting order the taker meets is on the other side: its ref has the bid bit when the taker sells.
        // A zero (unused) lane never matches: branch ids start at 1.
        uint256 want = (uint256(t.branchId) << 48) | (t.isBid ? 0 : uint256(1) << 32);
        if (_anyLane(w0, OWN_MASK, want) || _anyLane(w1, OWN_MASK, want)) (t.own0, t.own1) = (w0, w1);
    }

    /// @dev The bits of a ref that say where it rests: branch and side.
    uint256 private constant OWN_MASK = (uint256(0xffff) << 48) | (uint256(1) << 32);

    /// @notice Whether the resting order at (`tick`, `idx`) on the side being swept is the taker's own (refs
    /// are unique: branch, tick, side and the level's index).
    function _isOwn(Take memory t, uint256 tick, uint256 idx) internal pure returns (bool) {
        uint256 ref = (uint256(t.branchId) << 48) | (tick << 40) | (t.isBid ? 0 : uint256(1) << 32) | idx;
        return _anyLane(t.own0, type(uint64).max, ref) || _anyLane(t.own1, type(uint64).max, ref);
    }

    /// @notice Trades `t` against the live orders of one level, oldest first. Dead entries (cancelled while
    /// not first in line) are stepped over without counting against MAX_TOUCH, at most MAX_SKIP per call
    /// (then the sweep stops with reason REASON_SKIP_BOUND; the head has moved past them for good).
    /// Loop bound: at most MAX_TOUCH live visits plus MAX_SKIP dead steps per call, over all levels.
    /// @return emptied True when the level has no live order left (its head then jumps to its tail).
    function _sweepLevel(Take memory t, uint256 tick) internal returns (bool emptied) {
        uint256 levelKey = (t.marketId << 8) | tick;
        Level storage lv = _levels[levelKey];
        uint256 lw = _levelWord(lv); // head in bits 0-31, tail 32-63, side 64-71, live 72-103
        uint256 idx = uint32(lw);
        uint256 live = uint32(lw >> 72);
        while (live > 0 && t.remaining > 0) {
            uint256 visit = _visit(t, (levelKey << 32) | idx, tick);
            if (visit == VISIT_DEAD) {
                // A cancelled entry: not live, so it costs the taker no touch, only a bounded step.
                if (t.skipped >= MAX_SKIP) {
                    t.stopped = REASON_SKIP_BOUND;
                    break;
                }
                ++t.skipped;
                ++idx;
            } else if (visit == VISIT_GONE) {
                --live;
                ++idx;
            } else if (visit == VISIT_STOP) {
                break; // _match stops with REASON_SWEEP_BOUND
            }
        }
        emptied = live == 0;
        if (emptied) idx = uint32(lw >> 32); // the tail: every entry left in [idx, tail) is dead, drop them all
        // idx <= tail < 2^32 and live only fell from a uint32: one write of the slot, tail and side kept.
        // Rewriting an unchanged slot costs 100 gas.
        _setLevelWord(lv, (lw & LEVEL_KEEP) | idx | (live << 72));
    }

    /// @dev What {_visit} found at one entry of a level.
    uint256 private constant VISIT_DEAD = 0; // cancelled earlier: step over it
    uint256 private constant VISIT_GONE = 1; // live, and now gone: filled in full or cancelled as a self-trade
    uint256 private constant VISIT_PART = 2; // live, filled in part: the taker has nothing left
    uint256 private constant VISIT_STOP = 3; // live, but the taker has touched MAX_TOUCH live orders already

    /// @notice Trades `t` against the entry `key` of a level at `tick` (one read of its pair's slot, one write).
    function _visit(Take memory t, uint256 key, uint256 tick) internal returns (uint256) {
        (bytes32 slot, uint256 w) = _restingPair(key); // two orders a slot: every second read is warm
        (uint256 avail, uint256 unclaimed) = _lane(w, key);
        if (avail == 0) return VISIT_DEAD;
        if (t.touched >= MAX_TOUCH) return VISIT_STOP;
        ++t.touched;
        if (t.own0 != 0 && _isOwn(t, tick, uint32(key))) {
            // Self-trade prevention: cancel the resting own order and go on (the book never stays crossed).
            _setLane(slot, w, key, 0, unclaimed);
            t.head = _reduceRecord(t.head, t.rootId, key, bytes32(0), t.taker, avail, REASON_SELF_TRADE);
            return VISIT_GONE;
        }
        uint256 f = avail < t.remaining ? avail : t.remaining;
        // f <= avail < 2^48 and unclaimed + f <= the order's size < 2^48.
        _setLane(slot, w, key, avail - f, unclaimed + f);
        t.remaining -= f;
        t.premium += f * tick * t.scale;
        _recordFill(t, key, tick, f);
        return f == avail ? VISIT_GONE : VISIT_PART;
    }

    /// @dev `keccak256(abi.encode(prev, kind, a, b))`, hashed in scratch memory above the free pointer (the
    /// encoder would allocate and copy): the acceptance record's link in a root's chain.
    function _chain4(uint256 prev, uint256 kind, uint256 a, uint256 b) internal pure returns (bytes32 head) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, prev)
            mstore(add(p, 0x20), kind)
            mstore(add(p, 0x40), a)
            mstore(add(p, 0x60), b)
            head := keccak256(p, 0x80)
        }
    }

    /// @dev Chains a fill record onto the take's head (the root's head is written once, by {place}).
    /// Hashes and logs from scratch memory above the free pointer: per fill (ten in a ten-maker take) this
    /// spares the ABI encoder's cleanup and copies. Same bytes as `keccak256(abi.encode(t.head, REC_FILL, key,
    /// t.digest, tick, f))` and `emit Ev.OrderFilled(t.rootId, key, t.digest, uint64(f), head)` (all values
    /// are full words already: key < 2^248, tick < 2^8, f < 2^48).
    function _recordFill(Take memory t, uint256 key, uint256 tick, uint256 f) internal {
        bytes32 prev = t.head;
        bytes32 digest = t.digest;
        uint256 rootId = t.rootId;
        uint256 kind = REC_FILL;
        bytes32 topic0 = Ev.OrderFilled.selector;
        bytes32 head;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, prev)
            mstore(add(p, 0x20), kind)
            mstore(add(p, 0x40), key)
            mstore(add(p, 0x60), digest)
            mstore(add(p, 0x80), tick)
            mstore(add(p, 0xa0), f)
            head := keccak256(p, 0xc0)
            mstore(p, f)
            mstore(add(p, 0x20), head)
            log4(p, 0x40, topic0, rootId, key, digest)
        }
        t.head = head;
    }

    function _recordReduce(
        Root storage r,
        uint256 rootId,
        uint256 key,
        address trader,
        uint256 qty,
        uint8 reason
    ) internal {
        _append(r, _reduceRecord(r.head, rootId, key, bytes32(0), trader, qty, reason));
    }

    /// @dev The record of a reduction chained onto `prev`, emitted; returns the new head. A resting order is
    /// named by its `key` (digest 0); an incoming order's unrested remainder by its `digest` (key 0).
    function _reduceRecord(
        bytes32 prev,
        uint256 rootId,
        uint256 key,
        bytes32 digest,
        address trader,
        uint256 qty,
        uint8 reason
    ) internal returns (bytes32 head) {
        // Hashed and logged from scratch memory above the free pointer, as {_recordFill}. Same bytes as
        // `keccak256(abi.encode(prev, REC_REDUCE, key, digest, qty, reason))` and `emit Ev.OrderReduced(rootId,
        // key, digest, trader, uint64(qty), reason, head)`: every value is a clean full word (qty <= MAX_QUANTITY
        // < 2^48; the address and the uint8 masked to their width, as the encoder would clean them).
        uint256 kind = REC_REDUCE;
        bytes32 topic0 = Ev.OrderReduced.selector;
        assembly ("memory-safe") {
            reason := and(reason, 0xff)
            trader := and(trader, 0xffffffffffffffffffffffffffffffffffffffff)
            let p := mload(0x40)
            mstore(p, prev)
            mstore(add(p, 0x20), kind)
            mstore(add(p, 0x40), key)
            mstore(add(p, 0x60), digest)
            mstore(add(p, 0x80), qty)
            mstore(add(p, 0xa0), reason)
            head := keccak256(p, 0xc0)
            mstore(p, trader)
            mstore(add(p, 0x20), qty)
            mstore(add(p, 0x40), reason)
            mstore(add(p, 0x60), head)
            log4(p, 0x80, topic0, rootId, key, digest)
        }
    }

    function _requireNoCross(uint256 marketId, bool isBid, uint256 tick) internal view {
        uint256 bits = bookBits[marketId];
        if (isBid) {
            uint256 asks = bits >> 128;
            if (asks != 0) {
                uint256 best = _lowestBit(asks);
                if (best <= tick) revert E.PostOnlyWouldCross(tick, best);
            }
        } else {
            uint256 bids = bits & LOW128;
            if (bids != 0) {
                uint256 best = _highestBit(bids);
                if (best >= tick) revert E.PostOnlyWouldCross(tick, best);
            }
        }
    }

    /// @return ref The trader's reference to the new resting order.
    function _rest(Take memory t) internal returns (uint64 ref) {
        uint256 levelKey = t.levelKey;
        Level storage lv = _levels[levelKey];
        uint256 lw = _levelWord(lv); // head in bits 0-31, tail 32-63, side 64-71, live 72-103
        uint32 idx = uint32(lw >> 32);
        // One read and one write of the level's slot, head kept. At most one live entry per index, so live <=
        // tail < 2^32 (the tail's increment is checked); a level with live orders on the other side cannot be
        // joined (matching would have crossed), so the side is set anew only when the level had no live order.
        uint256 tail = idx + 1;
        _setLevelWord(
            lv,
            uint32(lw) | (tail << 32) | (t.isBid ? uint256(1) << 64 : 0) | ((((lw >> 72) & type(uint32).max) + 1) << 72)
        );
        {
            // An even index opens a pair whose other index lies past the tail: its slot is still zero, no read.
            uint256 key = t.orderKey;
            (bytes32 slot, uint256 w) = key & 1 == 0 ? (_restingSlot(key), 0) : _restingPair(key);
            _setLane(slot, w, key, t.remaining, 0); // remaining <= MAX_QUANTITY
        }
        uint256 tick = levelKey & 0xff;
        uint256 bit = uint256(1) << (t.isBid ? tick : tick + 128); // bids low half, offers high half
        uint256 bits = bookBits[t.marketId];
        if (bits & bit == 0) bookBits[t.marketId] = bits | bit;
        ref = (uint64(t.branchId) << 48) | (uint64(tick) << 40) | (t.isBid ? uint64(1) << 32 : 0) | idx;
    }

    /// @param listed The caller's own list named the order (no need to look it up).
    function _cancelResting(Root storage r, uint256 rootId, uint256 orderKey, address caller, bool listed) internal {
        (bytes32 slot, uint256 w) = _restingPair(orderKey);
        (uint256 rem, uint256 unclaimed) = _lane(w, orderKey);
        if (rem == 0) revert E.NoSuchOrder(orderKey);
        if (!listed && !_lists(caller, rootId, orderKey)) revert E.NotYourOrder(caller, orderKey);
        // With no fills left to credit the lane is cleared now (the trader's next refresh finds it dead, as any
        // order with nothing remaining); otherwise it keeps them, at zero remaining, until that refresh credits
        // them.
        _setLane(slot, w, orderKey, 0, unclaimed);
        _recordReduce(r, rootId, orderKey, caller, rem, REASON_CANCEL);
        uint256 levelKey = orderKey >> 32;
        Level storage lv = _levels[levelKey];
        uint256 lw = _levelWord(lv); // head in bits 0-31, tail 32-63, side 64-71, live 72-103
        uint256 idx = uint32(lw);
        uint256 tail = uint32(lw >> 32);
        uint256 live = uint32(lw >> 72) - 1; // the order was live, so counted
        if (live == 0) {
            // The level's last live order: the level is empty now, whatever dead entries it still lists.
            idx = tail;
            uint256 tick = levelKey & 0xff;
            bookBits[levelKey >> 8] &= ~(uint256(1) << ((lw >> 64) & 1 != 0 ? tick : tick + 128));
        } else if ((orderKey & type(uint32).max) == idx) {
            // First in line: advance past it and up to 31 cancelled entries behind it (the sweep steps over
            // any others); a live order lies behind, so the loop stops before the tail. At most ~75k gas.
            uint256 steps;
            do {
                ++idx;
                ++steps;
            } while (steps < 32 && idx < tail && _remainingAt((levelKey << 32) | idx) == 0);
        }
        // idx <= tail < 2^32, live < 2^32: one write of the slot, tail and side kept.
        _setLevelWord(lv, (lw & LEVEL_KEEP) | idx | (live << 72));
    }

    /// @notice Credits fills, recomputes and stores the trader's worst case on a root, and updates the account.
    /// @param cashDelta Cash change of the caller's own trades in this call (collateral units).
    /// @param check Revert unless `cash + sumWorst >= 0` afterwards.
    /// @param d The taker's own trade and resting remainder in this call (empty otherwise).
    function _refresh(
        address trader,
        uint256 rootId,
        Root storage r,
        Account storage a,
        int256 cashDelta,
        bool check,
        Delta memory d
    ) internal {
        TraderRoot storage tr = _traderRoots[trader][rootId];
        Snapshot memory s = _newSnapshot()();
        _snapshot(s, trader, rootId, r, tr, d);
        int256 worst = _worstOf(r, s);
        for (uint256 k; k < s.nDone; ++k) {
            uint256 key = s.done[k];
            // A dead order's lane is cleared; a live one keeps its remaining size, its fills now credited.
            (bytes32 slot, uint256 w) = _restingPair(key & ~DONE_DEAD); // warm: read by the snapshot
            (uint256 rem, ) = _lane(w, key);
            _setLane(slot, w, key, key & DONE_DEAD != 0 ? 0 : rem, 0);
        }
        _store(tr, s);
        _setWorst(tr, worst, s.premium);
        (int256 cash, int256 sumWorst) = _accountOf(a);
        // Unchecked: cash and sumWorst are int128s from storage, the deltas below 2^123 and the worst cases
        // below 2^141 in magnitude: every sum is far inside int256, and {_setAccount} range-checks the results.
        unchecked {
            cash += cashDelta + s.cashDelta;
            sumWorst += worst - s.oldWorst;
        }
        _setAccount(a, cash, sumWorst);
        // The token is read only on the way to the revert.
        if (check && cash + sumWorst < 0) _requireCovered(trader, address(r.collateral), cash, sumWorst);
    }

    /// @notice Writes the packed words of a snapshot back, only those that changed.
    function _store(TraderRoot storage tr, Snapshot memory s) internal {
        uint256 nB = s.nB; // <= MAX_MARKETS (8): the snapshot's arrays hold eight
        uint256 nO = s.nO; // <= MAX_OPEN_ORDERS (8)
        // keep the root-list index and the active bit
        uint256 h = (s.header & (uint256(0xffff) << 144)) | (nB << 128) | _orderWordBits(nO);
        uint16[8] memory branches = s.branches;
        int64[8] memory pos = s.pos;
        uint256 pw0;
        uint256 pw1;
        assembly ("memory-safe") {
            // Slot 0 in the header's top lane; slot i >= 1 in lane (i - 1) % 4 of position word (i - 1) / 4. An
            // int64 is stored as its 64-bit pattern. Each field is masked to its width.
            if nB {
                h := or(h, or(and(mload(branches), 0xffff), shl(192, and(mload(pos), 0xffffffffffffffff))))
            }
            for {
                let i := 1
            } lt(i, nB) {
                i := add(i, 1)
            } {
                h := or(h, shl(shl(4, i), and(mload(add(branches, shl(5, i))), 0xffff)))
                let lane := shl(shl(6, and(sub(i, 1), 3)), and(mload(add(pos, shl(5, i))), 0xffffffffffffffff))
                switch lt(i, 5)
                case 1 {
                    pw0 := or(pw0, lane)
                }
                default {
                    pw1 := or(pw1, lane)
                }
            }
        }
        (uint256 ow0, uint256 ow1) = _packRefs(s.refs, nO);
        if (h != s.header) tr.header = h;
        uint256[2] memory posWords = s.posWords;
        if (pw0 != posWords[0]) tr.posWords[0] = pw0;
        if (pw1 != posWords[1]) tr.posWords[1] = pw1;
        uint256[2] memory orderWords = s.orderWords;
        if (ow0 != orderWords[0]) tr.orderWords[0] = ow0;
        if (ow1 != orderWords[1]) tr.orderWords[1] = ow1;
    }

    function _requireCovered(address trader, address token, int256 cash, int256 sumWorst) internal pure {
        if (cash + sumWorst < 0) revert E.InsufficientCollateral(trader, token, cash, sumWorst, -(cash + sumWorst));
    }

    function _activate(
        address trader,
        uint256 rootId,
        Root storage r,
        TraderRoot storage tr,
        Account storage a
    ) internal {
        uint256 n = a.roots.length;
        if (n >= MAX_ROOTS) revert E.TooManyRoots(trader, address(r.collateral), MAX_ROOTS);
        a.roots.push(uint64(rootId)); // root ids are sequential, far below 2^64
        tr.header = (tr.header & ~(uint256(0xffff) << 144)) | (n << 144) | (uint256(1) << 152);
    }

    function _deactivate(address trader, TraderRoot storage tr, Account storage a) internal {
        uint256 slot = (tr.header >> 144) & 0xff;
        uint256 last = a.roots.length - 1;
        if (slot != last) {
            uint64 moved = a.roots[last];
            a.roots[slot] = moved;
            TraderRoot storage m = _traderRoots[trader][moved];
            m.header = (m.header & ~(uint256(0xff) << 144)) | (slot << 144);
        }
        a.roots.pop();
        delete tr.worst;
        delete tr.premiumPaid;
        delete tr.header;
        delete tr.posWords;
        delete tr.orderWords;
    }
}
