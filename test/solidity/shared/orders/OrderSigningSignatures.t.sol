// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";
import {
    MockERC1271ApproveAll,
    MockERC1271GasBurner,
    MockERC1271Reverting,
    MockERC1271Wallet
} from "../../../../contracts/mocks/MockERC1271Wallets.sol";
import {OrderSigningBase} from "./OrderSigningBase.sol";

/// @notice Fault classes 13 (malleable and compact signatures, fills keyed by digest), 14 (ecrecover to
/// address(0), zero maker) and 15 (ERC-1271 wallets: honest, revoked, approve-all, reverting, gas-burning).
contract OrderSigningSignaturesTest is OrderSigningBase {
    MockERC1271Wallet internal wallet;
    MockERC1271ApproveAll internal approveAll;
    MockERC1271Reverting internal reverting;
    MockERC1271GasBurner internal burner;

    /// @dev Gas handed to a fill through a gas-burning wallet: the wallet eats 63/64 of it.
    uint256 internal constant BURNER_FILL_GAS = 3_000_000;

    function setUp() public override {
        super.setUp();
        wallet = new MockERC1271Wallet(maker);
        approveAll = new MockERC1271ApproveAll(stranger);
        reverting = new MockERC1271Reverting(maker);
        burner = new MockERC1271GasBurner(maker);
    }

    // ---------------------------------------------------------------- 13. malleable and compact forms

    function test_highS_isTheSameSignatureForRawEcrecover() public view {
        // Guards the test itself: the high-s twin really is a valid secp256k1 signature of the digest.
        OrderSigningHarness.Probe memory o = _order();
        bytes memory hi = _highS(_sign(o));
        (bytes32 r, bytes32 s, uint8 v) = _split(hi);
        assertGt(uint256(s), SECP256K1_N / 2);
        assertEq(ecrecover(venue.digestOf(o), v, r, s), maker);
    }

    function test_fill_reverts_whenSignatureHighS() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, _highS(sig), 1e18);
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function test_fill_reverts_whenSignatureCompactEip2098() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory c = _compact(_sign(o));
        assertEq(c.length, 64);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, c, 1e18);
    }

    function test_fill_reverts_whenSignatureHasTrailingBytes() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, abi.encodePacked(sig, uint8(0)), 1e18);
        assertEq(_fill(o, sig, 1e18), 1e18);
    }

    function test_fullFill_blocksRefillThroughEveryEncoding() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        assertEq(_fill(o, sig, o.size), o.size);
        bytes32 d = venue.digestOf(o);
        bytes memory full = abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, o.size, o.size);
        // The canonical signature again.
        vm.expectRevert(full);
        _fill(o, sig, 1);
        // The malleable and compact forms never verify.
        vm.expectRevert(_badSig(venue, o));
        _fill(o, _highS(sig), 1);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, _compact(sig), 1);
        // The maker itself, which needs no signature at all, is blocked by the digest too.
        vm.prank(maker);
        vm.expectRevert(full);
        venue.fill(o, "", 1);
    }

    function test_fullFill_blocksRefill_evenWhenEveryEncodingVerifies() public {
        // A wallet that accepts any bytes stands in for a verifier that would accept the high-s or compact
        // twin (OpenZeppelin plans to accept EIP-2098 in v6): the fill is still keyed by the digest.
        OrderSigningHarness.Probe memory o = _order(address(approveAll), 10, 10);
        bytes memory sig = _sign(o);
        assertEq(_fill(o, sig, 10), 10);
        bytes32 d = venue.digestOf(o);
        bytes memory full = abi.encodeWithSelector(OrderSigning.OrderFullyFilled.selector, d, 10, 10);
        bytes[4] memory forms = [sig, _highS(sig), _compact(sig), bytes("anything")];
        for (uint256 i = 0; i < forms.length; ++i) {
            vm.expectRevert(full);
            _fill(o, forms[i], 1);
        }
        assertEq(venue.filledOf(o.maker, o.salt), 10);
    }

    // ---------------------------------------------------------------- 14. ecrecover to address(0), zero maker

    function test_fill_reverts_whenVNot27Or28() public {
        OrderSigningHarness.Probe memory o = _order();
        (bytes32 r, bytes32 s, ) = _split(_sign(o));
        for (uint8 v = 0; v < 40; ++v) {
            if (v == 27 || v == 28) continue;
            vm.expectRevert(_badSig(venue, o));
            _fill(o, abi.encodePacked(r, s, v), 1);
        }
    }

    function test_fill_reverts_whenSignatureIsGarbageRecoveringZero() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes32 d = venue.digestOf(o);
        // r = 0 is not a curve point: raw ecrecover returns address(0).
        bytes memory zeroR = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27));
        assertEq(ecrecover(d, 27, bytes32(0), bytes32(uint256(1))), address(0));
        vm.expectRevert(_badSig(venue, o));
        _fill(o, zeroR, 1);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, new bytes(65), 1);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, "", 1);
    }

    function testFuzz_fill_reverts_whenSignatureRandom(bytes32 r, bytes32 s, uint8 v) public {
        OrderSigningHarness.Probe memory o = _order();
        (bytes32 goodR, , ) = _split(_sign(o));
        vm.assume(r != goodR);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, abi.encodePacked(r, s, v), 1);
    }

    function test_fill_reverts_whenMakerZero() public {
        OrderSigningHarness.Probe memory o = _order(address(0), 10, 10);
        bytes32 d = venue.digestOf(o);
        // Whatever the signature, and even a call "from" address(0): the zero maker is refused first.
        bytes memory zeroR = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27));
        vm.expectRevert(OrderSigning.ZeroMaker.selector);
        _fill(o, zeroR, 1);
        vm.expectRevert(OrderSigning.ZeroMaker.selector);
        _fill(o, "", 1);
        vm.prank(address(0));
        vm.expectRevert(OrderSigning.ZeroMaker.selector);
        venue.fill(o, "", 1);
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    // ---------------------------------------------------------------- 15. ERC-1271 wallets

    function test_fill_succeeds_withHonestWalletSignature() public {
        OrderSigningHarness.Probe memory o = _order(address(wallet), 10, 10);
        assertEq(_fill(o, _sign(o), 4), 4);
        assertEq(venue.filledOf(o.maker, o.salt), 4);
    }

    function test_fill_reverts_whenWalletSignatureFromWrongOwnerKey() public {
        OrderSigningHarness.Probe memory o = _order(address(wallet), 10, 10);
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        bytes memory wrong = _sign(venue, o, strangerKey);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, wrong, 4);
    }

    function test_fill_reverts_whenWalletRevokedBeforeFill() public {
        OrderSigningHarness.Probe memory o = _order(address(wallet), 10, 10);
        bytes memory sig = _sign(o);
        assertEq(_fill(o, sig, 4), 4);
        bytes32 d = venue.digestOf(o);
        vm.prank(maker);
        wallet.revoke(d);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 4);
        assertEq(venue.filledOf(o.maker, o.salt), 4, "revoked order changed state");
    }

    function test_fill_succeeds_whenApproveAllWalletFillsItsOwnOrder() public {
        OrderSigningHarness.Probe memory o = _order(address(approveAll), 10, 10);
        // Its own orders: any bytes pass, only the wallet's own funds are at stake.
        assertEq(_fill(o, "whatever", 3), 3);
        assertEq(_fill(o, "", 3), 3);
    }

    function test_fill_reverts_whenApproveAllWalletSignsForAnEoaMaker() public {
        OrderSigningHarness.Probe memory o = _order(maker, 10, 10);
        // Whatever the approve-all wallet would accept is not the EOA maker's signature.
        vm.expectRevert(_badSig(venue, o));
        _fill(o, "whatever", 3);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, abi.encodePacked(address(approveAll)), 3);
    }

    function test_fill_reverts_whenApproveAllWalletSignsForAnotherWallet() public {
        OrderSigningHarness.Probe memory o = _order(address(wallet), 10, 10);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, "whatever", 3);
        // The approve-all wallet itself as caller (taker) gains nothing either.
        vm.prank(address(approveAll));
        vm.expectRevert(_badSig(venue, o));
        venue.fill(o, "whatever", 3);
    }

    function testFuzz_fill_reverts_whenApproveAllBytesUsedForOtherMaker(address otherMaker, bytes calldata sig) public {
        vm.assume(otherMaker != address(0) && otherMaker != address(approveAll) && otherMaker != taker);
        vm.assume(otherMaker.code.length == 0 && uint160(otherMaker) > 0x1000); // an EOA, not a precompile
        OrderSigningHarness.Probe memory o = _order(otherMaker, 10, 10);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 3);
    }

    function test_fill_reverts_whenWalletReverts() public {
        OrderSigningHarness.Probe memory o = _order(address(reverting), 10, 10);
        bytes memory sig = _sign(o);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 3);
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function test_fill_revertsWithoutStateChange_whenWalletBurnsGas() public {
        OrderSigningHarness.Probe memory o = _order(address(burner), 10, 10);
        bytes32 d = venue.digestOf(o);
        bytes memory sig = _sign(o);
        vm.prank(taker);
        (bool ok, bytes memory ret) = address(venue).call{gas: BURNER_FILL_GAS}(
            abi.encodeCall(OrderSigningHarness.fill, (o, sig, 3))
        );
        assertFalse(ok, "fill through a gas-burning wallet succeeded");
        // With 1/64 of the gas kept back the venue still reports a bad signature rather than running dry.
        assertEq(ret, _badSig(venue, o));
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function test_fill_reverts_whenWalletSaysNo_evenForAnotherKeysEcdsaSignature() public {
        // ECDSA runs first, but a valid ECDSA signature counts only when it recovers the maker itself: the
        // wallet's owner key (and any stranger's key) signing the digest does not bypass the wallet's no.
        OrderSigningHarness.Probe memory o = _order(address(wallet), 10, 10);
        bytes32 d = venue.digestOf(o);
        bytes memory ownerSig = _sign(o);
        (address signer, , ) = ECDSA.tryRecover(d, ownerSig);
        assertEq(signer, maker, "guard: a valid ECDSA signature of the owner key");
        vm.prank(maker);
        wallet.revoke(d);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, ownerSig, 4);
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        bytes memory strangerSig = _sign(venue, o, strangerKey);
        bytes memory bad = _badSig(venue, o);
        vm.expectRevert(bad);
        _fill(o, strangerSig, 4);
        assertEq(venue.filledOf(o.maker, o.salt), 0);
    }

    function test_fill_reverts_whenRevertingWalletMakerGetsOwnerEcdsaSignature() public {
        OrderSigningHarness.Probe memory o = _order(address(reverting), 10, 10);
        bytes memory sig = _sign(o);
        bytes memory bad = _badSig(venue, o);
        vm.expectRevert(bad);
        _fill(o, sig, 4);
    }

    function test_fill_acceptsEcdsaOfTheMakersOwnKey_beforeAskingItsCode() public {
        // An account whose key signs and which also has code (an EIP-7702 delegated EOA): the ECDSA signature
        // of its own key is accepted without calling its code, here code whose isValidSignature reverts.
        vm.etch(maker, address(reverting).code);
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        assertEq(_fill(o, sig, 4), 4);
        // Any other bytes still go to its ERC-1271 code, which refuses.
        bytes memory hi = _highS(sig);
        bytes memory bad = _badSig(venue, o);
        vm.expectRevert(bad);
        _fill(o, hi, 4);
    }

    function test_walletOwnerCanStillFillDirectly_whenWalletIsBroken() public {
        // A maker acting for itself needs no signature, so a wallet whose isValidSignature is broken can
        // still fill its own order by calling the venue itself.
        OrderSigningHarness.Probe memory o = _order(address(reverting), 10, 10);
        vm.prank(maker);
        reverting.execute(address(venue), abi.encodeCall(OrderSigningHarness.fill, (o, bytes(""), 10)));
        assertEq(venue.filledOf(o.maker, o.salt), 10);
    }
}
