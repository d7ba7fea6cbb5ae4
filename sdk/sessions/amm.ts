/**
 * Session AMM helpers: build the signed orders that move allocation between a trader (or the LP) and a
 * `SessionAmm`, quote them on chain, and sign them. The AMM is always the order's private taker and fills
 * it itself, so the amounts signed are exactly the amounts traded.
 */
import type { TypedDataDomain } from "ethers";

import { legMask, signSessionOrder, type SessionOrder, type TypedDataSigner } from "./orders.js";

/** Common order fields a caller chooses. */
export interface OrderTerms {
  /** Highest maker fee (bps) accepted; must be at least the session's maker fee. */
  maxFeeBps: bigint;
  /** Unix second from which the order is dead. */
  expiry: bigint;
  /** Nonce epoch (at least the maker's nonce floor). */
  nonce: bigint;
  /** Entropy so that otherwise identical orders differ. */
  salt: bigint;
}

/** A swap as the trader sees it: give `amountIn` of `legIn`, receive `amountOut` (gross) of `legOut`. */
export interface SwapTerms extends OrderTerms {
  trader: string;
  amm: string;
  legIn: number;
  legOut: number;
  amountIn: bigint;
  amountOut: bigint;
}

/** The order a trader signs for a swap (maker = trader, taker = the AMM, amounts in ascending leg order). */
export function swapOrder(t: SwapTerms): SessionOrder {
  if (t.legIn === t.legOut) throw new Error(`swapOrder: legIn and legOut are both ${t.legIn}; pick two different legs`);
  if (t.amountIn <= 0n || t.amountOut <= 0n) throw new Error("swapOrder: amountIn and amountOut must be positive");
  const give = -t.amountIn;
  const get = t.amountOut;
  const amounts = t.legIn < t.legOut ? [give, get] : [get, give];
  return {
    maker: t.trader,
    taker: t.amm,
    legs: legMask([t.legIn, t.legOut]),
    amounts,
    maxFeeBps: t.maxFeeBps,
    expiry: t.expiry,
    nonce: t.nonce,
    salt: t.salt,
  };
}

/**
 * The order the LP signs to add (`direction = "add"`: the LP gives) or withdraw (`"withdraw"`: the LP receives)
 * allocation; `amounts[k]` per leg, zeros skipped.
 */
export function lpOrder(
  lp: string,
  amm: string,
  amounts: readonly bigint[],
  direction: "add" | "withdraw",
  terms: OrderTerms,
): SessionOrder {
  const legs: number[] = [];
  const signed: bigint[] = [];
  amounts.forEach((a, k) => {
    if (a < 0n) throw new Error(`lpOrder: amounts[${k}] is negative; pass magnitudes and choose the direction`);
    if (a === 0n) return;
    legs.push(k);
    signed.push(direction === "add" ? -a : a);
  });
  if (legs.length === 0) throw new Error("lpOrder: every amount is zero");
  return { maker: lp, taker: amm, legs: legMask(legs), amounts: signed, ...terms };
}

/** The view functions of `SessionAmm` this module uses (any ethers v6 contract typed from the ABI fits). */
export interface AmmQuoter {
  quoteExactIn(
    legIn: number,
    legOut: number,
    amountIn: bigint,
  ): Promise<
    [bigint, bigint, bigint, boolean] & {
      amountOut: bigint;
      traderReceives: bigint;
      netIn: bigint;
      withinBand: boolean;
    }
  >;
  quoteExactOut(
    legIn: number,
    legOut: number,
    amountOut: bigint,
  ): Promise<
    [bigint, bigint, bigint, boolean] & { amountIn: bigint; traderReceives: bigint; netIn: bigint; withinBand: boolean }
  >;
  getAddress(): Promise<string>;
}

/** A signed swap ready for `swapExactIn` / `swapExactOut`. */
export interface SignedSwap {
  order: SessionOrder;
  signature: string;
  amountIn: bigint;
  amountOut: bigint;
  withinBand: boolean;
}

/**
 * Quotes an exact-in swap and signs it at the quote. `slippageBps` lowers the amount out signed (the
 * difference stays in the pool if the state does not move: the trade is always the signed amounts).
 */
export async function signExactIn(
  amm: AmmQuoter,
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: TypedDataDomain,
  legIn: number,
  legOut: number,
  amountIn: bigint,
  terms: OrderTerms,
  slippageBps = 0n,
): Promise<SignedSwap> {
  const q = await amm.quoteExactIn(legIn, legOut, amountIn);
  const amountOut = (q.amountOut * (10_000n - slippageBps)) / 10_000n;
  return signSwap(amm, signer, domain, { legIn, legOut, amountIn, amountOut }, terms, q.withinBand);
}

/** Builds the swap order for the amounts settled on and signs it: the shared tail of both quote helpers. */
async function signSwap(
  amm: AmmQuoter,
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: TypedDataDomain,
  amounts: { legIn: number; legOut: number; amountIn: bigint; amountOut: bigint },
  terms: OrderTerms,
  withinBand: boolean,
): Promise<SignedSwap> {
  const order = swapOrder({ trader: await signer.getAddress(), amm: await amm.getAddress(), ...amounts, ...terms });
  return {
    order,
    signature: await signSessionOrder(signer, order, domain),
    amountIn: amounts.amountIn,
    amountOut: amounts.amountOut,
    withinBand,
  };
}

/** Quotes an exact-out swap and signs it at the quote; `slippageBps` raises the amount in signed. */
export async function signExactOut(
  amm: AmmQuoter,
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: TypedDataDomain,
  legIn: number,
  legOut: number,
  amountOut: bigint,
  terms: OrderTerms,
  slippageBps = 0n,
): Promise<SignedSwap> {
  const q = await amm.quoteExactOut(legIn, legOut, amountOut);
  const amountIn = (q.amountIn * (10_000n + slippageBps) + 9_999n) / 10_000n;
  return signSwap(amm, signer, domain, { legIn, legOut, amountIn, amountOut }, terms, q.withinBand);
}

/**
 * A trader's own swap with a pool, ready for `PhysicalSession.swapWithPool` (no order, no signature: the
 * trader sends the call). The pool pays its full quote at execution; `limit` is the least the trader accepts
 * out (exact-in) or the most it gives in (exact-out).
 */
export interface PoolSwap {
  pool: string;
  legIn: number;
  legOut: number;
  /** What the trader gives (exact-in) or receives gross of the maker fee (exact-out). */
  amount: bigint;
  limit: bigint;
  exactOut: boolean;
  /** The quote the limit was set from. */
  amountIn: bigint;
  amountOut: bigint;
  traderReceives: bigint;
  withinBand: boolean;
}

/**
 * Quotes a pool swap and sets its limit `slippageBps` away from the quote: exact-in accepts down to
 * `amountOut * (1 - slippage)` (rounded down), exact-out gives up to `amountIn * (1 + slippage)` (rounded up).
 */
export async function quotePoolSwap(
  amm: AmmQuoter,
  legIn: number,
  legOut: number,
  amount: bigint,
  options: { exactOut?: boolean; slippageBps?: bigint } = {},
): Promise<PoolSwap> {
  const exactOut = options.exactOut ?? false;
  const slippageBps = options.slippageBps ?? 0n;
  if (slippageBps < 0n || slippageBps > 10_000n) throw new Error(`slippage ${slippageBps} bps is outside 0-10000`);
  const pool = await amm.getAddress();
  if (exactOut) {
    const q = await amm.quoteExactOut(legIn, legOut, amount);
    const limit = (q.amountIn * (10_000n + slippageBps) + 9_999n) / 10_000n;
    return { pool, legIn, legOut, amount, limit, exactOut, ...quoteOf(q.amountIn, amount, q) };
  }
  const q = await amm.quoteExactIn(legIn, legOut, amount);
  const limit = (q.amountOut * (10_000n - slippageBps)) / 10_000n;
  return { pool, legIn, legOut, amount, limit, exactOut, ...quoteOf(amount, q.amountOut, q) };
}

function quoteOf(amountIn: bigint, amountOut: bigint, q: { traderReceives: bigint; withinBand: boolean }) {
  return { amountIn, amountOut, traderReceives: q.traderReceives, withinBand: q.withinBand };
}

/** The arguments of `swapWithPool(pool, legIn, legOut, amount, limit, exactOut)`, in order. */
export function poolSwapArgs(s: PoolSwap): [string, number, number, bigint, bigint, boolean] {
  return [s.pool, s.legIn, s.legOut, s.amount, s.limit, s.exactOut];
}
