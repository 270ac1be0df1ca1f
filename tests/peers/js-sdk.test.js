// The official JS SDK (@elasticpath/js-sdk) against `epmock serve`: every Integrations call
// the SDK has, and an error surfaced through it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { gateway, MemoryStorageFactory } = require('@elasticpath/js-sdk');
const { startEpmock } = require('./epmock-process');

function client(host, clientId, extra = {}) {
  return gateway({
    client_id: clientId,
    client_secret: 'not-checked',
    host,
    protocol: 'http',
    storage: new MemoryStorageFactory(),
    retryDelay: 10,
    retryJitter: 1,
    ...extra,
  });
}

const webhook = {
  name: 'Order shipping notification',
  description: 'Send a shipping notification via email with discount code.',
  enabled: true,
  observes: ['order.fulfilled'],
  integration_type: 'webhook',
  configuration: { url: 'https://yourwebsite.com/order-created-notification' },
};

test('the JS SDK drives the Integrations API end to end', async (t) => {
  const epmock = await startEpmock();
  t.after(async () => {
    const exit = await epmock.stop();
    assert.equal(exit.code, 0, 'epmock serve exits 0 on SIGTERM');
  });
  const EPCC = client(epmock.host, `js-sdk-${process.pid}`);

  const auth = await EPCC.Authenticate();
  assert.equal(auth.token_type, 'Bearer');
  assert.ok(auth.expires > Date.now() / 1000, 'expires is in the future (the SDK checks it)');

  const created = await EPCC.Integrations.Create(webhook);
  const id = created.data.id;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(created.data.type, 'integration');
  assert.equal(created.data.name, webhook.name);
  assert.equal(created.data.links.self, `${epmock.url}/v2/integrations/${id}`);

  const sqs = await EPCC.Integrations.Create({
    name: 'Cart updated notifications',
    observes: ['cart.updated'],
    integration_type: 'aws_sqs',
    configuration: {
      url: 'https://sqs.eu-west-1.amazonaws.com/123456789/epcc-external-queue',
      aws_access_key_id: 'ASIAJLVYNHUWCPKOPSYQ',
      aws_secret_access_key: 'mgJteE7dZgSLC2eo2vKsAUWRSnchrWzCRnoDpUSJ',
      region: 'eu-west-1',
    },
  });
  assert.equal(sqs.data.configuration.aws_access_key_id, '****************PSYQ');

  const all = await EPCC.Integrations.All();
  assert.deepEqual(all.data.map((i) => i.id), [id, sqs.data.id]);
  assert.equal(all.meta.results.total, 2);

  const page = await EPCC.Integrations.Limit(1).Offset(1).All();
  assert.deepEqual(page.data.map((i) => i.id), [sqs.data.id]);
  assert.equal(page.meta.page.current, 2);

  const got = await EPCC.Integrations.Get(id);
  assert.deepEqual(got.data, created.data);

  const updated = await EPCC.Integrations.Update(id, { name: 'Renamed', enabled: false });
  assert.equal(updated.data.name, 'Renamed');
  assert.equal(updated.data.enabled, false);
  assert.equal(updated.data.description, webhook.description, 'other attributes stay');

  const logs = await EPCC.Integrations.GetLogs(id);
  assert.deepEqual(logs.data, []);
  assert.equal(logs.results.total, 0);
  const jobs = await EPCC.Integrations.GetJobs(id);
  assert.deepEqual(jobs.data, []);
  const storeLogs = await EPCC.Integrations.GetAllLogs();
  assert.deepEqual(storeLogs.data, []);

  // moltin/docs.moltin.com docs/integrations/integrations-api/delete-an-integration.md: the platform answers 200 {data: {type, id}}, and Delete() resolves to it.
  const deleted = await EPCC.Integrations.Delete(id);
  assert.deepEqual(deleted, { data: { type: 'integration', id } });
  await assert.rejects(EPCC.Integrations.Get(id), (err) => {
    assert.equal(err.errors[0].status, 404);
    assert.equal(err.errors[0].detail, 'The resource could not be found');
    return true;
  });
});

test('validation errors reach the SDK caller in the platform shape', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const EPCC = client(epmock.host, `js-sdk-errors-${process.pid}`);

  await assert.rejects(
    EPCC.Integrations.Create({
      ...webhook,
      observes: ['order.created', 'order.paid', 'order.authorized', 'order.fulfilled',
        'order.cancelled', 'order.refunded'],
    }),
    (err) => {
      assert.equal(err.errors[0].status, 422);
      assert.equal(err.errors[0].detail, 'You have reached the integration event limit of 5');
      assert.equal(err.errors[0].source, undefined, 'the platform sends no source (elasticpath/epcc-cli docs/tutorial.md)');
      return true;
    },
  );
  await assert.rejects(
    EPCC.Integrations.Create({ ...webhook, configuration: {} }),
    (err) => {
      assert.deepEqual(err.errors, [
        { status: 422, title: 'Failed Validation', detail: 'The data.configuration.url field is required.' },
      ]);
      return true;
    },
  );
  // Each client_id is its own store: a second SDK client sees nothing of the first.
  const other = client(epmock.host, `js-sdk-other-${process.pid}`);
  const none = await other.Integrations.All();
  assert.deepEqual(none.data, []);
});

test('401 and 403 reach the SDK caller with the platform bodies', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());

  // 401 (elasticpath/elasticpath-dev guides/Getting-Started/errors.md). epmock grants every client a new token, so the SDK's re-authentication
  // must be off to see it; this SDK reads `reauth: false` as true (`reauth || true`), so one
  // attempt (fetchMaxAttempts: 1) is what turns it off. The stored token is one epmock never
  // issued, unexpired as far as the SDK can tell.
  const storage = new MemoryStorageFactory();
  const clientId = `js-sdk-401-${process.pid}`;
  storage.set('epCredentials', JSON.stringify({
    client_id: clientId, access_token: 'f'.repeat(40), expires: Math.floor(Date.now() / 1000) + 3600,
    expires_in: 3600, identifier: 'client_credentials', token_type: 'Bearer',
  }));
  const stale = client(epmock.host, clientId, { storage, reauth: false, fetchMaxAttempts: 1 });
  await assert.rejects(stale.Integrations.All(), (err) => {
    assert.deepEqual(err, { errors: [{ status: 401, title: 'Unable to validate access token' }] });
    return true;
  });

  // 403 (elasticpath/elasticpath-dev docs/authentication/Tokens/permissions.mdx): without a secret the SDK takes an implicit token, which may not touch
  // integrations.
  const implicit = client(epmock.host, `js-sdk-403-${process.pid}`, { client_secret: undefined });
  const auth = await implicit.Authenticate();
  assert.equal(auth.identifier, 'implicit');
  await assert.rejects(implicit.Integrations.All(), (err) => {
    assert.deepEqual(err, { errors: [{ status: 403, title: 'Forbidden' }] });
    return true;
  });
  await assert.rejects(implicit.Integrations.Create(webhook), (err) => err.errors[0].status === 403);
});

// A client_credentials token of epmock's, and a JSON call with it, outside the SDK.
async function token(url, clientId) {
  const res = await fetch(`${url}/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=s`,
  });
  return (await res.json()).access_token;
}

async function call(url, method, path, bearer, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('an organization token acts on one of its stores through the SDK store_id', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const orgClient = `js-sdk-org-${process.pid}`;
  const storeClient = `js-sdk-org-store-${process.pid}`;
  const declared = await call(epmock.url, 'PUT', '/__admin/organization', await token(epmock.url, orgClient),
    { stores: [storeClient] });
  assert.equal(declared.status, 200);
  const storeId = declared.json.data.store_ids[0];

  // The SDK sends X-MOLTIN-AUTH-STORE on every request when store_id is set (elasticpath/js-sdk src/factories/request.js),
  // and then authenticates only when a request answers 401.
  const orgOnStore = client(epmock.host, orgClient, { store_id: storeId });
  const created = await orgOnStore.Integrations.Create({ ...webhook, observes: ['order.paid'] });
  assert.equal(created.data.type, 'integration');

  const store = client(epmock.host, storeClient);
  const seen = await store.Integrations.All();
  assert.deepEqual(seen.data.map((i) => i.id), [created.data.id], 'created in the store, seen by its own client');
  const orgLevel = client(epmock.host, orgClient);
  assert.deepEqual((await orgLevel.Integrations.All()).data, [], 'not at the organization level');

  // A store the organization does not have: 403, surfaced through the SDK.
  const elsewhere = client(epmock.host, orgClient, { store_id: '00000000-0000-4000-8000-000000000000' });
  await assert.rejects(elsewhere.Integrations.All(), (err) => {
    assert.deepEqual(err, { errors: [{ status: 403, title: 'Forbidden' }] });
    return true;
  });
});

test('an integration observes subscriptions and Custom API events through the SDK', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const clientId = `js-sdk-subs-${process.pid}`;
  const EPCC = client(epmock.host, clientId);
  const observes = ['subscription.created', 'subscription.create-failed', 'subscription.pending_cancel',
    'subscription-invoice.created', 'wishlist_ext.created'];
  const created = await EPCC.Integrations.Create({
    ...webhook,
    observes,
    configuration: { url: `${epmock.url}/__sink/webhook/subs` },
  });
  assert.deepEqual(created.data.observes, observes);

  // Fire one through the admin API; the platform-shaped delivery reaches the sink.
  const bearer = await token(epmock.url, clientId);
  const fired = await call(epmock.url, 'POST', '/__admin/events', bearer, { type: 'subscription.create-failed' });
  assert.equal(fired.status, 201);
  const idle = await call(epmock.url, 'GET', '/__admin/idle?timeout_ms=10000', bearer);
  assert.equal(idle.status, 200);
  const sink = await call(epmock.url, 'GET', '/__admin/sinks/webhook/subs', bearer);
  const body = sink.json.data[0].body;  // parsed JSON, as the admin API shows it
  assert.equal(body.triggered_by, 'subscription.create-failed');
  assert.equal(body.payload.data.type, 'subscription');
  assert.equal(body.store_id, fired.json.data.store_id);
  assert.equal(body.configuration.secret_key, '');
  const logs = await EPCC.Integrations.GetLogs(created.data.id);
  assert.equal(logs.data[0].succeeded, true);
  assert.equal(logs.data[0].error_detail, '');
  assert.match(logs.data[0].meta.timestamps.created_at, /\.\d{9}Z$/);
});

test('the SDK retries a 429, from an API fault and from the rate limit', async (t) => {
  const epmock = await startEpmock(['--rate-limits', '1', '--time-scale', '0.5']);
  t.after(() => epmock.stop());
  const clientId = `js-sdk-429-${process.pid}`;
  const bearer = await token(epmock.url, clientId);

  // Two 429s on the next requests: the SDK's own retry (src/factories/request.js) gets through.
  const fault = await call(epmock.url, 'POST', '/__admin/api-faults', bearer, { status: 429, requests: 2 });
  assert.equal(fault.status, 201);
  const EPCC = client(epmock.host, clientId, { retryDelay: 600, retryJitter: 1 });
  const all = await EPCC.Integrations.All();
  assert.deepEqual(all.data, []);

  // One request a second of the engine's clock (500 ms at this time scale): of three sent at
  // once two get 429, which the SDK retries after its delay (600 ms and more), in later windows.
  const results = await Promise.all([EPCC.Integrations.All(), EPCC.Integrations.All(), EPCC.Integrations.All()]);
  assert.equal(results.length, 3);
  const journal = await call(epmock.url, 'GET', '/__admin/requests', bearer);
  const statuses = journal.json.data.filter((r) => r.path === '/v2/integrations').map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 429).length >= 4, true, `429s seen: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 200).length, 4);
});
