// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderSigning} from "../../../../contracts/shared/orders/OrderSigning.sol";
import {OrderSigningHarness} from "../../../../contracts/mocks/OrderSigningHarness.sol";
import {OrderSigningBase} from "./OrderSigningBase.sol";

/// @notice Fault class 12: a signature is bound to one chain, one venue contract, one name and one version.
contract OrderSigningDomainTest is OrderSigningBase {
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    function _domain(
        string memory name,
        string memory version,
        uint256 chainId,
        address verifying
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifying)
            );
    }

    function _digest(bytes32 domainSep, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSep, structHash));
    }

    function _signDigest(bytes32 digest) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(makerKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function test_domainSeparator_namesChainAndVerifyingContract() public view {
        assertEq(venue.domainSeparator(), _domain("Ringfence Probe", "1", block.chainid, address(venue)));
        assertEq(otherVenue.domainSeparator(), _domain("Ringfence Probe", "1", block.chainid, address(otherVenue)));
        OrderSigningHarness.Probe memory o = _order();
        assertEq(venue.digestOf(o), _digest(venue.domainSeparator(), venue.hashProbe(o)));
        assertTrue(venue.digestOf(o) != otherVenue.digestOf(o), "two venues, one digest");
    }

    function test_eip712Domain_reportsCurrentChainAndContract() public {
        (, string memory name, string memory version, uint256 chainId, address verifying, , ) = venue.eip712Domain();
        assertEq(name, "Ringfence Probe");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifying, address(venue));
        vm.chainId(10);
        (, , , chainId, , , ) = venue.eip712Domain();
        assertEq(chainId, 10);
    }

    function test_fill_succeeds_withSignatureForThisVenueAndChain() public {
        OrderSigningHarness.Probe memory o = _order();
        assertEq(_fill(o, _sign(o), 1e18), 1e18);
        assertEq(venue.filledOf(o.maker, o.salt), 1e18);
    }

    function test_domainSeparator_followsChainIdChange() public {
        bytes32 before = venue.domainSeparator();
        uint256 original = block.chainid;
        vm.chainId(original + 1);
        bytes32 forked = venue.domainSeparator();
        assertTrue(forked != before, "separator did not follow the chain id");
        assertEq(forked, _domain("Ringfence Probe", "1", original + 1, address(venue)));
        vm.chainId(original);
        assertEq(venue.domainSeparator(), before, "separator not restored on the original chain");
    }

    function test_fill_reverts_whenChainIdChangedAfterSigning() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o); // signed on the original chain
        vm.chainId(block.chainid + 1); // a fork: same state, new chain id
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 1e18);
        // A fresh signature on the forked chain works there, and the original one stays valid at home.
        assertEq(_fill(o, _sign(o), 1e18), 1e18);
        vm.chainId(block.chainid - 1);
        assertEq(_fill(o, sig, 2e18), 2e18);
    }

    function testFuzz_fill_reverts_whenSignedForAnotherChain(uint64 otherChain) public {
        vm.assume(otherChain != block.chainid);
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _signDigest(
            _digest(_domain("Ringfence Probe", "1", otherChain, address(venue)), venue.hashProbe(o))
        );
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 1e18);
    }

    function test_fill_reverts_whenSignedForAnotherVenue() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory forOther = _sign(otherVenue, o, makerKey);
        vm.expectRevert(_badSig(venue, o));
        _fill(o, forOther, 1e18);
        // ...and the other way round.
        bytes memory forThis = _sign(o);
        vm.prank(taker);
        vm.expectRevert(_badSig(otherVenue, o));
        otherVenue.fill(o, forThis, 1e18);
        // Each venue accepts only its own.
        vm.prank(taker);
        (uint256 got, ) = otherVenue.fill(o, forOther, 1e18);
        assertEq(got, 1e18);
        assertEq(venue.filledOf(o.maker, o.salt), 0, "a fill on one venue leaked into the other");
    }

    function test_fill_reverts_whenSignedUnderAnotherName() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _signDigest(
            _digest(_domain("Ringfence Probe v0", "1", block.chainid, address(venue)), venue.hashProbe(o))
        );
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 1e18);
    }

    function test_fill_reverts_whenSignedUnderAnotherVersion() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _signDigest(
            _digest(_domain("Ringfence Probe", "2", block.chainid, address(venue)), venue.hashProbe(o))
        );
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 1e18);
    }

    function test_fill_reverts_whenVenueDeployedUnderAnotherVersion() public {
        OrderSigningHarness v2 = new OrderSigningHarness("Ringfence Probe", "2");
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        vm.prank(taker);
        vm.expectRevert(_badSig(v2, o));
        v2.fill(o, sig, 1e18);
    }

    function test_fill_reverts_whenStructHashSignedWithoutDomain() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _signDigest(venue.hashProbe(o));
        vm.expectRevert(_badSig(venue, o));
        _fill(o, sig, 1e18);
    }

    function test_fill_reverts_whenAnyFieldChangedAfterSigning() public {
        OrderSigningHarness.Probe memory o = _order();
        bytes memory sig = _sign(o);
        for (uint256 field = 1; field < 7; ++field) {
            OrderSigningHarness.Probe memory t = _order();
            if (field == 1) t.taker = taker;
            if (field == 2) t.size += 1;
            if (field == 3) t.quote -= 1;
            if (field == 4) t.expiry += 1;
            if (field == 5) t.nonce += 1;
            if (field == 6) t.salt += 1;
            vm.expectRevert(_badSig(venue, t));
            _fill(t, sig, 1e18);
        }
        assertEq(_fill(o, sig, 1e18), 1e18);
    }
}
