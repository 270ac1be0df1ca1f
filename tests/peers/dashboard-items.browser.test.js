// Each problem the dashboard issue names, and each thing users of the peers expect, checked
// in Debian's chromium at 1440x900 and on a 390x844 phone: every test fails on a console
// error, a page error or a CSP violation report (the page's CSP in force), and axe-core
// (WCAG 2.1 AA, in a context that bypasses the CSP) checks every tab and state reached. The
// last test records the page's own timings with 100 and 10,000 events (BENCHMARKS.md);
// nothing here asserts on time.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEpmock, apiClient } = require('./epmock-process');
const b = require('./browser');

const { DESKTOP, PHONE, SHOTS } = b;

// A server and a browser for one test. When it ends, the pages' problems are read first,
// then the browser closes, then the server stops (stopping it first would cut the pages'
// streams, which they would rightly report).
async function setup(t, args = ['--time-scale', '0.001'], env = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const epmock = await startEpmock(args, env);
  const browser = await b.launch();
  const watched = [];
  t.after(async () => {
    const problems = watched.flatMap((w) => w.problems());
    await browser.close();
    await epmock.stop();
    assert.deepEqual(problems, [], 'console errors, page errors or CSP violations');
  });
  return { epmock, browser, watched };
}

// A watched page of the test's browser (setup's `watched` collects it).
async function pageOf(t, env, viewport = DESKTOP, options = {}) {
  const w = await b.watchedPage(env.browser, viewport, options);
  env.watched.push(w);
  return w;
}

async function webhook(call, epmock, sink, observes = ['order.paid'], name = sink) {
  const reply = await call('POST', '/v2/integrations', { data: { type: 'integration', name, integration_type: 'webhook', enabled: true,
    observes, configuration: { url: `${epmock.url}/__sink/webhook/${sink}` } } });
  assert.equal(reply.status, 201, JSON.stringify(reply.json));
  return reply.json.data;
}
async function sqsIntegration(call, queueUrl, name, keyId) {
  const reply = await call('POST', '/v2/integrations', { data: { type: 'integration', name, integration_type: 'aws_sqs', enabled: true,
    observes: ['order.paid'], configuration: { url: queueUrl, aws_access_key_id: keyId, aws_secret_access_key: 's', region: 'us-east-1' } } });
  assert.equal(reply.status, 201, JSON.stringify(reply.json));
  return reply.json.data;
}
async function fire(call, type = 'order.paid') {
  const reply = await call('POST', '/__admin/events', { type });
  assert.equal(reply.status, 201);
  return reply.json.data.id;
}
async function idle(call) { assert.equal((await call('GET', '/__admin/idle?timeout_ms=20000')).status, 200); }
const tab = (page, name) => page.getByRole('button', { name, exact: true }).click();

test('item 1: editing an integration never sends a masked secret; a changed configuration asks for it', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-sqs');
  const queue = await call('PUT', '/__admin/sqs/queues/orders');
  const created = await call('POST', '/v2/integrations', { data: { type: 'integration', name: 'orders', integration_type: 'aws_sqs', enabled: true,
    observes: ['order.paid'], configuration: { url: queue.json.data.queue_url, aws_access_key_id: 'AKIAREALKEY000000001', aws_secret_access_key: 'real-secret', region: 'us-east-1' } } });
  assert.equal(created.status, 201);
  const { page } = await pageOf(t, env);
  const puts = [];
  page.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes('/v2/integrations/')) puts.push(JSON.parse(r.postData())); });
  await page.goto(`${epmock.url}/#store=shop-sqs&tab=integrations`);
  await page.locator('#integrations tr[data-integration]').waitFor();
  // Only the name changes: the PUT has no configuration, the stored keys stay, deliveries work.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.locator('#integration-form').getByLabel('Name', { exact: true }).fill('orders renamed');
  await page.getByRole('button', { name: 'Save integration' }).click();
  await page.locator('#integrations', { hasText: 'orders renamed' }).waitFor();
  assert.equal(puts.length, 1);
  assert.equal(puts[0].data.configuration, undefined);
  await fire(call);
  await idle(call);
  const logs = await call('GET', '/__admin/deliveries');
  assert.equal(logs.json.data[0].succeeded, true, JSON.stringify(logs.json.data[0]));
  // Another configuration field changes: the page asks for the secrets again, says why, sends nothing.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Region').fill('eu-west-1');
  await page.getByRole('button', { name: 'Save integration' }).click();
  await page.locator('#integration-error', { hasText: 'replaces it whole' }).waitFor();
  assert.equal(puts.length, 1);
  assert.equal(await page.getByLabel('AWS access key id').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'config.aws_access_key_id');
  await page.getByLabel('AWS access key id').fill('AKIAREALKEY000000002');
  await page.getByLabel('AWS secret access key').fill('another-secret');
  await page.getByRole('button', { name: 'Save integration' }).click();
  await page.locator('#integrations', { hasText: 'eu-west-1' }).waitFor();
  assert.equal(puts[1].data.configuration.aws_access_key_id, 'AKIAREALKEY000000002');
  assert.doesNotMatch(JSON.stringify(puts), /\*\*\*\*/);
});

test('item 2: new SQS and STOMP integrations default to this server\'s own endpoints; the page creates queues', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-defaults&tab=integrations`);
  await page.locator('#integration-form').getByLabel('Name', { exact: true }).waitFor();
  await page.locator('#integration-form').getByLabel('Type').selectOption('aws_sqs');
  assert.equal(await page.getByLabel('Queue URL').inputValue(), `${epmock.sqsUrl}/000000000000/epmock`);
  await page.locator('#integration-form').getByLabel('Name', { exact: true }).fill('to my queue');
  await page.getByLabel('order.paid', { exact: true }).check();
  await page.getByRole('button', { name: 'Save integration' }).click();
  await page.locator('#status', { hasText: 'created queue epmock' }).waitFor();
  await page.locator('#integration-form').getByLabel('Type').selectOption('stomp');
  assert.equal(await page.getByLabel('Addresses (comma separated)').inputValue(), epmock.stompUrl);
  const call = await apiClient(epmock, 'shop-defaults');
  await fire(call);
  await idle(call);
  assert.equal((await call('GET', '/__admin/deliveries')).json.data[0].succeeded, true);
  // A queue made from the Queues tab.
  await tab(page, 'Queues & sinks');
  await page.getByLabel('New queue').fill('made-here');
  await page.getByRole('button', { name: 'Create queue' }).click();
  await page.locator('#sqs-list tr', { hasText: 'made-here' }).waitFor();
});

test('item 3: live updates keep focus, open panels and the scroll where the user left them', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-live');
  await webhook(call, epmock, 'live');
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push(await fire(call));
  await idle(call);
  const { page } = await pageOf(t, env, { width: 1440, height: 600 });
  await page.goto(`${epmock.url}/#store=shop-live&event=${ids[0]}`);
  await page.locator('#event-detail .job-state', { hasText: 'Delivered' }).waitFor();
  // The resource open, the scroll moved, focus on a button of the open event.
  await page.locator('#event-detail summary', { hasText: 'The resource' }).click();
  await page.getByRole('button', { name: 'Copy id of the event' }).focus();
  // Scrolled until the window's top edge cuts the list's first row: that row is what the
  // browser's own scroll anchoring holds still as rows come above it, and so, unless the page
  // holds what the user is at, the open event beside the list jumps by their height.
  await page.evaluate(() => window.scrollBy(0, document.querySelector('#events tr').getBoundingClientRect().top + 5));
  assert.ok(await page.evaluate(() => window.scrollY) > 0, 'the page scrolled');
  // Where the focused thing is on screen, once it stands still: it must not move.
  const place = () => page.evaluate(() => new Promise((resolve) => {
    let last = NaN, same = 0, frames = 0;
    const tick = () => {
      const top = document.activeElement.getBoundingClientRect().top;
      same = top === last ? same + 1 : 0;
      last = top;
      if (same >= 3 || ++frames > 120) resolve(top); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
  const before = await place();
  await page.evaluate(() => { document.querySelector('#events tr').dataset.marker = 'first'; });
  // The open event is replayed (its detail re-renders) and new events arrive (the list grows).
  await call('POST', `/__admin/events/${ids[0]}/replay`, {});
  for (let i = 0; i < 3; i++) await fire(call);
  await page.waitForFunction(() => document.querySelectorAll('#event-detail .job').length === 2);
  await page.locator('#events tr[data-event]').nth(2).waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Copy id of the event');
  assert.equal(await page.locator('#event-detail details[data-key="resource"]').getAttribute('open'), '');
  // The rows that were there are the same nodes: new ones were added, the list not redrawn.
  assert.equal(await page.locator('#events tr[data-marker="first"]').count(), 1);
  const after = await place();
  assert.ok(Math.abs(after - before) < 2, `what the user looked at moved from y=${before} to y=${after}`);
  // Focus in a filter box stays there while updates come.
  await page.locator('#event-filters').getByLabel('Event id').focus();
  await fire(call);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'id');
});

test('item 4: status at a glance: retrying with a countdown, colour and text, filters and search from the server', async (t) => {
  const env = await setup(t, ['--retry-delay-ms', '30000']);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-status');
  await webhook(call, epmock, 'flaky');
  assert.equal((await call('PUT', '/__admin/sinks/webhook/flaky', { responses: [{ status: 503 }, { status: 200 }] })).status, 204);
  const retrying = await fire(call);
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-status`);
  const row = page.locator(`#events tr[data-event="${retrying}"]`);
  await row.locator('.status.st-retrying', { hasText: 'Retrying' }).waitFor();
  await row.locator('.countdown', { hasText: /retry in \d+ s/ }).waitFor();
  const colour = await row.locator('.status').evaluate((n) => getComputedStyle(n).backgroundColor);
  assert.notEqual(colour, 'rgba(0, 0, 0, 0)');
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-status.png') });
  // 150 identical events after it: a filter by status finds the one, answered by the server.
  assert.equal((await call('POST', '/__admin/events/batch', { type: 'order.created', count: 150 })).status, 201);
  await page.locator('#event-filters').getByLabel('Status').selectOption('retrying');
  await page.locator('#events-count', { hasText: '1 event match' }).waitFor();
  assert.equal(await page.locator('#events tr[data-event]').count(), 1);
  assert.match(page.url(), /status=retrying/);
  await page.locator('#event-filters').getByLabel('Status').selectOption('');
  await page.locator('#event-filters').getByLabel('Event type').fill('order.created');
  await page.locator('#events-count', { hasText: '150 events match' }).waitFor();
  // Paging says it is loading, then lands on the next page.
  await page.getByRole('button', { name: 'Older' }).click();
  await page.locator('#events-page', { hasText: '51–100 of 150' }).waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('#event-filters').getByLabel('Event id').fill(retrying.slice(0, 8));
  await page.locator(`#events tr[data-event="${retrying}"]`).waitFor();
  assert.equal(await page.locator('#events tr[data-event]').count(), 1);
});

test('items 5 and 11: sinks listed, their answer set from the page; a status without a body answers an empty body', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-sink');
  await webhook(call, epmock, 'answers');
  await fire(call);
  await idle(call);
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-sink&tab=queues`);
  await page.locator('#sink-list tr', { hasText: 'answers' }).waitFor();
  assert.match(await page.locator('#sink-list tr', { hasText: 'answers' }).textContent(), /answers1(just now|\d+ s ago)200 \(default\)/);
  await page.locator('#sink-list button', { hasText: 'answers' }).click();
  await page.getByLabel('Answer with status').fill('500');
  await page.getByRole('button', { name: 'Set answer' }).click();
  await page.locator('#sink-list tr', { hasText: 'answers' }).locator('td', { hasText: /^500$/ }).waitFor();
  const failed = await fire(call);
  await page.locator('#sink-list button', { hasText: 'answers' }).click();
  await page.locator('#sink tbody tr').nth(1).waitFor();
  const rows = page.locator('#sink tbody tr');
  assert.match(await rows.nth(0).textContent(), /order\.paid.*200/);
  assert.match(await rows.nth(1).textContent(), /order\.paid.*500/);
  assert.match(await rows.nth(1).textContent(), new RegExp(failed.slice(0, 8)));
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-sinks.png'), fullPage: true });
  // The failed attempt's answer: 500 with an empty body, not an error text of epmock's.
  await page.goto(`${epmock.url}/#store=shop-sink&event=${failed}`);
  await page.locator('#event-detail h5', { hasText: 'What the receiver answered: HTTP 500' }).first().waitFor();
  await page.locator('#event-detail', { hasText: 'An empty answer body.' }).waitFor();
  await page.locator('#event-detail pre[aria-label="answer headers"]').waitFor();
});

test('item 6: on a phone the open event is on screen, nothing overflows sideways, targets are 24 px', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-phone');
  await webhook(call, epmock, 'phone-sink-with-a-rather-long-name-for-a-narrow-screen', ['order.paid'], 'a webhook with a long name');
  const sqs = await call('PUT', '/__admin/sqs/queues/phone-queue');
  await sqsIntegration(call, sqs.json.data.queue_url, 'queue', 'AKIAPHONE00000000000');
  for (let i = 0; i < 40; i++) await fire(call);
  await idle(call);
  const { page } = await pageOf(t, env, PHONE);
  await page.goto(`${epmock.url}/#store=shop-phone`);
  await page.locator('#events tr[data-event]').nth(39).waitFor();
  await page.locator('#events tr[data-event]').nth(30).scrollIntoViewIfNeeded();
  await page.locator('#events tr[data-event] a.event-link').nth(30).click();
  await page.locator('#event-detail .job').first().waitFor();
  const box = await page.locator('#event-detail').boundingBox();
  assert.ok(box.y >= 0 && box.y < 100, `the open event starts at y=${box.y}`);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-phone-event.png') });
  await page.getByRole('button', { name: 'Back to the list' }).click();
  await page.locator('#event-detail').waitFor({ state: 'hidden' });
  for (const name of ['Events', 'Integrations', 'Trigger', 'Faults', 'Journal', 'Queues & sinks', 'Stores']) {
    await tab(page, name);
    await page.locator('[data-panel]:not([hidden])').waitFor();
    await page.waitForTimeout(250);
    await b.assertNoHorizontalOverflow(page, `phone, ${name}`);
    await b.assertTouchTargets(page, `phone, ${name}`);
  }
  await tab(page, 'Queues & sinks');
  await page.locator('#sqs-list button', { hasText: 'phone-queue' }).click();
  await page.locator('#sqs article.message').first().waitFor();
  await b.assertNoHorizontalOverflow(page, 'phone, a queue open');
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-phone-queues.png'), fullPage: true });
  // The chart's labels do not collide at phone width.
  await tab(page, 'Events');
  const overlaps = await page.evaluate(() => {
    const boxes = [...document.querySelectorAll('svg.chart text, svg.chart rect.key')].map((n) => n.getBoundingClientRect());
    let count = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], c = boxes[j];
      if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom) count += 1;
    }
    return count;
  });
  assert.equal(overlaps, 0);
});

test('items 7 and 13: the Faults form sends only what was asked; every fault, scoped, and used ones listed as used', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-faults');
  const hook = await webhook(call, epmock, 'f', ['order.paid'], 'the hook');
  const { page } = await pageOf(t, env);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /__admin\/(api-)?faults$/.test(r.url())) posts.push(JSON.parse(r.postData())); });
  await page.goto(`${epmock.url}/#store=shop-faults&tab=faults`);
  await page.locator('#fault-form select[name="integration_id"]').selectOption({ label: 'the hook (webhook)' });
  await page.locator('#fault-form').getByLabel('Refusal').selectOption('wrong_secret');
  await page.getByRole('button', { name: 'Add fault', exact: true }).click();
  await page.locator('#faults li', { hasText: 'the hook only: send a delivery to refuse: wrong_secret' }).waitFor();
  assert.deepEqual(posts[0], { integration_id: hook.id, refuse: 'wrong_secret', events: 1 });
  await page.locator('#fault-form').getByLabel('Delay each attempt (ms)').fill('5');
  await page.getByLabel('Reorder: deliveries held').fill('2');
  await page.getByLabel('Events it applies to (0: until removed)').fill('0');
  await page.getByRole('button', { name: 'Add fault', exact: true }).click();
  await page.locator('#faults li', { hasText: 'hold 2 deliveries' }).waitFor();
  assert.deepEqual(posts[1], { delay_ms: 5, reorder: 2, events: 0 });
  await page.getByLabel('Reset the connection instead').check();
  await page.locator('#api-fault-form').getByLabel('Method').selectOption('POST');
  await page.getByRole('button', { name: 'Add API fault' }).click();
  await page.locator('#api-faults li', { hasText: 'reset the connection to POST any /v2 path' }).waitFor();
  assert.deepEqual(posts[2], { requests: 1, reset: true, method: 'POST' });
  // The refusal fault is used by the next event; it stays listed, as used; the list has no UUIDs.
  await call('DELETE', `/__admin/faults/${(await call('GET', '/__admin/faults')).json.data.find((f) => f.reorder).id}`);
  await fire(call);
  await idle(call);
  await tab(page, 'Events');
  await tab(page, 'Faults');
  await page.locator('#faults li.used', { hasText: 'wrong_secret' }).waitFor();
  assert.doesNotMatch(await page.textContent('#faults'), /[0-9a-f]{8}-[0-9a-f]{4}-/);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-faults.png'), fullPage: true });
});

test('item 8: a queue is browsed a page at a time, each message a parsed CloudEvent headed by type, id and time', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-queue');
  const queue = await call('PUT', '/__admin/sqs/queues/browse');
  await sqsIntegration(call, queue.json.data.queue_url, 'q', 'AKIAQUEUE00000000000');
  for (let i = 0; i < 12; i++) await fire(call);
  await idle(call);
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-queue&tab=queues`);
  await page.locator('#sqs-list button', { hasText: 'browse' }).click();
  await page.locator('#sqs article.message').first().waitFor();
  assert.equal(await page.locator('#sqs article.message').count(), 10);
  assert.equal(await page.locator('#sqs details[open]').count(), 0);
  const head = await page.locator('#sqs article.message h4').first().textContent();
  assert.match(head, /^order\.paid [0-9a-f-]{36}$/);
  assert.match(await page.locator('#sqs article.message').first().textContent(), /\d{4}-\d\d-\d\d .*received 0 times/);
  await page.locator('#sqs article.message summary').first().click();
  const message = JSON.parse(await page.locator('#sqs pre').first().textContent());
  assert.equal(message.type, 'order.paid');
  assert.equal(typeof message.data, 'object');  // parsed, not one escaped string
  await page.locator('#sqs').getByRole('button', { name: 'Next' }).click();
  await page.locator('#sqs .pager', { hasText: '11–12 of 12' }).waitFor();
  assert.equal(await page.locator('#sqs article.message').count(), 2);
  page.once('dialog', (d) => d.accept());
  await page.locator('#sqs-list tr', { hasText: 'browse' }).getByRole('button', { name: 'Purge' }).click();
  await page.locator('#status', { hasText: 'Queue browse purged' }).waitFor();
  assert.equal((await call('GET', '/__admin/sqs/queues/browse')).json.data.length, 0);
});

test('item 9: timeline labels apart, human durations, replays told apart, any attempt\'s request; deep links land there', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-time');
  await webhook(call, epmock, 't');
  await call('POST', '/__admin/faults', { fail_first_attempts: 4, events: 1 });
  const id = await fire(call);
  await idle(call);
  await call('POST', `/__admin/events/${id}/replay`, {});
  await idle(call);
  const { page } = await pageOf(t, env, DESKTOP, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.goto(`${epmock.url}/#store=shop-time&event=${id}`);
  await page.locator('#event-detail .job-state', { hasText: 'Delivered on attempt 5' }).waitFor();
  const labels = await page.evaluate(() => [...document.querySelectorAll('#event-detail svg.timeline')][0]
    .querySelectorAll('text.mid').length);
  assert.equal(labels, 5);
  const overlaps = await page.evaluate(() => {
    const boxes = [...[...document.querySelectorAll('#event-detail svg.timeline')][0].querySelectorAll('text')].map((n) => n.getBoundingClientRect());
    let count = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], c = boxes[j];
      if (a.left < c.right - 0.5 && c.left < a.right - 0.5 && a.top < c.bottom - 0.5 && c.top < a.bottom - 0.5) count += 1;
    }
    return count;
  });
  assert.equal(overlaps, 0);
  assert.doesNotMatch(await page.textContent('#event-detail'), /\d{4,} ms/);
  assert.equal(await page.locator('#event-detail .job .tag', { hasText: /^replay$/ }).count(), 1);
  // Attempt 3's request: its body says attempt 3.
  await page.locator('#event-detail .job').first().getByRole('link', { name: 'Attempt 3' }).click();
  await page.locator('#event-detail h5', { hasText: 'What attempt 3 sent' }).waitFor();
  assert.equal(JSON.parse(await page.locator('#event-detail pre[aria-label="body"]').textContent()).attempt, 3);
  assert.match(page.url(), /attempt=3/);
  // Copy as curl puts the exact request on the clipboard.
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(curl, /^curl -X POST http:\/\/127\.0\.0\.1:\d+\/__sink\/webhook\/t -H /);
  assert.match(curl, /"attempt":3/);
  // A reload lands where the user was.
  await page.reload();
  await page.locator('#event-detail h5', { hasText: 'What attempt 3 sent' }).waitFor();
  // Back goes to the attempt before.
  await page.goBack();
  await page.locator('#event-detail h5', { hasText: 'What attempt 5 sent' }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-attempt.png'), fullPage: true });
});

test('items 10 and 15: feedback while loading, a delete said as done, no dangling colon; a mistyped client id is caught', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-a');
  await webhook(call, epmock, 'x', ['order.paid'], 'to delete');
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/`);
  // A slip of the keyboard: told, and offered the store meant.
  await page.getByLabel('Client id').fill('shpo-a');
  await page.getByRole('button', { name: 'Open store' }).click();
  await page.locator('#store-check', { hasText: 'No store has the client id “shpo-a” yet' }).waitFor();
  assert.equal(await page.locator('#events tr').count(), 0);
  // The store opens slowly: the page says so at once, never a blank page.
  await page.route('**/__admin/events?*', async (route) => { await new Promise((r) => setTimeout(r, 700)); await route.continue(); });
  await page.getByRole('button', { name: 'Open shop-a instead' }).click();
  await page.locator('#loading', { hasText: 'Opening the store' }).waitFor();
  await page.locator('#status', { hasText: 'Store shop-a: live' }).waitFor();
  await page.unroute('**/__admin/events?*');
  await tab(page, 'Integrations');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator('#status', { hasText: 'Deleted to delete' }).waitFor();
  assert.doesNotMatch(await page.textContent('#status'), /HTTP 200/);
  // An error without a detail reads cleanly.
  await call('POST', '/__admin/api-faults', { status: 503, requests: 1, method: 'GET', path: '/v2/integrations' });
  await tab(page, 'Trigger');
  await tab(page, 'Integrations');
  await page.locator('#status.error', { hasText: '503' }).waitFor();
  assert.doesNotMatch(await page.textContent('#status'), /:\s*$/);
});

test('the clock: always shown; on a virtual one, buttons that run what falls due, at desktop and phone sizes', async (t) => {
  const env = await setup(t, ['--clock', 'virtual', '--clock-start', '2030-01-01T00:00:00Z']);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-clock');
  await webhook(call, epmock, 'down');
  assert.equal((await call('PUT', '/__admin/sinks/webhook/down', { responses: [{ status: 500 }] })).status, 204);
  const event = await fire(call);
  for (const viewport of [DESKTOP, PHONE]) {
    const { page } = await pageOf(t, env, viewport);
    await page.goto(`${epmock.url}/`);
    await page.locator('#clock', { hasText: 'Virtual clock' }).waitFor();
    assert.equal(await page.locator('#clock button').count(), 0, 'no buttons before a store (and its token) is open');
    await page.goto(`${epmock.url}/#store=shop-clock`);
    await page.locator('#clock time', { hasText: '2030-01-01' }).waitFor();
    await b.assertNoHorizontalOverflow(page, `${viewport === PHONE ? 'phone' : 'desktop'}, the clock`);
    await b.assertTouchTargets(page, `${viewport === PHONE ? 'phone' : 'desktop'}, the clock`);
    if (viewport === PHONE) {
      await page.screenshot({ path: path.join(SHOTS, 'dashboard-phone-clock.png') });
      break;
    }
    await page.getByRole('button', { name: 'Run until idle' }).click();
    await page.locator('#clock time', { hasText: '2030-01-01 00:00:15Z' }).waitFor();
    await page.locator('#status', { hasText: 'The clock is at 2030-01-01T00:00:15.000Z' }).waitFor();
    const logs = await call('GET', `/__admin/events/${event}`);
    assert.equal(logs.json.data.logs.length, 5, 'five attempts ran by the button');
    // The page's relative times are by the server's clock, not the browser's 2026.
    const when = await page.locator('#events tr[data-event] td[data-label="Time"]').first().textContent();
    assert.match(when, /ago|now/, `an event's time on a virtual clock reads "${when}"`);
    await page.getByRole('button', { name: 'Advance the clock 1 h' }).click();
    await page.locator('#clock time', { hasText: '2030-01-01 01:00:15Z' }).waitFor();
    await page.locator('#events tr[data-event] td[data-label="Time"]', { hasText: /1 h|60 min/ }).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-clock.png') });
  }
});

test('the clock on a real-clock server: shown, with no buttons', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  await apiClient(epmock, 'shop-real-clock');
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-real-clock`);
  await page.locator('#clock', { hasText: 'Real clock' }).waitFor();
  await page.locator('#clock time').waitFor();
  assert.equal(await page.locator('#clock button').count(), 0);
});

test('item 12: the journal shows the page\'s own reads apart, hidden by default, and filters by status and path', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-journal');
  await call('POST', '/v2/integrations', { data: {} });
  await call('GET', '/v2/integrations/nope');
  await webhook(call, epmock, 'j');
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-journal&tab=journal`);
  await page.locator('#journal tr[data-sequence]').nth(2).waitFor();
  assert.equal(await page.locator('#journal tr[data-sequence]').count(), 3);  // the client's three; the page's hidden
  await page.getByLabel('Show the dashboard\'s own reads').check();
  await page.locator('#journal .tag', { hasText: 'dashboard' }).first().waitFor();
  await page.locator('#journal-filters').getByLabel('Status').selectOption('4xx');
  await page.locator('#journal tr[data-sequence]').nth(1).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#journal tr[data-sequence]').length === 2);
  await page.getByLabel('Path starts with').fill('/v2/integrations/');
  await page.waitForFunction(() => document.querySelectorAll('#journal tr[data-sequence]').length === 1);
  assert.match(await page.textContent('#journal'), /GET \/v2\/integrations\/nope.*404/s);
  assert.match(page.url(), /jstatus=4xx/);
});

test('item 14: the chart counts failed attempts apart, in their own colour', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-chart');
  await webhook(call, epmock, 'c');
  await call('PUT', '/__admin/sinks/webhook/c', { responses: [{ status: 500 }, { status: 200 }] });
  await fire(call);
  await idle(call);
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-chart`);
  await page.locator('svg.chart rect.bar.failed').waitFor();
  await page.locator('svg.chart rect.bar.ok').first().waitFor();
  const [failed, ok] = await page.evaluate(() => ['rect.bar.failed', 'rect.bar.ok']
    .map((s) => getComputedStyle(document.querySelector(`svg.chart ${s}`)).fill));
  assert.notEqual(failed, ok);
  assert.match(await page.locator('svg.chart').getAttribute('aria-label'), /1 successful and 1 failed attempts/);
});

// Waits for the events list to show `n` rows; on a timeout, says what the page showed.
async function rowsReach(page, n) {
  try {
    await page.waitForFunction((want) => document.querySelectorAll('#events tr[data-event]').length === want, n);
  } catch (error) {
    const seen = await page.evaluate(() => ({
      rows: document.querySelectorAll('#events tr[data-event]').length,
      first: document.querySelector('#events tr')?.textContent,
      count: document.getElementById('events-count').textContent,
      paging: document.getElementById('events-page').textContent,
      status: document.getElementById('status').textContent,
      url: location.hash,
    }));
    throw new Error(`the list did not reach ${n} rows: ${JSON.stringify(seen)}`, { cause: error });
  }
}

test('bulk replay of failures, pause and follow, the new events marker, a story run\'s view', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-bulk');
  await webhook(call, epmock, 'down', ['order.created']);
  await call('PUT', '/__admin/sinks/webhook/down', { responses: [{ status: 500 }] });
  for (let i = 0; i < 3; i++) await fire(call, 'order.created');
  await idle(call);
  await call('DELETE', '/__admin/sinks/webhook/down');
  const { page } = await pageOf(t, env);
  await page.goto(`${epmock.url}/#store=shop-bulk&status=failed`);
  await page.locator('#events-count', { hasText: '3 events match' }).waitFor();
  await page.getByRole('button', { name: 'Replay failed events' }).click();
  await page.locator('#status', { hasText: 'Replayed 3 failed events' }).waitFor();
  // The whole list, as the server counts it (the store has more events than the three):
  // counted before the reload lands, the rows would be the filtered list's.
  const all = (await call('GET', '/__admin/events?fields=summary&page[limit]=1')).json.meta.page.total;
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('#events-count', { hasText: new RegExp(`^${all} events$`) }).waitFor();
  await page.locator('#events-table[aria-busy="false"]').waitFor();
  await page.locator('#events .tag', { hasText: 'replayed' }).nth(2).waitFor();
  // Paused: new events wait behind a marker; following again shows them.
  await page.getByRole('button', { name: 'Following new events' }).click();
  const rows = await page.locator('#events tr[data-event]').count();
  assert.equal(rows, all);
  await fire(call, 'order.created');
  await fire(call, 'order.created');
  await page.getByRole('button', { name: '2 new events: show' }).waitFor();
  assert.equal(await page.locator('#events tr[data-event]').count(), rows);
  await page.getByRole('button', { name: '2 new events: show' }).click();
  await rowsReach(page, rows + 2);
  // A story run: its steps, and its events as a filter of the list.
  await tab(page, 'Trigger');
  await page.locator('#stories button').first().click();
  await page.locator('#story-runs tr').first().getByRole('button', { name: 'Steps' }).click();
  await page.locator('#story-run ol li').first().waitFor();
  await idle(call);
  await page.locator('#story-runs tr').first().getByRole('link', { name: 'Its events' }).click();
  await page.locator('#events-count', { hasText: /\d+ events? match/ }).waitFor();
  assert.match(page.url(), /story_run=/);
  assert.ok(await page.locator('#events tr[data-event]').count() >= 1);
});

test('axe-core finds no WCAG 2.1 AA violation in any tab or state, at desktop and phone sizes', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const call = await apiClient(epmock, 'shop-axe');
  await webhook(call, epmock, 'axe');
  await call('PUT', '/__admin/sinks/webhook/axe', { responses: [{ status: 500 }, { status: 200 }] });
  const id = await fire(call);
  await call('POST', '/__admin/faults', { duplicate: 1, events: 1 });
  await call('POST', '/v2/integrations', { data: {} });
  await call('PUT', '/__admin/sqs/queues/axe');
  await call('POST', '/__admin/stories/checkout', {}).catch(() => {});
  await idle(call);
  for (const viewport of [DESKTOP, PHONE]) {
    const where = viewport === DESKTOP ? 'desktop' : 'phone';
    const { page } = await pageOf(t, env, viewport, { bypassCSP: true });
    await page.goto(`${epmock.url}/`);
    await b.assertAccessible(page, `${where}, no store`);
    await page.getByLabel('Client id').fill('shop-axe-typo');
    await page.getByRole('button', { name: 'Open store' }).click();
    await page.locator('#store-check:not([hidden])').waitFor();
    await b.assertAccessible(page, `${where}, unknown store asked about`);
    await page.goto(`${epmock.url}/#store=shop-axe`);
    await page.locator('#status', { hasText: 'Store shop-axe: live' }).waitFor();
    for (const name of ['Events', 'Integrations', 'Trigger', 'Faults', 'Journal', 'Queues & sinks', 'Stores']) {
      await tab(page, name);
      await page.waitForTimeout(300);
      await b.assertAccessible(page, `${where}, ${name}`);
      await b.assertTouchTargets(page, `${where}, ${name}`);
      await b.assertNoHorizontalOverflow(page, `${where}, ${name}`);
      await page.screenshot({ path: path.join(SHOTS, `dashboard-${where}-${name.split(' ')[0].toLowerCase()}.png`), fullPage: true });
    }
    await tab(page, 'Queues & sinks');
    await page.locator('#sink-list button').first().click();
    await page.locator('#sink table').waitFor();
    await b.assertAccessible(page, `${where}, a sink open`);
    await tab(page, 'Integrations');
    await page.getByRole('button', { name: 'Edit' }).first().click();
    await b.assertAccessible(page, `${where}, an integration edited`);
    await page.goto(`${epmock.url}/#store=shop-axe&event=${id}`);
    await page.locator('#event-detail .job').first().waitFor();
    await page.locator('#event-detail details summary').last().click();
    await b.assertAccessible(page, `${where}, an event open`);
    await page.goto(`${epmock.url}/#store=shop-axe&status=refused`);
    await page.locator('#events', { hasText: 'No event matches these filters' }).waitFor();
    await b.assertAccessible(page, `${where}, no event matches`);
  }
});

test('the page\'s timings with 100 and 10,000 events (recorded for BENCHMARKS.md, not asserted)', async (t) => {
  const env = await setup(t);
  const { epmock } = env;
  const timings = {};
  for (const count of [100, 10000]) {
    const store = `shop-${count}`;
    const call = await apiClient(epmock, store);
    await webhook(call, epmock, `perf-${count}`, ['order.created']);
    for (let made = 0; made < count; made += 10000) {
      assert.equal((await call('POST', '/__admin/events/batch', { type: 'order.created', count: Math.min(10000, count - made) })).status, 201);
    }
    await idle(call);
    const { page } = await pageOf(t, env);
    await page.addInitScript(() => { window.epmockTimings = true; });
    await page.goto(`${epmock.url}/`);
    await page.getByLabel('Client id').fill(store);
    await page.getByRole('button', { name: 'Open store' }).click();
    await page.locator('#status', { hasText: `Store ${store}: live` }).waitFor();
    await page.waitForFunction(() => performance.getEntriesByName('epmock:store-first-paint').length === 1);
    // Live updates: 50 events, each with its delivery log, while the list shows a page of 50.
    for (let i = 0; i < 50; i++) await fire(call, 'order.created');
    await idle(call);
    await page.waitForFunction(() => performance.getEntriesByName('epmock:live-update').length >= 100);
    const measured = await page.evaluate(() => {
      const updates = performance.getEntriesByName('epmock:live-update').map((e) => e.duration).sort((a, b) => a - b);
      const q = (p) => updates[Math.min(updates.length - 1, Math.floor(p * updates.length))];
      return { first_paint_ms: performance.getEntriesByName('epmock:store-first-paint')[0].duration,
        updates: updates.length, update_p50_ms: q(0.5), update_p99_ms: q(0.99), update_max_ms: updates[updates.length - 1] };
    });
    timings[count] = measured;
    t.diagnostic(`${count} events: ${JSON.stringify(measured)}`);
  }
  if (process.env.EPMOCK_TIMINGS) fs.writeFileSync(process.env.EPMOCK_TIMINGS, `${JSON.stringify(timings, null, 2)}\n`);
});
