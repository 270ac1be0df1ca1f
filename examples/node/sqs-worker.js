// An SQS worker for the platform's CloudEvents: receives with a long poll, books each
// order.paid once per event id, and deletes every message it has handled, a malformed one
// included (a message that can never be handled must not come back forever).
//
//   const worker = new SqsWorker({ queueUrl, endpoint, credentials, region });
//   await worker.pollOnce();          // one ReceiveMessage, its messages handled
//   worker.booked                     // Map of event id -> the order
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
