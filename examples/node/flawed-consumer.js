// The consumers of webhook-handler.js and sqs-worker.js with one mistake each, chosen by
// --flaw: what `epmock certify` is for. Each flaw is a bug real consumers ship, and each makes
// the certify check made to catch it fail (test/flaws.test.cjs lists every check with the
// flaw that fails it; docs/CERTIFY.md, "Flawed consumers"). Never use these as examples.
//
//   node flawed-consumer.js webhook --flaw NAME --secret S --store-id UUID [--port N]
//       prints its URL (/hook) and serves, with /effects as the good handler's
//   node flawed-consumer.js sqs --flaw NAME [--pause-ms N]
//       polls the queue `epmock certify sqs --run` gives it in the environment
//
// --flaw none is the good consumer. --pause-ms is how long a "slow" flaw stalls: longer than
// certify's --message-timeout-ms, or the flaw goes unseen.
'use strict';

const http = require('node:http');
const { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');

const WEBHOOK_FLAWS = {
  none: 'the good handler',
  'cold-start': '503 to its first delivery, while it warms up',
  'short-strings-only': '500 to a string longer than 1,900 bytes',
  'strict-enums': '500 to an order status it does not know (the platform may add one)',
  'accepts-any-secret': 'checks that x-moltin-secret-key is there, not what it says',
  'accepts-missing-secret': 'takes a delivery without x-moltin-secret-key',
  'crashes-on-invalid-json': '500 to a body that is not JSON',
  'crashes-on-other-store': "500 to another store's delivery",
  'acts-on-every-copy': 'no idempotency: every copy of an event is acted on',
  'dedupes-only-retries': 'looks for a copy only when attempt > 1: a copy of attempt 1 is acted on again',
  'dedupes-by-attempt': 'remembers (id, attempt): a retry of an event is acted on again',
  'conflicts-on-known-resource': '409 to a second event about a resource it holds',
  'one-at-a-time': '503 while another delivery is in flight',
};

const SQS_FLAWS = {
  none: 'the good worker',
  'reads-another-queue': 'polls a queue of its own name, not the one it was given',
  'cold-start': 'the first message it receives waits --pause-ms before it is handled',
  'short-strings-only': 'leaves (never deletes) a message with a string longer than 1,900 bytes',
  'strict-enums': 'leaves a message with an order status it does not know',
  'restarts-slowly-after-non-json': 'a body that is not JSON crashes it; it is back --pause-ms later',
  'restarts-slowly-after-unknown-type': 'a type it does not know crashes it; it is back --pause-ms later',
  'long-backoff-when-throttled': 'waits --pause-ms after a throttled ReceiveMessage',
  'long-backoff-after-500': 'waits --pause-ms after a 500 from ReceiveMessage',
  'long-backoff-after-failed-delete': 'waits --pause-ms after a DeleteMessage fails',
  'leaves-copies': 'an event id it has seen in another message is left, not deleted',
  'one-message-at-a-time': 'takes one message a receive and 150 ms a message',
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function hasLongString(value) {
  if (typeof value === 'string') return value.length > 1900;
  if (value && typeof value === 'object') return Object.values(value).some(hasLongString);
  return false;
}

const KNOWN_STATUSES = new Set(['incomplete', 'complete', 'processing', 'cancelled']);
const unknownStatus = (data) =>
  data && typeof data === 'object' && 'status' in data && !KNOWN_STATUSES.has(data.status);

// A webhook handler as webhook-handler.js, for any observed type, with `flaw`.
function startFlawedWebhookHandler({ flaw, secretKey, storeId, port }) {
  const acted = new Map(); // event id -> times acted on
  const seen = new Set(); // dedupe keys
  const resources = new Set();
  let deliveries = 0;
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/effects') {
      const id = url.searchParams.get('event_id') || '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(acted.has(id) ? { [id]: acted.get(id) } : {}));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      deliveries += 1;
      inFlight += 1;
      const answer = (status) => {
        inFlight -= 1;
        res.writeHead(status);
        res.end();
      };
      if (flaw === 'cold-start' && deliveries === 1) return answer(503);
      if (flaw === 'one-at-a-time') {
        await sleep(30); // the work that makes deliveries overlap
        if (inFlight > 1) return answer(503);
      }
      const secret = req.headers['x-moltin-secret-key'];
      if (secret === undefined && flaw !== 'accepts-missing-secret') return answer(401);
      if (secret !== undefined && secret !== secretKey && flaw !== 'accepts-any-secret') return answer(401);
      let envelope;
      try {
        envelope = JSON.parse(body);
      } catch {
        return answer(flaw === 'crashes-on-invalid-json' ? 500 : 400);
      }
      if (!envelope || typeof envelope !== 'object') return answer(400);
      if (envelope.store_id !== storeId) return answer(flaw === 'crashes-on-other-store' ? 500 : 200);
      const data = envelope.payload ? envelope.payload.data : undefined;
      if (flaw === 'short-strings-only' && hasLongString(envelope.payload)) return answer(500);
      if (flaw === 'strict-enums' && unknownStatus(data)) return answer(500);
      const key = flaw === 'dedupes-by-attempt' ? `${envelope.id}/${envelope.attempt}` : envelope.id;
      const trusted = flaw === 'acts-on-every-copy' || (flaw === 'dedupes-only-retries' && envelope.attempt === 1);
      if (seen.has(key) && !trusted) return answer(200);
      const resource = data && typeof data.id === 'string' ? data.id : '';
      if (flaw === 'conflicts-on-known-resource' && resource && resources.has(resource) && !seen.has(key)) {
        return answer(409);
      }
      seen.add(key);
      resources.add(resource);
      acted.set(envelope.id, (acted.get(envelope.id) || 0) + 1);
      return answer(200);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port || 0, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://127.0.0.1:${bound}/hook`,
        effectsUrl: `http://127.0.0.1:${bound}/effects`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

// An SQS worker as sqs-worker.js, with `flaw`; runs until the process ends.
async function runFlawedSqsWorker({ flaw, pauseMs, env }) {
  const queueUrl = flaw === 'reads-another-queue' ? `${env.EPMOCK_QUEUE_URL}-mine` : env.EPMOCK_QUEUE_URL;
  const client = new SQSClient({
    endpoint: env.AWS_ENDPOINT_URL_SQS || env.EPMOCK_SQS_URL,
    region: env.AWS_REGION || 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID || 'x', secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'x' },
    // The SDK's own retries off: each failed call is this worker's to handle, flaw and all.
    maxAttempts: 1,
  });
  const eventOf = new Map(); // event id -> the MessageId it first came in
  let received = 0;
  const handle = async (message) => {
    received += 1;
    if (flaw === 'cold-start' && received === 1) await sleep(pauseMs);
    if (flaw === 'one-message-at-a-time') await sleep(150);
    let event;
    try {
      event = JSON.parse(message.Body);
    } catch {
      if (flaw === 'restarts-slowly-after-non-json') return 'crash';
      return 'delete'; // never readable: deleted, or it comes back forever
    }
    if (!event || typeof event !== 'object') return 'delete';
    if (typeof event.type === 'string' && !event.type.startsWith('order.')) {
      return flaw === 'restarts-slowly-after-unknown-type' ? 'crash' : 'delete';
    }
    if (flaw === 'short-strings-only' && hasLongString(event.data)) return 'leave';
    if (flaw === 'strict-enums' && unknownStatus(event.data)) return 'leave';
    const first = eventOf.get(event.id);
    if (first === undefined) eventOf.set(event.id, message.MessageId);
    else if (flaw === 'leaves-copies' && first !== message.MessageId) return 'leave';
    return 'delete';
  };
  const remove = async (message) => {
    try {
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    } catch (err) {
      process.stderr.write(`flawed worker: DeleteMessage: ${err.name}\n`);
      if (flaw === 'long-backoff-after-failed-delete') await sleep(pauseMs);
    }
  };
  for (;;) {
    let messages;
    try {
      ({ Messages: messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: flaw === 'one-message-at-a-time' ? 1 : 10,
          WaitTimeSeconds: 1,
        }),
      ));
    } catch (err) {
      process.stderr.write(`flawed worker: ReceiveMessage: ${err.name}\n`);
      // The SDK names SQS's throttling RequestThrottled or ThrottlingException.
      const throttled = /Throttl/.test(err.name);
      const failed = ((err.$metadata && err.$metadata.httpStatusCode) || 0) >= 500;
      if ((throttled && flaw === 'long-backoff-when-throttled') || (failed && flaw === 'long-backoff-after-500')) {
        await sleep(pauseMs);
      } else {
        await sleep(50);
      }
      continue;
    }
    for (const message of messages) {
      const outcome = await handle(message);
      if (outcome === 'crash') {
        // Deleted first, so that it does not crash the worker again when it comes back.
        await remove(message);
        process.stderr.write('flawed worker: crashed; back after a slow restart\n');
        await sleep(pauseMs);
        break; // the rest of the batch comes back when its visibility timeout ends
      }
      if (outcome === 'delete') await remove(message);
    }
  }
}

module.exports = { startFlawedWebhookHandler, runFlawedSqsWorker, WEBHOOK_FLAWS, SQS_FLAWS };

if (require.main === module) {
  const { parseArgs } = require('node:util');
  const [kind, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      flaw: { type: 'string', default: 'none' },
      secret: { type: 'string' },
      'store-id': { type: 'string' },
      port: { type: 'string' },
      'pause-ms': { type: 'string', default: '5000' },
    },
  });
  const flaws = kind === 'webhook' ? WEBHOOK_FLAWS : kind === 'sqs' ? SQS_FLAWS : null;
  if (!flaws || !(values.flaw in flaws) || (kind === 'webhook' && (!values.secret || !values['store-id']))) {
    process.stderr.write('usage: node flawed-consumer.js webhook --flaw NAME --secret S --store-id UUID [--port N]\n'
      + '       node flawed-consumer.js sqs --flaw NAME [--pause-ms N]   (under epmock certify sqs --run)\n');
    for (const [name, what] of Object.entries(flaws || { ...WEBHOOK_FLAWS, ...SQS_FLAWS })) {
      process.stderr.write(`  ${name}: ${what}\n`);
    }
    process.exit(2);
  }
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  if (kind === 'webhook') {
    startFlawedWebhookHandler({
      flaw: values.flaw,
      secretKey: values.secret,
      storeId: values['store-id'],
      port: Number(values.port || 0),
    }).then((handler) => process.stdout.write(`${handler.url}\n`));
  } else {
    runFlawedSqsWorker({ flaw: values.flaw, pauseMs: Number(values['pause-ms']), env: process.env });
  }
}
