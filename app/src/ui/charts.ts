/** Shared drawing of the app's charts (SVG path strings; no DOM). */

/** A point of a cumulative depth curve: price `p` and the size `c` available at that price or better. */
export interface DepthPoint {
  p: number;
  c: number;
}

/**
 * The closed step path of one side of a book's depth, for an SVG `<path d>`: from the best price outwards, each
 * point raising the curve to its cumulative size, then along to `edge` (the side's outer end of the price axis)
 * and down to the axis. `x` and `y` map a price and a size to the chart's pixels. Empty for no points.
 */
export function depthSteps(
  pts: DepthPoint[],
  edge: number,
  x: (p: number) => number,
  y: (c: number) => number,
): string {
  if (pts.length === 0) return "";
  let d = `M ${x(pts[0].p)} ${y(0)}`;
  let prev = 0;
  for (const pt of pts) {
    d += ` L ${x(pt.p)} ${y(prev)} L ${x(pt.p)} ${y(pt.c)}`;
    prev = pt.c;
  }
  return d + ` L ${x(edge)} ${y(prev)} L ${x(edge)} ${y(0)} Z`;
}
