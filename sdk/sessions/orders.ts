/**
 * EIP-712 typed data of session orders: the domain of one session, the `SessionOrder` type (it must match
 * `SessionOrderLib.TYPEHASH` in contracts/sessions/SessionOrderLib.sol field for field), a digest helper and a
 * signing helper for an ethers v6 signer or any EIP-1193 wallet (through `eip1193Signer` of sdk/eip1193.ts).
 */
import { TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";

import type { TypedDataSigner } from "../eip1193.js";

export type { TypedDataSigner } from "../eip1193.js";

/** A maker's signed allocation change (see the NatSpec of `SessionOrder` in Solidity for units). */
export interface SessionOrder {
  /** The account whose allocation changes; it signs. */
  maker: string;
  /** Only this account may take the order; the zero address means anyone. */
  taker: string;
  /** Bit k set means leg k is in the order. */
  legs: bigint;
  /** Maker's allocation change per set leg, ascending leg order, at a full fill (+ receives, - gives). */
  amounts: bigint[];
  /** Highest fee (bps) the maker accepts. */
  maxFeeBps: bigint;
  /** Unix second from which the order is dead. */
  expiry: bigint;
  /** Nonce epoch (dead once the maker's floor exceeds it). */
  nonce: bigint;
  /** Free entropy. */
  salt: bigint;
}

/** EIP-712 domain name and version used by every session. */
export const SESSION_DOMAIN_NAME = "Ringfence Session";
export const SESSION_DOMAIN_VERSION = "1";

/** The EIP-712 types of a session order (primary type `SessionOrder`). */
export const SESSION_ORDER_TYPES: Record<string, TypedDataField[]> = {
  SessionOrder: [
    { name: "maker", type: "address" },
    { name: "taker", type: "address" },
    { name: "legs", type: "uint256" },
    { name: "amounts", type: "int256[]" },
    { name: "maxFeeBps", type: "uint256" },
    { name: "expiry", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "salt", type: "uint256" },
  ],
};

/** The domain of the session at `session` on chain `chainId`. */
export function sessionDomain(session: string, chainId: bigint): TypedDataDomain {
  return { name: SESSION_DOMAIN_NAME, version: SESSION_DOMAIN_VERSION, chainId, verifyingContract: session };
}

/** The EIP-712 digest a maker signs; equals `session.hashOrder(order)` on chain. */
export function hashSessionOrder(order: SessionOrder, domain: TypedDataDomain): string {
  return TypedDataEncoder.hash(domain, SESSION_ORDER_TYPES, order);
}

/** Signs `order` for `domain` with `signer`: an ethers signer, or `eip1193Signer(provider, maker)` for any wallet. */
export async function signSessionOrder(
  signer: TypedDataSigner,
  order: SessionOrder,
  domain: TypedDataDomain,
): Promise<string> {
  return signer.signTypedData(domain, SESSION_ORDER_TYPES, { ...order });
}

/** Leg bit mask from a list of leg indices. */
export function legMask(legs: readonly number[]): bigint {
  let m = 0n;
  for (const k of legs) m |= 1n << BigInt(k);
  return m;
}

/**
 * Off-chain mirror of `SessionMath.amountAt`: the maker's cumulative change after `fractionWad` of a full
 * change `amount`, rounded in the maker's favour (receives rounds up, gives rounds down).
 */
export function amountAt(amount: bigint, fractionWad: bigint): bigint {
  const WAD = 10n ** 18n;
  if (amount >= 0n) return (amount * fractionWad + WAD - 1n) / WAD;
  return -((-amount * fractionWad) / WAD);
}
