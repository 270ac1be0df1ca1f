// Deliveries per second and delivery latency (p50, p99) over the last minutes, drawn as SVG
// from the attempts the page has seen.
import { svg } from './views.js';

const WINDOW_S = 300;

function quantile(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// attempts: [{at (ms), latencyMs, ok}]
export function drawChart(figure, attempts, nowMs = Date.now()) {
  if (!figure.clientWidth) return;  // hidden: drawn when shown
  // Drawn at the figure's own width, so that text stays at its size in any window.
  const width = Math.max(320, Math.round((figure.clientWidth || 648) - 8)), height = 160;
  const left = 44, right = 48, top = 12, bottom = 24;
  const buckets = 60, bucketS = WINDOW_S / buckets;
  const counts = new Array(buckets).fill(0);
  const latencies = Array.from({ length: buckets }, () => []);
  for (const a of attempts) {
    const age = (nowMs - a.at) / 1000;
    if (age < 0 || age >= WINDOW_S) continue;
    const b = buckets - 1 - Math.floor(age / bucketS);
    counts[b] += 1;
    latencies[b].push(a.latencyMs);
  }
  const rates = counts.map((c) => c / bucketS);
  const p50 = latencies.map((l) => quantile(l.slice().sort((x, y) => x - y), 0.5));
  const p99 = latencies.map((l) => quantile(l.slice().sort((x, y) => x - y), 0.99));
  const maxRate = Math.max(1, ...rates);
  const maxLatency = Math.max(1, ...p99);
  const w = (width - left - right) / buckets;
  const y = (v, max) => top + (height - top - bottom) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-label': `Deliveries per second (bars, up to ${maxRate.toFixed(1)}) and latency p50/p99 (lines, up to ${maxLatency.toFixed(0)} ms), last 5 minutes` });
  rates.forEach((r, i) => {
    if (r > 0) root.append(svg('rect', { x: left + i * w, y: y(r, maxRate), width: Math.max(1, w - 1), height: height - bottom - y(r, maxRate), class: 'bar' }));
  });
  const line = (values, cls) => {
    const points = values.map((v, i) => (latencies[i].length ? `${left + i * w + w / 2},${y(v, maxLatency)}` : null)).filter(Boolean);
    if (points.length) root.append(svg('polyline', { points: points.join(' '), class: cls }));
    for (const p of points) {
      const [cx, cy] = p.split(',');
      root.append(svg('circle', { cx, cy, r: 2.5, class: cls }));
    }
  };
  line(p50, 'p50');
  line(p99, 'p99');
  root.append(svg('text', { x: 4, y: top + 8, class: 'tick' }, `${maxRate.toFixed(1)}/s`));
  root.append(svg('text', { x: width - 4, y: top + 8, class: 'tick end' }, `${maxLatency.toFixed(0)} ms`));
  root.append(svg('text', { x: left, y: height - 6, class: 'tick' }, '-5 min'));
  root.append(svg('text', { x: width - right, y: height - 6, class: 'tick end' }, 'now'));
  root.append(svg('text', { x: width / 2, y: height - 6, class: 'tick mid' }, 'bars: deliveries/s · lines: p50, p99 latency'));
  figure.replaceChildren(root);
}
