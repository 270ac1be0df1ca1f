// The webhook handler against epmock, started by the Node kit: duplicates are booked once,
// a wrong secret is refused.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startEpmock } = require('epmock');
const { startWebhookHandler } = require('../webhook-handler');

test('the webhook handler', async (t) => {
  const epmock = await startEpmock();
  const handler = await startWebhookHandler({ secretKey: 'my-secret' });
  t.after(async () => {
    await handler.close();
    await epmock.stop();
  });

  await t.test('books a paid order once, however often it is delivered', async () => {
    const store = await epmock.store();
    await store.createWebhookIntegration(['order.paid'], { url: handler.url, secretKey: 'my-secret' });
    await store.addFault({ duplicate: 2 });
    const fired = await store.trigger('order.paid');
    // The original and its two duplicates, each answered.
    await store.request('GET', '/__admin/wait?deliveries=3&timeout_ms=10000');
    const logs = await store.logs();
    assert.deepEqual(logs.map((l) => l.status_code), [200, 200, 200]);
    assert.equal(handler.booked.size, 1);
    assert.ok(handler.booked.has(fired.id));
    assert.equal(handler.booked.get(fired.id).payment, 'paid');
  });

  await t.test('refuses a delivery with the wrong secret', async () => {
    const store = await epmock.store();
    await store.createWebhookIntegration(['order.paid'], { url: handler.url, secretKey: 'my-secret' });
    await store.addFault({ refuse: 'wrong_secret' });
    const fired = await store.trigger('order.paid');
    await store.request('GET', '/__admin/wait?deliveries=1&timeout_ms=10000');
    const [log] = await store.logs();
    assert.equal(log.status_code, 401);
    assert.ok(!handler.booked.has(fired.id));
  });
});
