// The webhook handler is a good consumer: `epmock certify webhook` passes every check,
// the effect checks included (its /effects route says what it booked).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startWebhookHandler } = require('../webhook-handler');

const STORE_ID = '4a7b2c1e-0000-4000-8000-00000000a11e';

function certify(args) {
  const bin = process.env.EPMOCK_BIN || 'epmock';
  return new Promise((resolve) => {
    execFile(bin, ['certify', 'webhook', ...args], { timeout: 120000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

test('epmock certify webhook passes the webhook handler', async (t) => {
  const handler = await startWebhookHandler({ secretKey: 'my-secret', storeId: STORE_ID });
  t.after(() => handler.close());
  const effects = handler.url.replace('/webhooks/order-paid', '/effects');
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'certify-')), 'report.json');
  const run = await certify([
    '--url', handler.url, '--secret', 'my-secret', '--observes', 'order.paid',
    '--store-id', STORE_ID, '--effects-url', effects, '--json', report,
  ]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /CERTIFIED: 12 passed, 0 failed, 0 inconclusive/);
  const doc = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.equal(doc.verdict, 'pass');
  assert.equal(doc.store_id, STORE_ID);
  // Every event it booked, it booked once.
  assert.ok(handler.booked.size > 0);
});

test('without the store it serves, the handler books another store\'s order: certify says so', async (t) => {
  const handler = await startWebhookHandler({ secretKey: 'my-secret' }); // no storeId: takes any store
  t.after(() => handler.close());
  const run = await certify([
    '--url', handler.url, '--secret', 'my-secret', '--observes', 'order.paid', '--store-id', STORE_ID,
    '--effects-url', handler.url.replace('/webhooks/order-paid', '/effects'),
  ]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /FAIL +other_store: answered 200 but acted on it 1 time\(s\)/);
  assert.match(run.stdout, /NOT CERTIFIED: 11 passed, 1 failed/);
});

test('epmock certify sqs passes the SQS worker, which it starts itself', async () => {
  const bin = process.env.EPMOCK_BIN || 'epmock';
  const worker = path.join(__dirname, '..', 'sqs-worker.js');
  const run = await new Promise((resolve) => {
    execFile(bin, ['certify', 'sqs', '--queue', 'orders', '--observes', 'order.paid', '--sqs-port', '0',
      '--run', `node ${worker}`], { timeout: 180000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /CERTIFIED: 12 passed, 0 failed, 0 inconclusive/);
  assert.match(run.stdout, /PASS {9}ReceiveMessage throttled/);
});
