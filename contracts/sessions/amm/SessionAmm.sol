// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LibBit} from "solady/src/utils/LibBit.sol";

import {FeeMath} from "../../shared/fees/FeeMath.sol";
import {FixingKind, FixingSpec, OracleFixing} from "../../shared/oracle/OracleFixing.sol";
import {IPoolSession, ISessionPool} from "../ISessionPool.sol";
import {SessionCore} from "../SessionCore.sol";
import {SessionOrder} from "../SessionOrderLib.sol";
import {SessionKind} from "../SessionTypes.sol";
import {ISessionAmmErrors, ISessionAmmEvents} from "./ISessionAmm.sol";
import {WeightedMath} from "./WeightedMath.sol";

/// @title SessionAmm
/// @notice A bounded-loss automated market maker that is an ordinary participant of one physical session. Its
/// reserves are exactly its own session allocation x_amm; it quotes leg-to-leg swaps on the weighted invariant
/// V = prod_k x_k^{w_k} (weights fixed at creation), so no swap can take a reserve to zero: the LP can lose at
/// most what it gave the AMM. A swap fee (bps of the amount in) stays in the reserves, and an oracle guard
/// rejects a swap that would push the pool's marginal price of the leg sold more than `bandBps` below the
/// oracle ratio of the two legs.
/// @dev Mechanism: the AMM's allocation changes only as the taker of a trade in its session, in two ways.
/// A signed swap: the trader signs (give `amountIn` of one leg, receive `amountOut` of another, taker = this
/// AMM); the AMM checks the amounts against the invariant (fees and rounding in the pool's favour) and the
/// oracle band at its current reserves, then calls `session.fill(order, sig, 1e18)` itself (LP adds and
/// withdrawals are signed orders filled the same way). A pool swap: the trader calls
/// {PhysicalSession.swapWithPool}, and the session asks {onSessionSwap} (callable by the session only, handing
/// over the AMM's allocations of the two legs) for the curve's amounts, which it then moves. Either way the
/// session applies every one of its own checks (window, pause, participation, fees, conservation; signature,
/// nonce and expiry for signed orders). Nobody else can move the AMM's allocation: it never signs (it has no
/// ERC-1271 `isValidSignature`), and an order naming it as private taker can only be filled by it. The AMM
/// keeps no copy of its reserves: they are read from the session (or handed over by it) at every swap, quote
/// and LP action, fees included (the session charges the AMM its taker fee on what it receives:
/// `feeDown(amount, takerBps)`), and the session's `Traded` events (the AMM as taker) rebuild them. The weights
/// and decimals are fixed at creation and kept in code.
contract SessionAmm is Ownable2Step, ReentrancyGuardTransient, ISessionPool, ISessionAmmEvents, ISessionAmmErrors {
    using SafeERC20 for IERC20;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = FeeMath.BPS;
    /// @dev Flags of a copied band spec (see {_bandSpecs}).
    uint256 private constant BAND_BOUNDS = 1 << 192;
    uint256 private constant BAND_SEQUENCER = 1 << 193;
    /// @notice Highest oracle band: 50%.
    uint256 public constant MAX_BAND_BPS = 5_000;

    /// @notice The session this AMM trades in.
    SessionCore public immutable session;
    /// @notice Number of legs of the session.
    uint256 public immutable legCount;
    /// @notice Swap fee, bps of the amount the pool receives (after the session's taker fee); kept by the pool.
    uint256 public immutable swapFeeBps;
    /// @notice Oracle band, bps: after a swap the pool's marginal price of the leg sold must be at least
    /// `(1 - bandBps/1e4)` times the oracle's.
    uint256 public immutable bandBps;
    /// @notice The session's taker fee (bps), which the AMM pays on everything it receives. Immutable in the
    /// session's configuration, so it is copied once.
    uint256 public immutable sessionTakerFeeBps;

    /// @dev One leg as a swap sees it: the reserve (the AMM's session allocation, leg units), the weight (WAD,
    /// 0 = not traded) and the leg token's decimals (for the oracle's value per unit). Built in memory: the
    /// reserve is read from the session (or handed over by it), the weight and decimals from code.
    struct LegState {
        uint256 reserve;
        uint256 weight;
        uint256 decimals;
    }

    /// @dev The weights (WAD, < 2^64) of legs 4i..4i+3 in 64-bit lanes of `_weightsI`, and every leg's decimals
    /// in the bytes of `_decimals`: fixed at construction, so kept in code, not storage.
    uint256 private immutable _weights0;
    uint256 private immutable _weights1;
    uint256 private immutable _weights2;
    uint256 private immutable _weights3;
    uint256 private immutable _weights4;
    uint256 private immutable _weights5;
    uint256 private immutable _weights6;
    uint256 private immutable _weights7;
    uint256 private immutable _decimals;
    /// @notice LP shares outstanding (WAD at the first seeding). Reserves per share never fall, except by
    /// rounding in the pool's favour in the other direction (they only rise).
    uint256 public totalShares;
    /// @dev Per leg, a copy of the session's (immutable) single-feed fixing spec, for the oracle band: word 0
    /// holds the feed (bits 0-159), the heartbeat (160-191) and flags (bit 192: answer bounds in word 1, bit
    /// 193: sequencer feed in word 2); word 1 the answer bounds (int128 min, int128 max); word 2 the
    /// sequencer-uptime feed (bits 0-159) and its grace (160-191). Word 0 is zero when the leg is not traded or
    /// its spec cannot be copied this way (a Median, or bounds beyond int128): the band then decodes the
    /// session's specs. Word 0 of legs 0-7 is kept in code instead (below), so a swap between two of them whose
    /// specs have neither bounds nor a sequencer feed reads no spec from storage.
    uint256[3][32] internal _bandSpecs;
    /// @dev Word 0 of the copied band specs of legs 0-7 (zero: none), kept in code: a swap reads each from
    /// there (a push) instead of a cold storage slot (2,100 gas a leg). Legs 8 and up keep it in {_bandSpecs}.
    uint256 private immutable _band0;
    uint256 private immutable _band1;
    uint256 private immutable _band2;
    uint256 private immutable _band3;
    uint256 private immutable _band4;
    uint256 private immutable _band5;
    uint256 private immutable _band6;
    uint256 private immutable _band7;

    modifier onlyLp() {
        if (msg.sender != owner()) revert NotLp(msg.sender);
        _;
    }

    /// @param session_ A physical session (the AMM must be allowed to trade in it if it is curated).
    /// @param lp The liquidity provider: the only account that may seed, add, withdraw and claim.
    /// @param weights One weight per session leg (WAD): 0 (leg not traded) or at least 1%, at least two
    /// non-zero, summing to exactly 1e18.
    /// @param swapFeeBps_ Swap fee in bps (at most FeeMath.MAX_FEE_BPS = 500).
    /// @param bandBps_ Oracle band in bps (1 to 5,000).
    constructor(
        SessionCore session_,
        address lp,
        uint64[] memory weights,
        uint256 swapFeeBps_,
        uint256 bandBps_
    ) Ownable(lp) {
        (SessionKind kind, , uint256 n, , uint256 takerBps, , , ) = session_.config();
        if (kind != SessionKind.Physical) revert UnsupportedSessionKind(uint256(kind));
        if (weights.length != n) revert BadWeights(weights.length, n);
        uint256 sum;
        uint256 nonZero;
        uint256[8] memory lanes;
        uint256 decs;
        for (uint256 k; k < n; ++k) {
            uint256 w = weights[k];
            if (w != 0 && w < WeightedMath.MIN_WEIGHT) revert BadWeights(k, w);
            if (w != 0) ++nonZero;
            sum += w;
            (, uint256 dec, , , ) = session_.leg(k);
            lanes[k >> 2] |= w << (64 * (k & 3)); // w is a uint64
            decs |= dec << (8 * k); // the session checked decimals <= 18 at creation; k < 32
        }
        if (sum != WAD || nonZero < 2) revert BadWeights(n, sum);
        (_weights0, _weights1, _weights2, _weights3) = (lanes[0], lanes[1], lanes[2], lanes[3]);
        (_weights4, _weights5, _weights6, _weights7) = (lanes[4], lanes[5], lanes[6], lanes[7]);
        _decimals = decs;
        FixingSpec[] memory specs = abi.decode(session_.fixingSpecs(), (FixingSpec[]));
        uint256[8] memory low; // word 0 of legs 0-7, for the immutables
        for (uint256 k; k < n; ++k) {
            if (weights[k] == 0) continue;
            uint256 w0 = _copyBandSpec(k, specs[k]);
            if (k < 8) low[k] = w0;
            else _bandSpecs[k][0] = w0;
        }
        (_band0, _band1, _band2, _band3) = (low[0], low[1], low[2], low[3]);
        (_band4, _band5, _band6, _band7) = (low[4], low[5], low[6], low[7]);
        if (swapFeeBps_ > FeeMath.MAX_FEE_BPS) revert BadParameter("swapFeeBps", swapFeeBps_);
        if (bandBps_ == 0 || bandBps_ > MAX_BAND_BPS) revert BadParameter("bandBps", bandBps_);
        session = session_;
        legCount = n;
        swapFeeBps = swapFeeBps_;
        bandBps = bandBps_;
        sessionTakerFeeBps = takerBps;
    }

    // ------------------------------------------------------------------ swaps

    /// @notice Executes a trader's signed swap order, checked as exact-in: the order's `amountOut` must be at most
    /// what the invariant pays for its `amountIn` (after the session's taker fee and the swap fee). The trade
    /// is the order exactly: a trader who signs less than the quote leaves the difference in the pool.
    /// Anyone may submit (relay) the order; the trader pays the session's maker fee on what it receives.
    /// @param order Maker = trader, taker = this AMM, two legs: one negative (the trader gives, leg units), one
    /// positive (the trader receives, leg units, gross of the maker fee).
    /// @param signature The trader's signature over the session digest of `order`.
    function swapExactIn(SessionOrder calldata order, bytes calldata signature) external nonReentrant {
        _swap(order, signature, false);
    }

    /// @notice As {swapExactIn}, but checked as exact-out: the order's `amountIn`, after the session's taker fee
    /// and the swap fee, must be at least what the invariant needs to pay its `amountOut`. Anyone may submit.
    function swapExactOut(SessionOrder calldata order, bytes calldata signature) external nonReentrant {
        _swap(order, signature, true);
    }

    function _swap(SessionOrder calldata order, bytes calldata signature, bool exactOut) private {
        if (order.taker != address(this)) revert NotAddressedToAmm(order.taker);
        (uint256 legIn, uint256 legOut, uint256 amountIn, uint256 amountOut) = _swapShape(order);
        _checkSwap(legIn, legOut, amountIn, amountOut, exactOut);
        session.fill(order, signature, WAD);
    }

    /// @dev Checks a swap against the invariant and the oracle band at the reserves before it (the fill that
    /// follows moves them: the reserve of `legIn` gains the amount after the session's taker fee).
    function _checkSwap(
        uint256 legIn,
        uint256 legOut,
        uint256 amountIn,
        uint256 amountOut,
        bool exactOut
    ) private view {
        (LegState memory sIn, LegState memory sOut) = _quoteLegs(legIn, legOut);
        uint256 netIn = amountIn - FeeMath.feeDown(amountIn, sessionTakerFeeBps);
        uint256 effIn = _afterSwapFeeDown(netIn);
        if (exactOut) {
            uint256 needed = WeightedMath.inGivenOutUp(sIn.reserve, sIn.weight, sOut.reserve, sOut.weight, amountOut);
            if (effIn < needed) revert InBelowQuote(legIn, needed, effIn);
        } else {
            uint256 quoted = WeightedMath.outGivenInDown(sIn.reserve, sIn.weight, sOut.reserve, sOut.weight, effIn);
            if (amountOut > quoted) revert OutExceedsQuote(legOut, quoted, amountOut);
        }
        _commit(legIn, legOut, sIn, sOut, netIn, amountOut);
    }

    /// @dev Checks the oracle band on the reserves after a priced swap.
    function _commit(
        uint256 legIn,
        uint256 legOut,
        LegState memory sIn,
        LegState memory sOut,
        uint256 netIn,
        uint256 amountOut
    ) private view {
        uint256 newIn = sIn.reserve + netIn;
        // Cannot underflow: amountOut <= the curve's quote < reserve (exact-in), or <= reserve/2 (exact-out).
        uint256 newOut = sOut.reserve - amountOut;
        _requireBand(legIn, legOut, newIn, sIn, newOut, sOut);
    }

    /// @notice Prices a trader's swap for {PhysicalSession.swapWithPool} (the trader's own call to the
    /// session, no signature): exact-in pays the curve's full quote for `amount` (after the session's taker
    /// fee and the swap fee, rounded down); exact-out asks the fewest units of `legIn` that pay `amount`
    /// (rounded up). The oracle band applies as to a signed swap. Only the session may call, handing over the
    /// AMM's allocations of the two legs (its reserves); it then moves both allocations (or reverts) and checks
    /// the trader's limit.
    function onSessionSwap(
        address /* trader: the curve prices every trader alike */,
        uint256 legIn,
        uint256 legOut,
        uint256 amount,
        bool exactOut,
        uint256 reserveIn,
        uint256 reserveOut
    ) external view returns (uint256 amountIn, uint256 amountOut) {
        if (msg.sender != address(session)) revert NotSession(msg.sender);
        _requireSwapLegs(legIn, legOut);
        (LegState memory sIn, LegState memory sOut) = _legsAt(legIn, legOut, reserveIn, reserveOut);
        uint256 netIn;
        if (exactOut) {
            amountOut = amount;
            uint256 needed = WeightedMath.inGivenOutUp(sIn.reserve, sIn.weight, sOut.reserve, sOut.weight, amount);
            amountIn = _grossUpForFees(needed);
            netIn = amountIn - FeeMath.feeDown(amountIn, sessionTakerFeeBps);
        } else {
            amountIn = amount;
            netIn = amount - FeeMath.feeDown(amount, sessionTakerFeeBps);
            amountOut = WeightedMath.outGivenInDown(
                sIn.reserve,
                sIn.weight,
                sOut.reserve,
                sOut.weight,
                _afterSwapFeeDown(netIn)
            );
            if (amountOut == 0) revert ZeroAmount();
        }
        _commit(legIn, legOut, sIn, sOut, netIn, amountOut);
    }

    /// @dev The two legs of a swap order and its amounts: (leg the trader gives, leg it receives, magnitudes).
    function _swapShape(
        SessionOrder calldata order
    ) private pure returns (uint256 legIn, uint256 legOut, uint256 amountIn, uint256 amountOut) {
        uint256 legs = order.legs;
        uint256 p = LibBit.ffs(legs);
        uint256 q = LibBit.fls(legs);
        if (legs == 0 || p == q || legs != (1 << p) | (1 << q) || order.amounts.length != 2) revert NotASwap(legs);
        int256 a = order.amounts[0];
        int256 b = order.amounts[1];
        if (a == 0 || b == 0) revert ZeroAmount();
        // Safe casts: the signs are checked; the session rejects magnitudes beyond int128.
        if (a < 0 && b > 0) return (p, q, uint256(-a), uint256(b));
        if (a > 0 && b < 0) return (q, p, uint256(-b), uint256(a));
        revert NotASwap(legs);
    }

    /// @dev `amount * (1 - swapFeeBps/1e4)`, rounded down: the part of what the pool receives that the curve
    /// prices. Rounding down favours the pool (the trader is credited less).
    function _afterSwapFeeDown(uint256 amount) private view returns (uint256) {
        return Math.mulDiv(amount, BPS - swapFeeBps, BPS);
    }

    // ------------------------------------------------------------------ oracle band

    function _requireBand(
        uint256 legIn,
        uint256 legOut,
        uint256 newIn,
        LegState memory sIn,
        uint256 newOut,
        LegState memory sOut
    ) private view {
        (bool ok, uint256 poolRate, uint256 oracleRate) = _band(legIn, legOut, newIn, sIn, newOut, sOut, false);
        if (!ok) revert OracleBandExceeded(legIn, legOut, poolRate, oracleRate, bandBps);
    }

    /// @dev Whether the pool's marginal price of `legIn` in units of `legOut` after the swap,
    /// `(newOut / w_out) / (newIn / w_in)`, is at least `(1 - band)` times the oracle's `value(legIn unit) /
    /// value(legOut unit)`. Checked by exact cross-multiplication over 512 bits:
    /// `newOut * w_in * Pout * 1e4 >= (1e4 - band) * newIn * w_out * Pin`, the left side rounded down (a tie
    /// at the boundary is rejected: favours the pool). Only this side is checked: a swap selling `legIn`
    /// lowers its pool price, so a swap that brings an over-priced pool back towards the oracle always passes.
    /// The two rates are returned in WAD for the error and the {bandCheck} view (display only); a passing swap
    /// skips them (`withRates` false: both zero).
    function _band(
        uint256 legIn,
        uint256 legOut,
        uint256 newIn,
        LegState memory sIn,
        uint256 newOut,
        LegState memory sOut,
        bool withRates
    ) private view returns (bool ok, uint256 poolRateWad, uint256 oracleRateWad) {
        (uint256 pIn, uint256 pOut) = _oraclePrices(legIn, legOut);
        // Value of one leg unit, 1e36 = one quote unit: price (WAD per whole token) * 10^(18 - decimals).
        // Unchecked powers: every leg's decimals are at most 18 (checked by the factory), so each is <= 10^18.
        uint256 unitIn;
        uint256 unitOut;
        unchecked {
            unitIn = 10 ** (18 - sIn.decimals);
            unitOut = 10 ** (18 - sOut.decimals);
        }
        pIn *= unitIn;
        pOut *= unitOut;
        uint256 lhs = Math.mulDiv(newOut * sIn.weight, pOut * BPS, pIn);
        uint256 rhs = (BPS - bandBps) * newIn * sOut.weight;
        ok = lhs >= rhs;
        if (ok && !withRates) return (true, 0, 0);
        poolRateWad = WeightedMath.spotRateDown(newIn, sIn.weight, newOut, sOut.weight);
        oracleRateWad = Math.mulDiv(pIn, WAD, pOut);
    }

    /// @dev Copies words 1 and 2 of leg `k`'s spec into {_bandSpecs} when it is single-feed with bounds that fit
    /// int128, and returns its word 0 (zero when it cannot be copied) for the caller to keep.
    function _copyBandSpec(uint256 k, FixingSpec memory f) private returns (uint256 w0) {
        if (f.kind == FixingKind.Median || f.feeds.length != 1) return 0;
        int256 lo = f.minAnswer;
        int256 hi = f.maxAnswer;
        if (int128(lo) != lo || int128(hi) != hi) return 0;
        w0 = uint256(uint160(f.feeds[0])) | (uint256(f.heartbeat) << 160);
        if (lo != 0 || hi != 0) {
            w0 |= BAND_BOUNDS;
            _bandSpecs[k][1] = uint256(uint128(int128(lo))) | (uint256(uint128(int128(hi))) << 128);
        }
        if (f.sequencerFeed != address(0)) {
            w0 |= BAND_SEQUENCER;
            _bandSpecs[k][2] = uint256(uint160(f.sequencerFeed)) | (uint256(f.sequencerGrace) << 160);
        }
    }

    /// @dev Word 0 of leg `k`'s copied band spec: from code for legs 0-7, else from {_bandSpecs}.
    function _bandWord(uint256 k) private view returns (uint256) {
        if (k < 4) {
            if (k < 2) return k == 0 ? _band0 : _band1;
            return k == 2 ? _band2 : _band3;
        }
        if (k < 8) {
            if (k < 6) return k == 4 ? _band4 : _band5;
            return k == 6 ? _band6 : _band7;
        }
        return _bandSpecs[k][0];
    }

    /// @dev The latest oracle prices (WAD) of two legs, each checked by {OracleFixing.latestWad} against its
    /// session spec: rebuilt from the copy when both legs have one, else decoded from the session.
    function _oraclePrices(uint256 legIn, uint256 legOut) private view returns (uint256 pIn, uint256 pOut) {
        uint256 cIn = _bandWord(legIn);
        uint256 cOut = _bandWord(legOut);
        if (cIn != 0 && cOut != 0) {
            pIn = _copiedPrice(legIn, cIn);
            pOut = _copiedPrice(legOut, cOut);
        } else {
            FixingSpec[] memory specs = abi.decode(session.fixingSpecs(), (FixingSpec[]));
            (pIn, ) = OracleFixing.latestWad(specs[legIn]);
            (pOut, ) = OracleFixing.latestWad(specs[legOut]);
        }
    }

    /// @dev Leg `k`'s latest price from its copied spec (word 0 = `w0`), by {OracleFixing.latestWadOf}: the
    /// feed, heartbeat, bounds, sequencer feed and grace that {OracleFixing.latestWad} reads, unpacked from the
    /// words with no spec in memory.
    function _copiedPrice(uint256 k, uint256 w0) private view returns (uint256 priceWad) {
        int256 lo;
        int256 hi;
        address seq;
        uint256 grace;
        if (w0 & BAND_BOUNDS != 0) {
            uint256 w1 = _bandSpecs[k][1];
            lo = int128(uint128(w1));
            hi = int128(uint128(w1 >> 128));
        }
        if (w0 & BAND_SEQUENCER != 0) {
            uint256 w2 = _bandSpecs[k][2];
            seq = address(uint160(w2));
            grace = uint32(w2 >> 160);
        }
        (priceWad, ) = OracleFixing.latestWadOf(address(uint160(w0)), uint32(w0 >> 160), lo, hi, seq, grace);
    }

    // ------------------------------------------------------------------ quotes

    /// @notice Quote for giving `amountIn` units of `legIn` for `legOut` at the current reserves.
    /// @return amountOut Most units of `legOut` an exact-in order may ask (gross; the order's positive amount).
    /// @return traderReceives What the trader's allocation gains after the session's maker fee.
    /// @return netIn What the pool's reserve of `legIn` gains (after the session's taker fee).
    /// @return withinBand Whether the swap passes the oracle band now (false also when the oracle is stale:
    /// the swap would then revert with the oracle's own error).
    function quoteExactIn(
        uint256 legIn,
        uint256 legOut,
        uint256 amountIn
    ) external view returns (uint256 amountOut, uint256 traderReceives, uint256 netIn, bool withinBand) {
        (LegState memory sIn, LegState memory sOut) = _quoteLegs(legIn, legOut);
        if (amountIn == 0) revert ZeroAmount();
        netIn = amountIn - FeeMath.feeDown(amountIn, sessionTakerFeeBps);
        amountOut = WeightedMath.outGivenInDown(
            sIn.reserve,
            sIn.weight,
            sOut.reserve,
            sOut.weight,
            _afterSwapFeeDown(netIn)
        );
        traderReceives = amountOut - FeeMath.feeDown(amountOut, _makerFeeBps());
        withinBand = _bandView(legIn, legOut, sIn.reserve + netIn, sOut.reserve - amountOut);
    }

    /// @notice Quote for receiving `amountOut` units of `legOut` (gross, before the session's maker fee) for
    /// `legIn`.
    /// @return amountIn Fewest units of `legIn` an exact-out order must give (rounded up: favours the pool).
    /// @return traderReceives What the trader's allocation gains after the session's maker fee.
    /// @return netIn What the pool's reserve of `legIn` gains (after the session's taker fee).
    /// @return withinBand As in {quoteExactIn}.
    function quoteExactOut(
        uint256 legIn,
        uint256 legOut,
        uint256 amountOut
    ) external view returns (uint256 amountIn, uint256 traderReceives, uint256 netIn, bool withinBand) {
        (LegState memory sIn, LegState memory sOut) = _quoteLegs(legIn, legOut);
        if (amountOut == 0) revert ZeroAmount();
        uint256 needed = WeightedMath.inGivenOutUp(sIn.reserve, sIn.weight, sOut.reserve, sOut.weight, amountOut);
        amountIn = _grossUpForFees(needed);
        netIn = amountIn - FeeMath.feeDown(amountIn, sessionTakerFeeBps);
        traderReceives = amountOut - FeeMath.feeDown(amountOut, _makerFeeBps());
        withinBand = _bandView(legIn, legOut, sIn.reserve + netIn, sOut.reserve - amountOut);
    }

    /// @dev Smallest gross amount whose part priced by the curve (after the session's taker fee and the swap
    /// fee, both rounded as in {_swap}) is at least `needed`. The closed form rounds up; one step down is
    /// tried since the fee floors can make it one unit generous.
    function _grossUpForFees(uint256 needed) private view returns (uint256 amountIn) {
        uint256 afterTaker = Math.mulDiv(needed, BPS, BPS - swapFeeBps, Math.Rounding.Ceil);
        amountIn = Math.mulDiv(afterTaker, BPS, BPS - sessionTakerFeeBps, Math.Rounding.Ceil);
        if (amountIn > 1 && _effective(amountIn - 1) >= needed) amountIn -= 1;
    }

    function _effective(uint256 amountIn) private view returns (uint256) {
        return _afterSwapFeeDown(amountIn - FeeMath.feeDown(amountIn, sessionTakerFeeBps));
    }

    /// @dev The two legs of a swap at the AMM's current allocations, read from the session.
    function _quoteLegs(
        uint256 legIn,
        uint256 legOut
    ) private view returns (LegState memory sIn, LegState memory sOut) {
        _requireSwapLegs(legIn, legOut);
        (int256 xIn, int256 xOut) = IPoolSession(address(session)).allocationPair(address(this), legIn, legOut);
        // Physical allocations are never negative (the session refuses to move one below zero).
        return _legsAt(legIn, legOut, uint256(xIn), uint256(xOut));
    }

    /// @dev Reverts unless both legs are distinct legs of the session ({_legsAt} checks that the AMM trades them).
    function _requireSwapLegs(uint256 legIn, uint256 legOut) private view {
        if (legIn >= legCount) revert UnknownLeg(legIn);
        if (legOut >= legCount) revert UnknownLeg(legOut);
        if (legIn == legOut) revert SameLeg(legIn);
    }

    /// @dev The two legs of a swap at reserves `rIn` and `rOut`: both traded by the AMM, both reserves non-zero.
    function _legsAt(
        uint256 legIn,
        uint256 legOut,
        uint256 rIn,
        uint256 rOut
    ) private view returns (LegState memory sIn, LegState memory sOut) {
        sIn = _leg(legIn, rIn);
        sOut = _leg(legOut, rOut);
        if (sIn.weight == 0) revert UnknownLeg(legIn);
        if (sOut.weight == 0) revert UnknownLeg(legOut);
        if (sIn.reserve == 0) revert EmptyReserve(legIn);
        if (sOut.reserve == 0) revert EmptyReserve(legOut);
    }

    /// @dev Leg `k` at reserve `r`: its weight (0 when the AMM does not trade it, or k is beyond the legs) and
    /// decimals from code.
    function _leg(uint256 k, uint256 r) private view returns (LegState memory st) {
        st.reserve = r;
        st.weight = _weightOf(k);
        st.decimals = uint8(_decimals >> (8 * k)); // k < legCount <= 32 wherever a weight is non-zero
    }

    /// @dev Leg `k`'s weight from the lanes of `_weights0`..`_weights7`; 0 for k >= 32.
    function _weightOf(uint256 k) private view returns (uint256) {
        uint256 i = k >> 2;
        uint256 w;
        if (i < 4) {
            if (i < 2) w = i == 0 ? _weights0 : _weights1;
            else w = i == 2 ? _weights2 : _weights3;
        } else if (i < 8) {
            if (i < 6) w = i == 4 ? _weights4 : _weights5;
            else w = i == 6 ? _weights6 : _weights7;
        } else {
            return 0;
        }
        return uint64(w >> (64 * (k & 3)));
    }

    /// @dev The AMM's session allocation of every leg: its reserves.
    function _reserves() private view returns (uint256[] memory r) {
        int256[] memory x = session.allocationOf(address(this));
        r = new uint256[](x.length);
        // Physical allocations are never negative (the session refuses to move one below zero).
        for (uint256 k; k < x.length; ++k) r[k] = uint256(x[k]);
    }

    /// @dev {bandCheck} through an external self-call, so that an oracle revert reads as "not within band".
    function _bandView(uint256 legIn, uint256 legOut, uint256 newIn, uint256 newOut) private view returns (bool) {
        try this.bandCheck(legIn, legOut, newIn, newOut) returns (bool ok, uint256, uint256) {
            return ok;
        } catch {
            return false;
        }
    }

    /// @notice The oracle band test for hypothetical reserves `newIn` of `legIn` and `newOut` of `legOut`:
    /// whether the pool's marginal price of `legIn` in `legOut` is at least `(1 - band)` times the oracle's.
    /// Reverts with the oracle's error if a price is stale or invalid.
    /// @return ok Whether the band holds.
    /// @return poolRateWad The pool's marginal price of one unit of `legIn` in units of `legOut` (WAD).
    /// @return oracleRateWad The oracle's (WAD).
    function bandCheck(
        uint256 legIn,
        uint256 legOut,
        uint256 newIn,
        uint256 newOut
    ) external view returns (bool ok, uint256 poolRateWad, uint256 oracleRateWad) {
        (LegState memory sIn, LegState memory sOut) = _quoteLegs(legIn, legOut);
        return _band(legIn, legOut, newIn, sIn, newOut, sOut, true);
    }

    function _makerFeeBps() private view returns (uint256 makerBps) {
        (, , , , , makerBps, , ) = session.config();
    }

    // ------------------------------------------------------------------ liquidity

    /// @notice Seeds or tops up the AMM before t1 by subscribing `sessionShares` shares of the session: pulls
    /// `sessionShares * u_k` units of every leg token from the LP (who must have approved this AMM; shortfalls
    /// of fee-on-transfer tokens revert), subscribes, and mints LP shares pro rata. LP only; the LP pays.
    /// @param sessionShares Session subscription shares.
    /// @param proof Merkle proof for a Merkle-curated session (first subscription only), else empty.
    function subscribe(uint256 sessionShares, bytes32[] calldata proof) external nonReentrant onlyLp {
        if (sessionShares == 0) revert ZeroAmount();
        uint256 n = legCount;
        uint256[] memory amounts = new uint256[](n);
        uint256[] memory before = _reserves();
        address s = address(session);
        for (uint256 k; k < n; ++k) {
            (address token, , uint256 unit, , ) = session.leg(k);
            uint256 amt = sessionShares * unit;
            amounts[k] = amt;
            IERC20 t = IERC20(token);
            uint256 b0 = t.balanceOf(address(this));
            t.safeTransferFrom(msg.sender, address(this), amt);
            uint256 got = t.balanceOf(address(this)) - b0;
            if (got != amt) revert TransferShortfall(token, amt, got);
            t.forceApprove(s, amt);
        }
        session.subscribe(sessionShares, proof);
        _credit(before, amounts);
    }

    /// @notice Adds allocation during trading: the LP signs an order (maker = LP, taker = this AMM) that only
    /// gives; the AMM fills it. The reserves gain each amount minus the session's taker fee (paid by the AMM's
    /// receipt, so by the LP); LP shares are minted for the smallest ratio of a weighted leg's gain to its
    /// reserve (a lopsided add donates its excess to the reserves). LP only.
    function add(SessionOrder calldata order, bytes calldata signature) external nonReentrant onlyLp {
        uint256[] memory net = _lpOrderAmounts(order, false);
        uint256 t = sessionTakerFeeBps;
        for (uint256 k; k < net.length; ++k) {
            if (net[k] != 0) net[k] -= FeeMath.feeDown(net[k], t);
        }
        _credit(_reserves(), net);
        session.fill(order, signature, WAD);
    }

    /// @notice Withdraws allocation during trading by burning `shares` LP shares: the LP signs an order
    /// (maker = LP, taker = this AMM) that only receives, each amount at most `reserve_k * shares /
    /// totalShares` rounded down (see {previewWithdraw}); asking less leaves the rest in the pool. The LP pays
    /// the session's maker fee on what it receives. LP only. Blocked while the session is paused (the
    /// allocation stays in the session and is claimed with {claim} after settlement).
    function withdraw(
        SessionOrder calldata order,
        bytes calldata signature,
        uint256 shares
    ) external nonReentrant onlyLp {
        if (shares == 0) revert ZeroAmount();
        uint256 total = totalShares;
        if (shares > total) revert InsufficientShares(shares, total);
        uint256[] memory amounts = _lpOrderAmounts(order, true);
        uint256[] memory r = _reserves();
        for (uint256 k; k < amounts.length; ++k) {
            uint256 a = amounts[k];
            if (a == 0) continue;
            uint256 allowed = Math.mulDiv(r[k], shares, total); // rounded down: favours the pool
            if (a > allowed) revert WithdrawalAboveProRata(k, allowed, a);
        }
        totalShares = total - shares;
        emit Withdrew(msg.sender, amounts, shares, total - shares);
        session.fill(order, signature, WAD);
    }

    /// @notice After settlement (or fallback release), claims the AMM's whole allocation from the session and
    /// sends it to `to`. LP only.
    function claim(address to) external nonReentrant onlyLp returns (uint256[] memory amounts) {
        amounts = session.claim(to);
        emit ClaimedForLp(to, amounts);
    }

    /// @notice Proves the AMM's membership of a Merkle-curated session's allowlist. LP only.
    function admit(bytes32[] calldata proof) external onlyLp {
        session.admit(proof);
    }

    /// @dev Per leg (length = legCount) the magnitudes of an LP order that only gives (`receives` false) or
    /// only receives; checks maker = LP and taker = this AMM.
    function _lpOrderAmounts(
        SessionOrder calldata order,
        bool receives
    ) private view returns (uint256[] memory amounts) {
        if (order.maker != owner()) revert BadLpOrder(0);
        if (order.taker != address(this)) revert NotAddressedToAmm(order.taker);
        uint256 n = legCount;
        uint256 legs = order.legs;
        if (legs == 0 || legs >> n != 0) revert BadLpOrder(1);
        amounts = new uint256[](n);
        uint256 j;
        for (uint256 k; k < n; ++k) {
            if ((legs >> k) & 1 == 0) continue;
            if (j >= order.amounts.length) revert BadLpOrder(2);
            int256 a = order.amounts[j++];
            if (a == 0) revert ZeroAmount();
            if ((a > 0) != receives) revert BadLpOrder(3);
            // Safe cast: the sign is checked; the session rejects magnitudes beyond int128.
            amounts[k] = a > 0 ? uint256(a) : uint256(-a);
        }
        if (j != order.amounts.length) revert BadLpOrder(2);
    }

    /// @dev Mints LP shares for `net` added to reserves `r` (before the addition): WAD on the first seeding
    /// (every weighted leg must then be funded), else `totalShares * min_k(net_k / r_k)` over weighted legs,
    /// rounded down (favours the existing shares: reserves per share never fall).
    function _credit(uint256[] memory r, uint256[] memory net) private {
        uint256 n = net.length;
        uint256 total = totalShares;
        uint256 ratio = type(uint256).max;
        for (uint256 k; k < n; ++k) {
            if (_weightOf(k) == 0) continue;
            if (total == 0) {
                if (r[k] + net[k] == 0) revert EmptyReserve(k);
            } else {
                uint256 ratioK = Math.mulDiv(net[k], WAD, r[k]);
                if (ratioK < ratio) ratio = ratioK;
            }
        }
        uint256 minted = total == 0 ? WAD : Math.mulDiv(total, ratio, WAD);
        if (minted == 0) revert AddMintsNothing();
        totalShares = total + minted;
        emit Added(msg.sender, net, minted, total + minted);
    }

    // ------------------------------------------------------------------ views

    /// @notice Reserves (the AMM's session allocation, leg units) and weights (WAD) of every leg.
    function reserves() external view returns (uint256[] memory r, uint256[] memory w) {
        r = _reserves();
        w = _weightsAll();
    }

    function _weightsAll() private view returns (uint256[] memory w) {
        uint256 n = legCount;
        w = new uint256[](n);
        for (uint256 k; k < n; ++k) w[k] = _weightOf(k);
    }

    /// @notice `ln V = sum_k w_k ln(x_k)` (WAD) of the weighted legs, an approximation within a few wei; with
    /// {totalShares}, `lnInvariant - ln(totalShares)` is the log of the invariant per LP share.
    function lnInvariant() external view returns (int256) {
        return WeightedMath.lnInvariant(_reserves(), _weightsAll());
    }

    /// @notice Most the LP may withdraw of each leg for `shares` LP shares: `reserve_k * shares / totalShares`
    /// rounded down.
    function previewWithdraw(uint256 shares) external view returns (uint256[] memory amounts) {
        uint256 total = totalShares;
        if (shares > total) revert InsufficientShares(shares, total);
        amounts = _reserves();
        for (uint256 k; k < amounts.length; ++k) amounts[k] = Math.mulDiv(amounts[k], shares, total);
    }

    /// @notice The pool's marginal price of one unit of `legIn` in units of `legOut` (WAD, rounded down).
    function spotRate(uint256 legIn, uint256 legOut) external view returns (uint256) {
        (LegState memory sIn, LegState memory sOut) = _quoteLegs(legIn, legOut);
        return WeightedMath.spotRateDown(sIn.reserve, sIn.weight, sOut.reserve, sOut.weight);
    }
}
