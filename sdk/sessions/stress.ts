/**
 * Stress testing of a live session: scenarios from JSON (level, relative and tenor-curve shocks, or explicit
 * per-leg shocks) turned into per-leg multiplicative shocks (WAD), evaluated on chain by `SessionStressLens`
 * for every participant found in the session's events, and printed as a table or JSON.
 */
import { formatUnits, parseUnits } from "ethers";

const WAD = 10n ** 18n;

/** A scenario as written in JSON. Shocks are relative changes: 0.1 = +10%, -0.25 = -25% (>= -1). */
export type ScenarioSpec =
  | { name: string; kind: "level"; shock: number | string }
  | { name: string; kind: "relative"; up: number[]; down: number[]; size: number | string }
  | { name: string; kind: "curve"; legs: number[]; short: number | string; long: number | string }
  | { name: string; kind: "legs"; shocks: (number | string)[] };

/** A scenario ready for the lens: one multiplicative shock per leg (WAD; 1e18 = unchanged). */
export interface Scenario {
  name: string;
  shocksWad: bigint[];
}

/** Bad scenario input; the message names the scenario, the field and the fix. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

function fail(where: string, msg: string): never {
  throw new ScenarioError(`${where}: ${msg}`);
}

/** A relative change (number or decimal string, at most 18 decimals) as WAD; rejects < -1 and non-numbers. */
function changeWad(where: string, field: string, v: unknown): bigint {
  if (typeof v !== "number" && typeof v !== "string")
    fail(where, `${field} must be a number like 0.1 or "-0.25", got ${JSON.stringify(v)}`);
  if (typeof v === "number" && !Number.isFinite(v)) fail(where, `${field} must be finite, got ${v}`);
  const text = typeof v === "number" ? v.toString() : v.trim();
  if (!/^-?\d+(\.\d{1,18})?$/.test(text))
    fail(where, `${field} must be a plain decimal with at most 18 decimals (no exponent), got "${text}"`);
  const w = parseUnits(text, 18);
  if (w < -WAD) fail(where, `${field} = ${text} would make a price negative; a shock must be >= -1`);
  if (w > 1_000_000n * WAD) fail(where, `${field} = ${text} is above 1,000,000 (a unit mistake?)`);
  return w;
}

function legList(where: string, field: string, v: unknown, n: number, minLen: number): number[] {
  if (!Array.isArray(v)) fail(where, `${field} must be an array of leg indices`);
  if (v.length < minLen)
    fail(where, `${field} needs at least ${minLen} leg${minLen === 1 ? "" : "s"}, got ${v.length}`);
  const seen = new Set<number>();
  v.forEach((k: unknown, i) => {
    if (typeof k !== "number" || !Number.isInteger(k))
      fail(where, `${field}[${i}] must be an integer leg index, got ${JSON.stringify(k)}`);
    if (k < 0 || k >= n) fail(where, `${field}[${i}] = ${k} is out of range (the session has ${n} legs: 0..${n - 1})`);
    if (seen.has(k)) fail(where, `${field}[${i}] = ${k} appears twice`);
    seen.add(k);
  });
  return v as number[];
}

/** Per-leg multiplicative shocks (WAD) of one validated scenario on `n` legs. */
export function toShocks(spec: ScenarioSpec, n: number, where = `scenario "${spec.name}"`): bigint[] {
  const shocks = Array<bigint>(n).fill(WAD);
  switch (spec.kind) {
    case "level": {
      const s = changeWad(where, "shock", spec.shock);
      return shocks.map(() => WAD + s);
    }
    case "relative": {
      const up = legList(where, "up", spec.up, n, 1);
      const down = legList(where, "down", spec.down, n, 1);
      const overlap = up.find((k) => down.includes(k));
      if (overlap !== undefined) fail(where, `leg ${overlap} is in both "up" and "down"`);
      const s = changeWad(where, "size", spec.size);
      if (s < 0n) fail(where, `size must be >= 0 (swap "up" and "down" for the other direction)`);
      if (s > WAD) fail(where, `size must be <= 1 (the "down" legs would go negative)`);
      for (const k of up) shocks[k] = WAD + s;
      for (const k of down) shocks[k] = WAD - s;
      return shocks;
    }
    case "curve": {
      const legs = legList(where, "legs", spec.legs, n, 2);
      const a = changeWad(where, "short", spec.short);
      const b = changeWad(where, "long", spec.long);
      const m = BigInt(legs.length - 1);
      // Linear in the position along the ordered legs: short end gets `short`, long end `long`.
      legs.forEach((k, p) => {
        shocks[k] = WAD + a + ((b - a) * BigInt(p)) / m;
      });
      return shocks;
    }
    case "legs": {
      if (!Array.isArray(spec.shocks) || spec.shocks.length !== n) {
        fail(
          where,
          `shocks must list one change per leg (${n}), got ${Array.isArray(spec.shocks) ? spec.shocks.length : typeof spec.shocks}`,
        );
      }
      return spec.shocks.map((v, k) => WAD + changeWad(where, `shocks[${k}]`, v));
    }
    default:
      return fail(
        where,
        `kind must be "level", "relative", "curve" or "legs", got ${JSON.stringify((spec as { kind: unknown }).kind)}`,
      );
  }
}

/**
 * Parses scenarios from JSON text (an array, or `{ "scenarios": [...] }`) for a session of `n` legs.
 * Throws {@link ScenarioError} naming the scenario and field on any bad input.
 */
export function parseScenarios(text: string, n: number): Scenario[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`scenarios: not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(data)
    ? data
    : typeof data === "object" && data !== null && "scenarios" in data
      ? (data as { scenarios: unknown }).scenarios
      : undefined;
  if (!Array.isArray(list))
    throw new ScenarioError(`scenarios: expected an array of scenarios or {"scenarios": [...]}`);
  if (list.length === 0) throw new ScenarioError("scenarios: the list is empty; give at least one scenario");
  const names = new Set<string>();
  return list.map((raw: unknown, i) => {
    if (typeof raw !== "object" || raw === null) throw new ScenarioError(`scenario[${i}]: must be an object`);
    const spec = raw as ScenarioSpec;
    if (typeof spec.name !== "string" || spec.name.trim() === "")
      throw new ScenarioError(`scenario[${i}]: "name" must be a non-empty string`);
    if (names.has(spec.name)) throw new ScenarioError(`scenario[${i}] ("${spec.name}"): the name is used twice`);
    names.add(spec.name);
    return { name: spec.name, shocksWad: toShocks(spec, n, `scenario[${i}] ("${spec.name}")`) };
  });
}

/** The result of one scenario for every account (1e36 quote units). */
export interface ScenarioRow {
  name: string;
  pricesWad: bigint[];
  pnlE36: bigint[];
  valueE36: bigint[];
  aggregatePnlE36: bigint;
}

export interface StressReport {
  accounts: string[];
  base: ScenarioRow;
  scenarios: ScenarioRow[];
}

/** What this module needs of the `SessionStressLens` contract (ethers v6, typed from the ABI). */
export interface StressLens {
  stress(
    session: string,
    accounts: string[],
    shocksWad: bigint[][],
  ): Promise<{ prices: bigint[]; pnlE36: bigint[]; valueE36: bigint[]; aggregatePnlE36: bigint }[]>;
}

/** Calls the lens and labels the results. */
export async function runStress(
  lens: StressLens,
  session: string,
  accounts: string[],
  scenarios: Scenario[],
): Promise<StressReport> {
  const res = await lens.stress(
    session,
    accounts,
    scenarios.map((s) => s.shocksWad),
  );
  const row = (name: string, r: (typeof res)[number]): ScenarioRow => ({
    name,
    pricesWad: [...r.prices],
    pnlE36: [...r.pnlE36],
    valueE36: [...r.valueE36],
    aggregatePnlE36: r.aggregatePnlE36,
  });
  return { accounts, base: row("base", res[0]), scenarios: scenarios.map((s, i) => row(s.name, res[i + 1])) };
}

/** The session events this module reads (any ethers v6 contract typed from the session ABI fits). */
export interface SessionEventsSource {
  filters: { Subscribed(): unknown; Traded(): unknown };
  queryFilter(filter: never, fromBlock?: number, toBlock?: number): Promise<unknown[]>;
  config(): Promise<{ feeRecipient: string }>;
}

/**
 * Every account that ever held allocation in the session: subscribers, makers and takers of trades (from the
 * `Subscribed` and `Traded` events), and the fee recipient. Sorted, without duplicates.
 */
export async function participants(session: SessionEventsSource, fromBlock = 0): Promise<string[]> {
  const seen = new Set<string>();
  const subs = (await session.queryFilter(session.filters.Subscribed() as never, fromBlock)) as {
    args: { account: string };
  }[];
  for (const e of subs) seen.add(e.args.account);
  const trades = (await session.queryFilter(session.filters.Traded() as never, fromBlock)) as {
    args: { maker: string; taker: string };
  }[];
  for (const e of trades) {
    seen.add(e.args.maker);
    seen.add(e.args.taker);
  }
  seen.add((await session.config()).feeRecipient);
  return [...seen].sort();
}

/** 1e36 quote units as a decimal string with `dp` decimals. */
export function quoteUnits(vE36: bigint, dp = 2): string {
  const neg = vE36 < 0n;
  const s = formatUnits(neg ? -vE36 : vE36, 36);
  const [i, f = ""] = s.split(".");
  const frac = dp === 0 ? "" : "." + (f + "0".repeat(dp)).slice(0, dp);
  return `${neg ? "-" : ""}${i}${frac}`;
}

/** A readable table: one line per account and scenario column, P&L versus baseline, then the aggregate. */
export function formatStressTable(report: StressReport, labels: Record<string, string> = {}, dp = 2): string {
  const cols = [report.base, ...report.scenarios];
  const names = report.accounts.map((a) => labels[a] ?? a);
  const w0 = Math.max(9, ...names.map((s) => s.length));
  const cells = (f: (r: ScenarioRow) => string) => cols.map(f);
  const widths = cols.map((c, j) =>
    Math.max(
      c.name.length,
      ...report.accounts.map((_, i) => quoteUnits(cols[j].pnlE36[i], dp).length),
      quoteUnits(c.aggregatePnlE36, dp).length,
    ),
  );
  const line = (first: string, xs: string[]) =>
    [first.padEnd(w0), ...xs.map((x, j) => x.padStart(widths[j]))].join("  ");
  const out = [
    line(
      "P&L",
      cells((c) => c.name),
    ),
  ];
  report.accounts.forEach((_, i) =>
    out.push(
      line(
        names[i],
        cells((c) => quoteUnits(c.pnlE36[i], dp)),
      ),
    ),
  );
  out.push(
    line(
      "aggregate",
      cells((c) => quoteUnits(c.aggregatePnlE36, dp)),
    ),
  );
  out.push("");
  out.push(
    line(
      "value",
      cells((c) => c.name),
    ),
  );
  report.accounts.forEach((_, i) =>
    out.push(
      line(
        names[i],
        cells((c) => quoteUnits(c.valueE36[i], dp)),
      ),
    ),
  );
  return out.join("\n");
}

/** The report as JSON-safe data (bigints as decimal strings of 1e36 units and WAD). */
export function reportToJson(report: StressReport): unknown {
  const row = (r: ScenarioRow) => ({
    name: r.name,
    pricesWad: r.pricesWad.map(String),
    pnlE36: r.pnlE36.map(String),
    valueE36: r.valueE36.map(String),
    aggregatePnlE36: String(r.aggregatePnlE36),
  });
  return { accounts: report.accounts, base: row(report.base), scenarios: report.scenarios.map(row) };
}
