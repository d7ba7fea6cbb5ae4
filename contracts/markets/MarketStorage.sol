// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LibBit} from "solady/src/utils/LibBit.sol";

import {FixingSpec} from "../shared/oracle/OracleFixing.sol";
import {MarketErrors as E} from "./libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "./libraries/MarketEvents.sol";
import {PayoffMath} from "./libraries/PayoffMath.sol";
import {WorstCase} from "./libraries/WorstCase.sol";

/// @title MarketStorage
/// @notice Storage layout, constants and shared internal logic of the bounded-payoff market family. Both the
/// core {BoundedMarkets} and its delegate-called {BoundedMarketsAdmin} module inherit it first, so both see
/// the same slots.
/// @dev Units: collateral amounts in the token's base units; a contract pays `UNIT = TICKS * unitScale`
/// units; prices are ticks in (0, TICKS); outcomes X are integers in the root's outcome units (the value
/// scaled by 10^decimals).
abstract contract MarketStorage is Ev {
    using SafeERC20 for IERC20;
    using SafeCast for int256;
    using SafeCast for uint256;

    // ------------------------------------------------------------------ constants

    /// @notice Ticks in one unit payoff (price = tick / TICKS).
    uint256 public constant TICKS = PayoffMath.TICKS;
    /// @notice Open orders a trader may hold per root (bounds the collateral check).
    uint256 public constant MAX_OPEN_ORDERS = 8;
    /// @notice Markets a trader may hold (position or open order) per root (bounds the collateral check).
    uint256 public constant MAX_MARKETS = 8;
    /// @notice Open roots a trader may hold per collateral token (bounds a withdrawal's recomputation).
    uint256 public constant MAX_ROOTS = 16;
    /// @notice Largest |quantity| of one order, in contracts.
    uint256 public constant MAX_QUANTITY = type(uint48).max;
    /// @notice Live resting orders one incoming order may visit (filled or self-cancelled). Entries no longer
    /// live (cancelled while not first in line) do not count: see {MAX_SKIP}.
    uint256 public constant MAX_TOUCH = 64;
    /// @notice Entries no longer live (cancelled) one incoming order may step over on its way to live ones.
    /// Each dead entry is stepped over once ever (the level's head moves past it for good), costs about
    /// 1,700 gas (a cold read for every two entries: two share a slot) and cost its placer a placement and a
    /// cancel (well over 100,000 gas); the bound only keeps one call's gas finite: at most 512 * ~1,700 =
    /// ~0.9M gas beyond the live touches.
    uint256 public constant MAX_SKIP = 512;

    uint8 internal constant STATUS_OPEN = 0;
    uint8 internal constant STATUS_SETTLED = 1;
    uint8 internal constant STATUS_VOIDED = 2;

    /// @notice Settlement sources: the owner collapses the bounds (0), a reporter reports with a dispute
    /// window (1), a Chainlink feed fixes the first round at or after expiry (2).
    uint8 public constant SOURCE_OWNER = 0;
    uint8 public constant SOURCE_CALLBACK = 1;
    uint8 public constant SOURCE_FEED = 2;

    uint8 internal constant REC_ACCEPT = 1;
    uint8 internal constant REC_FILL = 2;
    uint8 internal constant REC_REDUCE = 3;
    uint8 internal constant REC_BOUNDS = 4;
    uint8 internal constant REC_FINAL = 5;

    uint8 internal constant REASON_CANCEL = 0;
    uint8 internal constant REASON_SELF_TRADE = 1;
    uint8 internal constant REASON_IOC = 2;
    uint8 internal constant REASON_SWEEP_BOUND = 3;
    uint8 internal constant REASON_SKIP_BOUND = 4;

    uint256 internal constant LOW128 = type(uint128).max;
    /// @dev A resting order's lane (remaining, unclaimed: 96 bits) at shift 0.
    uint256 internal constant LANE_MASK = (uint256(1) << 96) - 1;

    // ------------------------------------------------------------------ storage types

    /// @notice One uncertain outcome X and its settlement state.
    struct Root {
        address owner;
        uint64 expiry; // unix seconds; trading stops here
        uint8 status; // STATUS_*
        uint8 source; // SOURCE_*
        uint8 decimals; // X is the outcome scaled by 10^decimals
        IERC20 collateral;
        uint64 unitScale; // collateral units per tick per contract
        uint16 branchCount; // markets on the root (branch ids 1..branchCount)
        int128 lo; // lowest outcome still possible
        int128 hi; // highest outcome still possible
        bytes32 head; // hash chain over every record of the root
        address reporter;
        uint64 voidDeadline; // unix seconds; unsettled roots may be voided from here on
        uint32 disputeWindow; // seconds
        int128 reported; // pending report (callback source)
        uint64 reportedAt; // 0 = no report pending
    }

    /// @notice Original bounds of a market, in outcome units. Never change.
    struct Market {
        int128 min;
        int128 max;
    }

    /// @notice FIFO of resting orders at one (market, tick): indices [head, tail) of the level's orders, of
    /// which `live` still rest (remaining > 0). The market's book bit of the level is set exactly when
    /// `live > 0`; when the last live order leaves, `head` jumps to `tail` (nothing dead stays in front).
    /// One storage slot (104 bits).
    struct Level {
        uint32 head;
        uint32 tail;
        bool isBid;
        uint32 live;
    }

    /// @notice A trader's state on one root, packed into as few words as a small book needs.
    /// @dev `header`: bits [16i, 16i+16) branch id of market slot i (i < 8); [128,136) market count;
    /// bit 136 set when `orderWords[0]` holds an order, bit 137 when `orderWords[1]` does; [144,152) index in
    /// the account's root list; bit 152 active; [192,256) the position of market slot 0.
    /// Positions (int64, contracts, maker fills not yet credited excluded) fill 64-bit lanes from the header's
    /// top lane on: slot i sits in lane (i + 3) of the words header, `posWords[0]`, `posWords[1]` taken in
    /// turn (see {_posLane}). A trader's first market so costs no word of its own (the header of an active
    /// trader is never zero: a rewrite, not a fresh slot), and a trader on one market reads one word; slots
    /// 1-4 are `posWords[0]`, 5-7 `posWords[1]`.
    /// `orderWords[w]`: refs (uint64: branch << 48 | tick << 40 | isBid << 32 | level index) of orders 4w..4w+3,
    /// packed from lane 0 up. A ref is never zero (branch ids start at 1), so the open-order count is the
    /// number of non-zero lanes: the header changes only when a word starts or stops being used, and a trader
    /// adding an order to a word it already uses rewrites that word alone. A word whose bit is clear is zero.
    /// Only the words a book uses are read: one market and up to four orders cost three words.
    struct TraderRoot {
        int128 worst; // last computed worst case (collateral units), counted in the account's sumWorst
        int128 premiumPaid; // net premium paid into the root (refunded if the root is voided)
        uint256 header;
        uint256[2] posWords;
        uint256[2] orderWords;
    }

    /// @notice A taker's own trade in this call, applied to its state before the collateral check.
    struct Delta {
        uint16 branch;
        int256 pos; // contracts
        int256 premium; // collateral units paid (+) or received (-)
        uint64 ref; // the resting remainder's ref, 0 if nothing rests
        int256 rest; // the resting remainder's signed quantity (+ bid, - offer), 0 if nothing rests
        int256 scale; // the root's unitScale when the caller has read it already, else 0 (read from the root)
    }

    /// @notice A trader's collateral account in one token.
    struct Account {
        int128 cash; // collateral units
        int128 sumWorst; // sum of the stored worst cases of the trader's open roots in this token
        uint64[] roots;
    }

    /// @notice Parameters of a new root.
    struct RootParams {
        IERC20 collateral;
        uint64 unitScale; // one contract pays TICKS * unitScale collateral units
        uint8 decimals; // outcome decimals
        int128 min; // root market bounds, outcome units
        int128 max;
        uint64 expiry;
        uint64 voidDeadline;
        uint8 source;
        address reporter; // callback source: the authorised reporter; owner source: an optional narrowing oracle
        uint32 disputeWindow;
    }

    /// @notice Scratch state of one incoming order while it matches.
    struct Take {
        uint256 rootId;
        uint256 marketId;
        bytes32 digest;
        address taker;
        bool isBid;
        uint256 limit;
        uint256 remaining;
        uint256 premium;
        uint256 scale;
        uint256 touched; // live resting orders visited (<= MAX_TOUCH)
        uint256 skipped; // dead entries stepped over (<= MAX_SKIP)
        uint8 stopped; // 0, or the reduction reason that stopped the sweep (REASON_SWEEP_BOUND, REASON_SKIP_BOUND)
        uint16 branchId;
        uint256 levelKey;
        uint256 orderKey;
        bytes32 head; // the root's chain head after this order's records; written to the root once, at the end
        address collateral; // the root's
        uint256 own0; // the taker's order words when one of its orders rests where it trades, else zero
        uint256 own1;
    }

    /// @notice A trader's state on one root after crediting fills, ready for the worst-case computation.
    struct Snapshot {
        uint256 header; // as read
        uint256[2] posWords; // as read (words beyond the counts are zero)
        uint256[2] orderWords;
        uint256 nB;
        uint16[8] branches;
        int64[8] pos;
        uint256 nO;
        uint64[8] refs;
        // Resting records to write back: a key with DONE_DEAD set has nothing left (its record is deleted), any
        // other had its fills credited (its unclaimed size is cleared).
        uint256[8] done;
        uint256 nDone;
        uint256 terms; // the worst case's terms ({WorstCase.newTerms}), built by {_compact}
        int256 premium;
        int256 cashDelta;
        uint256 openLegs; // byte j: the branch slot of open order j (its tick is in refs[j])
        int256[8] openQty;
        uint256 hasOrders; // bit i: branch slot i carries an open order
        int256 scale; // the root's unitScale
        int256 oldWorst; // the stored worst case, as read
    }

    /// @dev Flag on a key in {Snapshot.done}: the order has nothing left. Keys are below 2^120.
    uint256 internal constant DONE_DEAD = 1 << 255;

    // ------------------------------------------------------------------ storage

    /// @notice Roots created so far (ids 1..rootCount).
    uint256 public rootCount;
    mapping(uint256 rootId => Root) internal _roots;
    mapping(uint256 marketId => Market) internal _markets;
    /// @notice Price levels of a market holding at least one live order: bit t of the low half = bids at tick
    /// t, of the high half = offers. Never set for a level whose orders were all filled or cancelled.
    mapping(uint256 marketId => uint256) public bookBits;
    mapping(uint256 levelKey => Level) internal _levels;
    /// @notice Resting orders, two to a slot: the orders under keys `2p` and `2p + 1` (consecutive indices of
    /// one level) share slot `p`. Order `key`'s lane is the 96 bits at `128 * (key & 1)`: the quantity still
    /// resting in its low 48 bits, the quantity filled but not yet credited to its trader in the next 48. A
    /// lane is zero once its order is gone. The book does not store who placed an order: each trader lists
    /// its own (its order words), and the checks that need the owner (self-trade prevention, `cancel`) read
    /// that list; the `OrderAccepted` log names the trader of each key for readers.
    mapping(uint256 pairKey => uint256) internal _resting;
    mapping(address trader => mapping(uint256 rootId => TraderRoot)) internal _traderRoots;
    mapping(address trader => mapping(IERC20 token => Account)) internal _accounts;
    /// @notice How a feed-settled root fixes X: the shared Chainlink fixing rule, at the root's expiry.
    mapping(uint256 rootId => FixingSpec) internal _feedSpecs;

    // ------------------------------------------------------------------ internal: collateral

    /// @notice A zeroed {Snapshot}, as `Snapshot memory s;` would give, allocated in one block.
    /// @dev The compiler zeroes a declared memory struct member by member and each fixed array apart, return
    /// variables included (1.2k gas for a Snapshot, on every refresh). Here the block is cleared with one copy
    /// and the pointers laid out: the struct's 18 words, then its fixed arrays in member order (posWords 2,
    /// orderWords 2, branches 8, pos 8, refs 8, done 8, openQty 8 words). Call it as `_newSnapshot()()`: the
    /// returned function is {_allocSnapshot} typed as returning the struct (the one pointer it returns).
    /// `test/solidity/markets/SnapshotAlloc.t.sol` checks it against the compiler's zeroed struct.
    function _newSnapshot() internal pure returns (function() internal pure returns (Snapshot memory) alloc) {
        function() internal pure returns (uint256) raw = _allocSnapshot;
        assembly ("memory-safe") {
            alloc := raw
        }
    }

    function _allocSnapshot() private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := mload(0x40)
            calldatacopy(p, calldatasize(), 0x7c0) // 62 words: reading past calldata gives zeros
            let a := add(p, 0x240) // the arrays, after the struct's 18 words
            mstore(add(p, 0x20), a) // posWords
            mstore(add(p, 0x40), add(a, 0x40)) // orderWords
            mstore(add(p, 0x80), add(a, 0x80)) // branches
            mstore(add(p, 0xa0), add(a, 0x180)) // pos
            mstore(add(p, 0xe0), add(a, 0x280)) // refs
            mstore(add(p, 0x100), add(a, 0x380)) // done
            mstore(add(p, 0x1c0), add(a, 0x480)) // openQty
            mstore(0x40, add(p, 0x7c0))
        }
    }

    /// @notice A zeroed {Take} (19 words, no arrays) in one block, as {_newSnapshot} (the compiler's member by
    /// member zeroing costs ~400 gas on every order). Call it as `_newTake()()`.
    function _newTake() internal pure returns (function() internal pure returns (Take memory) alloc) {
        function() internal pure returns (uint256) raw = _allocTake;
        assembly ("memory-safe") {
            alloc := raw
        }
    }

    function _allocTake() private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := mload(0x40)
            calldatacopy(p, calldatasize(), 0x260)
            mstore(0x40, add(p, 0x260))
        }
    }

    /// @notice No trade of the caller's own in this call: what a refresh or a view passes to {_snapshot}.
    function _noDelta() internal pure returns (Delta memory d) {}

    /// @notice Reads a trader's state on a root into `s` (a zeroed snapshot, {_newSnapshot}), crediting maker
    /// fills and dropping finished orders and empty markets (in memory).
    function _snapshot(
        Snapshot memory s,
        address trader,
        uint256 rootId,
        Root storage r,
        TraderRoot storage tr,
        Delta memory d
    ) internal view {
        uint256 h = tr.header;
        s.header = h;
        uint256 nB = (h >> 128) & 0xff;
        // {_store} writes at most MAX_MARKETS (8), the length of the arrays read and written by pointer below
        // and in {_compact} and {_terms}.
        assert(nB <= MAX_MARKETS);
        // Positions as {_posLane} places them: slot 0 in the header's top lane, then the position words.
        if (nB > 0) (s.branches[0], s.pos[0]) = (uint16(h), int64(uint64(h >> 192))); // 16- and 64-bit fields
        if (nB > 1) _unpackPositions(s, tr, h, nB);
        // The order words as {_orderWordsOf} and {_ordersIn} give them, inline on this path: the two calls cost
        // ~170 gas on every refresh.
        uint256 ow0;
        uint256 ow1;
        if ((h >> 136) & 1 != 0) ow0 = tr.orderWords[0];
        if ((h >> 137) & 1 != 0) ow1 = tr.orderWords[1];
        (s.orderWords[0], s.orderWords[1]) = (ow0, ow1);
        uint256 nO = _lanesUsed(ow0) + _lanesUsed(ow1);
        {
            bytes32 slot;
            assembly ("memory-safe") {
                slot := tr.slot
            }
            (s.oldWorst, s.premium) = _getPair(slot); // worst in the low half, premiumPaid in the high
        }
        int256 scale = d.scale != 0 ? d.scale : int256(uint256(r.unitScale)); // a unitScale is never zero
        s.scale = scale;
        for (uint256 j; j < nO; ++j) {
            _collectOrder(s, rootId, uint64((j < 4 ? ow0 : ow1) >> (64 * (j & 3))), nB, scale); // as {_refAt}
        }
        _compact(s, rootId, nB, d, trader);
    }

    /// @dev Market slots 1 to nB - 1 (2 <= nB <= MAX_MARKETS) of a snapshot from the header and the position words.
    function _unpackPositions(Snapshot memory s, TraderRoot storage tr, uint256 h, uint256 nB) private view {
        uint256 pw0 = tr.posWords[0];
        uint256 pw1 = nB > 5 ? tr.posWords[1] : 0;
        (s.posWords[0], s.posWords[1]) = (pw0, pw1);
        // Slot i >= 1: branch from the header's 16-bit field i, position from lane (i - 1) % 4 of position
        // word (i - 1) / 4, a 64-bit pattern kept sign-extended as the compiler keeps an int64.
        uint16[8] memory branches = s.branches;
        int64[8] memory pos = s.pos;
        assembly ("memory-safe") {
            for {
                let i := 1
            } lt(i, nB) {
                i := add(i, 1)
            } {
                mstore(add(branches, shl(5, i)), and(shr(shl(4, i), h), 0xffff))
                let k := sub(i, 1)
                let w := pw1
                if lt(k, 4) {
                    w := pw0
                }
                mstore(add(pos, shl(5, i)), signextend(7, shr(shl(6, and(k, 3)), w)))
            }
        }
    }

    /// @notice Keeps markets with a position or an open order and builds the worst-case inputs. Compacts the
    /// snapshot's branch slots in place (a kept slot only moves down). The taker's own trade and resting
    /// remainder (`d`) enter last: its market may be new (at most MAX_MARKETS).
    /// @dev The arrays are read and written by pointer, and the taker's part is unchecked: nB and the kept
    /// slots are at most MAX_MARKETS, the open orders at most MAX_OPEN_ORDERS (both 8, the arrays' length), and
    /// a kept slot is never above its old one. The snapshot's members are clean (an int64 position
    /// sign-extended), so a zero word is a zero value. |pos| < 2^63 and |d.pos| < 2^48: the sum cannot overflow
    /// before its int64 cast checks it; |d.premium| < 2^119 (a take's premium), as in {_collectOrder}.
    function _compact(Snapshot memory s, uint256 rootId, uint256 nB, Delta memory d, address trader) internal view {
        uint16[8] memory branches = s.branches;
        int64[8] memory pos = s.pos;
        uint256 kept;
        uint256 legs;
        {
            uint256 hasOrders = s.hasOrders;
            uint256 openLegs = s.openLegs;
            uint256 nO = s.nO;
            assembly ("memory-safe") {
                let newIdx := 0 // byte i: the new slot of old slot i
                for {
                    let i := 0
                } lt(i, nB) {
                    i := add(i, 1)
                } {
                    let p := mload(add(pos, shl(5, i)))
                    if or(p, and(shr(i, hasOrders), 1)) {
                        newIdx := or(newIdx, shl(shl(3, i), kept))
                        mstore(add(branches, shl(5, kept)), mload(add(branches, shl(5, i))))
                        mstore(add(pos, shl(5, kept)), p)
                        kept := add(kept, 1)
                    }
                }
                for {
                    let j := 0
                } lt(j, nO) {
                    j := add(j, 1)
                } {
                    let old := and(shr(shl(3, j), openLegs), 0xff)
                    legs := or(legs, shl(shl(3, j), and(shr(shl(3, old), newIdx), 0xff)))
                }
            }
        }
        if (d.pos != 0 || d.ref != 0) {
            uint256 b = _slotOf(branches, kept, d.branch);
            if (b == type(uint256).max) {
                if (kept >= MAX_MARKETS) revert E.TooManyMarkets(trader, rootId, MAX_MARKETS);
                b = kept++;
                branches[b] = d.branch;
                pos[b] = 0; // the slot may hold a dropped market's position
            }
            unchecked {
                pos[b] = (int256(pos[b]) + d.pos).toInt64();
                s.premium += d.premium;
                if (d.ref != 0) {
                    uint256 n = s.nO;
                    if (n >= MAX_OPEN_ORDERS) revert E.TooManyOpenOrders(trader, rootId, MAX_OPEN_ORDERS);
                    s.refs[n] = d.ref;
                    legs |= b << (8 * n);
                    s.openQty[n] = d.rest; // as it now rests in the book
                    s.nO = n + 1;
                }
            }
        }
        s.nB = kept;
        s.terms = _terms(s, rootId, kept, legs);
    }

    /// @notice The worst case's terms of a compacted snapshot: one for each kept market with a position, then
    /// one for each open order (`legs`, byte j: the kept slot of order j).
    function _terms(Snapshot memory s, uint256 rootId, uint256 nB, uint256 legs) internal view returns (uint256 t) {
        uint256 nO = s.nO;
        t = WorstCase.newTerms(nB + nO);
        // Each kept market's min (low 128 bits) and max (high 128), int128s as stored, for its orders: scratch
        // words above the terms, each written below before it is read. The snapshot's arrays are read by
        // pointer: nB and nO are at most eight, their length (MAX_MARKETS, MAX_OPEN_ORDERS).
        uint256 bounds;
        assembly ("memory-safe") {
            bounds := mload(0x40)
            mstore(0x40, add(bounds, shl(5, nB)))
        }
        int256 scale = s.scale;
        {
            uint16[8] memory branches = s.branches;
            int64[8] memory pos = s.pos;
            int256 unitTicks = int256(TICKS) * scale; // < 2^71
            uint256 rootBits = rootId << 16; // a market id is the root id above its 16-bit branch id
            for (uint256 i; i < nB; ++i) {
                uint256 marketId;
                int256 p;
                assembly ("memory-safe") {
                    marketId := or(rootBits, mload(add(branches, shl(5, i)))) // a uint16, stored clean
                    p := mload(add(pos, shl(5, i))) // an int64, stored sign-extended
                }
                (int256 min, int256 max) = _boundsOf(marketId);
                assembly ("memory-safe") {
                    mstore(add(bounds, shl(5, i)), or(and(min, 0xffffffffffffffffffffffffffffffff), shl(128, max)))
                }
                if (p != 0) t = WorstCase.addPosition(t, i, min, max, p, unitTicks);
            }
        }
        int256[8] memory qty = s.openQty;
        uint64[8] memory refs = s.refs;
        for (uint256 j; j < nO; ++j) {
            int256 q;
            uint256 tick;
            uint256 leg = (legs >> (8 * j)) & 0xff;
            int256 min;
            int256 max;
            assembly ("memory-safe") {
                q := mload(add(qty, shl(5, j)))
                tick := and(shr(40, mload(add(refs, shl(5, j)))), 0xff)
                let b := mload(add(bounds, shl(5, leg)))
                min := signextend(15, b)
                max := sar(128, b)
            }
            t = WorstCase.addOrder(t, leg, min, max, q, int256(tick), scale);
        }
    }

    /// @notice Credits one order's unclaimed fills into the snapshot and keeps it if it still rests.
    function _collectOrder(Snapshot memory s, uint256 rootId, uint64 ref, uint256 nB, int256 scale) internal view {
        uint256 key = _refKey(rootId, ref);
        (uint256 remaining, uint256 unclaimed) = _restingOf(key);
        uint256 b = _slotOf(s.branches, nB, uint16(ref >> 48)); // top 16 bits of a 64-bit ref
        // A listed order's market is among the trader's markets: {_compact} keeps every market carrying one.
        assert(b < nB);
        bool isBid = (ref >> 32) & 1 == 1;
        // Unchecked: counts and indices stay below 8 (one entry per listed order, at most MAX_OPEN_ORDERS, in
        // `done` and in the open orders; b < nB <= MAX_MARKETS). f < 2^48, the tick < 2^8 and the scale < 2^64,
        // so the amount is below 2^120 and the new position below 2^64 in magnitude before its int64 cast (which
        // checks it); the premium starts from an int128 and gains at most MAX_OPEN_ORDERS + 1 amounts below
        // 2^120 here, the cash delta only those: far inside int256 (stored back through int128 casts).
        unchecked {
            if (remaining == 0 || unclaimed != 0) {
                uint256 k = s.nDone;
                s.done[k] = remaining == 0 ? key | DONE_DEAD : key;
                s.nDone = k + 1;
            }
            if (unclaimed != 0) {
                int256 f = int256(unclaimed);
                int256 amount = f * int256(uint256((ref >> 40) & 0xff)) * scale;
                s.pos[b] = (int256(s.pos[b]) + (isBid ? f : -f)).toInt64();
                s.premium += isBid ? amount : -amount;
                s.cashDelta += isBid ? -amount : amount;
            }
            if (remaining != 0) {
                uint256 n = s.nO;
                s.refs[n] = ref;
                s.openLegs |= b << (8 * n);
                s.openQty[n] = isBid ? int256(remaining) : -int256(remaining);
                s.hasOrders |= 1 << b;
                s.nO = n + 1;
            }
        }
    }

    /// @notice The worst case of a snapshot: on an open root the least W over the possible outcomes and the
    /// void case (the net premium paid); on a final root the exact final value.
    function _worstOf(Root storage r, Snapshot memory s) internal view returns (int256 worst) {
        uint8 status = r.status;
        if (status == STATUS_VOIDED) return s.premium;
        uint256 range = _rootWord(r, 2);
        int256 lo = int128(uint128(range)); // low 128 bits
        if (status == STATUS_SETTLED) return WorstCase.settledValue(s.terms, lo, TICKS * uint256(s.scale));
        worst = WorstCase.minOverTerms(lo, int256(range) >> 128, s.terms); // hi: high 128 bits
        if (s.premium < worst) worst = s.premium;
    }

    // ------------------------------------------------------------------ internal: helpers

    function _settle(Root storage r, uint256 rootId, int128 x, uint8 how) internal {
        r.lo = x;
        r.hi = x;
        r.status = STATUS_SETTLED;
        bytes32 head = _append(r, keccak256(abi.encode(r.head, REC_FINAL, STATUS_SETTLED, int256(x))));
        emit Ev.RootSettled(rootId, x, how, head);
    }

    function _append(Root storage r, bytes32 newHead) internal returns (bytes32) {
        r.head = newHead;
        return newHead;
    }

    function _root(uint256 rootId) internal view returns (Root storage r) {
        r = _roots[rootId];
        if (r.owner == address(0)) revert E.UnknownRoot(rootId);
    }

    function _openRoot(uint256 rootId) internal view returns (Root storage r) {
        r = _root(rootId);
        if (r.status != STATUS_OPEN) revert E.RootNotOpen(rootId, r.status);
    }

    /// @dev As {_root} then the trading checks, from one read of the root's first slot (owner in bits 0-159,
    /// expiry in 160-223, status in 224-231, as Solidity lays out {Root}).
    function _requireTrading(Root storage r, uint256 rootId) internal view {
        uint256 w = _rootWord(r, 0);
        if (address(uint160(w)) == address(0)) revert E.UnknownRoot(rootId);
        uint8 status = uint8(w >> 224);
        if (status != STATUS_OPEN) revert E.RootNotOpen(rootId, status);
        uint256 expiry = uint64(w >> 160);
        if (block.timestamp >= expiry) revert E.TradingClosed(rootId, expiry, block.timestamp);
    }

    /// @dev Word `i` of a root's storage: 0 owner, expiry, status, source, decimals; 1 collateral (bits 0-159),
    /// unitScale (160-223), branchCount; 2 lo (low 128 bits), hi (high 128); 3 head.
    function _rootWord(Root storage r, uint256 i) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(add(r.slot, i))
        }
    }

    function _market(uint256 rootId, uint16 branchId) internal view returns (Market memory m) {
        m = _markets[_marketId(rootId, branchId)];
        if (m.max <= m.min) revert E.UnknownMarket(rootId, branchId);
    }

    /// @dev A market's bounds from one read of its slot (`min` in the low 128 bits, `max` in the high, as
    /// Solidity lays out {Market}); both zero for a market that does not exist.
    function _boundsOf(uint256 marketId) internal view returns (int256 min, int256 max) {
        Market storage m = _markets[marketId];
        assembly ("memory-safe") {
            let w := sload(m.slot)
            min := signextend(15, w)
            max := sar(128, w)
        }
    }

    /// @dev Writes an account's `cash` and `sumWorst` (one slot: cash in the low half) with one SSTORE instead
    /// of a read-modify-write per field. Each value is range-checked as a field write would be.
    function _setAccount(Account storage a, int256 cash, int256 sumWorst) internal {
        bytes32 slot;
        assembly ("memory-safe") {
            slot := a.slot
        }
        _setPair(slot, cash, sumWorst);
    }

    /// @dev An account's `cash` and `sumWorst` from one read of its slot.
    function _accountOf(Account storage a) internal view returns (int256 cash, int256 sumWorst) {
        bytes32 slot;
        assembly ("memory-safe") {
            slot := a.slot
        }
        return _getPair(slot);
    }

    /// @dev The two int128 fields of one slot (the first in the low 128 bits), from one read.
    function _getPair(bytes32 slot) private view returns (int256 lo, int256 hi) {
        assembly ("memory-safe") {
            let w := sload(slot)
            lo := signextend(15, w)
            hi := sar(128, w)
        }
    }

    /// @dev As {_setAccount}, for a trader root's `worst` (low half) and `premiumPaid`.
    function _setWorst(TraderRoot storage tr, int256 worst, int256 premiumPaid) internal {
        bytes32 slot;
        assembly ("memory-safe") {
            slot := tr.slot
        }
        _setPair(slot, worst, premiumPaid);
    }

    /// @dev The bits of a level's slot that hold its tail and side (head in bits 0-31 and live in 72-103 are
    /// the others, as Solidity lays out {Level}).
    uint256 internal constant LEVEL_KEEP = uint256(type(uint40).max) << 32;

    /// @dev A level's whole slot.
    function _levelWord(Level storage lv) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(lv.slot)
        }
    }

    function _setLevelWord(Level storage lv, uint256 w) internal {
        assembly ("memory-safe") {
            sstore(lv.slot, w)
        }
    }

    /// @dev The slot of the pair holding resting order `key`.
    function _restingSlot(uint256 key) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, shr(1, key))
            mstore(0x20, _resting.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @dev The slot of the pair holding resting order `key`, and its whole word (both lanes). The slot is
    /// hashed here as in {_restingSlot}, not through it: this runs once per visited entry of a sweep, and the
    /// call would cost ~40 gas each time (a sweep over 512 dead entries: +24k).
    function _restingPair(uint256 key) internal view returns (bytes32 slot, uint256 w) {
        assembly ("memory-safe") {
            mstore(0x00, shr(1, key))
            mstore(0x20, _resting.slot)
            slot := keccak256(0x00, 0x40)
            w := sload(slot)
        }
    }

    /// @dev Resting order `key`'s two sizes, from its pair's word `w`.
    function _lane(uint256 w, uint256 key) internal pure returns (uint256 remaining, uint256 unclaimed) {
        uint256 lane = w >> ((key & 1) << 7);
        remaining = lane & MAX_QUANTITY;
        unclaimed = (lane >> 48) & MAX_QUANTITY;
    }

    /// @dev Resting order `key`'s quantity still resting and quantity filled but not yet credited.
    function _restingOf(uint256 key) internal view returns (uint256 remaining, uint256 unclaimed) {
        (, uint256 w) = _restingPair(key);
        return _lane(w, key);
    }

    /// @dev Resting order `key`'s quantity still resting.
    function _remainingAt(uint256 key) internal view returns (uint256 remaining) {
        (remaining, ) = _restingOf(key);
    }

    /// @dev Whether `trader`'s order words on `key`'s root list resting order `key`. Reads word 0 without the
    /// header (an unused word is zero), and word 1 only when word 0 is full (refs fill word 0 first).
    function _lists(address trader, uint256 rootId, uint256 key) internal view returns (bool) {
        TraderRoot storage tr = _traderRoots[trader][rootId];
        // The ref of `key` without its side bit: branch << 48 | tick << 40 | index (key: branch << 40 | tick << 32
        // | index below the root id).
        uint256 want = ((key & (uint256(0xffffff) << 32)) << 8) | (key & type(uint32).max);
        uint256 mask = ~(uint256(1) << 32) & type(uint64).max;
        uint256 w = tr.orderWords[0];
        if (_anyLane(w, mask, want)) return true;
        return w >> 192 != 0 && _anyLane(tr.orderWords[1], mask, want);
    }

    /// @dev Whether one of the four 64-bit lanes of `w`, masked by `mask`, equals `want`.
    function _anyLane(uint256 w, uint256 mask, uint256 want) internal pure returns (bool any) {
        assembly ("memory-safe") {
            any := or(
                or(eq(and(w, mask), want), eq(and(shr(64, w), mask), want)),
                or(eq(and(shr(128, w), mask), want), eq(and(shr(192, w), mask), want))
            )
        }
    }

    /// @dev Writes resting order `key`'s lane of its pair (slot `slot`, holding `w`) with one SSTORE, the other
    /// lane kept. Reverts on a value of 2^48 or more, as a uint48 field write would.
    function _setLane(bytes32 slot, uint256 w, uint256 key, uint256 remaining, uint256 unclaimed) internal {
        if ((remaining | unclaimed) >> 48 != 0) {
            revert SafeCast.SafeCastOverflowedUintDowncast(48, remaining > unclaimed ? remaining : unclaimed);
        }
        uint256 shift = (key & 1) << 7;
        w = (w & ~(LANE_MASK << shift)) | ((remaining | (unclaimed << 48)) << shift);
        assembly ("memory-safe") {
            sstore(slot, w)
        }
    }

    /// @dev Two int128 fields of one slot, in declaration order (the first in the low 128 bits), as Solidity
    /// lays out a struct's packed members.
    function _setPair(bytes32 slot, int256 lo, int256 hi) private {
        // Range-checked as {SafeCast.toInt128} does (same error), inline: every placement writes two pairs.
        if (lo != int128(lo)) revert SafeCast.SafeCastOverflowedIntDowncast(128, lo);
        if (hi != int128(hi)) revert SafeCast.SafeCastOverflowedIntDowncast(128, hi);
        uint256 w = uint256(uint128(int128(lo))) | (uint256(uint128(int128(hi))) << 128);
        assembly ("memory-safe") {
            sstore(slot, w)
        }
    }

    /// @dev The word holding market slot `i`'s position, shifted so that the position is its low 64 bits (see
    /// {TraderRoot}): slot 0 in the header's top lane, slot i > 0 in lane (i - 1) % 4 of `posWords[(i - 1) / 4]`.
    function _posLane(uint256 header, uint256[2] memory posWords, uint256 i) internal pure returns (uint256) {
        if (i == 0) return header >> 192;
        unchecked {
            return posWords[(i - 1) >> 2] >> (64 * ((i - 1) & 3));
        }
    }

    /// @dev The order words a trader root uses, per its header's bits 136 and 137 (an unused word is zero and
    /// is not read).
    function _orderWordsOf(TraderRoot storage tr, uint256 header) internal view returns (uint256 w0, uint256 w1) {
        if ((header >> 136) & 1 != 0) w0 = tr.orderWords[0];
        if ((header >> 137) & 1 != 0) w1 = tr.orderWords[1];
    }

    /// @dev The order words holding the first `n` (<= 8) of `refs`: ref j in lane j % 4 of word j / 4 (as
    /// {_refAt} reads them).
    function _packRefs(uint64[8] memory refs, uint256 n) internal pure returns (uint256 w0, uint256 w1) {
        assembly ("memory-safe") {
            for {
                let j := 0
            } lt(j, n) {
                j := add(j, 1)
            } {
                let lane := shl(shl(6, and(j, 3)), and(mload(add(refs, shl(5, j))), 0xffffffffffffffff))
                switch lt(j, 4)
                case 1 {
                    w0 := or(w0, lane)
                }
                default {
                    w1 := or(w1, lane)
                }
            }
        }
    }

    /// @dev The number of orders in a trader root's two order words (the non-zero lanes, packed from lane 0).
    function _ordersIn(uint256 w0, uint256 w1) internal pure returns (uint256) {
        return _lanesUsed(w0) + _lanesUsed(w1);
    }

    /// @dev Ref `j` (< 8) of a trader root's order words: lane j % 4 of word j / 4.
    function _refAt(uint256 w0, uint256 w1, uint256 j) internal pure returns (uint64) {
        return uint64((j < 4 ? w0 : w1) >> (64 * (j & 3))); // 64-bit field
    }

    /// @dev Non-zero 64-bit lanes of a word whose lanes are packed from lane 0 (no zero lane below a non-zero
    /// one): one more than the index of its highest non-zero lane, or 0.
    function _lanesUsed(uint256 w) internal pure returns (uint256 n) {
        assembly ("memory-safe") {
            n := add(add(iszero(iszero(w)), gt(shr(64, w), 0)), add(gt(shr(128, w), 0), gt(shr(192, w), 0)))
        }
    }

    /// @dev The header bits that say which order words hold `n` orders (see {TraderRoot}).
    function _orderWordBits(uint256 n) internal pure returns (uint256 bits) {
        if (n > 0) bits = uint256(1) << 136;
        if (n > 4) bits |= uint256(1) << 137;
    }

    function _checkBounds(int256 min, int256 max) internal pure {
        if (min >= max || max - min >= int256(1 << 120)) revert E.BadBounds(min, max);
    }

    function _marketId(uint256 rootId, uint256 branchId) internal pure returns (uint256) {
        return (rootId << 16) | branchId;
    }

    function _refKey(uint256 rootId, uint64 ref) internal pure returns (uint256) {
        uint256 marketId = _marketId(rootId, ref >> 48);
        return (((marketId << 8) | ((ref >> 40) & 0xff)) << 32) | (ref & type(uint32).max);
    }

    /// @notice The slot of `branchId` among the first `n` of `branches`, type(uint256).max when absent.
    function _slotOf(uint16[8] memory branches, uint256 n, uint16 branchId) internal pure returns (uint256 i) {
        assembly ("memory-safe") {
            let want := and(branchId, 0xffff) // both sides masked: no dirty bits decide a match
            for {} lt(i, n) {
                i := add(i, 1)
            } {
                if eq(and(mload(add(branches, shl(5, i))), 0xffff), want) {
                    break
                }
            }
            if eq(i, n) {
                i := not(0)
            }
        }
    }

    /// @dev The index of the lowest set bit of `x` (> 0): the best offer's tick in a book word's high half.
    function _lowestBit(uint256 x) internal pure returns (uint256) {
        return LibBit.ffs(x);
    }

    /// @dev The index of the highest set bit of `x` (> 0): the best bid's tick in a book word's low half.
    function _highestBit(uint256 x) internal pure returns (uint256) {
        return LibBit.fls(x);
    }
}
