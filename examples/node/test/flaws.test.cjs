// Every certify check, with the flawed consumer (flawed-consumer.js --flaw) that fails it:
// each flaw fails exactly the checks its row names. Most name one. The exceptions, and why:
// - `duplicate` and `replay an hour later` send the same bytes with the same headers (the
//   hour passes on certify's virtual clock), so no consumer can tell them apart: a flaw in
//   one is a flaw in both.
// - `every message accounted for` is the tally of every valid message: a worker that loses
//   one fails the check that sent it and the tally. A flaw that only slows the worker down
//   fails its own check and nothing else, since the message is deleted in the end.
// - a burst is the last check before the tally: what a slow worker has not deleted by then is
//   still there when the tally is taken.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startFlawedWebhookHandler, WEBHOOK_FLAWS, SQS_FLAWS } = require('../flawed-consumer');

const STORE_ID = '4a7b2c1e-0000-4000-8000-00000000f1a7';
const PROGRAM = path.join(__dirname, '..', 'flawed-consumer.js');
// A slow flaw stalls longer than certify waits for a message, and is back before the next
// check's wait ends: timeout < pause < 2 x timeout, with a second of margin each way.
const MESSAGE_TIMEOUT_MS = 2000;
const PAUSE_MS = 3000;

const WEBHOOK_TABLE = [
  // check, the flaw that fails it, every check that flaw fails
  ['order.paid realistic', 'cold-start', ['order.paid realistic']],
  ['order.paid edge cases', 'short-strings-only', ['order.paid edge cases']],
  ['order.paid forward-compatible', 'strict-enums', ['order.paid forward-compatible']],
  ['wrong_secret', 'accepts-any-secret', ['wrong_secret']],
  ['missing_secret', 'accepts-missing-secret', ['missing_secret']],
  ['invalid_json', 'crashes-on-invalid-json', ['invalid_json']],
  ['other_store', 'crashes-on-other-store', ['other_store']],
  ['duplicate', 'dedupes-only-retries', ['duplicate', 'replay an hour later']],
  ['replay an hour later', 'dedupes-only-retries', ['duplicate', 'replay an hour later']],
  ['reordered burst', 'conflicts-on-known-resource', ['reordered burst']],
  ['retried event', 'dedupes-by-attempt', ['retried event']],
  ['concurrent burst', 'one-at-a-time', ['concurrent burst']],
];
// Flaws beyond one a check: the commonest of all, no idempotency, fails three.
const WEBHOOK_MORE = [['acts-on-every-copy', ['duplicate', 'replay an hour later', 'retried event']]];

const ACCOUNTED = 'every message accounted for';
const SQS_TABLE = [
  ['connects', 'reads-another-queue', ['connects']],
  ['order.paid realistic', 'cold-start', ['order.paid realistic']],
  ['order.paid edge cases', 'short-strings-only', ['order.paid edge cases', ACCOUNTED]],
  ['order.paid forward-compatible', 'strict-enums', ['order.paid forward-compatible', ACCOUNTED]],
  ['poison: not JSON', 'restarts-slowly-after-non-json', ['poison: not JSON']],
  ['poison: unknown type', 'restarts-slowly-after-unknown-type', ['poison: unknown type']],
  ['ReceiveMessage throttled', 'long-backoff-when-throttled', ['ReceiveMessage throttled']],
  ['ReceiveMessage answered 500', 'long-backoff-after-500', ['ReceiveMessage answered 500']],
  ['DeleteMessage with a stale receipt', 'long-backoff-after-failed-delete', ['DeleteMessage with a stale receipt']],
  ['duplicate', 'leaves-copies', ['duplicate', ACCOUNTED]],
  ['burst', 'one-message-at-a-time', ['burst', ACCOUNTED]],
  [ACCOUNTED, 'leaves-copies', ['duplicate', ACCOUNTED]],
];

function certify(args) {
  const bin = process.env.EPMOCK_BIN || 'epmock';
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'certify-flaw-')), 'report.json');
  return new Promise((resolve) => {
    execFile(bin, ['certify', ...args, '--json', report], { timeout: 240000 }, (error, stdout, stderr) => {
      let doc = null;
      try {
        doc = JSON.parse(fs.readFileSync(report, 'utf8'));
      } catch {
        // no report: the assertion below says what the command printed
      }
      fs.rmSync(path.dirname(report), { recursive: true, force: true });
      resolve({ code: error ? error.code : 0, stdout, stderr, doc });
    });
  });
}

const failed = (doc) => doc.checks.filter((c) => c.verdict === 'fail').map((c) => c.name);

async function certifyWebhook(flaw) {
  const handler = await startFlawedWebhookHandler({ flaw, secretKey: 'flaw-secret', storeId: STORE_ID });
  try {
    return await certify(['webhook', '--url', handler.url, '--secret', 'flaw-secret', '--observes', 'order.paid',
      '--store-id', STORE_ID, '--effects-url', handler.effectsUrl]);
  } finally {
    await handler.close();
  }
}

function certifySqs(flaw) {
  return certify(['sqs', '--queue', 'orders', '--observes', 'order.paid', '--sqs-port', '0',
    '--message-timeout-ms', String(MESSAGE_TIMEOUT_MS), '--connect-timeout-ms', '10000',
    '--run', `node ${PROGRAM} sqs --flaw ${flaw} --pause-ms ${PAUSE_MS}`]);
}

// Runs `run` over `items`, `width` at a time, in order of the results.
async function pool(items, width, run) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  }));
  return results;
}

// The table covers every check the good consumer is graded on, once, and names real flaws.
function checkTable(table, good, flaws) {
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.deepEqual(table.map(([check]) => check), good.doc.checks.map((c) => c.name));
  for (const [check, flaw, fails] of table) {
    assert.ok(flaw in flaws, flaw);
    assert.ok(fails.includes(check), `${flaw} must fail ${check}`);
  }
}

test('every webhook check fails with its flaw, and only the checks its row names', async () => {
  const good = await certifyWebhook('none');
  checkTable(WEBHOOK_TABLE, good, WEBHOOK_FLAWS);
  const rows = [...new Map([...WEBHOOK_TABLE.map(([, f, fails]) => [f, fails]), ...WEBHOOK_MORE])];
  const runs = await pool(rows, 4, ([flaw]) => certifyWebhook(flaw));
  rows.forEach(([flaw, fails], i) => {
    const run = runs[i];
    assert.equal(run.code, 1, `${flaw}: ${run.stdout}${run.stderr}`);
    assert.deepEqual(failed(run.doc), fails, `${flaw}:\n${run.stdout}`);
  });
});

test('every SQS check fails with its flaw, and only the checks its row names', async () => {
  const good = await certifySqs('none');
  checkTable(SQS_TABLE, good, SQS_FLAWS);
  const rows = [...new Map(SQS_TABLE.map(([, f, fails]) => [f, fails]))];
  const runs = await pool(rows, 4, ([flaw]) => certifySqs(flaw));
  rows.forEach(([flaw, fails], i) => {
    const run = runs[i];
    assert.equal(run.code, 1, `${flaw}: ${run.stdout}${run.stderr}`);
    assert.deepEqual(failed(run.doc), fails, `${flaw}:\n${run.stdout}`);
  });
});

test('the program refuses an unknown flaw and lists the ones it has', async () => {
  const run = await new Promise((resolve) => {
    execFile(process.execPath, [PROGRAM, 'sqs', '--flaw', 'no-such-flaw'], (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stderr });
    });
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /usage: node flawed-consumer.js/);
  assert.match(run.stderr, /long-backoff-when-throttled: waits --pause-ms/);
});
