// What a TypeScript test writes with the kit; compiled by test/types.test.cjs.
import { startEpmock, connectEpmock, EpmockError, type Epmock, type Store, type Integration } from 'epmock';

async function example(): Promise<void> {
  const epmock: Epmock = await startEpmock({ args: ['--max-attempts', '3'], readyTimeoutMs: 5000 });
  const store: Store = await epmock.store();
  const hook: Integration = await store.createWebhookIntegration(['order.paid'], { secretKey: 's' });
  const queue = await store.createSqsIntegration(['order.paid'], { queue: 'orders' });
  await store.createStompIntegration(['order.paid'], { destination: '/queue/a' });
  const fired = await store.trigger('order.paid', { data: { status: 'complete' } });
  const seen = await store.waitForEvent('order.paid', { timeoutMs: 1000, after: fired.id });
  const requests = await store.webhookDeliveries();
  const first: string = requests[0].headers['x-moltin-integration-trigger'];
  const messages = await store.sqsMessages('orders');
  const count: number = messages[0].receive_count;
  await store.addFault({ fail_first_attempts: 2, refuse: 'wrong_secret' });
  await store.addApiFault({ status: 503, requests: 1 });
  await store.addSqsFault({ action: 'DeleteMessage', error: 'stale_receipt', queue: 'orders' });
  const stompRun = await store.startCertify({ kind: 'stomp', destination: '/queue/orders', observes: ['order.paid'] });
  const brokerUrl: string | undefined = stompRun.stomp?.stomp_url;
  const graded = await store.certify({ kind: 'sqs', queue: 'orders', observes: 'order.paid', message_timeout_ms: 5000 });
  const kind: 'webhook' | 'sqs' | 'stomp' = graded.kind;
  void [brokerUrl, kind];
  const run = await store.runStory('checkout', { seed: 1 });
  const ended = await store.waitForStory(run.id);
  const state: 'running' | 'delivered' | 'failed' | 'stopped' = ended.state;
  const logs = await store.logs();
  const code: number = logs[0].status_code;
  await store.reset();
  const attached = await connectEpmock(epmock.apiUrl, { token: epmock.token });
  void [hook.id, queue.configuration, seen.id, first, count, state, code, attached.sqsUrl];
  await epmock.stop();
}

function explain(error: unknown): string {
  return error instanceof EpmockError ? `${error.status ?? ''} ${error.message}` : String(error);
}

void example;
void explain;
