/**
 * EIP-712 signing through any EIP-1193 provider (a browser wallet, WalletConnect, Hardhat's own provider):
 * the `eth_signTypedData_v4` JSON payload and a signer object with the same `signTypedData` shape as an
 * ethers v6 signer, so the order helpers of both families (`signSessionOrder`, `signMarketOrder`) take either.
 */
import { TypedDataEncoder, isHexString, type TypedDataDomain, type TypedDataField } from "ethers";

/** Anything that signs typed data the ethers v6 way: a Wallet, a JSON-RPC signer, or {@link eip1193Signer}. */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The one method of EIP-1193 this module needs. */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] }): Promise<unknown>;
}

/** JSON values only: what `eth_signTypedData_v4` carries. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The typed-data document of `eth_signTypedData_v4` (EIP-712 section "Specification of the eth_signTypedData JSON RPC"). */
export interface TypedDataPayload {
  /** The struct types, `EIP712Domain` included (its fields in EIP-712 order, only those the domain sets). */
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  /**
   * The domain fields that are set: chainId as a JSON number (EIP-712's own example and what wallets show; every
   * chain id up to 2^53 - 1 is exact, a larger one is refused), verifyingContract in lower case.
   */
  domain: Record<string, JsonValue>;
  /** Every integer as a decimal string (negative ones with a leading "-"), addresses in lower case. */
  message: Record<string, JsonValue>;
}

/**
 * The `eth_signTypedData_v4` document for `value` of the primary type of `types` under `domain`. Throws (before
 * anything reaches a wallet) when a value does not fit its type, e.g. a quantity outside int64.
 */
export function typedDataPayload(
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
): TypedDataPayload {
  const p = TypedDataEncoder.getPayload(domain, types, value);
  // getPayload already writes integers as decimal strings; the JSON round trip proves the document holds no
  // bigint (JSON.stringify throws on one) and gives it plain JSON types.
  const out = JSON.parse(JSON.stringify(p)) as TypedDataPayload;
  // getPayload writes chainId as a 0x quantity; the document carries it as a number (see TypedDataPayload).
  if (out.domain.chainId !== undefined) {
    const id = BigInt(out.domain.chainId as string);
    if (id > BigInt(Number.MAX_SAFE_INTEGER))
      throw new Error(`chain id ${id} is above 2^53 - 1 and cannot be written exactly as a JSON number`);
    out.domain.chainId = Number(id);
  }
  return out;
}

/**
 * Asks `provider` to sign typed data with `account` (`eth_signTypedData_v4`, params `[account, JSON text]`).
 * Returns the signature as the wallet gives it (65 bytes for a key; a smart-contract wallet may return other
 * lengths, which the contracts check through ERC-1271).
 */
export async function signTypedDataV4(
  provider: Eip1193Provider,
  account: string,
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
): Promise<string> {
  const payload = JSON.stringify(typedDataPayload(domain, types, value));
  const sig = await provider.request({ method: "eth_signTypedData_v4", params: [account, payload] });
  if (typeof sig !== "string" || !isHexString(sig) || sig.length <= 2) {
    throw new Error(
      `eth_signTypedData_v4 for ${account} returned ${JSON.stringify(sig)} instead of a 0x-hex signature: ` +
        "check that the wallet supports eth_signTypedData_v4 and that the account is unlocked in it",
    );
  }
  return sig;
}

/** A {@link TypedDataSigner} that signs as `account` through `provider` (for every order helper of the SDK). */
export function eip1193Signer(
  provider: Eip1193Provider,
  account: string,
): TypedDataSigner & { getAddress(): Promise<string> } {
  return {
    getAddress: async () => account,
    signTypedData: (domain, types, value) => signTypedDataV4(provider, account, domain, types, value),
  };
}
