/**
 * The SDK modules an app loads in a browser (typed data, signing, Safe helpers, reads, transactions, error
 * decoding, the verifier) must not reach a Node-only module: this walks their static and dynamic import graph
 * from the source text and fails on any `node:` module, any Node built-in by its bare name, any package other
 * than ethers, and any use of Node's globals `Buffer` or `process`. File I/O stays in sdk/cli/ (which the scan
 * shows it does catch).
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

import { expect } from "chai";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Entry points of the browser-facing SDK. */
const BROWSER_ENTRIES = [
  "sdk/sessions/index.ts",
  "sdk/markets/index.ts",
  "sdk/sessions/orders.ts",
  "sdk/sessions/amm.ts",
  "sdk/markets/typedData.ts",
  "sdk/markets/verifier.ts",
  "sdk/markets/worstCase.ts",
  "sdk/markets/orderEffect.ts",
  "sdk/markets/book.ts",
  "sdk/markets/errors.ts",
  "sdk/chain.ts",
  "sdk/safe.ts",
  "sdk/eip1193.ts",
  "sdk/errors.ts",
  "sdk/input.ts",
];

/** Packages a browser bundle may import. */
const ALLOWED_PACKAGES = new Set(["ethers"]);

const SPECIFIER =
  /(?:^|[^\w.])(?:import|export)\s*(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Source text without comments (so a doc comment that names `process` or an import is not a finding). */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base.replace(/\.js$/, ".ts"), base + ".ts", path.join(base, "index.ts")])
    if (existsSync(c)) return c;
  throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which does not resolve to a .ts file`);
}

/** Every finding in the import graph of `entries`: "<module>: <what>". */
export function nodeOnlyFindings(entries: string[]): { findings: string[]; visited: Set<string> } {
  const findings: string[] = [];
  const visited = new Set<string>();
  const queue = entries.map((e) => path.join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (visited.has(file)) continue;
    visited.add(file);
    const rel = path.relative(ROOT, file);
    const text = code(file);
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) queue.push(resolve(file, spec));
      else if (spec.startsWith("node:") || builtinModules.includes(spec)) findings.push(`${rel}: imports ${spec}`);
      else if (!ALLOWED_PACKAGES.has(spec.split("/")[0])) findings.push(`${rel}: imports package ${spec}`);
    }
    for (const g of ["Buffer", "process", "__dirname", "require"]) {
      if (new RegExp(`(^|[^\\w.$])${g}\\s*[.(]`).test(text)) findings.push(`${rel}: uses Node's ${g}`);
    }
  }
  return { findings, visited };
}

describe("browser-facing SDK modules import nothing Node-only", () => {
  it("browserEntries_importGraph_hasNoNodeModule_noNodeGlobal_andOnlyEthers", () => {
    const { findings, visited } = nodeOnlyFindings(BROWSER_ENTRIES);
    expect(findings).to.deep.equal([]);
    // The walk reached every concern module of both clients (and the generated contract types).
    const seen = [...visited].map((f) => path.relative(ROOT, f));
    for (const m of [
      "sdk/sessions/reads.ts",
      "sdk/sessions/transactions.ts",
      "sdk/sessions/orderFiles.ts",
      "sdk/sessions/configFile.ts",
      "sdk/sessions/margin.ts",
      "sdk/markets/reads.ts",
      "sdk/markets/transactions.ts",
      "sdk/markets/orderFiles.ts",
      "sdk/markets/errors.ts",
      "sdk/markets/orderEffect.ts",
      "sdk/markets/book.ts",
      "types/ethers-contracts/index.ts",
    ])
      expect(seen).to.include(m);
    expect(seen).to.not.include("sdk/cli/args.ts");
  });

  it("scan_findsTheNodeOnlyModulesOfTheCli", () => {
    const { findings } = nodeOnlyFindings(["sdk/cli/args.ts", "sdk/cli/run.ts"]);
    expect(findings).to.include("sdk/cli/args.ts: imports node:fs");
    expect(findings).to.include("sdk/cli/run.ts: imports node:path");
    expect(findings).to.include("sdk/cli/run.ts: uses Node's process");
  });
});
