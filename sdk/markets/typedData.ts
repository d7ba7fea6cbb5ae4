/**
 * EIP-712 typed data of a bounded-market order, the twin of contracts/markets/libraries/MarketOrders.sol.
 * Signed by {@link signMarketOrder} with an ethers v6 signer or any EIP-1193 wallet (`eip1193Signer` of
 * sdk/eip1193.ts).
 */
import { TypedDataEncoder, type TypedDataDomain } from "ethers";

import type { TypedDataSigner } from "../eip1193.js";

/** Ticks in one unit payoff: a price is `tick / TICKS`, tick in [1, TICKS - 1]. */
export const TICKS = 100;

/** Order types as the contract numbers them. */
export const OrderType = { GoodTillCancel: 0, ImmediateOrCancel: 1, PostOnly: 2 } as const;
export type OrderTypeValue = (typeof OrderType)[keyof typeof OrderType];

/** A bounded-market order. Integers are bigint where the Solidity type can exceed 2^53. */
export interface MarketOrder {
  /** Root (uncertain outcome) id. */
  rootId: bigint;
  /** Market on the root: 1 = root market. */
  branchId: number;
  /** Limit price tick in (0, TICKS). */
  tick: number;
  /** Signed contracts: + bid, - offer; |quantity| < 2^48. */
  quantity: bigint;
  /** 0 good-till-cancel, 1 immediate-or-cancel, 2 post-only. */
  orderType: number;
  /** Unix seconds after which the order can no longer be submitted. */
  expiry: bigint;
  /** Cancel-all handle (nonce floor). */
  nonce: bigint;
  /** Free entropy. */
  salt: bigint;
  /** The account whose collateral backs the order. */
  trader: string;
}

/** The EIP-712 types, field order exactly as the Solidity type hash. */
export const ORDER_TYPES: Record<string, Array<{ name: string; type: string }>> = {
  Order: [
    { name: "rootId", type: "uint64" },
    { name: "branchId", type: "uint16" },
    { name: "tick", type: "uint8" },
    { name: "quantity", type: "int64" },
    { name: "orderType", type: "uint8" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "salt", type: "uint256" },
    { name: "trader", type: "address" },
  ],
};

/** The type string the contract hashes into ORDER_TYPEHASH. */
export const ORDER_TYPE_STRING =
  "Order(uint64 rootId,uint16 branchId,uint8 tick,int64 quantity,uint8 orderType,uint64 expiry,uint256 nonce,uint256 salt,address trader)";

/** The contract's EIP-712 domain on a chain. */
export function marketsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "Ringfence BoundedMarkets", version: "1", chainId, verifyingContract };
}

/** The struct hash (before the domain is applied). */
export function orderStructHash(order: MarketOrder): string {
  return TypedDataEncoder.hashStruct("Order", ORDER_TYPES, order);
}

/** The digest a trader signs; equal to `BoundedMarkets.orderDigest(order)`. */
export function orderDigest(domain: TypedDataDomain, order: MarketOrder): string {
  return TypedDataEncoder.hash(domain, ORDER_TYPES, order);
}

/** Signs `order` for `domain` with `signer` (the trader): an ethers signer or `eip1193Signer(provider, trader)`. */
export async function signMarketOrder(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  order: MarketOrder,
): Promise<string> {
  return signer.signTypedData(domain, ORDER_TYPES, { ...order });
}

/** The order as a plain tuple-compatible object for contract calls. */
export function orderArgs(order: MarketOrder): MarketOrder {
  return { ...order };
}
