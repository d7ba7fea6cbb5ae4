/**
 * The data set's PostgreSQL path against a real PostgreSQL server (not PGlite): a throwaway server is started
 * for this suite (test/shared/postgres.ts) and reached over TCP with a `postgres://...@127.0.0.1:PORT/...` URL,
 * exactly as `openStore` and `data index --pg` reach a production server. On the in-process chain, a deployment
 * with a physical, a cash and a margin session (subscribes, a redeem, partial fills with fees, a match, a short)
 * is indexed into it; a second run is a no-op and a third reads only the new block; positions rebuilt from the
 * server equal `allocationOf` (the short included); the SQLite and PostgreSQL stores hold identical rows and
 * schema, whole numbers read back as bigint (at BIGINT's limits too); the `data index --pg` task (and
 * RINGFENCE_PG_URL) writes to the server, and `data export --pg` and `data report --pg` produce the same CSV
 * and HTML as from SQLite.
 *
 * Without server binaries on this machine the suite is skipped with the reason printed once, never passed.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { DATA_KINDS, exportDataSet, indexDeployment, sessionMetas } from "../../sdk/cli/data.js";
import { readEvents, toJson } from "../../sdk/data/indexer.js";
import { rebuildPositions } from "../../sdk/data/positions.js";
import { openStore, type Row, type Store } from "../../sdk/data/store.js";
import { fillOrder, signOrder } from "../../sdk/sessions/client.js";
import { buildDataReport } from "../../sdk/cli/report.js";
import dataExport from "../../tasks/actions/data/export.js";
import dataIndex from "../../tasks/actions/data/index.js";
import dataReport from "../../tasks/actions/data/report.js";
import { capture, deployShared, hre, tempDir } from "../cli/helpers.js";
import { tradeDataSet } from "../shared/dataset.js";
import { createCash, createPhysical, makeOrder, sign, WAD } from "../sessions/fixtures.js";
import {
  createMargin,
  deployMarginLegs,
  subscribeMargin,
  windows,
  type MarginEnv,
} from "../sessions/margin-fixtures.js";
import { startPostgresOrSkip, type PostgresServer } from "../shared/postgres.js";

const USDC = 10n ** 6n;
const RELEASE_KEY = "a-release-key-of-32-characters!!";
const TABLES = {
  events: "chain_id, block_number, log_index",
  watched: "chain_id, address",
  cursor: "chain_id, stream",
  block_hashes: "chain_id, stream, block_number",
};

describe("sdk/data on a real PostgreSQL server (over TCP)", function () {
  this.timeout(120_000);

  let server: PostgresServer | undefined;
  let m: MarginEnv;
  let factory: string;
  let physical: string;
  let cash: string;
  let margin: string;
  /** URL of the database the SDK tests index into. */
  let dataUrl: string;

  before(async function () {
    server = await startPostgresOrSkip(this);
    await server.createDatabase("ringfence_data");
    await server.createDatabase("ringfence_task");
    dataUrl = server.url("ringfence_data");

    // the deployment of test/cli/keeper-data.ts plus a margin session with a short
    m = await deployMarginLegs(await deployShared(2));
    factory = await m.factory.getAddress();
    physical = await (await createPhysical(m)).getAddress();
    cash = await (await createCash(m)).getAddress();
    const mh = await createMargin(m);
    margin = mh.address;
    const [alice, bob] = [m.alice, m.bob];
    await tradeDataSet(m, { physical, cash }, windows(m).t1, async () => {
      await subscribeMargin(m, mh, alice, 2n);
      await subscribeMargin(m, mh, bob, 14n);
    });
    // margin: alice gives 6 tokens of leg 1 for 600 USDC and is left short 4
    const short = await makeOrder(m, alice.address, [0, 1], [600n * USDC, -6n * 10n ** 18n]);
    await mh.session.connect(bob).fill(short, await sign(m, mh.session, alice, short), WAD);
    expect((await mh.session.allocationOf(alice.address))[1]).to.equal(-4n * 10n ** 18n);
  });

  after(async function () {
    await server?.stop();
  });

  /** Every row of every table, in primary-key order. */
  async function dump(store: Store): Promise<Record<string, Row[]>> {
    const out: Record<string, Row[]> = {};
    for (const [t, key] of Object.entries(TABLES)) out[t] = await store.all(`SELECT * FROM ${t} ORDER BY ${key}`);
    return out;
  }

  it("server_isTheRealPostgreSQLThisSuiteStarted_reachedOverTcp", async function () {
    const store = await openStore(dataUrl);
    try {
      expect(store.dialect).to.equal("postgres");
      const [r] = await store.all<{ v: string; host: string; port: number }>(
        "SELECT version() AS v, host(inet_server_addr()) AS host, inet_server_port() AS port",
      );
      // the version of the binaries found (e.g. "15.18"), served from 127.0.0.1 at the chosen port
      const version = /PostgreSQL\)? (\d+(\.\d+)?)/.exec(server?.version ?? "")?.[1];
      expect(version, server?.version).to.not.equal(undefined);
      expect(r.v).to.match(new RegExp(`^PostgreSQL ${String(version).replace(".", "\\.")}\\b`));
      expect([r.host, r.port]).to.deep.equal(["127.0.0.1", server?.port]);
    } finally {
      await store.close();
    }
  });

  it("index_intoPostgres_readsEverySession_thenASecondRunIsANoOp_andAThirdReadsOnlyTheNewBlock", async function () {
    const store = await openStore(dataUrl);
    try {
      const provider = m.ethers.provider;
      const first = await indexDeployment(provider, store, factory);
      expect(first.sessions).to.equal(3);
      expect(first.toBlock).to.equal(BigInt(await provider.getBlockNumber()));
      const names = new Set((await readEvents(store)).map((e) => e.name));
      for (const n of ["SessionCreated", "Subscribed", "Redeemed", "Traded", "Matched"]) expect(names).to.include(n);
      const rows = await dump(store);
      expect(rows.events).to.have.length(first.events);

      const second = await indexDeployment(provider, store, factory);
      expect(second).to.deep.equal(first);
      expect(await dump(store)).to.deep.equal(rows);

      // one more fill on the physical session: the next run adds exactly its session events, nothing else
      const o = await signOrder(m.alice, {
        session: physical,
        legs: [0, 1],
        amounts: ["-0.5", "0.4"],
        expiryHours: 50,
        factory,
      });
      const fill = await fillOrder(m.carol, o, WAD, factory);
      const receipt = await provider.getTransactionReceipt(fill.txHash);
      if (receipt === null) throw new Error("no receipt for the fill");
      const sessionIface = DATA_KINDS.find((k) => k.kind === "session")?.iface;
      const expected = receipt.logs.filter(
        (l) => l.address.toLowerCase() === physical.toLowerCase() && sessionIface?.parseLog(l) !== null,
      ).length;
      expect(expected).to.be.greaterThan(0);
      const third = await indexDeployment(provider, store, factory);
      expect(third.toBlock).to.equal(BigInt(receipt.blockNumber));
      expect(third.events - first.events).to.equal(expected);
      const after = await dump(store);
      expect(after.events.slice(0, rows.events.length)).to.deep.equal(rows.events);
      expect(after.events.slice(rows.events.length).map((r) => r.block_number)).to.deep.equal(
        new Array(expected).fill(BigInt(receipt.blockNumber)),
      );
      expect(after.cursor).to.deep.equal([
        { chain_id: first.chainId, stream: "events", block_number: third.toBlock, block_hash: receipt.blockHash },
      ]);
    } finally {
      await store.close();
    }
  });

  it("positions_rebuiltFromThePostgresStore_equalAllocationOf_forEveryAccountIncludingTheShort", async function () {
    const store = await openStore(dataUrl);
    try {
      await indexDeployment(m.ethers.provider, store, factory);
      const events = await readEvents(store);
      const sessions = [physical, cash, margin];
      const { final } = rebuildPositions(events, await sessionMetas(m.ethers.provider, sessions));
      let negative = 0;
      for (const s of sessions) {
        const core = await m.ethers.getContractAt("SessionCore", s);
        const book = final.get(s.toLowerCase());
        expect(book, s).to.not.equal(undefined);
        for (const who of [m.alice, m.bob, m.carol, m.feeTo].map((x) => x.address)) {
          const onChain = (await core.allocationOf(who)).map((v) => BigInt(v));
          const rebuilt = book?.get(who.toLowerCase()) ?? onChain.map(() => 0n);
          expect(rebuilt, `${s} ${who}`).to.deep.equal(onChain);
          negative += onChain.filter((v) => v < 0n).length;
        }
      }
      expect(negative).to.be.greaterThan(0); // alice's short in the margin session came back negative
    } finally {
      await store.close();
    }
  });

  it("sqliteAndPostgres_holdIdenticalRows_withTheSameSchema_andWholeNumbersAsBigint", async function () {
    const pgStore = await openStore(dataUrl);
    const sqlite = await openStore(":memory:");
    try {
      const provider = m.ethers.provider;
      const a = await indexDeployment(provider, pgStore, factory);
      const b = await indexDeployment(provider, sqlite, factory);
      expect(a).to.deep.equal(b);

      // schema: the same tables, columns, declared types and secondary indexes
      const pgColumns = (
        await pgStore.all<{ t: string; c: string; ty: string }>(
          `SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns
           WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
        )
      ).map((r) => `${r.t}.${r.c} ${r.ty}`);
      const sqliteColumns: string[] = [];
      for (const t of Object.keys(TABLES).sort()) {
        for (const r of await sqlite.all<{ name: string; type: string }>(`PRAGMA table_info(${t})`))
          sqliteColumns.push(`${t}.${r.name} ${r.type.toLowerCase()}`);
      }
      expect(pgColumns).to.deep.equal(sqliteColumns);
      expect(pgColumns).to.include("events.block_number bigint").and.to.include("events.args text");
      const pgIndexes = await pgStore.all<{ n: string }>(
        "SELECT indexname AS n FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' ORDER BY 1",
      );
      const sqliteIndexes = await sqlite.all<{ n: string }>(
        "SELECT name AS n FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY 1",
      );
      expect(pgIndexes)
        .to.deep.equal(sqliteIndexes)
        .and.to.deep.equal([{ n: "events_by_address" }, { n: "events_by_name" }]);

      // rows: identical, value for value and type for type (BIGINT columns read back as bigint in both)
      const pgRows = await dump(pgStore);
      expect(pgRows).to.deep.equal(await dump(sqlite));
      expect(pgRows.events.length).to.equal(a.events);
      for (const r of pgRows.events) {
        for (const col of ["chain_id", "block_number", "block_time", "log_index"])
          expect(typeof r[col], col).to.equal("bigint");
      }
      // decoded arguments: the same JSON, with signed and 1e18-scale values as exact decimal strings
      const pgEvents = await readEvents(pgStore);
      expect(pgEvents).to.deep.equal(await readEvents(sqlite));
      const traded = pgEvents.filter((e) => e.name === "Traded");
      expect(traded.length).to.be.greaterThan(4);
      const deltas = traded.flatMap((e) => [...(e.args.makerDeltas as string[]), ...(e.args.takerDeltas as string[])]);
      expect(deltas.some((d) => /^-\d+$/.test(d))).to.equal(true);
      expect(traded.map((e) => e.args.filledAfterWad)).to.include(WAD.toString());
    } finally {
      await pgStore.close();
      await sqlite.close();
    }
  });

  it("bigints_roundTripThroughPostgresExactly_atBigintLimits_andBeyondInTheArgs", async function () {
    const store = await openStore(dataUrl);
    const MAX = 2n ** 63n - 1n; // BIGINT's largest value
    const MIN = -(2n ** 63n);
    const chainId = MAX; // a chain no deployment uses; removed below
    const big = { value: (2n ** 256n - 1n).toString(), delta: (-(2n ** 255n)).toString() };
    try {
      await store.run(
        `INSERT INTO events (chain_id, block_number, block_hash, block_time, tx_hash, log_index, address, contract_kind, name, args)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [chainId, 2n ** 53n + 1n, "0xh", MIN, "0xt", MAX - 1n, "0xa", "session", "Probe", toJson(big)],
      );
      const rows = await store.all(
        "SELECT chain_id, block_number, block_time, log_index, args FROM events WHERE chain_id = $1",
        [chainId],
      );
      expect(rows).to.deep.equal([
        { chain_id: MAX, block_number: 2n ** 53n + 1n, block_time: MIN, log_index: MAX - 1n, args: toJson(big) },
      ]);
      const [e] = await readEvents(store, { chainId });
      expect([e.chainId, e.blockNumber, e.blockTime, e.logIndex]).to.deep.equal([MAX, 2n ** 53n + 1n, MIN, MAX - 1n]);
      expect(BigInt(String(e.args.value))).to.equal(2n ** 256n - 1n);
      expect(BigInt(String(e.args.delta))).to.equal(-(2n ** 255n));
      // a comparison against a bigint parameter is exact too (no float rounding of 2^53 + 1)
      const hit = await store.all("SELECT log_index FROM events WHERE chain_id = $1 AND block_number = $2", [
        chainId,
        2n ** 53n + 1n,
      ]);
      expect(hit).to.deep.equal([{ log_index: MAX - 1n }]);
    } finally {
      await store.run("DELETE FROM events WHERE chain_id = $1", [chainId]);
      await store.close();
    }
  });

  it("dataIndexTask_withPg_writesToTheServer_hidesThePassword_andRINGFENCE_PG_URLResumesIt", async function () {
    if (server === undefined) throw new Error("no server");
    const url = server.url("ringfence_task", "not-a-real-secret");
    const db = path.join(tempDir(), "unused.db");
    const args = { db, pg: url, fromBlock: "0", confirmations: "0", factory, account: "0", json: true };
    const r = await capture(() => dataIndex(args, hre));
    expect(r.exitCode, r.err).to.equal(0);
    expect(r.out).not.to.contain("not-a-real-secret");
    const out = JSON.parse(r.out) as { store: string; events: number; sessions: number; toBlock: string };
    expect(out.store).to.equal(`PostgreSQL (postgres://***@127.0.0.1:${server.port}/ringfence_task)`);
    expect(out.sessions).to.equal(3);
    expect(existsSync(db)).to.equal(false); // --pg wins over --db: no SQLite file was written

    const direct = await openStore(server.url("ringfence_task"));
    const sqlite = await openStore(":memory:");
    try {
      const reference = await indexDeployment(m.ethers.provider, sqlite, factory);
      expect(out.events).to.equal(reference.events);
      expect(await dump(direct)).to.deep.equal(await dump(sqlite));
    } finally {
      await direct.close();
      await sqlite.close();
    }

    const prev = process.env.RINGFENCE_PG_URL;
    process.env.RINGFENCE_PG_URL = url;
    try {
      const again = await capture(() => dataIndex({ ...args, pg: "" }, hre));
      expect(again.exitCode, again.err).to.equal(0);
      expect(JSON.parse(again.out)).to.deep.equal(out); // resumed: nothing new, same counts
      const text = await capture(() => dataIndex({ ...args, pg: "", json: false }, hre));
      expect(text.out).to.match(
        new RegExp(
          `^Indexed chain \\d+ up to block ${out.toBlock} into PostgreSQL \\(postgres://\\*\\*\\*@127\\.0\\.0\\.1:${server.port}/ringfence_task\\): ${out.events} events`,
        ),
      );
    } finally {
      if (prev === undefined) delete process.env.RINGFENCE_PG_URL;
      else process.env.RINGFENCE_PG_URL = prev;
    }
    expect(existsSync(db)).to.equal(false);
  });

  it("dataExportTask_withPg_writesTheSameCsvAsTheSqliteStore", async function () {
    if (server === undefined) throw new Error("no server");
    const fromPg = tempDir();
    const fromSqlite = tempDir();
    const r = await capture(() =>
      dataExport(
        {
          db: "",
          pg: server?.url("ringfence_task") ?? "",
          out: fromPg,
          key: RELEASE_KEY,
          delay: "0",
          account: "0",
          json: true,
        },
        hre,
      ),
    );
    expect(r.exitCode, r.err).to.equal(0);
    const sqlite = await openStore(":memory:");
    try {
      await indexDeployment(m.ethers.provider, sqlite, factory);
      const ref = await exportDataSet(m.ethers.provider, sqlite, fromSqlite, { key: RELEASE_KEY });
      const out = JSON.parse(r.out) as {
        orderFlow: { rows: number };
        positions: { rows: number };
        pseudonymised: boolean;
      };
      expect([out.orderFlow.rows, out.positions.rows, out.pseudonymised]).to.deep.equal([
        ref.orderFlow.rows,
        ref.positions.rows,
        true,
      ]);
      expect(out.orderFlow.rows).to.equal(6); // 3 physical fills + 1 match, 1 cash fill, 1 margin fill
      for (const f of ["order_flow.csv", "positions.csv"]) {
        const pgCsv = readFileSync(path.join(fromPg, f), "utf8");
        expect(pgCsv, f).to.equal(readFileSync(path.join(fromSqlite, f), "utf8"));
        expect(pgCsv.toLowerCase()).not.to.contain(m.alice.address.toLowerCase().slice(2));
      }
    } finally {
      await sqlite.close();
    }
  });

  it("dataReportTask_withPg_passesEveryCheck_andWritesTheSameHtmlAsTheSqliteStore", async function () {
    if (server === undefined) throw new Error("no server");
    const file = path.join(tempDir(), "report.html");
    const pg = server.url("ringfence_task");
    const r = await capture(() =>
      dataReport({ db: "", pg, out: file, key: RELEASE_KEY, account: "0", json: true }, hre),
    );
    expect(r.exitCode, r.err).to.equal(0);
    const out = JSON.parse(r.out) as { ok: boolean; sessions: Array<{ session: string; kind: string }> };
    expect(out.ok).to.equal(true);
    expect(out.sessions.map((x) => x.kind).sort()).to.deep.equal(["cash", "margin", "physical"]);
    const sqlite = await openStore(":memory:");
    try {
      await indexDeployment(m.ethers.provider, sqlite, factory);
      const ref = await buildDataReport(m.ethers.provider, sqlite, { key: RELEASE_KEY });
      expect(readFileSync(file, "utf8")).to.equal(ref.html);
    } finally {
      await sqlite.close();
    }
  });
});
