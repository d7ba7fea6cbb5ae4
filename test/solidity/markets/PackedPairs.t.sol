// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";

/// @notice Writes the markets' packed pairs two ways, with the one-SSTORE helpers and with Solidity's own field
/// writes, so a test can compare the raw slots.
contract PackedPairsHarness is MarketStorage {
    IERC20 internal constant TOKEN = IERC20(address(0xC0));

    function accountByHelper(address who, int256 cash, int256 sumWorst) external {
        _setAccount(_accounts[who][TOKEN], cash, sumWorst);
    }

    function accountByFields(address who, int256 cash, int256 sumWorst) external {
        Account storage a = _accounts[who][TOKEN];
        a.cash = SafeCast.toInt128(cash);
        a.sumWorst = SafeCast.toInt128(sumWorst);
    }

    function pushRoot(address who, uint64 rootId) external {
        _accounts[who][TOKEN].roots.push(rootId);
    }

    function account(address who) external view returns (int128 cash, int128 sumWorst, uint256 nRoots) {
        Account storage a = _accounts[who][TOKEN];
        return (a.cash, a.sumWorst, a.roots.length);
    }

    function worstByHelper(address who, uint256 rootId, int256 worst, int256 premium) external {
        _setWorst(_traderRoots[who][rootId], worst, premium);
    }

    function worstByFields(address who, uint256 rootId, int256 worst, int256 premium) external {
        TraderRoot storage tr = _traderRoots[who][rootId];
        tr.worst = SafeCast.toInt128(worst);
        tr.premiumPaid = SafeCast.toInt128(premium);
    }

    function setHeader(address who, uint256 rootId, uint256 header) external {
        _traderRoots[who][rootId].header = header;
    }

    function traderRoot(
        address who,
        uint256 rootId
    ) external view returns (int128 worst, int128 premium, uint256 header) {
        TraderRoot storage tr = _traderRoots[who][rootId];
        return (tr.worst, tr.premiumPaid, tr.header);
    }

    function setLane(uint256 key, uint256 remaining, uint256 unclaimed) external {
        (bytes32 slot, uint256 w) = _restingPair(key);
        _setLane(slot, w, key, remaining, unclaimed);
    }

    function setPairWord(uint256 key, uint256 w) external {
        _resting[key >> 1] = w;
    }

    function lane(uint256 key) external view returns (uint256 remaining, uint256 unclaimed) {
        return _restingOf(key);
    }

    function setOrderWords(address who, uint256 rootId, uint256 header, uint256 w0, uint256 w1) external {
        TraderRoot storage tr = _traderRoots[who][rootId];
        (tr.header, tr.orderWords[0], tr.orderWords[1]) = (header, w0, w1);
    }

    function orderWordsOf(address who, uint256 rootId) external view returns (uint256[2] memory w, uint256 n) {
        TraderRoot storage tr = _traderRoots[who][rootId];
        (w[0], w[1]) = _orderWordsOf(tr, tr.header);
        n = _ordersIn(w[0], w[1]);
    }

    function orderWordBits(uint256 n) external pure returns (uint256) {
        return _orderWordBits(n);
    }

    /// @dev Storage slots of the entries, as the compiler addresses them, for raw comparisons.
    function accountSlot(address who) external view returns (bytes32 s) {
        Account storage a = _accounts[who][TOKEN];
        assembly ("memory-safe") {
            s := a.slot
        }
    }

    /// @dev The slot the compiler gives the mapping entry of pair `key >> 1`, and the one the helper computes.
    function restingSlots(uint256 key) external view returns (bytes32 bySolidity, bytes32 byHelper) {
        mapping(uint256 => uint256) storage m = _resting;
        uint256 pair = key >> 1;
        assembly ("memory-safe") {
            mstore(0x00, pair)
            mstore(0x20, m.slot)
            bySolidity := keccak256(0x00, 0x40)
        }
        byHelper = _restingSlot(key);
    }

    function traderRootSlot(address who, uint256 rootId) external view returns (bytes32 s) {
        TraderRoot storage tr = _traderRoots[who][rootId];
        assembly ("memory-safe") {
            s := tr.slot
        }
    }
}

/// @notice The one-SSTORE writes of packed pairs (docs/gas.md) leave exactly the slot Solidity's field writes
/// leave, touch nothing else in the struct, and range-check as the field writes do.
contract PackedPairsTest is Test {
    PackedPairsHarness internal h;
    address internal constant A = address(0xA11CE);
    address internal constant B = address(0xB0B);

    function setUp() public {
        h = new PackedPairsHarness();
    }

    function testFuzz_setAccount_equalsFieldWrites_andKeepsTheRootList(
        int128 prevCash,
        int128 prevSum,
        int128 cash,
        int128 sumWorst
    ) public {
        h.accountByFields(A, prevCash, prevSum);
        h.accountByFields(B, prevCash, prevSum);
        h.pushRoot(A, 7);
        h.pushRoot(B, 7);
        h.accountByHelper(A, cash, sumWorst);
        h.accountByFields(B, cash, sumWorst);
        assertEq(vm.load(address(h), h.accountSlot(A)), vm.load(address(h), h.accountSlot(B)), "same raw slot");
        (int128 c, int128 w, uint256 n) = h.account(A);
        assertEq(c, cash);
        assertEq(w, sumWorst);
        assertEq(n, 1, "root list untouched");
    }

    function testFuzz_setAccount_reverts_outsideInt128(int256 cash, int128 sumWorst) public {
        vm.assume(cash > type(int128).max || cash < type(int128).min);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedIntDowncast.selector, 128, cash));
        h.accountByHelper(A, cash, sumWorst);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedIntDowncast.selector, 128, cash));
        h.accountByHelper(A, sumWorst, cash);
    }

    function testFuzz_setWorst_equalsFieldWrites_andKeepsTheHeader(
        uint256 rootId,
        uint256 header,
        int128 worst,
        int128 premium
    ) public {
        h.setHeader(A, rootId, header);
        h.worstByFields(A, rootId, -1, 1);
        h.worstByFields(B, rootId, -1, 1);
        h.worstByHelper(A, rootId, worst, premium);
        h.worstByFields(B, rootId, worst, premium);
        assertEq(
            vm.load(address(h), h.traderRootSlot(A, rootId)),
            vm.load(address(h), h.traderRootSlot(B, rootId)),
            "same raw slot"
        );
        (int128 w, int128 p, uint256 hd) = h.traderRoot(A, rootId);
        assertEq(w, worst);
        assertEq(p, premium);
        assertEq(hd, header, "header untouched");
    }

    function testFuzz_setWorst_reverts_outsideInt128(int256 premium) public {
        vm.assume(premium > type(int128).max || premium < type(int128).min);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedIntDowncast.selector, 128, premium));
        h.worstByHelper(A, 1, 0, premium);
    }

    /// @notice Two resting orders share a slot: keys 2p and 2p + 1 live in pair p's mapping entry.
    function testFuzz_restingSlot_isThePairsMappingEntry(uint256 key) public view {
        (bytes32 bySolidity, bytes32 byHelper) = h.restingSlots(key);
        assertEq(byHelper, bySolidity, "the helper's slot is the mapping entry of the pair");
        (, bytes32 sibling) = h.restingSlots(key ^ 1);
        assertEq(sibling, byHelper, "both keys of a pair share the slot");
        (, bytes32 next) = h.restingSlots(key ^ 2);
        assertTrue(next != byHelper, "the next pair has its own slot");
    }

    /// @notice Each order of a pair has its own 96 bits (at 0 and 128): writing one lane rewrites that lane
    /// alone, whatever the word held before.
    function testFuzz_setLane_writesItsOwnLaneAlone(uint256 key, uint256 before, uint48 rem, uint48 unc) public {
        h.setPairWord(key, before);
        h.setLane(key, rem, unc);
        (uint256 r, uint256 u) = h.lane(key);
        assertEq(r, rem, "remaining");
        assertEq(u, unc, "unclaimed");
        uint256 shift = (key & 1) * 128;
        uint256 laneMask = ((uint256(1) << 96) - 1) << shift;
        (, bytes32 slot) = h.restingSlots(key);
        uint256 word = uint256(vm.load(address(h), slot));
        assertEq(word & ~laneMask, before & ~laneMask, "every bit outside the lane kept, the other order's too");
        assertEq((word & laneMask) >> shift, uint256(rem) | (uint256(unc) << 48), "the lane's layout");
    }

    function testFuzz_setLane_reverts_atOrAbove2to48(uint256 remaining, uint256 unclaimed, bool which) public {
        uint256 big = bound(which ? remaining : unclaimed, uint256(1) << 48, type(uint256).max);
        (uint256 rem, uint256 unc) = which ? (big, uint256(unclaimed % (1 << 48))) : (remaining % (1 << 48), big);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 48, big));
        h.setLane(7, rem, unc);
    }

    /// @notice The open-order count is the run of non-zero 64-bit lanes from lane 0 of the words the header
    /// marks as used, and the header marks a word exactly when the count reaches into it.
    function testFuzz_orderWords_countIsTheNonZeroLanes(uint8 count, uint64 seed) public {
        uint256 n = bound(count, 0, 8);
        uint256[2] memory w;
        for (uint256 j; j < n; ++j) {
            uint64 ref = uint64(uint256(keccak256(abi.encode(seed, j))) | (uint256(1) << 48)); // branch >= 1
            w[j >> 2] |= uint256(ref) << (64 * (j & 3));
        }
        uint256 bits = h.orderWordBits(n);
        assertEq(bits & (uint256(1) << 136) != 0, n > 0, "word 0 bit");
        assertEq(bits & (uint256(1) << 137) != 0, n > 4, "word 1 bit");
        assertEq(bits & ~(uint256(3) << 136), 0, "no other bit");
        uint256 header = bits | (uint256(0xabcd) << 144) | 0x1234; // other header fields do not matter
        h.setOrderWords(A, 1, header, w[0], w[1]);
        (uint256[2] memory got, uint256 m) = h.orderWordsOf(A, 1);
        assertEq(m, n, "count");
        assertEq(got[0], w[0]);
        assertEq(got[1], w[1]);
    }

    function test_orderWords_unusedWordIsNotRead() public {
        // Word 1 holds garbage but its header bit is clear: it is neither read nor counted.
        h.setOrderWords(A, 1, uint256(1) << 136, uint256(5) << 48, type(uint256).max);
        (uint256[2] memory got, uint256 m) = h.orderWordsOf(A, 1);
        assertEq(m, 1);
        assertEq(got[1], 0);
    }
}
