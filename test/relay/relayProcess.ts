/**
 * One relay as its own OS process, for test/relay/multiprocess.ts: reads its settings from the environment
 * (RELAY_RPC_URL: the chain's JSON-RPC URL; RELAY_PG_URL: the shared PostgreSQL database; RELAY_SESSIONS:
 * comma-separated; RELAY_POLL_MS), serves on 127.0.0.1 at a free port, prints `{"url":...}` on one stdout
 * line once listening, and stops on SIGTERM (or dies on SIGKILL, as a crashed process would). Imported (the
 * test runner loads every file of test/relay), it does nothing.
 */
import { pathToFileURL } from "node:url";

import { JsonRpcProvider, Network } from "ethers";

import { startRelay } from "../../relay/index.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set`);
  return v;
};

/** Runs the relay; only when this file is the process's entry point (the test runner also loads it, as a test file). */
async function main(): Promise<void> {
  const provider = new JsonRpcProvider(env("RELAY_RPC_URL"), Network.from(31337n), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  const relay = await startRelay({
    provider,
    sessions: env("RELAY_SESSIONS").split(","),
    storeUrl: env("RELAY_PG_URL"),
    fromBlock: 0n,
    pollMs: Number(process.env.RELAY_POLL_MS ?? "200"),
    onError: (e) => process.stderr.write(`relay ${process.pid}: ${String((e as Error)?.message ?? e)}\n`),
  });
  process.stdout.write(`${JSON.stringify({ url: relay.url, pid: process.pid })}\n`);
  process.once("SIGTERM", () => {
    void relay.close().finally(() => {
      provider.destroy();
      process.exit(0);
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
