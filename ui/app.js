// The dashboard's shell: the store chosen, the tabs, the route in the URL (a reload or a
// shared link lands where the user was), and the store's live stream handed to the tabs.
// Each tab is a module of its own (tab-*.js); what they share is the context below. Written
// here, no third-party code; every value goes into the page as text.
import { Api, signInIfAsked } from './api.js';
import { createClock } from './clock.js';
import { nearest } from './format.js';
import { formatRoute, parseRoute, TABS } from './state.js';
import { el, replace } from './views.js';
import events from './tab-events.js';
import integrations from './tab-integrations.js';
import trigger from './tab-trigger.js';
import faults from './tab-faults.js';
import journal from './tab-journal.js';
import queues from './tab-queues.js';
import stores from './tab-stores.js';

const $ = (id) => document.getElementById(id);
const tabs = { events, integrations, trigger, faults, journal, queues, stores };

const ctx = {
  api: new Api(),
  route: parseRoute(location.hash),
  server: {},                 // /__admin/health: the server's own URLs
  integrations: new Map(),    // id -> integration, as /v2 shows it
  catalog: [],                // the observable events
  known: [],                  // client ids of the stores seen
  now: () => Date.now(),
  $,
  // A message in the header: plain news, or an error (announced as an alert).
  say(text, error = false) {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('error', error);
    status.setAttribute('role', error ? 'alert' : 'status');
  },
  // Moves to a new route (merged into the current one; null removes a key); `push` makes a
  // history entry the back button returns to.
  go(changes, { push = false, render = true } = {}) {
    const next = { ...ctx.route };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined || value === '') delete next[key];
      else next[key] = String(value);
    }
    const hash = formatRoute(next);
    ctx.route = parseRoute(hash);
    if (hash !== location.hash) history[push ? 'pushState' : 'replaceState'](null, '', hash);
    if (render) showTab(ctx.route.tab);
  },
  // The integrations of the store, loaded again (after a change); every tab reads this map.
  async loadIntegrations() {
    const reply = await ctx.api.call('GET', '/v2/integrations?page[limit]=100');
    if (reply.status === 200) ctx.integrations = new Map(reply.json.data.map((i) => [i.id, i]));
    return reply;
  },
  integrationName(id) {
    const i = ctx.integrations.get(id);
    return i ? (i.name || i.id) : `${String(id).slice(0, 8)}… (deleted)`;
  },
};

function showTab(name) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-pressed', String(button.dataset.tab === name));
  for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = !ctx.api.token || panel.dataset.panel !== name;
  if (ctx.api.token) tabs[name].show();
}

// Opens a store: its token, then every tab's first read, then the live stream. A client id
// that names no store seen yet is asked about first: a slip of the keyboard would otherwise
// open a new, empty store without a word.
async function openStore(clientId, { confirmed = false } = {}) {
  const check = $('store-check');
  check.hidden = true;
  if (!clientId) return;
  if (!confirmed && !ctx.known.includes(clientId)) {
    await loadKnown();
    if (!ctx.known.includes(clientId)) return askAboutNewStore(clientId);
  }
  // The page's own timings, read by the browser tests (BENCHMARKS.md): from here to the
  // first paint of the store's list. (Live updates are timed only when a test asks, by
  // setting window.epmockTimings: a long-lived page keeps no growing list of them.)
  performance.clearMarks('epmock:open');
  performance.clearMeasures('epmock:store-first-paint');
  performance.mark('epmock:open');
  $('no-store').hidden = true;
  $('loading').hidden = false;
  $('main').setAttribute('aria-busy', 'true');
  ctx.say(`Opening store ${clientId}…`);
  try {
    await ctx.api.open(clientId);
  } catch (e) {
    $('loading').hidden = true;
    $('main').removeAttribute('aria-busy');
    return ctx.say(String(e.message), true);
  }
  $('client-id').value = clientId;
  await ctx.clock.read();  // before the tabs: their times are by the server's clock
  if (ctx.route.store !== clientId) ctx.route = { tab: ctx.route.tab, store: clientId };
  ctx.go({ store: clientId }, { render: false });
  for (const tab of Object.values(tabs)) tab.reset?.();
  await Promise.all([ctx.loadIntegrations(), loadCatalog()]);
  const cursors = {};
  await Promise.all(Object.values(tabs).map(async (tab) => Object.assign(cursors, await tab.open?.())));
  ctx.api.follow({
    onEvent: (e) => events.onEvent(e),
    onLog: (l) => events.onLog(l),
    onRequest: (r) => journal.onRequest(r),
    onMode: (mode) => ctx.say(`Store ${clientId}: ${mode}`),
  }, cursors);
  $('loading').hidden = true;
  $('main').removeAttribute('aria-busy');
  ctx.say(`Store ${clientId}`);
  showTab(ctx.route.tab);
}

function askAboutNewStore(clientId) {
  const check = $('store-check');
  const guess = nearest(clientId, ctx.known);
  replace(check,
    el('p', {}, `No store has the client id “${clientId}” yet. Opening it makes a new, empty store.`),
    guess ? el('button', { type: 'button', onclick: () => openStore(guess, { confirmed: true }) }, `Open ${guess} instead`) : null,
    el('button', { type: 'button', onclick: () => openStore(clientId, { confirmed: true }) }, `Create store ${clientId}`),
    el('button', { type: 'button', onclick: () => { check.hidden = true; $('client-id').focus(); } }, 'Cancel'));
  check.hidden = false;
  check.querySelector('button')?.focus();
}

async function loadCatalog() {
  const reply = await ctx.api.call('GET', '/__admin/catalog');
  ctx.catalog = reply.json?.data?.events ?? [];
  replace($('catalog'), ctx.catalog.map((e) => el('option', { value: e.key }, e.resource)));
}

async function loadKnown() {
  const response = await fetch('/__admin/stores').catch(() => null);
  if (!response) return [];
  const json = await response.json().catch(() => null);
  if (!response.ok) { signInIfAsked(response.status, json); return []; }
  const all = [...json.data.stores, ...json.data.organizations];
  ctx.known = all.map((s) => s.client_id);
  replace($('known-clients'), all.map((s) => el('option', { value: s.client_id })));
  return all;
}
ctx.loadKnown = loadKnown;
ctx.openStore = openStore;

function start() {
  ctx.clock = createClock(ctx);
  fetch('/__admin/health').then((r) => r.json()).then((health) => {
    ctx.server = health;
    $('sign-out').hidden = !health.admin_token;
    ctx.clock.render();
  }).catch(() => {});
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => ctx.go({ tab: button.dataset.tab }, { push: true }));
  }
  $('store-form').addEventListener('submit', (e) => { e.preventDefault(); openStore($('client-id').value.trim()); });
  for (const tab of Object.values(tabs)) tab.init(ctx);
  // Back and forward, and a link pasted into this page, land where they point.
  window.addEventListener('popstate', () => follow(parseRoute(location.hash)));
  window.addEventListener('hashchange', () => follow(parseRoute(location.hash)));
  loadKnown().then(() => {
    if (ctx.route.store) openStore(ctx.route.store, { confirmed: true });
  });
}

function follow(route) {
  if (formatRoute(route) === formatRoute(ctx.route)) return;
  const storeChanged = route.store !== ctx.route.store;
  ctx.route = route;
  if (storeChanged && route.store) openStore(route.store, { confirmed: true });
  else if (TABS.includes(route.tab)) showTab(route.tab);
}

start();
