// README "From TypeScript and Python": a consumer's test with the Node kit.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startEpmock } = require('epmock');
const { startWebhookHandler } = require('../webhook-handler');

test('a paid order is booked once, however often it is delivered', async (t) => {
  const epmock = await startEpmock();                       // epmock serve on free ports
  const handler = await startWebhookHandler({ secretKey: 'my-secret' });
  t.after(async () => { await handler.close(); await epmock.stop(); });

  const store = await epmock.store();                       // a fresh store of its own
  await store.createWebhookIntegration(['order.paid'], { url: handler.url, secretKey: 'my-secret' });
  await store.addFault({ duplicate: 1 });                   // the platform delivers at least once
  const fired = await store.trigger('order.paid');
  await store.waitForEvent('order.paid');                   // the long poll, no sleeps

  assert.equal(handler.booked.size, 1);
  assert.ok(handler.booked.has(fired.id));
});
