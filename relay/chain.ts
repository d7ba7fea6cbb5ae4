/**
 * What the relay asks the chain: a served session's static facts (read once through the SDK's
 * `loadSession`) and, per order, the contract's own views: `filledOf(maker, salt)`, `minNonce(maker)`,
 * `allocationOf(maker)` and, for cash and margin sessions, a simulated `fill`
 * (eth_call) whose revert says whether the maker passes the margin rule.
 */
import { AbiCoder, Interface, keccak256, toBeHex, toUtf8Bytes, zeroPadValue, type Provider } from "ethers";

import { decodeError } from "../sdk/errors.js";
import { loadSession, SESSION_ABIS, type SessionInfo } from "../sdk/sessions/client.js";
import type { SessionOrder } from "../sdk/sessions/orders.js";
import { legsOf, remainingAmounts } from "../sdk/sessions/validate.js";
import { MarginSession__factory, SessionCore__factory } from "../types/ethers-contracts/index.js";

export const WAD = 10n ** 18n;
/** `OrderSigning.CANCELLED`: what `filledOf(maker, salt)` answers once an order is cancelled. */
export const CANCELLED = (1n << 256n) - 1n;
const CORE = new Interface(SessionCore__factory.abi);
const FUNDING_ABIS = [...SESSION_ABIS, new Interface(MarginSession__factory.abi)];
/**
 * The account a funding simulation fills from: any address that is neither the maker nor the fee recipient.
 * It holds nothing, so the contract refuses it too, but it checks the maker first (cash: `_chargeAndCheck`
 * of the maker before the taker; margin: `_requireMargins` maker first), so an error naming the maker means
 * the maker cannot fund the order, and any other outcome means it can.
 */
export const PROBE_TAKER = "0x000000000000000000000000000000000000bEEF";

/** A served session: static facts plus what changes per block. */
export interface SessionContext {
  info: SessionInfo;
  address: string;
  legCount: number;
}

export async function loadContext(provider: Provider, address: string): Promise<SessionContext> {
  const info = await loadSession(provider, address);
  return { info, address: info.address, legCount: info.legs.length };
}

/**
 * Per-block memo of chain reads that depend only on the block and an account (a maker's nonce floor,
 * allocation, admission): many orders of one maker checked in one block read each once. Everything is
 * forgotten when the head's hash changes (a new block, or a reorg). The promise is kept, so concurrent
 * checks share one read; a failed read is not kept.
 */
export class BlockCache {
  private hash = "";
  private readonly values = new Map<string, Promise<unknown>>();
  constructor(private readonly maxEntries = 10_000) {}

  /** The head is now the block `hash`: a different one empties the cache. */
  at(hash: string): void {
    if (hash === this.hash) return;
    this.hash = hash;
    this.values.clear();
  }

  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    let v = this.values.get(key) as Promise<T> | undefined;
    if (v === undefined) {
      if (this.values.size >= this.maxEntries) this.values.clear();
      v = read();
      this.values.set(key, v);
      v.catch(() => this.values.delete(key));
    }
    return v;
  }
}

/** What changes per block and is the same for every order of a session: read once per pass. */
export interface SessionState {
  /** The latest block's number and hash. */
  block: bigint;
  hash: string;
  /** Chain time (the latest block's timestamp). */
  now: bigint;
  /** 0 open, 1 settled, 2 fallback released. */
  status: number;
  paused: boolean;
}

export async function sessionState(provider: Provider, ctx: SessionContext): Promise<SessionState> {
  const s = SessionCore__factory.connect(ctx.address, provider);
  const [block, status, paused] = await Promise.all([provider.getBlock("latest"), s.status(), s.paused()]);
  return {
    block: BigInt(block?.number ?? 0),
    hash: block?.hash ?? "",
    now: BigInt(block?.timestamp ?? 0),
    status: Number(status),
    paused,
  };
}

/** True when trading is open now: not final, not paused, t1 <= now < t2. */
export function tradingOpen(ctx: SessionContext, st: SessionState): boolean {
  return st.status === 0 && !st.paused && st.now >= ctx.info.t1 && st.now < ctx.info.t2;
}

/** True when no trade can happen in this session any more (final, or past t2). */
export function sessionOver(ctx: SessionContext, st: SessionState): boolean {
  return st.status !== 0 || st.now >= ctx.info.t2;
}

/** `SessionCore.PARTICIPANT_ROLE`: may subscribe and trade in a role-curated session. */
export const PARTICIPANT_ROLE = keccak256(toUtf8Bytes("PARTICIPANT_ROLE"));

/**
 * Why `account` may not trade in a curated session now, or undefined when it may (always, in an open
 * session). The contract's own rule (`_requireCanTrade`, checked for maker and taker on every fill and
 * match): a role session needs `hasRole(PARTICIPANT_ROLE, account)`; a Merkle session needs
 * `accountOf(account).admitted`, which only the account itself sets, by `admit(proof)` or by subscribing
 * with a proof. A proof carried by an order could not make it fillable (fill and matchOrders take none),
 * so the relay reads admission from the chain only.
 */
export async function admissionShortfall(
  provider: Provider,
  ctx: SessionContext,
  account: string,
  cache?: BlockCache,
): Promise<string | undefined> {
  const p = ctx.info.participation;
  if (p === "open") return undefined;
  const s = SessionCore__factory.connect(ctx.address, provider);
  const memo = <T>(what: string, read: () => Promise<T>) =>
    cache === undefined ? read() : cache.get(`${what}|${ctx.address}|${account.toLowerCase()}`, read);
  if (p === "role")
    return (await memo("role", () => s.hasRole(PARTICIPANT_ROLE, account)))
      ? undefined
      : `${account} lacks the session's PARTICIPANT_ROLE (a role-curated session: its admin grants it)`;
  const [, , , admitted] = await memo("account", () => s.accountOf(account));
  return admitted
    ? undefined
    : `${account} is not admitted to this Merkle-curated session: it calls admit(proof) (or subscribes with its proof) first`;
}

/** A JSON-RPC `eth_call` state override: per contract, storage words replaced for that call only. */
export type StateOverride = Record<string, { stateDiff: Record<string, string> }>;

/** Highest storage slot searched for the admission mappings' base (the session's layout uses far fewer). */
const MAX_BASE_SLOT = 64;
/** Base slot of the admission mapping per session (`_roles` of role sessions, `_accounts` of Merkle ones). */
const admissionBase = new Map<string, number | null>();
const abi = AbiCoder.defaultAbiCoder();
const word = (v: bigint) => zeroPadValue(toBeHex(v), 32);

/** The storage word that admits `account` if the admission mapping sits at `base`, and the value to put there. */
function admissionWord(kind: "role" | "merkle", account: string, base: number): [string, string] {
  if (kind === "role") {
    // AccessControl: _roles[role].hasRole[account] (RoleData's first member), a bool
    const roleData = keccak256(abi.encode(["bytes32", "uint256"], [PARTICIPANT_ROLE, base]));
    return [keccak256(abi.encode(["address", "bytes32"], [account, roleData])), word(1n)];
  }
  // SessionCore._accounts[account]: shares uint128, deposit uint112, claimed bool, admitted bool (its top byte)
  return [keccak256(abi.encode(["address", "uint256"], [account, base])), word(1n << 248n)];
}

interface RpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

const hasSend = (p: Provider): p is Provider & RpcSender => typeof (p as unknown as RpcSender).send === "function";

/**
 * A state override under which the curated session admits `account` (which holds nothing: the probe), for an
 * `eth_call` only; undefined in an open session, or where the provider takes no override or the slot is not
 * found. The slot is not assumed: each candidate base slot is tried in an `eth_call` of the contract's own view
 * (`hasRole(PARTICIPANT_ROLE, account)` / `accountOf(account)`) under the override, and only the one that makes
 * that view say "admitted" and change nothing else of the account is used (found once per session).
 */
export async function admissionOverride(
  provider: Provider,
  ctx: SessionContext,
  account: string,
): Promise<StateOverride | undefined> {
  const p = ctx.info.participation;
  if (p === "open" || !hasSend(provider)) return undefined;
  const kind = p === "role" ? "role" : "merkle";
  const key = ctx.address.toLowerCase();
  const view =
    kind === "role"
      ? CORE.encodeFunctionData("hasRole", [PARTICIPANT_ROLE, account])
      : CORE.encodeFunctionData("accountOf", [account]);
  const admits = async (base: number): Promise<StateOverride | undefined> => {
    const [slot, value] = admissionWord(kind, account, base);
    const o: StateOverride = { [ctx.address]: { stateDiff: { [slot]: value } } };
    try {
      const out = String(await provider.send("eth_call", [{ to: ctx.address, data: view }, "latest", o]));
      if (kind === "role") return BigInt(out) === 1n ? o : undefined;
      const [shares, deposit, claimed, admitted] = CORE.decodeFunctionResult("accountOf", out);
      return admitted === true && shares === 0n && deposit === 0n && claimed === false ? o : undefined;
    } catch {
      return undefined;
    }
  };
  const known = admissionBase.get(key);
  if (known === null) return undefined;
  if (known !== undefined) return admits(known);
  for (let base = 0; base < MAX_BASE_SLOT; base++) {
    const o = await admits(base);
    if (o !== undefined) {
      admissionBase.set(key, base);
      return o;
    }
  }
  admissionBase.set(key, null);
  return undefined;
}

/** The fill record of the maker's order with `salt` (orders of one maker with one salt share it). */
export async function filledOf(provider: Provider, session: string, order: SessionOrder): Promise<bigint> {
  return SessionCore__factory.connect(session, provider).filledOf(order.maker, order.salt);
}

export async function nonceFloorOf(
  provider: Provider,
  session: string,
  maker: string,
  cache?: BlockCache,
): Promise<bigint> {
  const read = () => SessionCore__factory.connect(session, provider).minNonce(maker);
  return cache === undefined ? read() : cache.get(`floor|${session.toLowerCase()}|${maker.toLowerCase()}`, read);
}

/** Why a maker cannot fund the rest of its order now, or undefined when it can (or it cannot be known yet). */
export async function fundingShortfall(
  provider: Provider,
  ctx: SessionContext,
  st: SessionState,
  order: SessionOrder,
  signature: string,
  filledWad: bigint,
  cache?: BlockCache,
  /** The account the cash and margin simulation fills from (default {@link PROBE_TAKER}; relay/core.ts `fundingProbe`). */
  from: string = PROBE_TAKER,
  /** State override of the simulation (default: the probe's admission to a curated session, {@link admissionOverride}). */
  overrides?: StateOverride,
): Promise<string | undefined> {
  if (ctx.info.kind === "physical") {
    // Physical: the maker gives from its allocation x_k, which must cover what is left to give per leg.
    const read = () => SessionCore__factory.connect(ctx.address, provider).allocationOf(order.maker);
    const x =
      cache === undefined
        ? await read()
        : await cache.get(`allocation|${ctx.address.toLowerCase()}|${order.maker.toLowerCase()}`, read);
    const rest = remainingAmounts(order, filledWad);
    const legs = legsOf(order.legs);
    for (let j = 0; j < legs.length; j++) {
      const give = -rest[j];
      if (give > 0n && x[legs[j]] < give)
        return `allocation of leg ${legs[j]} is ${x[legs[j]]}, below the ${give} the order still gives`;
    }
    return undefined;
  }
  // Cash and margin: the margin rule is the contract's; a simulated fill of the rest answers it. Only while
  // trading is open (otherwise the contract stops at TradingClosed before the rule; checked again each block).
  if (!tradingOpen(ctx, st)) return undefined;
  const data = CORE.encodeFunctionData("fill", [order, signature, WAD]);
  try {
    // the probe holds nothing and, in a curated session, is admitted for this call only
    const admit = overrides ?? (from === PROBE_TAKER ? await admissionOverride(provider, ctx, from) : undefined);
    if (admit !== undefined && hasSend(provider))
      await provider.send("eth_call", [{ to: ctx.address, from, data }, "latest", admit]);
    else await provider.call({ to: ctx.address, from, data });
    return undefined;
  } catch (e) {
    const d = decodeError(e, FUNDING_ABIS);
    if (d === undefined) return undefined;
    const named = Object.values(d.args).some(
      (v) => typeof v === "string" && v.toLowerCase() === order.maker.toLowerCase(),
    );
    return named ? `${d.name}: ${d.message}` : undefined;
  }
}
