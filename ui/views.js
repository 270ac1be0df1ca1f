// Small DOM helpers: every value from the server goes in as text, never as markup.

const SVG = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

export function time(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleTimeString([], { hour12: false }) +
    '.' + String(d.getMilliseconds()).padStart(3, '0');
}

// Pretty-printed JSON (or text) with a button that copies it.
export function codeBlock(label, value) {
  let text = value;
  if (typeof value !== 'string') text = JSON.stringify(value, null, 2);
  else {
    try { text = JSON.stringify(JSON.parse(value), null, 2); } catch { /* not JSON: as it is */ }
  }
  const pre = el('pre', { tabindex: 0, 'aria-label': label }, text);
  const copy = el('button', {
    type: 'button',
    class: 'copy',
    'aria-label': `Copy ${label}`,
    onclick: async () => {
      try { await navigator.clipboard.writeText(text); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select and copy'; }
    },
  }, 'Copy');
  return el('div', { class: 'code' }, el('div', { class: 'code-head' }, el('span', {}, label), copy), pre);
}

// A job's attempts on a time axis from the event's creation: a dot per attempt (green ok,
// red failed), its latency as a bar, the status above.
export function timeline(attempts, startMs) {
  const width = 480, height = 56, pad = 24;
  const ends = attempts.map((a) => a.at - startMs);
  const span = Math.max(1000, ...ends.map((e) => e + 1));
  const x = (ms) => pad + ((width - 2 * pad) * ms) / span;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'timeline', role: 'img',
    'aria-label': `${attempts.length} attempts over ${Math.round(span)} ms` });
  root.append(svg('line', { x1: pad, y1: 36, x2: width - pad, y2: 36, class: 'axis' }));
  root.append(svg('text', { x: pad, y: 52, class: 'tick' }, '0 ms'));
  root.append(svg('text', { x: width - pad, y: 52, class: 'tick end' }, `${Math.round(span)} ms`));
  // At their times, but never closer than a label's width: retries a scaled clock runs in
  // milliseconds stay apart and readable (the axis's end says the real span).
  const xs = [];
  attempts.forEach((a, i) => {
    const at = x(a.at - startMs);
    xs.push(i === 0 ? at : Math.min(width - pad, Math.max(at, xs[i - 1] + 44)));
  });
  attempts.forEach((a, i) => {
    const cx = xs[i];
    const latency = Math.max(1, (width - 2 * pad) * (a.latencyMs / span));
    root.append(svg('rect', { x: cx - latency, y: 33, width: latency, height: 6, class: 'latency' }));
    const dot = svg('circle', { cx, cy: 36, r: 6, class: a.ok ? 'ok' : 'failed', 'data-attempt': i + 1 });
    dot.append(svg('title', {}, `attempt ${i + 1}: ${a.label}, ${a.latencyMs.toFixed(1)} ms`));
    root.append(dot);
    root.append(svg('text', { x: cx, y: 20, class: 'tick mid' }, `#${i + 1} ${a.label}`));
  });
  return root;
}

export function replace(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}
