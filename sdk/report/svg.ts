/**
 * Small, dependency-free SVG charts for the demo report: a step/line chart of series over time and a bar
 * chart with signed values. Output is a self-contained `<svg>` string.
 */

export interface Series {
  name: string;
  /** [x, y] points, x ascending. */
  points: Array<[number, number]>;
}

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const fmt = (v: number): string => {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-2)) return v.toExponential(2);
  return Number(v.toFixed(2)).toString();
};

function extent(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  return [lo, hi];
}

/** A step chart (values hold until the next point), one line per series, with a legend. */
export function stepChart(
  title: string,
  series: Series[],
  xLabel: string,
  yLabel: string,
  width = 640,
  height = 280,
): string {
  const m = { l: 64, r: 150, t: 28, b: 40 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = extent(xs.length > 0 ? xs : [0, 1]);
  const [y0, y1] = extent(ys.length > 0 ? [...ys, 0] : [0, 1]);
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const sx = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number): number => m.t + h - ((y - y0) / (y1 - y0)) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`,
    `<line x1="${m.l}" x2="${m.l + w}" y1="${sy(0)}" y2="${sy(0)}" stroke="#999" stroke-dasharray="3,3"/>`,
    `<text x="${m.l - 6}" y="${m.t + 4}" text-anchor="end">${fmt(y1)}</text>`,
    `<text x="${m.l - 6}" y="${m.t + h}" text-anchor="end">${fmt(y0)}</text>`,
    `<text x="${m.l}" y="${height - 8}">${fmt(x0)}</text>`,
    `<text x="${m.l + w}" y="${height - 8}" text-anchor="end">${fmt(x1)}</text>`,
    `<text x="${m.l + w / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${m.t + h / 2}" transform="rotate(-90 14 ${m.t + h / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    const color = palette[i % palette.length];
    if (s.points.length > 0) {
      let d = `M${sx(s.points[0][0]).toFixed(1)},${sy(s.points[0][1]).toFixed(1)}`;
      for (let k = 1; k < s.points.length; k++) {
        d += ` H${sx(s.points[k][0]).toFixed(1)} V${sy(s.points[k][1]).toFixed(1)}`;
      }
      d += ` H${sx(x1).toFixed(1)}`;
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = m.t + 12 + i * 16;
    parts.push(`<rect x="${m.l + w + 12}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${m.l + w + 28}" y="${ly}">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** A horizontal bar chart of signed values (e.g. P&L per participant), zero line marked. */
export function barChart(title: string, bars: Array<{ label: string; value: number }>, width = 640): string {
  const rowH = 22;
  const m = { l: 150, r: 80, t: 28, b: 12 };
  const height = m.t + m.b + rowH * Math.max(bars.length, 1);
  const [lo, hi] = extent([0, ...bars.map((b) => b.value)]);
  const w = width - m.l - m.r;
  const sx = (v: number): number => m.l + ((v - lo) / (hi - lo)) * w;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${sx(0)}" x2="${sx(0)}" y1="${m.t - 4}" y2="${height - m.b}" stroke="#999"/>`,
  ];
  bars.forEach((b, i) => {
    const y = m.t + i * rowH;
    const a = sx(Math.min(0, b.value));
    const z = sx(Math.max(0, b.value));
    const color = b.value >= 0 ? "#2ca02c" : "#d62728";
    parts.push(`<text x="${m.l - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(
      `<rect x="${a.toFixed(1)}" y="${y + 3}" width="${Math.max(z - a, 0.5).toFixed(1)}" height="${rowH - 6}" fill="${color}"/>`,
    );
    parts.push(`<text x="${(Math.max(z, sx(0)) + 4).toFixed(1)}" y="${y + 14}">${fmt(b.value)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
