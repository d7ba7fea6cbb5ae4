/**
 * `npm run demo`: runs everything on the embedded chain and writes out/report.html, then prints a summary.
 * Exit code 1 if any invariant check fails.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { network } from "hardhat";

import { htmlReport, type Block } from "../sdk/report/html.js";
import type { DemoPart } from "./demo/common.js";
import { runDataDemo } from "./demo/data.js";
import { runMarginDemo } from "./demo/margin.js";
import { runMarketsDemo } from "./demo/markets.js";
import { runSessionsDemo } from "./demo/sessions.js";

const conn = await network.create();
const parts: DemoPart[] = [];
const sessions = await runSessionsDemo(conn);
parts.push(...sessions.parts);
parts.push(await runMarginDemo(conn, await conn.ethers.getContractAt("SessionFactory", sessions.factory)));
parts.push(await runMarketsDemo(conn));
parts.push(await runDataDemo(conn, sessions.factory));

const checks = parts.flatMap((p) => p.checks);
const blocks: Block[] = [
  {
    kind: "p",
    text: "Everything below ran on Hardhat's embedded chain: contracts deployed with Hardhat Ignition, orders signed with EIP-712 by each participant's wallet, settlement by the keeper through the contracts' Chainlink Automation interface.",
  },
  ...parts.flatMap((p) => p.blocks),
  { kind: "h2", text: "Invariant checks" },
  { kind: "checks", items: checks },
];
await mkdir("out", { recursive: true });
await writeFile("out/report.html", htmlReport("Ringfence demo report", blocks));

for (const p of parts) {
  console.log(`\n== ${p.title}`);
  for (const line of p.summary) console.log(line);
}
console.log("\n== Invariant checks");
for (const c of checks)
  console.log(`${c.ok ? "ok  " : "FAIL"} ${c.label}${c.detail === undefined ? "" : `  (${c.detail})`}`);
const failed = checks.filter((c) => !c.ok).length;
console.log(`\n${checks.length - failed} checks held, ${failed} failed. Report: out/report.html`);
await conn.close();
if (failed > 0) process.exitCode = 1;
