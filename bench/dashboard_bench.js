// The dashboard with a full store: 100 integrations and 10,000 events (one integration of
// the hundred observes them, so 10,000 deliveries are logged too). Measures, in Debian's
// chromium (headless, playwright-core):
//   first render: from navigation to the events page and the integrations table drawn;
//   new event: from the trigger's answer to its row in the list, over the live stream.
// No peer ships a comparable page (WireMock declined one; Prism has none), so these are
// epmock's own figures. Usage: node bench/dashboard_bench.js [out.json]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BINARY = process.env.EPMOCK_BIN || path.resolve(__dirname, '../build/epmock');
const EVENTS = Number(process.env.EVENTS || 10000);
const INTEGRATIONS = 100;
const RENDERS = Number(process.env.RENDERS || 5);
const NEW_EVENTS = Number(process.env.NEW_EVENTS || 20);

function startEpmock() {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, ['serve', '--port', '0', '--sqs-port', '0', '--stomp-port', '0', '--time-scale', '0.001'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/epmock ready api=(http:\/\/\S+)/);
      if (m) resolve({ url: m[1], child });
    });
    child.on('error', reject);
  });
}

async function caller(url, clientId) {
  const token = (await (await fetch(`${url}/oauth/access_token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=s`,
  })).json()).access_token;
  return async (method, p, body) => {
    const r = await fetch(url + p, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body) });
    return { status: r.status, json: await r.json().catch(() => null) };
  };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

(async () => {
  const epmock = await startEpmock();
  const call = await caller(epmock.url, 'bench-store');
  for (let i = 0; i < INTEGRATIONS; ++i) {
    const r = await call('POST', '/v2/integrations', { data: { type: 'integration', name: `hook ${i}`, integration_type: 'webhook',
      enabled: true, observes: [i === 0 ? 'order.paid' : 'customer.created'], configuration: { url: `${epmock.url}/__sink/webhook/bench` } } });
    if (r.status !== 201) throw new Error(`create: ${r.status}`);
  }
  for (let left = EVENTS; left > 0; left -= 5000) {
    const r = await call('POST', '/__admin/events/batch', { type: 'order.paid', count: Math.min(5000, left) });
    if (r.status !== 201) throw new Error(`batch: ${r.status} ${JSON.stringify(r.json)}`);
  }
  await call('GET', '/__admin/idle?timeout_ms=600000');

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const renders = [];
  for (let i = 0; i < RENDERS; ++i) {
    await page.goto('about:blank');  // a whole load each time, not a fragment change
    const started = Date.now();
    await page.goto(`${epmock.url}/__admin/ui/#store=bench-store`);
    await page.waitForFunction((n) => document.querySelectorAll('#events tr[data-event]').length >= 50 &&
      document.querySelectorAll('#integrations tr[data-integration]').length === n, INTEGRATIONS, { timeout: 60000 });
    renders.push(Date.now() - started);
  }
  await page.waitForFunction(() => /live/.test(document.querySelector('#status').textContent), null, { timeout: 20000 }).catch(() => {});
  const shown = [];
  for (let i = 0; i < NEW_EVENTS; ++i) {
    const fired = await call('POST', '/__admin/events', { type: 'customer.created' });
    const started = Date.now();
    await page.waitForSelector(`#events tr[data-event="${fired.json.data.id}"]`, { timeout: 20000 });
    shown.push(Date.now() - started);
  }
  await browser.close();
  epmock.child.kill('SIGTERM');
  const result = {
    events: EVENTS, integrations: INTEGRATIONS, deliveries: EVENTS,
    first_render_ms: { median: median(renders), runs: renders },
    new_event_ms: { p50: pct(shown, 0.5), p99: pct(shown, 0.99), runs: shown },
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.argv[2]) fs.writeFileSync(process.argv[2], JSON.stringify(result, null, 2) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
