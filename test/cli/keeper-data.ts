/**
 * The keeper and the data set: two keepers running at once settle a session exactly once (the loser is
 * reported as skipped or idle, never as an error); positions rebuilt from the indexed events equal
 * `allocationOf` on chain for every account (fee recipient included) in a physical and a cash session after
 * subscribes, a redeem, partial fills with fees and a match; the CSV export pseudonymises addresses.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { exportDataSet, indexDeployment } from "../../sdk/cli/data.js";
import { keeperPass, sessionTargets } from "../../sdk/cli/keeper.js";
import { readEvents } from "../../sdk/data/indexer.js";
import { rebuildPositions } from "../../sdk/data/positions.js";
import { openStore, SCHEMA, SqliteStore } from "../../sdk/data/store.js";
import { pseudonym } from "../../sdk/data/export.js";
import { sessionMetas } from "../../sdk/cli/data.js";
import { SESSION_ABIS } from "../../sdk/sessions/client.js";
import { buildDataReport } from "../../sdk/cli/report.js";
import keeperAction from "../../tasks/actions/keeper.js";
import dataReport from "../../tasks/actions/data/report.js";
import { createCash, createPhysical, type Base } from "../sessions/fixtures.js";
import { capture, deployShared, hre, tempDir } from "./helpers.js";
import { tradeDataSet } from "../shared/dataset.js";

describe("CLI: keeper and data set", function () {
  let b: Base;
  let factory: string;
  let physical: string;
  let cash: string;

  before(async function () {
    b = await deployShared(2); // leg decimals 18, 6
    factory = await b.factory.getAddress();
    const now = BigInt(await b.networkHelpers.time.latest());
    const windows = {
      t1: now + 86_400n,
      t2: now + 2n * 86_400n,
      fallbackDeadline: now + 3n * 86_400n,
      claimDeadline: now + 10n * 86_400n,
    };
    physical = await (await createPhysical({ ...b, now }, windows)).getAddress();
    cash = await (await createCash({ ...b, now }, windows)).getAddress();
    await tradeDataSet(b, { physical, cash }, windows.t1);
  });

  it("positions_rebuiltFromTheDataSet_equalAllocationOf_forEveryAccount", async function () {
    const store = new SqliteStore(":memory:");
    await store.exec(SCHEMA);
    const r = await indexDeployment(b.ethers.provider, store, factory);
    expect(r.sessions).to.be.greaterThanOrEqual(2);
    const events = await readEvents(store);
    const metas = await sessionMetas(b.ethers.provider, [physical, cash]);
    const { final, trajectory } = rebuildPositions(events, metas);
    expect(trajectory.length).to.be.greaterThan(10);
    for (const s of [physical, cash]) {
      const core = await b.ethers.getContractAt("SessionCore", s);
      const book = final.get(s.toLowerCase());
      expect(book, s).to.not.equal(undefined);
      const accounts = [b.alice, b.bob, b.carol, b.feeTo].map((x) => x.address);
      let sawFee = false;
      for (const who of accounts) {
        const onChain = (await core.allocationOf(who)).map((v) => BigInt(v));
        const rebuilt = book?.get(who.toLowerCase()) ?? onChain.map(() => 0n);
        expect(rebuilt, `${s} ${who}`).to.deep.equal(onChain);
        if (who === b.feeTo.address && onChain.some((v) => v !== 0n)) sawFee = true;
      }
      // the physical fee recipient's allocation came only from Traded events (the projection's fee rule)
      if (s === physical) expect(sawFee).to.equal(true);
    }
    await store.close();
  });

  it("export_writesOrderFlowAndPositions_withPseudonyms", async function () {
    const store = new SqliteStore(":memory:");
    await store.exec(SCHEMA);
    await indexDeployment(b.ethers.provider, store, factory);
    const dir = tempDir();
    const key = "a-release-key-of-32-characters!!";
    const r = await exportDataSet(b.ethers.provider, store, dir, { key });
    expect(r.orderFlow.rows).to.equal(4); // 2 fills + 1 match in physical, 1 fill in cash
    const flow = readFileSync(path.join(dir, "order_flow.csv"), "utf8");
    const pos = readFileSync(path.join(dir, "positions.csv"), "utf8");
    for (const who of [b.alice, b.bob, b.carol]) {
      expect(flow.toLowerCase()).not.to.contain(who.address.toLowerCase().slice(2));
      expect(pos.toLowerCase()).not.to.contain(who.address.toLowerCase().slice(2));
      expect(pos).to.contain(pseudonym(who.address, key));
    }
    const matchedRows = flow
      .trim()
      .split("\n")
      .slice(1)
      .filter((l) => /,0x[0-9a-f]{64},\d+,/.test(l));
    expect(matchedRows).to.have.length(1); // only the match names a crossed order
    // a release delay longer than the chain's age holds everything back
    const held = await exportDataSet(b.ethers.provider, store, dir, { key, delaySeconds: 10n ** 9n });
    expect([held.orderFlow.rows, held.positions.rows]).to.deep.equal([0, 0]);
    await store.close();
  });

  it("report_fromTheDataSet_passesEveryCheck_andListsEveryTrade", async function () {
    const db = path.join(tempDir(), "data.db");
    const store = await openStore(db);
    await indexDeployment(b.ethers.provider, store, factory);
    await store.close();
    const file = path.join(tempDir(), "report.html");
    const r = await capture(() => dataReport({ db, pg: "", out: file, key: "", account: "0", json: true }, hre));
    expect(r.err).to.equal("");
    expect(r.exitCode).to.equal(0);
    const out = JSON.parse(r.out) as {
      ok: boolean;
      sessions: Array<{
        session: string;
        kind: string;
        trades: number;
        accounts: number;
        prices: string;
        checks: Array<{ label: string; ok: boolean }>;
      }>;
    };
    expect(out.ok).to.equal(true);
    const bySession = new Map(out.sessions.map((s) => [s.session.toLowerCase(), s]));
    const p = bySession.get(physical.toLowerCase());
    const c = bySession.get(cash.toLowerCase());
    expect([p?.kind, p?.trades, p?.accounts, p?.prices]).to.deep.equal(["physical", 3, 4, "latest"]); // 3 traders + fees
    expect([c?.kind, c?.trades, c?.accounts]).to.deep.equal(["cash", 1, 2]);
    // conservation and P&L summing to zero are checked on both, on top of the rebuild against the chain
    for (const s of [p, c]) expect(s?.checks.map((x) => x.ok)).to.deep.equal([true, true, true]);
    const html = readFileSync(file, "utf8");
    expect(html.match(/<svg /g)?.length).to.be.greaterThanOrEqual(4 + 2); // one chart per leg, one P&L chart each
    expect(html).to.contain(b.alice.address.slice(0, 6));
    // with a key, no address appears in clear
    const keyed = await capture(() =>
      dataReport({ db, pg: "", out: file, key: "a-release-key-of-32-characters!!", account: "0", json: false }, hre),
    );
    expect(keyed.exitCode).to.equal(0);
    expect(keyed.out.match(/ 3\/3 ok/g)).to.have.length(2);
    const pseudo = readFileSync(file, "utf8");
    for (const who of [b.alice, b.bob, b.carol]) {
      expect(pseudo.toLowerCase()).not.to.contain(who.address.toLowerCase().slice(2, 10));
      expect(pseudo).to.contain(pseudonym(who.address, "a-release-key-of-32-characters!!"));
    }
  });

  it("report_onATamperedDataSet_failsItsChecks_andExitsOne", async function () {
    const store = new SqliteStore(":memory:");
    await store.exec(SCHEMA);
    await indexDeployment(b.ethers.provider, store, factory);
    // drop the first trade of the physical session: the events no longer reproduce the chain
    const [first] = await store.all<{ block_number: bigint; log_index: bigint }>(
      "SELECT block_number, log_index FROM events WHERE name = 'Traded' AND address = $1 ORDER BY block_number LIMIT 1",
      [physical.toLowerCase()],
    );
    await store.run("DELETE FROM events WHERE block_number = $1 AND log_index = $2", [
      first.block_number,
      first.log_index,
    ]);
    const r = await buildDataReport(b.ethers.provider, store);
    await store.close();
    expect(r.ok).to.equal(false);
    const p = r.sessions.find((s) => s.session.toLowerCase() === physical.toLowerCase());
    expect(p?.checks[0].ok).to.equal(false); // allocations differ from allocationOf
    expect(p?.trades).to.equal(2);
    expect(r.html).to.contain("At least one check failed");
    // the task says where the data set is missing
    const missing = await capture(() =>
      dataReport({ db: path.join(tempDir(), "none.db"), pg: "", out: "", key: "", account: "0", json: false }, hre),
    );
    expect(missing.exitCode).to.equal(1);
    expect(missing.err).to.match(/^error: no data set at .*none\.db: run "npx hardhat data index" first$/);
  });

  it("keeper_twoAtOnce_settleExactlyOnce_andTheLoserIsNotAnError", async function () {
    const phys = await b.ethers.getContractAt("PhysicalSession", physical);
    const [, t2] = await phys.windows();
    await b.networkHelpers.time.increaseTo(t2 - 3_600n);
    for (const f of b.feeds) await f.updateAnswer(await f.latestAnswer());
    await b.networkHelpers.time.increaseTo(t2 + 1n);
    for (const f of b.feeds) await f.updateAnswer(await f.latestAnswer());
    const from = await b.ethers.provider.getBlockNumber();
    const sources = [(r: Parameters<typeof sessionTargets>[0]) => sessionTargets(r, factory)];
    const [p1, p2] = await Promise.all([
      keeperPass(b.admin, sources, SESSION_ABIS),
      keeperPass(b.guardian, sources, SESSION_ABIS),
    ]);
    const outcomes = [...p1.outcomes, ...p2.outcomes];
    for (const s of [physical, cash]) {
      const mine = outcomes.filter((o) => o.label.endsWith(s));
      expect(
        mine.filter((o) => o.status === "performed"),
        s,
      ).to.have.length(1);
      expect(mine.every((o) => o.status === "performed" || o.status === "skipped" || o.status === "idle")).to.equal(
        true,
      );
      const core = await b.ethers.getContractAt("SessionCore", s);
      const settled = await core.queryFilter(core.filters.SessionSettled(), from + 1);
      expect(settled, s).to.have.length(1);
    }
    // a third pass finds nothing open; the task prints it and exits 0
    const r = await capture(() =>
      keeperAction({ factory, markets: "", loop: false, interval: "15", account: "0", json: true }, hre),
    );
    expect(r.exitCode).to.equal(0);
    const passes = JSON.parse(r.out) as Array<{ outcomes: unknown[] }>;
    expect(passes[0].outcomes.filter((o) => JSON.stringify(o).includes(physical))).to.have.length(0);
  });

  it("report_afterSettlement_valuesAtTheSettlementPrices", async function () {
    const store = new SqliteStore(":memory:");
    await store.exec(SCHEMA);
    await indexDeployment(b.ethers.provider, store, factory);
    const r = await buildDataReport(b.ethers.provider, store);
    await store.close();
    const p = r.sessions.find((s) => s.session.toLowerCase() === physical.toLowerCase());
    expect([p?.status, p?.prices, r.ok]).to.deep.equal(["settled", "settlement", true]);
  });

  it("keeper_badInterval_exitsOne", async function () {
    const r = await capture(() =>
      keeperAction({ factory, markets: "", loop: true, interval: "soon", account: "0", json: false }, hre),
    );
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.equal('error: --interval "soon" must be a positive number of seconds');
  });
});
