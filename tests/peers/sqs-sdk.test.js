// @aws-sdk/client-sqs v3 (AWS JSON 1.0 protocol) against epmock serve's embedded SQS
// endpoint, which verifies the SDK's SigV4 signatures: the SDK receives epmock's aws_sqs
// deliveries and deletes them, and its own messages round-trip with attributes (the SDK
// checks every MD5).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand,
  GetQueueAttributesCommand,
} = require('@aws-sdk/client-sqs');
const { startEpmock, apiClient: api } = require('./epmock-process');

const KEY = 'AKIAEPMOCKPEER';
const SECRET = 'peer-secret';

test('the AWS SDK v3 receives and deletes epmock deliveries', async (t) => {
  const epmock = await startEpmock(['--sqs-credentials', `${KEY}:${SECRET}`, '--time-scale', '0.001']);
  t.after(() => epmock.stop());
  const sqs = new SQSClient({
    endpoint: epmock.sqsUrl,
    region: 'eu-west-1',
    credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
  assert.match(QueueUrl, /\/000000000000\/orders$/);

  const call = await api(epmock, `sqs-sdk-${process.pid}`);
  const created = await call('POST', '/v2/integrations', {
    data: {
      type: 'integration', name: 'orders to SQS', integration_type: 'aws_sqs', enabled: true,
      observes: ['order.paid'],
      configuration: { url: QueueUrl, aws_access_key_id: KEY, aws_secret_access_key: SECRET, region: 'eu-west-1' },
    },
  });
  assert.equal(created.status, 201);
  const fired = await call('POST', '/__admin/events', { type: 'order.paid' });
  assert.equal(fired.status, 201);

  const received = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10, AttributeNames: ['All'], MessageAttributeNames: ['All'],
  }));
  assert.equal(received.Messages.length, 1);
  const message = received.Messages[0];
  const event = JSON.parse(message.Body);
  assert.equal(event.specversion, '1.0');
  assert.equal(event.type, 'order.paid');
  assert.equal(event.id, fired.json.data.id);
  assert.equal(event.integrationid, created.json.data.id);
  assert.equal(event.data.payment, 'paid');
  assert.equal(message.Attributes.ApproximateReceiveCount, '1');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(attributes.Attributes.ApproximateNumberOfMessages, '0');
  assert.equal(attributes.Attributes.ApproximateNumberOfMessagesNotVisible, '0');
});

test('the AWS SDK v3 round-trips messages with attributes, MD5s checked', async (t) => {
  const epmock = await startEpmock(['--sqs-credentials', `${KEY}:${SECRET}`]);
  t.after(() => epmock.stop());
  const sqs = new SQSClient({ endpoint: epmock.sqsUrl, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'roundtrip' }));
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl,
    MessageBody: 'héllo <world> & "friends"',
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: 'greeting' },
      count: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 254, 255]) },
    },
  }));
  assert.ok(sent.MD5OfMessageAttributes, 'the SDK verified MD5OfMessageAttributes');
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }));
  assert.equal(Messages[0].Body, 'héllo <world> & "friends"');
  assert.equal(Messages[0].MessageAttributes.kind.StringValue, 'greeting');
  assert.deepEqual([...Messages[0].MessageAttributes.blob.BinaryValue], [0, 1, 2, 254, 255]);

  const wrong = new SQSClient({ endpoint: epmock.sqsUrl, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: 'nope' } });
  await assert.rejects(wrong.send(new CreateQueueCommand({ QueueName: 'x' })), (err) => {
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
});

test('the AWS SDK v3 retries a throttled and a failed ReceiveMessage by itself; a stale receipt handle is its error', async (t) => {
  const epmock = await startEpmock(['--sqs-credentials', `${KEY}:${SECRET}`]);
  t.after(() => epmock.stop());
  // The SDK's own retry back-off is real time: keep it short.
  const sqs = new SQSClient({
    endpoint: epmock.sqsUrl, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
    maxAttempts: 3,
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'faulty' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'job' }));
  const call = await api(epmock, `sqs-faults-${process.pid}`);
  const throttled = await call('POST', '/__admin/sqs/faults', { action: 'ReceiveMessage', error: 'throttled' });
  assert.equal(throttled.status, 201, JSON.stringify(throttled.json));
  const broken = await call('POST', '/__admin/sqs/faults', { action: 'ReceiveMessage', error: 'internal_error' });
  assert.equal(broken.status, 201);
  // Attempt 1 throttled, attempt 2 a 500, attempt 3 the message: the SDK's retries absorb both.
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'], VisibilityTimeout: 0 }));
  assert.equal(received.Messages.length, 1);
  assert.equal(received.Messages[0].Body, 'job');
  assert.equal(received.$metadata.attempts, 3);
  assert.equal((await call('GET', '/__admin/sqs/faults')).json.data.length, 0);

  await call('POST', '/__admin/sqs/faults', { action: 'DeleteMessage', error: 'stale_receipt', queue: 'faulty' });
  await assert.rejects(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.Messages[0].ReceiptHandle })),
    (err) => {
      assert.equal(err.name, 'ReceiptHandleIsInvalid');
      return true;
    });
  // Not deleted: it comes back, and this time the delete holds.
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(again.Messages[0].Body, 'job');
  assert.equal(again.Messages[0].Attributes.ApproximateReceiveCount, '2');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages[0].ReceiptHandle }));
});
