// epmock for Node tests: start `epmock serve` (or attach to a running one, the image) and
// drive it through its admin API, one isolated store per test.
//
//   const { startEpmock } = require('epmock');
//   const epmock = await startEpmock();
//   const store = await epmock.store();
//   await store.createWebhookIntegration(['order.paid']);
//   await store.trigger('order.paid');
//   const event = await store.waitForEvent('order.paid');
//   await epmock.stop();
//
// Plain JavaScript, no dependency but Node 20's own fetch and child_process.
'use strict';

const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const READY = /^epmock ready api=(\S+) sqs=(\S+) stomp=(\S+)$/m;
const DEFAULT_READY_TIMEOUT_MS = 20000;
const DEFAULT_WAIT_TIMEOUT_MS = 10000;
// The embedded SQS endpoint's account id, as in every queue URL it hands out.
const ACCOUNT = '000000000000';

// Every refusal, failure to start and timeout of the kit: `status` and `body` when the
// server answered, `stderr` when it exited, `arrived` when a wait saw something else.
class EpmockError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = 'EpmockError';
    Object.assign(this, details);
  }
}

// "422 Unprocessable Entity: observes: ..." for each error of the platform's shape, or the
// status and body as they came.
function describeRefusal(status, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status}: ${String(text).slice(0, 500)}`;
  }
  if (body && Array.isArray(body.errors) && body.errors.length > 0) {
    return body.errors
      .map((e) => `${e.status ?? status} ${e.title ?? ''}: ${e.source ? `${e.source}: ` : ''}${e.detail ?? ''}`.trim())
      .join('; ');
  }
  return `${status}: ${String(text).slice(0, 500)}`;
}

// The binary: options.binary, then EPMOCK_BIN, then `epmock` on PATH.
function findBinary(options) {
  const named = options.binary || process.env.EPMOCK_BIN;
  if (named) {
    if (!fs.existsSync(named)) {
      throw new EpmockError(`epmock: no binary at ${named} (from ${options.binary ? 'options.binary' : 'EPMOCK_BIN'})`);
    }
    return named;
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'epmock');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new EpmockError(
    'epmock: no epmock binary: set options.binary or EPMOCK_BIN, or put epmock on PATH ' +
      '(build it with ./scripts/serve.sh, install the .deb, unpack the portable tarball, or run the image ' +
      'and use connectEpmock(url, {token}))',
  );
}

class Epmock {
  constructor({ apiUrl, sqsUrl, stompUrl, token, child }) {
    this.apiUrl = apiUrl;
    this.sqsUrl = sqsUrl;
    this.stompUrl = stompUrl;
    this.token = token || '';
    this._child = child || null;
    // The server's clock (docs/CLOCK.md): moved only on a server started with
    // startEpmock({clock: 'virtual'}); a real one refuses every operation but read().
    this.clock = new Clock(this);
  }

  // An isolated store: a fresh client id by default.
  async store(clientId) {
    const store = new Store(this, clientId || `epmock-kit-${randomUUID()}`);
    await store._authenticate();
    if (clientId) {
      const newest = await store.request('GET', '/__admin/events?page[limit]=1');
      store._origin = newest.data.length > 0 ? newest.data[0].id : '';
    }
    return store;
  }

  // Stops a server this kit started (SIGTERM, then waits for its exit); on an attached
  // server it only lets go.
  async stop() {
    const child = this._child;
    this._child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async _fetch(method, urlPath, { body, bearer, raw } = {}) {
    const headers = {};
    if (this.token) headers['X-Epmock-Admin-Token'] = this.token;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined && !raw) headers['Content-Type'] = 'application/json';
    if (raw) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    let response;
    try {
      response = await fetch(`${this.apiUrl}${urlPath}`, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      });
    } catch (error) {
      throw new EpmockError(`epmock: ${method} ${urlPath}: no answer from ${this.apiUrl}: ${error.cause?.message || error.message}`);
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: response.status, text, json };
  }
}

// The server's clock: one for all its stores. Each call answers with the clock
// ({mode, now, now_ms, running, next_due, pending}) once the work it ran has ended.
class Clock {
  constructor(epmock) {
    this.epmock = epmock;
    this._store = null; // any store's token will do: a store of its own, made at first use
  }

  async _request(method, urlPath, body) {
    if (!this._store) this._store = await this.epmock.store(`epmock-kit-clock-${randomUUID()}`);
    return (await this._store.request(method, urlPath, body)).data;
  }

  async read() {
    return this._request('GET', '/__admin/clock');
  }

  // The clock's now, as a Date.
  async now() {
    return new Date((await this.read()).now_ms);
  }

  // Moves a virtual clock on by `ms` milliseconds, running what falls due in order.
  // options.timeoutMs: real time to wait for that work (10 s by default).
  async advance(ms, options = {}) {
    return this._request('POST', '/__admin/clock/advance', { by_ms: ms, ...timeout(options) });
  }

  // To a time (a Date or an RFC 3339 string), not before now.
  async advanceTo(time, options = {}) {
    const to = time instanceof Date ? time.toISOString() : time;
    return this._request('POST', '/__admin/clock/advance', { to, ...timeout(options) });
  }

  // Until nothing is in flight or due, at most options.maxMs of the clock's time (a day).
  async runUntilIdle(options = {}) {
    return this._request('POST', '/__admin/clock/run-until-idle', {
      ...(options.maxMs !== undefined ? { max_ms: options.maxMs } : {}),
      ...timeout(options),
    });
  }

  async freeze() {
    return this._request('POST', '/__admin/clock', { running: false });
  }

  // Lets it run on at the pace of real time from its virtual now.
  async resume() {
    return this._request('POST', '/__admin/clock', { running: true });
  }
}

function timeout(options) {
  return options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {};
}

class Store {
  constructor(epmock, clientId) {
    this.epmock = epmock;
    this.clientId = clientId;
    this.token = '';
    // The embedded sink this store's webhooks go to unless given a url.
    this.sink = `kit-${clientId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
    // waitForEvent's cursors: per type, the last event returned; before any, the store's
    // newest event when this object was made.
    this._cursors = new Map();
    this._origin = '';
  }

  async _authenticate() {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.clientId, client_secret: 'epmock' });
    const answer = await this.epmock._fetch('POST', '/oauth/access_token', { body: form.toString(), raw: true });
    if (answer.status !== 200 || !answer.json || !answer.json.access_token) {
      throw new EpmockError(`epmock: no token for ${this.clientId}: ${describeRefusal(answer.status, answer.text)}`, {
        status: answer.status,
        body: answer.json ?? answer.text,
      });
    }
    this.token = answer.json.access_token;
  }

  // One admin or API call as this store; a refusal throws, naming what the server said.
  async request(method, urlPath, body, expected = [200, 201, 202, 204]) {
    let answer = await this.epmock._fetch(method, urlPath, { body, bearer: this.token });
    if (answer.status === 401 && answer.text.includes('Bearer')) {
      await this._authenticate(); // an expired token: once more with a new one
      answer = await this.epmock._fetch(method, urlPath, { body, bearer: this.token });
    }
    if (!expected.includes(answer.status)) {
      throw new EpmockError(`epmock: ${method} ${urlPath}: ${describeRefusal(answer.status, answer.text)}`, {
        status: answer.status,
        body: answer.json ?? answer.text,
      });
    }
    return answer.json;
  }

  async _createIntegration(data) {
    const created = await this.request('POST', '/v2/integrations', { data: { type: 'integration', enabled: true, ...data } });
    return created.data;
  }

  // A webhook integration: to this store's embedded sink unless options.url is given.
  async createWebhookIntegration(observes, options = {}) {
    const url = options.url || `${this.epmock.apiUrl}/__sink/webhook/${options.sink || this.sink}`;
    const configuration = { url, ...(options.secretKey !== undefined ? { secret_key: options.secretKey } : {}) };
    return this._createIntegration({
      name: options.name || 'epmock kit webhook',
      integration_type: 'webhook',
      observes,
      ...(options.enabled === false ? { enabled: false } : {}),
      configuration,
    });
  }

  // An SQS integration: to a queue of the embedded endpoint (created; options.queue, a fresh
  // name by default) unless options.url is given.
  async createSqsIntegration(observes, options = {}) {
    let url = options.url;
    if (!url) {
      const queue = options.queue || `kit-${randomUUID()}`;
      url = (await this.request('PUT', `/__admin/sqs/queues/${encodeURIComponent(queue)}`)).data.queue_url;
    }
    return this._createIntegration({
      name: options.name || 'epmock kit queue',
      integration_type: 'aws_sqs',
      observes,
      configuration: {
        url,
        aws_access_key_id: options.awsAccessKeyId || 'AKIDEXAMPLE',
        aws_secret_access_key: options.awsSecretAccessKey || 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        region: options.region || 'us-east-1',
      },
    });
  }

  // A STOMP integration: to the embedded broker unless options.addresses are given.
  async createStompIntegration(observes, options = {}) {
    return this._createIntegration({
      name: options.name || 'epmock kit stomp',
      integration_type: 'stomp',
      observes,
      configuration: {
        addresses: options.addresses || [this.epmock.stompUrl],
        destination: options.destination || `/queue/kit-${randomUUID()}`,
        ...(options.username ? { username: options.username, password: options.password || '' } : {}),
      },
    });
  }

  // Fires an event; options.data and options.included replace the synthesized resource.
  async trigger(type, options = {}) {
    const body = { type };
    if (options.data !== undefined) body.data = options.data;
    if (options.included !== undefined) body.included = options.included;
    return (await this.request('POST', '/__admin/events', body)).data;
  }

  async triggerBatch(type, options = {}) {
    const body = { type, count: options.count ?? 10 };
    if (options.seed !== undefined) body.seed = options.seed;
    if (options.profile !== undefined) body.profile = options.profile;
    return (await this.request('POST', '/__admin/events/batch', body)).data;
  }

  async runStory(name, options = {}) {
    return (await this.request('POST', `/__admin/stories/${encodeURIComponent(name)}`, options)).data;
  }

  // Resolves with the run once it has ended (the long poll, not sleeps).
  async waitForStory(runId, { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS } = {}) {
    const answer = await this.request(
      'GET',
      `/__admin/wait?story_run=${encodeURIComponent(runId)}&timeout_ms=${timeoutMs}`,
      undefined,
      [200, 408],
    );
    const run = answer.data ? answer.data.run : null;
    if (!run || run.state === 'running') {
      throw new EpmockError(`epmock: story run ${runId} still running after ${timeoutMs} ms: ${JSON.stringify(run)}`, {
        arrived: run,
      });
    }
    return run;
  }

  async addFault(fault) {
    return (await this.request('POST', '/__admin/faults', fault)).data;
  }

  async addApiFault(fault) {
    return (await this.request('POST', '/__admin/api-faults', fault)).data;
  }

  /** A fault on consumers' own calls to the embedded SQS endpoint (docs: README, "Faults on a consumer's own SQS calls"). */
  async addSqsFault(fault) {
    return (await this.request('POST', '/__admin/sqs/faults', fault)).data;
  }

  async sqsFaults() {
    return (await this.request('GET', '/__admin/sqs/faults')).data;
  }

  async clearSqsFaults() {
    await this.request('DELETE', '/__admin/sqs/faults');
  }

  /** A fault on consumers' connections to the embedded STOMP broker: { error: 'drop_connection' | 'error_frame', destination, messages }. */
  async addStompFault(fault) {
    return (await this.request('POST', '/__admin/stomp/faults', fault)).data;
  }

  async stompFaults() {
    return (await this.request('GET', '/__admin/stomp/faults')).data;
  }

  async clearStompFaults() {
    await this.request('DELETE', '/__admin/stomp/faults');
  }

  // epmock certify from a running server (POST /__admin/certify, docs/CERTIFY.md): the run,
  // on a server of its own, once it has ended (long polls, not sleeps). `options` are the
  // command's flags with _ for -: { url, secret, observes: ['order.paid'], effects_url }
  // for a webhook consumer; { kind: 'sqs', queue, observes, sqs_port } for an SQS worker.
  // run.status is 'pass', 'fail', 'inconclusive' or 'error'; run.report is the whole report.
  async certify(options, { timeoutMs = 300000 } = {}) {
    const started = await this.startCertify(options);
    const deadline = Date.now() + timeoutMs;
    let run = started;
    while (run.status === 'running') {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new EpmockError(`epmock: certify run ${started.id} still running after ${timeoutMs} ms`, { arrived: run });
      }
      run = await this.certifyRun(started.id, { waitMs: Math.min(30000, left) });
    }
    return run;
  }

  // Starts a run and resolves at once with it (status 'running'); its progress is on the
  // store's stream as `certify` frames.
  async startCertify(options) {
    return (await this.request('POST', '/__admin/certify', options)).data;
  }

  // A run as it is now, or once it has ended within `waitMs` (to 60000).
  async certifyRun(id, { waitMs = 0 } = {}) {
    return (await this.request('GET', `/__admin/certify/${encodeURIComponent(id)}?wait_ms=${waitMs}`)).data;
  }

  // The next event of `type` this store has not waited for yet, once one of its deliveries
  // has succeeded: the first after the one the previous wait for that type returned, or,
  // for a type not waited for yet, the first fired after the store object was made (so
  // `await store.trigger(t); await store.waitForEvent(t)` works, and an event already seen
  // is never returned twice). `after` (an event id; '' for any) overrides it.
  async waitForEvent(type, { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, after } = {}) {
    const since = after !== undefined ? after : this._cursors.has(type) ? this._cursors.get(type) : this._origin;
    // after_event= (empty): from the store's first event, oldest first.
    const query = `event_type=${encodeURIComponent(type)}&timeout_ms=${timeoutMs}&after_event=${encodeURIComponent(since)}`;
    const answer = await this.request('GET', `/__admin/wait?${query}`, undefined, [200, 408]);
    if (answer.data && answer.data.event) {
      this._cursors.set(type, answer.data.event.id);
      return answer.data.event;
    }
    const recent = await this.request('GET', '/__admin/events?page[limit]=20');
    const seen = recent.data.map((e) => e.type);
    throw new EpmockError(
      `epmock: no ${type} event delivered within ${timeoutMs} ms` +
        (since ? ` after ${since}` : '') +
        (seen.length ? `; the store's newest events are: ${seen.join(', ')}` : '; the store has no events'),
      { arrived: recent.data },
    );
  }

  // What this store's deliveries sent to its embedded sink (or options.sink): method, path,
  // headers, body (parsed when JSON), received_at.
  async webhookDeliveries(sink) {
    return (await this.request('GET', `/__admin/sinks/webhook/${encodeURIComponent(sink || this.sink)}`)).data;
  }

  // What sits on an embedded queue: message_id, body (parsed when JSON), attributes, receive_count.
  async sqsMessages(queue) {
    return (await this.request('GET', `/__admin/sqs/queues/${encodeURIComponent(queue)}`)).data;
  }

  // Every delivery attempt's log, newest first.
  async logs() {
    return (await this.request('GET', '/__admin/deliveries')).data;
  }

  // Forgets all of the store.
  async reset() {
    await this.request('POST', '/__admin/reset');
  }
}

// Servers this process started and has not stopped: killed when it exits, so a test that
// forgets stop() leaves nothing running.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

// Spawns `epmock serve` on free ports and resolves once its ready line arrives.
// options: binary, args (more serve flags), env, readyTimeoutMs, token (--admin-token),
// clock ('virtual': a clock of its own that stands still until the test moves it, through
// epmock.clock), clockStart (its start, RFC 3339; 2030-01-01T00:00:00Z for a virtual one,
// ahead of the real date so that clients checking a token's expiry by their own clock
// renew only when the server says so).
function startEpmock(options = {}) {
  let binary;
  try {
    binary = findBinary(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const args = ['serve', '--port', '0', '--sqs-port', '0', '--stomp-port', '0'];
  if (options.clock) args.push('--clock', options.clock);
  if (options.clock === 'virtual' || options.clockStart) {
    args.push('--clock-start', options.clockStart || '2030-01-01T00:00:00Z');
  }
  args.push(...(options.args || []));
  const env = { ...process.env, ...(options.env || {}) };
  if (options.token) env.EPMOCK_ADMIN_TOKEN = options.token;
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new EpmockError(`epmock: ${binary} printed no ready line in ${timeoutMs} ms; its stderr:\n${stderr}`, { stderr }));
    }, timeoutMs);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) => fail(new EpmockError(`epmock: cannot run ${binary}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      running.delete(child);
      // Let the last of stderr arrive before saying what it was.
      setImmediate(() =>
        fail(
          new EpmockError(
            `epmock: ${binary} exited (${signal || `code ${code}`}) before its ready line; its stderr:\n${stderr}`,
            { stderr, exitCode: code },
          ),
        ),
      );
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const ready = stdout.match(READY);
      if (!ready || settled) return;
      settled = true;
      clearTimeout(timer);
      const epmock = new Epmock({ apiUrl: ready[1], sqsUrl: ready[2], stompUrl: ready[3], token: options.token, child });
      if (options.token) return resolve(epmock);
      // Bound beyond loopback, epmock made a token and wrote it on stderr before its ready
      // line; stderr is another pipe, so it may be read a moment later.
      const madeToken = () => (stderr.match(/^epmock admin-token=(\S+)$/m) || [])[1];
      epmock
        ._fetch('GET', '/__admin/health')
        .then(async (health) => {
          if (health.json && health.json.admin_token && !madeToken()) {
            await new Promise((seen) => {
              const giveUp = setTimeout(seen, 5000);
              const look = () => {
                if (!madeToken()) return;
                clearTimeout(giveUp);
                child.stderr.off('data', look);
                seen();
              };
              child.stderr.on('data', look);
            });
          }
          epmock.token = madeToken() || '';
          resolve(epmock);
        })
        .catch(reject);
    });
  });
}

// Attaches to a running epmock (the image, say): the SQS and STOMP URLs from its health
// route unless given.
async function connectEpmock(url, options = {}) {
  const apiUrl = String(url).replace(/\/+$/, '');
  const epmock = new Epmock({ apiUrl, token: options.token });
  const health = await epmock._fetch('GET', '/__admin/health');
  if (health.status !== 200 || !health.json || health.json.status !== 'ok') {
    throw new EpmockError(`epmock: ${apiUrl} is not a healthy epmock: ${describeRefusal(health.status, health.text)}`, {
      status: health.status,
      body: health.json ?? health.text,
    });
  }
  epmock.sqsUrl = options.sqsUrl || health.json.sqs_url || '';
  epmock.stompUrl = options.stompUrl || health.json.stomp_url || '';
  return epmock;
}

// The URL of a queue of the embedded endpoint, as CreateQueue would hand it out.
function queueUrl(epmock, queue) {
  return `${epmock.sqsUrl}/${ACCOUNT}/${queue}`;
}

module.exports = { startEpmock, connectEpmock, queueUrl, EpmockError };
