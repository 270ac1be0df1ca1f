// The SQS worker against epmock's embedded SQS endpoint, started by the Node kit: it books
// every order.paid once, deletes what it handled, and a poison message does not stop it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const { startEpmock } = require('epmock');
const { SqsWorker } = require('../sqs-worker');

const credentials = { accessKeyId: 'AKIAEXAMPLEWORKER', secretAccessKey: 'worker-secret' };

test('the SQS worker', async (t) => {
  const epmock = await startEpmock({ args: ['--sqs-credentials', `${credentials.accessKeyId}:${credentials.secretAccessKey}`] });
  t.after(() => epmock.stop());
  const store = await epmock.store();
  const integration = await store.createSqsIntegration(['order.paid'], {
    queue: 'orders',
    awsAccessKeyId: credentials.accessKeyId,
    awsSecretAccessKey: credentials.secretAccessKey,
  });
  const queueUrl = integration.configuration.url;
  const worker = new SqsWorker({ queueUrl, endpoint: epmock.sqsUrl, credentials });
  t.after(() => worker.close());

  const first = await store.trigger('order.paid');
  // A message no handler can read, between two good ones.
  const raw = new SQSClient({ endpoint: epmock.sqsUrl, region: 'us-east-1', credentials });
  await raw.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json at all' }));
  raw.destroy();
  const second = await store.trigger('order.paid');
  await store.waitForEvent('order.paid', { after: first.id });

  for (let polls = 0; worker.booked.size < 2 && polls < 20; polls += 1) await worker.pollOnce();
  assert.deepEqual([...worker.booked.keys()].sort(), [first.id, second.id].sort());
  assert.equal(worker.poison, 1);
  assert.deepEqual(await store.sqsMessages('orders'), [], 'every handled message was deleted');
});
