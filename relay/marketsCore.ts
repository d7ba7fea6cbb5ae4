/**
 * The relay's bounded markets, without HTTP (docs/relay.md, "Markets"): follows the markets contract's events
 * in the relay's own indexer pass (a {@link Follower} of relay/core.ts: same stream, cursor, reorg check and
 * store), keeps the derived book, trades and branches (relay/marketsStore.ts), reads positions and roots
 * from the lens at the head, and checks and submits signed market orders with a relayer account.
 */
import {
  Contract,
  getAddress,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type LogDescription,
  type Provider,
  type Signer,
} from "ethers";

import { decodeError } from "../sdk/errors.js";
import type { DecodedEvent } from "../sdk/data/indexer.js";
import type { Store } from "../sdk/data/store.js";
import { marketsAt, marketsInterface } from "../sdk/markets/abi.js";
import { MARKET_ABIS } from "../sdk/markets/errors.js";
import { RELAY_MAX_LEVELS, STATUS_NAMES, tickPrice } from "../sdk/markets/parse.js";
import { ERC20_ABI, fillsOf } from "../sdk/markets/reads.js";
import { OrderRejected } from "../sdk/sessions/validate.js";
import { RELAY_STREAM, type Follower } from "./core.js";
import { applyMarketEvent, MARKETS_SCHEMA, rebuildMarkets, type RestingRow, type TradeRow } from "./marketsStore.js";
import { checkMarketSubmission, type ParsedMarketSubmission } from "./marketsValidate.js";
import { Mutex } from "./store.js";

export const MARKETS_KIND = "markets";

/** `OrderReduced` reasons by number (MarketStorage.REASON_*). */
export const REDUCE_REASONS = [
  "cancelled",
  "self-trade cancel",
  "immediate-or-cancel remainder",
  "sweep bound reached",
  "cancelled-entry bound reached",
] as const;

export interface MarketsOptions {
  /** The BoundedMarkets singleton. */
  address: string;
  /** Roots served (default: every root, including roots created while the relay runs). */
  roots?: bigint[];
  /** First block of the markets' history (default: the block the contract was created in, found by getCode). */
  fromBlock?: bigint;
  /** The account that submits signed orders (pays the gas). Without it POST answers 501 `relayer_disabled`. */
  relayer?: Signer;
}

/** A served root's static facts. */
export interface RootFacts {
  rootId: bigint;
  collateral: string;
  symbol: string;
  tokenDecimals: number;
  decimals: number;
  unitScale: bigint;
}

export interface Level {
  tick: number;
  price: string;
  /** Contracts resting at this price. */
  size: string;
  orders: number;
}

export interface BranchBook {
  branchId: number;
  /** Buy orders, best (highest) price first. */
  bids: Level[];
  /** Sell orders, best (lowest) price first. */
  asks: Level[];
}

export interface MarketTradeView {
  root: string;
  branchId: number;
  tick: number;
  price: string;
  quantity: string;
  /** The taker's side: "buy" when the incoming order bought. */
  takerSide: "buy" | "sell";
  maker: string;
  taker: string;
  makerKey: string;
  takerDigest: string;
  block: string;
  logIndex: string;
  tx: string;
  time: string;
}

export type MarketsEvent =
  { type: "book"; root: string; block: string; branches: BranchBook[] } | { type: "trade"; trade: MarketTradeView };

/** What a relayed order did on chain (from its receipt). */
export interface SubmitResult {
  digest: string;
  root: string;
  trader: string;
  relayer: string;
  txHash: string;
  block: string;
  /** "filled" (all traded), "resting" (nothing traded, rests), "partial" (traded, the rest rests), "reduced". */
  outcome: "filled" | "resting" | "partial" | "reduced";
  traded: string;
  /** `maker` from the resting order's `OrderAccepted` log; left out when the node no longer serves that log. */
  fills: Array<{ maker?: string; tick: number; price: string; quantity: string }>;
  resting: string;
  orderKey: string;
  reductions: Array<{ quantity: string; reason: string }>;
  maxLevels: string;
}

const no = (code: string, field: string | null, message: string, status = 400): never => {
  throw new OrderRejected({ code, field, message }, status);
};

export function tradeView(r: TradeRow): MarketTradeView {
  return {
    root: r.root_id.toString(),
    branchId: Number(r.branch_id),
    tick: Number(r.tick),
    price: tickPrice(r.tick),
    quantity: r.quantity.toString(),
    takerSide: BigInt(r.taker_is_bid) === 1n ? "buy" : "sell",
    maker: r.maker,
    taker: r.taker,
    makerKey: r.maker_key,
    takerDigest: r.taker_digest,
    block: r.block_number.toString(),
    logIndex: r.log_index.toString(),
    tx: r.tx_hash,
    time: new Date(Number(r.block_time) * 1000).toISOString(),
  };
}

/** The block a contract was created in: the first block with code at `address` (binary search on getCode). */
export async function creationBlock(provider: Provider, address: string): Promise<bigint> {
  let hi = await provider.getBlockNumber();
  let lo = 0;
  if ((await provider.getCode(address, hi)) === "0x") throw new Error(`no contract at ${address}`);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await provider.getCode(address, mid)) === "0x") lo = mid + 1;
    else hi = mid;
  }
  return BigInt(lo);
}

export class MarketsRelay implements Follower {
  readonly provider: Provider;
  readonly store: Store;
  /** Checksummed address of the markets singleton. */
  readonly address: string;
  readonly relayer?: Signer;
  relayerAddress = "";
  readonly contract: Contract;
  readonly roots = new Map<string, RootFacts>();
  readonly serveAll: boolean;
  readonly kinds = [{ kind: MARKETS_KIND, iface: marketsInterface }];
  chainId = 0n;
  expiryMarginSec = 30;
  /** Last block a pass read. */
  head = -1n;
  private fromBlock = 0n;
  private readonly opts: MarketsOptions;
  private listeners = new Set<(e: MarketsEvent) => void>();
  private dirty = new Set<string>();
  private createdRoots: bigint[] = [];
  /** Last trade pushed: [block, logIndex]. */
  private lastTrade: [bigint, bigint] = [-1n, -1n];
  /** The store's writers' lock (the relay core's: a store transaction belongs to its one connection). */
  lock = new Mutex();
  /** One relayed transaction at a time (the relayer's nonce). */
  private readonly sendLock = new Mutex();
  /** Submissions under way, by digest: a second post of the same order waits for the first. */
  private inflight = new Map<string, Promise<SubmitResult>>();

  constructor(provider: Provider, store: Store, opts: MarketsOptions) {
    this.provider = provider;
    this.store = store;
    this.opts = opts;
    this.address = getAddress(opts.address);
    this.relayer = opts.relayer;
    this.contract = marketsAt(this.address, provider);
    this.serveAll = opts.roots === undefined;
  }

  /** Checks the contract, loads the served roots, creates the tables; on a stream that followed only sessions so far, moves its cursor back to the markets' first block. */
  async init(expiryMarginSec: number): Promise<void> {
    this.expiryMarginSec = expiryMarginSec;
    this.chainId = (await this.provider.getNetwork()).chainId;
    if ((await this.provider.getCode(this.address)) === "0x")
      throw new Error(`no contract at markets address ${this.address} on chain ${this.chainId}`);
    await this.store.exec(MARKETS_SCHEMA);
    const count = BigInt(String(await this.contract.rootCount()));
    const ids = this.opts.roots ?? Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    for (const id of ids) await this.addRoot(id, true);
    if (this.relayer !== undefined) this.relayerAddress = await this.relayer.getAddress();
    this.fromBlock = this.opts.fromBlock ?? (await creationBlock(this.provider, this.address));
    const watched = await this.store.all("SELECT address FROM watched WHERE chain_id = $1 AND address = $2", [
      this.chainId,
      this.address.toLowerCase(),
    ]);
    if (watched.length === 0) {
      // The stream went on without the markets: read again from their first block (sessions' rows are
      // idempotent; their statuses are read from the head anyway).
      await this.store.run("DELETE FROM cursor WHERE chain_id = $1 AND stream = $2 AND block_number >= $3", [
        this.chainId,
        RELAY_STREAM,
        this.fromBlock,
      ]);
    }
  }

  private async addRoot(rootId: bigint, strict: boolean): Promise<void> {
    const r = await this.contract.root(rootId);
    if (r.owner === "0x0000000000000000000000000000000000000000") {
      if (strict) throw new Error(`unknown root ${rootId} on markets ${this.address}`);
      return;
    }
    const token = new Contract(String(r.collateral), ERC20_ABI, this.provider);
    let symbol = "";
    let tokenDecimals = 0;
    try {
      symbol = String(await token.symbol());
      tokenDecimals = Number(await token.decimals());
    } catch {
      // a collateral without symbol()/decimals(): shown as "" and 0
    }
    this.roots.set(rootId.toString(), {
      rootId,
      collateral: getAddress(String(r.collateral)),
      symbol,
      tokenDecimals,
      decimals: Number(r.decimals),
      unitScale: BigInt(r.unitScale),
    });
  }

  on(fn: (e: MarketsEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: MarketsEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure (a closed socket) is its own
      }
    }
  }

  // ------------------------------------------------------------------ follower

  seeds(): Array<{ address: string; kind: string; fromBlock: bigint }> {
    return [{ address: this.address, kind: MARKETS_KIND, fromBlock: this.fromBlock }];
  }

  async onEvent(e: DecodedEvent): Promise<void> {
    const root = await applyMarketEvent(this.store, e);
    if (root === undefined) return;
    this.dirty.add(root.toString());
    if (e.name === "RootCreated" && this.serveAll) this.createdRoots.push(root);
  }

  async onRewind(ancestor: bigint): Promise<void> {
    await rebuildMarkets(this.store, this.chainId, this.address);
    for (const r of this.roots.keys()) this.dirty.add(r);
    if (this.lastTrade[0] > ancestor) this.lastTrade = [ancestor, 1n << 62n];
  }

  /** Roots whose book a pass changed since relay/index.ts last told the other processes on one database (it empties it). */
  readonly lastDirty = new Set<string>();

  async afterPass(head: bigint): Promise<void> {
    for (const id of this.createdRoots.splice(0)) if (!this.roots.has(id.toString())) await this.addRoot(id, false);
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const r of dirty) this.lastDirty.add(r);
    await this.push(head, dirty);
  }

  /**
   * In a process that does not follow the chain: another process's pass read to `head` and changed the books of
   * `roots` (undefined: every served root). Serves roots created since (when serving every root), then pushes
   * the stored trades not pushed yet and those books.
   */
  async followed(head: bigint, roots: string[] | undefined): Promise<void> {
    if (roots !== undefined && this.serveAll)
      for (const id of roots) if (!this.roots.has(id)) await this.addRoot(BigInt(id), false);
    await this.push(head, roots ?? [...this.roots.keys()]);
  }

  /** A reorg seen by another process: trades above `ancestor` are pushed again as the new chain has them. */
  rewound(ancestor: bigint): void {
    if (this.lastTrade[0] > ancestor) this.lastTrade = [ancestor, 1n << 62n];
  }

  private async push(head: bigint, dirty: string[]): Promise<void> {
    this.head = head;
    // Trades past the last one pushed, oldest first (read back from the table: a retried read pushes once).
    const [b, i] = this.lastTrade;
    const trades = await this.store.all<TradeRow>(
      `SELECT * FROM market_trades WHERE markets = $1 AND (block_number > $2 OR (block_number = $2 AND log_index > $3))
       ORDER BY block_number, log_index LIMIT 1000`,
      [this.address.toLowerCase(), b, i],
    );
    for (const t of trades) {
      this.lastTrade = [t.block_number, t.log_index];
      if (this.roots.has(t.root_id.toString())) this.emit({ type: "trade", trade: tradeView(t) });
    }
    for (const root of dirty) {
      if (!this.roots.has(root) || this.listeners.size === 0) continue;
      this.emit({ type: "book", root, block: head.toString(), branches: await this.book(BigInt(root), 10) });
    }
  }

  /** Positions the trade cursor at the newest stored trade (start-up: old trades are not pushed). */
  async skipStoredTrades(): Promise<void> {
    const last = await this.store.all<{ block_number: bigint; log_index: bigint }>(
      "SELECT block_number, log_index FROM market_trades WHERE markets = $1 ORDER BY block_number DESC, log_index DESC LIMIT 1",
      [this.address.toLowerCase()],
    );
    if (last.length > 0) this.lastTrade = [last[0].block_number, last[0].log_index];
  }

  // ------------------------------------------------------------------ reads

  /** The served root `root` (decimal id), or a 404 `unknown_root`. */
  rootOf(root: string, field = "root"): RootFacts {
    const f = /^\d{1,20}$/.test(root) ? this.roots.get(BigInt(root).toString()) : undefined;
    if (f === undefined)
      no("unknown_root", field, `this relay does not serve root ${root} of markets ${this.address}`, 404);
    return f as RootFacts;
  }

  /** Each branch's price levels (live resting orders), best first, `depth` levels a side. */
  async book(rootId: bigint, depth: number, branch?: number): Promise<BranchBook[]> {
    const params: unknown[] = [this.address.toLowerCase(), rootId];
    let where = "markets = $1 AND root_id = $2 AND remaining > 0";
    if (branch !== undefined) where += ` AND branch_id = $${params.push(BigInt(branch))}`;
    const rows = await this.store.all<{ branch_id: bigint; tick: bigint; is_bid: bigint; size: unknown; n: unknown }>(
      `SELECT branch_id, tick, is_bid, SUM(remaining) AS size, COUNT(*) AS n FROM market_resting WHERE ${where}
       GROUP BY branch_id, tick, is_bid`,
      params,
    );
    const branches = await this.store.all<{ branch_id: bigint }>(
      `SELECT branch_id FROM market_branches WHERE markets = $1 AND root_id = $2${branch !== undefined ? " AND branch_id = $3" : ""} ORDER BY branch_id`,
      params,
    );
    const out = new Map<number, BranchBook>();
    for (const b of branches) out.set(Number(b.branch_id), { branchId: Number(b.branch_id), bids: [], asks: [] });
    for (const r of rows) {
      const id = Number(r.branch_id);
      let bb = out.get(id);
      if (bb === undefined) out.set(id, (bb = { branchId: id, bids: [], asks: [] }));
      const lvl: Level = {
        tick: Number(r.tick),
        price: tickPrice(r.tick),
        size: BigInt(String(r.size)).toString(),
        orders: Number(String(r.n)),
      };
      (BigInt(r.is_bid) === 1n ? bb.bids : bb.asks).push(lvl);
    }
    for (const bb of out.values()) {
      bb.bids = bb.bids.sort((x, y) => y.tick - x.tick).slice(0, depth);
      bb.asks = bb.asks.sort((x, y) => x.tick - y.tick).slice(0, depth);
    }
    return [...out.values()].sort((x, y) => x.branchId - y.branchId);
  }

  /** Trades of a root oldest first after the cursor `after` ("block:logIndex"), at most `limit`. */
  async trades(
    rootId: bigint,
    limit: number,
    after?: string,
    branch?: number,
  ): Promise<{ trades: MarketTradeView[]; next: string | null }> {
    const params: unknown[] = [this.address.toLowerCase(), rootId];
    const where = ["markets = $1", "root_id = $2"];
    if (branch !== undefined) where.push(`branch_id = $${params.push(BigInt(branch))}`);
    if (after !== undefined) {
      const [blk, idx] = after.split(":").map((x) => BigInt(x));
      const a = params.push(blk);
      const c = params.push(idx);
      where.push(`(block_number > $${a} OR (block_number = $${a} AND log_index > $${c}))`);
    }
    const rows = await this.store.all<TradeRow>(
      `SELECT * FROM market_trades WHERE ${where.join(" AND ")} ORDER BY block_number, log_index LIMIT ${limit}`,
      params,
    );
    const last = rows.at(-1);
    return {
      trades: rows.map(tradeView),
      next: rows.length === limit && last !== undefined ? `${last.block_number}:${last.log_index}` : null,
    };
  }

  /** The root's tree and state at the head: branches with bounds and parent, status, possible range, collateral. */
  async tree(f: RootFacts): Promise<Record<string, unknown>> {
    const blockTag = await this.provider.getBlockNumber();
    const r = await this.contract.root(f.rootId, { blockTag });
    const branches = await this.store.all<{ branch_id: bigint; parent: bigint; min_x: string; max_x: string }>(
      "SELECT branch_id, parent, min_x, max_x FROM market_branches WHERE markets = $1 AND root_id = $2 ORDER BY branch_id",
      [this.address.toLowerCase(), f.rootId],
    );
    const now = BigInt((await this.provider.getBlock(blockTag))?.timestamp ?? 0);
    const status = STATUS_NAMES[Number(r.status)] ?? String(r.status);
    return {
      markets: this.address,
      root: f.rootId.toString(),
      block: blockTag.toString(),
      status,
      trading: status === "open" && now < BigInt(r.expiry),
      owner: String(r.owner),
      expiry: BigInt(r.expiry).toString(),
      voidDeadline: BigInt(r.voidDeadline).toString(),
      outcomeDecimals: f.decimals,
      possibleRange: { lo: BigInt(r.lo).toString(), hi: BigInt(r.hi).toString() },
      collateral: { address: f.collateral, symbol: f.symbol, decimals: f.tokenDecimals },
      unitScale: f.unitScale.toString(),
      /** Collateral units one contract pays at the top of its range. */
      contractPays: (f.unitScale * 100n).toString(),
      branchCount: Number(r.branchCount),
      branches: branches.map((b) => ({
        branchId: Number(b.branch_id),
        parent: Number(b.parent) === 0 ? null : Number(b.parent),
        min: b.min_x,
        max: b.max_x,
      })),
    };
  }

  /** A trader on a root, read from the lens at one block: positions, premium, pending cash, worst case, account. */
  async positions(f: RootFacts, trader: string): Promise<Record<string, unknown>> {
    const blockTag = await this.provider.getBlockNumber();
    const [positions, premiumPaid, pendingCash, worst] = (await this.contract.exposure(trader, f.rootId, {
      blockTag,
    })) as [bigint[], bigint, bigint, bigint];
    const [cash, sumWorst, roots] = (await this.contract.account(trader, f.collateral, { blockTag })) as [
      bigint,
      bigint,
      bigint[],
    ];
    const resting = await this.store.all<RestingRow>(
      "SELECT * FROM market_resting WHERE markets = $1 AND root_id = $2 AND trader = $3 AND remaining > 0 ORDER BY order_key",
      [this.address.toLowerCase(), f.rootId, trader.toLowerCase()],
    );
    return {
      root: f.rootId.toString(),
      trader: getAddress(trader),
      block: blockTag.toString(),
      collateral: { address: f.collateral, symbol: f.symbol, decimals: f.tokenDecimals },
      positions: [...positions]
        .map((p, branchId) => ({ branchId, position: BigInt(p).toString() }))
        .filter((p) => p.branchId > 0 && p.position !== "0"),
      premiumPaid: BigInt(premiumPaid).toString(),
      pendingCash: BigInt(pendingCash).toString(),
      /** The lens's `exposure` worst case on this root (collateral units; negative: what it can lose). */
      worst: BigInt(worst).toString(),
      /** `account(trader, collateral)`: stored cash and sum of stored worst cases over the trader's open roots. */
      account: {
        cash: BigInt(cash).toString(),
        sumWorst: BigInt(sumWorst).toString(),
        roots: [...roots].map((x) => BigInt(x).toString()),
      },
      orders: resting.map((o) => ({
        orderKey: o.order_key,
        branchId: Number(o.branch_id),
        side: BigInt(o.is_bid) === 1n ? "bid" : "offer",
        tick: Number(o.tick),
        price: tickPrice(o.tick),
        remaining: o.remaining.toString(),
        digest: o.digest,
      })),
    };
  }

  // ------------------------------------------------------------------ submissions

  /** A stored submission of this digest (the relay sent it), or undefined. */
  async submitted(digest: string): Promise<SubmitResult | undefined> {
    const rows = await this.store.all<{ result_json: string }>(
      "SELECT result_json FROM market_submissions WHERE digest = $1",
      [digest.toLowerCase()],
    );
    return rows.length === 0 ? undefined : (JSON.parse(rows[0].result_json) as SubmitResult);
  }

  /**
   * Checks a signed market order (relay/marketsValidate.ts) and submits it with the relayer account.
   * `created: false` answers a digest this relay submitted before (idempotent). Throws {@link OrderRejected}
   * for anything invalid: nothing invalid is sent.
   */
  async submit(pathRoot: string, raw: unknown): Promise<{ created: boolean; result: SubmitResult }> {
    if (this.relayer === undefined)
      no(
        "relayer_disabled",
        null,
        "this relay submits no market orders: it was started without a relayer account (--relayer)",
        501,
      );
    const p: ParsedMarketSubmission = await checkMarketSubmission(this, pathRoot, raw, "shape");
    const before = await this.submitted(p.digest);
    if (before !== undefined) return { created: false, result: before };
    const running = this.inflight.get(p.digest);
    if (running !== undefined) return { created: false, result: await running };
    const job = (async () => {
      await checkMarketSubmission(this, pathRoot, raw, "chain");
      return this.send(p);
    })();
    this.inflight.set(p.digest, job);
    try {
      return { created: true, result: await job };
    } finally {
      this.inflight.delete(p.digest);
    }
  }

  /** Sends `place(order, signature, 99)` from the relayer and decodes the receipt. */
  private async send(p: ParsedMarketSubmission): Promise<SubmitResult> {
    const relayer = this.relayer as Signer;
    const m = this.contract.connect(relayer) as Contract;
    // The trader signed no sweep bound, and the contract refuses a relay that its submitter's bound would cut
    // short (RelayedSweepBound): 99 levels is every level of a side, so the order trades as signed.
    const levels = RELAY_MAX_LEVELS;
    const receipt = await this.sendLock.run(async (): Promise<ContractTransactionReceipt> => {
      let tx: ContractTransactionResponse;
      try {
        tx = (await m.place(p.order, p.signature, levels)) as ContractTransactionResponse;
      } catch (e) {
        const d = decodeError(e, MARKET_ABIS);
        if (d === undefined) throw e;
        // the chain moved since the simulation: nothing was sent
        return no(
          d.name === "InsufficientCollateral" ? "unfundable" : "place_reverted",
          d.name === "InsufficientCollateral" ? "order.trader" : null,
          `${d.name}: ${d.message}`,
          422,
        );
      }
      const rc = await tx.wait();
      if (rc === null || rc.status !== 1)
        no("submit_failed", null, `the relayed transaction ${tx.hash} reverted or was dropped`, 502);
      return rc as ContractTransactionReceipt;
    });
    const parsed: LogDescription[] = [];
    for (const l of receipt.logs) {
      if (l.address.toLowerCase() !== this.address.toLowerCase()) continue;
      try {
        const d = marketsInterface.parseLog({ topics: [...l.topics], data: l.data });
        if (d !== null) parsed.push(d);
      } catch {
        // not a markets event
      }
    }
    const accepted = parsed.find((x) => x.name === "OrderAccepted" && String(x.args.digest) === p.digest);
    const fills = (
      await fillsOf(
        this.provider,
        this.address,
        parsed.filter((x) => x.name === "OrderFilled").map((x) => x.args),
        p.digest,
        receipt.blockNumber,
      )
    ).map((f) => ({ maker: f.maker, tick: f.tick, price: tickPrice(f.tick), quantity: f.quantity.toString() }));
    const reductions = parsed
      .filter((x) => x.name === "OrderReduced" && String(x.args.digest) === p.digest)
      .map((x) => ({
        quantity: BigInt(x.args.quantity).toString(),
        reason: REDUCE_REASONS[Number(x.args.reason)] ?? String(x.args.reason),
      }));
    const size = p.order.quantity < 0n ? -p.order.quantity : p.order.quantity;
    const traded = fills.reduce((s, f) => s + BigInt(f.quantity), 0n);
    const dropped = reductions.reduce((s, r) => s + BigInt(r.quantity), 0n);
    const resting = size - traded - dropped;
    const outcome: SubmitResult["outcome"] =
      dropped > 0n ? "reduced" : resting === 0n ? "filled" : traded === 0n ? "resting" : "partial";
    const result: SubmitResult = {
      digest: p.digest,
      root: p.order.rootId.toString(),
      trader: p.order.trader,
      relayer: this.relayerAddress,
      txHash: receipt.hash,
      block: receipt.blockNumber.toString(),
      outcome,
      traded: traded.toString(),
      fills,
      resting: resting.toString(),
      orderKey: accepted === undefined ? "" : BigInt(accepted.args.orderKey).toString(),
      reductions,
      maxLevels: levels.toString(),
    };
    await this.lock.run(() =>
      this.store.run(
        `INSERT INTO market_submissions (digest, markets, root_id, trader, tx_hash, result_json, created_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          p.digest,
          this.address.toLowerCase(),
          p.order.rootId,
          p.order.trader.toLowerCase(),
          receipt.hash,
          JSON.stringify(result),
          BigInt(Date.now()),
        ],
      ),
    );
    return result;
  }
}
