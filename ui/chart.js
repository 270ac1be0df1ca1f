// The two drawings of the page, as SVG: deliveries per second with latency over the last five
// minutes, and one job's attempts on a time axis.
import { duration } from './format.js';
import { svg } from './views.js';

const WINDOW_S = 300;
const BUCKETS = 60;

function quantile(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// The chart's data from the attempts seen ({at, latencyMs, ok}): per bucket of 5 s, the
// attempts that succeeded and those that failed (apart: a failed attempt is no delivery), and
// the latencies' p50 and p99 (null for a bucket without attempts). Pure, for node:test.
export function bucketize(attempts, nowMs) {
  const bucketS = WINDOW_S / BUCKETS;
  const ok = new Array(BUCKETS).fill(0), failed = new Array(BUCKETS).fill(0);
  const latencies = Array.from({ length: BUCKETS }, () => []);
  for (const a of attempts) {
    const age = (nowMs - a.at) / 1000;
    if (!(age >= 0 && age < WINDOW_S)) continue;
    const b = BUCKETS - 1 - Math.floor(age / bucketS);
    (a.ok ? ok : failed)[b] += 1;
    latencies[b].push(a.latencyMs);
  }
  const sorted = latencies.map((l) => l.slice().sort((x, y) => x - y));
  return {
    bucketS, ok, failed,
    p50: sorted.map((l) => (l.length ? quantile(l, 0.5) : null)),
    p99: sorted.map((l) => (l.length ? quantile(l, 0.99) : null)),
  };
}

// The runs of consecutive buckets that have a value: a line is drawn through each run and
// never across a stretch of silence.
export function runs(values) {
  const out = [];
  let current = [];
  values.forEach((v, i) => {
    if (v === null) { if (current.length) out.push(current); current = []; } else current.push(i);
  });
  if (current.length) out.push(current);
  return out;
}

export function drawChart(figure, attempts, nowMs = Date.now()) {
  if (!figure.clientWidth) return;  // hidden: drawn when shown
  const width = Math.max(300, Math.round(figure.clientWidth - 8)), height = 170;
  const left = 44, right = 52, top = 14, bottom = 40;
  const data = bucketize(attempts, nowMs);
  const rate = (i) => (data.ok[i] + data.failed[i]) / data.bucketS;
  const maxRate = Math.max(0.2, ...data.ok.map((_, i) => rate(i)));
  const maxLatency = Math.max(1, ...data.p99.filter((v) => v !== null));
  const w = (width - left - right) / BUCKETS;
  const y = (v, max) => top + (height - top - bottom) * (1 - v / max);
  const base = height - bottom;
  const delivered = data.ok.reduce((a, b) => a + b, 0), failed = data.failed.reduce((a, b) => a + b, 0);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-label': `Last 5 minutes: ${delivered} successful and ${failed} failed attempts; latency p99 up to ${duration(maxLatency)}` });
  data.ok.forEach((n, i) => {
    const x = left + i * w, bw = Math.max(1, w - 1);
    const okH = (n / data.bucketS / maxRate) * (base - top), badH = (data.failed[i] / data.bucketS / maxRate) * (base - top);
    if (n) root.append(svg('rect', { x, y: base - okH, width: bw, height: okH, class: 'bar ok' }));
    if (data.failed[i]) root.append(svg('rect', { x, y: base - okH - badH, width: bw, height: badH, class: 'bar failed' }));
  });
  const line = (values, cls) => {
    for (const run of runs(values)) {
      const points = run.map((i) => `${left + i * w + w / 2},${y(values[i], maxLatency)}`);
      if (points.length > 1) root.append(svg('polyline', { points: points.join(' '), class: cls }));
      else { const [cx, cy] = points[0].split(','); root.append(svg('circle', { cx, cy, r: 2.5, class: cls })); }
    }
  };
  line(data.p50, 'p50');
  line(data.p99, 'p99');
  root.append(svg('line', { x1: left, y1: base, x2: width - right, y2: base, class: 'axis' }));
  root.append(svg('text', { x: left - 4, y: top + 8, class: 'tick end' }, `${maxRate.toFixed(1)}/s`));
  root.append(svg('text', { x: width - right + 4, y: top + 8, class: 'tick' }, duration(maxLatency)));
  root.append(svg('text', { x: left, y: base + 14, class: 'tick' }, '5 min ago'));
  root.append(svg('text', { x: width - right, y: base + 14, class: 'tick end' }, 'now'));
  // The legend on a line of its own, under the axis labels: nothing collides at any width.
  // Each key after the one before it, by its text's width (10 px type: at most 6.5 px a
  // character), so that none runs into the next however narrow the chart.
  const legend = [['ok', 'succeeded'], ['failed', 'failed'], ['p50', 'p50'], ['p99', 'p99 latency']];
  let x = 4;
  for (const [cls, text] of legend) {
    root.append(svg('rect', { x, y: height - 12, width: 10, height: 10, class: `key ${cls}` }));
    root.append(svg('text', { x: x + 14, y: height - 3, class: 'tick' }, text));
    x += 14 + Math.ceil(text.length * 6.5) + 14;
  }
  figure.replaceChildren(root);
}

// Where each attempt's dot goes on an axis `span` wide: at its time, but never closer than
// `gap` to the one before; when that would run past the end, evenly spaced in order instead
// (the axis's end still says the real span). Pure, for node:test.
export function placeAttempts(times, span, from, to, gap) {
  const scale = (t) => from + ((to - from) * t) / span;
  const xs = [];
  times.forEach((t, i) => xs.push(i === 0 ? scale(t) : Math.max(scale(t), xs[i - 1] + gap)));
  if (xs.length && xs[xs.length - 1] > to) {
    const step = xs.length > 1 ? (to - from) / (xs.length - 1) : 0;
    return times.map((_, i) => from + i * step);
  }
  return xs;
}

// A job's attempts from the event's creation: a dot per attempt (green ok, red failed, the
// chosen one ringed), its latency as a bar, "#n status" above, alternately high and low when
// they crowd.
export function timeline(attempts, startMs, chosen) {
  const width = 480, height = 64, pad = 28;
  const times = attempts.map((a) => Math.max(0, a.at - startMs));
  const span = Math.max(1000, ...times.map((t) => t + 1));
  const xs = placeAttempts(times, span, pad, width - pad, 52);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'timeline', role: 'img',
    'aria-label': `${attempts.length} attempt${attempts.length === 1 ? '' : 's'} over ${duration(span)}` });
  root.append(svg('line', { x1: pad, y1: 40, x2: width - pad, y2: 40, class: 'axis' }));
  root.append(svg('text', { x: pad, y: 60, class: 'tick' }, '0'));
  root.append(svg('text', { x: width - pad, y: 60, class: 'tick end' }, duration(span)));
  const crowded = xs.some((x, i) => i > 0 && x - xs[i - 1] < 60);
  attempts.forEach((a, i) => {
    const cx = xs[i];
    const latency = Math.max(1, ((width - 2 * pad) * a.latencyMs) / span);
    root.append(svg('rect', { x: cx - latency, y: 37, width: latency, height: 6, class: 'latency' }));
    const dot = svg('circle', { cx, cy: 40, r: chosen === i + 1 ? 8 : 6, class: `${a.ok ? 'ok' : 'failed'}${chosen === i + 1 ? ' chosen' : ''}`,
      'data-attempt': i + 1 });
    dot.append(svg('title', {}, `attempt ${i + 1}: ${a.label}, ${duration(a.latencyMs)}`));
    root.append(dot);
    const high = !crowded || i % 2 === 0;
    root.append(svg('text', { x: cx, y: high ? 14 : 27, class: 'tick mid' }, `#${i + 1} ${a.label}`));
  });
  return root;
}
