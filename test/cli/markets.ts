/**
 * The market commands end to end on the in-process chain: every command on the happy path through its task
 * action (create-root, create-sub, deposit with an exact approval, order signed to a file and relayed,
 * place, show, cancel, sync, cancel-market, withdraw, post-bounds, report, finalize, settle, redeem, verify), every
 * bad-input message before any transaction (price off the grid or outside (0,1), unknown root, unknown
 * branch, sub-market outside its parent, insufficient collateral decoded, withdrawal above free cash), exit
 * code 1 on failure, `--json` output, and the keeper settling a due feed root exactly once when two passes
 * run at once.
 */
import path from "node:path";

import { expect } from "chai";
import { BrowserProvider, type Contract } from "ethers";

import { formatAmount } from "../../sdk/cli/args.js";
import { keeperPass, rootTargets } from "../../sdk/cli/keeper.js";
import { marketsAt, marketsInterface } from "../../sdk/markets/abi.js";
import { accountView, cancelOrder, parsePrice, verifyRootCli } from "../../sdk/markets/client.js";
import marketCancel from "../../tasks/actions/market/cancel.js";
import marketCancelMarket from "../../tasks/actions/market/cancel-market.js";
import marketSync from "../../tasks/actions/market/sync.js";
import marketCreateRoot from "../../tasks/actions/market/create-root.js";
import marketCreateSub from "../../tasks/actions/market/create-sub.js";
import marketDeposit from "../../tasks/actions/market/deposit.js";
import marketFinalize from "../../tasks/actions/market/finalize.js";
import marketOrder from "../../tasks/actions/market/order.js";
import marketPlace from "../../tasks/actions/market/place.js";
import marketPostBounds from "../../tasks/actions/market/post-bounds.js";
import marketRedeem from "../../tasks/actions/market/redeem.js";
import marketReport from "../../tasks/actions/market/report.js";
import marketSettle from "../../tasks/actions/market/settle.js";
import marketShow from "../../tasks/actions/market/show.js";
import marketVerify from "../../tasks/actions/market/verify.js";
import marketWithdraw from "../../tasks/actions/market/withdraw.js";
import { capture, hre, sharedConnection, tempDir } from "./helpers.js";

const USDC = 10n ** 6n;
/** Account indices: 0 owner of the roots, 10 alice, 11 bob, 12 carol (thin collateral), 13 reporter, 14 relayer. */
const OWNER = "0";
const ALICE = "10";
const BOB = "11";
const CAROL = "12";
const REPORTER = "13";
const RELAYER = "14";

type Conn = Awaited<ReturnType<typeof sharedConnection>>;

async function deployMarkets(conn: Conn): Promise<string> {
  const admin = await conn.ethers.deployContract("BoundedMarketsAdmin");
  const core = await conn.ethers.deployContract("BoundedMarkets", [await admin.getAddress()]);
  return core.getAddress();
}

describe("CLI: market commands", function () {
  let conn: Conn;
  let markets: string;
  let usdc: Contract;
  let feed: Contract;
  let dir: string;
  let addr: (i: string) => Promise<string>;
  const common = () => ({ markets, json: false });

  /** `market create-root` arguments: an owner-settled root over [0, 100] paying 1 USDC, with `extra` on top. */
  const rootArgs = (extra: Record<string, string | boolean>) => ({
    collateral: usdc.target as string,
    min: "0",
    max: "100",
    decimals: "0",
    payout: "1",
    expiresIn: "1d",
    voidAfter: "7d",
    source: "owner",
    reporter: "",
    disputeWindow: "0",
    feed: "",
    heartbeat: "3d",
    maxDelay: "1d",
    account: OWNER,
    ...common(),
    ...extra,
  });

  const createRoot = async (extra: Record<string, string>) => {
    const r = await capture(() => marketCreateRoot(rootArgs({ json: true, ...extra }), hre));
    expect(r.err).to.equal("");
    expect(r.exitCode).to.equal(0);
    return JSON.parse(r.out) as { rootId: string; info: { unitScale: string; source: string; branches: unknown[] } };
  };

  let root: string; // owner source, 0-100
  let feedRoot: string;
  let cbRoot: string;

  before(async function () {
    conn = await sharedConnection();
    markets = await deployMarkets(conn);
    usdc = (await conn.ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as Contract;
    feed = (await conn.ethers.deployContract("MockAggregator", [8, "rain mm"])) as unknown as Contract;
    const signers = await conn.ethers.getSigners();
    addr = async (i) => signers[Number(i)].address;
    for (const i of [ALICE, BOB, CAROL]) await (await usdc.mint(await addr(i), 1_000n * USDC)).wait();
    const now = BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);
    await (await feed.pushRound(20n * 10n ** 8n, now)).wait();
    dir = tempDir();
  });

  it("createRoot_ownerFeedAndCallbackSources_fromHumanUnits_jsonParses", async function () {
    const a = await createRoot({});
    root = a.rootId;
    expect(a.info.unitScale).to.equal("10000"); // 1 USDC per contract at the top = 100 ticks x 10,000 units
    expect(a.info.source).to.equal("owner");
    const f = await createRoot({ source: "feed", feed: feed.target as string });
    feedRoot = f.rootId;
    expect(f.info.source).to.equal("feed");
    const c = await createRoot({ source: "callback", reporter: await addr(REPORTER), disputeWindow: "1h" });
    cbRoot = c.rootId;
    const onChain = await marketsAt(markets, conn.ethers.provider).root(BigInt(cbRoot));
    expect(onChain.reporter).to.equal(await addr(REPORTER));
    expect(onChain.disputeWindow).to.equal(3600n);
  });

  it("createRoot_rejectsBadInput_beforeAnyTransaction", async function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ min: "50", max: "10" }, /--min 50 must be below --max 10/],
      [{ min: "0.5" }, /--min "0.5" has 1 decimals but this amount takes at most 0/],
      [
        { payout: "0.000001" },
        /--payout 0.000001 USDC must be above 0 and a whole number of collateral units per 0.01 price step/,
      ],
      [{ source: "oracle" }, /--source "oracle" must be one of: owner, callback, feed/],
      [{ source: "callback" }, /--source callback needs --reporter/],
      [{ expiresIn: "soon" }, /--expires-in "soon" is not a duration/],
    ];
    const nonce = await conn.ethers.provider.getTransactionCount(await addr(OWNER));
    for (const [extra, re] of cases) {
      const r = await capture(() => marketCreateRoot(rootArgs({ heartbeat: "1d", maxDelay: "1h", ...extra }), hre));
      expect(r.exitCode, JSON.stringify(extra)).to.equal(1);
      expect(r.err)
        .to.match(/^error: /)
        .and.to.match(re);
      expect(r.err.split("\n")).to.have.length(1);
    }
    expect(await conn.ethers.provider.getTransactionCount(await addr(OWNER))).to.equal(nonce);
  });

  it("createSub_insideItsParent_andRejectsOutsideParentAndUnknownBranch", async function () {
    const ok = await capture(() =>
      marketCreateSub({ root, parent: "1", min: "30", max: "40", account: ALICE, ...common() }, hre),
    );
    expect(ok.exitCode).to.equal(0);
    expect(ok.out).to.match(/^Created market 2 on root 1: \[30, 40\] under branch 1/);
    const outside = await capture(() =>
      marketCreateSub({ root, parent: "2", min: "35", max: "45", account: ALICE, ...common() }, hre),
    );
    expect(outside.exitCode).to.equal(1);
    expect(outside.err).to.equal(
      "error: OutsideParent: The sub-market [35, 45] is not inside its parent market [30, 40] (outcome units): choose bounds within the parent's.",
    );
    const unknown = await capture(() =>
      marketCreateSub({ root, parent: "9", min: "1", max: "2", account: ALICE, ...common() }, hre),
    );
    expect(unknown.exitCode).to.equal(1);
    expect(unknown.err).to.match(/^error: unknown branch 9 of root 1: --parent must be one of 1, 2/);
  });

  it("deposit_approvesExactlyTheAmount_andCreditsCash", async function () {
    const r = await capture(() =>
      marketDeposit({ amount: "100", token: "", root, account: ALICE, ...common(), json: true }, hre),
    );
    expect(r.exitCode).to.equal(0);
    const j = JSON.parse(r.out) as { approved: string; cash: string };
    expect(j.approved).to.equal((100n * USDC).toString());
    expect(j.cash).to.equal((100n * USDC).toString());
    expect(await usdc.allowance(await addr(ALICE), markets)).to.equal(0n); // exactly spent
    for (const [who, amt] of [
      [BOB, "100"],
      [CAROL, "1"],
    ]) {
      const d = await capture(() =>
        marketDeposit({ amount: amt, token: usdc.target as string, root: "", account: who, ...common() }, hre),
      );
      expect(d.out).to.contain(`deposited ${amt} USDC (approved exactly ${amt} USDC first)`);
    }
  });

  it("badInput_priceOffGrid_priceOutsideUnitInterval_unknownRoot_unknownBranch_exitOne", async function () {
    expect(parsePrice("0.45")).to.equal(45);
    const place = (extra: Record<string, string>) =>
      capture(() =>
        marketPlace(
          {
            order: "",
            root,
            branch: "1",
            side: "bid",
            price: "0.45",
            quantity: "1",
            type: "gtc",
            expiryHours: "24",
            maxLevels: "8",
            account: ALICE,
            ...common(),
            ...extra,
          },
          hre,
        ),
      );
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ price: "0.455" }, /^error: --price "0.455" is off the 0.01 grid: prices move in steps of 0.01/],
      [{ price: "1.2" }, /^error: --price "1.2" is outside \(0, 1\)/],
      [{ price: "0" }, /^error: --price "0" is outside \(0, 1\)/],
      [{ price: "1" }, /^error: --price "1" is outside \(0, 1\)/],
      [{ root: "99" }, /^error: unknown root 99: 0x[0-9a-fA-F]{40} has roots 1 to 3$/],
      [{ branch: "7" }, /^error: unknown branch 7 of root 1: --branch must be one of 1, 2/],
      [{ side: "long" }, /^error: --side "long" must be bid or offer$/],
      [{ quantity: "0" }, /^error: --quantity must be at least 1/],
      [{ type: "fok" }, /^error: --type "fok" must be one of: gtc, ioc, post-only$/],
    ];
    const nonce = await conn.ethers.provider.getTransactionCount(await addr(ALICE));
    for (const [extra, re] of cases) {
      const r = await place(extra);
      expect(r.exitCode, JSON.stringify(extra)).to.equal(1);
      expect(r.err).to.match(re);
    }
    const j = await place({ price: "1.2", json: true } as unknown as Record<string, string>);
    expect(JSON.parse(j.out))
      .to.have.property("error")
      .that.match(/outside \(0, 1\)/);
    expect(await conn.ethers.provider.getTransactionCount(await addr(ALICE))).to.equal(nonce);
  });

  it("order_signedToAFile_placedByARelayer_thenCrossedByADirectOrder", async function () {
    const file = path.join(dir, "alice-bid.json");
    const o = await capture(() =>
      marketOrder(
        {
          root,
          branch: "1",
          side: "bid",
          price: "0.50",
          quantity: "10",
          type: "gtc",
          expiryHours: "12",
          nonce: "",
          out: file,
          account: ALICE,
          ...common(),
        },
        hre,
      ),
    );
    expect(o.exitCode).to.equal(0);
    expect(o.out).to.contain("bid 10 @ 0.50 (gtc) on root 1 branch 1");
    const relayed = await capture(() =>
      marketPlace(
        {
          order: file,
          root: "",
          branch: "1",
          side: "",
          price: "",
          quantity: "",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: RELAYER,
          ...common(),
          json: true,
        },
        hre,
      ),
    );
    expect(relayed.exitCode).to.equal(0);
    const rj = JSON.parse(relayed.out) as { trader: string; submitter: string; resting: string; traded: string };
    expect(rj.trader).to.equal(await addr(ALICE));
    expect(rj.submitter).to.equal(await addr(RELAYER));
    expect([rj.traded, rj.resting]).to.deep.equal(["0", "10"]);
    // bob offers 4 at 0.40 and trades at alice's resting 0.50
    const cross = await capture(() =>
      marketPlace(
        {
          order: "",
          root,
          branch: "1",
          side: "offer",
          price: "0.40",
          quantity: "4",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: BOB,
          ...common(),
        },
        hre,
      ),
    );
    expect(cross.exitCode).to.equal(0);
    expect(cross.out).to.match(/offer 4 @ 0.40 on root 1 branch 1: traded 4, resting 0/);
    expect(cross.out).to.match(/0\.50\s+4/);
    // bob rests an offer at 0.60 on the sub-market and on the root market
    for (const branch of ["2", "1"]) {
      const rest = await capture(() =>
        marketPlace(
          {
            order: "",
            root,
            branch,
            side: "offer",
            price: "0.60",
            quantity: "2",
            type: "gtc",
            expiryHours: "24",
            maxLevels: "8",
            account: BOB,
            ...common(),
          },
          hre,
        ),
      );
      expect(rest.out).to.contain("traded 0, resting 2");
    }
  });

  it("order_tamperedFile_isRejectedAsBadSignature_beforeAnyTransaction", async function () {
    const file = path.join(dir, "alice-bid.json");
    const { readFileSync, writeFileSync } = await import("node:fs");
    const raw = JSON.parse(readFileSync(file, "utf8")) as { order: { quantity: string } };
    raw.order.quantity = "1000";
    const bad = path.join(dir, "tampered.json");
    writeFileSync(bad, JSON.stringify(raw));
    const r = await capture(() =>
      marketPlace(
        {
          order: bad,
          root: "",
          branch: "1",
          side: "",
          price: "",
          quantity: "",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: RELAYER,
          ...common(),
        },
        hre,
      ),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/^error: BadSignature: the order's signature does not verify for trader 0x/);
  });

  it("show_printsRootMarketsBestPrices_andTheAccountsCashWorstCaseAndPositions", async function () {
    const r = await capture(() => marketShow({ root, account: BOB, ...common() }, hre));
    expect(r.exitCode).to.equal(0);
    expect(r.out).to.contain("Root 1 of").and.to.contain("trading (before expiry)");
    expect(r.out).to.match(/1\s+0\s+100\s+0\.50\s+0\.60/); // branch 1: best bid alice's 0.50, best offer bob's 0.60
    expect(r.out).to.match(/2\s+30\s+40\s+-\s+0\.60/);
    const j = await capture(() => marketShow({ root, account: BOB, ...common(), json: true }, hre));
    const parsed = JSON.parse(j.out) as {
      account: { cash: string; positions: Array<{ branchId: number; position: string }>; orders: unknown[] };
    };
    expect(parsed.account.positions.find((p) => p.branchId === 1)?.position).to.equal("-4");
    expect(parsed.account.orders).to.have.length(2);
    // alice's position comes from a maker fill not yet credited: show counts it
    const a = JSON.parse(
      (await capture(() => marketShow({ root, account: ALICE, ...common(), json: true }, hre))).out,
    ) as typeof parsed;
    expect(a.account.positions.find((p) => p.branchId === 1)?.position).to.equal("4");
    // bob received 4 x 0.50 = 2 USDC of premium
    expect(parsed.account.cash).to.equal((102n * USDC).toString());
  });

  it("place_insufficientCollateral_isDecoded_andNoTransactionIsSent", async function () {
    const carol = await addr(CAROL);
    const nonce = await conn.ethers.provider.getTransactionCount(carol);
    const r = await capture(() =>
      marketPlace(
        {
          order: "",
          root,
          branch: "1",
          side: "bid",
          price: "0.45",
          quantity: "5",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: CAROL,
          ...common(),
        },
        hre,
      ),
    );
    expect(r.exitCode).to.equal(1);
    const m =
      /^error: InsufficientCollateral: Insufficient collateral: (0x[0-9a-fA-F]{40}) has cash (-?\d+) and a worst case of (-?\d+) \(collateral units\), short by (\d+): deposit more or trade smaller\. Collateral that a cancel or a fill on another root of this account frees counts once that root is refreshed \("market sync --root <id>", any action there, or a withdrawal\)\.$/.exec(
        r.err,
      );
    expect(m, r.err).to.not.equal(null);
    const [, who, cash, worst, short] = m!;
    expect(who).to.equal(carol);
    expect(BigInt(cash)).to.equal(1n * USDC);
    // 5 bids at 0.45 can lose at least their 2.25 USDC premium; the shortfall is exactly what is missing
    expect(BigInt(worst) <= -2_250_000n).to.equal(true);
    expect(BigInt(short)).to.equal(-(BigInt(cash) + BigInt(worst)));
    expect(await conn.ethers.provider.getTransactionCount(carol)).to.equal(nonce);
  });

  it("withdraw_refusesMoreThanFreeCash_thenWithdrawsWhatIsFree", async function () {
    const alice = await addr(ALICE);
    const v = await accountView(conn.ethers.provider, markets, alice, usdc.target as string);
    expect(v.free).to.equal(v.cash + v.sumWorst); // alice's resting bid and long position lock collateral
    const nonce = await conn.ethers.provider.getTransactionCount(alice);
    const r = await capture(() =>
      marketWithdraw({ amount: "100", token: "", root, to: "", account: ALICE, ...common() }, hre),
    );
    expect(r.exitCode).to.equal(1);
    const f = (x: bigint) => formatAmount(x, 6);
    expect(r.err).to.equal(
      `error: cannot withdraw 100 USDC: ${alice} has ${f(v.free)} free (cash ${f(v.cash)}, worst case of open positions and orders ${f(v.sumWorst)}): withdraw less, cancel orders or redeem`,
    );
    expect(v.cash).to.equal(98n * USDC); // 100 deposited, 4 x 0.50 premium paid
    expect(v.free < 100n * USDC && v.free > 5n * USDC).to.equal(true);
    expect(await conn.ethers.provider.getTransactionCount(alice)).to.equal(nonce);
    const ok = await capture(() =>
      marketWithdraw({ amount: "5", token: "", root, to: "", account: ALICE, ...common() }, hre),
    );
    expect(ok.exitCode).to.equal(0);
    expect(ok.out)
      .to.contain("withdrew 5 USDC")
      .and.to.contain(`${f(v.free - 5n * USDC)} USDC still free`);
  });

  it("cancel_byKey_andCancelMarket_releaseTheOrders", async function () {
    const bob = JSON.parse(
      (await capture(() => marketShow({ root, account: BOB, ...common(), json: true }, hre))).out,
    ) as {
      account: { orders: Array<{ orderKey: string; branchId: number }> };
    };
    const sub = bob.account.orders.find((o) => o.branchId === 2)!;
    // Alice's own list on the root lacks the key: refused before sending, naming Bob from the order's acceptance
    const aliceNonce = await conn.ethers.provider.getTransactionCount(await addr(ALICE));
    const notMine = await capture(() =>
      marketCancel({ key: sub.orderKey, order: "", account: ALICE, ...common() }, hre),
    );
    expect(notMine.exitCode).to.equal(1);
    expect(notMine.err).to.equal(
      `error: NotYourOrder: the order under key ${sub.orderKey} is ${await addr(BOB)}'s; the selected account is ${await addr(ALICE)} (choose it with --account)`,
    );
    expect(await conn.ethers.provider.getTransactionCount(await addr(ALICE))).to.equal(aliceNonce);
    // through a node that serves no logs the refusal stands, without naming anyone
    const noLogs = new BrowserProvider({
      request: (a: { method: string; params?: unknown[] }) =>
        a.method === "eth_getLogs" ? Promise.reject(new Error("logs pruned")) : conn.provider.request(a),
    });
    const blind = await cancelOrder(await noLogs.getSigner(await addr(ALICE)), markets, {
      orderKey: BigInt(sub.orderKey),
    }).catch((e: unknown) => e);
    expect((blind as Error).message).to.equal(
      `NotYourOrder: the order under key ${sub.orderKey} is not among the open orders of the selected account ${await addr(ALICE)}; only the trader who placed it may cancel it (choose that account with --account)`,
    );
    expect(await conn.ethers.provider.getTransactionCount(await addr(ALICE))).to.equal(aliceNonce);
    noLogs.destroy();
    const core = marketsAt(markets, (await conn.ethers.getSigners())[0]);
    const stored = async () => ((await core.traderRoot(await addr(BOB), BigInt(root))) as [bigint])[0];
    const lockedBefore = await stored();
    const c = await capture(() => marketCancel({ key: sub.orderKey, order: "", account: BOB, ...common() }, hre));
    expect(c.exitCode).to.equal(0);
    expect(c.out)
      .to.contain(`Cancelled order key ${sub.orderKey} (2 contracts)`)
      .and.to.contain("its collateral is released at your next action on the root, a withdrawal, or `market sync`");
    // The cancel leaves the stored worst case as it was; `market sync` releases what the order held.
    expect(await stored()).to.equal(lockedBefore);
    const [previewed] = (await core.previewWorst(await addr(BOB), BigInt(root))) as [bigint];
    expect(previewed > lockedBefore).to.equal(true);
    const synced = await capture(() => marketSync({ root, account: BOB, ...common() }, hre));
    expect(synced.exitCode).to.equal(0);
    expect(synced.out).to.match(/^Synced root 1: stored worst case -[\d.]+ USDC -> -?[\d.]+ USDC \(tx 0x/);
    expect(await stored()).to.equal(previewed);
    const again = await capture(() => marketCancel({ key: sub.orderKey, order: "", account: BOB, ...common() }, hre));
    expect(again.err).to.match(/^error: NoSuchOrder: nothing rests under key/);
    const all = await capture(() => marketCancelMarket({ root, branch: "0", account: BOB, ...common() }, hre));
    expect(all.exitCode).to.equal(0);
    expect(all.out).to.match(/^Cancelled 1 resting orders \(2 contracts\) on root 1 \(every branch\)/);
  });

  it("cancel_signedOrderNotYetSubmitted_cannotBePlacedAfterwards", async function () {
    const file = path.join(dir, "alice-cache.json");
    await capture(() =>
      marketOrder(
        {
          root,
          branch: "1",
          side: "bid",
          price: "0.10",
          quantity: "1",
          type: "gtc",
          expiryHours: "1",
          nonce: "",
          out: file,
          account: ALICE,
          ...common(),
        },
        hre,
      ),
    );
    const c = await capture(() => marketCancel({ key: "", order: file, account: ALICE, ...common() }, hre));
    expect(c.exitCode).to.equal(0);
    expect(c.out).to.match(/^Cancelled signed order 0x/);
    const p = await capture(() =>
      marketPlace(
        {
          order: file,
          root: "",
          branch: "1",
          side: "",
          price: "",
          quantity: "",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: RELAYER,
          ...common(),
        },
        hre,
      ),
    );
    expect(p.exitCode).to.equal(1);
    expect(p.err).to.equal(
      "error: OrderIsCancelled: The order was cancelled by its maker (or another order of the maker with the same salt was: the two share one fill record).",
    );
  });

  it("postBounds_ownerNarrows_othersAreRefusedInPlainWords", async function () {
    const r = await capture(() =>
      marketPostBounds({ root, branch: "2", min: "35", max: "", account: OWNER, ...common() }, hre),
    );
    expect(r.exitCode).to.equal(0);
    expect(r.out).to.match(/^Root 1: possible range now \[35, 100\]/);
    const bad = await capture(() =>
      marketPostBounds({ root, branch: "1", min: "40", max: "", account: BOB, ...common() }, hre),
    );
    expect(bad.exitCode).to.equal(1);
    expect(bad.err).to.match(
      /^error: NotBoundsPoster: 0x[0-9a-fA-F]{40} may not post bounds on root 1: only its owner or its reporter may\.$/,
    );
  });

  it("settle_beforeExpiry_isTooEarly_andRedeemBeforeFinal_isRefused", async function () {
    const s = await capture(() => marketSettle({ root: feedRoot, account: OWNER, ...common() }, hre));
    expect(s.exitCode).to.equal(1);
    expect(s.err).to.match(/^error: TooEarly: root 2 expires at /);
    const r = await capture(() => marketRedeem({ root, trader: "", account: ALICE, ...common() }, hre));
    expect(r.err).to.match(/^error: RootNotFinal: root 1 is not settled or voided yet/);
  });

  it("reportFinalizeSettleRedeem_afterExpiry_endToEnd", async function () {
    const { time } = conn.networkHelpers;
    const expiry = BigInt((await marketsAt(markets, conn.ethers.provider).root(BigInt(feedRoot))).expiry);
    await time.increaseTo(expiry + 60n);
    await (await feed.pushRound(37n * 10n ** 8n, expiry + 60n)).wait();
    // trading is closed now
    const late = await capture(() =>
      marketPlace(
        {
          order: "",
          root,
          branch: "1",
          side: "bid",
          price: "0.45",
          quantity: "1",
          type: "gtc",
          expiryHours: "24",
          maxLevels: "8",
          account: ALICE,
          ...common(),
        },
        hre,
      ),
    );
    expect(late.err).to.match(/^error: TradingClosed: trading on root 1 stopped at its expiry/);
    // feed root: settle through checkUpkeep/performUpkeep
    const s = await capture(() => marketSettle({ root: feedRoot, account: OWNER, ...common() }, hre));
    expect(s.exitCode).to.equal(0);
    expect(s.out).to.match(/^Root 2: settled from the feed at X = 37 /);
    // callback root: only the reporter reports, then anyone finalizes after the dispute window
    const notReporter = await capture(() =>
      marketReport({ root: cbRoot, outcome: "12", override: false, account: ALICE, ...common() }, hre),
    );
    expect(notReporter.err).to.match(/^error: NotReporter: 0x[0-9a-fA-F]{40} is not the reporter of this root/);
    const rep = await capture(() =>
      marketReport({ root: cbRoot, outcome: "12", override: false, account: REPORTER, ...common() }, hre),
    );
    expect(rep.exitCode).to.equal(0);
    expect(rep.out).to.match(/^Root 3: reported X = 12; final after the dispute window ends at/);
    const early = await capture(() => marketFinalize({ root: cbRoot, account: ALICE, ...common() }, hre));
    expect(early.err).to.match(/^error: TooEarly: Too early for root 3: not before /);
    await time.increase(3_601);
    const fin = await capture(() => marketFinalize({ root: cbRoot, account: ALICE, ...common(), json: true }, hre));
    expect(JSON.parse(fin.out)).to.include({ rootId: "3", x: "12" });
    // owner root: the owner collapses the bounds; then everybody redeems and withdraws everything
    const collapse = await capture(() =>
      marketPostBounds({ root, branch: "1", min: "38", max: "38", account: OWNER, ...common() }, hre),
    );
    expect(collapse.out).to.match(/collapsed: settled at X = 38/);
    let paid = 0n;
    for (const who of [ALICE, BOB]) {
      const r = await capture(() => marketRedeem({ root, trader: "", account: who, ...common(), json: true }, hre));
      expect(r.exitCode).to.equal(0);
      paid += BigInt((JSON.parse(r.out) as { payout: string }).payout);
    }
    // 4 contracts at X = 38 on [0, 100] pay 4 x 0.38 USDC: alice +1.52, bob -1.52
    expect(paid).to.equal(0n);
    const v = await accountView(conn.ethers.provider, markets, await addr(ALICE), usdc.target as string);
    expect(v.cash).to.equal(98n * USDC - 5n * USDC + 1_520_000n);
  });

  it("verify_anHonestRoot_findsNoProblem_andReportsTheRecords", async function () {
    const r = await capture(() => marketVerify({ root, account: OWNER, ...common() }, hre));
    expect(r.exitCode).to.equal(0);
    expect(r.out).to.match(/^Root 1: \d+ chained records \(\d+ events\) checked: .* No problem found\.$/);
    const seen: Array<[number, number]> = [];
    const v = await verifyRootCli(conn.ethers.provider, markets, root, (d, t) => seen.push([d, t]), 3);
    expect(v.problems).to.deep.equal([]);
    expect(v.records).to.be.greaterThan(5);
    expect(seen.length).to.be.greaterThan(2); // fetched in small block ranges, progress after each
    expect(seen[seen.length - 1][0]).to.equal(seen[seen.length - 1][1]);
    const unknown = await capture(() => marketVerify({ root: "42", account: OWNER, ...common() }, hre));
    expect(unknown.exitCode).to.equal(1);
    expect(unknown.err).to.match(/^error: unknown root 42/);
  });

  it("keeper_runTwiceAtOnce_settlesADueFeedRootExactlyOnce", async function () {
    const m2 = await deployMarkets(conn);
    const signers = await conn.ethers.getSigners();
    const now = BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);
    await (await feed.pushRound(21n * 10n ** 8n, now)).wait();
    const core = marketsAt(m2, signers[0]);
    const p = {
      collateral: usdc.target,
      unitScale: 10_000n,
      decimals: 0,
      min: 0n,
      max: 100n,
      expiry: now + 3_600n,
      voidDeadline: now + 7n * 86_400n,
      source: 2,
      reporter: "0x0000000000000000000000000000000000000000",
      disputeWindow: 0,
    };
    const spec = {
      kind: 0,
      feeds: [feed.target],
      heartbeat: 3n * 86_400n,
      maxDelay: 86_400n,
      twapWindow: 0,
      minAnswer: 0n,
      maxAnswer: 0n,
      sequencerFeed: "0x0000000000000000000000000000000000000000",
      sequencerGrace: 0,
    };
    await (await core.createFeedRoot(p, spec)).wait();
    await conn.networkHelpers.time.increaseTo(now + 3_700n);
    await (await feed.pushRound(42n * 10n ** 8n, now + 3_700n)).wait();
    const sources = [(r: Parameters<typeof rootTargets>[0]) => rootTargets(r, m2)];
    const [a, b] = await Promise.all([
      keeperPass(signers[15], sources, [marketsInterface]),
      keeperPass(signers[16], sources, [marketsInterface]),
    ]);
    const outcomes = [...a.outcomes, ...b.outcomes];
    expect(outcomes.filter((o) => o.status === "performed")).to.have.length(1);
    expect(outcomes.filter((o) => o.status !== "performed").map((o) => o.status)).to.satisfy((s: string[]) =>
      s.every((x) => x === "skipped" || x === "idle"),
    );
    const settled = await conn.ethers.provider.getLogs({
      address: m2,
      fromBlock: 0,
      toBlock: "latest",
      topics: [marketsInterface.getEvent("RootSettled")!.topicHash],
    });
    expect(settled).to.have.length(1);
    expect((await core.root(1n)).lo).to.equal(42n);
    // a third pass finds nothing due
    const again = await keeperPass(signers[15], sources, [marketsInterface]);
    expect(again.outcomes.map((o) => o.status)).to.deep.equal(["idle"]);
  });
});
