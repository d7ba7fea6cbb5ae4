/**
 * sdk/signatures.ts gives the contract's verdict on an order signature, off chain: for each way a signature can
 * be written (canonical, EIP-2098 compact, v as 0/1, the malleable high-s twin, extra bytes, another key, none)
 * and each kind of maker (a key, an ERC-1271 wallet, a wallet that refuses or reverts, an account with code
 * that also signs with its own key), the SDK's answer equals whether OrderSigning lets the fill through.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, toBeHex, Wallet, ZeroAddress, type SigningKey } from "ethers";

import type { OrderSigningHarness } from "../../types/ethers-contracts/index.js";
import { providerOracle, recoverLikeContract, signatureVerdict } from "../../sdk/signatures.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("sdk/signatures: the contract's signature rule off chain", function () {
  this.timeout(120_000);

  it("agrees with OrderSigning for every signature form and maker kind", async () => {
    const { ethers, provider } = await network.create();
    const [submitter] = await ethers.getSigners();
    const key = Wallet.createRandom();
    const other = Wallet.createRandom();
    const harness = (await ethers.deployContract("OrderSigningHarness", [
      "Probe",
      "1",
    ])) as unknown as OrderSigningHarness;
    const wallet = await ethers.deployContract("MockERC1271Wallet", [key.address]);
    const approveAll = await ethers.deployContract("MockERC1271ApproveAll", [key.address]);
    const reverting = await ethers.deployContract("MockERC1271Reverting", [key.address]);
    // an account with code that signs with its own key (as an EIP-7702 delegated account does)
    const delegated = Wallet.createRandom();
    await provider.request({
      method: "hardhat_setCode",
      params: [delegated.address, await ethers.provider.getCode(await reverting.getAddress())],
    });

    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    let salt = 0n;
    const probe = (maker: string) => ({
      maker,
      taker: ZeroAddress,
      size: 10n,
      quote: 20n,
      expiry: now + 3600n,
      nonce: 0n,
      salt: ++salt,
    });

    const forms = (sig: Signature): Record<string, string> => {
      const rs = sig.r + sig.s.slice(2);
      const highS = toBeHex(N - BigInt(sig.s), 32);
      const flipped = sig.v === 27 ? "1c" : "1b";
      return {
        canonical: sig.serialized,
        compact: sig.compactSerialized,
        "v as 0/1": rs + (sig.v - 27).toString(16).padStart(2, "0"),
        "high s": sig.r + highS.slice(2) + flipped,
        "extra byte": sig.serialized + "00",
        truncated: sig.serialized.slice(0, -2),
        empty: "0x",
      };
    };

    const makers: Record<string, { address: string; signer: { signingKey: SigningKey } }> = {
      key: { address: key.address, signer: key },
      "key, signed by another key": { address: key.address, signer: other },
      "ERC-1271 wallet (owner signs)": { address: await wallet.getAddress(), signer: key },
      "approve-all wallet": { address: await approveAll.getAddress(), signer: other },
      "reverting wallet": { address: await reverting.getAddress(), signer: key },
      "account with code, own key": { address: delegated.address, signer: delegated },
    };

    const oracle = providerOracle(ethers.provider);
    let checked = 0;
    const seen = new Set<string>();
    for (const [makerKind, m] of Object.entries(makers)) {
      const order = probe(m.address);
      const digest: string = await harness.digestOf(order);
      const sig = Signature.from(m.signer.signingKey.sign(digest));
      for (const [form, signature] of Object.entries(forms(sig))) {
        let onChain = true;
        try {
          await harness.connect(submitter).fill.staticCall(order, signature, 1n);
        } catch (e) {
          onChain = false;
          expect(harness.interface.parseError((e as { data: string }).data)?.name, `${makerKind} / ${form}`).to.equal(
            "BadSignature",
          );
        }
        const verdict = await signatureVerdict(digest, signature, m.address, oracle);
        const offChain = verdict === "ecdsa" || verdict === "erc1271";
        expect(offChain, `${makerKind} / ${form}: sdk says ${verdict}`).to.equal(onChain);
        seen.add(`${verdict}:${onChain}`);
        checked++;
      }
    }
    expect(checked).to.equal(42);
    // every verdict occurs, so no branch of the rule went untested
    expect([...seen].sort()).to.deep.equal(["ecdsa:true", "erc1271:true", "no-code:false", "refused:false"]);
  });

  it("recovers only what the contract recovers", () => {
    const key = Wallet.createRandom();
    const digest = "0x" + "ab".repeat(32);
    const sig = Signature.from(key.signingKey.sign(digest));
    expect(recoverLikeContract(digest, sig.serialized)).to.equal(key.address);
    expect(recoverLikeContract(digest, sig.compactSerialized)).to.equal(null);
    expect(recoverLikeContract(digest, sig.r + toBeHex(N - BigInt(sig.s), 32).slice(2) + "1c")).to.equal(null);
    expect(recoverLikeContract(digest, "0x" + "00".repeat(65))).to.equal(null);
    expect(recoverLikeContract(digest, "not hex")).to.equal(null);
  });
});
