/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary folder, `pg_ctl start` listening on
 * 127.0.0.1 at a free port (and on a unix socket inside the same folder), trust authentication, no fsync;
 * `stop()` shuts it down and deletes the folder. PostgreSQL refuses to run as root, so under root the server
 * runs as the `postgres` system user (through `runuser`, else Node's own uid/gid switch).
 *
 * Binaries are looked up on PATH first, then under /usr/lib/postgresql/<version>/bin (Debian's layout, newest
 * version first). When none are found, {@link findPostgres} says why, so a suite can skip with that reason.
 */
import { execFile, spawnSync } from "node:child_process";
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";

/** Where the server binaries are, and how to run them (as ourselves, or as `postgres` when we are root). */
export interface PostgresBinaries {
  /** Folder holding `initdb`, `pg_ctl` and `postgres`. */
  bin: string;
  /** `postgres --version`, e.g. "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)". */
  version: string;
  /** Set when we run as root: the unprivileged user the server runs as. */
  runAs?: { name: string; uid: number; gid: number };
}

export interface PostgresServer extends PostgresBinaries {
  port: number;
  /** Temporary folder holding the data directory, the socket and the log; deleted by `stop()`. */
  dir: string;
  /** Superuser created by initdb (no password needed: trust authentication). */
  user: string;
  /** A TCP connection URL to `database` on 127.0.0.1 (an optional password shows in the URL, ignored by trust). */
  url(database: string, password?: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): Promise<void>;
  /** Stops the server (fast shutdown) and deletes its folder; safe to call twice. */
  stop(): Promise<void>;
}

const SERVER_FILES = ["initdb", "pg_ctl", "postgres"];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Candidate folders: PATH in order, then /usr/lib/postgresql/<version>/bin newest first. */
function candidateDirs(): string[] {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(path.join(root, v, "bin"));
  }
  return dirs;
}

function lookupUser(name: string): { name: string; uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Finds the server binaries and the user to run them as. Returns a reason string instead when this machine
 * cannot run a server (no binaries; root without a `postgres` user).
 */
export function findPostgres(): PostgresBinaries | string {
  let bin: string | undefined;
  for (const dir of candidateDirs()) {
    if (SERVER_FILES.every((f) => isExecutable(path.join(dir, f)))) {
      // /usr/local/bin may hold symlinks: use the real folder so pg_ctl finds its own postgres beside it
      bin = path.dirname(realpathSync(path.join(dir, "pg_ctl")));
      break;
    }
  }
  if (bin === undefined) {
    return (
      "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under /usr/lib/postgresql/*/bin: " +
      "install them (Debian: apt-get install postgresql) to run this suite"
    );
  }
  let runAs: PostgresBinaries["runAs"];
  if (process.getuid?.() === 0) {
    runAs = lookupUser("postgres");
    if (runAs === undefined)
      return "running as root and there is no `postgres` system user to run the PostgreSQL server as (it refuses root)";
  }
  const v = spawnSync(path.join(bin, "postgres"), ["--version"], { encoding: "utf8" });
  if (v.status !== 0) return `${path.join(bin, "postgres")} --version failed: ${v.stderr.trim()}`;
  return { bin, version: v.stdout.trim(), runAs };
}

/** A free TCP port on 127.0.0.1 (asked of the kernel; released just before the server takes it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The command line that runs server tool `tool` (through runuser, or Node's uid/gid switch, when `runAs` is set). */
function commandOf(
  b: PostgresBinaries,
  tool: string,
  args: string[],
): { cmd: string; argv: string[]; ids: { uid?: number; gid?: number } } {
  const file = path.join(b.bin, tool);
  if (b.runAs === undefined) return { cmd: file, argv: args, ids: {} };
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find(isExecutable);
  if (runuser !== undefined) return { cmd: runuser, argv: ["-u", b.runAs.name, "--", file, ...args], ids: {} };
  return { cmd: file, argv: args, ids: { uid: b.runAs.uid, gid: b.runAs.gid } };
}

/** Runs a server tool and resolves with its output, or rejects with it. */
function run(b: PostgresBinaries, tool: string, args: string[], timeoutMs: number): Promise<string> {
  const { cmd, argv, ids } = commandOf(b, tool, args);
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      argv,
      { ...ids, timeout: timeoutMs, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${tool} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

/** Tries to connect over TCP until the server answers `SELECT 1`, for at most `timeoutMs`. */
async function waitForConnections(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await c.connect();
      await c.query("SELECT 1");
      await c.end();
      return;
    } catch (e) {
      last = e;
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${String(last)}`);
}

/**
 * Starts a throwaway server and waits (bounded) until it accepts TCP connections. On any failure the
 * half-started server is stopped and its folder removed before the error (with the server log) is thrown.
 */
export async function startPostgres(b: PostgresBinaries, opts: { timeoutMs?: number } = {}): Promise<PostgresServer> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // the server user must reach the folder: under root use /tmp (world-traversable), not a private TMPDIR
  const base = b.runAs !== undefined && existsSync("/tmp") ? "/tmp" : tmpdir();
  const dir = mkdtempSync(path.join(base, "ringfence-pg-"));
  const data = path.join(dir, "data");
  const sock = path.join(dir, "socket");
  const log = path.join(dir, "server.log");
  mkdirSync(sock);
  if (b.runAs !== undefined) for (const p of [dir, sock]) chownSync(p, b.runAs.uid, b.runAs.gid);
  const user = "ringfence";
  const port = await freePort();
  const url = (database: string, password?: string) =>
    `postgres://${user}${password === undefined ? "" : ":" + encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  let started = false;
  let stopped = false;
  const stopSync = () => {
    // last resort when the process exits without `stop()` (e.g. an uncaught error): immediate shutdown
    if (!started || stopped) return;
    const { cmd, argv, ids } = commandOf(b, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    spawnSync(cmd, argv, { ...ids, timeout: 20_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopSync);

  const stop = async () => {
    if (stopped) return;
    try {
      if (started) await run(b, "pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "20", "stop"], 30_000);
    } finally {
      stopped = true;
      process.removeListener("exit", stopSync);
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    await run(
      b,
      "initdb",
      ["-D", data, "--auth=trust", `--username=${user}`, "--encoding=UTF8", "--locale=C", "--no-sync"],
      timeoutMs,
    );
    const serverOptions = [
      `-p ${port}`,
      `-k ${sock}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
    ].join(" ");
    started = true; // from here a stop is due even if the start times out half-way
    await run(
      b,
      "pg_ctl",
      ["-D", data, "-l", log, "-o", serverOptions, "-w", "-t", String(Math.ceil(timeoutMs / 1000)), "start"],
      timeoutMs + 5_000,
    );
    await waitForConnections(url("postgres"), timeoutMs);
  } catch (e) {
    const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : "(no server log)";
    await stop().catch(() => undefined);
    throw new Error(`${(e as Error).message}\nserver log:\n${tail}`);
  }

  return {
    ...b,
    port,
    dir,
    user,
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be a plain identifier`);
      const c = new pg.Client({ connectionString: url("postgres") });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
    },
    stop,
  };
}

/**
 * In a mocha `before`: starts a throwaway server, or skips the suite with the reason printed when this machine
 * cannot run one (see {@link findPostgres}).
 */
export async function startPostgresOrSkip(suite: Mocha.Context): Promise<PostgresServer> {
  const found = findPostgres();
  if (typeof found === "string") {
    console.log(`    skipped: ${found}`);
    suite.skip();
  }
  return startPostgres(found as PostgresBinaries);
}
