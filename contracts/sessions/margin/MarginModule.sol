// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {ISessionErrors} from "../ISessionErrors.sol";
import {ActionKind, ActionState, CorporateAction, MarginConfig, Status} from "../SessionTypes.sol";
import {IMarginSession} from "./IMarginSession.sol";
import {MarginSession} from "./MarginSession.sol";
import {MarginStorage} from "./MarginStorage.sol";

/// @title MarginModule
/// @notice The governance half of a {MarginSession}, run by DELEGATECALL in the session's storage: the margin
/// configuration, corporate actions through a timelock, dividend claims, the fallback fixing proposal with its
/// dispute bond, and the margin views.
/// @dev Deployed once, stateless itself. It shares only the {MarginStorage} namespace (and OpenZeppelin's
/// namespaced initializer and transient reentrancy slots) with the session; everything else of the session
/// (roles, windows, shares, allocations, status) it reads through the session's own external functions, and the
/// session state it changes (dividend debits, fallback release) it changes through the session's permissionless
/// entry points. Called directly, not through a session, every state-changing function reverts with
/// {NotASession} (the views revert too: the module has no session to read).
contract MarginModule is Initializable, ReentrancyGuardTransient, IMarginSession, ISessionErrors {
    using EnumerableSet for EnumerableSet.AddressSet;
    using SafeERC20 for IERC20;

    uint256 private constant E36 = MarginStorage.E36;
    uint256 private constant BPS = MarginStorage.BPS;
    uint256 private constant CLONE_ARGS_OFFSET = 0x2d;
    /// @notice Shortest timelock of a corporate action: one hour. Nobody can leave a session after t1, so the
    /// delay is the participants' time to see an announced action (the {ActionScheduled} event, the `margin
    /// watch` CLI) and react before it executes: close or cut a short by a trade before a dividend debits it or
    /// a cash in lieu converts the leg at the oracle price, check that the token's own split really is due, and
    /// trade out of a leg whose conversion they do not want. An hour is some 300 L1 blocks (well past any
    /// re-organisation) and several polls of any keeper; organisers should announce real corporate actions
    /// days ahead (as issuers do), which the config allows.
    uint256 public constant MIN_ACTION_DELAY = 1 hours;
    /// @notice Largest `minShortEquityBps`: 50 short accounts at 200 bps each hold the whole pool's value.
    uint256 public constant MAX_MIN_SHORT_EQUITY_BPS = 200;
    /// @dev The module's own address: a direct call (not a DELEGATECALL from a session) reverts.
    address private immutable _self = address(this);

    constructor() {
        _disableInitializers();
    }

    modifier onlySession() {
        if (address(this) == _self) revert NotASession();
        _;
    }

    modifier onlyOrganiser() {
        if (!IAccessControl(address(this)).hasRole(0x00, msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, 0x00);
        }
        _;
    }

    function _ml() private pure returns (MarginStorage.Layout storage) {
        return MarginStorage.layout();
    }

    function _session() private view returns (MarginSession) {
        return MarginSession(address(this));
    }

    /// @dev Word `i` of the session clone's immutable args (layout in {SessionCore}).
    function _argWord(uint256 i) private view returns (uint256 w) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(CLONE_ARGS_OFFSET, shl(5, i)), 0x20)
            w := mload(0x00)
        }
    }

    function _legCount() private view returns (uint256) {
        return (_argWord(0) >> 192) & 0xff;
    }

    function _legToken(uint256 k) private view returns (address) {
        return address(uint160(_argWord(5 + k)));
    }

    function _status() private view returns (Status) {
        return _session().status();
    }

    /// @dev The basket q_k in session units: shares * u_k, plus the dividend debits on the cash leg.
    function _basket(uint256 k, uint256 n) private view returns (uint256) {
        return _basketOf(k, n, _session().totalShares());
    }

    /// @dev {_basket} with the session's total shares already read.
    function _basketOf(uint256 k, uint256 n, uint256 shares) private view returns (uint256) {
        uint256 q = shares * _argWord(5 + n + k);
        if (k != _ml().cashLeg) return q;
        // Safe cast: the debits never exceed the cash basket (checked where they are made).
        return uint256(int256(q) + _ml().cashBasketDelta);
    }

    /// @dev Unit values of every leg at the latest oracle prices; legs in `skip` (and closed legs) are 0.
    function _unitValues(uint256 skip) private view returns (uint256[] memory p) {
        MarginStorage.Layout storage m = _ml();
        MarginSession s = _session();
        uint256[] memory prices = s.oracle().latestMasked(s.fixingSpecs(), skip | m.closedLegs);
        p = new uint256[](prices.length);
        for (uint256 k; k < prices.length; ++k) {
            p[k] = MarginStorage.unitValue(m, k, prices[k], (_argWord(5 + k) >> 160) & 0xff);
        }
    }

    // ------------------------------------------------------------------ configuration

    /// @notice Called once by the factory right after {SessionCore.initialize}, in the creating transaction.
    /// Reverts with `InvalidMarginConfig(field, value)` on a parameter out of range.
    function configureMargin(MarginConfig calldata c) external onlySession reinitializer(2) {
        uint256 n = _legCount();
        if (c.cashLeg >= n) revert InvalidMarginConfig("cashLeg", c.cashLeg);
        if (c.initialMarginBps == 0 || c.initialMarginBps > BPS) {
            revert InvalidMarginConfig("initialMarginBps", c.initialMarginBps);
        }
        if (c.maintenanceMarginBps == 0 || c.maintenanceMarginBps > c.initialMarginBps) {
            revert InvalidMarginConfig("maintenanceMarginBps", c.maintenanceMarginBps);
        }
        if (c.liquidationPenaltyBps > c.maintenanceMarginBps) {
            revert InvalidMarginConfig("liquidationPenaltyBps", c.liquidationPenaltyBps);
        }
        if (c.concentrationBps == 0 || c.concentrationBps > BPS) {
            revert InvalidMarginConfig("concentrationBps", c.concentrationBps);
        }
        if (c.shockBps.length != n) revert InvalidMarginConfig("shockBps", c.shockBps.length);
        if (c.groupShockBps > BPS) revert InvalidMarginConfig("groupShockBps", c.groupShockBps);
        if (n < 32 && c.groupMask >> n != 0) revert InvalidMarginConfig("groupMask", c.groupMask);
        if (c.actionDelay < MIN_ACTION_DELAY) revert InvalidMarginConfig("actionDelay", c.actionDelay);
        if (c.minShortEquityBps == 0 || c.minShortEquityBps > MAX_MIN_SHORT_EQUITY_BPS) {
            revert InvalidMarginConfig("minShortEquityBps", c.minShortEquityBps);
        }
        if (c.disputeWindow == 0) revert InvalidMarginConfig("disputeWindow", 0);
        if (c.disputeBond == 0) revert InvalidMarginConfig("disputeBond", 0);
        MarginStorage.Layout storage m = _ml();
        for (uint256 k; k < n; ++k) {
            if (c.shockBps[k] > BPS) revert InvalidMarginConfig("shockBps", k);
            m.shocks[k >> 4] |= uint256(c.shockBps[k]) << ((k & 15) << 4);
        }
        m.cashLeg = c.cashLeg;
        m.initialMarginBps = c.initialMarginBps;
        m.maintenanceMarginBps = c.maintenanceMarginBps;
        m.liquidationPenaltyBps = c.liquidationPenaltyBps;
        m.concentrationBps = c.concentrationBps;
        m.groupShockBps = c.groupShockBps;
        m.groupMask = c.groupMask;
        m.actionDelay = c.actionDelay;
        m.disputeWindow = c.disputeWindow;
        m.disputeBond = c.disputeBond;
        m.minShortEquityBps = c.minShortEquityBps;
        emit MarginConfigured(c.cashLeg, c.initialMarginBps, c.maintenanceMarginBps);
    }

    // ------------------------------------------------------------------ corporate actions

    /// @notice Schedules a corporate action, executable by the organiser from `now + actionDelay` until t2
    /// (participants see it in {ActionScheduled} and {action} for the whole delay). Organiser
    /// (DEFAULT_ADMIN_ROLE) only.
    /// @param kind Split, Dividend or CashInLieu (see {ActionKind}).
    /// @param leg The leg concerned; never the cash leg.
    /// @param num Split: new tokens per old token, numerator. Dividend: cash-leg token units paid. CashInLieu: 0.
    /// @param den Split: denominator (num/den != 1). Dividend and CashInLieu: 0.
    /// @return id The action's index.
    function scheduleAction(
        ActionKind kind,
        uint256 leg,
        uint256 num,
        uint256 den
    ) external onlySession onlyOrganiser returns (uint256 id) {
        MarginStorage.Layout storage m = _ml();
        uint256 n = _legCount();
        if (_status() != Status.Open) revert AlreadyFinal(_status());
        if (leg >= n || leg == m.cashLeg) revert BadAction("leg", leg);
        if ((m.closedLegs >> leg) & 1 == 1) revert LegClosed(leg);
        if (kind == ActionKind.Split) {
            if (num == 0 || den == 0 || num == den || num > type(uint64).max || den > type(uint64).max) {
                revert BadAction("ratio", num);
            }
        } else if (kind == ActionKind.Dividend) {
            if (num == 0 || num > type(uint128).max) revert BadAction("amount", num);
            if (den != 0) revert BadAction("den", den);
        } else if (num != 0 || den != 0) {
            revert BadAction("num", num);
        }
        (, uint256 t2, , ) = _session().windows();
        uint256 eta = block.timestamp + m.actionDelay;
        if (eta >= t2) revert ActionsClosed(eta, t2);
        id = m.actions.length;
        // Narrowing casts: leg < 32, eta < t2 < 2^40, num and den bounded above.
        m.actions.push(
            CorporateAction(kind, ActionState.Scheduled, uint8(leg), uint40(eta), uint128(num), uint128(den))
        );
        emit ActionScheduled(id, kind, leg, num, den, eta);
    }

    /// @notice Cancels a scheduled action before it executes. Organiser only.
    function cancelAction(uint256 id) external onlySession onlyOrganiser {
        CorporateAction storage a = _scheduled(id);
        a.state = ActionState.Cancelled;
        emit ActionCancelled(id);
    }

    /// @notice Executes a scheduled action from its eta (and t1) until t2. Organiser only; the organiser pays
    /// dividends and cash-in-lieu from its own tokens (approve the cash-leg token first).
    /// - Split: the leg's tokens per session unit are multiplied by num/den (O(1): no allocation is touched);
    ///   the token's own split must already have happened, as the pool's balance is checked against the new
    ///   basket both ways ({_split}).
    /// - Dividend: pulls `num` cash-leg units; the leg's index rises by num / q_k; shorts pay their share now
    ///   from their cash-leg allocation, longs accrue claimable dividends.
    /// - CashInLieu: at the latest oracle prices of the leg and the cash leg, pulls the basket's value in cash
    ///   from the organiser, sends it the leg's tokens, pays the value per unit like a dividend and closes the leg.
    function executeAction(uint256 id) external onlySession onlyOrganiser nonReentrant {
        CorporateAction storage a = _scheduled(id);
        (uint256 t1, uint256 t2, , ) = _session().windows();
        uint256 ready = Math.max(a.eta, t1);
        if (block.timestamp < ready) revert ActionNotReady(id, ready, block.timestamp);
        if (block.timestamp >= t2 || _status() != Status.Open) revert ActionsClosed(block.timestamp, t2);
        uint256 k = a.leg;
        MarginStorage.Layout storage m = _ml();
        if ((m.closedLegs >> k) & 1 == 1) revert LegClosed(k);
        a.state = ActionState.Executed;
        uint256 n = _legCount();
        if (a.kind == ActionKind.Split) {
            _split(id, k, a.num, a.den, n);
            return;
        }
        uint256 q = _basket(k, n);
        if (q == 0) revert BadAction("basket", 0);
        uint256 j = m.cashLeg;
        uint256 delta;
        uint256 pay;
        if (a.kind == ActionKind.Dividend) {
            pay = a.num;
            delta = (pay * E36) / q; // rounded down: the pool keeps the remainder
        } else {
            uint256[] memory p = _unitValues(((1 << n) - 1) & ~((1 << k) | (1 << j)));
            delta = Math.mulDiv(p[k], E36, p[j]);
            pay = Math.mulDiv(q, delta, E36, Math.Rounding.Ceil); // rounded up against the organiser
            uint256 tokens = MarginStorage.basketTokens(m, k, q);
            m.closedLegs |= 1 << k;
            IERC20(_legToken(k)).safeTransfer(msg.sender, tokens);
        }
        _pullExact(_legToken(j), msg.sender, pay);
        m.dividendReserve += pay;
        m.divIndex[k] += delta;
        m.dividendLegs |= 1 << k;
        // Shorts pay now, so the reserve always covers every long's accrual, claimed or not.
        address[] memory shorts = m.shorts.values();
        for (uint256 i; i < shorts.length; ++i) _session().checkpoint(shorts[i]);
        emit ActionExecuted(id, a.kind, k, 0, 0, delta, pay);
    }

    /// @dev Multiplies leg k's tokens per session unit by num/den (reduced) and its basket in tokens by num/den
    /// (rounded down, as the issuer rounds the pool's balance), then checks that the token's own split happened,
    /// both ways, on the pool's balance `have`:
    /// - `have >= need`, the new basket in tokens (`BalanceShortfall`): a split that did not happen leaves too
    ///   few tokens;
    /// - `have <= 2 * need + 1` (one unit for an issuer that rounds up) and, for a reverse split, `have < old`,
    ///   the old basket (`SplitNotReflected`): a reverse split that did not happen leaves the balance where it
    ///   was, and a split of another ratio leaves far more than the new basket. The slack of one new basket
    ///   keeps a donation from blocking a real split unless the donor gives away the whole basket's worth; any
    ///   surplus (rounding, donations) is released by the sweep after the claims ({MarginSession-_sweep}).
    function _split(uint256 id, uint256 k, uint256 num, uint256 den, uint256 n) private {
        MarginStorage.Layout storage m = _ml();
        m.splitTokens[k] = _splitNeed(m, k, num, den, n);
        (uint256 n0, uint256 d0) = MarginStorage.scaleOf(m, k);
        num *= n0;
        den *= d0;
        uint256 g = _gcd(num, den);
        (num, den) = (num / g, den / g);
        if (num > type(uint128).max || den > type(uint128).max) revert BadAction("scale", num);
        m.scale[k] = (num << 128) | den;
        emit ActionExecuted(id, ActionKind.Split, k, num, den, 0, 0);
    }

    /// @dev The new basket of leg k in tokens after this action's split num/den, once the pool's balance shows
    /// the token's own split both ways (see {_split}).
    function _splitNeed(
        MarginStorage.Layout storage m,
        uint256 k,
        uint256 num,
        uint256 den,
        uint256 n
    ) private view returns (uint256 need) {
        uint256 old = MarginStorage.basketTokens(m, k, _basket(k, n));
        need = Math.mulDiv(old, num, den);
        address token = _legToken(k);
        uint256 have = IERC20(token).balanceOf(address(this));
        if (have < need) revert BalanceShortfall(token, have, need);
        uint256 max = 2 * need + 1;
        // A reverse split must have dropped the balance below the old basket (old > 0 in the branch).
        if (num < den && max >= old && old != 0) max = old - 1;
        if (old != 0 && have > max) revert SplitNotReflected(token, have, max);
    }

    /// @dev Pulls exactly `amount` or reverts (fee-on-transfer tokens are rejected).
    function _pullExact(address token, address from, uint256 amount) private {
        IERC20 t = IERC20(token);
        uint256 b0 = t.balanceOf(address(this));
        t.safeTransferFrom(from, address(this), amount);
        uint256 got = t.balanceOf(address(this)) - b0;
        if (got != amount) revert TransferShortfall(token, amount, got);
    }

    function _scheduled(uint256 id) private view returns (CorporateAction storage a) {
        MarginStorage.Layout storage m = _ml();
        if (id >= m.actions.length) revert ActionNotScheduled(id, ActionState.None);
        a = m.actions[id];
        if (a.state != ActionState.Scheduled) revert ActionNotScheduled(id, a.state);
    }

    function _gcd(uint256 a, uint256 b) private pure returns (uint256) {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// @notice Corporate action `id`.
    function action(uint256 id) external view returns (CorporateAction memory) {
        return _ml().actions[id];
    }

    /// @notice Number of corporate actions ever scheduled.
    function actionCount() external view returns (uint256) {
        return _ml().actions.length;
    }

    // ------------------------------------------------------------------ fallback fixing

    /// @notice If the oracle failed past the fallback deadline, the organiser may propose the fixings within
    /// `disputeWindow` after it. The proposal settles the session through {finalizeFixing} unless a participant
    /// disputes it within `disputeWindow`. Organiser only.
    /// @param prices One WAD price per whole token per leg, each > 0 (ignored for closed legs).
    function proposeFixing(uint256[] calldata prices) external onlySession onlyOrganiser {
        if (_status() != Status.Open) revert AlreadyFinal(_status());
        MarginStorage.Layout storage m = _ml();
        if (m.proposedAt != 0) revert ProposalExists();
        (, , uint256 deadline, ) = _session().windows();
        uint256 end = deadline + m.disputeWindow;
        if (block.timestamp <= deadline || block.timestamp > end) {
            revert ProposalWindow(block.timestamp, deadline + 1, end);
        }
        uint256 n = _legCount();
        if (prices.length != n) revert BadProposal(prices.length);
        for (uint256 k; k < n; ++k) {
            if (prices[k] == 0 && (m.closedLegs >> k) & 1 == 0) revert BadProposal(k);
        }
        m.proposed = prices;
        // Narrowing cast: timestamps fit 40 bits for 30,000 years.
        m.proposedAt = uint40(block.timestamp);
        emit FixingProposed(msg.sender, prices, block.timestamp + m.disputeWindow);
    }

    /// @notice Disputes the pending proposal within its window. The caller (a subscriber or allocation holder)
    /// pays `disputeBond` cash-leg units, forfeited to the fee recipient, and the session is released pro rata
    /// to subscription shares. Approve the bond first. The bond stays in the pool as the fee recipient's balance
    /// ({withdrawBond}): no transfer to the fee recipient can make a dispute revert.
    function disputeFixing() external onlySession {
        MarginStorage.Layout storage m = _ml();
        uint256 at = m.proposedAt;
        if (at == 0 || m.disputer != address(0) || _status() != Status.Open) revert NoProposal();
        uint256 end = at + m.disputeWindow;
        if (block.timestamp > end) revert DisputeWindow(block.timestamp, end);
        if (!_isParticipant(msg.sender)) revert NotParticipant(msg.sender);
        m.disputer = msg.sender;
        _session().releaseFallback();
        address token = _legToken(m.cashLeg);
        uint256 bond = m.disputeBond;
        _pullExact(token, msg.sender, bond);
        m.bonds[address(uint160(_argWord(0)))] += bond;
        emit FixingDisputed(msg.sender, bond);
    }

    /// @notice Sends the caller's forfeited dispute bonds (cash-leg units, held for the fee recipient) to `to`,
    /// which the caller chooses (so a blocklisted fee recipient can redirect). Works at any time.
    /// @return amount Cash-leg token units sent.
    function withdrawBond(address to) external nonReentrant onlySession returns (uint256 amount) {
        MarginStorage.Layout storage m = _ml();
        amount = m.bonds[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        m.bonds[msg.sender] = 0;
        IERC20(_legToken(m.cashLeg)).safeTransfer(to, amount);
        emit BondWithdrawn(msg.sender, to, amount);
    }

    /// @notice Cash-leg units of forfeited dispute bonds `owner` can withdraw with {withdrawBond}.
    function bondOf(address owner) external view returns (uint256) {
        return _ml().bonds[owner];
    }

    function _isParticipant(address account) private view returns (bool) {
        (uint256 shares, , , ) = _session().accountOf(account);
        if (shares != 0) return true;
        int256[] memory x = _session().allocationOf(account);
        for (uint256 k; k < x.length; ++k) if (x[k] != 0) return true;
        return false;
    }

    /// @notice The pending fallback proposal: prices, time proposed (0 = none) and disputer (0 = none).
    function proposal() external view returns (uint256[] memory prices, uint256 proposedAt, address disputer) {
        MarginStorage.Layout storage m = _ml();
        return (m.proposed, m.proposedAt, m.disputer);
    }

    // ------------------------------------------------------------------ margin checks (run for the session)

    /// @notice The margin rule for short `account` at unit values `p` (1e36 quote units per session unit, one per
    /// leg, as the session reads them): every short leg within the concentration cap (`ConcentrationExceeded`),
    /// the stressed equity at least the initial margin (`BelowInitialMargin`) and at least `minShortEquityBps`
    /// of the pool's value `q.p` (`BelowMinShortEquity`). A view: the session runs it by DELEGATECALL after
    /// every trade of a short account and after a liquidation; called by anyone else it only answers.
    function checkMargin(address account, uint256[] calldata p) external view {
        MarginStorage.Layout storage m = _ml();
        uint256 n = p.length;
        int256[] memory x = _session().allocationOf(account);
        uint256 neg = m.negMask[account];
        uint256 value;
        uint256 shares = _session().totalShares();
        for (uint256 k; k < n; ++k) {
            uint256 q = _basketOf(k, n, shares);
            value += q * p[k];
            if ((neg >> k) & 1 == 0) continue;
            // Safe cast: x_k < 0 on a short leg, above int128's minimum.
            uint256 short = uint256(-x[k]);
            uint256 cap = (q * m.concentrationBps) / BPS;
            if (short > cap) revert ConcentrationExceeded(account, k, short, cap);
        }
        (, int256 stressed, uint256 gross) = MarginStorage.risk(m, x, p);
        uint256 required = Math.mulDiv(gross, m.initialMarginBps, BPS);
        // Safe casts: required <= gross and floor <= value, sums of in-range products.
        if (stressed < int256(required)) revert BelowInitialMargin(account, stressed, required);
        uint256 floor = Math.mulDiv(value, m.minShortEquityBps, BPS); // rounded down
        if (stressed < int256(floor)) revert BelowMinShortEquity(account, stressed, floor);
    }

    /// @notice The terms of liquidating `account` at unit values `p`: its equity, worst stressed equity, the
    /// penalty (`liquidationPenaltyBps` of its gross exposure) and the compensation in cash-leg units
    /// (`(equity - penalty) / p_cash`, rounded down, zero if negative), all but the last in 1e36 quote units.
    /// Reverts `NotLiquidatable` unless the account is short and below the maintenance margin. A view, run by
    /// the session's {MarginSession-liquidate}.
    function liquidationTerms(
        address account,
        uint256[] calldata p
    ) external view returns (int256 equity, int256 stressed, uint256 penalty, uint256 compensation) {
        MarginStorage.Layout storage m = _ml();
        uint256 gross;
        (equity, stressed, gross) = MarginStorage.risk(m, _session().allocationOf(account), p);
        uint256 maintenance = Math.mulDiv(gross, m.maintenanceMarginBps, BPS);
        // Safe cast: maintenance <= gross, in range. A long-only account has stressed >= 0 and never qualifies.
        if (m.negMask[account] == 0 || stressed >= int256(maintenance)) {
            revert NotLiquidatable(account, stressed, maintenance);
        }
        penalty = Math.mulDiv(gross, m.liquidationPenaltyBps, BPS);
        // Safe casts: equity > penalty in the branch; the cash leg is never closed, so p_j > 0.
        if (equity > int256(penalty)) compensation = (uint256(equity) - penalty) / p[m.cashLeg];
    }

    /// @notice The least stressed equity a short account must keep after its trades, bps of the pool's value.
    function minShortEquityBps() external view returns (uint256) {
        return _ml().minShortEquityBps;
    }

    // ------------------------------------------------------------------ settlement

    /// @notice Records the settlement gap; run by the session itself right after it recorded the fixings.
    /// The basket value V = q.S, the deficit D = sum of the negative account values (only short accounts can
    /// be negative), the insurance I = the fee recipient's value, and the positive value P = V + D - I.
    /// @dev Only in the settling transaction: afterwards V > 0 is recorded (the cash leg is never closed).
    function recordGap(uint256[] calldata prices) external onlySession {
        MarginStorage.Layout storage m = _ml();
        if (_status() != Status.Settled || m.basketValueE36 != 0) revert AlreadyFinal(_status());
        uint256 n = prices.length;
        uint256[] memory p = new uint256[](n);
        uint256 v;
        for (uint256 k; k < n; ++k) {
            p[k] = MarginStorage.unitValue(m, k, prices[k], (_argWord(5 + k) >> 160) & 0xff);
            v += _basket(k, n) * p[k];
        }
        uint256 deficit;
        uint256 s = m.shorts.length();
        for (uint256 i; i < s; ++i) {
            (int256 e, , ) = MarginStorage.risk(m, _session().allocationOf(m.shorts.at(i)), p);
            // Safe cast: e < 0.
            if (e < 0) deficit += uint256(-e);
        }
        (int256 ins, , ) = MarginStorage.risk(m, _session().allocationOf(address(uint160(_argWord(0)))), p);
        // Safe cast: the fee recipient never trades, so it never holds a negative allocation.
        uint256 insurance = uint256(ins);
        m.basketValueE36 = v;
        m.deficitE36 = deficit;
        m.insuranceE36 = insurance;
        m.positiveE36 = v + deficit - insurance;
        uint256 covered = Math.min(deficit, insurance);
        emit GapSettled(deficit, covered, deficit - covered);
    }

    /// @notice The value (1e36 quote units) `account` is paid at settlement, as a share of V of every leg's
    /// basket: the fee recipient gets the insurance left after the gap; a negative account nothing; a positive
    /// one its value `x_i.S`, scaled by V/P when the insurance fell short. Zero before settlement.
    function claimValueOf(address account) external view returns (uint256) {
        MarginStorage.Layout storage m = _ml();
        if (_status() != Status.Settled) return 0;
        uint256 deficit = m.deficitE36;
        uint256 insurance = m.insuranceE36;
        if (account == address(uint160(_argWord(0)))) return insurance > deficit ? insurance - deficit : 0;
        int256[] memory x = _session().allocationOf(account);
        uint256[] memory p = new uint256[](x.length);
        for (uint256 k; k < x.length; ++k) {
            p[k] = MarginStorage.unitValue(m, k, _session().settlementPrice(k), (_argWord(5 + k) >> 160) & 0xff);
        }
        (int256 v, , ) = MarginStorage.risk(m, x, p);
        if (v <= 0) return 0;
        // Safe cast: v > 0.
        if (insurance >= deficit) return uint256(v);
        return Math.mulDiv(uint256(v), m.basketValueE36, m.positiveE36);
    }

    // ------------------------------------------------------------------ dividends

    /// @notice Pays the caller's accrued dividends (every leg, brought up to date) in cash-leg tokens to `to`.
    /// Works at any time, also after settlement.
    /// @return amount Cash-leg token units sent.
    function claimDividends(address to) external nonReentrant onlySession returns (uint256 amount) {
        _session().checkpoint(msg.sender);
        MarginStorage.Layout storage m = _ml();
        amount = m.dividends[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        m.dividends[msg.sender] = 0;
        m.dividendReserve -= amount;
        IERC20(_legToken(m.cashLeg)).safeTransfer(to, amount);
        emit DividendsClaimed(msg.sender, to, amount);
    }

    // ------------------------------------------------------------------ views

    /// @notice `account`'s margin at the latest oracle prices (1e36 quote units): equity `x.S`, worst stressed
    /// equity, gross exposure `sum |x_k| S_k`, the initial and maintenance requirements, and whether it can be
    /// liquidated now (short and stressed < maintenance).
    function marginOf(
        address account
    )
        external
        view
        returns (
            int256 equityE36,
            int256 stressedE36,
            uint256 grossE36,
            uint256 initialE36,
            uint256 maintenanceE36,
            bool liquidatable
        )
    {
        MarginStorage.Layout storage m = _ml();
        (equityE36, stressedE36, grossE36) = MarginStorage.risk(m, _session().allocationOf(account), _unitValues(0));
        initialE36 = Math.mulDiv(grossE36, m.initialMarginBps, BPS);
        maintenanceE36 = Math.mulDiv(grossE36, m.maintenanceMarginBps, BPS);
        // Safe cast: maintenance <= gross, in range.
        liquidatable = m.negMask[account] != 0 && stressedE36 < int256(maintenanceE36);
    }

    /// @notice The settlement gap (zero before settlement), 1e36 quote units: basket value V, deficit D of the
    /// negative accounts, insurance I (the fee recipient's value), positive value P = V + D - I, and the share of
    /// D socialised (D - I when positive).
    function gap()
        external
        view
        returns (
            uint256 basketE36,
            uint256 deficitE36,
            uint256 insuranceE36,
            uint256 positiveE36,
            uint256 socialisedE36
        )
    {
        MarginStorage.Layout storage m = _ml();
        basketE36 = m.basketValueE36;
        deficitE36 = m.deficitE36;
        insuranceE36 = m.insuranceE36;
        positiveE36 = m.positiveE36;
        socialisedE36 = deficitE36 > insuranceE36 ? deficitE36 - insuranceE36 : 0;
    }

    /// @notice Cash-leg units `account` could claim now with {MarginSession.claimDividends} (accrued plus not yet
    /// checkpointed accruals of its long legs).
    function dividendsOf(address account) external view returns (uint256 amount) {
        MarginStorage.Layout storage m = _ml();
        amount = m.dividends[account];
        int256[] memory x = _session().allocationOf(account);
        uint256 due = m.dividendLegs;
        for (uint256 k; due >> k != 0; ++k) {
            if ((due >> k) & 1 == 0) continue;
            // Safe cast: x > 0 in the branch. Shorts never have pending accruals (they pay at execution).
            if (x[k] > 0) amount += Math.mulDiv(uint256(x[k]), m.divIndex[k] - m.divSeen[account][k], E36);
        }
    }

    /// @notice Leg `k`'s token units per session unit as a fraction (1/1 until a split), whether it was closed by
    /// cash-in-lieu, its dividend index (cash-leg units x 1e36 per session unit) and its basket in session units.
    function legState(
        uint256 k
    ) external view returns (uint256 scaleNum, uint256 scaleDen, bool closed, uint256 dividendIndex, uint256 basket) {
        MarginStorage.Layout storage m = _ml();
        (scaleNum, scaleDen) = MarginStorage.scaleOf(m, k);
        closed = (m.closedLegs >> k) & 1 == 1;
        dividendIndex = m.divIndex[k];
        basket = _basket(k, _legCount());
    }

    /// @notice Token units of leg `k` the basket is now: what claims share out (zero once closed).
    function basketTokens(uint256 k) external view returns (uint256) {
        return MarginStorage.basketTokens(_ml(), k, _basket(k, _legCount()));
    }

    /// @notice The margin parameters (see {MarginConfig}) and the cash-leg units reserved for dividend claims.
    function marginConfig()
        external
        view
        returns (
            uint256 cashLeg,
            uint256 initialMarginBps,
            uint256 maintenanceMarginBps,
            uint256 liquidationPenaltyBps,
            uint256 concentrationBps,
            uint256 actionDelay,
            uint256 disputeWindow,
            uint256 disputeBond,
            uint256 dividendReserve
        )
    {
        MarginStorage.Layout storage m = _ml();
        return (
            m.cashLeg,
            m.initialMarginBps,
            m.maintenanceMarginBps,
            m.liquidationPenaltyBps,
            m.concentrationBps,
            m.actionDelay,
            m.disputeWindow,
            m.disputeBond,
            m.dividendReserve
        );
    }

    /// @notice Stress parameters: per-leg single-leg shock (bps), the group mask and the group shock (bps).
    function stressConfig()
        external
        view
        returns (uint256[] memory shockBps, uint256 groupMask, uint256 groupShockBps)
    {
        uint256 n = _legCount();
        shockBps = new uint256[](n);
        for (uint256 k; k < n; ++k) shockBps[k] = MarginStorage.shockBps(_ml(), k);
        return (shockBps, _ml().groupMask, _ml().groupShockBps);
    }

    /// @notice Every account holding a negative allocation now (at most {MAX_SHORT_ACCOUNTS}).
    function shortAccounts() external view returns (address[] memory) {
        return _ml().shorts.values();
    }
}
