// An SQS worker for the platform's CloudEvents: receives with a long poll, books each
// order.paid once per event id, and deletes every message it has handled, a malformed one
// included (a message that can never be handled must not come back forever).
//
//   const worker = new SqsWorker({ queueUrl, endpoint, credentials, region });
//   await worker.pollOnce();          // one ReceiveMessage, its messages handled
//   worker.booked                     // Map of event id -> the order
//
// Run on its own, it polls until stopped, and a failed call (throttled, a 500, a stale
// receipt handle) is logged and the loop goes on: a message it could not delete comes back
// when its visibility timeout ends, and is handled then. `epmock certify sqs --run` gives it
// its queue in the environment:
//
//   epmock certify sqs --queue orders --observes order.paid --sqs-port 0 --run "node sqs-worker.js"
'use strict';

const { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');

class SqsWorker {
  constructor({ queueUrl, endpoint, region = 'us-east-1', credentials, waitTimeSeconds = 1 }) {
    this.queueUrl = queueUrl;
    this.waitTimeSeconds = waitTimeSeconds;
    this.client = new SQSClient({ endpoint, region, credentials });
    this.booked = new Map();
    this.poison = 0;
  }

  // One receive; resolves with how many messages it handled.
  async pollOnce() {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: this.waitTimeSeconds }),
    );
    for (const message of Messages) {
      this.handle(message.Body);
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    return Messages.length;
  }

  handle(body) {
    let event;
    try {
      event = JSON.parse(body);
    } catch {
      this.poison += 1;
      return;
    }
    if (!event || event.type !== 'order.paid' || typeof event.id !== 'string') return;
    if (!this.booked.has(event.id)) this.booked.set(event.id, event.data);
  }

  close() {
    this.client.destroy();
  }
}

module.exports = { SqsWorker };

// Polls until SIGTERM: what `node sqs-worker.js` runs.
async function main(env = process.env) {
  const queueUrl = env.EPMOCK_QUEUE_URL;
  const endpoint = env.AWS_ENDPOINT_URL_SQS || env.EPMOCK_SQS_URL;
  if (!queueUrl || !endpoint) {
    process.stderr.write('usage: EPMOCK_QUEUE_URL=URL AWS_ENDPOINT_URL_SQS=URL node sqs-worker.js\n'
      + '  (epmock certify sqs --run "node sqs-worker.js" sets both)\n');
    process.exit(2);
  }
  const worker = new SqsWorker({
    queueUrl,
    endpoint,
    region: env.AWS_REGION || 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID || 'x', secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'x' },
    waitTimeSeconds: 5,
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  for (;;) {
    try {
      await worker.pollOnce();
    } catch (err) {
      process.stderr.write(`sqs-worker: ${err.name}: ${err.message}; polling again\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

if (require.main === module) main();
