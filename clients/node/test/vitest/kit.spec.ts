// The kit under Vitest, as a TypeScript test file would use it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEpmock, type Epmock } from 'epmock';

describe('epmock under vitest', () => {
  let epmock: Epmock;
  beforeAll(async () => {
    epmock = await startEpmock();
  });
  afterAll(async () => {
    await epmock.stop();
  });

  it('delivers a triggered event to the store sink', async () => {
    const store = await epmock.store();
    await store.createWebhookIntegration(['order.created', 'order.paid']);
    const fired = await store.trigger('order.created');
    const seen = await store.waitForEvent('order.created', { after: '' });
    expect(seen.id).toBe(fired.id);
    const [request] = await store.webhookDeliveries();
    expect(request.headers['x-moltin-integration-trigger']).toBe('order.created');
    expect(request.body.payload.data.id).toBe((fired.data as { id: string }).id);
  });

  it('gives each test a store of its own', async () => {
    const [a, b] = await Promise.all([epmock.store(), epmock.store()]);
    await a.createWebhookIntegration(['order.paid']);
    await a.trigger('order.paid');
    await a.waitForEvent('order.paid', { after: '' });
    expect(await b.webhookDeliveries()).toEqual([]);
    expect(await a.webhookDeliveries()).toHaveLength(1);
  });
});
