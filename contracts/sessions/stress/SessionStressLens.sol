// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CashSession} from "../CashSession.sol";
import {SessionCore} from "../SessionCore.sol";
import {SessionKind} from "../SessionTypes.sol";
import {MarginModule} from "../margin/MarginModule.sol";

/// @title SessionStressLens
/// @notice Read-only scenario analysis of a live session (kept out of the session bytecode). Margin sessions are
/// valued in session units (tokens per unit after splits) with closed legs at zero. A scenario is one
/// multiplicative shock per leg (WAD: 1.25e18 = +25%) applied to the latest oracle price of every leg. For
/// each scenario and each given account it reports the P&L versus the account's baseline allocation,
/// `(x_i - b_i) . S'`, and the account's settlement value under the shocked prices: physical `x_i . S'` (its
/// claim), cash `deposit_i + d_i . clamp(S')` with every price clamped into the leg's [floor, cap] (the margin
/// headroom: what it would be paid, never negative under the session's margin rule). The aggregate P&L of a
/// scenario is the sum over the given accounts; over every account of the session (fee recipient and AMMs
/// included) it is exactly zero, because sum_i x_i = q = sum_i b_i (conservation).
/// @dev All values are exact integers in 1e36 quote units (1e36 = one unit of the feeds' quote currency).
/// Cost grows as scenarios x accounts x legs; it is meant for `eth_call`, not for transactions.
contract SessionStressLens {
    uint256 internal constant WAD = 1e18;

    /// @notice The result of one scenario.
    /// @param prices Shocked price of every leg (WAD quote per whole token or instrument unit), before clamping.
    /// @param pnlE36 Per account (in the order given): P&L versus baseline, `(x_i - b_i) . S'` (cash: clamped S').
    /// @param valueE36 Per account: settlement value under the scenario (physical `x_i . S'`; cash
    /// `deposit_i + d_i . clamp(S')`, the margin headroom).
    /// @param aggregatePnlE36 Sum of `pnlE36` over the given accounts.
    struct ScenarioResult {
        uint256[] prices;
        int256[] pnlE36;
        int256[] valueE36;
        int256 aggregatePnlE36;
    }

    /// @notice A scenario has `got` shocks, the session has `legs` legs.
    error ShockLength(uint256 scenario, uint256 legs, uint256 got);
    /// @notice A shock beyond 1e6x (1e24 WAD), which would only come from a unit mistake.
    error ShockTooLarge(uint256 scenario, uint256 leg, uint256 shockWad);

    /// @notice Largest shock accepted (1,000,000x), so every product stays far inside int256.
    uint256 public constant MAX_SHOCK_WAD = 1e24;

    /// @notice Applies `shocksWad[s][k]` to the latest price of leg k for every scenario s and evaluates every
    /// account. Index 0 of the result is the unshocked base (all shocks 1.0); index s + 1 is scenario s.
    /// Reverts with the oracle's error if a latest price is stale or invalid. Anyone may call.
    /// @param session A physical or cash session.
    /// @param accounts Accounts to evaluate (for a zero aggregate: every participant, fee recipient included).
    /// @param shocksWad One array of per-leg multiplicative shocks (WAD, 0 to 1e24) per scenario.
    function stress(
        SessionCore session,
        address[] calldata accounts,
        uint256[][] calldata shocksWad
    ) external view returns (ScenarioResult[] memory results) {
        uint256[] memory base = _latest(session);
        uint256 n = base.length;
        Ctx memory c = _context(session, accounts, n);
        results = new ScenarioResult[](shocksWad.length + 1);
        results[0] = _evaluate(c, base);
        for (uint256 s; s < shocksWad.length; ++s) {
            if (shocksWad[s].length != n) revert ShockLength(s, n, shocksWad[s].length);
            uint256[] memory p = new uint256[](n);
            for (uint256 k; k < n; ++k) {
                uint256 shock = shocksWad[s][k];
                if (shock > MAX_SHOCK_WAD) revert ShockTooLarge(s, k, shock);
                p[k] = (base[k] * shock) / WAD; // rounded down; display and P&L use the same price
            }
            results[s + 1] = _evaluate(c, p);
        }
    }

    /// @dev Latest price of every leg; a margin session's closed legs (cash in lieu) are not read and price 0.
    function _latest(SessionCore session) private view returns (uint256[] memory base) {
        (SessionKind kind, , uint256 n, , , , , ) = session.config();
        uint256 closed;
        if (kind == SessionKind.Margin) {
            for (uint256 k; k < n; ++k) {
                (, , bool isClosed, , ) = MarginModule(address(session)).legState(k);
                if (isClosed) closed |= 1 << k;
            }
        }
        base = session.oracle().latestMasked(session.fixingSpecs(), closed);
    }

    /// @dev What every scenario needs, read once: per account x_i and x_i - b_i, the deposit (cash, 1e36
    /// units); per leg the value scale (physical) or the box (cash).
    struct Ctx {
        bool cash;
        int256[][] x;
        int256[][] dev;
        int256[] depositE36;
        uint256[] scale;
        uint256[] scaleDen;
        uint256[] floor;
        uint256[] cap;
    }

    function _context(SessionCore session, address[] calldata accounts, uint256 n) private view returns (Ctx memory c) {
        (SessionKind kind, , , , , , , ) = session.config();
        c.cash = kind == SessionKind.Cash;
        c.scale = new uint256[](n);
        c.scaleDen = new uint256[](n);
        c.floor = new uint256[](n);
        c.cap = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            (, uint256 dec, , uint256 floor, uint256 cap) = session.leg(k);
            // Physical: one token unit is worth price * 10^(18 - decimals) in 1e36 units; cash: one WAD unit
            // times a WAD price is already 1e36 units.
            c.scale[k] = c.cash ? 1 : 10 ** (18 - dec);
            c.scaleDen[k] = 1;
            // Margin sessions count allocations in session units: one is scaleNum/scaleDen tokens after splits.
            if (kind == SessionKind.Margin) {
                (uint256 num, uint256 den, bool closed, , ) = MarginModule(address(session)).legState(k);
                c.scale[k] = closed ? 0 : c.scale[k] * num;
                c.scaleDen[k] = den;
            }
            c.floor[k] = floor;
            c.cap[k] = cap;
        }
        uint256 m = accounts.length;
        c.x = new int256[][](m);
        c.dev = new int256[][](m);
        c.depositE36 = new int256[](m);
        for (uint256 i; i < m; ++i) {
            int256[] memory x = session.allocationOf(accounts[i]);
            int256[] memory b = session.baselineOf(accounts[i]);
            int256[] memory d = new int256[](n);
            for (uint256 k; k < n; ++k) d[k] = x[k] - b[k];
            c.x[i] = x;
            c.dev[i] = d;
            if (c.cash) {
                CashSession cs = CashSession(address(session));
                // deposit * 10^(36 - collateral decimals) = margin - worst case (both public, 1e36 units).
                c.depositE36[i] = cs.marginE36(accounts[i]) - cs.worstCaseE36(accounts[i]);
            }
        }
    }

    function _evaluate(Ctx memory c, uint256[] memory prices) private pure returns (ScenarioResult memory r) {
        uint256 n = prices.length;
        uint256 m = c.x.length;
        int256[] memory unitValue = new int256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 p = prices[k];
            if (c.cash)
                p =
                    p < c.floor[k]
                        ? c.floor[k]
                        : p > c.cap[k]
                            ? c.cap[k]
                            : p;
            // Safe cast: latest prices are WAD feed answers times at most MAX_SHOCK_WAD / WAD, times <= 1e18.
            unitValue[k] = int256((p * c.scale[k]) / c.scaleDen[k]); // margin: rounded down, as the session does
        }
        r.prices = prices;
        r.pnlE36 = new int256[](m);
        r.valueE36 = new int256[](m);
        for (uint256 i; i < m; ++i) {
            int256 pnl;
            int256 value;
            for (uint256 k; k < n; ++k) {
                pnl += c.dev[i][k] * unitValue[k];
                if (!c.cash) value += c.x[i][k] * unitValue[k];
            }
            if (c.cash) value = c.depositE36[i] + pnl;
            r.pnlE36[i] = pnl;
            r.valueE36[i] = value;
            r.aggregatePnlE36 += pnl;
        }
    }
}
