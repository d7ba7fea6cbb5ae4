/**
 * The markets' SVG charts: a book's depth (cumulative contracts against price on the 0..1 grid, bids left, asks
 * right) and a trader's payoff across the root's range of X (what redemption pays, and that minus the premium
 * paid), with the outcomes no longer possible shaded. Plain SVG.
 */
import type { MarketBook, PayoffPoint } from "../../../sdk/markets/index.js";
import { depthSteps, type DepthPoint } from "../ui/charts.js";

const W = 460;
const H = 170;

export function DepthChart({ book }: { book: MarketBook }) {
  const cum = (levels: MarketBook["bids"]) => {
    let c = 0;
    return levels.map((l) => ({ p: l.tick / 100, c: (c += Number(l.size)) }));
  };
  const bids = cum(book.bids);
  const asks = cum(book.asks);
  const all = [...bids, ...asks];
  if (all.length === 0) return null;
  const cMax = Math.max(...all.map((x) => x.c)) * 1.15;
  const x = (p: number) => 34 + p * (W - 44);
  const y = (c: number) => H - 22 - (c / cMax) * (H - 36);
  const steps = (pts: DepthPoint[], edge: number) => depthSteps(pts, edge, x, y);
  return (
    <svg width={W} height={H} class="chart" data-testid="depth-chart" role="img" aria-label="book depth">
      <line x1={34} y1={H - 22} x2={W - 10} y2={H - 22} stroke="#889" />
      <path d={steps(bids, 0)} fill="rgba(22,163,74,0.25)" stroke="#16a34a" />
      <path d={steps(asks, 1)} fill="rgba(220,38,38,0.2)" stroke="#dc2626" />
      {[0, 0.25, 0.5, 0.75, 1].map((p) => (
        <text key={p} x={x(p)} y={H - 7} text-anchor="middle" class="axis">
          {p.toFixed(2)}
        </text>
      ))}
      <text x={36} y={12} class="axis">
        depth (cumulative contracts; bids green, offers red) · max {Math.round(cMax / 1.15)}
      </text>
    </svg>
  );
}

/**
 * The payoff across [from, to]: `points` are the curve's kinks (linear between them). Values in collateral
 * tokens (already divided by the decimals) for drawing only; exact numbers are in the positions table.
 */
export function PayoffChart(props: {
  points: PayoffPoint[];
  decimals: number;
  outcomeDecimals: number;
  lo: bigint;
  hi: bigint;
  settledAt?: bigint;
  symbol: string;
}) {
  const { points, decimals, outcomeDecimals, lo, hi, settledAt, symbol } = props;
  if (points.length < 2) return null;
  const xs = (v: bigint) => Number(v) / 10 ** outcomeDecimals;
  const vs = (v: bigint) => Number(v) / 10 ** decimals;
  const x0 = xs(points[0].x);
  const x1 = xs(points[points.length - 1].x);
  const vals = points.flatMap((p) => [vs(p.payout), vs(p.pnl)]);
  let vMin = Math.min(0, ...vals);
  let vMax = Math.max(0, ...vals);
  if (vMax - vMin < 1e-9) ((vMin -= 1), (vMax += 1));
  const pad = (vMax - vMin) * 0.1;
  vMin -= pad;
  vMax += pad;
  const L = 58;
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - 12);
  const py = (v: number) => 14 + ((vMax - v) / (vMax - vMin)) * (H - 40);
  const line = (f: (p: PayoffPoint) => bigint) =>
    points.map((p, i) => `${i === 0 ? "M" : "L"} ${px(xs(p.x))} ${py(vs(f(p)))}`).join(" ");
  const fmtV = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3));
  const ticks = [...new Set(points.map((p) => xs(p.x)))];
  return (
    <svg width={W} height={H} class="chart" data-testid="payoff-chart" role="img" aria-label="payoff across X">
      {xs(lo) > x0 && <rect x={px(x0)} y={14} width={px(xs(lo)) - px(x0)} height={H - 40} fill="#eef0f4" />}
      {xs(hi) < x1 && <rect x={px(xs(hi))} y={14} width={px(x1) - px(xs(hi))} height={H - 40} fill="#eef0f4" />}
      <line x1={L} y1={py(0)} x2={W - 12} y2={py(0)} stroke="#889" />
      <path d={line((p) => p.payout)} fill="none" stroke="#2563eb" stroke-width={2} />
      <path d={line((p) => p.pnl)} fill="none" stroke="#f59e0b" stroke-width={2} stroke-dasharray="5 3" />
      {settledAt !== undefined && (
        <line x1={px(xs(settledAt))} y1={14} x2={px(xs(settledAt))} y2={H - 26} stroke="#b91c1c" />
      )}
      {ticks.map((t) => (
        <text key={t} x={px(t)} y={H - 12} text-anchor="middle" class="axis">
          {t}
        </text>
      ))}
      <text x={L - 4} y={py(vMax - pad) + 4} text-anchor="end" class="axis">
        {fmtV(vMax - pad)}
      </text>
      <text x={L - 4} y={py(0) + 4} text-anchor="end" class="axis">
        0
      </text>
      <text x={L - 4} y={py(vMin + pad) + 4} text-anchor="end" class="axis">
        {fmtV(vMin + pad)}
      </text>
      <text x={6} y={11} class="axis">
        {symbol}: payout (blue), payout minus premium (orange); grey: X ruled out
      </text>
    </svg>
  );
}
