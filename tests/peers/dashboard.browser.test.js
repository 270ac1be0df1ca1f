// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core.
// A new user's path through it: open /, choose a client id, create a webhook integration,
// trigger order.paid and see it delivered without a reload, read the request the receiver
// got, replay it, add a fail-first-2 fault and see the retries on the time axis, read a
// refused API call's reason in the journal, and see nothing of it from a second store. Any
// console error fails the test. Screenshots go to $EPMOCK_SCREENSHOTS (the build folder;
// scripts/dashboard-screenshots.sh refreshes the ones under docs/).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEpmock, apiClient } = require('./epmock-process');
const { launch, watchedPage, openStore, SHOTS, TIMEOUT } = require('./browser');

test('a new user creates, triggers, inspects, replays and breaks deliveries from the page', async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const epmock = await startEpmock(['--time-scale', '0.001']);
  t.after(() => epmock.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const { page, problems, origins } = await watchedPage(browser, { width: 1280, height: 900 });

  // GET / leads to the dashboard, which asks only for a client id.
  await page.goto(epmock.url + '/');
  assert.equal(new URL(page.url()).pathname, '/__admin/ui/');
  await openStore(page, 'shop-a');

  // A webhook integration, created from the page (its default target: epmock's own sink).
  await page.getByRole('button', { name: 'Integrations' }).click();
  await page.getByLabel('Name', { exact: true }).fill('paid orders');
  await page.getByLabel('Find an event').fill('order.paid');
  await page.getByLabel('order.paid', { exact: true }).check();
  await page.getByRole('button', { name: 'Save integration' }).click();
  await page.waitForSelector('#integrations tr[data-integration]');
  assert.match(await page.textContent('#integrations'), /paid orders.*webhook.*order\.paid/s);

  // Trigger order.paid; the delivery appears live in the events list, no reload.
  await page.getByRole('button', { name: 'Trigger' }).click();
  await page.getByLabel('Event', { exact: true }).fill('order.paid');
  await page.getByRole('button', { name: 'Trigger', exact: true }).last().click();
  await page.waitForFunction(() => /Triggered order\.paid/.test(document.querySelector('#trigger-result').textContent));
  await page.getByRole('button', { name: 'Events' }).click();
  const paidRow = page.locator('#events tr[data-event]', { hasText: 'order.paid' }).first();
  await paidRow.locator('.deliveries', { hasText: '1/1 delivered' }).waitFor();
  await paidRow.locator('.status', { hasText: 'Delivered' }).waitFor();
  const eventId = await paidRow.getAttribute('data-event');
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-events.png'), fullPage: true });

  // Open it: the job delivered on attempt 1, and the exact request the receiver got.
  await paidRow.getByRole('link', { name: 'order.paid' }).click();
  await page.locator('#event-detail .job-state', { hasText: 'Delivered on attempt 1' }).waitFor();
  const body = await page.locator('#event-detail pre[aria-label="body"]').first().textContent();
  assert.equal(JSON.parse(body).id, eventId);
  assert.equal(JSON.parse(body).triggered_by, 'order.paid');
  const headers = JSON.parse(await page.locator('#event-detail pre[aria-label="headers"]').first().textContent());
  assert.equal(headers['x-moltin-integration-trigger'], 'order.paid');
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-event.png'), fullPage: true });

  // Replay it: a second job, marked as a replay, delivered too.
  await page.getByRole('button', { name: 'Replay to all integrations' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#event-detail .job').length === 2);
  await page.locator('#event-detail .job').filter({ has: page.locator('.tag', { hasText: /^replay$/ }) })
    .locator('.job-state', { hasText: 'Delivered on attempt 1' }).waitFor();

  // A fault: the next event fails twice, then is delivered; the time axis shows three attempts.
  await page.getByRole('button', { name: 'Faults' }).click();
  await page.getByLabel('Attempts that fail first').fill('2');
  await page.getByRole('button', { name: 'Add fault', exact: true }).click();
  await page.locator('#faults li', { hasText: 'fail the first 2 attempts' }).waitFor();
  await page.getByRole('button', { name: 'Trigger' }).click();
  await page.getByRole('button', { name: 'Trigger', exact: true }).last().click();
  await page.getByRole('button', { name: 'Events' }).click();
  const retried = page.locator('#events tr[data-event]', { hasText: 'order.paid' }).first();
  await retried.locator('.deliveries', { hasText: '1/1 delivered' }).waitFor();
  await retried.getByRole('link', { name: 'order.paid' }).click();
  await page.locator('#event-detail .job-state', { hasText: 'Delivered on attempt 3' }).waitFor();
  assert.equal(await page.locator('#event-detail svg.timeline circle.failed').count(), 2);
  assert.equal(await page.locator('#event-detail svg.timeline circle.ok').count(), 1);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-retries.png'), fullPage: true });
  // The fault's budget is used: it stays listed, as used.
  await page.getByRole('button', { name: 'Faults' }).click();
  await page.locator('#faults li.used', { hasText: 'fail the first 2 attempts' }).waitFor();

  // A refused API call (from the store's own client) and its reason, live in the journal.
  const call = await apiClient(epmock, 'shop-a');
  const refused = await call('POST', '/v2/integrations', { data: { type: 'integration', name: 'x', integration_type: 'webhook', observes: ['order.paid'], configuration: {} } });
  assert.equal(refused.status, 422);
  await page.getByRole('button', { name: 'Journal' }).click();
  const refusedRow = page.locator('#journal tr.refused', { hasText: 'POST /v2/integrations' }).first();
  await refusedRow.waitFor();
  assert.match(await refusedRow.textContent(), /422.*configuration/s);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-journal.png'), fullPage: true });

  // The embedded queues, with their counts.
  assert.equal((await call('PUT', '/__admin/sqs/queues/browser-q')).status, 201);
  await page.getByRole('button', { name: 'Queues & sinks' }).click();
  await page.locator('#sqs-list tr', { hasText: 'browser-q' }).waitFor();
  await page.locator('#sqs-list button', { hasText: 'browser-q' }).click();
  await page.locator('#sqs', { hasText: 'No message on the queue' }).waitFor();

  // A second store sees none of it.
  await openStore(page, 'shop-b');
  await page.getByRole('button', { name: 'Events' }).click();
  await page.locator('#events', { hasText: 'No events yet' }).waitFor();
  await page.getByRole('button', { name: 'Integrations' }).click();
  await page.locator('#integrations', { hasText: 'No integrations.' }).waitFor();
  await page.getByRole('button', { name: 'Journal' }).click();
  await page.locator('#journal', { hasText: 'No API call matches yet' }).waitFor();
  assert.doesNotMatch(await page.textContent('#journal'), /POST \/v2\/integrations/);

  // Narrow window: still usable (the list and the detail stack).
  await page.setViewportSize({ width: 420, height: 900 });
  await page.getByRole('button', { name: 'Stores' }).click();
  await page.locator('#stores tr', { hasText: 'shop-a' }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-narrow.png'), fullPage: true });

  assert.deepEqual(problems(), []);
  assert.deepEqual(origins(), [epmock.url]);
});

// Streams are capped (--max-streams 1 here): a second page gets 503 for its stream, falls
// back to polling the admin lists, and still shows a new event without a reload.
test('a page refused a stream polls instead and still sees new events', async (t) => {
  const epmock = await startEpmock(['--time-scale', '0.001', '--max-streams', '1']);
  t.after(() => epmock.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const open = async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${epmock.url}/#store=shop-c`);
    await page.waitForSelector('#tab-events:not([hidden])');
    return page;
  };
  const first = await open();
  await first.locator('#status', { hasText: 'live' }).waitFor();
  const second = await open();
  await second.locator('#status', { hasText: 'polling' }).waitFor();
  const call = await apiClient(epmock, 'shop-c');
  const fired = await call('POST', '/__admin/events', { type: 'order.created' });
  assert.equal(fired.status, 201);
  for (const page of [first, second]) {
    await page.locator(`#events tr[data-event="${fired.json.data.id}"]`).waitFor();
  }
});


// With an admin token (EPMOCK_ADMIN_TOKEN), the page's files load, the page sees 401 from
// the admin API and goes to the sign-in form; signing in sets a session cookie for
// /__admin/ only (the token is in no cookie), the store opens, and signing out ends it.
test('with an admin token the page signs in with a session and signs out', async (t) => {
  const epmock = await startEpmock(['--time-scale', '0.001', '--dashboard-path', '/ui/'],
    { EPMOCK_ADMIN_TOKEN: 's3cret-admin-token' });
  t.after(() => epmock.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${epmock.url}/ui/`);
  await page.waitForURL(`${epmock.url}/ui/login`);
  await page.getByLabel('Admin token').fill('s3cret-admin-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${epmock.url}/ui/`);
  const cookies = await context.cookies(epmock.url + '/__admin/');
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].path, '/__admin/');
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  assert.ok(!cookies[0].value.includes('s3cret'));
  await openStore(page, 'shop-s');
  await page.locator('#status', { hasText: 'live' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${epmock.url}/ui/login`);
  const stores = await fetch(`${epmock.url}/__admin/stores`, {
    headers: { Cookie: `${cookies[0].name}=${cookies[0].value}` } });
  assert.equal(stores.status, 401);
});
