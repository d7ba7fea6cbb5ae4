/**
 * Where a benchmarked transaction spends its gas: replays it with `debug_traceTransaction` and sums the gas by
 * opcode class and by call depth. Used by `BENCH_PROFILE=<regex> npm run bench` (printed only; the receipt's
 * gasUsed stays the only figure written to bench/gas.json).
 */
import type { Provider } from "ethers";

export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** Opcode classes worth telling apart when looking for the floor of an operation. */
export function classOf(op: string): string {
  if (op === "SSTORE" || op === "SLOAD") return op;
  if (op === "TSTORE" || op === "TLOAD") return "TSTORE/TLOAD";
  if (op.startsWith("LOG")) return "LOG";
  if (op === "KECCAK256") return "KECCAK256";
  if (CALLS.has(op)) return "calls (incl. precompiles)";
  if (op.startsWith("EXTCODE") || op === "BALANCE") return "EXTCODE*/BALANCE";
  if (op === "CREATE" || op === "CREATE2") return "CREATE";
  return "compute, memory, copies";
}

export interface Profile {
  /** 21,000 + calldata (+ access list): what the transaction paid before its first opcode. */
  intrinsic: number;
  byClass: Record<string, number>;
  byDepth: Record<number, number>;
  /** The "compute, memory, copies" class split by call depth. */
  computeByDepth: Record<number, number>;
  /** Number of SLOAD / SSTORE / LOG / CALL-family steps. */
  counts: Record<string, number>;
}

/** Gas a callee frame spent in all (nested frames included), for the call step at index `i`. */
function calleeSpent(logs: StructLog[], i: number): number {
  const d = logs[i].depth + 1;
  if (logs[i + 1]?.depth !== d) return 0; // precompile or empty account: no steps of its own
  let last = logs[i + 1];
  for (let j = i + 1; j < logs.length && logs[j].depth >= d; j++) if (logs[j].depth === d) last = logs[j];
  return logs[i + 1].gas - (last.gas - last.gasCost);
}

/** Gas of step `i` itself; a CALL-family step counts only what the caller paid beyond the callee. */
export function stepCost(logs: StructLog[], i: number): number {
  const l = logs[i];
  if (!CALLS.has(l.op)) return l.gasCost;
  for (let j = i + 1; j < logs.length && logs[j].depth >= l.depth; j++) {
    if (logs[j].depth === l.depth) return l.gas - logs[j].gas - calleeSpent(logs, i);
  }
  return l.gasCost; // the call ended the transaction
}

/** Sums a mined transaction's trace; a CALL-family step counts only what the caller paid beyond the callee. */
export async function profileTx(
  provider: Provider & { send(m: string, p: unknown[]): Promise<unknown> },
  hash: string,
  gasUsed: number,
): Promise<Profile> {
  const tx = await provider.getTransaction(hash);
  if (tx === null) throw new Error(`no transaction ${hash}`);
  const trace = (await provider.send("debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: true, disableStack: process.env.BENCH_PROFILE_STEPS === undefined },
  ])) as {
    structLogs: StructLog[];
  };
  const logs = trace.structLogs;
  const byClass: Record<string, number> = {};
  const byDepth: Record<number, number> = {};
  const counts: Record<string, number> = {};
  const computeByDepth: Record<number, number> = {};
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const cost = stepCost(logs, i);
    const c = classOf(l.op);
    if (process.env.BENCH_PROFILE_STEPS !== undefined && c !== "compute, memory, copies") {
      const top = l.stack?.[l.stack.length - 1] ?? "";
      console.log(`    d${l.depth} ${l.op.padEnd(12)} ${String(cost).padStart(6)}  ${top.slice(-16)}`);
    }
    byClass[c] = (byClass[c] ?? 0) + cost;
    byDepth[l.depth] = (byDepth[l.depth] ?? 0) + cost;
    if (c === "compute, memory, copies") computeByDepth[l.depth] = (computeByDepth[l.depth] ?? 0) + cost;
    if (c !== "compute, memory, copies") counts[l.op] = (counts[l.op] ?? 0) + 1;
  }
  const intrinsic = logs.length > 0 ? Number(tx.gasLimit) - logs[0].gas : gasUsed;
  return { intrinsic, byClass, byDepth, computeByDepth, counts };
}

/** The profile as a few readable lines. */
export function formatProfile(key: string, gasUsed: number, p: Profile): string {
  const executed = Object.values(p.byClass).reduce((a, b) => a + b, 0);
  const lines = [
    `${key}: ${gasUsed} gas = intrinsic ${p.intrinsic} + executed ${executed} (refunds ${p.intrinsic + executed - gasUsed})`,
  ];
  for (const [c, g] of Object.entries(p.byClass).sort((a, b) => b[1] - a[1]))
    lines.push(`  ${c.padEnd(26)} ${String(g).padStart(7)}`);
  lines.push(
    `  by depth: ${Object.entries(p.byDepth)
      .map(([d, g]) => `${d}:${g}`)
      .join("  ")}`,
  );
  lines.push(
    `  compute by depth: ${Object.entries(p.computeByDepth)
      .map(([d, g]) => `${d}:${g}`)
      .join("  ")}`,
  );
  lines.push(
    `  steps: ${Object.entries(p.counts)
      .map(([o, n]) => `${o} x${n}`)
      .join(", ")}`,
  );
  return lines.join("\n");
}
