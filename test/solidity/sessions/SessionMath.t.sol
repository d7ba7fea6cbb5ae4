// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FeeMath} from "../../../contracts/shared/fees/FeeMath.sol";
import {SessionMath} from "../../../contracts/sessions/SessionMath.sol";

/// @notice Fuzz tests of the pure session math: pro-rata fills, the cash worst case, fees and deposits.
contract SessionMathTest is Test {
    uint256 internal constant WAD = 1e18;

    /// @dev The pro-rata amount with plain 256-bit arithmetic equals the 512-bit `mulDiv` reference over the
    /// whole input range (|amount| <= MAX_AMOUNT, fraction <= WAD): ceil for what the maker receives, floor for
    /// what it gives; exact at 0 and at WAD.
    function testFuzz_amountAt_equalsMulDivReference(int256 amount, uint256 fractionWad) public pure {
        amount = bound(amount, -int256(SessionMath.MAX_AMOUNT), int256(SessionMath.MAX_AMOUNT));
        fractionWad = bound(fractionWad, 0, WAD);
        int256 expected =
            amount >= 0
                ? int256(Math.mulDiv(uint256(amount), fractionWad, WAD, Math.Rounding.Ceil))
                : -int256(Math.mulDiv(uint256(-amount), fractionWad, WAD, Math.Rounding.Floor));
        assertEq(SessionMath.amountAt(amount, fractionWad), expected);
        assertEq(SessionMath.amountAt(amount, 0), 0);
        assertEq(SessionMath.amountAt(amount, WAD), amount);
    }

    /// @dev The extremes of the range, where a narrower product would overflow first.
    function test_amountAt_atTheRangeEnds() public pure {
        int256 max = int256(SessionMath.MAX_AMOUNT);
        assertEq(
            SessionMath.amountAt(max, WAD - 1),
            int256(Math.mulDiv(uint256(max), WAD - 1, WAD, Math.Rounding.Ceil))
        );
        assertEq(SessionMath.amountAt(-max, WAD - 1), -int256(Math.mulDiv(uint256(max), WAD - 1, WAD)));
        assertEq(SessionMath.amountAt(max, 1), int256(Math.mulDiv(uint256(max), 1, WAD, Math.Rounding.Ceil)));
        assertEq(SessionMath.amountAt(-max, 1), -int256(uint256(max) / WAD));
        assertEq(SessionMath.amountAt(1, 1), 1); // any positive share of a receipt rounds up to a unit
        assertEq(SessionMath.amountAt(-1, WAD - 1), 0); // and of a payment down
    }

    /// @dev k partial fills at random cumulative points add up to exactly one full fill; every prefix rounds in
    /// the maker's favour (receives at least pro rata, gives at most pro rata).
    function testFuzz_partialFillsSumToOneFullFill(int256 amount, uint256 seed, uint8 kRaw) public pure {
        amount = bound(amount, -int256(SessionMath.MAX_AMOUNT), int256(SessionMath.MAX_AMOUNT));
        vm.assume(amount != 0);
        uint256 k = bound(kRaw, 1, 20);
        uint256 cum;
        int256 total;
        for (uint256 i; i < k; ++i) {
            uint256 step = i == k - 1 ? WAD - cum : bound(uint256(keccak256(abi.encode(seed, i))), 0, WAD - cum);
            uint256 next = cum + step;
            int256 delta = SessionMath.amountAt(amount, next) - SessionMath.amountAt(amount, cum);
            total += delta;
            cum = next;
            // prefix in the maker's favour: compare against the exact pro-rata value
            int256 prefix = SessionMath.amountAt(amount, cum);
            if (amount > 0) {
                assertGe(uint256(prefix) * WAD, uint256(amount) * cum, "receives at least pro rata");
                assertLe(uint256(prefix), uint256(amount));
            } else {
                assertLe(uint256(-prefix) * WAD, uint256(-amount) * cum, "gives at most pro rata");
            }
        }
        assertEq(total, amount, "sum of fills == full order");
    }

    /// @dev k partial fills never beat one fill for the taker: the taker's total equals the one-fill total.
    function testFuzz_kFillsNeverBeatOneFill(int128 a0, int128 a1, uint256 seed, uint8 kRaw) public pure {
        vm.assume(a0 != 0 && a1 != 0 && a0 != type(int128).min && a1 != type(int128).min);
        uint256 k = bound(kRaw, 2, 12);
        int256 t0;
        int256 t1;
        uint256 cum;
        for (uint256 i; i < k; ++i) {
            uint256 next = i == k - 1 ? WAD : cum + bound(uint256(keccak256(abi.encode(seed, i))), 0, WAD - cum);
            t0 += SessionMath.amountAt(a0, next) - SessionMath.amountAt(a0, cum);
            t1 += SessionMath.amountAt(a1, next) - SessionMath.amountAt(a1, cum);
            cum = next;
        }
        assertEq(t0, SessionMath.amountAt(a0, WAD));
        assertEq(t1, SessionMath.amountAt(a1, WAD));
    }

    /// @dev The per-leg worst case equals the brute-force minimum over every corner of the price box.
    function testFuzz_worstCaseMatchesBruteForceCorners(
        int128[4] memory d,
        uint128[4] memory fl,
        uint128[4] memory span,
        uint8 nRaw
    ) public pure {
        uint256 n = bound(nRaw, 1, 4);
        uint256[4] memory floor;
        uint256[4] memory cap;
        int256 w;
        for (uint256 k; k < n; ++k) {
            floor[k] = bound(fl[k], 1, 1e30);
            cap[k] = bound(uint256(floor[k]) + span[k], floor[k], 1e30);
            w += SessionMath.worstValue(d[k], floor[k], cap[k]);
        }
        int256 best = type(int256).max;
        for (uint256 corner; corner < (1 << n); ++corner) {
            int256 v;
            for (uint256 k; k < n; ++k) v += int256(d[k]) * int256((corner >> k) & 1 == 1 ? cap[k] : floor[k]);
            if (v < best) best = v;
        }
        assertEq(w, best);
    }

    /// @dev At any price (clamped into the box, including exactly floor and cap) the value is >= worst case.
    function testFuzz_valueAtClampedPriceAtLeastWorst(
        int128 d,
        uint128 fl,
        uint128 span,
        uint256 price,
        bool atBound
    ) public pure {
        uint256 floor = bound(fl, 1, 1e30);
        uint256 cap = bound(uint256(floor) + span, floor, 1e30);
        price = atBound ? (price % 2 == 0 ? floor : cap) : bound(price, 0, 2e30);
        uint256 p =
            price < floor
                ? floor
                : price > cap
                    ? cap
                    : price;
        assertGe(int256(d) * int256(p), SessionMath.worstValue(d, floor, cap));
    }

    /// @dev The deposit for s shares covers s * sum u*cap at collateral decimals 6, 8 and 18.
    function testFuzz_depositCoversCapAtDecimals(uint64 shares, uint128 unit, uint128 cap, uint8 decPick) public pure {
        uint256 dec =
            decPick % 3 == 0
                ? 6
                : decPick % 3 == 1
                    ? 8
                    : 18;
        uint256 per = 10 ** (36 - dec);
        uint256 c = bound(cap, 1, 1e30);
        uint256 u = bound(unit, 1, 1e24);
        uint256 need = uint256(shares) * u * c;
        uint256 dep = (need + per - 1) / per;
        assertGe(dep * per, need);
        assertLt(dep * per - need, per, "at most one collateral unit of over-deposit");
    }

    /// @dev Fees never underflow and never reach the amount.
    function testFuzz_feesNeverUnderflow(uint256 amount, uint256 bps) public pure {
        amount = bound(amount, 0, type(uint256).max / FeeMath.MAX_FEE_BPS);
        bps = bound(bps, 0, FeeMath.MAX_FEE_BPS);
        uint256 fee = FeeMath.feeDown(amount, bps);
        assertLe(fee, amount);
        if (amount > 0) assertLt(fee, amount);
    }

    /// @dev Packed halves round-trip any in-range value without touching the other half.
    function testFuzz_packedHalvesRoundTrip(uint256 word, int128 v, bool high) public pure {
        vm.assume(v != type(int128).min);
        uint256 half = high ? 1 : 0;
        uint256 w2 = SessionMath.setHalf(word, half, v);
        assertEq(SessionMath.getHalf(w2, half), v);
        assertEq(SessionMath.getHalf(w2, 1 - half), SessionMath.getHalf(word, 1 - half));
    }

    /// @dev The parallel bit count equals a count bit by bit, over the whole word (all-ones included: 256).
    function testFuzz_popcount_equalsBitByBitCount(uint256 x) public pure {
        uint256 c;
        for (uint256 i; i < 256; ++i) c += (x >> i) & 1;
        assertEq(SessionMath.popcount(x), c);
        assertEq(SessionMath.popcount(0), 0);
        assertEq(SessionMath.popcount(type(uint256).max), 256);
        assertEq(SessionMath.popcount(1 << 255), 1);
    }
}
