/** Shared set-up for the CLI tests: the default in-process chain (the one the task actions connect to), output capture. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import hre from "hardhat";

import { setIo } from "../../sdk/cli/run.js";
import { deployBase, type Base } from "../sessions/fixtures.js";

export { hre };

/** The connection the task actions get from `hre.network.getOrCreate()`. */
export async function sharedConnection() {
  return hre.network.getOrCreate();
}

/** The session family, tokens and feeds on the shared chain. */
export async function deployShared(legs = 3): Promise<Base> {
  return deployBase(await sharedConnection(), legs);
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "ringfence-cli-"));
}

/**
 * Runs a task action with its output captured; returns stdout, stderr and the exit code it set, then
 * clears the exit code (a failing command sets it to 1, which would otherwise fail the test run).
 */
export async function capture(run: () => Promise<unknown>): Promise<{ out: string; err: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const prevCode = process.exitCode;
  process.exitCode = 0;
  const prev = setIo({ out: (t) => out.push(t), err: (t) => err.push(t) });
  try {
    await run();
  } finally {
    setIo(prev);
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = prevCode;
  return { out: out.join("\n"), err: err.join("\n"), exitCode };
}
