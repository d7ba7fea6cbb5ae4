/**
 * Orders made by a Safe (1.3 / 1.4.1 with the CompatibilityFallbackHandler): the Safe is the order's maker
 * (sessions) or trader (markets), and the venues check its approval through ERC-1271
 * `isValidSignature(orderDigest, signature)`. The Safe answers in one of two ways:
 *
 * 1. Off chain: `signature` is the concatenation of enough owner signatures (threshold many, 65 bytes each,
 *    sorted by owner address, ascending) over the Safe message hash of the order digest. That hash is the
 *    EIP-712 hash of `SafeMessage(bytes message)` with `message = abi.encode(orderDigest)` (the 32 digest bytes)
 *    under the Safe's domain `{chainId, verifyingContract: safe}` (no name, no version), i.e.
 *    `keccak256(0x1901 || safe.domainSeparator() || keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message))))`.
 *    An owner signs it with `eth_signTypedData_v4` like any typed data: {@link signSafeMessage}.
 * 2. On chain: the Safe executes `SignMessageLib.signMessage(abi.encode(orderDigest))` by DELEGATECALL
 *    ({@link signMessageTx}, {@link approveDigestOnChain}); the order then goes out with an empty signature.
 *
 * Browser-safe: ethers and ../input.ts only.
 */
import {
  AbiCoder,
  Contract,
  getAddress,
  Interface,
  Signature,
  TypedDataEncoder,
  ZeroAddress,
  concat,
  type ContractRunner,
  type Signer,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import type { TypedDataSigner } from "./eip1193.js";
import { CliError, parseAddress } from "./input.js";

/** The EIP-712 type an owner signs for a Safe message (`SAFE_MSG_TYPEHASH` of the handler). */
export const SAFE_MESSAGE_TYPES: Record<string, TypedDataField[]> = {
  SafeMessage: [{ name: "message", type: "bytes" }],
};

/** The EIP-712 type of a Safe transaction (`SAFE_TX_TYPEHASH` of Safe.sol 1.3 / 1.4.1). */
export const SAFE_TX_TYPES: Record<string, TypedDataField[]> = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** The functions of a Safe (and of SignMessageLib) this module calls. */
export const SAFE_ABI = [
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function nonce() view returns (uint256)",
  "function domainSeparator() view returns (bytes32)",
  "function signedMessages(bytes32) view returns (uint256)",
  "function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
];
export const SIGN_MESSAGE_LIB_ABI = ["function signMessage(bytes _data)"];

/** ERC-1271's magic value: `isValidSignature(bytes32,bytes)` returns it for a valid signature. */
export const ERC1271_MAGIC = "0x1626ba7e";

/** An owner that signs typed data and knows its address: an ethers Signer or `eip1193Signer(provider, owner)`. */
export type SafeOwner = TypedDataSigner & { getAddress(): Promise<string> };

/** The Safe's EIP-712 domain: chain id and the Safe's address only. */
export function safeDomain(chainId: bigint, safe: string): TypedDataDomain {
  return { chainId, verifyingContract: getAddress(safe) };
}

/** The `SafeMessage` value for an order digest: the message is the 32 bytes `abi.encode(digest)`. */
export function safeMessageValue(digest: string): { message: string } {
  return { message: AbiCoder.defaultAbiCoder().encode(["bytes32"], [digest]) };
}

/**
 * The typed data an owner signs so that the Safe approves `digest` (for a wallet's `eth_signTypedData_v4`, pass
 * it to `typedDataPayload` of ./eip1193.ts).
 */
export function safeMessageTypedData(chainId: bigint, safe: string, digest: string) {
  return {
    domain: safeDomain(chainId, safe),
    types: SAFE_MESSAGE_TYPES,
    primaryType: "SafeMessage" as const,
    message: safeMessageValue(digest),
  };
}

/** The Safe message hash of `digest`: what each owner's signature recovers over. */
export function safeMessageHash(chainId: bigint, safe: string, digest: string): string {
  return TypedDataEncoder.hash(safeDomain(chainId, safe), SAFE_MESSAGE_TYPES, safeMessageValue(digest));
}

/** A 65-byte signature with v in {27, 28}, as Safe's ECDSA branch needs (v 0 or 1 would mean another scheme). */
function normaliseOwnerSignature(sig: string, owner: string): string {
  let s: Signature;
  try {
    s = Signature.from(sig);
  } catch {
    throw new CliError(
      `owner ${owner} returned ${sig}, not a 65-byte ECDSA signature: a Safe owner must sign with a key (an owner that is itself a contract is not supported here)`,
    );
  }
  return s.serialized;
}

/** One owner's signature over the Safe message of `digest` (65 bytes, v 27/28). */
export async function signSafeMessage(
  owner: SafeOwner,
  chainId: bigint,
  safe: string,
  digest: string,
): Promise<{ owner: string; signature: string }> {
  const t = safeMessageTypedData(chainId, safe, digest);
  const addr = getAddress(await owner.getAddress());
  return {
    owner: addr,
    signature: normaliseOwnerSignature(await owner.signTypedData(t.domain, t.types, t.message), addr),
  };
}

/**
 * Concatenates owner signatures as Safe's `checkNSignatures` reads them: 65 bytes each, sorted by owner address
 * ascending (as 160-bit numbers); the same owner twice is refused (the Safe would reject it with GS026).
 */
export function concatSafeSignatures(parts: ReadonlyArray<{ owner: string; signature: string }>): string {
  const sorted = [...parts]
    .map((p) => ({ owner: getAddress(p.owner), signature: normaliseOwnerSignature(p.signature, p.owner) }))
    .sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : BigInt(a.owner) > BigInt(b.owner) ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].owner === sorted[i - 1].owner)
      throw new CliError(`owner ${sorted[i].owner} signed twice: each owner counts once towards the threshold`);
  }
  return concat(sorted.map((p) => p.signature));
}

/** The Safe's ERC-1271 signature for `digest` from `owners` (at least the threshold of them): sign, sort, concatenate. */
export async function signDigestAsSafe(
  owners: ReadonlyArray<SafeOwner>,
  chainId: bigint,
  safe: string,
  digest: string,
): Promise<string> {
  const parts = [];
  for (const o of owners) parts.push(await signSafeMessage(o, chainId, safe, digest));
  return concatSafeSignatures(parts);
}

/** A Safe's owners, threshold and transaction nonce, read from the chain. */
export interface SafeState {
  address: string;
  owners: string[];
  threshold: bigint;
  nonce: bigint;
}

/** Reads a Safe; a CliError when the address holds no Safe. */
export async function readSafe(runner: ContractRunner, safeArg: string, what = "--safe"): Promise<SafeState> {
  const address = parseAddress(safeArg, what);
  const c = new Contract(address, SAFE_ABI, runner);
  try {
    const owners = ((await c.getOwners()) as string[]).map((o) => getAddress(o));
    return { address, owners, threshold: BigInt(await c.getThreshold()), nonce: BigInt(await c.nonce()) };
  } catch {
    throw new CliError(`${what} ${address} is not a Safe on this network (it does not answer getOwners/getThreshold)`);
  }
}

/**
 * True when the Safe accepts `signature` for `digest` through ERC-1271 now (an empty signature: the digest was
 * approved on chain). False on any other answer, a revert included (e.g. "Hash not approved", or a Safe without
 * the CompatibilityFallbackHandler).
 */
export async function safeAccepts(runner: ContractRunner, safe: string, digest: string, signature: string) {
  try {
    return (await new Contract(safe, SAFE_ABI, runner).isValidSignature(digest, signature)) === ERC1271_MAGIC;
  } catch {
    return false;
  }
}

/**
 * The signature of an order made by `safe`, signed by `owner` alone: checks that `owner` is an owner, that one
 * signature reaches the threshold, and that the Safe accepts the result through ERC-1271 (so a Safe without the
 * CompatibilityFallbackHandler is caught before the order leaves). For a threshold above one, collect the owners'
 * signatures with {@link signDigestAsSafe}, or approve on chain with {@link approveDigestOnChain}.
 */
export async function safeOrderSignature(
  owner: Signer,
  safeArg: string,
  chainId: bigint,
  digest: string,
): Promise<string> {
  const safe = await readSafe(owner, safeArg);
  const me = getAddress(await owner.getAddress());
  if (!safe.owners.includes(me)) {
    throw new CliError(
      `${me} is not an owner of the Safe ${safe.address} (owners: ${safe.owners.join(", ")}): choose an owner with --account`,
    );
  }
  if (safe.threshold !== 1n) {
    throw new CliError(
      `the Safe ${safe.address} needs ${safe.threshold} owner signatures and this command signs as one owner: collect them with signDigestAsSafe of sdk/safe.ts, or approve the digest on chain (approveDigestOnChain) and send the order with an empty signature`,
    );
  }
  const signature = await signDigestAsSafe([owner], chainId, safe.address, digest);
  if (!(await safeAccepts(owner, safe.address, digest, signature))) {
    throw new CliError(
      `the Safe ${safe.address} does not accept its owner's signature through ERC-1271: its fallback handler must be the CompatibilityFallbackHandler`,
    );
  }
  return signature;
}

/** A Safe transaction as its owners sign it, without its nonce (operation 0 = CALL, 1 = DELEGATECALL). */
export interface SafeCall {
  to: string;
  value: bigint;
  data: string;
  operation: number;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
}

/** A Safe transaction with the Safe nonce it is signed for. */
export interface SafeTransaction extends SafeCall {
  nonce: bigint;
}

/** A plain call from the Safe (no gas refund: gas fields and tokens zero). */
export function safeCall(to: string, data: string, value = 0n): SafeCall {
  return {
    to: getAddress(to),
    value,
    data,
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
  };
}

/**
 * The Safe transaction that approves `digest` on chain: DELEGATECALL to SignMessageLib's
 * `signMessage(abi.encode(digest))`, which sets `signedMessages[safeMessageHash(digest)] = 1` in the Safe.
 */
export function signMessageTx(signMessageLib: string, digest: string): SafeCall {
  const data = new Interface(SIGN_MESSAGE_LIB_ABI).encodeFunctionData("signMessage", [
    safeMessageValue(digest).message,
  ]);
  return { ...safeCall(signMessageLib, data), operation: 1 };
}

/** The hash owners sign for a Safe transaction (equals `safe.getTransactionHash(...)`). */
export function safeTxHash(chainId: bigint, safe: string, tx: SafeTransaction): string {
  return TypedDataEncoder.hash(safeDomain(chainId, safe), SAFE_TX_TYPES, { ...tx });
}

/** One owner's signature of a Safe transaction (65 bytes, v 27/28). */
export async function signSafeTx(
  owner: SafeOwner,
  chainId: bigint,
  safe: string,
  tx: SafeTransaction,
): Promise<{ owner: string; signature: string }> {
  const addr = getAddress(await owner.getAddress());
  const sig = await owner.signTypedData(safeDomain(chainId, safe), SAFE_TX_TYPES, { ...tx });
  return { owner: addr, signature: normaliseOwnerSignature(sig, addr) };
}

/** Calldata of `execTransaction` for `tx` with the owners' concatenated `signatures`. */
export function execTransactionData(tx: SafeCall, signatures: string): string {
  return new Interface(SAFE_ABI).encodeFunctionData("execTransaction", [
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
    signatures,
  ]);
}

/**
 * Executes `call` from the Safe: the owners (at least the threshold) sign it at the Safe's current nonce, the
 * first of them sends `execTransaction` (simulated first, so a failing inner call reverts with its reason or
 * GS013 before anything is sent).
 */
export async function execSafeTransaction(
  owners: ReadonlyArray<Signer>,
  safeArg: string,
  call: SafeCall,
): Promise<{ txHash: string; gasUsed: bigint; safeTxHash: string }> {
  if (owners.length === 0) throw new CliError("a Safe transaction needs at least one owner's signature");
  const sender = owners[0];
  if (sender.provider === null) throw new CliError("the sending owner has no provider");
  const safe = await readSafe(sender, safeArg);
  if (BigInt(owners.length) < safe.threshold)
    throw new CliError(`the Safe ${safe.address} needs ${safe.threshold} owner signatures, got ${owners.length}`);
  const chainId = (await sender.provider.getNetwork()).chainId;
  const tx: SafeTransaction = { ...call, nonce: safe.nonce };
  const parts = [];
  for (const o of owners) parts.push(await signSafeTx(o, chainId, safe.address, tx));
  const data = execTransactionData(tx, concatSafeSignatures(parts));
  await sender.call({ to: safe.address, data });
  const sent = await sender.sendTransaction({ to: safe.address, data });
  const receipt = await sent.wait();
  if (receipt === null) throw new CliError(`transaction ${sent.hash} was dropped`);
  return { txHash: sent.hash, gasUsed: receipt.gasUsed, safeTxHash: safeTxHash(chainId, safe.address, tx) };
}

/**
 * Approves `digest` on chain for the Safe ({@link signMessageTx} through {@link execSafeTransaction}). Afterwards
 * the Safe's `isValidSignature(digest, "0x")` returns the magic value, so an order with this digest may be
 * submitted by anyone with an empty signature.
 */
export async function approveDigestOnChain(
  owners: ReadonlyArray<Signer>,
  safeArg: string,
  signMessageLib: string,
  digest: string,
): Promise<{ txHash: string; gasUsed: bigint; safeTxHash: string }> {
  const r = await execSafeTransaction(owners, safeArg, signMessageTx(signMessageLib, digest));
  const safe = parseAddress(safeArg, "--safe");
  if (!(await safeAccepts(owners[0], safe, digest, "0x")))
    throw new CliError(`the Safe ${safe} executed the approval but does not report ${digest} as approved`);
  return r;
}
