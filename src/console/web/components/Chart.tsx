/** A small line chart in SVG: time across, one polyline per series, the largest value on the axis. */
import type { Point } from '../model/activity';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const W = 560;
const H = 160;

export function Chart({ title, series, unit }: { title: string; series: { name: string; points: Point[] }[]; unit: string }) {
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.at));
  const t1 = Math.max(...all.map((p) => p.at));
  const max = Math.max(1, ...all.map((p) => p.value));
  const x = (t: number) => (t1 > t0 ? ((t - t0) / (t1 - t0)) * (W - 50) + 45 : 45);
  const y = (v: number) => H - 20 - (v / max) * (H - 30);
  return (
    <figure class="chart" data-test="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={title}>
        <line x1={45} y1={H - 20} x2={W - 5} y2={H - 20} class="axis" />
        <line x1={45} y1={10} x2={45} y2={H - 20} class="axis" />
        <text x={40} y={14} text-anchor="end" class="tick">
          {Number.isInteger(max) ? max : max.toFixed(1)}
        </text>
        <text x={40} y={H - 20} text-anchor="end" class="tick">
          0
        </text>
        <text x={W - 5} y={H - 4} text-anchor="end" class="tick">
          now
        </text>
        {all.length > 0 && (
          <text x={45} y={H - 4} class="tick">
            {Math.round((t1 - t0) / 1000)} s ago
          </text>
        )}
        {series.map((s, i) => (
          <polyline key={s.name} fill="none" stroke={COLORS[i % COLORS.length]} stroke-width={2} points={s.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.name}>
            <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {s.name}
            {s.points.length > 0 && ` — ${Number(s.points[s.points.length - 1].value.toFixed(2))} ${unit}`}
          </li>
        ))}
      </ul>
    </figure>
  );
}
