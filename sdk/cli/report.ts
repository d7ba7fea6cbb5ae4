/**
 * The data set's report: one self-contained HTML page built from the indexed events of a deployment (the
 * same events `data export` releases) plus each session's static facts and prices read from the chain.
 * Per session: the allocation trajectories x_i(t) per leg, final allocations with their value and P&L
 * versus the subscribed baseline, the order flow, and checks that the events alone reproduce the chain
 * (every account's allocation, the pool's basket per leg, P&L summing to zero).
 */
import { getAddress, type Provider } from "ethers";

import { pseudonym } from "../data/export.js";
import { readEvents } from "../data/indexer.js";
import { orderFlow, rebuildPositions, type PositionPoint, type StoredEvent } from "../data/positions.js";
import type { Store } from "../data/store.js";
import { htmlReport, textTable, type Block } from "../report/html.js";
import { barChart, stepChart, type Series } from "../report/svg.js";
import { loadSession, type SessionInfo } from "../sessions/client.js";
import { MarginModule__factory, SessionCore__factory } from "../../types/ethers-contracts/index.js";
import { formatAmount, isoTime } from "./args.js";
import { sessionMetas } from "./data.js";

export interface ReportCheck {
  label: string;
  ok: boolean;
  detail: string;
}

export interface SessionReportRow {
  session: string;
  kind: string;
  status: string;
  accounts: number;
  trades: number;
  /** Which prices valued the allocations: "settlement", "latest" or "none" (no feed readable). */
  prices: "settlement" | "latest" | "none";
  checks: ReportCheck[];
}

export interface DataReport {
  chainId: bigint;
  events: number;
  sessions: SessionReportRow[];
  html: string;
  /** Every check passed. */
  ok: boolean;
}

const E18 = 10n ** 18n;

/** Value of one allocation unit of each leg in 1e36 quote units at `prices` (WAD quote per unit or whole token). */
async function unitValuesE36(provider: Provider, info: SessionInfo, prices: bigint[]): Promise<bigint[]> {
  const out: bigint[] = [];
  for (const l of info.legs) {
    const p = prices[l.index];
    if (info.kind === "cash") {
      out.push(p);
      continue;
    }
    let v = p * 10n ** BigInt(18 - l.decimals);
    if (info.kind === "margin") {
      // Margin allocations are in session units: a split of scaleNum:scaleDen turns one unit into that many tokens.
      const s = await MarginModule__factory.connect(info.address, provider).legState(l.index);
      v = (v * s.scaleNum) / s.scaleDen;
    }
    out.push(v);
  }
  return out;
}

/** The pool's basket per leg, in allocation units, as the chain holds it. */
async function basketOnChain(provider: Provider, info: SessionInfo): Promise<bigint[]> {
  if (info.kind !== "margin") return info.legs.map((l) => info.totalShares * l.unit);
  const m = MarginModule__factory.connect(info.address, provider);
  return Promise.all(info.legs.map(async (l) => (await m.legState(l.index)).basket));
}

/** Subscribed minus redeemed amounts per account: the baseline P&L is measured against. */
function baselines(events: StoredEvent[], info: SessionInfo): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  const n = info.legs.length;
  for (const e of events) {
    if (e.name !== "Subscribed" && e.name !== "Redeemed") continue;
    const who = String(e.args.account).toLowerCase();
    const b = out.get(who) ?? new Array<bigint>(n).fill(0n);
    const sign = e.name === "Subscribed" ? 1n : -1n;
    const shares = BigInt(String(e.args.shares));
    const amounts = Array.isArray(e.args.amounts) ? e.args.amounts.map((v) => BigInt(String(v))) : [];
    for (let k = 0; k < n; k++) b[k] += sign * (info.kind === "cash" ? shares * info.legs[k].unit : amounts[k]);
    out.set(who, b);
  }
  return out;
}

const check = (label: string, ok: boolean, detail: string): ReportCheck => ({ label, ok, detail });
const num = (v: bigint, decimals: number): number => Number(formatAmount(v, decimals));

/** Builds the report from the data set in `store` (index it first with `indexDeployment`). */
export async function buildDataReport(
  provider: Provider,
  store: Store,
  opts: { key?: string; title?: string } = {},
): Promise<DataReport> {
  const chainId = (await provider.getNetwork()).chainId;
  const events = await readEvents(store, { chainId });
  const created = events.filter((e) => e.name === "SessionCreated").map((e) => String(e.args.session).toLowerCase());
  const seen = events.filter((e) => e.kind === "session").map((e) => e.address.toLowerCase());
  const addresses = [...new Set([...created, ...seen])];
  const metas = await sessionMetas(provider, addresses);
  const { trajectory, final } = rebuildPositions(events, metas);
  const flow = orderFlow(events, (s) => metas.find((m) => m.address === s)?.units.length ?? 0);
  const key = opts.key === undefined || opts.key === "" ? undefined : opts.key;
  const name = (a: string): string => {
    if (key !== undefined) return pseudonym(a, key);
    const c = getAddress(a);
    return `${c.slice(0, 6)}…${c.slice(-4)}`;
  };

  const rows: SessionReportRow[] = [];
  const blocks: Block[] = [];
  for (const address of addresses) {
    const info = await loadSession(provider, address);
    const mine = events.filter((e) => e.address.toLowerCase() === address);
    const book = final.get(address) ?? new Map<string, bigint[]>();
    const points = trajectory.filter((p) => p.session === address);
    const trades = flow.filter((r) => r.session === address);
    const accounts = [...book.keys()];
    const symbols = info.legs.map((l) => l.symbol);
    const checks: ReportCheck[] = [];

    // 1. The events alone reproduce every account's allocation on chain.
    const core = SessionCore__factory.connect(address, provider);
    let mismatches = 0;
    for (const a of accounts) {
      const onChain = (await core.allocationOf(a)).map((v) => BigInt(v));
      if (onChain.some((v, k) => v !== (book.get(a) as bigint[])[k])) mismatches++;
    }
    checks.push(
      check(
        "allocations rebuilt from the events equal allocationOf on chain",
        accounts.length > 0 && mismatches === 0,
        `${accounts.length} accounts, ${mismatches} mismatches`,
      ),
    );
    // 2. Conservation: the allocations add up to the pool's basket, leg by leg.
    const basket = await basketOnChain(provider, info);
    const sums = info.legs.map((l) => accounts.reduce((s, a) => s + (book.get(a) as bigint[])[l.index], 0n));
    checks.push(
      check(
        "sum of allocations equals the pool's basket on every leg",
        sums.every((s, k) => s === basket[k]),
        info.legs.map((l, k) => `${l.symbol} ${formatAmount(sums[k], l.decimals)}`).join(", "),
      ),
    );

    // 3. Value and P&L versus the baseline, at the settlement prices once settled, else the latest ones.
    const settled = info.status === "settled";
    const latest = info.legs.every((l) => l.latestPrice !== undefined);
    const priceKind: SessionReportRow["prices"] = settled ? "settlement" : latest ? "latest" : "none";
    const prices = info.legs.map((l) => (settled ? l.settlementPrice : (l.latestPrice ?? 0n)));
    const unitE36 = priceKind === "none" ? undefined : await unitValuesE36(provider, info, prices);
    const base = baselines(mine, info);
    const zero = info.legs.map(() => 0n);
    const valueE36 = (x: bigint[]): bigint => x.reduce((s, v, k) => s + v * (unitE36 as bigint[])[k], 0n);
    const table: Array<Array<string | number | bigint>> = [];
    const pnl: Array<{ label: string; value: number }> = [];
    let pnlSum = 0n;
    for (const a of accounts) {
      const x = book.get(a) as bigint[];
      const b = base.get(a) ?? zero;
      const row: Array<string | number | bigint> = [
        name(a) + (a === info.feeRecipient.toLowerCase() ? " (fees)" : ""),
        ...info.legs.map((l) => formatAmount(x[l.index], l.decimals)),
      ];
      if (unitE36 !== undefined) {
        const p = valueE36(x) - valueE36(b);
        pnlSum += p;
        row.push(formatAmount(valueE36(x) / E18, 18), formatAmount(p / E18, 18));
        pnl.push({ label: name(a), value: num(p / E18, 18) });
      }
      table.push(row);
    }
    const conserved = sums.every((s, k) => s === [...base.values()].reduce((t, b) => t + b[k], 0n));
    if (unitE36 !== undefined && conserved)
      checks.push(check("P&L versus baseline sums to zero across accounts", pnlSum === 0n, `sum ${pnlSum} / 1e36`));

    // Charts: x_i(t) per leg against the event sequence (chain order): subscriptions and trades are often
    // hours apart, so a time axis would crowd every trade into one edge.
    const seq = new Map<string, number>();
    for (const p of points) {
      const id = `${p.blockNumber}:${p.logIndex}`;
      if (!seq.has(id)) seq.set(id, seq.size + 1);
    }
    const series = (k: number): Series[] =>
      accounts.map((a) => ({
        name: name(a),
        points: points
          .filter((p: PositionPoint) => p.account === a)
          .map(
            (p) =>
              [seq.get(`${p.blockNumber}:${p.logIndex}`) as number, num(p.x[k], info.legs[k].decimals)] as [
                number,
                number,
              ],
          ),
      }));
    const flowRows = trades.map((r) => [
      seq.get(`${r.blockNumber}:${r.logIndex}`) ?? "",
      isoTime(r.blockTime),
      name(r.maker),
      name(r.taker),
      r.legs.map((k, i) => `${symbols[k]} ${formatAmount(r.makerDeltas[i], info.legs[k].decimals)}`).join(", "),
      formatAmount(r.filledAfterWad * 100n, 18) + "%",
      r.matchedWith === "" ? "fill" : "match",
    ]);
    const ok = checks.every((c) => c.ok);
    rows.push({
      session: info.address,
      kind: info.kind,
      status: info.status,
      accounts: accounts.length,
      trades: trades.length,
      prices: priceKind,
      checks,
    });
    blocks.push(
      { kind: "h2", text: `Session ${info.address} (${info.kind}, ${info.status})` },
      {
        kind: "p",
        text: `Legs ${symbols.join(", ")}; t1 ${isoTime(info.t1)}, t2 ${isoTime(info.t2)}; ${info.totalShares} shares; ${mine.length} events, ${trades.length} trades, ${accounts.length} accounts. Values are in quote units at the ${priceKind === "none" ? "(unavailable) " : priceKind + " "}prices${priceKind === "none" ? ": no fresh price could be read from the feeds (stale or unreadable), so no P&L is shown" : ""}. Event numbers on the charts' x axes are listed with the order flow.`,
      },
      ...info.legs.map((l): Block => ({
        kind: "svg",
        svg: stepChart(`${l.symbol} allocation x_i(t)`, series(l.index), "event # (chain order)", l.symbol),
      })),
      {
        kind: "table",
        columns: ["account", ...symbols, ...(unitE36 !== undefined ? ["value", "P&L vs baseline"] : [])],
        rows: table,
        caption: "Final allocations (from the events)",
      },
      ...(pnl.length > 0 ? [{ kind: "svg", svg: barChart("P&L versus baseline (quote units)", pnl) } as Block] : []),
      {
        kind: "table",
        columns: ["event #", "time", "maker", "taker", "maker's change", "order filled", "how"],
        rows: flowRows,
        caption: "Order flow (every Traded event)",
      },
      { kind: "checks", items: checks },
    );
    if (!ok) blocks.push({ kind: "p", text: "At least one check failed: the data set does not reproduce the chain." });
  }
  const allOk = rows.every((r) => r.checks.every((c) => c.ok));
  const head: Block[] = [
    {
      kind: "p",
      text: `Chain ${chainId}: ${events.length} events of ${rows.length} sessions, read from the data set. Addresses ${key !== undefined ? "pseudonymised with a keyed hash" : "shortened"}. ${allOk ? "Every check passed." : "Some checks FAILED."}`,
    },
  ];
  return {
    chainId,
    events: events.length,
    sessions: rows,
    html: htmlReport(opts.title ?? "Ringfence data set report", [...head, ...blocks]),
    ok: allOk,
  };
}

/** The terminal summary: one line per session. */
export function reportText(r: DataReport, file: string): string {
  const table = textTable(
    ["session", "kind", "status", "accounts", "trades", "prices", "checks"],
    r.sessions.map((s) => [
      s.session,
      s.kind,
      s.status,
      s.accounts,
      s.trades,
      s.prices,
      `${s.checks.filter((c) => c.ok).length}/${s.checks.length} ok`,
    ]),
  );
  const failed = r.sessions.flatMap((s) =>
    s.checks.filter((c) => !c.ok).map((c) => `  FAILED ${s.session}: ${c.label} (${c.detail})`),
  );
  return [`Report of chain ${r.chainId} (${r.events} events) written to ${file}`, table, ...failed].join("\n");
}
