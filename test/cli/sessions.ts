/**
 * The session commands end to end on the in-process chain: the client functions on the happy path (create,
 * subscribe with exact approvals, order, partial fill, match, cancel, cancel-all, settle, claim), every
 * bad-input message (before any transaction), the exit code on failure and the `--json` output.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { ZeroAddress } from "ethers";

import { readJsonFile } from "../../sdk/cli/args.js";
import {
  accountInfo,
  cancelAll,
  cancelOrder,
  claim,
  createSession,
  fillOrder,
  listSessions,
  loadSession,
  matchOrders,
  settleSession,
  signOrder,
  subscribe,
  type OrderFile,
  type SessionConfigFile,
} from "../../sdk/sessions/client.js";
import sessionCreate from "../../tasks/actions/session/create.js";
import sessionFill from "../../tasks/actions/session/fill.js";
import sessionList from "../../tasks/actions/session/list.js";
import sessionOrder from "../../tasks/actions/session/order.js";
import sessionShow from "../../tasks/actions/session/show.js";
import sessionSubscribe from "../../tasks/actions/session/subscribe.js";
import { DAY, WAD, type Base } from "../sessions/fixtures.js";
import { capture, deployShared, hre, tempDir } from "./helpers.js";

const HALF = WAD / 2n;

describe("CLI: session commands", function () {
  let b: Base;
  let dir: string;
  let session: string;
  let factory: string;
  let cfgFile: SessionConfigFile;

  /** Account indices in the default network: 0 admin, 2 fee recipient, 3 alice, 4 bob, 5 carol, 6 dave. */
  const ALICE = "3";
  const BOB = "4";
  const CAROL = "5";

  before(async function () {
    b = await deployShared(3); // leg decimals 18, 6, 8
    dir = tempDir();
    factory = await b.factory.getAddress();
    cfgFile = {
      kind: "physical",
      legs: await Promise.all(
        b.tokens.map(async (t, k) => ({ token: await t.getAddress(), unit: "1", feed: await b.feeds[k].getAddress() })),
      ),
      t1: "+1d",
      t2: "+2d",
      fallbackDeadline: "+3d",
      claimDeadline: "+10d",
      takerFeeBps: 10,
      makerFeeBps: 5,
      feeRecipient: b.feeTo.address,
    };
    writeFileSync(path.join(dir, "session.json"), JSON.stringify(cfgFile));
    for (const who of [b.alice, b.bob, b.carol]) {
      for (let k = 0; k < 3; k++) await b.tokens[k].mint(who.address, 100n * 10n ** BigInt([18, 6, 8][k]));
    }
  });

  it("create_fromHumanUnitsConfig_printsTheNewSessionAndExitsZero", async function () {
    const r = await capture(() =>
      sessionCreate({ file: path.join(dir, "session.json"), factory, account: "0", json: true }, hre),
    );
    expect(r.exitCode).to.equal(0);
    const parsed = JSON.parse(r.out) as { session: string; info: { legs: Array<{ unit: string; decimals: number }> } };
    session = parsed.session;
    expect(await b.factory.isSession(session)).to.equal(true);
    // "1" in human units became one whole token of each leg's own decimals
    expect(parsed.info.legs.map((l) => [l.unit, l.decimals])).to.deep.equal([
      ["1000000000000000000", 18],
      ["1000000", 6],
      ["100000000", 8],
    ]);
  });

  it("create_rejectsABadField_withInvalidConfigNamingIt", async function () {
    const bad = { ...cfgFile, t2: "+1h" }; // t2 before t1
    let msg = "";
    try {
      await createSession(b.admin, factory, bad);
    } catch (e) {
      msg = (await import("../../sdk/cli/run.js")).describeFailure(
        e,
        (await import("../../sdk/sessions/client.js")).SESSION_ABIS,
      );
    }
    expect(msg).to.match(/^InvalidConfig: The session config's "t2"/);
  });

  it("list_showsEverySessionOfTheFactory", async function () {
    const rows = await listSessions(b.ethers.provider, factory);
    expect(rows.map((r) => r.address)).to.include(session);
    const r = await capture(() => sessionList({ factory, account: "0", json: false }, hre));
    expect(r.out).to.contain(session).and.to.contain("subscription (before t1)");
  });

  it("subscribe_approvesExactlyWhatIsNeeded_andPullsTheBasket", async function () {
    const r = await subscribe(b.alice, session, 10n, factory);
    expect(r.pulled.map((p) => p.approved)).to.deep.equal([10n * WAD, 10n * 10n ** 6n, 10n * 10n ** 8n]);
    for (let k = 0; k < 3; k++) expect(await b.tokens[k].allowance(b.alice.address, session)).to.equal(0n);
    const out = await capture(() =>
      sessionSubscribe({ session, shares: "5", factory, account: BOB, json: false }, hre),
    );
    expect(out.exitCode).to.equal(0);
    expect(out.out).to.contain("subscribed 5 shares");
    await subscribe(b.carol, session, 5n, factory);
    const info = await loadSession(b.ethers.provider, session);
    expect(info.totalShares).to.equal(20n);
  });

  it("subscribe_rejectsInsufficientBalance_beforeAnyTransaction", async function () {
    const nonce = await b.ethers.provider.getTransactionCount(b.dave.address);
    const r = await capture(() => sessionSubscribe({ session, shares: "1", factory, account: "6", json: false }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(
      /^error: insufficient L0: 1 shares need 1 L0 but 0x[0-9a-fA-F]{40} holds 0: get more or subscribe fewer shares$/,
    );
    expect(await b.ethers.provider.getTransactionCount(b.dave.address)).to.equal(nonce);
  });

  it("badInput_unknownSession_notAnAddress_zeroShares_exitOne", async function () {
    const stranger = b.feeds[0].target as string; // a contract, but not a session
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ session: "0x1234" }, /--session "0x1234" is not an address/],
      [{ session: b.alice.address }, /unknown session 0x[0-9a-fA-F]{40}: no contract there/],
      [{ session: stranger }, /unknown session .* the factory .* did not create it/],
      [{ session, shares: "0" }, /--shares must be at least 1/],
      [{ session, shares: "1.5" }, /--shares "1.5" is not a whole number/],
    ];
    for (const [over, re] of cases) {
      const r = await capture(() =>
        sessionSubscribe({ session, shares: "1", factory, account: ALICE, json: false, ...over }, hre),
      );
      expect(r.exitCode, JSON.stringify(over)).to.equal(1);
      expect(r.err.split("\n")).to.have.length(1);
      expect(r.err).to.match(re);
      expect(r.err).not.to.match(/at .*\.ts:\d+/); // no stack trace
    }
  });

  it("order_badInput_tooManyDecimals_legOutOfRange_mismatchedLists", async function () {
    const base = {
      session,
      taker: "",
      expiryHours: "24",
      nonce: "",
      maxFeeBps: "",
      out: path.join(dir, "x.json"),
      factory,
      account: ALICE,
      json: false,
    };
    const cases: Array<[Partial<typeof base> & { legs: string; amounts: string }, RegExp]> = [
      [
        { legs: "1,2", amounts: "0.1234567,-1" },
        /amount for leg 1 \(L1\) "0.1234567" has 7 decimals but this amount takes at most 6/,
      ],
      [{ legs: "0,3", amounts: "1,-1" }, /leg 3 is out of range: this session has legs 0 to 2/],
      [{ legs: "0,1", amounts: "1" }, /--legs names 2 legs but --amounts gives 1 amounts/],
      [{ legs: "0,1", amounts: "1,abc" }, /"abc" is not a decimal number/],
      [{ legs: "0,1", amounts: "1,0" }, /the amount for leg 1 is zero/],
      [{ legs: "0,1", amounts: "1,-1", taker: "bob" }, /--taker "bob" is not an address/],
    ];
    for (const [over, re] of cases) {
      const r = await capture(() => sessionOrder({ ...base, ...over }, hre));
      expect(r.exitCode, JSON.stringify(over)).to.equal(1);
      expect(r.err).to.match(re);
    }
  });

  it("fill_beforeT1_isRejectedWithTheWindow", async function () {
    const o = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "2"], expiryHours: 100, factory });
    let msg = "";
    try {
      await fillOrder(b.bob, o, WAD, factory);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).to.match(
      /^trading in 0x[0-9a-fA-F]{40} is open from t1 = .* to t2 = .*; chain time is .* \(phase: subscription/,
    );
  });

  it("order_then_fill_half_then_rest_movesAllocationsWithFees", async function () {
    const info = await loadSession(b.ethers.provider, session);
    await b.networkHelpers.time.increaseTo(info.t1);
    const out = path.join(dir, "alice.json");
    const r = await capture(() =>
      sessionOrder(
        {
          session,
          legs: "2,0",
          amounts: "1.5,-2",
          taker: "",
          expiryHours: "48",
          nonce: "",
          maxFeeBps: "",
          out,
          factory,
          account: ALICE,
          json: false,
        },
        hre,
      ),
    );
    expect(r.exitCode, r.err).to.equal(0);
    const file = readJsonFile(out, "order") as OrderFile;
    expect(file.order.legs).to.equal("5"); // legs 0 and 2
    expect(file.order.amounts).to.deep.equal([(-2n * WAD).toString(), 150_000_000n.toString()]); // ascending leg order
    const f1 = await capture(() =>
      sessionFill({ order: out, fraction: "0.5", factory, account: BOB, json: true }, hre),
    );
    expect(f1.exitCode, f1.err).to.equal(0);
    const j1 = JSON.parse(f1.out) as {
      filledAfterWad: string;
      legs: Array<{ leg: number; makerDelta: string; takerDelta: string }>;
    };
    expect(j1.filledAfterWad).to.equal(HALF.toString());
    await fillOrder(b.bob, file, WAD, factory); // the rest
    const alice = await accountInfo(b.ethers.provider, info, b.alice.address);
    // alice gave 2 L0, received 1.5 L2 minus the 5 bps maker fee
    expect(alice.allocation[0]).to.equal(8n * WAD);
    expect(alice.allocation[2]).to.equal(10n * 10n ** 8n + 150_000_000n - (150_000_000n * 5n) / 10_000n);
    const bob = await accountInfo(b.ethers.provider, info, b.bob.address);
    expect(bob.allocation[0]).to.equal(5n * WAD + 2n * WAD - (2n * WAD * 10n) / 10_000n);
  });

  it("fill_tamperedOrder_isRejectedAsBadSignature", async function () {
    const o = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "2"], expiryHours: 10, factory });
    const tampered: OrderFile = {
      ...o,
      order: { ...o.order, amounts: [o.order.amounts[0], (3n * 10n ** 6n).toString()] },
    };
    const p = path.join(dir, "tampered.json");
    writeFileSync(p, JSON.stringify(tampered));
    const r = await capture(() => sessionFill({ order: p, fraction: "1", factory, account: BOB, json: false }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(/^error: BadSignature: the order file's signature does not verify for maker 0x/);
  });

  it("fill_insufficientCollateral_isDecodedFromTheSimulation", async function () {
    // carol holds 5 L1 and offers to give 50
    const o = await signOrder(b.carol, { session, legs: [0, 1], amounts: ["1", "-50"], expiryHours: 10, factory });
    const p = path.join(dir, "carol-big.json");
    writeFileSync(p, JSON.stringify(o));
    const nonce = await b.ethers.provider.getTransactionCount(b.bob.address);
    const r = await capture(() => sessionFill({ order: p, fraction: "1", factory, account: BOB, json: false }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.match(
      /^error: InsufficientAllocation: 0x[0-9a-fA-F]{40} holds 5000000 units of leg 1 but the trade needs it to give 50000000: insufficient collateral/,
    );
    expect(await b.ethers.provider.getTransactionCount(b.bob.address)).to.equal(nonce);
  });

  it("fill_badFractionAndMissingFile_exitOne", async function () {
    const missing = await capture(() =>
      sessionFill({ order: path.join(dir, "nope.json"), fraction: "1", factory, account: BOB, json: false }, hre),
    );
    expect(missing.exitCode).to.equal(1);
    expect(missing.err).to.match(/--order file ".*nope.json" does not exist/);
    const p = path.join(dir, "alice.json");
    for (const f of ["0", "1.5", "-0.1"]) {
      const r = await capture(() => sessionFill({ order: p, fraction: f, factory, account: BOB, json: false }, hre));
      expect(r.exitCode).to.equal(1);
      expect(r.err).to.contain(`--fraction "${f}"`);
    }
    const own = await capture(() =>
      sessionFill({ order: p, fraction: "1", factory, account: ALICE, json: false }, hre),
    );
    expect(own.err).to.match(/SelfFill/);
  });

  it("match_crossesTwoOrders_atTheFirstOrdersRate", async function () {
    // a: carol gives 2 L0 for 2 L1 (1 L1 per L0); b: bob gives up to 3 L1 for 2 L0
    const a = await signOrder(b.carol, { session, legs: [0, 1], amounts: ["-2", "2"], expiryHours: 10, factory });
    const bb = await signOrder(b.bob, { session, legs: [0, 1], amounts: ["2", "-3"], expiryHours: 10, factory });
    const r = await matchOrders(b.admin, a, bb, HALF, factory);
    expect(r.filledAfterWad).to.equal(HALF);
    expect(r.legs.map((l) => l.makerDelta)).to.deep.equal([-1n * WAD, 10n ** 6n - (10n ** 6n * 5n) / 10_000n]);
    expect(r.filledAfterB).to.equal(WAD / 3n + 1n); // paid 1 of 3 L1, rounded up against b
  });

  it("cancel_onlyByMaker_thenFillIsRefused", async function () {
    const o = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "1"], expiryHours: 10, factory });
    let notMaker = "";
    try {
      await cancelOrder(b.bob, o, factory);
    } catch (e) {
      notMaker = (e as Error).message;
    }
    expect(notMaker).to.match(/^NotMaker: only the maker 0x.* may cancel this order/);
    const r = await cancelOrder(b.alice, o, factory);
    expect(r.digest).to.equal(o.digest);
    let refused = "";
    try {
      await fillOrder(b.bob, o, WAD, factory);
    } catch (e) {
      refused = (await import("../../sdk/cli/run.js")).describeFailure(
        e,
        (await import("../../sdk/sessions/client.js")).SESSION_ABIS,
      );
    }
    expect(refused).to.equal(
      "OrderIsCancelled: The order was cancelled by its maker (or another order of the maker with the same salt was: the two share one fill record).",
    );
  });

  it("cancelAll_raisesTheFloor_andKillsOlderOrders", async function () {
    const o = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "1"], expiryHours: 10, factory });
    const r = await cancelAll(b.alice, session, 1n, factory);
    expect([r.previous, r.floor]).to.deep.equal([0n, 1n]);
    let again = "";
    try {
      await cancelAll(b.alice, session, 1n, factory);
    } catch (e) {
      again = (e as Error).message;
    }
    expect(again).to.match(/NonceFloorNotRaised: your nonce floor is 1/);
    let dead = "";
    try {
      await fillOrder(b.bob, o, WAD, factory);
    } catch (e) {
      dead = (await import("../../sdk/cli/run.js")).describeFailure(
        e,
        (await import("../../sdk/sessions/client.js")).SESSION_ABIS,
      );
    }
    expect(dead).to.match(/^NonceBelowFloor: The maker cancelled this order by raising its nonce floor to 1/);
    // a new order picks up the new floor as its nonce
    const fresh = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "1"], expiryHours: 10, factory });
    expect(fresh.order.nonce).to.equal("1");
  });

  it("settle_tooEarly_thenClaimNotFinal_thenSettleAndClaimOnce", async function () {
    let early = "";
    try {
      await settleSession(b.admin, session, factory);
    } catch (e) {
      early = (e as Error).message;
    }
    expect(early).to.match(/^SettlementTooEarly: settlement opens at t2 = /);
    let notFinal = "";
    try {
      await claim(b.alice, session, "", factory);
    } catch (e) {
      notFinal = (e as Error).message;
    }
    expect(notFinal).to.match(/^NotFinal: session .* is not settled yet/);

    const info = await loadSession(b.ethers.provider, session);
    // live feeds publish before t2 (within the heartbeat) and again after it
    await b.networkHelpers.time.increaseTo(info.t2 - 3_600n);
    for (const f of b.feeds) await f.updateAnswer(await f.latestAnswer());
    await b.networkHelpers.time.increaseTo(info.t2 + 1n);
    for (const f of b.feeds) await f.updateAnswer(await f.latestAnswer());
    const s = await settleSession(b.admin, session, factory);
    expect(s.outcome).to.equal("settled");
    expect(s.prices.map((p) => p.settlement)).to.deep.equal([100n * WAD, 110n * WAD, 120n * WAD]);

    const x = (await accountInfo(b.ethers.provider, info, b.alice.address)).allocation;
    const before = await Promise.all(b.tokens.map((t) => t.balanceOf(b.dave.address)));
    const c = await claim(b.alice, session, b.dave.address, factory);
    expect(c.to).to.equal(b.dave.address);
    expect(c.paid.map((p) => p.amount)).to.deep.equal(x);
    const after = await Promise.all(b.tokens.map((t) => t.balanceOf(b.dave.address)));
    expect(after.map((v, k) => v - before[k])).to.deep.equal(x);
    let twice = "";
    try {
      await claim(b.alice, session, "", factory);
    } catch (e) {
      twice = (e as Error).message;
    }
    expect(twice).to.match(/^AlreadyClaimed: 0x.* has already claimed/);
  });

  it("show_json_parses_andCarriesStatusWindowsLegsAndAllocation", async function () {
    const r = await capture(() => sessionShow({ session, account: b.bob.address, factory, json: true }, hre));
    expect(r.exitCode).to.equal(0);
    const j = JSON.parse(r.out) as {
      session: { status: string; t1: string; legs: Array<{ settlementPrice: string }> };
      account: { account: string; allocation: string[]; shares: string };
    };
    expect(j.session.status).to.equal("settled");
    expect(j.session.legs.map((l) => l.settlementPrice)).to.deep.equal(
      [100n * WAD, 110n * WAD, 120n * WAD].map(String),
    );
    expect(j.account.account).to.equal(b.bob.address);
    expect(j.account.shares).to.equal("5");
    const chain = (await (await b.ethers.getContractAt("PhysicalSession", session)).allocationOf(b.bob.address)).map(
      String,
    );
    expect(j.account.allocation).to.deep.equal(chain);
    const text = await capture(() => sessionShow({ session, account: BOB, factory, json: false }, hre));
    expect(text.out).to.contain("status    settled").and.to.contain("baseline");
  });

  it("json_failure_printsAnErrorObject_andExitsOne", async function () {
    const r = await capture(() => sessionShow({ session: ZeroAddress, account: "0", factory, json: true }, hre));
    expect(r.exitCode).to.equal(1);
    expect(JSON.parse(r.out)).to.deep.equal({
      error: `unknown session ${ZeroAddress}: no contract there on this network (see "session list")`,
    });
    const acct = await capture(() => sessionShow({ session, account: "99", factory, json: false }, hre));
    expect(acct.err).to.match(/--account 99 is out of range: this network has \d+ accounts/);
  });

  it("wrongChain_orderFile_isRejected", async function () {
    const o = await signOrder(b.alice, { session, legs: [0, 1], amounts: ["-1", "1"], expiryHours: 10, factory });
    let msg = "";
    try {
      await fillOrder(b.bob, { ...o, chainId: "1" }, WAD, factory);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).to.match(/was signed for chain 1 but this network is chain 31337/);
    void DAY;
  });
});
