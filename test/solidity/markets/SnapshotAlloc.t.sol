// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";

/// @notice Allocates the markets' scratch structs both ways: with the one-block allocators the contracts use
/// (`_newSnapshot`, `_newTake`) and as the compiler does (`Snapshot memory z;`), so a test can compare them.
contract ScratchAllocHarness is MarketStorage {
    /// @dev Fills the memory above the free pointer with garbage, as an earlier step of a call may leave it.
    function _dirty(uint256 seed) private pure {
        assembly ("memory-safe") {
            let p := mload(0x40)
            for {
                let i := 0
            } lt(i, 0x1000) {
                i := add(i, 0x20)
            } {
                mstore(0, add(seed, i))
                mstore(add(p, i), keccak256(0, 0x20))
            }
        }
    }

    function _freePointer() private pure returns (uint256 f) {
        assembly ("memory-safe") {
            f := mload(0x40)
        }
    }

    /// @dev Writes a distinct value into every member and every array element.
    function _fill(Snapshot memory s, uint256 seed) private pure {
        s.header = seed + 1;
        s.posWords = [seed + 2, seed + 3];
        s.orderWords = [seed + 4, seed + 5];
        s.nB = seed + 6;
        for (uint256 i; i < 8; ++i) {
            s.branches[i] = uint16(seed + 10 + i);
            s.pos[i] = -int64(uint64(seed % 2 ** 32) + 20 + uint64(i));
            s.refs[i] = uint64(seed % 2 ** 32) + 30 + uint64(i);
            s.done[i] = seed + 40 + i;
            s.openQty[i] = -int256(seed % 2 ** 128) - 50 - int256(i);
        }
        s.nO = seed + 7;
        s.nDone = seed + 8;
        s.terms = seed + 16;
        s.premium = int256(seed % 2 ** 128) + 9;
        s.cashDelta = -int256(seed % 2 ** 128) - 11;
        s.openLegs = seed + 12;
        s.hasOrders = seed + 13;
        s.scale = 14;
        s.oldWorst = -15;
    }

    function _encode(Snapshot memory s) private pure returns (bytes memory) {
        return abi.encode(s);
    }

    /// @return fresh The one-block snapshot, encoded, as allocated over dirty memory.
    /// @return zeroed The compiler's zeroed snapshot, encoded.
    /// @return filledFresh The one-block snapshot after every member was written, then encoded after a later
    /// allocation was filled with ones (it must not reach into the block).
    /// @return filledZeroed The compiler's snapshot after the same writes.
    /// @return blockEnd The free pointer after the allocation, less the block's start.
    function snapshots(
        uint256 seed
    )
        external
        pure
        returns (
            bytes memory fresh,
            bytes memory zeroed,
            bytes memory filledFresh,
            bytes memory filledZeroed,
            uint256 blockEnd
        )
    {
        _dirty(seed);
        uint256 start = _freePointer();
        Snapshot memory s = _newSnapshot()();
        blockEnd = _freePointer() - start;
        fresh = _encode(s);
        Snapshot memory z;
        zeroed = _encode(z);
        _fill(s, seed);
        _fill(z, seed);
        uint256[] memory later = new uint256[](80);
        for (uint256 i; i < later.length; ++i) later[i] = type(uint256).max;
        filledFresh = _encode(s);
        filledZeroed = _encode(z);
    }

    /// @return word The word at `offset` above the free pointer once the memory there is dirtied.
    function garbageAt(uint256 seed, uint256 offset) external pure returns (uint256 word) {
        _dirty(seed);
        uint256 p = _freePointer() + offset;
        assembly ("memory-safe") {
            word := mload(p)
        }
    }

    /// @return fresh The one-block take, encoded, as allocated over dirty memory.
    /// @return zeroed The compiler's zeroed take, encoded.
    /// @return blockEnd The free pointer after the allocation, less the block's start.
    function takes(uint256 seed) external pure returns (bytes memory fresh, bytes memory zeroed, uint256 blockEnd) {
        _dirty(seed);
        uint256 start = _freePointer();
        Take memory t = _newTake()();
        blockEnd = _freePointer() - start;
        fresh = abi.encode(t);
        Take memory z;
        zeroed = abi.encode(z);
    }
}

/// @notice The one-block allocators give exactly the compiler's zeroed structs, whatever memory held before,
/// and their members do not share memory with each other or with what is allocated after.
contract SnapshotAllocTest is Test {
    ScratchAllocHarness internal h;

    function setUp() public {
        h = new ScratchAllocHarness();
    }

    function testFuzz_newSnapshot_isTheZeroedStruct(uint256 seed) public view {
        seed = bound(seed, 0, type(uint256).max - 100);
        (bytes memory fresh, bytes memory zeroed, bytes memory filledFresh, bytes memory filledZeroed, uint256 end) = h
            .snapshots(seed);
        assertEq(fresh, zeroed, "zeroed over dirty memory");
        assertEq(filledFresh, filledZeroed, "every member its own memory");
        assertEq(end, 62 * 32, "the struct's 18 words and its 44 array words");
    }

    function testFuzz_newTake_isTheZeroedStruct(uint256 seed) public view {
        (bytes memory fresh, bytes memory zeroed, uint256 end) = h.takes(seed);
        assertEq(fresh, zeroed, "zeroed over dirty memory");
        assertEq(end, 19 * 32, "the struct's 19 words");
    }

    /// @dev The fuzz runs above could pass on memory that happened to be clean: the harness really dirties
    /// the words the allocators take (the first, and the last of the snapshot's block).
    function test_harnessDirtiesTheMemory() public view {
        assertTrue(h.garbageAt(1, 0) != 0, "garbage at the block's first word");
        assertTrue(h.garbageAt(1, 61 * 32) != 0, "garbage at the block's last word");
    }
}
