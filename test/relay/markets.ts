/**
 * The relay's bounded markets (docs/relay.md, "Markets"): the book, trades, positions and tree match the chain
 * after trades; a signed order posted to the relay trades on chain through the relayer account (gasless for
 * the trader); every refusal has its code and nothing invalid is sent; without a relayer the endpoint answers
 * 501; WebSocket subscribers see a book change in the block of the trade; a reorg leaves nothing of the
 * replaced blocks in the derived book.
 */
import { expect } from "chai";
import { Wallet, type Contract, type Signer } from "ethers";
import { network } from "hardhat";

import { startRelay, type Relay } from "../../relay/index.js";
import { openRelayStore } from "../../relay/store.js";
import { marketsAt } from "../../sdk/markets/abi.js";
import { signOrder } from "../../sdk/markets/client.js";
import { marketsDomain, orderDigest, ORDER_TYPES, type MarketOrder } from "../../sdk/markets/typedData.js";
import { deployMarkets, UNIT, type MarketsFixture } from "../markets/fixture.js";
import { runRelay } from "../../tasks/actions/relay/index.js";
import { capture, hre, sharedConnection } from "../cli/helpers.js";
import { request, until, wsClient } from "./helpers.js";

type Level = { tick: number; price: string; size: string; orders: number };
type BranchBook = { branchId: number; bids: Level[]; asks: Level[] };

/** The book of one market read from the lens alone: every live level, its live orders and what they rest. */
async function lensBook(fx: MarketsFixture, rootId: bigint, branchId: number): Promise<BranchBook> {
  const out: BranchBook = { branchId, bids: [], asks: [] };
  for (let tick = 1; tick < 100; tick++) {
    const [head, tail, isBid, live] = (await fx.core.level(rootId, branchId, tick)) as [
      bigint,
      bigint,
      boolean,
      bigint,
    ];
    if (live === 0n) continue;
    let size = 0n;
    for (let i = head; i < tail; i++) {
      const key = await fx.core.orderKeyOf(rootId, branchId, tick, i);
      size += ((await fx.core.restingOrder(key)) as [bigint, bigint])[0];
    }
    (isBid ? out.bids : out.asks).push({
      tick,
      price: (tick / 100).toFixed(2),
      size: size.toString(),
      orders: Number(live),
    });
  }
  out.bids.sort((a, b) => b.tick - a.tick);
  out.asks.sort((a, b) => a.tick - b.tick);
  return out;
}

/** An order file as `market order` writes it, for an order built by hand (any field, any signer, any chain). */
async function fileOf(fx: MarketsFixture, signer: Signer, o: MarketOrder, chainId?: bigint) {
  const domain = chainId === undefined ? fx.domain : marketsDomain(chainId, fx.coreAddress);
  return {
    type: "ringfence-market-order",
    chainId: String(domain.chainId),
    markets: fx.coreAddress,
    digest: orderDigest(domain, o),
    signature: await signer.signTypedData(domain, ORDER_TYPES, { ...o }),
    order: {
      rootId: o.rootId.toString(),
      branchId: o.branchId,
      tick: o.tick,
      quantity: o.quantity.toString(),
      orderType: o.orderType,
      expiry: o.expiry.toString(),
      nonce: o.nonce.toString(),
      salt: o.salt.toString(),
      trader: o.trader,
    },
    readable: {
      side: o.quantity > 0n ? "bid" : "offer",
      price: (o.tick / 100).toFixed(2),
      contracts: "1",
      type: "gtc",
    },
  };
}

async function place(fx: MarketsFixture, who: Signer, o: MarketOrder) {
  return (await (fx.core.connect(who) as Contract).place(o, "0x", 99)).wait();
}

describe("relay: bounded markets", function () {
  this.timeout(300_000);
  let fx: MarketsFixture;
  let relay: Relay;
  let rootId: bigint;
  let sub: number;
  let t1: Signer, t2: Signer, t3: Signer, t4: Signer, relayer: Signer, t5: Signer;
  const url = () => `${relay.url}/markets/${rootId}`;

  before(async () => {
    fx = await deployMarkets(await network.create());
    [, t1, t2, t3, relayer, t4, t5] = fx.signers;
    rootId = await fx.createRoot(0n, 100n);
    sub = await fx.createSub(rootId, 1, 30n, 40n);
    for (const t of [t1, t2, t3, t4]) await fx.fund(t, 100n * UNIT);
    relay = await startRelay({
      provider: fx.connection.ethers.provider,
      sessions: [],
      pollMs: 3_600_000, // driven with sync()
      fromBlock: 0n,
      onError: () => undefined,
      markets: { address: fx.coreAddress, fromBlock: 0n, relayer },
    });
  });
  after(async () => relay.close());

  it("book, trades, positions and tree match the chain after trades, cancels and a self-trade", async () => {
    await place(fx, t1, await fx.order(t1, rootId, 1, 50, 3n));
    await place(fx, t1, await fx.order(t1, rootId, 1, 49, 2n));
    await place(fx, t1, await fx.order(t1, rootId, 1, 40, 2n));
    await place(fx, t2, await fx.order(t2, rootId, 1, 50, 1n));
    await place(fx, t3, await fx.order(t3, rootId, 1, 60, -4n));
    await place(fx, t3, await fx.order(t3, rootId, 1, 61, -1n));
    await place(fx, t1, await fx.order(t1, rootId, sub, 20, 5n));
    // t2 sells 6 at 0.45 IOC: 3 from t1 at 0.50, its own bid at 0.50 cancelled (self-trade), 2 from t1 at 0.49,
    // then the rest (1) dropped as an IOC remainder (the bid at 0.40 is below its limit)
    await place(fx, t2, await fx.order(t2, rootId, 1, 45, -6n, 1));
    await (await (fx.core.connect(t1) as Contract).cancelMarket(rootId, sub)).wait();
    await relay.sync();

    const book = (await request(`${url()}/book`, "GET")).body as { branches: BranchBook[]; block: string };
    expect(book.branches.map((b) => b.branchId)).to.deep.equal([1, sub]);
    for (const b of book.branches) expect(b).to.deep.equal(await lensBook(fx, rootId, b.branchId));
    expect(book.branches[0].bids).to.deep.equal([{ tick: 40, price: "0.40", size: "2", orders: 1 }]);
    expect(book.branches[1]).to.deep.include({ bids: [], asks: [] });
    const one = (await request(`${url()}/book?branch=1&depth=1`, "GET")).body as { branches: BranchBook[] };
    expect(one.branches).to.have.length(1);
    expect(one.branches[0].asks).to.deep.equal([{ tick: 60, price: "0.60", size: "4", orders: 1 }]);

    for (const t of [t1, t2]) {
      const who = await t.getAddress();
      const pos = (await request(`${url()}/positions/${who}`, "GET")).body as {
        positions: Array<{ branchId: number; position: string }>;
        premiumPaid: string;
        pendingCash: string;
        worst: string;
        account: { cash: string; sumWorst: string };
      };
      const [positions, premium, pending, worst] = (await fx.core.exposure(who, rootId)) as [
        bigint[],
        bigint,
        bigint,
        bigint,
      ];
      const [cash, sumWorst] = (await fx.core.account(who, await fx.token.getAddress())) as [bigint, bigint];
      for (let b = 1; b < positions.length; b++)
        expect(pos.positions.find((p) => p.branchId === b)?.position ?? "0").to.equal(positions[b].toString());
      expect(pos).to.deep.include({
        premiumPaid: premium.toString(),
        pendingCash: pending.toString(),
        worst: worst.toString(),
      });
      expect(pos.account).to.deep.include({ cash: cash.toString(), sumWorst: sumWorst.toString() });
    }
    const p1 = (await request(`${url()}/positions/${await t1.getAddress()}`, "GET")).body as {
      positions: unknown[];
    };
    expect(p1.positions).to.deep.equal([{ branchId: 1, position: "5" }]);

    // trades: oldest first, one per page, the cursor walks them all
    const seen: Array<Record<string, unknown>> = [];
    let next: string | null = null;
    do {
      const page = (await request(`${url()}/trades?limit=1${next === null ? "" : `&after=${next}`}`, "GET")).body as {
        trades: Array<Record<string, unknown>>;
        next: string | null;
      };
      seen.push(...page.trades);
      next = page.next;
    } while (next !== null);
    const logs = await fx.core.queryFilter(fx.core.filters.OrderFilled(rootId), 0);
    expect(seen.map((t) => [t.tick, t.quantity, t.takerSide])).to.deep.equal([
      [50, "3", "sell"],
      [49, "2", "sell"],
    ]);
    expect(seen.map((t) => t.tx)).to.deep.equal(logs.map((l) => l.transactionHash));
    // the fill event names its two orders only: market, side and parties come from their acceptances
    const [m1, m2] = [(await t1.getAddress()).toLowerCase(), (await t2.getAddress()).toLowerCase()];
    expect(seen.map((t) => [t.branchId, t.maker, t.taker])).to.deep.equal([
      [1, m1, m2],
      [1, m1, m2],
    ]);

    const tree = (await request(url(), "GET")).body;
    expect(tree).to.deep.include({ root: rootId.toString(), status: "open", trading: true, outcomeDecimals: 0 });
    expect(tree.collateral).to.deep.include({ symbol: "USDC", decimals: 6 });
    expect(tree.branches).to.deep.equal([
      { branchId: 1, parent: null, min: "0", max: "100" },
      { branchId: sub, parent: 1, min: "30", max: "40" },
    ]);
    expect((await request(`${relay.url}/markets/77`, "GET")).body).to.include({ code: "unknown_root" });
    expect((await request(`${url()}/book?depth=51`, "GET")).status).to.equal(400);
    expect((await request(`${url()}/trades?limit=101`, "GET")).status).to.equal(400);
  });

  it("a signed order posted to the relay trades on chain through the relayer, gasless for the trader", async () => {
    await place(fx, t3, await fx.order(t3, rootId, sub, 30, 2n));
    // t4 signs an offer of 3 at 0.25 with the CLI's own order writer and never sends a transaction
    const file = await signOrder(t4, fx.coreAddress, {
      root: rootId.toString(),
      branch: sub,
      price: "0.25",
      quantity: "3",
      side: "offer",
      type: "gtc",
      expiryHours: 1,
    });
    const provider = fx.connection.ethers.provider;
    const trader = await t4.getAddress();
    const [eth4, ethR] = [await provider.getBalance(trader), await provider.getBalance(await relayer.getAddress())];
    const r = await request(`${url()}/orders`, "POST", file);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body).to.deep.include({
      digest: file.digest,
      outcome: "partial",
      traded: "2",
      resting: "1",
      relayer: await relayer.getAddress(),
      maxLevels: "99",
      duplicate: false,
    });
    expect(r.body.fills).to.deep.equal([{ maker: await t3.getAddress(), tick: 30, price: "0.30", quantity: "2" }]);
    // on chain: the order was accepted once, submitted by the relayer, and t4 holds the short
    expect(await fx.core.filledOf(file.order.trader, file.order.salt)).to.equal(3n);
    expect(await fx.core.positionOf(trader, rootId, sub)).to.equal(-2n);
    const acc = await fx.core.queryFilter(fx.core.filters.OrderAccepted(rootId, file.digest), 0);
    expect(acc).to.have.length(1);
    expect(acc[0].transactionHash).to.equal(r.body.txHash);
    expect(String((acc[0] as unknown as { args: { submitter: string } }).args.submitter)).to.equal(
      await relayer.getAddress(),
    );
    expect(await provider.getBalance(trader)).to.equal(eth4);
    expect(await provider.getBalance(await relayer.getAddress())).to.be.below(ethR);
    // idempotent: the same file again answers the stored outcome, nothing is sent
    const nonce = await provider.getTransactionCount(await relayer.getAddress());
    const again = await request(`${url()}/orders`, "POST", file);
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.include({ duplicate: true, txHash: r.body.txHash });
    expect(await provider.getTransactionCount(await relayer.getAddress())).to.equal(nonce);
    await relay.sync();
    const book = (await request(`${url()}/book?branch=${sub}`, "GET")).body as { branches: BranchBook[] };
    expect(book.branches[0]).to.deep.equal(await lensBook(fx, rootId, sub));
    expect(book.branches[0].asks).to.deep.equal([{ tick: 25, price: "0.25", size: "1", orders: 1 }]);
  });

  it("refuses each invalid order with its code, field and status, and sends nothing", async () => {
    const provider = fx.connection.ethers.provider;
    const nonce = await provider.getTransactionCount(await relayer.getAddress());
    const post = (body: unknown, path = `${url()}/orders`) => request(path, "POST", body as object);
    const expectIssue = async (
      body: unknown,
      status: number,
      code: string,
      field: string | null,
      path?: string,
    ): Promise<string> => {
      const r = await post(body, path);
      expect(r.status, `${code}: ${JSON.stringify(r.body)}`).to.equal(status);
      expect(r.body, code).to.deep.include({ code, field });
      return String(r.body.message);
    };
    const now = await fx.now();
    const good = async (over: Partial<MarketOrder> = {}, who: Signer = t1) => ({
      ...(await fx.order(who, rootId, 1, 40, 1n)),
      ...over,
    });

    const bad = await request(`${url()}/orders`, "POST", "{");
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ code: "malformed_json" });
    const f0 = await fileOf(fx, t1, await good());
    await expectIssue({ ...f0, order: { ...f0.order, tick: 0 } }, 400, "malformed_field", "order.tick");
    await expectIssue({ ...f0, order: { ...f0.order, quantity: "0" } }, 400, "malformed_field", "order.quantity");
    await expectIssue({ ...f0, order: { ...f0.order, salt: "7" } }, 400, "malformed_field", "digest");
    await expectIssue({ ...f0, order: { ...f0.order, branchId: "x" } }, 400, "malformed_field", "order.branchId");
    const { digest: _d, ...noDigest } = f0;
    await expectIssue({ ...noDigest, markets: await fx.token.getAddress() }, 400, "wrong_markets", "markets");
    await expectIssue(f0, 400, "wrong_root", "order.rootId", `${relay.url}/markets/${rootId + 1n}/orders`);
    const far = await fileOf(fx, t1, await good({ rootId: 99n }));
    await expectIssue(far, 404, "unknown_root", "order.rootId", `${relay.url}/markets/99/orders`);
    await expectIssue(await fileOf(fx, t1, await good(), 999n), 400, "wrong_chain", "chainId");
    await expectIssue(await fileOf(fx, t1, await good({ branchId: 9 })), 400, "unknown_branch", "order.branchId");
    await expectIssue(await fileOf(fx, t1, await good({ expiry: now - 1n })), 400, "expired", "order.expiry");
    await expectIssue(await fileOf(fx, t1, await good({ expiry: now + 10n })), 400, "expiring", "order.expiry");
    // signed by t2 for trader t1
    await expectIssue(await fileOf(fx, t2, await good()), 400, "bad_signature", "signature");
    // an ERC-1271 wallet: a stranger's signature is refused by eth_call; its owner's passes (and the wallet,
    // holding no collateral, is then refused by the simulated place)
    const [owner, stranger] = [Wallet.createRandom(), Wallet.createRandom()];
    const wallet = await fx.connection.ethers.deployContract("MockERC1271Wallet", [owner.address]);
    const wo = await good({ trader: await wallet.getAddress() });
    const wd = orderDigest(fx.domain, wo);
    const wFile = { ...(await fileOf(fx, t1, wo)) };
    const m1271 = await expectIssue(
      { ...wFile, signature: stranger.signingKey.sign(wd).serialized },
      400,
      "bad_signature",
      "signature",
    );
    expect(m1271).to.contain("ERC-1271");
    const mFunds = await expectIssue(
      { ...wFile, signature: owner.signingKey.sign(wd).serialized },
      422,
      "unfundable",
      "order.trader",
    );
    expect(mFunds).to.contain("InsufficientCollateral");
    // nonce floor, cancelled, accepted already
    await (await (fx.core.connect(t5) as Contract).raiseNonceFloor(5)).wait();
    await expectIssue(await fileOf(fx, t5, await good({}, t5)), 400, "nonce_below_floor", "order.nonce");
    const c = await good();
    await (await (fx.core.connect(t1) as Contract).cancelSigned(c)).wait();
    await expectIssue(await fileOf(fx, t1, c), 409, "cancelled", "digest");
    const own = await good();
    await place(fx, t1, own);
    await expectIssue(await fileOf(fx, t1, own), 409, "already_accepted", "digest");
    // the contract's own refusals, decoded: no collateral; a post-only order that would cross (best ask 0.60)
    const poor = { ...(await fx.order(t5, rootId, 1, 40, 1n)), nonce: 5n };
    const mPoor = await expectIssue(await fileOf(fx, t5, poor), 422, "unfundable", "order.trader");
    expect(mPoor).to.contain("InsufficientCollateral");
    // an account with code (EIP-7702-like) signing with its own key: ECDSA first, as the contract does, so
    // the checks go on past the signature to the simulated place; another key's signature asks ERC-1271 (the
    // code reverts: refused)
    const t1a = await t1.getAddress();
    await provider.send("hardhat_setCode", [t1a, "0x60006000fd"]);
    let mPost: string;
    try {
      mPost = await expectIssue(
        await fileOf(fx, t1, await good({ tick: 65, orderType: 2 })),
        422,
        "place_reverted",
        null,
      );
      const m7702 = await expectIssue(await fileOf(fx, t2, await good()), 400, "bad_signature", "signature");
      expect(m7702).to.contain("ERC-1271");
    } finally {
      await provider.send("hardhat_setCode", [t1a, "0x"]);
    }
    expect(mPost).to.contain("PostOnlyWouldCross");
    expect(await provider.getTransactionCount(await relayer.getAddress())).to.equal(nonce);
  });

  it("rate limits per trader, shared with session orders", async () => {
    const r2 = await startRelay({
      provider: fx.connection.ethers.provider,
      sessions: [],
      pollMs: 3_600_000,
      onError: () => undefined,
      markets: { address: fx.coreAddress, fromBlock: 0n, relayer },
      limits: { perMakerMax: 2 },
    });
    try {
      const trader = await t1.getAddress();
      // a session order of the same address counts against the same window
      const sessionBody = {
        type: "ringfence-session-order",
        chainId: "31337",
        session: await fx.token.getAddress(),
        signature: "0x00",
        order: {
          maker: trader,
          taker: "0x0000000000000000000000000000000000000000",
          legs: "3",
          amounts: ["1", "-1"],
          maxFeeBps: "0",
          expiry: "1",
          nonce: "0",
          salt: "0",
        },
      };
      expect(
        (await request(`${r2.url}/sessions/${await fx.token.getAddress()}/orders`, "POST", sessionBody)).status,
      ).to.not.equal(429);
      const expired = await fileOf(fx, t1, { ...(await fx.order(t1, rootId, 1, 40, 1n)), expiry: 1n });
      expect((await request(`${r2.url}/markets/${rootId}/orders`, "POST", expired)).body).to.include({
        code: "expired",
      });
      const third = await request(`${r2.url}/markets/${rootId}/orders`, "POST", expired);
      expect(third.status).to.equal(429);
      expect(third.body).to.deep.include({ code: "rate_limited", field: "order.trader" });
    } finally {
      await r2.close();
    }
  });

  it("without a relayer the order endpoint answers 501; WebSocket subscribers see the book change in the trade's block", async () => {
    // found its own first block (getCode search), polls every 50 ms, no relayer
    const r2 = await startRelay({
      provider: fx.connection.ethers.provider,
      sessions: [],
      pollMs: 50,
      onError: () => undefined,
      markets: { address: fx.coreAddress },
    });
    try {
      const file = await fileOf(fx, t1, await fx.order(t1, rootId, 1, 40, 1n));
      const off = await request(`${r2.url}/markets/${rootId}/orders`, "POST", file);
      expect(off.status).to.equal(501);
      expect(off.body).to.deep.include({ code: "relayer_disabled", field: null });
      expect(String(off.body.message)).to.contain("--relayer");
      // the same history read from the contract's creation block gives the same book
      await relay.sync();
      expect((await request(`${r2.url}/markets/${rootId}/book`, "GET")).body.branches).to.deep.equal(
        (await request(`${url()}/book`, "GET")).body.branches,
      );

      const { ws, msgs } = await wsClient(r2);
      ws.send(JSON.stringify({ op: "subscribe", channel: "book", root: rootId.toString() }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "trades", root: rootId.toString() }));
      ws.send(JSON.stringify({ op: "subscribe", channel: "book", root: "77" }));
      await until(() => msgs.some((m) => m.type === "marketBook"), 5_000, "the first book snapshot");
      expect(msgs.find((m) => m.type === "error")).to.deep.include({ code: "unknown_root", field: "root" });
      // t3 takes the 1 resting at 0.25 on the sub-market
      const rc = await place(fx, t3, await fx.order(t3, rootId, sub, 25, 1n, 1));
      const block = String(rc.blockNumber);
      await until(
        () => msgs.some((m) => m.type === "marketBook" && m.block === block),
        5_000,
        "a book update of the trade's block",
      );
      await until(() => msgs.some((m) => m.type === "marketTrade"), 5_000, "the trade");
      const upd = msgs.find((m) => m.type === "marketBook" && m.block === block) as { branches: BranchBook[] };
      expect(upd.branches.find((b) => b.branchId === sub)?.asks).to.deep.equal([]);
      const tr = msgs.find((m) => m.type === "marketTrade") as { trade: Record<string, unknown> };
      expect(tr.trade).to.include({ block, tick: 25, quantity: "1", takerSide: "buy", tx: rc.hash });
      ws.close();
    } finally {
      await r2.close();
    }
  });

  it("a reorg leaves nothing of the replaced blocks in the book or the trades", async () => {
    const provider = fx.connection.ethers.provider;
    await relay.sync();
    const before = (await request(`${url()}/book`, "GET")).body.branches;
    const tradesBefore = (await request(`${url()}/trades`, "GET")).body.trades as unknown[];
    const snap = await provider.send("evm_snapshot", []);
    await place(fx, t3, await fx.order(t3, rootId, 1, 40, -1n)); // takes 1 of t1's bids at 0.40
    await place(fx, t2, await fx.order(t2, rootId, 1, 30, 2n));
    await relay.sync();
    expect((await request(`${url()}/trades`, "GET")).body.trades).to.have.length(tradesBefore.length + 1);
    await provider.send("evm_revert", [snap]);
    // different blocks at the same heights
    await place(fx, t2, await fx.order(t2, rootId, 1, 10, 1n));
    await provider.send("hardhat_mine", ["0x3"]);
    await relay.sync();
    const after = (await request(`${url()}/book`, "GET")).body as { branches: BranchBook[] };
    for (const b of after.branches) expect(b).to.deep.equal(await lensBook(fx, rootId, b.branchId));
    expect(after.branches[0].bids.map((l) => [l.tick, l.size])).to.deep.equal([
      [40, "3"],
      [10, "1"],
    ]);
    expect(after.branches).to.not.deep.equal(before);
    expect((await request(`${url()}/trades`, "GET")).body.trades).to.deep.equal(tradesBefore);
  });

  it("a store that followed only sessions reads the markets' history when markets are added", async () => {
    const store = await openRelayStore(":memory:");
    const provider = fx.connection.ethers.provider;
    const plain = await startRelay({ provider, sessions: [], store, pollMs: 3_600_000, onError: () => undefined });
    await plain.close();
    expect(await store.all("SELECT * FROM cursor")).to.have.length(1);
    const withMarkets = await startRelay({
      provider,
      sessions: [],
      store,
      pollMs: 3_600_000,
      onError: () => undefined,
      markets: { address: fx.coreAddress, fromBlock: 0n },
    });
    try {
      await relay.sync();
      expect((await request(`${withMarkets.url}/markets/${rootId}/book`, "GET")).body.branches).to.deep.equal(
        (await request(`${url()}/book`, "GET")).body.branches,
      );
      expect((await request(`${withMarkets.url}/markets/${rootId}/trades`, "GET")).body.trades).to.deep.equal(
        (await request(`${url()}/trades`, "GET")).body.trades,
      );
    } finally {
      await withMarkets.close();
      await store.close();
    }
  });

  it("refuses orders on a root past its expiry (root_closed)", async () => {
    const o = await fx.order(t1, rootId, 1, 40, 1n);
    const file = await fileOf(fx, t1, { ...o, expiry: o.expiry + 2n * 86_400n });
    await fx.connection.networkHelpers.time.increase(86_400n + 10n);
    const r = await request(`${url()}/orders`, "POST", file);
    expect(r.status).to.equal(409);
    expect(r.body).to.deep.include({ code: "root_closed", field: "order.rootId" });
  });

  it("relayTask_servesTheDeployedMarkets_withARelayerFromAConfigurationVariable", async () => {
    const conn = await sharedConnection();
    const admin = await conn.ethers.deployContract("BoundedMarketsAdmin");
    const deployed = await conn.ethers.deployContract("BoundedMarkets", [await admin.getAddress()]);
    const markets = await deployed.getAddress();
    const [owner0, trader] = await conn.ethers.getSigners();
    const core = marketsAt(markets, owner0);
    const shared = { ...fx, core: core, coreAddress: markets };
    const usdc = await conn.ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
    const now = BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);
    await (
      await core.createRoot({
        collateral: await usdc.getAddress(),
        unitScale: 10_000n,
        decimals: 0,
        min: 0n,
        max: 100n,
        expiry: now + 86_400n,
        voidDeadline: now + 10n * 86_400n,
        source: 0,
        reporter: "0x0000000000000000000000000000000000000000",
        disputeWindow: 0,
      })
    ).wait();
    await (await usdc.mint(trader.address, 10n * UNIT)).wait();
    await (await (usdc.connect(trader) as unknown as Contract).approve(markets, 10n * UNIT)).wait();
    await (await (core.connect(trader) as Contract).deposit(usdc.target, 10n * UNIT)).wait();
    // the relayer's key lives in a configuration variable (here the environment), never on the command line
    const key = Wallet.createRandom();
    await conn.provider.request({ method: "hardhat_setBalance", params: [key.address, "0x8AC7230489E80000"] });
    process.env.RINGFENCE_TEST_RELAYER_KEY = key.privateKey;
    const args = {
      host: "127.0.0.1",
      port: "0",
      db: ":memory:",
      pg: "",
      sessions: "",
      factory: "",
      fromBlock: "",
      confirmations: "",
      expiryMargin: "30",
      pollMs: "100",
      operatorAccount: "",
      markets,
      roots: "",
      marketsFromBlock: "",
      relayer: "RINGFENCE_TEST_RELAYER_KEY",
      corsOrigin: "",
      json: true,
    };
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let r2: Relay | undefined;
    const run = capture(() => runRelay(args, hre, stopped, (r) => (r2 = r)));
    try {
      await until(() => r2 !== undefined, 60_000, "the relay to start");
      const info = (await request(`${r2!.url}/markets`, "GET")).body;
      expect(info).to.deep.include({ markets, roots: ["1"], relayer: key.address });
      const order = { ...(await fx.order(trader, 1n, 1, 40, 2n)), expiry: now + 3_600n };
      // signed for this deployment's domain (fx.domain names the fixture's own contract)
      const chainId = (await conn.ethers.provider.getNetwork()).chainId;
      const file = await fileOf(shared, trader, order, chainId);
      const r = await request(`${r2!.url}/markets/1/orders`, "POST", file);
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body).to.deep.include({ outcome: "resting", resting: "2", relayer: key.address });
      expect(await core.filledOf(file.order.trader, file.order.salt)).to.equal(2n);
    } finally {
      stop();
      delete process.env.RINGFENCE_TEST_RELAYER_KEY;
    }
    const out = await run;
    expect(out.exitCode).to.equal(0);
    expect(out.err).to.match(/0 sessions, markets 0x[0-9a-fA-F]{40} roots \[1\] \(relayer 0x/);
    const unset = await capture(() =>
      runRelay({ ...args, relayer: "RINGFENCE_TEST_UNSET_KEY" }, hre, Promise.resolve()),
    );
    expect(unset.exitCode).to.equal(1);
    expect(unset.err).to.contain("--relayer RINGFENCE_TEST_UNSET_KEY");
  });
});
