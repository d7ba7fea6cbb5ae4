/**
 * Small SVG charts: the depth of a book (cumulative size against price, bids left, asks right) and my
 * allocation against my baseline per leg. Plain SVG: no chart library.
 */
import type { AccountInfo, SessionInfo } from "../sdk.js";
import type { Book } from "../relay.js";
import { isoTime } from "../../../sdk/input.js";
import type { AllocationHistory } from "./history.js";
import { depthSteps, type DepthPoint } from "../ui/charts.js";

const W = 320;
const H = 140;

/** A number from integer units (for drawing only: exact values are printed in the tables). */
const num = (v: bigint, decimals: number) => Number(v) / 10 ** decimals;

export function DepthChart({ book, di, dj }: { book: Book; di: number; dj: number }) {
  const price = (p: string) => (Number(BigInt(p)) / 1e18) * 10 ** (di - dj);
  const cum = (levels: Book["bids"]) => {
    let c = 0;
    return levels.map((l) => ({ p: price(l.priceWad), c: (c += num(BigInt(l.size), di)) }));
  };
  const bids = cum(book.bids);
  const asks = cum(book.asks);
  const all = [...bids, ...asks];
  if (all.length === 0) return null;
  const pMin = Math.min(...all.map((x) => x.p));
  const pMax = Math.max(...all.map((x) => x.p));
  const span = pMax - pMin || pMax * 0.2 || 1;
  const lo = pMin - span * 0.25;
  const hi = pMax + span * 0.25;
  const cMax = Math.max(...all.map((x) => x.c)) * 1.1;
  const x = (p: number) => 30 + ((p - lo) / (hi - lo)) * (W - 40);
  const y = (c: number) => H - 20 - (c / cMax) * (H - 30);
  // step paths: bids from best (highest) price leftwards, asks from best (lowest) rightwards
  const steps = (pts: DepthPoint[], edge: number) => depthSteps(pts, edge, x, y);
  return (
    <svg width={W} height={H} class="chart" data-testid="depth-chart" role="img" aria-label="book depth">
      <line x1={30} y1={H - 20} x2={W - 10} y2={H - 20} stroke="#889" />
      <path d={steps(bids, lo)} fill="rgba(22,163,74,0.25)" stroke="#16a34a" />
      <path d={steps(asks, hi)} fill="rgba(220,38,38,0.2)" stroke="#dc2626" />
      <text x={30} y={H - 5} class="axis">
        {lo.toPrecision(4)}
      </text>
      <text x={W - 10} y={H - 5} text-anchor="end" class="axis">
        {hi.toPrecision(4)}
      </text>
      <text x={W / 2} y={H - 5} text-anchor="middle" class="axis">
        price
      </text>
      <text x={32} y={12} class="axis">
        depth (cumulative size)
      </text>
    </svg>
  );
}

export function AllocationChart({ info, me }: { info: SessionInfo; me: AccountInfo }) {
  // value at the latest feed prices, so legs of different units compare (units when a feed cannot be read)
  const priced = info.legs.every((l) => l.latestPrice !== undefined);
  const worth = (v: bigint, k: number) =>
    priced ? num(v, info.legs[k].decimals) * num(info.legs[k].latestPrice!, 18) : num(v, info.legs[k].decimals);
  const rows = info.legs.map((l, k) => ({
    symbol: l.symbol,
    a: worth(me.allocation[k], k),
    b: worth(me.baseline[k], k),
  }));
  const max = Math.max(1e-18, ...rows.flatMap((r) => [Math.abs(r.a), Math.abs(r.b)]));
  const rowH = 26;
  const h = rows.length * rowH + 24;
  const bar = (v: number) => (Math.abs(v) / max) * (W - 120);
  return (
    <svg width={W} height={h} class="chart" data-testid="allocation-chart" role="img" aria-label="allocation">
      <text x={4} y={12} class="axis">
        {priced ? "value at latest prices" : "units"}: allocation (bar) vs baseline (dashed)
      </text>
      {rows.map((r, k) => (
        <g key={k} transform={`translate(0, ${20 + k * rowH})`}>
          <text x={4} y={15} class="axis">
            {r.symbol}
          </text>
          <rect x={60} y={3} width={bar(r.a)} height={14} fill={r.a >= r.b ? "#2563eb" : "#f59e0b"} />
          <text x={W - 4} y={15} text-anchor="end" class="axis">
            {r.a.toPrecision(5)}
          </text>
          <rect x={60} y={1} width={bar(r.b)} height={18} fill="none" stroke="#334" stroke-dasharray="3 2" />
        </g>
      ))}
    </svg>
  );
}

/**
 * My allocation over time: its value at the latest feed prices after every event that moved it (subscription,
 * each trade, redemption, liquidation, dividend), one step per event, the baseline's value dashed.
 */
export function AllocationHistoryChart({
  info,
  me,
  history,
}: {
  info: SessionInfo;
  me: AccountInfo;
  history: AllocationHistory;
}) {
  const { points } = history;
  if (points.length === 0) return null;
  if (!history.complete)
    return (
      <p class="muted" data-testid="allocation-history-incomplete">
        Allocation over time: the session's events do not add up to the allocation the contract reports now, so no
        history is drawn.
      </p>
    );
  const priced = info.legs.every((l) => l.latestPrice !== undefined);
  const value = (x: bigint[]) =>
    x.reduce(
      (sum, v, k) =>
        sum +
        (priced ? num(v, info.legs[k].decimals) * num(info.legs[k].latestPrice!, 18) : num(v, info.legs[k].decimals)),
      0,
    );
  const vs = points.map((p) => value(p.x));
  const base = value(me.baseline);
  const lo = Math.min(base, ...vs);
  const hi = Math.max(base, ...vs);
  const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.05 || 1;
  const x = (i: number) => 40 + (points.length === 1 ? 0 : (i / (points.length - 1)) * (W - 60));
  const y = (v: number) => H - 24 - ((v - (lo - pad)) / (hi - lo + 2 * pad)) * (H - 40);
  let d = `M ${x(0)} ${y(vs[0])}`;
  for (let i = 1; i < vs.length; i++) d += ` L ${x(i)} ${y(vs[i - 1])} L ${x(i)} ${y(vs[i])}`;
  const day = (t: bigint) => isoTime(t).slice(5, 16).replace("T", " ");
  return (
    <svg
      width={W}
      height={H}
      class="chart"
      data-testid="allocation-history"
      data-points={points.length}
      role="img"
      aria-label="allocation over time"
    >
      <text x={4} y={12} class="axis">
        {priced ? "my allocation's value over time" : "my allocation over time (units)"} · dashed: baseline
      </text>
      <line x1={40} y1={y(base)} x2={W - 20} y2={y(base)} stroke="#889" stroke-dasharray="4 3" />
      <path d={d} fill="none" stroke="#2563eb" stroke-width={2} />
      {points.map((p, i) => (
        <circle cx={x(i)} cy={y(vs[i])} r={3} fill="#2563eb">
          <title>
            {p.event} · block {p.blockNumber.toString()} · {vs[i].toPrecision(6)}
          </title>
        </circle>
      ))}
      <text x={36} y={y(hi) + 4} text-anchor="end" class="axis">
        {hi.toPrecision(5)}
      </text>
      <text x={36} y={y(lo) + 4} text-anchor="end" class="axis">
        {lo.toPrecision(5)}
      </text>
      <text x={40} y={H - 6} class="axis">
        {day(points[0].blockTime)}
      </text>
      <text x={W - 20} y={H - 6} text-anchor="end" class="axis">
        {day(points[points.length - 1].blockTime)} · {points.length} events
      </text>
    </svg>
  );
}
