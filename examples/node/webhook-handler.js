// A webhook receiver for order.paid: checks the shared secret the integration sends as
// x-moltin-secret-key, and books each paid order once per event, however often the
// platform delivers it (at least once).
//
//   const handler = await startWebhookHandler({ secretKey: 'my-secret' });
//   handler.url        // give it to the webhook integration
//   handler.booked     // Map of event id -> the order
//   await handler.close();
//
// Answers 200 when booked or already booked (a duplicate must not be retried), 200 for other
// events (ignored), 401 for a wrong or missing secret, 400 for a body that is not an
// order.paid envelope. GET /effects?event_id=ID answers {"<id>": <times booked>} (a missing
// id: never), which `epmock certify webhook --effects-url` reads to prove each event was
// booked once (docs/CERTIFY.md).
//
// Run on its own, it prints its URL and serves until stopped:
//   node webhook-handler.js --secret S [--store-id UUID] [--port N]
'use strict';

const http = require('node:http');

function startWebhookHandler({ secretKey, storeId, port } = {}) {
  const booked = new Map();
  const times = new Map(); // event id -> how many times it was booked: once, or the handler is wrong
  let requests = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/effects') {
      const id = url.searchParams.get('event_id') || '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(times.has(id) ? { [id]: times.get(id) } : {}));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests += 1;
      const answer = (status) => {
        res.writeHead(status);
        res.end();
      };
      if (req.method !== 'POST') return answer(405);
      if (req.headers['x-moltin-secret-key'] !== secretKey) return answer(401);
      if (req.headers['x-moltin-integration-trigger'] !== 'order.paid') return answer(200);
      let envelope;
      try {
        envelope = JSON.parse(body);
      } catch {
        return answer(400);
      }
      if (!envelope || typeof envelope.id !== 'string' || !envelope.payload || !envelope.payload.data) return answer(400);
      if (storeId && envelope.store_id !== storeId) return answer(200); // never ours: no retry would help
      if (!booked.has(envelope.id)) {
        booked.set(envelope.id, envelope.payload.data);
        times.set(envelope.id, (times.get(envelope.id) || 0) + 1);
      }
      return answer(200);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port || 0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/webhooks/order-paid`,
        booked,
        get requests() {
          return requests;
        },
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

module.exports = { startWebhookHandler };

if (require.main === module) {
  const { parseArgs } = require('node:util');
  const { values } = parseArgs({
    options: { secret: { type: 'string' }, 'store-id': { type: 'string' }, port: { type: 'string' } },
  });
  if (!values.secret) {
    process.stderr.write('usage: node webhook-handler.js --secret S [--store-id UUID] [--port N]\n');
    process.exit(2);
  }
  startWebhookHandler({ secretKey: values.secret, storeId: values['store-id'], port: Number(values.port || 0) }).then(
    (handler) => {
      process.stdout.write(`${handler.url}\n`);
      const stop = () => handler.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
  );
}
