// DNS rebinding in a real browser: a page on a name its attacker controls, resolved to
// 127.0.0.1 (Chromium's host resolver rules play the attacker's DNS), gets nothing from
// epmock's API port or its SQS port: each answers 403, with or without an admin token, and
// nothing the page asks for is done. The same browser reaches epmock under localhost.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { startEpmock, apiClient } = require('./epmock-process');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ATTACKER = 'rebind.attacker.test';

function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-default-apps', '--no-sandbox',
      `--host-resolver-rules=MAP ${ATTACKER} 127.0.0.1`],
  });
}

const portOf = (url) => new URL(url).port;

for (const mode of ['without an admin token', 'with an admin token']) {
  test(`a rebound page gets 403 from every port, ${mode}`, async (t) => {
    const env = mode === 'with an admin token' ? { EPMOCK_ADMIN_TOKEN: 's3cret-admin-token' } : {};
    const epmock = await startEpmock([], env);
    t.after(() => epmock.stop());
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage();
    page.setDefaultTimeout(20000);
    const api = portOf(epmock.url);
    const sqs = portOf(epmock.sqsUrl);

    // The same browser, the same server, a local name: answered.
    const localPage = await browser.newPage();
    const local = await localPage.goto(`http://localhost:${api}/__admin/health`);
    assert.equal(local.status(), 200);
    await localPage.close();

    // The attacker's name, resolved to 127.0.0.1: refused, and the page that would have
    // loaded there holds nothing but the refusal.
    const rebound = await page.goto(`http://${ATTACKER}:${api}/__admin/ui/`);
    assert.equal(rebound.status(), 403);
    const text = await page.textContent('body');
    assert.match(text, /--allow-host rebind\.attacker\.test/);
    assert.doesNotMatch(text, /Open store/);

    // From that origin, every route the page might try: 403 each, nothing done.
    const statuses = await page.evaluate(async () => {
      const ask = (path, init) => fetch(path, init).then((r) => r.status);
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      return {
        token: await ask('/oauth/access_token', { method: 'POST', headers: form,
          body: 'grant_type=client_credentials&client_id=victim&client_secret=x' }),
        list: await ask('/v2/integrations'),
        stores: await ask('/__admin/stores'),
        stream: await ask('/__admin/stream?client_id=victim'),
        sink: await ask('/__sink/webhook/stolen', { method: 'POST', body: '{}' }),
        health: await ask('/__admin/health'),
      };
    });
    assert.deepEqual(statuses, { token: 403, list: 403, stores: 403, stream: 403, sink: 403, health: 403 });

    const sqsPage = await page.goto(`http://${ATTACKER}:${sqs}/?Action=ListQueues`);
    assert.equal(sqsPage.status(), 403);
    const created = await page.evaluate(() => fetch('/', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateQueue&QueueName=planted',
    }).then((r) => r.status));
    assert.equal(created, 403);

    // Nothing was done: no queue, no sink request, no store called victim.
    const call = await apiClient(epmock, 'rebinding-check');
    const headers = mode === 'with an admin token' ? { 'X-Epmock-Admin-Token': 's3cret-admin-token' } : {};
    const queues = await fetch(`${epmock.url}/__admin/sqs/queues`, {
      headers: { ...headers, Authorization: (await call.token()) } }).then((r) => r.json());
    assert.ok(!JSON.stringify(queues).includes('planted'), JSON.stringify(queues));
    const stores = await fetch(`${epmock.url}/__admin/stores`, { headers }).then((r) => r.json());
    assert.ok(!JSON.stringify(stores).includes('victim'), JSON.stringify(stores));
  });
}
