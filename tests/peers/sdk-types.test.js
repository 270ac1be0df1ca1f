// The resources epmock delivers, checked against the official JS SDK's own declarations
// (@elasticpath/js-sdk's Order, File, Product and Transaction) by the TypeScript compiler:
// each delivered resource is written into a .ts file and assigned, as a value rather than a
// literal (so members the type does not declare stay allowed), to the SDK's type, and
// `tsc --noEmit --strict` must accept the file. A required member missing, or of the wrong
// type, fails this test with tsc's own words.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startEpmock, apiClient } = require('./epmock-process');

// Each event's resource and the SDK type it must satisfy; several of each, so that the
// samples epmock varies between (a product with and without display_price) are all seen.
const checked = {
  'order.created': 'Order',
  'order.paid': 'Order',
  'order.fulfilled': 'Order',
  'transaction.created': 'DeliveredTransaction',
  'transaction.updated': 'DeliveredTransaction',
  'file.created': 'File',
  'product.created': 'DeliveredProduct',
  'product.updated': 'DeliveredProduct',
};
const perEvent = 4;

async function until(what, condition, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('delivered orders, transactions, files and products satisfy the JS SDK types under tsc --strict', async (t) => {
  const epmock = await startEpmock();
  t.after(() => epmock.stop());
  const call = await apiClient(epmock, `sdk-types-${process.pid}`);

  // The platform allows five observed events an integration.
  const events = Object.keys(checked);
  for (let i = 0; i < events.length; i += 5) {
    const created = await call('POST', '/v2/integrations', {
      data: {
        type: 'integration',
        name: `types ${i}`,
        integration_type: 'webhook',
        enabled: true,
        observes: events.slice(i, i + 5),
        configuration: { url: `${epmock.url}/__sink/webhook/types` },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
  }
  for (const type of events) {
    const batch = await call('POST', '/__admin/events/batch', { type, count: perEvent, seed: 11 });
    assert.equal(batch.status, 201, JSON.stringify(batch.json));
  }
  const expected = events.length * perEvent;
  const received = await until(`${expected} deliveries`, async () => {
    const sink = await call('GET', '/__admin/sinks/webhook/types');
    return sink.json.data.length >= expected ? sink.json.data : null;
  });

  const lines = [
    "import type { File, Order, Product, Transaction } from '@elasticpath/js-sdk';",
    // A value's own type with every readonly (from `as const`) taken off, so that its literal
    // types stay and its arrays can be assigned to the SDK's arrays.
    'type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;',
    // Where the SDK's declarations and the platform's own evidence disagree, the evidence
    // wins, and only there. The captured product deliveries
    // (elasticpath/epcc-composable-commerce-reference .../product-updated.json;
    // elasticpath/catalog-syndication sync-catalog-to-coveo/test/assets/) have no
    // meta.variations, and one of two no meta.display_price, both of which Product requires.
    "type ProductMeta = Product['meta'];",
    "type DeliveredProduct = Omit<Product, 'meta'> & { meta: Omit<ProductMeta, 'variations' | 'display_price'> & Partial<Pick<ProductMeta, 'variations' | 'display_price'>> };",
    // The current spec's TransactionResponse (elasticpath/epcc-cli
    // external/openapi/specs/carts-and-orders.yaml) keeps the timestamps in meta.timestamps
    // and has none at the top level, which the SDK's Transaction declares.
    "type DeliveredTransaction = Omit<Transaction, 'timestamps'> & Partial<Pick<Transaction, 'timestamps'>>;",
  ];
  const seen = {};
  received.forEach((request, i) => {
    const body = request.body;
    const type = checked[body.triggered_by];
    assert.ok(type, `an event this test did not fire: ${body.triggered_by}`);
    seen[body.triggered_by] = (seen[body.triggered_by] || 0) + 1;
    lines.push(`// ${body.triggered_by}`);
    lines.push(`const value${i} = ${JSON.stringify(body.payload.data)} as const;`);
    lines.push(`export const resource${i}: ${type} = value${i} as unknown as Writable<typeof value${i}>;`);
  });
  for (const type of events) assert.equal(seen[type], perEvent, `deliveries of ${type}`);

  // Written beside node_modules, so that tsc resolves the SDK as a project would.
  const dir = fs.mkdtempSync(path.join(__dirname, '.sdk-types-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'delivered.ts');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: true, target: 'es2020', module: 'commonjs',
      moduleResolution: 'node', types: [],
    },
    files: ['delivered.ts'],
  }));
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc --strict refused a delivered resource:\n${error.stdout}${error.stderr}`);
  }
});
