/**
 * The data set's storage: an embedded SQLite file by default (Node's built-in `node:sqlite`, no server),
 * or PostgreSQL when a connection URL is given. One schema, written in the SQL both dialects accept;
 * parameters are written `$1, $2, ...` everywhere. The PostgreSQL path is tested against PGlite
 * (test/sdk/indexer.ts) and against a real PostgreSQL 15 server the test starts itself
 * (test/sdk/postgres-server.ts, skipped with its reason on a machine without the server binaries).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export type Row = Record<string, unknown>;

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  exec(sql: string): Promise<void>;
  run(sql: string, params?: unknown[]): Promise<void>;
  all<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction: all of it lands or none of it. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The schema: raw decoded events (the source of truth), the indexer's cursor, the watched contracts, and
 * the hashes of blocks a stream read (`block_hashes`, for reorg detection: sdk/data/reorg.ts). Shared by
 * the data set and the order relay (relay/store.ts adds its own tables beside these).
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  chain_id      BIGINT  NOT NULL,
  block_number  BIGINT  NOT NULL,
  block_hash    TEXT    NOT NULL,
  block_time    BIGINT  NOT NULL,
  tx_hash       TEXT    NOT NULL,
  log_index     BIGINT  NOT NULL,
  address       TEXT    NOT NULL,
  contract_kind TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  args          TEXT    NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_address ON events (chain_id, address, block_number, log_index);
CREATE INDEX IF NOT EXISTS events_by_name ON events (chain_id, name);
CREATE TABLE IF NOT EXISTS cursor (
  chain_id     BIGINT NOT NULL,
  stream       TEXT   NOT NULL,
  block_number BIGINT NOT NULL,
  block_hash   TEXT   NOT NULL,
  PRIMARY KEY (chain_id, stream)
);
CREATE TABLE IF NOT EXISTS watched (
  chain_id      BIGINT NOT NULL,
  address       TEXT   NOT NULL,
  contract_kind TEXT   NOT NULL,
  from_block    BIGINT NOT NULL,
  PRIMARY KEY (chain_id, address)
);
CREATE TABLE IF NOT EXISTS block_hashes (
  chain_id     BIGINT NOT NULL,
  stream       TEXT   NOT NULL,
  block_number BIGINT NOT NULL,
  block_hash   TEXT   NOT NULL,
  with_rows    BIGINT NOT NULL,
  PRIMARY KEY (chain_id, stream, block_number)
);
`;

/** `$1, $2` placeholders to SQLite's `?1, ?2`. */
const toSqlite = (sql: string): string => sql.replace(/\$(\d+)/g, "?$1");

const sqliteParam = (v: unknown): string | number | bigint | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return JSON.stringify(v);
};

export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  private readonly db: DatabaseSync;
  private depth = 0;

  constructor(file = ":memory:") {
    this.db = new DatabaseSync(file);
  }

  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    this.db.prepare(toSqlite(sql)).run(...params.map(sqliteParam));
  }

  async all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const stmt = this.db.prepare(toSqlite(sql));
    stmt.setReadBigInts(true);
    return stmt.all(...params.map(sqliteParam)) as T[];
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const sp = `sp${this.depth++}`;
    this.db.exec(`SAVEPOINT ${sp}`);
    try {
      const out = await fn();
      this.db.exec(`RELEASE ${sp}`);
      return out;
    } catch (e) {
      this.db.exec(`ROLLBACK TO ${sp}; RELEASE ${sp}`);
      throw e;
    } finally {
      this.depth--;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Minimal query interface shared by `pg.Client` and PGlite. */
export interface PgLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec?(sql: string): Promise<unknown>;
  end?(): Promise<void>;
  close?(): Promise<void>;
  /** `pg.Client` only: its `notification`, `error` and `end` events. */
  on?(event: string, fn: (arg: never) => void): unknown;
}

/**
 * What several processes on one PostgreSQL server share besides the tables (relay/index.ts, docs/relay.md
 * "Storage"): notifications (`NOTIFY`/`LISTEN`, on this store's own connection) and session-level advisory
 * locks (held by the connection: released by the server when the process or its connection dies).
 */
export interface SharedStore {
  /** `pg_backend_pid()` of this store's connection: the sender id of the notifications it sends. */
  backendPid(): Promise<number>;
  /** Sends `payload` (at most 8000 bytes, PostgreSQL's limit) on `channel`; delivered when the sender's transaction commits. */
  notify(channel: string, payload: string): Promise<void>;
  /** Hears every notification on `channel` (its own included: compare `senderPid` with {@link backendPid}). */
  listen(channel: string, fn: (payload: string, senderPid: number) => void): Promise<void>;
  /** `pg_try_advisory_lock(key1, key2)`: true when this connection holds the lock now (kept until it closes). */
  tryAdvisoryLock(key1: number, key2: number): Promise<boolean>;
  /** Hears the connection's loss (an error or its end): its locks and listens are gone with it. */
  onLost(fn: (e: Error) => void): void;
}

const pgParam = (v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);

/** Every whole-number column is BIGINT; both PostgreSQL clients are set to return those as bigint. */
const INT8_OID = 20;

export class PostgresStore implements Store {
  readonly dialect = "postgres" as const;
  private depth = 0;

  private readonly handlers = new Map<string, Array<(payload: string, pid: number) => void>>();
  private lostFns: Array<(e: Error) => void> = [];
  private wired = false;

  constructor(private readonly client: PgLike) {}

  /**
   * The notifications and locks of a PostgreSQL server ({@link SharedStore}), or undefined on PGlite (one
   * process: nothing to share).
   */
  shared(): SharedStore | undefined {
    const c = this.client;
    if (c.on === undefined) return undefined;
    if (!this.wired) {
      this.wired = true;
      c.on("notification", ((m: { channel: string; payload?: string; processId: number }) => {
        for (const fn of this.handlers.get(m.channel) ?? []) fn(m.payload ?? "", m.processId);
      }) as (arg: never) => void);
      const lost = (e: Error) => this.lostFns.forEach((fn) => fn(e));
      c.on("error", ((e: Error) => lost(e)) as (arg: never) => void);
      c.on("end", (() => lost(new Error("the PostgreSQL connection ended"))) as (arg: never) => void);
    }
    return {
      backendPid: async () => Number((await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid),
      notify: async (channel, payload) => {
        await c.query("SELECT pg_notify($1, $2)", [channel, payload]);
      },
      listen: async (channel, fn) => {
        const list = this.handlers.get(channel) ?? [];
        list.push(fn);
        this.handlers.set(channel, list);
        // a channel name is an identifier: quoted, and only names the caller builds (letters, digits, _)
        if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
        if (list.length === 1) await c.query(`LISTEN "${channel}"`);
      },
      tryAdvisoryLock: async (key1, key2) =>
        Boolean((await c.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [key1, key2])).rows[0].ok),
      onLost: (fn) => void this.lostFns.push(fn),
    };
  }

  /** An in-process PostgreSQL (PGlite, WASM): the PostgreSQL dialect with no server, used in tests. */
  static async embedded(): Promise<PostgresStore> {
    const { PGlite, types } = await import("@electric-sql/pglite");
    const db = new PGlite({ parsers: { [types.INT8]: (v: string) => BigInt(v) } });
    return new PostgresStore(db as unknown as PgLike);
  }

  /** Connects to a PostgreSQL server by URL (e.g. `postgres://user:pass@127.0.0.1:5432/ringfence`). */
  static async connect(url: string): Promise<PostgresStore> {
    const pg = await import("pg");
    const client = new pg.default.Client({
      connectionString: url,
      types: {
        getTypeParser: (oid: number, format?: string) =>
          oid === INT8_OID ? (v: string) => BigInt(v) : pg.default.types.getTypeParser(oid, format as "text"),
      },
    });
    await client.connect();
    return new PostgresStore(client as unknown as PgLike);
  }

  async exec(sql: string): Promise<void> {
    if (this.client.exec !== undefined) await this.client.exec(sql);
    else await this.client.query(sql);
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    await this.client.query(sql, params.map(pgParam));
  }

  async all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.client.query(sql, params.map(pgParam));
    return res.rows as T[];
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const sp = `sp${this.depth++}`;
    await this.client.query(this.depth === 1 ? "BEGIN" : `SAVEPOINT ${sp}`);
    try {
      const out = await fn();
      await this.client.query(this.depth === 1 ? "COMMIT" : `RELEASE SAVEPOINT ${sp}`);
      return out;
    } catch (e) {
      await this.client.query(this.depth === 1 ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${sp}`);
      throw e;
    } finally {
      this.depth--;
    }
  }

  async close(): Promise<void> {
    if (this.client.end !== undefined) await this.client.end();
    else if (this.client.close !== undefined) await this.client.close();
  }
}

/** Opens the store named by `url`: `postgres://...` for PostgreSQL, otherwise a SQLite file path. */
export async function openStore(url: string): Promise<Store> {
  const isPostgres = /^postgres(ql)?:\/\//.test(url);
  // A SQLite file's folder may not exist yet (e.g. out/ on a fresh clone).
  if (!isPostgres && url !== ":memory:") await mkdir(path.dirname(url), { recursive: true });
  const store = isPostgres ? await PostgresStore.connect(url) : new SqliteStore(url);
  await store.exec(SCHEMA);
  return store;
}
