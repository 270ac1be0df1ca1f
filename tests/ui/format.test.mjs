// The dashboard's formatting (ui/format.js), without a browser.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  absolute, awsSqsFor, cloudEventOf, curlFor, describeApiFault, describeFault, duration, editDistance, errorText,
  nearest, parseTime, relative, repeatCommand, shellQuote, statusText,
} from '../../ui/format.js';

test('durations read as people say them, never "84116 ms"', () => {
  assert.equal(duration(0.25), '0.25 ms');
  assert.equal(duration(84), '84 ms');
  assert.equal(duration(1234), '1.2 s');
  assert.equal(duration(42000), '42 s');
  assert.equal(duration(84116), '1 min 24 s');
  assert.equal(duration(120000), '2 min');
  assert.equal(duration(2 * 3600000 + 5 * 60000), '2 h 5 min');
  assert.equal(duration(-1), '');
  assert.equal(duration(NaN), '');
});

test('relative times, past and to come', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  assert.equal(relative(now, now), 'just now');
  assert.equal(relative(now - 12000, now), '12 s ago');
  assert.equal(relative(now - 5 * 60000, now), '5 min ago');
  assert.equal(relative(now - 3 * 3600000, now), '3 h ago');
  assert.equal(relative(now - 2 * 86400000, now), '2 d ago');
  assert.equal(relative(now + 4000, now), 'in 4 s');
  assert.equal(relative(NaN, now), '');
});

test('times of any precision parse; absolute times carry milliseconds', () => {
  assert.equal(parseTime('2026-12-04T20:06:08.296579216Z'), Date.parse('2026-12-04T20:06:08.296Z'));
  assert.ok(Number.isNaN(parseTime('')));
  assert.ok(Number.isNaN(parseTime(undefined)));
  assert.match(absolute(Date.parse('2026-12-04T20:06:08.296Z')), /^2026-12-0[45] \d\d:06:08\.296$/);
});

test('errors: a 2xx is none, a bare status has no dangling colon', () => {
  assert.equal(errorText({ status: 200, json: { data: {} } }), null);
  assert.equal(errorText({ status: 204, json: null }), null);
  assert.equal(errorText({ status: 503, json: { errors: [{ status: 503, title: 'Service Unavailable' }] } }), '503 Service Unavailable');
  assert.equal(errorText({ status: 422, json: { errors: [{ status: 422, title: 'Unprocessable Entity', detail: 'bad' }] } }),
    '422 Unprocessable Entity: bad');
  assert.equal(errorText({ status: 500, json: null }), 'HTTP 500');
  assert.equal(errorText({ status: 0, json: null }), 'epmock did not answer (is it running?)');
});

test('status text is always beside the colour', () => {
  for (const s of ['delivered', 'retrying', 'failed', 'refused', 'pending']) assert.ok(statusText(s).length > 3);
  assert.equal(statusText('none'), 'No receivers');
});

test('shell quoting survives quotes, spaces and newlines', () => {
  assert.equal(shellQuote('abc'), 'abc');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('a b\nc'), `'a b\nc'`);
  assert.equal(shellQuote('$(rm -rf /)'), `'$(rm -rf /)'`);
});

test('a webhook request as curl, the body byte for byte', () => {
  const request = { integration_type: 'webhook', method: 'POST', url: 'http://127.0.0.1:8080/__sink/webhook/x',
    headers: { 'content-type': 'application/json', 'x-moltin-secret-key': "s'ecret", 'Content-Length': '10' },
    body: { id: 'e1', triggered_by: 'order.paid' } };
  const curl = curlFor(request);
  assert.equal(curl, `curl -X POST http://127.0.0.1:8080/__sink/webhook/x -H 'content-type: application/json' ` +
    `-H 'x-moltin-secret-key: s'\\''ecret' --data-raw '{"id":"e1","triggered_by":"order.paid"}'`);
  assert.equal(repeatCommand(request).label, 'Copy as curl');
});

test('an SQS delivery as aws sqs send-message, without credentials', () => {
  const request = { integration_type: 'aws_sqs', url: 'http://127.0.0.1:9324/000000000000/q',
    body: { QueueUrl: 'http://127.0.0.1:9324/000000000000/q', MessageBody: '{"type":"order.paid"}' } };
  const line = awsSqsFor(request);
  assert.equal(line, `aws sqs send-message --endpoint-url http://127.0.0.1:9324 --queue-url http://127.0.0.1:9324/000000000000/q ` +
    `--message-body '{"type":"order.paid"}'`);
  assert.doesNotMatch(line, /AKIA|secret|--profile/);
  const real = awsSqsFor({ body: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', MessageBody: 'x' } });
  assert.doesNotMatch(real, /--endpoint-url/);
  assert.equal(repeatCommand({ ...request }).label, 'Copy as aws sqs send-message');
  assert.equal(repeatCommand({ integration_type: 'stomp', frame: 'SEND' }), null);
});

test('a queued message is read as its CloudEvent, parsed', () => {
  const ce = cloudEventOf('{"type":"order.paid","id":"e1","time":"2026-01-01T00:00:00Z","data":{"x":1}}');
  assert.equal(ce.type, 'order.paid');
  assert.equal(ce.id, 'e1');
  assert.deepEqual(ce.event.data, { x: 1 });
  assert.equal(cloudEventOf({ type: 'a' }).type, 'a');
  assert.deepEqual(cloudEventOf('not json'), { event: 'not json' });
  assert.deepEqual(cloudEventOf('[1]'), { event: [1] });
});

test('a mistyped client id finds the store meant, and only a near one', () => {
  assert.equal(editDistance('shop-a', 'shpo-a'), 2);
  assert.equal(nearest('shpo-a', ['shop-a', 'other']), 'shop-a');
  assert.equal(nearest('shop-b', ['shop-a']), 'shop-a');
  assert.equal(nearest('brand-new-client', ['shop-a']), null);
  assert.equal(nearest('ab', ['ac']), null);  // too short to tell a slip from another name
  assert.equal(nearest('shop-a', ['shop-a']), null);  // the same is no slip
  assert.equal(nearest('x'.repeat(300), ['x'.repeat(299)]), null);
});

test('faults in words, used ones said to be used', () => {
  assert.equal(describeFault({ fail_first_attempts: 2, events: 3 }), 'fail the first 2 attempts; for 3 more events');
  assert.equal(describeFault({ duplicate: 1, events: 0 }), 'send each delivery 1 more time; until removed');
  assert.match(describeFault({ refuse: 'replay', replay_after_ms: 90000, events: 1 }), /replay each delivery 1 min 30 s later/);
  assert.match(describeFault({ reorder: 5, reorder_window_ms: 1000, state: 'used' }), /hold 5 deliveries.*budget used up/);
  assert.equal(describeApiFault({ status: 503, requests: 2 }), 'answer 503 to any method any /v2 path; 2 more requests');
  assert.equal(describeApiFault({ reset: true, requests: 1, method: 'POST', path: '/v2/integrations', state: 'used' }),
    'reset the connection to POST /v2/integrations; budget used up');
});
