// The Node kit against a real `epmock serve`: what a test does with it, the consumers it
// exists for (an SQS worker on @aws-sdk/client-sqs, the official JS SDK creating
// integrations), twenty stores at once without cross-talk, and how each failure reads.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');
const { gateway, MemoryStorageFactory } = require('@elasticpath/js-sdk');
const { startEpmock, connectEpmock, queueUrl, EpmockError } = require('epmock');

test('a store: integrations, triggers, waits and what each receiver got', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  assert.match(epmock.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(epmock.sqsUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(epmock.stompUrl, /^stomp:\/\/127\.0\.0\.1:\d+$/);
  const store = await epmock.store();
  assert.match(store.clientId, /^epmock-kit-/);

  const hook = await store.createWebhookIntegration(['order.paid'], { secretKey: 's3cret' });
  assert.equal(hook.configuration.url, `${epmock.apiUrl}/__sink/webhook/${store.sink}`);
  const sqs = await store.createSqsIntegration(['order.paid'], { queue: 'kit-orders' });
  assert.equal(sqs.configuration.url, queueUrl(epmock, 'kit-orders'));
  const stomp = await store.createStompIntegration(['order.paid'], { destination: '/queue/kit' });
  assert.deepEqual(stomp.configuration.addresses, [epmock.stompUrl]);

  const fired = await store.trigger('order.paid');
  const seen = await store.waitForEvent('order.paid', { after: '' });
  assert.equal(seen.id, fired.id);
  await store.request('GET', '/__admin/wait?deliveries=3&timeout_ms=10000');

  const [request] = await store.webhookDeliveries();
  assert.equal(request.headers['x-moltin-secret-key'], 's3cret');
  assert.equal(request.body.id, fired.id);
  const [message] = await store.sqsMessages('kit-orders');
  assert.equal(message.body.id, fired.id);
  assert.equal(message.body.type, 'order.paid');
  const logs = await store.logs();
  assert.equal(logs.length, 3);
  assert.ok(logs.every((l) => l.status_code === 200 || l.error_detail === ''), JSON.stringify(logs));

  // waitForEvent returns each event once: the next one, whether fired before the call or after.
  await assert.rejects(store.waitForEvent('order.paid', { timeoutMs: 100 }), /no order\.paid event delivered within 100 ms after /);
  const later = store.waitForEvent('order.paid', { timeoutMs: 10000 });
  const next = await store.trigger('order.paid');
  assert.equal((await later).id, next.id);
  const third = await store.trigger('order.paid');
  assert.equal((await store.waitForEvent('order.paid')).id, third.id);

  const batch = await store.triggerBatch('order.created', { count: 3, seed: 7 });
  assert.equal(batch.length, 3);
  const run = await store.runStory('checkout', { seed: 1 });
  const ended = await store.waitForStory(run.id, { timeoutMs: 20000 });
  assert.equal(ended.state, 'delivered');

  await store.addFault({ fail_first_attempts: 1 });
  await store.addApiFault({ status: 503, requests: 1 });
  await assert.rejects(store.request('GET', '/v2/integrations'), (e) => e instanceof EpmockError && e.status === 503);
  const sqsFault = await store.addSqsFault({ action: 'ReceiveMessage', error: 'throttled', requests: 2 });
  assert.equal(sqsFault.requests, 2);
  assert.deepEqual((await store.sqsFaults()).map((f) => f.id), [sqsFault.id]);
  await assert.rejects(store.addSqsFault({ action: 'SendMessage', error: 'throttled' }), (e) => e.status === 422);
  await store.clearSqsFaults();
  assert.deepEqual(await store.sqsFaults(), []);
  const stompFault = await store.addStompFault({ error: 'drop_connection', destination: '/queue/kit', messages: 2 });
  assert.equal(stompFault.messages, 2);
  assert.deepEqual((await store.stompFaults()).map((f) => f.id), [stompFault.id]);
  await assert.rejects(store.addStompFault({ error: 'slow' }), (e) => e.status === 422);
  await store.clearStompFaults();
  assert.deepEqual(await store.stompFaults(), []);

  await store.reset();
  assert.deepEqual(await store.logs(), []);
});

test('an SQS worker on @aws-sdk/client-sqs receives what the kit set up', async (t) => {
  const key = 'AKIAKITWORKER';
  const secret = 'kit-secret';
  const epmock = await startEpmock({ args: ['--sqs-credentials', `${key}:${secret}`] });
  t.after(() => epmock.stop());
  const store = await epmock.store();
  const integration = await store.createSqsIntegration(['order.paid'], { awsAccessKeyId: key, awsSecretAccessKey: secret });
  const fired = await store.trigger('order.paid');
  const sqs = new SQSClient({ endpoint: epmock.sqsUrl, region: 'us-east-1', credentials: { accessKeyId: key, secretAccessKey: secret } });
  t.after(() => sqs.destroy());
  const QueueUrl = integration.configuration.url;
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  assert.equal(Messages.length, 1);
  assert.equal(JSON.parse(Messages[0].Body).id, fired.id);
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
  assert.deepEqual(await store.sqsMessages(QueueUrl.split('/').pop()), []);
});

test('the official JS SDK creates integrations in a kit store, which then deliver', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const store = await epmock.store();
  const EPCC = gateway({
    client_id: store.clientId,
    client_secret: 'not-checked',
    host: new URL(epmock.apiUrl).host,
    protocol: 'http',
    storage: new MemoryStorageFactory(),
  });
  const created = await EPCC.Integrations.Create({
    name: 'from the SDK',
    integration_type: 'webhook',
    enabled: true,
    observes: ['order.paid'],
    configuration: { url: `${epmock.apiUrl}/__sink/webhook/${store.sink}` },
  });
  assert.match(created.data.id, /^[0-9a-f-]{36}$/);
  const fired = await store.trigger('order.paid');
  await store.waitForEvent('order.paid', { after: '' });
  const [request] = await store.webhookDeliveries();
  assert.equal(request.body.id, fired.id);
  assert.equal(request.body.integration.id, created.data.id);
});

test('on a virtual clock the official JS SDK re-authenticates on the 401 an expired token gets', async (t) => {
  // The clock starts at 2030, ahead of the real date: the SDK's own expiry check (expires
  // against its wall clock) does not fire first, so only the server's 401 makes it renew.
  const epmock = await startEpmock({ clock: 'virtual' });
  t.after(() => epmock.stop());
  const store = await epmock.store();
  const storage = new MemoryStorageFactory();
  const EPCC = gateway({
    client_id: store.clientId,
    client_secret: 'not-checked',
    host: new URL(epmock.apiUrl).host,
    protocol: 'http',
    storage,
  });
  await EPCC.Integrations.All();
  const first = JSON.parse(storage.get('epCredentials'));
  assert.equal(first.expires, Date.UTC(2030, 0, 1) / 1000 + 3600, 'expires is on the server clock');
  const advanced = await epmock.clock.advance(3600 * 1000);
  assert.equal(advanced.now, '2030-01-01T01:00:00.000Z');
  const listed = await EPCC.Integrations.All();
  assert.deepEqual(listed.data, []);
  const renewed = JSON.parse(storage.get('epCredentials'));
  assert.notEqual(renewed.access_token, first.access_token, 'a new token after the 401');
  assert.equal(renewed.expires, Date.UTC(2030, 0, 1) / 1000 + 7200);
});

test('the clock: five attempts with back-off in one runUntilIdle, a real one refuses', async (t) => {
  const epmock = await startEpmock({ clock: 'virtual' });
  t.after(() => epmock.stop());
  const store = await epmock.store();
  await store.createWebhookIntegration(['order.paid']);
  await store.request('PUT', `/__admin/sinks/webhook/${store.sink}`, { responses: [{ status: 500 }] }, [204]);
  await store.trigger('order.paid');
  const idle = await epmock.clock.runUntilIdle({ maxMs: 3600 * 1000 });
  assert.equal(idle.now, '2030-01-01T00:00:15.000Z');
  assert.equal((await store.webhookDeliveries()).length, 5);
  assert.deepEqual(await epmock.clock.now(), new Date('2030-01-01T00:00:15.000Z'));
  const real = await startEpmock();
  t.after(() => real.stop());
  assert.equal((await real.clock.read()).mode, 'real');
  await assert.rejects(real.clock.advance(1000), (error) => {
    assert.ok(error instanceof EpmockError);
    assert.equal(error.status, 409);
    assert.match(error.message, /This server's clock is real/);
    return true;
  });
});

test('twenty stores at once on one server see only their own traffic', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const results = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const store = await epmock.store(`kit-parallel-${process.pid}-${i}`);
      await store.createWebhookIntegration(['order.paid']);
      const fired = [];
      for (let n = 0; n < 3; n += 1) fired.push((await store.trigger('order.paid')).id);
      await store.request('GET', '/__admin/wait?deliveries=3&timeout_ms=20000');
      const received = (await store.webhookDeliveries()).map((r) => r.body.id);
      // Its own order.paid events (creating the integration fired integration.created).
      const events = (await store.request('GET', '/__admin/events')).data.filter((e) => e.type === 'order.paid').map((e) => e.id);
      return { fired, received, events };
    }),
  );
  const everyone = new Set(results.flatMap((r) => r.fired));
  assert.equal(everyone.size, 60);
  for (const { fired, received, events } of results) {
    assert.deepEqual([...received].sort(), [...fired].sort());
    assert.deepEqual([...events].sort(), [...fired].sort());
  }
});

test('attached to a running server with its admin token', async (t) => {
  // Bound beyond loopback, epmock makes a token; the kit reads it off stderr.
  const tokenFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'epmock-kit-')), 'admin-token');
  const started = await startEpmock({ args: ['--host', '0.0.0.0', '--admin-token-file', tokenFile] });
  t.after(() => started.stop());
  assert.match(started.token, /^[0-9a-f]{48}$/);
  assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), started.token);

  const attached = await connectEpmock(`${started.apiUrl}/`, { token: started.token });
  assert.equal(attached.apiUrl, started.apiUrl);
  assert.equal(attached.sqsUrl, started.sqsUrl);
  assert.equal(attached.stompUrl, started.stompUrl);
  const store = await attached.store();
  await store.createWebhookIntegration(['order.paid']);
  const fired = await store.trigger('order.paid');
  assert.equal((await store.waitForEvent('order.paid', { after: '' })).id, fired.id);
  await attached.stop(); // only lets go
  assert.equal((await fetch(`${started.apiUrl}/__admin/health`)).status, 200);

  const stranger = await connectEpmock(started.apiUrl, { token: 'wrong-token-123' });
  const theirs = await stranger.store();
  await assert.rejects(theirs.trigger('order.paid'), /401 Unauthorized: .*admin token/);
});

test('failures read well', async (t) => {
  await assert.rejects(startEpmock({ binary: '/nonexistent/epmock' }), /no binary at \/nonexistent\/epmock/);
  const saved = { bin: process.env.EPMOCK_BIN, path: process.env.PATH };
  delete process.env.EPMOCK_BIN;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(startEpmock(), /no epmock binary: set options.binary or EPMOCK_BIN/);
  } finally {
    process.env.EPMOCK_BIN = saved.bin;
    process.env.PATH = saved.path;
  }
  // A server that exits before its ready line: its stderr is shown.
  await assert.rejects(startEpmock({ args: ['--max-attempts', '0'] }), (e) => {
    assert.ok(e instanceof EpmockError);
    assert.match(e.message, /exited \(code \d+\) before its ready line/);
    assert.match(e.message, /--max-attempts/);
    return true;
  });
  await assert.rejects(connectEpmock('http://127.0.0.1:1'), /no answer from http:\/\/127\.0\.0\.1:1/);

  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const store = await epmock.store();
  // A refusal: the platform's error body, in words.
  await assert.rejects(store.createWebhookIntegration([]), (e) => {
    assert.equal(e.status, 422);
    assert.match(e.message, /POST \/v2\/integrations: 422 /);
    assert.ok(Array.isArray(e.body.errors));
    return true;
  });
  // A wait that times out says what did arrive.
  await store.createWebhookIntegration(['order.paid']);
  await store.trigger('order.paid');
  await assert.rejects(store.waitForEvent('order.refunded', { timeoutMs: 200, after: '' }), (e) => {
    assert.match(e.message, /no order\.refunded event delivered within 200 ms; the store's newest events are: order\.paid/);
    assert.equal(e.arrived[0].type, 'order.paid');
    return true;
  });
  await assert.rejects(store.waitForStory('no-such-run', { timeoutMs: 100 }), /404/);
});

// epmock certify from the kit: a consumer in this test, graded by the running server on a
// server of its own; a flawed one fails the check made to catch it; a bad request is refused.
test('store.certify grades a webhook consumer and names what failed', async (t) => {
  const http = require('node:http');
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const store = await epmock.store();
  const acted = new Map();
  let acceptAnySecret = false;
  const consumer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === '/effects') {
      const id = url.searchParams.get('event_id');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(acted.has(id) ? { [id]: acted.get(id) } : {}));
      return;
    }
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (!acceptAnySecret && req.headers['x-moltin-secret-key'] !== 's3cret') { res.statusCode = 401; res.end(); return; }
      let event;
      try { event = JSON.parse(body); } catch { res.statusCode = 400; res.end(); return; }
      if (event.store_id === STORE_ID && !acted.has(event.id)) acted.set(event.id, 1);
      res.end('{}');
    });
  });
  const STORE_ID = '4a7b2c1e-0000-4000-8000-00000000a11e';
  await new Promise((resolve) => consumer.listen(0, '127.0.0.1', resolve));
  t.after(() => consumer.close());
  const base = `http://127.0.0.1:${consumer.address().port}`;
  const options = {
    url: `${base}/hook`, secret: 's3cret', observes: ['order.paid'], effects_url: `${base}/effects`,
    store_id: STORE_ID, timeout_ms: 3000, settle_ms: 1500, burst: 8,
  };

  const run = await store.certify(options);
  assert.equal(run.status, 'pass', JSON.stringify(run.checks, null, 2));
  assert.equal(run.checks_done, 12);
  assert.equal(run.report.verdict, 'pass');
  assert.equal(run.report.store_id, STORE_ID);

  acceptAnySecret = true;
  const flawed = await store.certify(options);
  assert.equal(flawed.status, 'fail');
  assert.deepEqual(flawed.checks.filter((c) => c.verdict === 'fail').map((c) => c.name), ['wrong_secret', 'missing_secret']);

  await assert.rejects(store.certify({ ...options, burst: 999 }), (e) => e.status === 422 && /burst must be 1 to 200/.test(e.message));
  await assert.rejects(store.certify({ ...options, run: 'echo hi' }), (e) => e.status === 422 && /run is not taken over HTTP/.test(e.message));
  acceptAnySecret = false;
  const started = await store.startCertify(options);
  assert.equal(started.status, 'running');
  assert.equal((await store.certifyRun(started.id, { waitMs: 60000 })).status, 'pass');
});
