/**
 * Gas benchmarks: every suite under bench/suites/ runs on its own fresh in-process chain; the gas of each
 * keyed transaction comes from its receipt (base cost included). Writes bench/gas.json (flat, sorted) and
 * prints the table with the targets from the issues.
 */
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { network } from "hardhat";

import { formatTable, recorder, type GasTable, type Suite } from "./lib.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const suitesDir = path.join(here, "suites");
/** `BENCH_ONLY=<regex>` runs only the matching suites and prints without writing bench/gas.json. */
const only = process.env.BENCH_ONLY !== undefined ? new RegExp(process.env.BENCH_ONLY) : undefined;
const files = (await readdir(suitesDir))
  .filter((f) => f.endsWith(".ts") && (only === undefined || only.test(f)))
  .sort();

/** 2033-05-18T03:33:20Z. */
const BENCH_START_TIME = 2_000_000_000;

const table: GasTable = {};
const targets: Record<string, number> = {};
for (const file of files) {
  const { suite } = (await import(pathToFileURL(path.join(suitesDir, file)).href)) as { suite: Suite };
  const connection = await network.create();
  // A fixed start time: signed orders carry expiries derived from chain time, and their calldata cost must
  // not depend on the day the bench runs.
  await connection.networkHelpers.time.increaseTo(BENCH_START_TIME);
  const own: GasTable = {};
  await suite.run({ connection, record: recorder(own) });
  for (const [k, v] of Object.entries(own)) {
    if (k in table) throw new Error(`bench key ${k} is recorded by two suites`);
    table[k] = v;
  }
  Object.assign(targets, suite.targets);
  await connection.close();
}

const sorted = Object.fromEntries(
  Object.keys(table)
    .sort()
    .map((k) => [k, table[k]]),
);
console.log(formatTable(table, targets));
if (only === undefined) {
  await writeFile(path.join(here, "gas.json"), JSON.stringify(sorted, null, 2) + "\n");
  console.log(`\nwrote bench/gas.json (${Object.keys(table).length} keys)`);
} else {
  console.log(`\nBENCH_ONLY set: bench/gas.json not written`);
}
