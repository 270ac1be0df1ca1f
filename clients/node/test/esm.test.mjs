// The ES module entry is the same kit as the CommonJS one.
import test from 'node:test';
import assert from 'node:assert/strict';
import kit, { startEpmock, connectEpmock, queueUrl, EpmockError } from 'epmock';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

test('import and require give the same functions', async () => {
  const cjs = require('epmock');
  assert.equal(startEpmock, cjs.startEpmock);
  assert.equal(connectEpmock, cjs.connectEpmock);
  assert.equal(queueUrl, cjs.queueUrl);
  assert.equal(EpmockError, cjs.EpmockError);
  assert.equal(kit.startEpmock, startEpmock);
  const epmock = await startEpmock();
  try {
    const store = await epmock.store();
    await store.createWebhookIntegration(['order.paid']);
    const fired = await store.trigger('order.paid');
    assert.equal((await store.waitForEvent('order.paid', { after: '' })).id, fired.id);
  } finally {
    await epmock.stop();
  }
});
