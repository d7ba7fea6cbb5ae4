/**
 * The contracts' signature rule, off chain (contracts/shared/orders/OrderSigning.sol `_verifyOrder`): an order
 * signed for `maker` is valid when ECDSA over its digest recovers `maker`, and otherwise only when `maker` has
 * code and answers ERC-1271 `isValidSignature(digest, signature)` with the magic value. ECDSA is OpenZeppelin's
 * `tryRecoverCalldata`: exactly 65 bytes (r, s, v), `v` 27 or 28, `s` in the lower half of the curve order.
 * ethers alone is laxer (it also takes 64-byte EIP-2098 signatures, v 0/1 and any s with a clear top bit), so
 * a check built on it could accept an order every fill of which reverts.
 *
 * Browser-safe: ethers only.
 */
import { AbiCoder, concat, dataLength, getAddress, getBytes, recoverAddress, toBigInt } from "ethers";

/** secp256k1's order n, halved: OpenZeppelin refuses an `s` above it (malleable signatures). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * The address ECDSA recovers from `signature` over `digest` exactly as the contracts do, or null where the
 * contract's recovery fails (wrong length, v not 27/28, high s, no point).
 */
export function recoverLikeContract(digest: string, signature: string): string | null {
  try {
    if (dataLength(signature) !== 65) return null;
    const b = getBytes(signature);
    const v = b[64];
    if (v !== 27 && v !== 28) return null;
    const s = toBigInt(b.subarray(32, 64));
    if (s > HALF_N || s === 0n || toBigInt(b.subarray(0, 32)) === 0n) return null;
    return getAddress(recoverAddress(digest, signature));
  } catch {
    return null;
  }
}

/** True when ECDSA alone makes `signature` valid for `maker` (the contract then asks no wallet). */
export function ecdsaSignsFor(digest: string, signature: string, maker: string): boolean {
  const who = recoverLikeContract(digest, signature);
  return who !== null && who === getAddress(maker);
}

/** What decides an order's signature, in the contract's order: ECDSA, else the maker's code and ERC-1271. */
export interface SignatureOracle {
  /** True when `address` has code (at the block the caller means). */
  hasCode(address: string): Promise<boolean>;
  /** ERC-1271: true when `wallet.isValidSignature(digest, signature)` returns the magic value (never throws). */
  erc1271(wallet: string, digest: string, signature: string): Promise<boolean>;
}

/**
 * The contract's verdict on `signature` for `maker` over `digest`: "ecdsa" or "erc1271" when valid, else
 * "no-code" (ECDSA fails and the maker is a plain account) or "refused" (ECDSA fails and the wallet says no).
 */
export async function signatureVerdict(
  digest: string,
  signature: string,
  maker: string,
  oracle: SignatureOracle,
): Promise<"ecdsa" | "erc1271" | "no-code" | "refused"> {
  if (ecdsaSignsFor(digest, signature, maker)) return "ecdsa";
  if (!(await oracle.hasCode(maker))) return "no-code";
  return (await oracle.erc1271(maker, digest, signature)) ? "erc1271" : "refused";
}

const ERC1271_SELECTOR = "0x1626ba7e"; // isValidSignature(bytes32,bytes), also its magic return value

/** A {@link SignatureOracle} reading `provider` at `blockTag` (default: latest). */
export function providerOracle(
  provider: {
    getCode(a: string, b?: string | number): Promise<string>;
    call(tx: { to: string; data: string; blockTag?: string | number }): Promise<string>;
  },
  blockTag?: string | number,
): SignatureOracle {
  return {
    hasCode: async (address) => (await provider.getCode(address, blockTag)) !== "0x",
    erc1271: async (wallet, digest, signature) => {
      try {
        const data = concat([
          ERC1271_SELECTOR,
          AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes"], [digest, signature]),
        ]);
        const out = await provider.call({ to: wallet, data, blockTag });
        return out.length >= 10 && out.slice(0, 10).toLowerCase() === ERC1271_SELECTOR;
      } catch {
        return false;
      }
    },
  };
}
