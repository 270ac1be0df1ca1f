// `epmock asyncapi` read by the official AsyncAPI parser (@asyncapi/parser), as other
// ecosystems' generators and doc tools read it: no error or warning, a message per
// observable event and channel, every example valid against its message's schemas (ajv),
// and a real delivery from `epmock serve` valid against them too.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const Ajv = require('ajv');
const { startEpmock, apiClient } = require('./epmock-process');

const binary = process.env.EPMOCK_BIN || path.resolve(__dirname, '../../build/epmock');
const catalog = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../schemas/observable-events.json'), 'utf8'));

async function parse(text) {
  const { Parser } = await import('@asyncapi/parser');
  const { document, diagnostics } = await new Parser().parse(text);
  // Severity 0 is an error, 1 a warning; 2 (information) only says 3.1.0 exists.
  const serious = diagnostics.filter((d) => d.severity <= 1);
  assert.deepEqual(serious.map((d) => `${d.code}: ${d.message} at ${JSON.stringify(d.path)}`), []);
  assert.ok(document, 'the parser returned no document');
  return document;
}

function validator(schema) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(schema);
}

function assertValid(schema, value, what) {
  const validate = validator(schema);
  assert.ok(validate(value), `${what}: ${JSON.stringify(validate.errors)}`);
}

let documentText;
let document;
test.before(async () => {
  documentText = execFileSync(binary, ['asyncapi', '--seed', '3'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  document = await parse(documentText);
});

test('the official parser reads it without an error or a warning', () => {
  assert.equal(document.version(), '3.0.0');
  const channels = document.channels().all().map((c) => c.id()).sort();
  assert.deepEqual(channels, ['sqs', 'stomp', 'webhook']);
  const operations = document.operations().all();
  assert.equal(operations.length, 3);
  for (const operation of operations) assert.ok(operation.isSend(), operation.id());
  const webhook = document.operations().get('deliverWebhook');
  assert.equal(webhook.bindings().get('http').value().method, 'POST');
  assert.equal(document.channels().get('sqs').bindings().get('sqs').value().queue.fifoQueue, false);
});

test('every observable event has a message on each channel, with a valid example', () => {
  const messages = document.components().messages();
  for (const event of catalog.events) {
    for (const [channel, suffix] of [['webhook', 'webhook'], ['sqs', 'cloudevent'], ['stomp', 'stomp']]) {
      const id = `${event.key}.${suffix}`;
      const message = messages.get(id);
      assert.ok(message, `no message ${id}`);
      assert.ok(document.channels().get(channel).messages().get(event.key), `${channel} lacks ${event.key}`);
      const examples = message.examples().all();
      assert.equal(examples.length, 1, id);
      const payload = examples[0].payload();
      assertValid(message.payload().json(), payload, `${id} example`);
      if (message.hasHeaders()) assertValid(message.headers().json(), examples[0].headers(), `${id} headers`);
      assert.equal(suffix === 'webhook' ? payload.triggered_by : payload.type, event.key);
    }
  }
  // A message's payload rejects another event's body: the schemas are the events' own.
  const paid = messages.get('order.paid.webhook');
  const created = messages.get('customer.created.webhook').examples().all()[0].payload();
  assert.equal(validator(paid.payload().json())(created), false);
});

test('a real webhook delivery of epmock serve matches its message', async (t) => {
  const received = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => receiver.close());
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const call = await apiClient(epmock, `asyncapi-${process.pid}`);
  const created = await call('POST', '/v2/integrations', {
    data: {
      type: 'integration', name: 'paid orders', integration_type: 'webhook', enabled: true,
      observes: ['order.paid'],
      configuration: { url: `http://127.0.0.1:${receiver.address().port}/hook`, secret_key: 'peer-secret' },
    },
  });
  assert.equal(created.status, 201);
  assert.equal((await call('POST', '/__admin/events', { type: 'order.paid' })).status, 201);
  for (let i = 0; i < 500 && received.length === 0; ++i) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received.length, 1);

  const message = document.components().messages().get('order.paid.webhook');
  assertValid(message.payload().json(), received[0].body, 'the delivered body');
  // Node's HTTP server lower-cases header names; the document spells them as the wire does
  // (User-Agent capitalised, the rest lower case).
  const headers = {};
  for (const name of Object.keys(message.headers().json().properties)) {
    const value = received[0].headers[name.toLowerCase()];
    if (value !== undefined) headers[name] = value;
  }
  assertValid(message.headers().json(), headers, 'the delivered headers');
  assert.equal(headers['x-moltin-secret-key'], 'peer-secret');
  assert.equal(headers['accept-encoding'], 'gzip');
});
