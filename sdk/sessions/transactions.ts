/**
 * The session family's transactions: create, subscribe, fill, match, cancel, cancel-all, settle and claim. Input
 * is checked before anything is sent, every write is simulated first so a revert comes back as a decoded
 * custom error, and nothing here prints. Browser-safe.
 */
import { AbiCoder, Contract, ZeroAddress, type Signer } from "ethers";

import {
  CashSession__factory,
  SessionFactory__factory,
  type SessionFactory,
} from "../../types/ethers-contracts/index.js";
import { CliError, formatAmount, isoTime, parseAddress } from "../input.js";
import { SessionKind, type SessionConfig } from "./config.js";
import { buildMarginConfig, buildSessionConfig, type SessionConfigFile } from "./configFile.js";
import { SESSION_ABIS } from "./errors.js";
import { checkOrder, orderFromFile } from "./orderFiles.js";
import { coreAt, ERC20_ABI, loadSession, requireTrading, subscriptionCost, type SessionInfo } from "./reads.js";

export interface TxResult {
  txHash: string;
  gasUsed: bigint;
}

async function send(tx: Promise<{ hash: string; wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<TxResult> {
  const sent = await tx;
  const receipt = await sent.wait();
  return { txHash: sent.hash, gasUsed: receipt?.gasUsed ?? 0n };
}

/**
 * Creates a session from a human-units config (simulated first: a bad field comes back as InvalidConfig, or
 * InvalidMarginConfig for a margin field). A config of kind "margin" goes through `createMarginSession`.
 */
export async function createSession(
  signer: Signer,
  factoryArg: string,
  file: SessionConfigFile,
): Promise<TxResult & { session: string }> {
  const factory = SessionFactory__factory.connect(parseAddress(factoryArg, "--factory"), signer);
  const cfg = await buildSessionConfig(signer, file, await signer.getAddress());
  if (cfg.kind !== SessionKind.Margin) return createSessionFromConfig(factory, cfg);
  const margin = await buildMarginConfig(signer, file.margin, cfg);
  // loaded on demand: only margin configs need the margin ABIs and their explanations
  const { createMarginSession } = await import("./margin.js");
  return createMarginSession(factory, cfg, margin);
}

/**
 * Creates a session from a full config (see `sessionConfig` in ./config.ts) through `factory`, connected to the
 * creating signer. Simulated first, so a bad field reverts as InvalidConfig before anything is sent.
 */
export async function createSessionFromConfig(
  factory: Pick<SessionFactory, "createSession">,
  cfg: SessionConfig,
): Promise<TxResult & { session: string }> {
  const session = await factory.createSession.staticCall(cfg);
  const r = await send(factory.createSession(cfg));
  return { session, ...r };
}

// ------------------------------------------------------------------ subscribe

export interface SubscribeResult extends TxResult {
  session: string;
  account: string;
  shares: bigint;
  /** Token pulled per leg (physical) or collateral at index 0 (cash), token units. */
  pulled: Array<{ token: string; symbol: string; amount: bigint; decimals: number; approved: bigint }>;
}

/**
 * Subscribes `shares` shares before t1. Checks the window and the balances first, approves exactly the
 * shortfall of each token's allowance (nothing more), then subscribes.
 */
export async function subscribe(
  signer: Signer,
  sessionArg: string,
  shares: bigint,
  factory?: string,
): Promise<SubscribeResult> {
  const info = await loadSession(signer, sessionArg, factory);
  if (shares <= 0n) throw new CliError("--shares must be at least 1");
  if (info.status !== "open" || info.now >= info.t1) {
    throw new CliError(
      `subscriptions to ${info.address} closed at t1 = ${isoTime(info.t1)} (chain time ${isoTime(info.now)}, phase: ${info.phase})`,
    );
  }
  const me = await signer.getAddress();
  const deposit =
    info.kind === "cash" ? await CashSession__factory.connect(info.address, signer).depositFor(shares) : undefined;
  const cost = subscriptionCost(info, shares, deposit);
  const pulled: SubscribeResult["pulled"] = [];
  for (const c of cost) {
    const t = new Contract(c.token, ERC20_ABI, signer);
    const bal = (await t.balanceOf(me)) as bigint;
    if (bal < c.amount) {
      throw new CliError(
        `insufficient ${c.symbol}: ${shares} shares need ${formatAmount(c.amount, c.decimals)} ${c.symbol} but ${me} holds ${formatAmount(bal, c.decimals)}: get more or subscribe fewer shares`,
      );
    }
    const allowance = (await t.allowance(me, info.address)) as bigint;
    let approved = 0n;
    if (allowance < c.amount) {
      await (await t.approve(info.address, c.amount)).wait();
      approved = c.amount;
    }
    pulled.push({ ...c, approved });
  }
  const s = coreAt(info.address, signer);
  await s.subscribe.staticCall(shares, []);
  const r = await send(s.subscribe(shares, []));
  return { session: info.address, account: me, shares, pulled, ...r };
}

export interface FillResult extends TxResult {
  session: string;
  digest: string;
  taker: string;
  /** Cumulative filled fraction after this fill (WAD). */
  filledAfterWad: bigint;
  /** Per leg of the order: maker and taker net changes (leg units). */
  legs: Array<{ leg: number; symbol: string; decimals: number; makerDelta: bigint; takerDelta: bigint }>;
}

function tradedFrom(
  info: SessionInfo,
  receipt: { logs: ReadonlyArray<{ topics: ReadonlyArray<string>; data: string }> },
  digest: string,
) {
  const iface = SESSION_ABIS[0];
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return iface.parseLog({ topics: [...log.topics], data: log.data });
      } catch {
        return null;
      }
    })();
    if (parsed === null || parsed.name !== "Traded" || parsed.args.digest !== digest) continue;
    const mask = BigInt(parsed.args.legs);
    const legs: FillResult["legs"] = [];
    let i = 0;
    for (let k = 0; k < info.legs.length; k++) {
      if (((mask >> BigInt(k)) & 1n) === 0n) continue;
      legs.push({
        leg: k,
        symbol: info.legs[k].symbol,
        decimals: info.legs[k].decimals,
        makerDelta: BigInt(parsed.args.makerDeltas[i]),
        takerDelta: BigInt(parsed.args.takerDeltas[i]),
      });
      i++;
    }
    return { filledAfterWad: BigInt(parsed.args.filledAfterWad), legs };
  }
  return { filledAfterWad: 0n, legs: [] };
}

/** Fills `fractionWad` of a signed order as the signer (taker). */
export async function fillOrder(
  signer: Signer,
  raw: unknown,
  fractionWad: bigint,
  factory?: string,
): Promise<FillResult> {
  const { info, order, signature, digest } = await checkOrder(signer, raw, "order file", factory);
  requireTrading(info);
  const me = await signer.getAddress();
  if (me.toLowerCase() === order.maker.toLowerCase())
    throw new CliError(`SelfFill: ${me} made this order and cannot fill it: fill it from another --account`);
  if (order.taker !== ZeroAddress && order.taker.toLowerCase() !== me.toLowerCase()) {
    throw new CliError(`NotPrivateTaker: this order is private to ${order.taker}; ${me} cannot take it`);
  }
  const s = coreAt(info.address, signer);
  await s.fill.staticCall(order, signature, fractionWad);
  const tx = await s.fill(order, signature, fractionWad);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the fill transaction was dropped");
  return {
    session: info.address,
    digest,
    taker: me,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
    ...tradedFrom(info, receipt, digest),
  };
}

export interface MatchResult extends FillResult {
  digestB: string;
  filledAfterB: bigint;
}

/** Crosses two pairwise orders (anyone may call); `fractionA` of order a at a's rate. */
export async function matchOrders(
  signer: Signer,
  rawA: unknown,
  rawB: unknown,
  fractionA: bigint,
  factory?: string,
): Promise<MatchResult> {
  const a = await checkOrder(signer, rawA, "order --a", factory);
  const b = await checkOrder(signer, rawB, "order --b", factory);
  if (a.info.address !== b.info.address)
    throw new CliError(`the two orders are for different sessions (${a.info.address} and ${b.info.address})`);
  requireTrading(a.info);
  const s = coreAt(a.info.address, signer);
  await s.matchOrders.staticCall(a.order, a.signature, b.order, b.signature, fractionA);
  const tx = await s.matchOrders(a.order, a.signature, b.order, b.signature, fractionA);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the match transaction was dropped");
  let filledAfterB = 0n;
  for (const log of receipt.logs) {
    const p = SESSION_ABIS[0].parseLog({ topics: [...log.topics], data: log.data });
    if (p?.name === "Matched") filledAfterB = BigInt(p.args.filledAfterB);
  }
  return {
    session: a.info.address,
    digest: a.digest,
    digestB: b.digest,
    taker: b.order.maker,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
    filledAfterB,
    ...tradedFrom(a.info, receipt, a.digest),
  };
}

/** Cancels one order (maker only). */
export async function cancelOrder(
  signer: Signer,
  raw: unknown,
  factory?: string,
): Promise<TxResult & { session: string; digest: string }> {
  const { file, order } = orderFromFile(raw);
  const info = await loadSession(signer, file.session, factory);
  const me = await signer.getAddress();
  if (me.toLowerCase() !== order.maker.toLowerCase()) {
    throw new CliError(
      `NotMaker: only the maker ${order.maker} may cancel this order; the selected account is ${me} (choose it with --account)`,
    );
  }
  const s = coreAt(info.address, signer);
  await s.cancel.staticCall(order);
  const r = await send(s.cancel(order));
  return { session: info.address, digest: await s.hashOrder(order), ...r };
}

/** Raises the signer's nonce floor to `nonce`: every order with a lower nonce dies. */
export async function cancelAll(
  signer: Signer,
  sessionArg: string,
  nonce: bigint,
  factory?: string,
): Promise<TxResult & { session: string; previous: bigint; floor: bigint }> {
  const info = await loadSession(signer, sessionArg, factory);
  const s = coreAt(info.address, signer);
  const previous = await s.minNonce(await signer.getAddress());
  if (nonce <= previous)
    throw new CliError(`NonceFloorNotRaised: your nonce floor is ${previous}; --nonce must be above it`);
  await s.raiseNonceFloor.staticCall(nonce);
  const r = await send(s.raiseNonceFloor(nonce));
  return { session: info.address, previous, floor: nonce, ...r };
}

// ------------------------------------------------------------------ settle and claim

export interface SettleResult extends TxResult {
  session: string;
  outcome: "settled" | "fallback released";
  prices: Array<{ leg: number; symbol: string; fixing: bigint; settlement: bigint }>;
}

/**
 * Settles through the session's Automation interface: `checkUpkeep` finds the hints (or says fallback),
 * `performUpkeep` re-validates everything on chain. Explains why when nothing is due.
 */
export async function settleSession(signer: Signer, sessionArg: string, factory?: string): Promise<SettleResult> {
  const info = await loadSession(signer, sessionArg, factory);
  if (info.status !== "open")
    throw new CliError(`AlreadyFinal: session ${info.address} is already ${info.status}; claims are open`);
  if (info.now < info.t2)
    throw new CliError(
      `SettlementTooEarly: settlement opens at t2 = ${isoTime(info.t2)}; chain time is ${isoTime(info.now)}`,
    );
  const s = coreAt(info.address, signer);
  const [needed, performData] = await s.checkUpkeep("0x");
  if (!needed) {
    throw new CliError(
      `no valid fixing yet for every leg: each feed needs its first round at or after t2 = ${isoTime(info.t2)} (with the previous round before t2, not stale); try again after the feeds update`,
    );
  }
  const isFallback = AbiCoder.defaultAbiCoder().decode(["bool", "uint80[][]"], performData)[0] as boolean;
  await s.performUpkeep.staticCall(performData);
  const tx = await s.performUpkeep(performData);
  const receipt = await tx.wait();
  if (receipt === null) throw new CliError("the settlement transaction was dropped");
  const prices: SettleResult["prices"] = [];
  for (const log of receipt.logs) {
    const p = SESSION_ABIS[0].parseLog({ topics: [...log.topics], data: log.data });
    if (p?.name === "LegFixed") {
      const k = Number(p.args.leg);
      prices.push({
        leg: k,
        symbol: info.legs[k].symbol,
        fixing: BigInt(p.args.fixingWad),
        settlement: BigInt(p.args.settlementWad),
      });
    }
  }
  return {
    session: info.address,
    outcome: isFallback ? "fallback released" : "settled",
    prices,
    txHash: tx.hash,
    gasUsed: receipt.gasUsed,
  };
}

export interface ClaimResult extends TxResult {
  session: string;
  account: string;
  to: string;
  paid: Array<{ token: string; symbol: string; amount: bigint; decimals: number }>;
}

/** Claims the signer's settlement once, paid to `to` (default: the signer). */
export async function claim(
  signer: Signer,
  sessionArg: string,
  toArg?: string,
  factory?: string,
): Promise<ClaimResult> {
  const info = await loadSession(signer, sessionArg, factory);
  const me = await signer.getAddress();
  const to = toArg === undefined || toArg === "" ? me : parseAddress(toArg, "--to");
  if (info.status === "open") {
    throw new CliError(
      `NotFinal: session ${info.address} is not settled yet (phase: ${info.phase}); run "session settle" or the keeper after t2 = ${isoTime(info.t2)}`,
    );
  }
  const s = coreAt(info.address, signer);
  const acct = await s.accountOf(me);
  if (acct.claimed) throw new CliError(`AlreadyClaimed: ${me} has already claimed from ${info.address}`);
  const amounts = await s.claim.staticCall(to);
  const r = await send(s.claim(to));
  const paid =
    info.kind === "cash"
      ? [
          {
            token: info.collateral,
            symbol: info.collateralSymbol,
            amount: BigInt(amounts[0]),
            decimals: info.collateralDecimals,
          },
        ]
      : info.legs.map((l, k) => ({
          token: l.token,
          symbol: l.symbol,
          amount: BigInt(amounts[k]),
          decimals: l.decimals,
        }));
  return { session: info.address, account: me, to, paid, ...r };
}
