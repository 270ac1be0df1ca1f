// The dashboard: a store's integrations, events (live), attempts, faults, journal and queues,
// through the same API any client uses. Written here, no third-party code.
import { Api, signInIfAsked } from './api.js';
import { drawChart } from './chart.js';
import { codeBlock, el, replace, time, timeline } from './views.js';

const PAGE = 50;
const api = new Api();
const $ = (id) => document.getElementById(id);

const state = {
  events: [],               // the page shown, newest first
  offset: 0,                // of that page in the store's list
  total: 0,
  seenEvents: new Set(),
  logs: new Map(),          // event id -> [log]
  seenLogs: new Set(),
  attempts: [],             // {at, latencyMs, ok}: the chart's data
  integrations: new Map(),  // id -> integration
  requests: [],             // journal, newest first
  seenRequests: new Set(),
  open: null,               // the event shown in detail
};

function say(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

function errorText(reply) {
  const errors = reply.json?.errors;
  if (Array.isArray(errors) && errors.length) return errors.map((e) => `${e.status} ${e.title}: ${e.detail ?? ''}`).join('; ');
  return `HTTP ${reply.status}`;
}

function logTime(log) {
  const at = log.meta?.timestamps?.created_at ?? '';
  return Date.parse(at.replace(/(\.\d{3})\d+/, '$1'));
}

// --- Tabs -----------------------------------------------------------------------------------
function showTab(name) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-pressed', String(button.dataset.tab === name));
  for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = !api.token || panel.dataset.panel !== name;
  if (name === 'events') drawChart($('chart'), state.attempts);
  if (name === 'journal') renderJournal();
  if (name === 'faults') loadFaults();
  if (name === 'stores') loadStores();
  if (name === 'queues') loadQueues();
}

// --- Events -----------------------------------------------------------------------------------
function deliverySummary(event) {
  const logs = state.logs.get(event.id) ?? [];
  const jobs = event.jobs ?? [];
  if (!jobs.length) return 'no receivers';
  let ok = 0, failed = 0;
  for (const job of jobs) {
    const finals = logs.filter((l) => l.relationships.job.data.id === job.id && l.final);
    if (finals.some((l) => l.succeeded)) ok += 1;
    else if (finals.length) failed += 1;
  }
  const pending = jobs.length - ok - failed;
  return [`${ok}/${jobs.length} delivered`, failed ? `${failed} failed` : '', pending ? `${pending} pending` : ''].filter(Boolean).join(', ');
}

function renderEvents() {
  const rows = state.events.map((event) => el('tr', { 'data-event': event.id, class: state.open === event.id ? 'selected' : null },
    el('td', {}, time(event.created_at)),
    el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => openEvent(event.id) }, event.type)),
    el('td', { class: 'deliveries' }, deliverySummary(event))));
  replace($('events'), rows.length ? rows : el('tr', {}, el('td', { colspan: 3, class: 'hint' }, 'No events yet: trigger one.')));
  $('events-count').textContent = `(${state.total})`;
  $('events-page').textContent = state.total ? `${state.offset + 1}–${Math.min(state.total, state.offset + state.events.length)} of ${state.total}` : '';
  $('events-newer').disabled = state.offset === 0;
  $('events-older').disabled = state.offset + PAGE >= state.total;
}

async function loadEvents(offset) {
  const reply = await api.call('GET', `/__admin/events?page[limit]=${PAGE}&page[offset]=${offset}`);
  if (reply.status !== 200) return say(errorText(reply), true);
  state.offset = offset;
  state.events = reply.json.data;
  state.total = reply.json.meta.page.total ?? state.events.length;
  for (const e of state.events) state.seenEvents.add(e.id);
  renderEvents();
}

function onEvent(event) {
  if (state.seenEvents.has(event.id)) return;
  state.seenEvents.add(event.id);
  state.total += 1;
  if (state.offset === 0) {
    state.events.unshift(event);
    if (state.events.length > PAGE) state.events.pop();
  }
  renderEvents();
}

function onLog(log) {
  if (state.seenLogs.has(log.id)) return;
  state.seenLogs.add(log.id);
  const list = state.logs.get(log.event_id) ?? [];
  list.push(log);
  state.logs.set(log.event_id, list);
  state.attempts.push({ at: logTime(log), latencyMs: (log.processing_time ?? 0) * 1000, ok: log.succeeded });
  if (state.attempts.length > 20000) state.attempts.splice(0, state.attempts.length - 20000);
  scheduleRender(log.event_id);
}

let renderQueued = null;
const dirtyEvents = new Set();
function scheduleRender(eventId) {
  dirtyEvents.add(eventId);
  if (renderQueued) return;
  renderQueued = requestAnimationFrame(() => {
    renderQueued = null;
    renderEvents();
    if (state.open && dirtyEvents.has(state.open)) renderDetail();
    dirtyEvents.clear();
    drawChart($('chart'), state.attempts);
  });
}

async function openEvent(id) {
  state.open = id;
  const reply = await api.call('GET', `/__admin/events/${encodeURIComponent(id)}`);
  if (reply.status !== 200) return say(errorText(reply), true);
  const event = reply.json.data;
  for (const log of event.logs ?? []) onLog(log);
  state.detail = event;
  await renderDetail();
  renderEvents();
}

// What each receiver was sent (job id -> request), rebuilt by the server from the event
// and the integration as it was, by the code that sends it.
async function sentRequests(event) {
  const reply = await api.call('GET', `/__admin/events/${encodeURIComponent(event.id)}/requests`);
  return new Map((reply.json?.data ?? []).map((r) => [r.job_id, r]));
}

async function renderDetail() {
  const event = state.detail;
  if (!event || event.id !== state.open) return;
  const detail = $('event-detail');
  const logs = state.logs.get(event.id) ?? [];
  const start = Date.parse(event.created_at);
  const sent = await sentRequests(event);
  const jobs = event.jobs.map((job) => {
    const attempts = logs.filter((l) => l.relationships.job.data.id === job.id)
      .sort((a, b) => a.attempt - b.attempt)
      .map((l) => ({ at: logTime(l), latencyMs: (l.processing_time ?? 0) * 1000, ok: l.succeeded,
        label: l.status_code ? String(l.status_code) : (l.succeeded ? 'ok' : 'error'), log: l }));
    const integration = state.integrations.get(job.integration_id);
    const last = attempts[attempts.length - 1];
    const ended = attempts.some((a) => a.log.final);
    const request = sent.get(job.id);
    return el('section', { class: 'job', 'data-job': job.id },
      el('h4', {}, `${integration?.name ?? job.integration_id} (${job.integration_type})`,
        job.refusal ? el('span', { class: 'badge' }, `refusal: ${job.refusal}`) : null),
      el('p', { class: 'job-state' }, ended ? (last.ok ? `delivered on attempt ${last.log.attempt}` : `failed for good after ${attempts.length} attempts`)
        : last?.log.next_attempt_at ? `${attempts.length} attempt(s) so far; attempt ${last.log.attempt + 1} is due at ${time(last.log.next_attempt_at)}`
          : `${attempts.length} attempt(s) so far`),
      attempts.length ? timeline(attempts, start) : el('p', { class: 'hint' }, 'No attempt yet.'),
      el('ol', { class: 'attempts' }, attempts.map((a) => el('li', {},
        `attempt ${a.log.attempt}: ${a.ok ? 'succeeded' : 'failed'}${a.log.status_code ? `, HTTP ${a.log.status_code}` : ''}, ${a.latencyMs.toFixed(1)} ms`,
        a.log.error_detail ? el('span', { class: 'error' }, ` ${a.log.error_detail}`) : null,
        a.log.body ? el('span', { class: 'answer' }, ` answered: ${a.log.body}`) : null))),
      request ? el('details', { class: 'request' },
        el('summary', {}, `What it was sent: ${request.method ?? request.frame} ${request.url ?? request.headers?.destination ?? ''}`),
        codeBlock('headers', request.headers ?? {}), codeBlock('body', request.body)) : null,
      el('button', { type: 'button', onclick: () => replay(event.id, job.integration_id) }, 'Replay to this integration'));
  });
  replace(detail,
    el('h3', {}, event.type),
    el('p', {}, `${event.id} · ${time(event.created_at)}`),
    el('button', { type: 'button', id: 'replay-all', onclick: () => replay(event.id) }, 'Replay to all integrations'),
    jobs.length ? jobs : el('p', { class: 'hint' }, 'No integration observed it.'),
    el('details', {}, el('summary', {}, 'The resource'), codeBlock('data', event.data)));
  detail.hidden = false;
}

async function replay(eventId, integrationId) {
  const reply = await api.call('POST', `/__admin/events/${encodeURIComponent(eventId)}/replay`,
    integrationId ? { integration_id: integrationId } : {});
  if (reply.status !== 201) return say(errorText(reply), true);
  say(`Replayed: ${reply.json.data.jobs.length} new job(s)`);
  state.detail = reply.json.data;
  await openEvent(eventId);
}

// --- Integrations -----------------------------------------------------------------------------
async function loadIntegrations() {
  const reply = await api.call('GET', '/v2/integrations?page[limit]=100');
  if (reply.status !== 200) return say(errorText(reply), true);
  state.integrations = new Map(reply.json.data.map((i) => [i.id, i]));
  const rows = reply.json.data.map((i) => el('tr', { 'data-integration': i.id },
    el('td', {}, i.name ?? ''),
    el('td', {}, i.integration_type),
    el('td', {}, el('input', { type: 'checkbox', 'aria-label': `Enabled: ${i.name}`, checked: i.enabled === true,
      onchange: (e) => updateIntegration(i.id, { enabled: e.target.checked }) })),
    el('td', {}, (i.observes ?? []).join(', ')),
    el('td', {}, el('code', {}, JSON.stringify(i.configuration ?? {}))),
    el('td', {},
      el('button', { type: 'button', onclick: () => editIntegration(i) }, 'Edit'),
      el('button', { type: 'button', onclick: () => deleteIntegration(i) }, 'Delete'))));
  replace($('integrations'), rows.length ? rows : el('tr', {}, el('td', { colspan: 6, class: 'hint' }, 'No integrations.')));
}

function defaultConfiguration(type) {
  if (type === 'aws_sqs') return { url: 'http://127.0.0.1:9324/000000000000/epmock', aws_access_key_id: 'AKIAEPMOCK', aws_secret_access_key: 'secret', region: 'us-east-1' };
  if (type === 'stomp') return { addresses: ['stomp://127.0.0.1:61613'], destination: '/queue/epmock', username: 'guest', password: 'guest' };
  return { url: `${location.origin}/__sink/webhook/dashboard` };
}

function resetIntegrationForm() {
  const form = $('integration-form');
  form.reset();
  form.elements.id.value = '';
  form.elements.configuration.value = JSON.stringify(defaultConfiguration('webhook'), null, 2);
  $('integration-form-title').textContent = 'New integration';
  $('integration-error').textContent = '';
}

function editIntegration(i) {
  const form = $('integration-form');
  form.elements.id.value = i.id;
  form.elements.name.value = i.name ?? '';
  form.elements.integration_type.value = i.integration_type;
  form.elements.observes.value = (i.observes ?? []).join(', ');
  form.elements.enabled.checked = i.enabled === true;
  form.elements.configuration.value = JSON.stringify(i.configuration ?? {}, null, 2);
  $('integration-form-title').textContent = `Edit ${i.name ?? i.id}`;
  form.elements.name.focus();
}

async function updateIntegration(id, fields) {
  const reply = await api.call('PUT', `/v2/integrations/${id}`, { data: { type: 'integration', ...fields } });
  if (reply.status !== 200) say(errorText(reply), true);
  await loadIntegrations();
}

async function deleteIntegration(i) {
  if (!confirm(`Delete ${i.name ?? i.id}?`)) return;
  const reply = await api.call('DELETE', `/v2/integrations/${i.id}`);
  if (reply.status !== 204) say(errorText(reply), true);
  await loadIntegrations();
}

async function saveIntegration(event) {
  event.preventDefault();
  const form = event.target;
  let configuration;
  try { configuration = JSON.parse(form.elements.configuration.value || '{}'); } catch (e) {
    $('integration-error').textContent = `The configuration is not JSON: ${e.message}`;
    return;
  }
  const data = {
    type: 'integration',
    name: form.elements.name.value,
    integration_type: form.elements.integration_type.value,
    enabled: form.elements.enabled.checked,
    observes: form.elements.observes.value.split(',').map((s) => s.trim()).filter(Boolean),
    configuration,
  };
  const id = form.elements.id.value;
  const reply = id ? await api.call('PUT', `/v2/integrations/${id}`, { data })
    : await api.call('POST', '/v2/integrations', { data });
  if (reply.status !== 200 && reply.status !== 201) {
    $('integration-error').textContent = errorText(reply);
    return;
  }
  say(id ? 'Integration saved' : 'Integration created');
  resetIntegrationForm();
  await loadIntegrations();
}

// --- Trigger ------------------------------------------------------------------------------------
async function loadCatalog() {
  const [catalog, stories] = await Promise.all([api.call('GET', '/__admin/catalog'), api.call('GET', '/__admin/stories')]);
  replace($('catalog'), (catalog.json?.data?.events ?? []).map((e) => el('option', { value: e.key }, e.resource)));
  replace($('stories'), (stories.json?.data ?? []).map((s) => el('li', {},
    el('button', { type: 'button', onclick: () => runStory(s.name) }, `Run ${s.name}`),
    ` ${(s.steps ?? []).map((step) => step.event).join(' → ')}`)));
}

function triggerData() {
  const text = $('trigger-form').elements.data.value.trim();
  if (!text) return { ok: true, data: undefined };
  try { return { ok: true, data: JSON.parse(text) }; } catch (e) { return { ok: false, error: `The data is not JSON: ${e.message}` }; }
}

async function checkData() {
  const type = $('trigger-form').elements.type.value.trim();
  const parsed = triggerData();
  if (!parsed.ok) return ($('trigger-result').textContent = parsed.error), false;
  if (parsed.data === undefined) return ($('trigger-result').textContent = 'No data: epmock synthesizes a valid resource.'), true;
  const reply = await api.call('POST', `/__admin/catalog/${encodeURIComponent(type)}/validate`, parsed.data);
  if (reply.status !== 200) return ($('trigger-result').textContent = errorText(reply)), false;
  const { valid, violations, resource } = reply.json.data;
  $('trigger-result').textContent = valid ? `Valid ${resource}.`
    : `Not a valid ${resource}: ${violations.map((v) => `${v.source} ${v.detail}`).join('; ')}`;
  return valid;
}

async function trigger(event) {
  event.preventDefault();
  if (!(await checkData())) return;
  const type = $('trigger-form').elements.type.value.trim();
  const { data } = triggerData();
  const reply = await api.call('POST', '/__admin/events', data === undefined ? { type } : { type, data });
  if (reply.status !== 201) return ($('trigger-result').textContent = errorText(reply));
  $('trigger-result').textContent = `Triggered ${type}: event ${reply.json.data.id}, ${reply.json.data.jobs.length} job(s)`;
  onEvent(reply.json.data);
}

async function runStory(name) {
  const reply = await api.call('POST', `/__admin/stories/${encodeURIComponent(name)}`, {});
  $('trigger-result').textContent = reply.status === 202 ? `Story ${name} started: run ${reply.json.data.id}` : errorText(reply);
}

// --- Faults -------------------------------------------------------------------------------------
async function loadFaults() {
  const [faults, apiFaults] = await Promise.all([api.call('GET', '/__admin/faults'), api.call('GET', '/__admin/api-faults')]);
  replace($('faults'), (faults.json?.data ?? []).map((f) => el('li', { 'data-fault': f.id },
    `${f.id}: fail first ${f.fail_first_attempts}, ${f.events} event(s) left${f.duplicate ? ', duplicate' : ''}${f.refuse ? `, refuse ${f.refuse}` : ''} `,
    el('button', { type: 'button', onclick: async () => { await api.call('DELETE', `/__admin/faults/${f.id}`); loadFaults(); } }, 'Clear'))));
  replace($('api-faults'), (apiFaults.json?.data ?? []).map((f) => el('li', { 'data-api-fault': f.id },
    `${f.id}: ${f.status ? `answer ${f.status}` : ''}${f.delay_ms ? ` after ${f.delay_ms} ms` : ''}${f.reset ? ' reset' : ''} to ${f.method ?? 'any method'} ${f.path ?? 'any path'}, ${f.requests} request(s) left `,
    el('button', { type: 'button', onclick: async () => { await api.call('DELETE', `/__admin/api-faults/${f.id}`); loadFaults(); } }, 'Clear'))));
}

async function addApiFault(event) {
  event.preventDefault();
  const form = event.target;
  const body = { status: Number(form.elements.status.value), requests: Number(form.elements.requests.value) };
  if (form.elements.method.value.trim()) body.method = form.elements.method.value.trim().toUpperCase();
  if (form.elements.path.value.trim()) body.path = form.elements.path.value.trim();
  const reply = await api.call('POST', '/__admin/api-faults', body);
  $('api-fault-error').textContent = reply.status === 201 ? '' : errorText(reply);
  await loadFaults();
}

async function addFault(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    fail_first_attempts: Number(form.elements.fail_first_attempts.value),
    events: Number(form.elements.events.value),
  };
  if (form.elements.refuse.value) body.refuse = form.elements.refuse.value;
  if (form.elements.duplicate.checked) body.duplicate = true;
  const reply = await api.call('POST', '/__admin/faults', body);
  $('fault-error').textContent = reply.status === 201 ? '' : errorText(reply);
  await loadFaults();
}

// --- Journal ------------------------------------------------------------------------------------
function onRequest(record) {
  if (state.seenRequests.has(record.sequence)) return;
  state.seenRequests.add(record.sequence);
  state.requests.unshift(record);
  if (state.requests.length > 500) state.requests.pop();
  if (!$('tab-journal').hidden) renderJournal();
}

function renderJournal() {
  replace($('journal'), state.requests.map((r) => el('tr', { class: r.status >= 400 ? 'refused' : null },
    el('td', {}, time(r.received_at)),
    el('td', {}, `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`),
    el('td', {}, String(r.status)),
    el('td', {}, [...(r.validation_errors ?? []), ...(r.errors ?? [])].map((line) => el('div', { class: 'reason' }, line))))));
}

async function loadJournal() {
  const first = await api.call('GET', '/__admin/requests?page[limit]=1');
  const total = first.json?.meta?.page?.total ?? 0;
  const reply = await api.call('GET', `/__admin/requests?page[limit]=200&page[offset]=${Math.max(0, total - 200)}`);
  for (const r of reply.json?.data ?? []) onRequest(r);
  return state.requests[0]?.sequence;
}

// --- Queues and sinks ---------------------------------------------------------------------------
async function loadQueues() {
  const [queues, destinations] = await Promise.all([api.call('GET', '/__admin/sqs/queues'), api.call('GET', '/__admin/stomp/destinations')]);
  const pick = (form, field, value) => { $(form).elements[field].value = value; $(form).requestSubmit(); };
  replace($('sqs-list'), queues.status === 200 ? queues.json.data.map((q) => el('tr', {},
    el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => pick('sqs-form', 'queue', q.name) }, q.name)),
    el('td', {}, String(q.visible)), el('td', {}, String(q.in_flight)), el('td', {}, String(q.delayed)),
    el('td', {}, q.dead_letter_target ?? ''))) : el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No embedded SQS endpoint runs.')));
  replace($('stomp-list'), destinations.status === 200 ? destinations.json.data.map((d) => el('tr', {},
    el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => pick('stomp-form', 'destination', d.name) }, d.name)),
    el('td', {}, String(d.sent)), el('td', {}, String(d.pending)), el('td', {}, String(d.subscribers)),
    el('td', {}, String(d.unacknowledged)))) : el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No embedded STOMP broker runs.')));
}

async function showQueue(event) {
  event.preventDefault();
  const name = event.target.elements.queue.value.trim();
  const reply = await api.call('GET', `/__admin/sqs/queues/${encodeURIComponent(name)}`);
  replace($('sqs'), reply.status === 200 ? [el('p', {}, JSON.stringify(reply.json.meta ?? {})), ...reply.json.data.map((m) => codeBlock(m.message_id, m.body))]
    : el('p', { class: 'error' }, errorText(reply)));
}

async function showDestination(event) {
  event.preventDefault();
  const destination = event.target.elements.destination.value.trim();
  const reply = await api.call('GET', `/__admin/stomp/messages?destination=${encodeURIComponent(destination)}`);
  replace($('stomp'), reply.status === 200 ? [el('p', {}, JSON.stringify(reply.json.meta ?? {})), ...reply.json.data.map((m) => codeBlock(m.message_id ?? 'message', m.body ?? m))]
    : el('p', { class: 'error' }, errorText(reply)));
}

async function showSink() {
  const name = $('sink-name').value.trim();
  const reply = await api.call('GET', `/__admin/sinks/webhook/${encodeURIComponent(name)}`);
  replace($('sink'), reply.status === 200 ? reply.json.data.map((r, i) => el('details', {}, el('summary', {}, `${i + 1}: ${r.method} ${r.path}`), codeBlock('headers', r.headers ?? {}), codeBlock('body', r.body)))
    : el('p', { class: 'error' }, errorText(reply)));
}

// --- Stores -------------------------------------------------------------------------------------
async function loadStores() {
  const response = await fetch('/__admin/stores');
  if (!response.ok) {
    signInIfAsked(response.status, await response.json().catch(() => null));
    return;
  }
  const { data } = await response.json();
  const all = [...data.stores, ...data.organizations];
  replace($('known-clients'), all.map((s) => el('option', { value: s.client_id })));
  replace($('stores'), all.map((s) => el('tr', {},
    el('td', {}, s.client_id), el('td', {}, s.kind), el('td', {}, String(s.integrations)), el('td', {}, String(s.events)),
    el('td', {}, el('button', { type: 'button', onclick: () => openStore(s.client_id) }, 'Open')))));
}

// --- Start --------------------------------------------------------------------------------------
async function openStore(clientId) {
  try {
    await api.open(clientId);
  } catch (e) {
    return say(String(e.message), true);
  }
  $('client-id').value = clientId;
  history.replaceState(null, '', `#store=${encodeURIComponent(clientId)}`);
  Object.assign(state, { events: [], offset: 0, total: 0, seenEvents: new Set(), logs: new Map(), seenLogs: new Set(),
    attempts: [], requests: [], seenRequests: new Set(), open: null, detail: null });
  $('event-detail').hidden = true;
  $('no-store').hidden = true;
  resetIntegrationForm();
  await Promise.all([loadIntegrations(), loadEvents(0), loadCatalog()]);
  const deliveries = await api.call('GET', '/__admin/deliveries?page[limit]=500');
  for (const log of (deliveries.json?.data ?? []).slice().reverse()) onLog(log);
  const lastRequest = await loadJournal();
  api.follow({ onEvent, onLog, onRequest, onMode: (mode) => say(`Store ${clientId}: ${mode}`) },
    { after_event: state.events[0]?.id, after_log: deliveries.json?.data?.[0]?.id, after_request: lastRequest });
  say(`Store ${clientId}`);
  showTab(document.querySelector('nav button[aria-pressed="true"]')?.dataset.tab ?? 'events');
  drawChart($('chart'), state.attempts);
}

function start() {
  fetch('/__admin/health').then((r) => r.json()).then((health) => { $('sign-out').hidden = !health.admin_token; }).catch(() => {});
  for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => showTab(button.dataset.tab));
  $('store-form').addEventListener('submit', (e) => { e.preventDefault(); openStore($('client-id').value.trim()); });
  $('integration-form').addEventListener('submit', saveIntegration);
  $('integration-form').elements.integration_type.addEventListener('change', (e) => {
    if (!$('integration-form').elements.id.value) $('integration-form').elements.configuration.value = JSON.stringify(defaultConfiguration(e.target.value), null, 2);
  });
  $('integration-cancel').addEventListener('click', resetIntegrationForm);
  $('trigger-form').addEventListener('submit', trigger);
  $('trigger-check').addEventListener('click', checkData);
  $('fault-form').addEventListener('submit', addFault);
  $('faults-clear').addEventListener('click', async () => { await api.call('DELETE', '/__admin/faults'); loadFaults(); });
  $('api-fault-form').addEventListener('submit', addApiFault);
  $('api-faults-clear').addEventListener('click', async () => { await api.call('DELETE', '/__admin/api-faults'); loadFaults(); });
  $('events-newer').addEventListener('click', () => loadEvents(Math.max(0, state.offset - PAGE)));
  $('events-older').addEventListener('click', () => loadEvents(state.offset + PAGE));
  $('sqs-form').addEventListener('submit', showQueue);
  $('stomp-form').addEventListener('submit', showDestination);
  $('sink-load').addEventListener('click', showSink);
  setInterval(() => { if (api.token) drawChart($('chart'), state.attempts); }, 5000);
  window.addEventListener('resize', () => { if (api.token) drawChart($('chart'), state.attempts); });
  loadStores();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('store');
  if (fromHash) openStore(fromHash);
}

start();
