/** Hand-written SVG line charts for evaluation reports (no dependency, opens in any browser). */

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
  /** Draw as a step line (thresholds, binary alarms). */
  step?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Shaded x-ranges (e.g. labelled anomalies). */
  bands?: readonly (readonly [number, number])[];
  bandLabel?: string;
  width?: number;
  height?: number;
  /** Fixed axis ranges; default from the data. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** Series longer than this are thinned (min/max kept per bucket). Default 1500. */
  maxPoints?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/** Keeps the min and max of each bucket so spikes survive thinning. */
function thin(points: readonly (readonly [number, number])[], max: number): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const bucket = Math.ceil(points.length / (max / 2));
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const chunk = points.slice(i, i + bucket).filter((p) => Number.isFinite(p[1]));
    if (chunk.length === 0) continue;
    let lo = chunk[0]!;
    let hi = chunk[0]!;
    for (const p of chunk) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** Renders a line chart as a standalone SVG document. */
export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 360;
  const m = { left: 70, right: 170, top: 36, bottom: 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const series = o.series.map((s) => ({ ...s, points: thin(s.points, o.maxPoints ?? 1500).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])) }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  let [x0, x1] = o.xRange ?? [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = o.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const X = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number): number => m.top + ph - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${m.left}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  for (const [a, b] of o.bands ?? []) {
    const xa = X(Math.max(a, x0));
    const xb = X(Math.min(b, x1));
    if (xb > xa) parts.push(`<rect x="${xa.toFixed(1)}" y="${m.top}" width="${(xb - xa).toFixed(1)}" height="${ph}" fill="#f4c7c3" opacity="0.6"/>`);
  }
  for (let k = 0; k <= 5; k++) {
    const yv = y0 + ((y1 - y0) * k) / 5;
    const xv = x0 + ((x1 - x0) * k) / 5;
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${Y(yv).toFixed(1)}" y2="${Y(yv).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(Y(yv) + 4).toFixed(1)}" text-anchor="end">${fmt(yv)}</text>`);
    parts.push(`<text x="${X(xv).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(xv)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    let d = '';
    s.points.forEach((p, k) => {
      if (k === 0) d += `M${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`;
      else if (s.step) d += `H${X(p[0]).toFixed(1)}V${Y(p[1]).toFixed(1)}`;
      else d += `L${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`;
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.3"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const ly = m.top + 12 + i * 16;
    parts.push(`<line x1="${m.left + pw + 10}" x2="${m.left + pw + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${m.left + pw + 34}" y="${ly}">${esc(s.name)}</text>`);
  });
  if (o.bands?.length) {
    const ly = m.top + 12 + series.length * 16;
    parts.push(`<rect x="${m.left + pw + 10}" y="${ly - 9}" width="20" height="8" fill="#f4c7c3"/>`);
    parts.push(`<text x="${m.left + pw + 34}" y="${ly}">${esc(o.bandLabel ?? 'labelled anomaly')}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
