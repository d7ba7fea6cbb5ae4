/**
 * Pure checks of a signed session order as the SDK writes it (`OrderFile` of sdk/sessions/client.ts): every
 * field's shape and range, the digest, and the EOA signature. Each failure names its field, so a relay or a
 * wallet front end can point at it. Browser-safe: ethers only, no `node:` imports, no chain access (the
 * chain-side checks, ERC-1271 signatures among them, belong to the caller: relay/validate.ts).
 */
import { getAddress, isAddress, TypedDataEncoder, ZeroAddress } from "ethers";

import { ecdsaSignsFor } from "../signatures.js";
import { amountAt, SESSION_ORDER_TYPES, sessionDomain, type SessionOrder } from "./orders.js";

/** One refusal: a stable machine code, a sentence for a person, and the JSON path of the field at fault. */
export interface OrderIssue {
  code: string;
  message: string;
  /** Dotted path into the submitted JSON (e.g. `order.amounts[1]`), or null when no one field is at fault. */
  field: string | null;
}

export class OrderRejected extends Error {
  constructor(
    readonly issue: OrderIssue,
    /** HTTP status a server answers with. */
    readonly status = 400,
  ) {
    super(issue.message);
    this.name = "OrderRejected";
  }
}

const WAD = 10n ** 18n;
const UINT256_MAX = (1n << 256n) - 1n;
/** Largest |amount| a session accepts (`SessionMath.MAX_AMOUNT` = int128 max). */
export const MAX_ORDER_AMOUNT = (1n << 127n) - 1n;
/** Most legs a session has. */
export const MAX_LEGS = 32;

const reject = (code: string, field: string | null, message: string, status = 400): never => {
  throw new OrderRejected({ code, message, field }, status);
};

function wholeNumber(v: unknown, field: string, min: bigint, max: bigint): bigint {
  if (typeof v !== "string" || !/^-?\d{1,80}$/.test(v))
    reject("malformed_field", field, `${field} must be a whole number written as a decimal string`);
  const n = BigInt(v as string);
  if (n < min || n > max) reject("malformed_field", field, `${field} is out of range [${min}, ${max}]`);
  return n;
}

function address(v: unknown, field: string): string {
  if (typeof v !== "string" || !isAddress(v) || !/^0x[0-9a-fA-F]{40}$/.test(v))
    reject("malformed_field", field, `${field} must be a 0x-prefixed 20-byte hex address`);
  try {
    return getAddress(v as string);
  } catch {
    return reject("malformed_field", field, `${field} has a wrong checksum (mixed case that is not EIP-55)`);
  }
}

/** A submission parsed and checked for shape. */
export interface ParsedSubmission {
  chainId: bigint;
  session: string;
  order: SessionOrder;
  signature: string;
  /** The EIP-712 digest computed from the order (the submitted one, if any, must equal it). */
  digest: string;
}

/**
 * Parses `raw` (the JSON body of an order submission, an SDK `OrderFile`) and checks every field's shape:
 * `type`, `chainId`, `session`, `signature` (hex), `order.*` (addresses, uint256 ranges, amounts non-zero and
 * within int128, one amount per leg bit, at most 32 legs), and that a submitted `digest` equals the computed
 * one. Throws {@link OrderRejected} naming the field.
 */
export function parseSubmission(raw: unknown): ParsedSubmission {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    reject("malformed_json", null, "the body must be a JSON object (an order file written by `session order`)");
  const f = raw as Record<string, unknown>;
  if (f.type !== "ringfence-session-order") reject("malformed_field", "type", 'type must be "ringfence-session-order"');
  const chainId = wholeNumber(f.chainId, "chainId", 1n, UINT256_MAX);
  const session = address(f.session, "session");
  if (typeof f.signature !== "string" || !/^0x([0-9a-fA-F]{2}){1,2048}$/.test(f.signature))
    reject("malformed_field", "signature", "signature must be 0x-prefixed hex of whole bytes (at most 2048 bytes)");
  const o = f.order as Record<string, unknown> | undefined;
  if (o === null || typeof o !== "object" || Array.isArray(o))
    reject("malformed_field", "order", "order must be an object with the signed fields");
  const ord = o as Record<string, unknown>;
  const maker = address(ord.maker, "order.maker");
  if (maker === ZeroAddress) reject("malformed_field", "order.maker", "order.maker is the zero address");
  const taker = address(ord.taker, "order.taker");
  const legs = wholeNumber(ord.legs, "order.legs", 1n, UINT256_MAX);
  if (legs >> BigInt(MAX_LEGS) !== 0n)
    reject("malformed_field", "order.legs", `order.legs names a leg above ${MAX_LEGS - 1}`);
  if (!Array.isArray(ord.amounts) || ord.amounts.length === 0 || ord.amounts.length > MAX_LEGS)
    reject("malformed_field", "order.amounts", `order.amounts must be an array of 1 to ${MAX_LEGS} amounts`);
  const amounts = (ord.amounts as unknown[]).map((a, i) => {
    const v = wholeNumber(a, `order.amounts[${i}]`, -MAX_ORDER_AMOUNT, MAX_ORDER_AMOUNT);
    if (v === 0n) reject("malformed_field", `order.amounts[${i}]`, `order.amounts[${i}] is zero: every leg must move`);
    return v;
  });
  if (popcount(legs) !== amounts.length)
    reject(
      "malformed_field",
      "order.amounts",
      `order.legs sets ${popcount(legs)} legs but order.amounts has ${amounts.length} amounts`,
    );
  const order: SessionOrder = {
    maker,
    taker,
    legs,
    amounts,
    maxFeeBps: wholeNumber(ord.maxFeeBps, "order.maxFeeBps", 0n, UINT256_MAX),
    expiry: wholeNumber(ord.expiry, "order.expiry", 0n, UINT256_MAX),
    nonce: wholeNumber(ord.nonce, "order.nonce", 0n, UINT256_MAX),
    salt: wholeNumber(ord.salt, "order.salt", 0n, UINT256_MAX),
  };
  const digest = TypedDataEncoder.hash(sessionDomain(session, chainId), SESSION_ORDER_TYPES, order);
  if (f.digest !== undefined && (typeof f.digest !== "string" || f.digest.toLowerCase() !== digest))
    reject("malformed_field", "digest", `digest does not match the order's EIP-712 digest ${digest}`);
  return { chainId, session, order, signature: f.signature as string, digest };
}

/**
 * True when ECDSA makes `signature` the maker's over the order, exactly as the contract recovers (65 bytes,
 * v 27/28, low s: sdk/signatures.ts); the contract then asks no wallet.
 */
export function isEoaSignature(p: ParsedSubmission): boolean {
  // p.digest is the EIP-712 digest parseSubmission computed (not the submitted one): recovering from it
  // spares hashing the typed data a second time
  return ecdsaSignsFor(p.digest, p.signature, p.order.maker);
}

export function popcount(x: bigint): number {
  let n = 0;
  for (let v = x; v > 0n; v >>= 1n) n += Number(v & 1n);
  return n;
}

/** Leg indices of a mask, ascending (the order of `amounts`). */
export function legsOf(mask: bigint): number[] {
  const out: number[] = [];
  for (let k = 0; mask >> BigInt(k) !== 0n; k++) if (((mask >> BigInt(k)) & 1n) === 1n) out.push(k);
  return out;
}

/**
 * What is left of each amount after `filledWad` of the order was filled: `amountAt(a, WAD) - amountAt(a,
 * filled)`, the same rounding as the contract (the maker's favour), so the sum with the fills is the full order.
 */
export function remainingAmounts(order: SessionOrder, filledWad: bigint): bigint[] {
  const f = filledWad > WAD ? WAD : filledWad;
  return order.amounts.map((a) => amountAt(a, WAD) - amountAt(a, f));
}

/** A two-leg order's side of its pair: `pair` "i-j" (i < j); "bid" receives leg i and gives leg j, "ask" the reverse. */
export interface PairSide {
  pair: string;
  side: "bid" | "ask";
  /** Leg-j raw units per leg-i raw unit, scaled by 1e18 (bid: rounded down, ask: rounded up: each in the maker's limit's direction). */
  priceWad: bigint;
}

/** The pair and side of a two-leg order with opposite signs; undefined for any other order (it has no book). */
export function pairSide(order: SessionOrder): PairSide | undefined {
  const legs = legsOf(order.legs);
  if (legs.length !== 2 || order.amounts[0] > 0n === order.amounts[1] > 0n) return undefined;
  const [ai, aj] = [order.amounts[0], order.amounts[1]];
  const pair = `${legs[0]}-${legs[1]}`;
  if (ai > 0n) return { pair, side: "bid", priceWad: (-aj * WAD) / ai };
  return { pair, side: "ask", priceWad: (aj * WAD + -ai - 1n) / -ai };
}
