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
  /** Hears each failed reconnection attempt (its number, the reason, the wait before the next one). */
  onRetry(fn: (attempt: number, e: Error, nextMs: number) => void): void;
  /** Hears a new connection after a loss: every channel is listened to again; no advisory lock is held. */
  onRestored(fn: () => void): void;
  /** True while the connection is lost and not yet replaced (every query fails at once with {@link StoreUnavailable}). */
  readonly down: boolean;
}

/** A query refused or failed because the PostgreSQL connection is lost (the store is reconnecting). */
export class StoreUnavailable extends Error {
  constructor(reason: string) {
    super(`the database connection is lost (${reason}); reconnecting`);
    this.name = "StoreUnavailable";
  }
}

/** First and largest wait between reconnection attempts (doubling from the first). */
export const RECONNECT_MS = { first: 250, max: 5000 };

/** An error that means the connection itself is gone (not a refused statement). */
const connectionLost = (e: unknown): boolean => {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === "string" ? err.code : "";
  return (
    /^(08|57P0)/.test(code) ||
    ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"].includes(code) ||
    /Connection terminated|not queryable|Client was closed|has been closed|connection.*(lost|ended)/i.test(
      String(err?.message ?? ""),
    )
  );
};

const pgParam = (v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);

/** Every whole-number column is BIGINT; both PostgreSQL clients are set to return those as bigint. */
const INT8_OID = 20;

export class PostgresStore implements Store {
  readonly dialect = "postgres" as const;
  private depth = 0;

  private readonly handlers = new Map<string, Array<(payload: string, pid: number) => void>>();
  private lostFns: Array<(e: Error) => void> = [];
  private retryFns: Array<(attempt: number, e: Error, nextMs: number) => void> = [];
  private restoredFns: Array<() => void> = [];
  private wired = false;
  /** Set from a loss until a new connection replaces the lost one. */
  private lost: Error | undefined;
  private closing = false;
  /** The last statement sent (the next waits for it). */
  private tail: Promise<void> = Promise.resolve();

  /**
   * `reconnect` (PostgreSQL servers, {@link connect}): opens a new connection after a loss; without it (PGlite)
   * a loss is final.
   */
  constructor(
    private client: PgLike,
    private readonly reconnect?: () => Promise<PgLike>,
  ) {}

  /** The live connection, or {@link StoreUnavailable} at once while it is lost (no query waits for it). */
  private live(): PgLike {
    if (this.lost !== undefined) throw new StoreUnavailable(this.lost.message);
    return this.client;
  }

  /** Runs a query; a failure of the connection itself is reported as {@link StoreUnavailable}. */
  private async query(sql: string, params?: unknown[]): Promise<{ rows: Row[] }> {
    const c = this.live();
    // one statement at a time on the connection, in call order (as pg's own queue, which pg 9 drops)
    const run = this.tail.then(() => c.query(sql, params));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await run;
    } catch (e) {
      if (e instanceof StoreUnavailable || !connectionLost(e)) throw e;
      throw new StoreUnavailable((e as Error).message);
    }
  }

  /** Hears `c`'s notifications and its loss (pg.Client only). */
  private wire(c: PgLike): void {
    c.on?.("notification", ((m: { channel: string; payload?: string; processId: number }) => {
      if (c !== this.client) return;
      for (const fn of this.handlers.get(m.channel) ?? []) fn(m.payload ?? "", m.processId);
    }) as (arg: never) => void);
    let gone = false;
    const lost = (e: Error) => {
      // one report per connection (pg emits "error" then "end"), none for a replaced one or on close
      if (gone || c !== this.client) return;
      gone = true;
      if (this.closing) return;
      this.lost = e;
      this.depth = 0;
      this.lostFns.forEach((fn) => fn(e));
      if (this.reconnect !== undefined) void this.redial();
    };
    c.on?.("error", ((e: Error) => lost(e)) as (arg: never) => void);
    c.on?.("end", (() => lost(new Error("the PostgreSQL connection ended"))) as (arg: never) => void);
  }

  /** Reconnects with exponential backoff until it succeeds or the store closes; then listens again. */
  private async redial(): Promise<void> {
    let wait = RECONNECT_MS.first;
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((r) => setTimeout(r, wait).unref?.());
      if (this.closing) return;
      let next: PgLike | undefined;
      try {
        next = await (this.reconnect as () => Promise<PgLike>)();
        if (this.closing) {
          await next.end?.();
          return;
        }
        for (const channel of this.handlers.keys()) await next.query(`LISTEN "${channel}"`);
      } catch (e) {
        await next?.end?.().catch(() => undefined);
        const nextWait = Math.min(wait * 2, RECONNECT_MS.max);
        this.retryFns.forEach((fn) => fn(attempt, e as Error, nextWait));
        wait = nextWait;
        continue;
      }
      this.client = next;
      this.tail = Promise.resolve();
      this.wire(next);
      this.lost = undefined;
      this.depth = 0;
      this.restoredFns.forEach((fn) => fn());
      return;
    }
  }

  /**
   * The notifications and locks of a PostgreSQL server ({@link SharedStore}), or undefined on PGlite (one
   * process: nothing to share).
   */
  shared(): SharedStore | undefined {
    if (this.client.on === undefined) return undefined;
    if (!this.wired) {
      this.wired = true;
      this.wire(this.client);
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get down() {
        return self.lost !== undefined;
      },
      backendPid: async () => Number((await this.query("SELECT pg_backend_pid() AS pid")).rows[0].pid),
      notify: async (channel, payload) => {
        await this.query("SELECT pg_notify($1, $2)", [channel, payload]);
      },
      listen: async (channel, fn) => {
        const list = this.handlers.get(channel) ?? [];
        list.push(fn);
        this.handlers.set(channel, list);
        // a channel name is an identifier: quoted, and only names the caller builds (letters, digits, _)
        if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
        if (list.length === 1) await this.query(`LISTEN "${channel}"`);
      },
      tryAdvisoryLock: async (key1, key2) =>
        Boolean((await this.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [key1, key2])).rows[0].ok),
      onLost: (fn) => void this.lostFns.push(fn),
      onRetry: (fn) => void this.retryFns.push(fn),
      onRestored: (fn) => void this.restoredFns.push(fn),
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
    const open = async (): Promise<PgLike> => {
      const client = new pg.default.Client({
        connectionString: url,
        types: {
          getTypeParser: (oid: number, format?: string) =>
            oid === INT8_OID ? (v: string) => BigInt(v) : pg.default.types.getTypeParser(oid, format as "text"),
        },
      });
      // an error before the store hears it (a failed attempt) must not go unhandled
      client.on("error", () => undefined);
      await client.connect();
      return client as unknown as PgLike;
    };
    return new PostgresStore(await open(), open);
  }

  async exec(sql: string): Promise<void> {
    const c = this.live();
    if (c.exec !== undefined) await c.exec(sql);
    else await this.query(sql);
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    await this.query(sql, params.map(pgParam));
  }

  async all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.query(sql, params.map(pgParam));
    return res.rows as T[];
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const sp = `sp${this.depth++}`;
    const top = this.depth === 1;
    try {
      await this.query(top ? "BEGIN" : `SAVEPOINT ${sp}`);
    } catch (e) {
      this.depth = Math.max(0, this.depth - 1);
      throw e;
    }
    try {
      const out = await fn();
      await this.query(top ? "COMMIT" : `RELEASE SAVEPOINT ${sp}`);
      return out;
    } catch (e) {
      // a lost connection took the transaction with it: nothing to roll back, the loss is the error
      if (this.lost === undefined && !(e instanceof StoreUnavailable))
        await this.query(top ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${sp}`);
      throw e;
    } finally {
      this.depth = Math.max(0, this.depth - 1);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
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
