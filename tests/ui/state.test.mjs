// The dashboard's state (ui/state.js) and drawing arithmetic (ui/chart.js), without a browser.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  applyLog, configurationForEdit, defaultConfiguration, eventsQuery, EventsPage, eventStatus, formatRoute, journalMatches,
  jobsLine, matchesFilters, parseRoute, summaryOf,
} from '../../ui/state.js';

// node:test has no DOM: chart.js's drawing needs one, its arithmetic does not.
globalThis.document = undefined;
const { bucketize, placeAttempts, runs } = await import('../../ui/chart.js');

test('a route survives the URL: every tab, event, attempt and filter', () => {
  const route = { store: 'shop a&b', tab: 'events', event: 'e-1', job: 'j-1', attempt: '2', status: 'failed', type: 'order.paid', offset: '50' };
  assert.deepEqual(parseRoute(formatRoute(route)), route);
  assert.deepEqual(parseRoute('#store=s&tab=journal&jstatus=4xx&jpath=%2Fv2'), { store: 's', tab: 'journal', jstatus: '4xx', jpath: '/v2' });
});

test('a hostile fragment gives a harmless route', () => {
  assert.equal(parseRoute('#tab=<script>').tab, 'events');
  assert.equal(parseRoute('#attempt=-1').attempt, undefined);
  assert.equal(parseRoute('#attempt=99999').attempt, undefined);
  assert.equal(parseRoute('#offset=1e9').offset, undefined);
  assert.equal(parseRoute(`#event=${'x'.repeat(300)}`).event, undefined);
  assert.equal(parseRoute('#unknown=1').unknown, undefined);
  assert.deepEqual(parseRoute(''), { tab: 'events' });
  assert.deepEqual(parseRoute(undefined), { tab: 'events' });
});

test('the list query carries the filters to the server', () => {
  const q = new URL(eventsQuery({ status: 'failed', type: 'order.paid', offset: '50', tab: 'events' }, 50), 'http://x').searchParams;
  assert.equal(q.get('fields'), 'summary');
  assert.equal(q.get('status'), 'failed');
  assert.equal(q.get('type'), 'order.paid');
  assert.equal(q.get('page[offset]'), '50');
  assert.equal(q.get('tab'), null);
});

const log = (job, attempt, extra) => ({ id: `${job}-${attempt}`, event_id: 'e1', attempt, relationships: { job: { data: { id: job } } }, ...extra });

test('a job waiting for its retry reads retrying, not pending; its end reads delivered or failed', () => {
  let s = summaryOf({ id: 'e1', type: 'order.paid', created_at: 't', jobs: [{ id: 'j1', integration_id: 'i1', integration_type: 'webhook' }] });
  assert.equal(s.status, 'pending');
  s = applyLog(s, log('j1', 1, { succeeded: false, status_code: 500, next_attempt_at: '2026-01-01T00:00:05Z' }));
  assert.equal(s.status, 'retrying');
  assert.equal(s.jobs[0].next_attempt_at, '2026-01-01T00:00:05Z');
  assert.equal(s.jobs[0].last_status_code, 500);
  s = applyLog(s, log('j1', 2, { succeeded: true, final: true, status_code: 200 }));
  assert.equal(s.status, 'delivered');
  assert.equal(s.jobs[0].attempts, 2);
  assert.equal(s.jobs[0].next_attempt_at, undefined);
  // A duplicate's copy, logged after the final one, changes nothing.
  assert.equal(applyLog(s, log('j1', 2, { succeeded: true })), s);
  // A log of another event's job changes nothing.
  assert.equal(applyLog(s, log('other', 1, { final: true })), s);
});

test('an event takes the worst of its jobs; a refusal job ends refused', () => {
  assert.equal(eventStatus([]), 'none');
  assert.equal(eventStatus([{ status: 'delivered' }, { status: 'failed' }]), 'failed');
  assert.equal(eventStatus([{ status: 'delivered' }, { status: 'retrying' }]), 'retrying');
  assert.equal(eventStatus([{ status: 'delivered' }, { status: 'refused' }]), 'refused');
  const s = applyLog(summaryOf({ id: 'e1', jobs: [{ id: 'j1', refusal: 'wrong_secret' }] }), log('j1', 1, { final: true, succeeded: false }));
  assert.equal(s.status, 'refused');
  assert.equal(jobsLine({ jobs: [{ status: 'delivered' }, { status: 'failed' }, { status: 'retrying' }] }), '1/3 delivered, 1 retrying, 1 failed');
  assert.equal(jobsLine({ jobs: [] }), 'no integration observed it');
});

test('a paused or filtered list counts new events instead of moving', () => {
  const page = new EventsPage(2);
  page.load([{ id: 'b', type: 'order.paid', status: 'delivered', jobs: [] }], 1, 0, {});
  assert.equal(page.add({ id: 'c', type: 'order.paid', status: 'pending', jobs: [] }), 'insert');
  assert.equal(page.add({ id: 'c', type: 'order.paid', status: 'pending', jobs: [] }), 'ignore');  // seen
  assert.equal(page.add({ id: 'd', type: 'order.paid', status: 'pending', jobs: [] }), 'insert');
  assert.deepEqual(page.items.map((e) => e.id), ['d', 'c']);  // at most a page
  assert.equal(page.total, 3);
  page.following = false;
  assert.equal(page.add({ id: 'e', type: 'order.paid', status: 'pending', jobs: [] }), 'count');
  assert.equal(page.fresh, 1);
  assert.deepEqual(page.items.map((e) => e.id), ['d', 'c']);  // still
  page.following = true;
  page.load(page.items, 3, 0, { type: 'cart.updated' });
  assert.equal(page.add({ id: 'f', type: 'order.paid', status: 'pending', jobs: [] }), 'ignore');
  page.load([], 0, 50, {});
  assert.equal(page.add({ id: 'g', type: 'order.paid', status: 'pending', jobs: [] }), 'count');  // not on the first page
});

test('a log changes its event in the list and nothing else', () => {
  const page = new EventsPage();
  page.load([summaryOf({ id: 'e1', jobs: [{ id: 'j1' }] })], 1, 0, {});
  const updated = page.update(log('j1', 1, { final: true, succeeded: true }));
  assert.equal(updated.status, 'delivered');
  assert.equal(page.items[0].status, 'delivered');
  assert.equal(page.update({ ...log('j9', 1, {}), event_id: 'other' }), null);
});

test('filters a live event passes', () => {
  const s = { id: 'abcd-1', type: 'order.paid', status: 'failed', jobs: [{ integration_id: 'i1' }] };
  assert.ok(matchesFilters(s, {}));
  assert.ok(matchesFilters(s, { status: 'failed', type: 'order.paid', id: 'abcd', integration_id: 'i1' }));
  assert.ok(!matchesFilters(s, { status: 'delivered' }));
  assert.ok(!matchesFilters(s, { integration_id: 'i2' }));
  assert.ok(!matchesFilters(s, { story_run: 'r1' }));
});

test('the journal hides the page\'s own reads unless asked, and filters by class and path', () => {
  const own = { status: 200, path: '/v2/integrations', origin: 'dashboard' };
  const refused = { status: 422, path: '/v2/integrations', origin: 'client' };
  assert.ok(!journalMatches(own, {}));
  assert.ok(journalMatches(own, { showOwn: true }));
  assert.ok(journalMatches(refused, { status: '4xx', path: '/v2/' }));
  assert.ok(!journalMatches(refused, { status: '2xx' }));
  assert.ok(!journalMatches(refused, { path: '/oauth' }));
});

test('an edit never sends a masked secret back', () => {
  const stored = { url: 'http://q/1/a', aws_access_key_id: '****************PSYQ', aws_secret_access_key: '************cret', region: 'us-east-1' };
  const same = { url: 'http://q/1/a', aws_access_key_id: '', aws_secret_access_key: '', region: 'us-east-1' };
  assert.deepEqual(configurationForEdit('aws_sqs', stored, same), { omit: true });
  assert.deepEqual(configurationForEdit('aws_sqs', stored, { ...same, region: 'eu-west-1' }),
    { missing: ['aws_access_key_id', 'aws_secret_access_key'] });
  assert.deepEqual(configurationForEdit('aws_sqs', stored, { ...same, aws_secret_access_key: 'new' }), { missing: ['aws_access_key_id'] });
  assert.deepEqual(configurationForEdit('aws_sqs', stored, { ...same, region: 'eu-west-1', aws_access_key_id: 'AKIA1', aws_secret_access_key: 's' }),
    { configuration: { url: 'http://q/1/a', aws_access_key_id: 'AKIA1', aws_secret_access_key: 's', region: 'eu-west-1' } });
  const stomp = { addresses: ['stomp://h:1'], destination: '/queue/a', username: 'u', password: '****word' };
  assert.deepEqual(configurationForEdit('stomp', stomp, { addresses: ['stomp://h:1'], destination: '/queue/a', username: 'u', password: '' }), { omit: true });
  assert.deepEqual(configurationForEdit('stomp', stomp, { addresses: ['stomp://h:2'], destination: '/queue/a', username: 'u', password: '' }), { missing: ['password'] });
  assert.deepEqual(configurationForEdit('webhook', { url: 'http://a' }, { url: 'http://a' }), { omit: true });
  assert.deepEqual(configurationForEdit('webhook', { url: 'http://a' }, { url: 'http://b' }), { configuration: { url: 'http://b' } });
});

test('new integrations default to the server\'s own sink, queue and broker', () => {
  const server = { api_url: 'http://127.0.0.1:4000', sqs_url: 'http://127.0.0.1:4001', stomp_url: 'stomp://127.0.0.1:4002' };
  assert.equal(defaultConfiguration('webhook', server).url, 'http://127.0.0.1:4000/__sink/webhook/dashboard');
  assert.equal(defaultConfiguration('aws_sqs', server).url, 'http://127.0.0.1:4001/000000000000/epmock');
  assert.deepEqual(defaultConfiguration('stomp', server).addresses, ['stomp://127.0.0.1:4002']);
});

test('the chart counts failed attempts apart and never joins lines across silence', () => {
  const now = 1_000_000;
  const data = bucketize([{ at: now - 1000, latencyMs: 5, ok: true }, { at: now - 1000, latencyMs: 9, ok: false },
    { at: now - 100000, latencyMs: 3, ok: true }, { at: now + 5000, latencyMs: 1, ok: true }], now);
  assert.equal(data.ok[59], 1);
  assert.equal(data.failed[59], 1);
  assert.equal(data.ok.reduce((a, b) => a + b), 2);  // the one from the future is left out
  assert.deepEqual(runs([null, 1, 2, null, null, 3, null]), [[1, 2], [5]]);
  assert.deepEqual(runs([null, null]), []);
});

test('timeline dots never crowd, and stay on the axis', () => {
  assert.deepEqual(placeAttempts([0, 1000], 2000, 0, 400, 50), [0, 200]);
  const crowded = placeAttempts([0, 1, 2, 3, 4], 1000, 0, 400, 50);
  for (let i = 1; i < crowded.length; i++) assert.ok(crowded[i] - crowded[i - 1] >= 50);
  const many = placeAttempts([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1000, 0, 400, 50);
  assert.ok(many[many.length - 1] <= 400);
  assert.equal(many[0], 0);
});
