/**
 * Signed market orders as files: building an order from human input, signing it as the trader itself or as an
 * owner of a Safe that is the trader, the JSON shape a relayer receives, and the checks made against the chain
 * before it is submitted. No file I/O here (the CLI reads and writes the JSON); browser-safe.
 */
import { type ContractRunner, type Signer } from "ethers";

import { CliError, parseAddress } from "../input.js";
import { safeOrderSignature } from "../safe.js";
import { nextSalt, processSalts, type SaltStore } from "../salts.js";
import { providerOracle, signatureVerdict } from "../signatures.js";
import { marketsAt } from "./abi.js";
import { ORDER_TYPE_NAMES, parsePrice, parseQuantity, pick, tickPrice, type OrderTypeName } from "./parse.js";
import { loadRoot, providerOf, requireBranch, requireTrading, type RootInfo } from "./reads.js";
import { marketsDomain, orderDigest, ORDER_TYPES, signMarketOrder, type MarketOrder } from "./typedData.js";

/** `order` / `place` input: the market, price, quantity and side as typed on the command line. */
export interface OrderInput {
  root: string;
  branch: number;
  price: string;
  quantity: string;
  side: string;
  type: string;
  expiryHours: number;
  nonce?: bigint;
  /** Default: the trader's next salt from `saltStore` (see ../salts.ts: consecutive salts share a fill word). */
  salt?: bigint;
  /** Where the trader's next salt is kept; default this process's memory. */
  saltStore?: SaltStore;
  /**
   * `market order` only: a Safe (threshold 1, CompatibilityFallbackHandler) that is the trader instead of the
   * signer; the signer is one of its owners and signs the Safe message of the order digest (see ../safe.ts).
   */
  safe?: string;
}

/** An order as written to a file: bigints as decimal strings, with the signature a relayer submits. */
export interface MarketOrderFile {
  type: "ringfence-market-order";
  chainId: string;
  markets: string;
  digest: string;
  signature: string;
  order: {
    rootId: string;
    branchId: number;
    tick: number;
    quantity: string;
    orderType: number;
    expiry: string;
    nonce: string;
    salt: string;
    trader: string;
  };
  /** For people: side, price, contracts, type. */
  readable: { side: "bid" | "offer"; price: string; contracts: string; type: OrderTypeName };
}

/**
 * Builds an order for the signer (or for `input.safe`) from command-line input, checking root, branch, price and
 * quantity.
 */
export async function buildOrder(
  signer: Signer,
  marketsArg: string,
  input: OrderInput,
): Promise<{ info: RootInfo; order: MarketOrder }> {
  const tick = parsePrice(input.price);
  const quantity = parseQuantity(input.quantity, input.side);
  const orderType = pick(input.type, ORDER_TYPE_NAMES, "--type");
  if (!(input.expiryHours > 0)) throw new CliError("--expiry-hours must be above 0");
  const info = await loadRoot(signer, marketsArg, input.root);
  requireBranch(info, input.branch);
  requireTrading(info);
  const trader =
    input.safe === undefined || input.safe === "" ? await signer.getAddress() : parseAddress(input.safe, "--safe");
  const chainId = (await (await providerOf(signer)).getNetwork()).chainId;
  const order: MarketOrder = {
    rootId: info.rootId,
    branchId: input.branch,
    tick,
    quantity,
    orderType,
    expiry: info.now + BigInt(Math.round(input.expiryHours * 3600)),
    nonce: input.nonce ?? BigInt(String(await marketsAt(info.markets, signer).minNonce(trader))),
    salt: input.salt ?? nextSalt(input.saltStore ?? processSalts, chainId, info.markets, trader),
    trader,
  };
  return { info, order };
}

function orderToFile(
  chainId: bigint,
  markets: string,
  order: MarketOrder,
  signature: string,
  digest: string,
): MarketOrderFile {
  return {
    type: "ringfence-market-order",
    chainId: chainId.toString(),
    markets,
    digest,
    signature,
    order: {
      rootId: order.rootId.toString(),
      branchId: order.branchId,
      tick: order.tick,
      quantity: order.quantity.toString(),
      orderType: order.orderType,
      expiry: order.expiry.toString(),
      nonce: order.nonce.toString(),
      salt: order.salt.toString(),
      trader: order.trader,
    },
    readable: {
      side: order.quantity > 0n ? "bid" : "offer",
      price: tickPrice(order.tick),
      contracts: (order.quantity < 0n ? -order.quantity : order.quantity).toString(),
      type: ORDER_TYPE_NAMES[order.orderType],
    },
  };
}

/**
 * Signs an order with the signer as trader, or with `input.safe` as trader and the signer as its owner, for a
 * relayer to submit (`market place --order`).
 */
export async function signOrder(signer: Signer, marketsArg: string, input: OrderInput): Promise<MarketOrderFile> {
  const { info, order } = await buildOrder(signer, marketsArg, input);
  const chainId = (await (await providerOf(signer)).getNetwork()).chainId;
  const domain = marketsDomain(chainId, info.markets);
  const digest = orderDigest(domain, order);
  const signature =
    order.trader === (await signer.getAddress())
      ? await signMarketOrder(signer, domain, order)
      : await safeOrderSignature(signer, order.trader, chainId, digest);
  return orderToFile(chainId, info.markets, order, signature, digest);
}

const bigField = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" || !/^-?\d+$/.test(v))
    throw new CliError(`order file: ${what} must be a whole number written as a string`);
  return BigInt(v);
};

/** Parses and checks an order file against the chain: same chain and singleton, signature, expiry. */
export async function checkOrderFile(
  runner: ContractRunner,
  marketsArg: string,
  raw: unknown,
): Promise<{ order: MarketOrder; signature: string; digest: string }> {
  const f = raw as MarketOrderFile;
  if (
    f === null ||
    typeof f !== "object" ||
    f.type !== "ringfence-market-order" ||
    typeof f.order !== "object" ||
    f.order === null
  ) {
    throw new CliError(`the order file is not a Ringfence market order (made by "market order")`);
  }
  if (typeof f.signature !== "string" || !/^0x[0-9a-fA-F]*$/.test(f.signature))
    throw new CliError("order file: signature is missing or not hex");
  const o = f.order;
  if (!Number.isInteger(o.branchId) || !Number.isInteger(o.tick) || !Number.isInteger(o.orderType)) {
    throw new CliError("order file: branchId, tick and orderType must be whole numbers");
  }
  const order: MarketOrder = {
    rootId: bigField(o.rootId, "order.rootId"),
    branchId: o.branchId,
    tick: o.tick,
    quantity: bigField(o.quantity, "order.quantity"),
    orderType: o.orderType,
    expiry: bigField(o.expiry, "order.expiry"),
    nonce: bigField(o.nonce, "order.nonce"),
    salt: bigField(o.salt, "order.salt"),
    trader: parseAddress(String(o.trader), "order file order.trader"),
  };
  const provider = await providerOf(runner);
  const chainId = (await provider.getNetwork()).chainId;
  if (bigField(f.chainId, "chainId") !== chainId) {
    throw new CliError(
      `the order was signed for chain ${f.chainId} but this network is chain ${chainId}: use the right --network`,
    );
  }
  const markets = parseAddress(marketsArg, "--markets");
  if (parseAddress(String(f.markets), "order file markets") !== markets) {
    throw new CliError(
      `the order was signed for the markets contract ${f.markets}, not ${markets}: pass --markets ${f.markets}`,
    );
  }
  const domain = marketsDomain(chainId, markets);
  const digest = orderDigest(domain, order);
  const verdict = await signatureVerdict(digest, f.signature, order.trader, providerOracle(provider));
  if (verdict === "no-code")
    throw new CliError(
      `BadSignature: the order's signature does not verify for trader ${order.trader} (the order was changed after signing, or signed by another key): ask the trader to sign it again`,
    );
  if (verdict === "refused")
    throw new CliError(
      `BadSignature: the trader's wallet ${order.trader} does not accept the order's signature (ERC-1271 isValidSignature): ask its owners to sign it again`,
    );
  return { order, signature: f.signature, digest };
}
