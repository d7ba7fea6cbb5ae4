/**
 * Where a benchmarked transaction spends its gas, by Solidity function: replays it with
 * `debug_traceTransaction`, finds the contract whose code runs at each step (the artifact whose deployed
 * bytecode matches the account's code, immutables masked), maps the program counter through the compiler's
 * source map to a source offset, and charges the step to the innermost function or modifier around it.
 * Used by `BENCH_PROFILE=<regex> BENCH_PROFILE_SOURCE=1 npm run bench` (printed only).
 *
 * Internal functions the optimizer inlined still map to their own source, so the split follows the code as
 * written; a block the optimizer shares between functions is charged to the one the source map names. Public
 * state-variable getters are not functions in the AST and show as `<outside functions>`. Steps the compiler generated (ABI coding, checked arithmetic helpers) show as `<generated>`, steps
 * with no source (the dispatcher) as `<dispatch>`. A CALL-family step counts only what the caller paid
 * beyond the callee, as in bench/profile.ts.
 *
 * `BENCH_PROFILE_STEPS=<file>` also appends every step to that file, one tab-separated line each: call depth,
 * program counter, opcode, gas, function, and for SLOAD/SSTORE the slot (which slots an operation touches,
 * cold or warm, and from which function).
 */
import { appendFileSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

import type { Provider } from "ethers";

import { CALLS, classOf, stepCost, type StructLog } from "./profile.js";

const ARTIFACTS = path.resolve("artifacts");
/** Runtime code prefix of an EIP-1167 minimal proxy (the sessions' clones). */
const EIP1167 = "0x363d3d373d3d3d363d73";

interface ArtifactCode {
  name: string;
  inputSourceName: string;
  buildInfoId: string;
  code: Uint8Array;
  immutables: { start: number; length: number }[];
}

interface SourceIndex {
  /** Per instruction index: [file id, offset] (file id -1: no source). */
  entries: [number, number][];
  /** pc -> instruction index. */
  pcToIndex: Map<number, number>;
  /** Per file id: function and modifier ranges, innermost found by smallest containing range. */
  functions: Map<number, { start: number; end: number; label: string }[]>;
}

function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  return Uint8Array.from(Buffer.from(h, "hex"));
}

function listArtifacts(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== "build-info") listArtifacts(p, out);
    } else if (e.endsWith(".json") && !e.endsWith(".dbg.json")) out.push(p);
  }
  return out;
}

let artifactsByLength: Map<number, ArtifactCode[]> | undefined;

function artifactIndex(): Map<number, ArtifactCode[]> {
  if (artifactsByLength !== undefined) return artifactsByLength;
  artifactsByLength = new Map();
  for (const file of listArtifacts(path.join(ARTIFACTS, "contracts"))) {
    const a = JSON.parse(readFileSync(file, "utf8")) as {
      contractName?: string;
      inputSourceName?: string;
      buildInfoId?: string;
      deployedBytecode?: string;
      immutableReferences?: Record<string, { start: number; length: number }[]>;
    };
    if (a.deployedBytecode === undefined || a.deployedBytecode.length <= 2 || a.buildInfoId === undefined) continue;
    const code = hexToBytes(a.deployedBytecode);
    const entry: ArtifactCode = {
      name: a.contractName ?? path.basename(file, ".json"),
      inputSourceName: a.inputSourceName ?? "",
      buildInfoId: a.buildInfoId,
      code,
      immutables: Object.values(a.immutableReferences ?? {}).flat(),
    };
    const list = artifactsByLength.get(code.length) ?? [];
    list.push(entry);
    artifactsByLength.set(code.length, list);
  }
  return artifactsByLength;
}

/** The artifact whose code is `code`, comparing byte for byte outside the artifact's immutable slots. */
function matchArtifact(code: Uint8Array): ArtifactCode | undefined {
  for (const a of artifactIndex().get(code.length) ?? []) {
    const masked = new Set<number>();
    for (const r of a.immutables) for (let i = r.start; i < r.start + r.length; i++) masked.add(i);
    let same = true;
    for (let i = 0; i < code.length && same; i++) if (!masked.has(i) && code[i] !== a.code[i]) same = false;
    if (same) return a;
  }
  return undefined;
}

const buildOutputs = new Map<string, unknown>();

interface AstNode {
  nodeType?: string;
  name?: string;
  kind?: string;
  src?: string;
  [k: string]: unknown;
}

function collectFunctions(
  node: AstNode,
  contract: string,
  out: Map<number, { start: number; end: number; label: string }[]>,
): void {
  const here = node.nodeType === "ContractDefinition" && node.name !== undefined ? node.name : contract;
  if ((node.nodeType === "FunctionDefinition" || node.nodeType === "ModifierDefinition") && node.src !== undefined) {
    const [start, len, file] = node.src.split(":").map(Number);
    const fname = node.name !== undefined && node.name !== "" ? node.name : (node.kind ?? "function");
    const list = out.get(file) ?? [];
    list.push({ start, end: start + len, label: `${here}.${fname}` });
    out.set(file, list);
  }
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) for (const c of v) if (c !== null && typeof c === "object") collectFunctions(c, here, out);
    if (v !== null && typeof v === "object" && !Array.isArray(v) && (v as AstNode).nodeType !== undefined) {
      collectFunctions(v as AstNode, here, out);
    }
  }
}

const sourceIndexes = new Map<ArtifactCode, SourceIndex>();

function sourceIndex(a: ArtifactCode): SourceIndex {
  const cached = sourceIndexes.get(a);
  if (cached !== undefined) return cached;
  let out = buildOutputs.get(a.buildInfoId) as
    | {
        output: {
          contracts: Record<string, Record<string, { evm: { deployedBytecode: { sourceMap: string } } }>>;
          sources: Record<string, { id: number; ast: AstNode }>;
        };
      }
    | undefined;
  if (out === undefined) {
    out = JSON.parse(readFileSync(path.join(ARTIFACTS, "build-info", `${a.buildInfoId}.output.json`), "utf8"));
    buildOutputs.set(a.buildInfoId, out);
  }
  const o = out!.output;
  const map = o.contracts[a.inputSourceName]?.[a.name]?.evm.deployedBytecode.sourceMap ?? "";
  const entries: [number, number][] = [];
  let s = 0;
  let f = -1;
  for (const item of map.split(";")) {
    const parts = item.split(":");
    if (parts[0] !== undefined && parts[0] !== "") s = Number(parts[0]);
    if (parts[2] !== undefined && parts[2] !== "") f = Number(parts[2]);
    entries.push([f, s]);
  }
  const pcToIndex = new Map<number, number>();
  for (let pc = 0, i = 0; pc < a.code.length; i++) {
    pcToIndex.set(pc, i);
    const op = a.code[pc];
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1; // PUSH1..PUSH32 carry 1..32 bytes
  }
  const functions = new Map<number, { start: number; end: number; label: string }[]>();
  for (const src of Object.values(o.sources)) collectFunctions(src.ast, "", functions);
  const idx = { entries, pcToIndex, functions };
  sourceIndexes.set(a, idx);
  return idx;
}

function labelAt(a: ArtifactCode, pc: number): string {
  const idx = sourceIndex(a);
  const i = idx.pcToIndex.get(pc);
  if (i === undefined || i >= idx.entries.length) return `${a.name} <no map>`;
  const [file, offset] = idx.entries[i];
  if (file < 0) return `${a.name} <dispatch>`;
  const fns = idx.functions.get(file);
  if (fns === undefined) return `${a.name} <generated>`;
  let best: { start: number; end: number; label: string } | undefined;
  for (const fn of fns) {
    if (offset >= fn.start && offset < fn.end && (best === undefined || fn.end - fn.start < best.end - best.start)) {
      best = fn;
    }
  }
  return best === undefined ? `${a.name} <outside functions>` : best.label;
}

export interface SourceProfile {
  /** Gas per "Contract.function" label: every step, and the compute/memory steps alone. */
  rows: { label: string; gas: number; compute: number }[];
  unmatched: number;
}

/** Charges every step of a mined transaction to the Solidity function it runs in. */
export async function profileBySource(
  provider: Provider & { send(m: string, p: unknown[]): Promise<unknown> },
  hash: string,
): Promise<SourceProfile> {
  const tx = await provider.getTransaction(hash);
  if (tx === null || tx.to === null) throw new Error(`no call transaction ${hash}`);
  const trace = (await provider.send("debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: true, disableStack: false },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const codeAt: string[] = [];
  codeAt[1] = tx.to.toLowerCase();
  const byAddress = new Map<string, ArtifactCode | undefined>();
  const clones = new Set<string>();
  const rows = new Map<string, { gas: number; compute: number }>();
  let unmatched = 0;
  const stepsFile = process.env.BENCH_PROFILE_STEPS;
  const steps: string[] = [];
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const cost = stepCost(logs, i);
    if (CALLS.has(l.op)) {
      const next = logs[i + 1];
      if (next !== undefined && next.depth === l.depth + 1 && l.stack !== undefined) {
        const target = BigInt(l.stack[l.stack.length - 2])
          .toString(16)
          .padStart(40, "0")
          .slice(-40);
        codeAt[l.depth + 1] = `0x${target}`;
      }
    }
    const addr = codeAt[l.depth];
    if (!byAddress.has(addr)) {
      const code = await provider.getCode(addr, tx.blockNumber === null ? undefined : tx.blockNumber);
      byAddress.set(addr, matchArtifact(hexToBytes(code)));
      if (code.startsWith(EIP1167)) clones.add(addr);
    }
    const a = byAddress.get(addr);
    let label: string;
    if (a === undefined) {
      label = clones.has(addr) ? "<EIP-1167 clone>" : `${addr.slice(0, 10)}… (no artifact)`;
      unmatched += cost;
    } else {
      label = labelAt(a, l.pc);
    }
    if (stepsFile !== undefined) {
      const slot = l.op === "SLOAD" || l.op === "SSTORE" ? (l.stack?.[l.stack.length - 1] ?? "") : "";
      steps.push(`${l.depth}\t${l.pc}\t${l.op}\t${cost}\t${label}\t${slot}`);
    }
    const row = rows.get(label) ?? { gas: 0, compute: 0 };
    row.gas += cost;
    if (classOf(l.op) === "compute, memory, copies") row.compute += cost;
    rows.set(label, row);
  }
  if (stepsFile !== undefined) appendFileSync(stepsFile, `${steps.join("\n")}\n`);
  return {
    rows: [...rows.entries()].map(([label, r]) => ({ label, ...r })).sort((x, y) => y.gas - x.gas),
    unmatched,
  };
}

/** The profile as aligned lines, the `top` largest functions first. */
export function formatSourceProfile(key: string, p: SourceProfile, top = 25): string {
  const lines = [`${key}: executed gas by function (all steps / compute and memory only)`];
  for (const r of p.rows.slice(0, top)) {
    lines.push(`  ${String(r.gas).padStart(7)} ${String(r.compute).padStart(7)}  ${r.label}`);
  }
  if (p.rows.length > top) {
    const rest = p.rows.slice(top);
    const gas = rest.reduce((s, r) => s + r.gas, 0);
    const compute = rest.reduce((s, r) => s + r.compute, 0);
    lines.push(`  ${String(gas).padStart(7)} ${String(compute).padStart(7)}  (${rest.length} more)`);
  }
  return lines.join("\n");
}
