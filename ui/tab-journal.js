// The Journal tab: the store's API calls, newest first, filtered by the server (status class,
// path) and live; the dashboard's own reads are marked and hidden unless asked for.
import { absolute, parseTime, relative } from './format.js';
import { journalMatches } from './state.js';
import { el, replace, when } from './views.js';

const KEEP = 500;
let ctx, $;
let records = [];  // newest first, passing the filters
let seen = new Set();
let loadedFor = null;

function filters() {
  return { status: ctx.route.jstatus, path: ctx.route.jpath, showOwn: ctx.route.jpage === '1' };
}

function row(r) {
  const at = parseTime(r.received_at);
  const reasons = [...(r.validation_errors ?? []), ...(r.errors ?? [])];
  return el('tr', { class: r.status >= 400 ? 'refused' : null, 'data-sequence': r.sequence },
    el('td', { 'data-label': 'Time' }, when(at, ctx.now(), absolute(at), relative(at, ctx.now()))),
    el('td', { 'data-label': 'Call' }, `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`,
      r.origin === 'dashboard' ? el('span', { class: 'tag' }, 'dashboard') : null),
    el('td', { 'data-label': 'Status' }, el('span', { class: `status st-${r.status >= 500 ? 'failed' : r.status >= 400 ? 'refused' : 'delivered'}` }, String(r.status))),
    el('td', { 'data-label': 'Why' },
      reasons.map((line) => el('div', { class: 'reason' }, line)),
      (r.warnings ?? []).map((line) => el('div', { class: 'warning' }, `Warning: ${line}`))));
}

function render() {
  replace($('journal'), records.length ? records.map(row)
    : el('tr', {}, el('td', { colspan: 4, class: 'hint' }, 'No API call matches yet.')));
}

async function load() {
  const f = filters();
  replace($('journal'), el('tr', {}, el('td', { colspan: 4, class: 'loading' }, 'Loading the journal…')));
  const query = new URLSearchParams({ 'page[limit]': '1' });
  if (f.status) query.set('status', f.status);
  if (f.path) query.set('path', f.path);
  if (!f.showOwn) query.set('origin', 'client');
  const first = await ctx.api.call('GET', `/__admin/requests?${query}`);
  if (first.status !== 200) {
    replace($('journal'), el('tr', {}, el('td', { colspan: 4, class: 'error' }, first.json?.errors?.[0]?.detail ?? `HTTP ${first.status}`)));
    return null;
  }
  const total = first.json.meta.page.total ?? 0;
  query.set('page[limit]', '200');
  query.set('page[offset]', String(Math.max(0, total - 200)));
  const reply = await ctx.api.call('GET', `/__admin/requests?${query}`);
  records = (reply.json?.data ?? []).slice().reverse();
  seen = new Set(records.map((r) => r.sequence));
  loadedFor = JSON.stringify(f);
  render();
  return null;
}

function onRequest(record) {
  if (seen.has(record.sequence)) return;
  seen.add(record.sequence);
  if (!journalMatches(record, filters())) return;
  records.unshift(record);
  if (records.length > KEEP) records.pop();
  if ($('tab-journal').hidden) return;
  const body = $('journal');
  if (body.querySelector('td[colspan]')) body.replaceChildren();
  body.prepend(row(record));
  while (body.rows.length > KEEP) body.lastElementChild.remove();
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    const form = $('journal-filters');
    let timer = null;
    const apply = () => ctx.go({ jstatus: form.elements.jstatus.value, jpath: form.elements.jpath.value.trim(),
      jpage: form.elements.jpage.checked ? '1' : null });
    form.addEventListener('change', apply);
    form.addEventListener('input', (e) => { if (e.target.name === 'jpath') { clearTimeout(timer); timer = setTimeout(apply, 300); } });
    form.addEventListener('submit', (e) => e.preventDefault());
  },
  reset() { records = []; seen = new Set(); loadedFor = null; $('journal').replaceChildren(); },
  // The newest sequence number is the stream's cursor; whatever the filters, the stream sends all.
  async open() {
    const newest = await ctx.api.call('GET', '/__admin/requests?page[limit]=1&page[offset]=0');
    const total = newest.json?.meta?.page?.total ?? 0;
    if (!total) return {};
    const last = await ctx.api.call('GET', `/__admin/requests?page[limit]=1&page[offset]=${total - 1}`);
    return { after_request: last.json?.data?.[0]?.sequence };
  },
  async show() {
    const form = $('journal-filters');
    form.elements.jstatus.value = ctx.route.jstatus ?? '';
    if (document.activeElement !== form.elements.jpath) form.elements.jpath.value = ctx.route.jpath ?? '';
    form.elements.jpage.checked = ctx.route.jpage === '1';
    if (loadedFor !== JSON.stringify(filters())) await load();
    else render();
  },
  onRequest,
};
