/**
 * Signed session orders as files: building and signing an order from human input (as the maker itself, or as
 * an owner of a Safe that is the maker), the JSON shape a taker receives, and the checks made against the chain
 * before a fill. No file I/O here (the CLI reads and writes the JSON); browser-safe.
 */
import { ZeroAddress, type ContractRunner, type Signer } from "ethers";

import { CliError, formatAmount, isoTime, parseAddress, parseAmount } from "../input.js";
import { safeOrderSignature } from "../safe.js";
import { nextSalt, processSalts, type SaltStore } from "../salts.js";
import { providerOracle, signatureVerdict } from "../signatures.js";
import {
  hashSessionOrder,
  legMask,
  SESSION_ORDER_TYPES,
  sessionDomain,
  signSessionOrder,
  type SessionOrder,
} from "./orders.js";
import { coreAt, loadSession, providerOf } from "./reads.js";

/** An order as written to a file: bigints as decimal strings, with everything a taker needs to check it. */
export interface OrderFile {
  type: "ringfence-session-order";
  chainId: string;
  session: string;
  digest: string;
  signature: string;
  order: {
    maker: string;
    taker: string;
    legs: string;
    amounts: string[];
    maxFeeBps: string;
    expiry: string;
    nonce: string;
    salt: string;
  };
  /** For people: the legs and human amounts. */
  readable: Array<{ leg: number; symbol: string; amount: string }>;
}

export function orderToFile(
  chainId: bigint,
  session: string,
  order: SessionOrder,
  signature: string,
  digest: string,
  readable: OrderFile["readable"],
): OrderFile {
  return {
    type: "ringfence-session-order",
    chainId: chainId.toString(),
    session,
    digest,
    signature,
    order: {
      maker: order.maker,
      taker: order.taker,
      legs: order.legs.toString(),
      amounts: order.amounts.map((a) => a.toString()),
      maxFeeBps: order.maxFeeBps.toString(),
      expiry: order.expiry.toString(),
      nonce: order.nonce.toString(),
      salt: order.salt.toString(),
    },
    readable,
  };
}

const big = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" || !/^-?\d+$/.test(v))
    throw new CliError(`order file: ${what} must be a whole number written as a string`);
  return BigInt(v);
};

/** Parses an order file's content, checking every field's shape. */
export function orderFromFile(raw: unknown, what = "order file"): { file: OrderFile; order: SessionOrder } {
  const f = raw as OrderFile;
  if (f === null || typeof f !== "object" || f.type !== "ringfence-session-order" || typeof f.order !== "object") {
    throw new CliError(`${what} is not a Ringfence session order (made by "session order")`);
  }
  if (typeof f.signature !== "string" || !/^0x[0-9a-fA-F]*$/.test(f.signature))
    throw new CliError(`${what}: signature is missing or not hex`);
  if (!Array.isArray(f.order.amounts)) throw new CliError(`${what}: order.amounts must be an array`);
  const order: SessionOrder = {
    maker: parseAddress(String(f.order.maker), `${what} order.maker`),
    taker: parseAddress(String(f.order.taker), `${what} order.taker`),
    legs: big(f.order.legs, "order.legs"),
    amounts: f.order.amounts.map((a, i) => big(a, `order.amounts[${i}]`)),
    maxFeeBps: big(f.order.maxFeeBps, "order.maxFeeBps"),
    expiry: big(f.order.expiry, "order.expiry"),
    nonce: big(f.order.nonce, "order.nonce"),
    salt: big(f.order.salt, "order.salt"),
  };
  parseAddress(String(f.session), `${what} session`);
  big(f.chainId, "chainId");
  return { file: f, order };
}

export interface OrderInput {
  session: string;
  /** Leg indices, any order. */
  legs: number[];
  /** Human amounts, one per leg in the order given (+ receive, - give). */
  amounts: string[];
  /** Private taker or undefined for anyone. */
  taker?: string;
  expiryHours: number;
  nonce?: bigint;
  maxFeeBps?: bigint;
  /** Default: the maker's next salt from `saltStore` (see ../salts.ts: consecutive salts share a fill word). */
  salt?: bigint;
  /** Where the maker's next salt is kept; default this process's memory. */
  saltStore?: SaltStore;
  factory?: string;
  /**
   * A Safe (threshold 1, CompatibilityFallbackHandler) that is the maker instead of the signer; the signer is
   * one of its owners and signs the Safe message of the order digest (see ../safe.ts).
   */
  safe?: string;
}

/**
 * Builds and signs an order with `signer` as maker, or, with `input.safe`, with the Safe as maker and the
 * signer as its owner; checks legs, amounts and decimals first.
 */
export async function signOrder(signer: Signer, input: OrderInput): Promise<OrderFile> {
  const info = await loadSession(signer, input.session, input.factory);
  if (input.legs.length === 0) throw new CliError("--legs needs at least one leg index");
  if (input.legs.length !== input.amounts.length) {
    throw new CliError(
      `--legs names ${input.legs.length} legs but --amounts gives ${input.amounts.length} amounts: give one amount per leg`,
    );
  }
  const n = info.legs.length;
  const seen = new Set<number>();
  for (const k of input.legs) {
    if (!Number.isInteger(k) || k < 0 || k >= n)
      throw new CliError(`leg ${k} is out of range: this session has legs 0 to ${n - 1}`);
    if (seen.has(k)) throw new CliError(`leg ${k} appears twice in --legs`);
    seen.add(k);
  }
  const pairs = input.legs.map((k, i) => ({
    k,
    amount: parseAmount(input.amounts[i], info.legs[k].decimals, `amount for leg ${k} (${info.legs[k].symbol})`),
  }));
  for (const p of pairs)
    if (p.amount === 0n) throw new CliError(`the amount for leg ${p.k} is zero: every leg in an order must move`);
  pairs.sort((a, b) => a.k - b.k);
  if (!(input.expiryHours > 0)) throw new CliError("--expiry-hours must be above 0");
  const maker =
    input.safe === undefined || input.safe === "" ? await signer.getAddress() : parseAddress(input.safe, "--safe");
  const provider = await providerOf(signer);
  const chainId = (await provider.getNetwork()).chainId;
  const order: SessionOrder = {
    maker,
    taker: input.taker === undefined || input.taker === "" ? ZeroAddress : parseAddress(input.taker, "--taker"),
    legs: legMask(pairs.map((p) => p.k)),
    amounts: pairs.map((p) => p.amount),
    // default: the higher of the two fees, so the order can also be the second order of a match (which pays the taker fee)
    maxFeeBps: input.maxFeeBps ?? (info.makerFeeBps > info.takerFeeBps ? info.makerFeeBps : info.takerFeeBps),
    expiry: info.now + BigInt(Math.round(input.expiryHours * 3600)),
    nonce: input.nonce ?? (await coreAt(info.address, signer).minNonce(maker)),
    salt: input.salt ?? nextSalt(input.saltStore ?? processSalts, chainId, info.address, maker),
  };
  const domain = sessionDomain(info.address, chainId);
  const digest = hashSessionOrder(order, domain);
  const signature =
    maker === (await signer.getAddress())
      ? await signSessionOrder(signer, order, domain)
      : await safeOrderSignature(signer, maker, chainId, digest);
  return orderToFile(
    chainId,
    info.address,
    order,
    signature,
    digest,
    pairs.map((p) => ({
      leg: p.k,
      symbol: info.legs[p.k].symbol,
      amount: formatAmount(p.amount, info.legs[p.k].decimals),
    })),
  );
}

/**
 * Checks an order file against the chain before anything is sent: same chain, a real session, the
 * signature verifies for the maker as the contract checks it (ECDSA, else ERC-1271 for a wallet), not expired.
 */
export async function checkOrder(runner: ContractRunner, raw: unknown, what = "order file", factory?: string) {
  const { file, order } = orderFromFile(raw, what);
  const provider = await providerOf(runner);
  const chainId = (await provider.getNetwork()).chainId;
  if (BigInt(file.chainId) !== chainId) {
    throw new CliError(
      `${what} was signed for chain ${file.chainId} but this network is chain ${chainId}: use the right --network`,
    );
  }
  const info = await loadSession(runner, file.session, factory);
  const domain = sessionDomain(info.address, chainId);
  const digest = hashSessionOrder(order, domain);
  const verdict = await signatureVerdict(digest, file.signature, order.maker, providerOracle(provider));
  if (verdict === "no-code")
    throw new CliError(
      `BadSignature: the ${what}'s signature does not verify for maker ${order.maker} (the order was changed after signing, or signed by another key): ask the maker to sign it again`,
    );
  if (verdict === "refused")
    throw new CliError(
      `BadSignature: the maker's wallet ${order.maker} does not accept the ${what}'s signature (ERC-1271 isValidSignature): ask its owners to sign it again`,
    );
  if (order.expiry <= info.now)
    throw new CliError(
      `${what} expired at ${isoTime(order.expiry)} (chain time ${isoTime(info.now)}): ask the maker for a fresh order`,
    );
  return { info, order, signature: file.signature, digest, file };
}
