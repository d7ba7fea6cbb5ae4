// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";

/// @notice Shared set-up: two harness venues with the same name and version (so only the verifying contract
/// differs), a maker key, a taker, and order and signature builders.
abstract contract OrderSigningBase is Test {
    uint256 internal constant T0 = 1_700_000_000;
    /// @dev secp256k1 group order n; a low-s signature has s <= n / 2.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    OrderSigningHarness internal venue;
    OrderSigningHarness internal otherVenue;

    uint256 internal makerKey;
    address internal maker;
    address internal taker;
    address internal stranger;

    function setUp() public virtual {
        vm.warp(T0);
        venue = new OrderSigningHarness("Ringfence Probe", "1");
        otherVenue = new OrderSigningHarness("Ringfence Probe", "1");
        (maker, makerKey) = makeAddrAndKey("maker");
        taker = makeAddr("taker");
        stranger = makeAddr("stranger");
    }

    /// @dev A public order of `size` for `quote`, alive for a day, nonce 0.
    function _order(
        address maker_,
        uint256 size,
        uint256 quote
    ) internal view returns (OrderSigningHarness.Probe memory o) {
        o.maker = maker_;
        o.taker = address(0);
        o.size = size;
        o.quote = quote;
        o.expiry = block.timestamp + 1 days;
        o.nonce = 0;
        o.salt = 1;
    }

    function _order() internal view returns (OrderSigningHarness.Probe memory) {
        return _order(maker, 10e18, 250e6);
    }

    /// @dev Signs `o` for venue `v` with `key`; returns the 65-byte r || s || v form.
    function _sign(
        OrderSigningHarness v,
        OrderSigningHarness.Probe memory o,
        uint256 key
    ) internal view returns (bytes memory) {
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, v.digestOf(o));
        return abi.encodePacked(r, s, sv);
    }

    function _sign(OrderSigningHarness.Probe memory o) internal view returns (bytes memory) {
        return _sign(venue, o, makerKey);
    }

    /// @dev The same signature with s' = n - s and the parity flipped: valid for raw ecrecover, high-s.
    function _highS(bytes memory sig) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    /// @dev The same signature in the 64-byte EIP-2098 form r || (yParity << 255 | s).
    function _compact(bytes memory sig) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        return abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        require(sig.length == 65, "65-byte signature expected");
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
    }

    function _badSig(OrderSigningHarness v, OrderSigningHarness.Probe memory o) internal view returns (bytes memory) {
        return abi.encodeWithSelector(OrderSigning.BadSignature.selector, o.maker, v.digestOf(o));
    }

    function _fill(OrderSigningHarness.Probe memory o, bytes memory sig, uint256 want) internal returns (uint256 got) {
        vm.prank(taker);
        (got, ) = venue.fill(o, sig, want);
    }
}
