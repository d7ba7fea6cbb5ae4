/**
 * The checks of a signed market order posted to the relay, exactly as `npx hardhat market order` writes it
 * (`MarketOrderFile` of sdk/markets/orderFiles.ts). Two phases, cheapest first (docs/relay.md, "Markets"):
 * `shape` (no chain access: every field, the EIP-712 digest, the markets contract, the root in the path, a
 * served root, the chain id) and `chain` (branch, trading window, expiry with the relay's margin, signature:
 * ECDSA first as the contract recovers, else ERC-1271 by eth_call for a trader with code; nonce floor; accepted or cancelled already;
 * a simulated `place` by eth_call from the relayer, whose revert is decoded). Each refusal is an
 * {@link OrderRejected} naming its field.
 */
import { getAddress, isAddress, TypedDataEncoder, ZeroAddress } from "ethers";

import { decodeError } from "../sdk/errors.js";
import { MARKET_ABIS } from "../sdk/markets/errors.js";
import { MAX_QUANTITY, RELAY_MAX_LEVELS } from "../sdk/markets/parse.js";
import { marketsDomain, ORDER_TYPES, TICKS, type MarketOrder } from "../sdk/markets/typedData.js";
import { OrderRejected } from "../sdk/sessions/validate.js";
import { providerOracle, signatureVerdict } from "../sdk/signatures.js";
import { CANCELLED } from "./chain.js";
import type { MarketsRelay, RootFacts } from "./marketsCore.js";

export interface ParsedMarketSubmission {
  chainId: bigint;
  markets: string;
  order: MarketOrder;
  signature: string;
  /** The EIP-712 digest computed from the order (a submitted `digest` must equal it). */
  digest: string;
  root: RootFacts;
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

const no = (code: string, field: string | null, message: string, status = 400): never => {
  throw new OrderRejected({ code, field, message }, status);
};

function whole(v: unknown, field: string, min: bigint, max: bigint): bigint {
  if (typeof v !== "string" || !/^-?\d{1,80}$/.test(v))
    no("malformed_field", field, `${field} must be a whole number written as a decimal string`);
  const n = BigInt(v as string);
  if (n < min || n > max) no("malformed_field", field, `${field} is out of range [${min}, ${max}]`);
  return n;
}

function small(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    no("malformed_field", field, `${field} must be a whole number from ${min} to ${max}`);
  return v as number;
}

function address(v: unknown, field: string): string {
  if (typeof v !== "string" || !isAddress(v) || !/^0x[0-9a-fA-F]{40}$/.test(v))
    no("malformed_field", field, `${field} must be a 0x-prefixed 20-byte hex address`);
  try {
    return getAddress(v as string);
  } catch {
    return no("malformed_field", field, `${field} has a wrong checksum (mixed case that is not EIP-55)`);
  }
}

/** Every field's shape and range, and the digest (pure: no chain access). */
export function parseMarketSubmission(raw: unknown): Omit<ParsedMarketSubmission, "root"> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    no("malformed_json", null, "the body must be a JSON object (an order file written by `market order`)");
  const f = raw as Record<string, unknown>;
  if (f.type !== "ringfence-market-order") no("malformed_field", "type", 'type must be "ringfence-market-order"');
  const chainId = whole(f.chainId, "chainId", 1n, UINT256_MAX);
  const markets = address(f.markets, "markets");
  if (typeof f.signature !== "string" || !/^0x([0-9a-fA-F]{2}){0,2048}$/.test(f.signature))
    no("malformed_field", "signature", "signature must be 0x-prefixed hex of whole bytes (at most 2048 bytes)");
  const o = f.order;
  if (o === null || typeof o !== "object" || Array.isArray(o))
    no("malformed_field", "order", "order must be an object with the signed fields");
  const ord = o as Record<string, unknown>;
  const quantity = whole(ord.quantity, "order.quantity", -MAX_QUANTITY, MAX_QUANTITY);
  if (quantity === 0n) no("malformed_field", "order.quantity", "order.quantity is zero: + buys, - sells");
  const trader = address(ord.trader, "order.trader");
  if (trader === ZeroAddress) no("malformed_field", "order.trader", "order.trader is the zero address");
  const order: MarketOrder = {
    rootId: whole(ord.rootId, "order.rootId", 1n, UINT64_MAX),
    branchId: small(ord.branchId, "order.branchId", 1, 65_535),
    tick: small(ord.tick, "order.tick", 1, TICKS - 1),
    quantity,
    orderType: small(ord.orderType, "order.orderType", 0, 2),
    expiry: whole(ord.expiry, "order.expiry", 0n, UINT64_MAX),
    nonce: whole(ord.nonce, "order.nonce", 0n, UINT256_MAX),
    salt: whole(ord.salt, "order.salt", 0n, UINT256_MAX),
    trader,
  };
  const digest = TypedDataEncoder.hash(marketsDomain(chainId, markets), ORDER_TYPES, order);
  if (f.digest !== undefined && (typeof f.digest !== "string" || f.digest.toLowerCase() !== digest))
    no("malformed_field", "digest", `digest does not match the order's EIP-712 digest ${digest}`);
  return { chainId, markets, order, signature: f.signature as string, digest };
}

/**
 * Runs the checks of one phase and returns the parsed submission. `shape`: fields, digest, markets contract,
 * root of the path, served root, chain. `chain`: everything that reads the chain (see the module comment).
 */
export async function checkMarketSubmission(
  relay: MarketsRelay,
  pathRoot: string,
  raw: unknown,
  phase: "shape" | "chain",
): Promise<ParsedMarketSubmission> {
  const p = parseMarketSubmission(raw);
  const { order } = p;
  if (p.markets !== relay.address)
    no(
      "wrong_markets",
      "markets",
      `the order is signed for the markets contract ${p.markets}; this relay serves ${relay.address}`,
    );
  if (!/^\d{1,20}$/.test(pathRoot) || BigInt(pathRoot) !== order.rootId)
    no("wrong_root", "order.rootId", `the order is for root ${order.rootId} but was posted to root ${pathRoot}`);
  const root = relay.rootOf(pathRoot, "order.rootId");
  if (p.chainId !== relay.chainId)
    no(
      "wrong_chain",
      "chainId",
      `the order is signed for chain ${p.chainId}; this relay serves chain ${relay.chainId}`,
    );
  const parsed = { ...p, root };
  if (phase === "shape") return parsed;

  const provider = relay.provider;
  const m = relay.contract;
  const blockTag = await provider.getBlockNumber();
  const [r, block] = await Promise.all([m.root(order.rootId, { blockTag }), provider.getBlock(blockTag)]);
  const now = BigInt(block?.timestamp ?? 0);
  if (order.branchId > Number(r.branchCount))
    no(
      "unknown_branch",
      "order.branchId",
      `root ${order.rootId} has branches 1 to ${r.branchCount}; the order names branch ${order.branchId}`,
    );
  if (Number(r.status) !== 0)
    no("root_closed", "order.rootId", `root ${order.rootId} is final (settled or voided): no order can trade`, 409);
  if (now >= BigInt(r.expiry))
    no("root_closed", "order.rootId", `trading on root ${order.rootId} stopped at its expiry ${r.expiry}`, 409);
  if (order.expiry <= now) no("expired", "order.expiry", `the order expired at ${order.expiry}; chain time is ${now}`);
  if (order.expiry <= now + BigInt(relay.expiryMarginSec))
    no(
      "expiring",
      "order.expiry",
      `the order expires at ${order.expiry}, within this relay's margin of ${relay.expiryMarginSec} s of chain time ${now}`,
    );
  // The contract's rule (contracts/shared/OrderSigning.sol, sdk/signatures.ts): ECDSA first, recovered as
  // OpenZeppelin does; ERC-1271 only when that fails and the trader has code (a wallet, or an EIP-7702
  // account signing with its own key passes by ECDSA whatever its code answers).
  const verdict = await signatureVerdict(p.digest, p.signature, order.trader, providerOracle(provider, blockTag));
  if (verdict === "no-code" || verdict === "refused")
    no(
      "bad_signature",
      "signature",
      verdict === "no-code"
        ? `the signature does not recover to the trader ${order.trader} over digest ${p.digest}`
        : `the trader contract ${order.trader} does not accept the signature (ERC-1271 isValidSignature)`,
    );
  const floor = BigInt(await m.minNonce(order.trader, { blockTag }));
  if (order.nonce < floor)
    no("nonce_below_floor", "order.nonce", `the order's nonce ${order.nonce} is below the trader's floor ${floor}`);
  // the chain keeps one record per trader and salt: this order's, or that of another order with the same salt
  const filled = BigInt(await m.filledOf(order.trader, order.salt, { blockTag }));
  if (filled === CANCELLED)
    no(
      "cancelled",
      "digest",
      `the order ${p.digest} was cancelled on chain (or another order of the trader with salt ${order.salt} was)`,
      409,
    );
  if (filled > 0n)
    no(
      "already_accepted",
      "digest",
      `the order ${p.digest} was already submitted on chain, or another order of the trader with salt ${order.salt} was (each salt enters the book once: sign again with a new salt)`,
      409,
    );
  // The contract decides the rest (collateral, post-only crossing, per-root limits): simulate the very call
  // the relayer would send.
  try {
    await provider.call({
      to: relay.address,
      from: relay.relayerAddress,
      data: m.interface.encodeFunctionData("place", [order, p.signature, RELAY_MAX_LEVELS]),
      blockTag,
    });
  } catch (e) {
    const d = decodeError(e, MARKET_ABIS);
    if (d === undefined) throw e;
    if (d.name === "InsufficientCollateral")
      no("unfundable", "order.trader", `the trader cannot cover this order now: ${d.name}: ${d.message}`, 422);
    no("place_reverted", null, `the contract refuses this order now: ${d.name}: ${d.message}`, 422);
  }
  return parsed;
}
