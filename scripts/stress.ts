/**
 * Stress test a live session: `npx hardhat run scripts/stress.ts [--network <name>]` with
 *   STRESS_SESSION    session address (omit to run a self-contained demo on the in-process chain)
 *   STRESS_SCENARIOS  path of a JSON file of scenarios (omit for the default set below)
 *   STRESS_LENS       address of a deployed SessionStressLens (omit to deploy one; local chains only)
 *   STRESS_FROM_BLOCK first block to read participants' events from (default 0)
 *   STRESS_JSON=1     print JSON instead of the table
 * Participants come from the session's Subscribed and Traded events; the fee recipient is always included.
 */
import { readFile } from "node:fs/promises";

import { ZeroAddress } from "ethers";
import { network } from "hardhat";

import { formatStressTable, parseScenarios, participants, reportToJson, runStress } from "../sdk/sessions/stress.js";
import { legMask, sessionDomain, signSessionOrder } from "../sdk/sessions/orders.js";
import type { PhysicalSession, SessionStressLens } from "../types/ethers-contracts/index.js";
import { createSessionFromConfig } from "../sdk/sessions/client.js";
import { physicalLeg, SessionKind, sessionConfig } from "../sdk/sessions/config.js";
import { deploySessionFamily } from "../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../sdk/sessions/fixing.js";

const DEFAULT_SCENARIOS = JSON.stringify([
  { name: "level -20%", kind: "level", shock: -0.2 },
  { name: "level +20%", kind: "level", shock: 0.2 },
  { name: "leg0 vs rest 10%", kind: "relative", up: [0], down: [1, 2], size: 0.1 },
  { name: "steepener", kind: "curve", legs: [0, 1, 2], short: -0.05, long: 0.05 },
]);

const conn = await network.create();
const { ethers } = conn;
const labels: Record<string, string> = {};

async function demoSession(): Promise<string> {
  const [admin, feeTo, alice, bob] = await ethers.getSigners();
  const now = BigInt(await conn.networkHelpers.time.latest());
  const legs = [];
  const tokens = [];
  for (let k = 0; k < 3; k++) {
    const t = await ethers.deployContract("MockERC20", [`Leg ${k}`, `L${k}`, 18]);
    const f = await ethers.deployContract("MockAggregator", [8, `feed ${k}`]);
    await f.pushRound(BigInt(100 + 50 * k) * 10n ** 8n, now);
    tokens.push(t);
    legs.push(physicalLeg(await t.getAddress(), 10n ** 18n, firstAfterFixing(await f.getAddress())));
  }
  const { factory } = await deploySessionFamily(ethers);
  const cfg = sessionConfig({
    kind: SessionKind.Physical,
    legs,
    t1: now + 3600n,
    t2: now + 86_400n,
    fallbackDeadline: now + 2n * 86_400n,
    claimDeadline: now + 3n * 86_400n,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: feeTo.address,
    admin: admin.address,
  });
  const { session: addr } = await createSessionFromConfig(factory, cfg);
  const s = (await ethers.getContractAt("PhysicalSession", addr)) as unknown as PhysicalSession;
  for (const who of [alice, bob]) {
    for (const t of tokens) {
      await t.mint(who.address, 10n ** 19n);
      await t.connect(who).approve(addr, 10n ** 19n);
    }
    await (await s.connect(who).subscribe(10n, [])).wait();
  }
  await conn.networkHelpers.time.increase(3600);
  const o = {
    maker: alice.address,
    taker: ZeroAddress,
    legs: legMask([0, 2]),
    amounts: [3n * 10n ** 18n, -2n * 10n ** 18n],
    maxFeeBps: 50n,
    expiry: now + 86_400n,
    nonce: 0n,
    salt: 1n,
  };
  const sig = await signSessionOrder(alice, o, sessionDomain(addr, (await ethers.provider.getNetwork()).chainId));
  await (await s.connect(bob).fill(o, sig, 10n ** 18n)).wait();
  Object.assign(labels, { [alice.address]: "alice", [bob.address]: "bob", [feeTo.address]: "fee recipient" });
  return addr;
}

const sessionAddr = process.env.STRESS_SESSION ?? (await demoSession());
const session = await ethers.getContractAt("PhysicalSession", sessionAddr);
const n = Number((await session.config()).legCount);
const text =
  process.env.STRESS_SCENARIOS === undefined ? DEFAULT_SCENARIOS : await readFile(process.env.STRESS_SCENARIOS, "utf8");
const scenarios = parseScenarios(text, n);
const lens = (process.env.STRESS_LENS === undefined
  ? await ethers.deployContract("SessionStressLens")
  : await ethers.getContractAt("SessionStressLens", process.env.STRESS_LENS)) as unknown as SessionStressLens;
const accounts = await participants(session as never, Number(process.env.STRESS_FROM_BLOCK ?? 0));
const report = await runStress(lens as never, sessionAddr, accounts, scenarios);
if (process.env.STRESS_JSON === "1") console.log(JSON.stringify(reportToJson(report), null, 2));
else {
  console.log(
    `Session ${sessionAddr}: ${accounts.length} participants, ${scenarios.length} scenarios (quote units; P&L versus baseline)\n`,
  );
  console.log(formatStressTable(report, labels));
}
await conn.close();
