/**
 * Opcode-level gas profile of the markets bench keys (issue 11): runs bench/suites/markets.ts on a fresh
 * chain and, for every recorded key, buckets the receipt gas by opcode class from debug_traceTransaction
 * (intrinsic = receipt gas minus execution gas: the 21,000 base plus calldata). Not part of `npm run bench`.
 * Run: npx hardhat run bench/tools/profile-markets.ts
 */
import { network } from "hardhat";

import type { GasTable } from "../lib.js";
import { suite } from "../suites/markets.js";

interface Step {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

const only = (process.env.KEYS ?? "market.place,market.take,market.take10,market.cancel,market.place@k1,market.place@k8").split(",");
const connection = await network.create();
await connection.networkHelpers.time.increaseTo(2_000_000_000);
const table: GasTable = {};
const provider = connection.ethers.provider;
await suite.run({
  connection,
  record: async (key, txp) => {
    const tx = await txp;
    const receipt = (await tx.wait())!;
    const gas = Number(receipt.gasUsed);
    table[key] = gas;
    if (!only.includes(key)) return gas;
    const trace = (await provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }])) as { gas: number; structLogs: Step[] };
    const logs = trace.structLogs;
    const buckets: Record<string, number> = {};
    const counts: Record<string, number> = {};
    const add = (k: string, g: number) => {
      buckets[k] = (buckets[k] ?? 0) + g;
      counts[k] = (counts[k] ?? 0) + 1;
    };
    for (let i = 0; i < logs.length; i++) {
      const s = logs[i];
      let cost = s.gasCost;
      if (/CALL|CREATE/.test(s.op) && i + 1 < logs.length && logs[i + 1].depth > s.depth) {
        // Overhead of the call itself: gas before it minus gas after it returns minus what the callee used.
        let j = i + 1;
        while (j < logs.length && logs[j].depth > s.depth) j++;
        const first = logs[i + 1].gas;
        const lastChild = logs[j - 1];
        const childUsed = first - lastChild.gas + lastChild.gasCost;
        cost = j < logs.length ? s.gas - logs[j].gas - childUsed : s.gasCost;
      }
      const op = s.op.startsWith("PUSH") || s.op.startsWith("DUP") || s.op.startsWith("SWAP") ? "stack" : s.op;
      const cls = ["SLOAD", "SSTORE", "KECCAK256", "SHA3", "LOG0", "LOG1", "LOG2", "LOG3", "LOG4", "CALL", "STATICCALL", "DELEGATECALL", "MLOAD", "MSTORE", "CALLDATACOPY", "TLOAD", "TSTORE", "EXTCODESIZE", "stack", "JUMP", "JUMPI", "JUMPDEST"].includes(op) ? op : "other";
      add(cls, cost);
    }
    const exec = trace.gas;
    console.log(`\n== ${key}: receipt ${gas}, execution ${exec}, intrinsic+refund ${gas - exec}, steps ${logs.length}`);
    for (const [k, v] of Object.entries(buckets).sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(14)} ${String(v).padStart(8)}  (${counts[k]})`);
    return gas;
  },
});
console.log(table);
await connection.close();
