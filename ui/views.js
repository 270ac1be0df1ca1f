// Small DOM helpers: every value from the server goes in as text, never as markup.

const SVG = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children.flat(Infinity)) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

// Pretty-printed JSON (or text) with a button that copies it. `key` keeps its place (focus,
// open state) across a re-render.
export function codeBlock(label, value, key = label) {
  let text = value;
  if (typeof value !== 'string') text = JSON.stringify(value, null, 2);
  else {
    try { text = JSON.stringify(JSON.parse(value), null, 2); } catch { /* not JSON: as it is */ }
  }
  const pre = el('pre', { tabindex: 0, 'aria-label': label }, text);
  return el('div', { class: 'code' }, el('div', { class: 'code-head' }, el('span', {}, label),
    copyButton(`Copy ${label}`, text, 'Copy', `${key}-copy`)), pre);
}

// A button that puts `text` on the clipboard and says whether it could.
export function copyButton(label, text, shown = label, key = label) {
  const button = el('button', {
    type: 'button', class: 'copy', 'aria-label': label, 'data-key': key,
    onclick: async () => {
      try { await navigator.clipboard.writeText(text); button.textContent = 'Copied'; } catch { button.textContent = 'Select and copy'; }
    },
  }, shown);
  return button;
}

// Replaces a container's children, keeping what the user was doing there: the element with
// focus (found again by its data-key), the open <details> (by data-key), and the scroll
// positions of the container and the window.
export function patch(node, ...children) {
  const active = document.activeElement;
  const focusKey = active && node.contains(active) ? active.dataset?.key : undefined;
  const open = new Set([...node.querySelectorAll('details[open][data-key]')].map((d) => d.dataset.key));
  const closed = new Set([...node.querySelectorAll('details:not([open])[data-key]')].map((d) => d.dataset.key));
  const scroll = node.scrollTop, x = window.scrollX, y = window.scrollY;
  replace(node, ...children);
  for (const details of node.querySelectorAll('details[data-key]')) {
    if (open.has(details.dataset.key)) details.open = true;
    else if (closed.has(details.dataset.key)) details.open = false;
  }
  if (focusKey !== undefined) {
    const again = [...node.querySelectorAll('[data-key]')].find((n) => n.dataset.key === focusKey);
    if (again) again.focus({ preventScroll: true });
  }
  node.scrollTop = scroll;
  if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
}

// Makes a change to the page that adds or grows something above what the user is at, and
// scrolls so that this stays where it was on screen: the focused element when it is on
// screen, else `fallback` (a node or a function giving one) when that is. Left to itself the
// browser holds whichever node comes first in the viewport, a row of the list when the open
// event sits beside it, so the event the user reads jumped by the height of the new rows.
export function keepInPlace(change, fallback) {
  const onScreen = (node) => {
    if (!node || node === document.body || !node.isConnected) return false;
    const box = node.getBoundingClientRect();
    return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
  };
  const focused = document.activeElement;
  const other = typeof fallback === 'function' ? fallback() : fallback;
  const anchor = onScreen(focused) ? focused : onScreen(other) ? other : null;
  const before = anchor?.getBoundingClientRect().top;
  change();
  if (!anchor?.isConnected) return;
  const moved = anchor.getBoundingClientRect().top - before;
  if (Math.abs(moved) >= 1) window.scrollBy(0, moved);
}

// A status as colour and text together.
export function badge(status, text) {
  return el('span', { class: `status st-${status}` }, text);
}

// A time as "12 s ago" with the absolute time as its title (and for screen readers).
export function when(atMs, nowMs, absoluteText, relativeText) {
  return el('time', { datetime: Number.isFinite(atMs) ? new Date(atMs).toISOString() : undefined, title: absoluteText,
    'data-at': Number.isFinite(atMs) ? atMs : undefined }, relativeText);
}

export function replace(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
}
