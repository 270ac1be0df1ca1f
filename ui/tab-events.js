// The Events tab: the chart, the filtered list of events (summaries from the server, changed
// in place by the live stream: a new row, or one row's status, never the whole list), and the
// open event with each job's attempts, the request of any attempt and the receiver's answer.
import { drawChart, timeline } from './chart.js';
import { absolute, duration, errorText, parseTime, relative, repeatCommand, statusText } from './format.js';
import { eventFilters, eventsQuery, EventsPage, EVENT_FILTERS, jobsLine, summaryOf } from './state.js';
import { badge, codeBlock, copyButton, el, keepInPlace, patch, replace, when } from './views.js';

const PAGE = 50;
let ctx, $;
let page = new EventsPage(PAGE);
let attempts = [];          // {at, latencyMs, ok}: the chart's
let seenLogs = new Set();
let detail = null;          // {event, requests: Map job id -> request, attempt}
let loadedQuery = null;     // the list query the page shows
let detailTimer = null;

function timeCell(iso) {
  const at = parseTime(iso);
  return el('td', { 'data-label': 'Time' }, when(at, ctx.now(), absolute(at), relative(at, ctx.now())));
}

function row(summary) {
  const selected = ctx.route.event === summary.id;
  return el('tr', { 'data-event': summary.id, class: selected ? 'selected' : null, 'aria-current': selected ? 'true' : null },
    timeCell(summary.created_at),
    el('td', { 'data-label': 'Event' },
      el('a', { href: linkTo({ event: summary.id, job: null, attempt: null }), class: 'event-link', 'data-key': `open-${summary.id}`,
        onclick: (e) => { e.preventDefault(); ctx.go({ event: summary.id, job: null, attempt: null }, { push: true }); } }, summary.type),
      el('span', { class: 'id' }, ` ${summary.id.slice(0, 8)}`)),
    el('td', { 'data-label': 'Status', class: 'status-cell' }, statusCell(summary)),
    el('td', { 'data-label': 'Deliveries', class: 'deliveries' }, jobsLine(summary)));
}

function statusCell(summary) {
  const due = summary.jobs.map((j) => parseTime(j.next_attempt_at)).filter(Number.isFinite);
  const next = due.length ? Math.min(...due) : NaN;
  return [badge(summary.status, statusText(summary.status)),
    summary.status === 'retrying' && Number.isFinite(next) ? el('span', { class: 'countdown', 'data-due': next }, ` ${countdown(next)}`) : null,
    summary.jobs.some((j) => j.replay) ? el('span', { class: 'tag' }, 'replayed') : null];
}

function countdown(dueMs) {
  const left = dueMs - ctx.now();
  return left > 500 ? `retry in ${duration(left)}` : 'retrying now';
}

function linkTo(changes) {
  const route = { ...ctx.route, tab: 'events', ...changes };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(route)) if (value !== null && value !== undefined && value !== '') params.set(key, value);
  return `#${params}`;
}

function renderList() {
  const body = $('events');
  const filtered = Object.keys(page.filters).length > 0;
  replace(body, page.items.length ? page.items.map(row)
    : el('tr', {}, el('td', { colspan: 4, class: 'hint' }, filtered ? 'No event matches these filters.' : 'No events yet: trigger one.')));
  renderCounts();
}

function renderCounts() {
  $('events-count').textContent = `${page.total} event${page.total === 1 ? '' : 's'}${Object.keys(page.filters).length ? ' match' : ''}`;
  $('events-page').textContent = page.total ? `${page.offset + 1}–${Math.min(page.total, page.offset + page.items.length)} of ${page.total}` : '';
  $('events-newer').disabled = page.offset === 0;
  $('events-older').disabled = page.offset + PAGE >= page.total;
  const fresh = $('fresh');
  fresh.hidden = page.fresh === 0;
  fresh.textContent = `${page.fresh} new event${page.fresh === 1 ? '' : 's'}: show`;
}

// Loads the list the route asks for. Loads overlap (a replay reloads the filtered list while
// the user clears the filters): only the latest one asked for is shown, whatever order the
// answers come back in.
let listLoads = 0;
async function loadList() {
  const query = eventsQuery(ctx.route, PAGE);
  const table = $('events-table');
  const mine = ++listLoads;
  table.setAttribute('aria-busy', 'true');
  $('events-page').textContent = 'Loading…';
  const reply = await ctx.api.call('GET', query);
  if (mine !== listLoads) return;
  table.setAttribute('aria-busy', 'false');
  if (reply.status !== 200) {
    replace($('events'), el('tr', {}, el('td', { colspan: 4, class: 'error' }, errorText(reply))));
    $('events-page').textContent = '';
    return;
  }
  loadedQuery = query;
  page.load(reply.json.data.map((s) => ({ ...s })), reply.json.meta.page.total ?? reply.json.data.length,
    Number(ctx.route.offset ?? 0), eventFilters(ctx.route));
  renderList();
  if (performance.getEntriesByName('epmock:open', 'mark').length && !performance.getEntriesByName('epmock:store-first-paint').length) {
    requestAnimationFrame(() => setTimeout(() => performance.measure('epmock:store-first-paint', 'epmock:open'), 0));
  }
}

// The script time of one live update, for the browser tests' timings.
function timed(handler) {
  return (item) => {
    const start = performance.now();
    handler(item);
    if (window.epmockTimings) performance.measure('epmock:live-update', { start, end: performance.now() });
  };
}

// --- Live ---------------------------------------------------------------------------------

function onEvent(event) {
  const summary = summaryOf(event);
  const action = page.add(summary);
  if (action === 'insert') {
    const body = $('events');
    keepInPlace(() => {
      if (body.querySelector('td[colspan]')) body.replaceChildren();
      body.prepend(row(summary));
      while (body.rows.length > PAGE) body.lastElementChild.remove();
      renderCounts();
    }, () => (detail ? $('event-detail') : null));
  } else if (action === 'count') {
    renderCounts();
  }
  if (detail && detail.event.id === event.id) scheduleDetail();  // a replay of the open event
}

function onLog(log) {
  if (seenLogs.has(log.id)) return;
  seenLogs.add(log.id);
  attempts.push({ at: parseTime(log.meta?.timestamps?.created_at), latencyMs: (log.processing_time ?? 0) * 1000, ok: log.succeeded });
  if (attempts.length > 20000) attempts.splice(0, attempts.length - 20000);
  const updated = page.update(log);
  if (updated) {
    // One row's two cells, in place: the list, its focus and its scroll stay as they are.
    const tr = $('events').querySelector(`tr[data-event="${CSS.escape(updated.id)}"]`);
    if (tr) {
      replace(tr.querySelector('.status-cell'), statusCell(updated));
      tr.querySelector('.deliveries').textContent = jobsLine(updated);
    }
  }
  if (detail && detail.event.id === log.event_id) scheduleDetail();
  chartDue = true;
}

let chartDue = false;
function scheduleDetail() {
  if (detailTimer) return;
  detailTimer = setTimeout(() => { detailTimer = null; loadDetail(ctx.route.event, false); }, 150);
}

// --- The open event --------------------------------------------------------------------------

let detailLoads = 0;       // as listLoads: only the latest load of the open event is drawn
async function loadDetail(id, focus) {
  const article = $('event-detail');
  const mine = ++detailLoads;
  if (!id) {
    article.hidden = true;
    document.body.classList.remove('sheet-open');
    detail = null;
    return;
  }
  if (!detail || detail.event.id !== id) {
    article.hidden = false;
    document.body.classList.add('sheet-open');
    replace(article, el('p', { class: 'loading' }, 'Loading the event…'));
  }
  const reply = await ctx.api.call('GET', `/__admin/events/${encodeURIComponent(id)}`);
  if (ctx.route.event !== id || mine !== detailLoads) return;
  if (reply.status !== 200) {
    detail = null;
    patch(article, closeButton(), el('p', { class: 'error' }, errorText(reply)));
    return;
  }
  const event = reply.json.data;
  const jobs = event.jobs ?? [];
  const jobId = jobs.some((j) => j.id === ctx.route.job) ? ctx.route.job : jobs[0]?.id;
  const logsOf = (job) => (event.logs ?? []).filter((l) => l.relationships.job.data.id === job).sort((a, b) => a.attempt - b.attempt);
  const chosenLogs = jobId ? logsOf(jobId) : [];
  const attempt = Math.min(Number(ctx.route.attempt ?? chosenLogs.length ?? 1) || 1, Math.max(1, chosenLogs.length));
  const sent = await ctx.api.call('GET', `/__admin/events/${encodeURIComponent(id)}/requests?attempt=${attempt}`);
  if (ctx.route.event !== id || mine !== detailLoads) return;
  const requests = new Map((sent.json?.data ?? []).map((r) => [r.job_id, r]));
  detail = { event, requests, attempt, jobId };
  patch(article, renderDetail(event, logsOf, requests, jobId, attempt));
  article.hidden = false;
  document.body.classList.add('sheet-open');
  if (focus) article.focus({ preventScroll: true });
  for (const tr of $('events').rows) {
    const on = tr.dataset.event === id;
    tr.classList.toggle('selected', on);
    if (on) tr.setAttribute('aria-current', 'true'); else tr.removeAttribute('aria-current');
  }
}

function closeButton() {
  return el('button', { type: 'button', class: 'close', 'data-key': 'close', onclick: () => ctx.go({ event: null, job: null, attempt: null }, { push: true }) },
    'Back to the list');
}

function renderDetail(event, logsOf, requests, chosenJob, chosenAttempt) {
  const start = parseTime(event.created_at);
  const now = ctx.now();
  const jobs = (event.jobs ?? []).map((job, index) => {
    const logs = logsOf(job.id);
    const points = logs.map((l) => ({ at: parseTime(l.meta?.timestamps?.created_at), latencyMs: (l.processing_time ?? 0) * 1000,
      ok: l.succeeded, label: l.status_code ? String(l.status_code) : (l.succeeded ? 'ok' : 'error') }));
    const final = logs.find((l) => l.final);
    const last = logs[logs.length - 1];
    const status = final ? (job.refusal ? 'refused' : final.succeeded ? 'delivered' : 'failed')
      : last?.next_attempt_at ? 'retrying' : 'pending';
    const due = parseTime(last?.next_attempt_at);
    const summary = final ? (final.succeeded ? `Delivered on attempt ${final.attempt}` : `Failed for good after ${final.attempt} attempts`)
      : status === 'retrying' ? `${logs.length} attempt${logs.length === 1 ? '' : 's'} so far; attempt ${last.attempt + 1} is due ${absolute(due)}`
        : logs.length ? `${logs.length} attempt${logs.length === 1 ? '' : 's'} so far` : 'No attempt yet';
    const isChosen = job.id === chosenJob;
    const name = ctx.integrationName(job.integration_id);
    return el('section', { class: `job${isChosen ? ' chosen' : ''}`, 'data-job': job.id, 'aria-label': `${name}, ${statusText(status)}` },
      el('h4', {}, `${name} `, el('span', { class: 'muted' }, `(${job.integration_type})`), ' ', badge(status, statusText(status)),
        job.replay ? el('span', { class: 'tag' }, `replay`) : null,
        job.refusal ? el('span', { class: 'tag bad' }, `refusal: ${job.refusal}`) : null),
      el('p', { class: 'job-state' }, summary, status === 'retrying' && Number.isFinite(due)
        ? el('span', { class: 'countdown', 'data-due': due }, ` (${countdown(due)})`) : null),
      points.length ? timeline(points, start, isChosen ? chosenAttempt : undefined) : null,
      logs.length ? el('ol', { class: 'attempts' }, logs.map((l) => el('li', {},
        el('a', { href: linkTo({ event: event.id, job: job.id, attempt: l.attempt }), 'data-key': `attempt-${job.id}-${l.attempt}`,
          'aria-current': isChosen && l.attempt === chosenAttempt ? 'true' : null,
          onclick: (e) => { e.preventDefault(); ctx.go({ event: event.id, job: job.id, attempt: l.attempt }, { push: true }); } },
        `Attempt ${l.attempt}`),
        `: ${l.succeeded ? 'succeeded' : 'failed'}${l.status_code ? `, HTTP ${l.status_code}` : ''}, ${duration((l.processing_time ?? 0) * 1000)}`,
        l.error_detail ? el('span', { class: 'error' }, ` ${l.error_detail}`) : null))) : null,
      isChosen ? attemptPanel(job, logs.find((l) => l.attempt === chosenAttempt), requests.get(job.id), chosenAttempt) : null,
      el('div', { class: 'actions' },
        isChosen ? null : el('a', { href: linkTo({ event: event.id, job: job.id, attempt: null }), 'data-key': `show-${job.id}`,
          onclick: (e) => { e.preventDefault(); ctx.go({ event: event.id, job: job.id, attempt: null }, { push: true }); } }, 'Show its requests'),
        el('button', { type: 'button', 'data-key': `replay-${index}`, onclick: () => replay(event.id, job.integration_id) }, 'Replay to this integration')));
  });
  const at = parseTime(event.created_at);
  return [
    closeButton(),
    el('h3', {}, event.type, ' ', badge(event.status ?? 'none', statusText(event.status ?? 'none'))),
    el('p', { class: 'muted' }, el('code', {}, event.id), ' ', copyButton('Copy id of the event', event.id, 'Copy id', 'copy-id'), ' · ',
      when(at, now, absolute(at), `${absolute(at)} (${relative(at, now)})`)),
    el('button', { type: 'button', id: 'replay-all', 'data-key': 'replay-all', onclick: () => replay(event.id) }, 'Replay to all integrations'),
    jobs.length ? jobs : el('p', { class: 'hint' }, 'No integration observed it.'),
    (event.skipped ?? []).length ? el('ul', { class: 'plain muted' }, event.skipped.map((s) => el('li', {}, `Not sent to ${ctx.integrationName(s.integration_id)}: ${s.reason}`))) : null,
    el('details', { 'data-key': 'resource' }, el('summary', {}, 'The resource'), codeBlock('data', event.data, 'resource')),
  ];
}

function attemptPanel(job, log, request, attempt) {
  const command = repeatCommand(request);
  const answer = log ? [
    el('h5', {}, `What the receiver answered${log.status_code ? `: HTTP ${log.status_code}` : ''}`),
    log.response_headers ? codeBlock('answer headers', Object.fromEntries(log.response_headers.map(([k, v]) => [k, v])), 'answer-headers') : null,
    log.response_headers_cut ? el('p', { class: 'hint' }, 'More headers came; the first 4 KiB are kept.') : null,
    log.body ? codeBlock('answer body', log.body, 'answer-body') : el('p', { class: 'hint' }, 'An empty answer body.'),
  ] : [el('p', { class: 'hint' }, 'This attempt has not been made yet.')];
  return el('div', { class: 'attempt-panel' },
    el('h5', {}, `What attempt ${attempt} sent: ${request?.method ?? request?.frame ?? ''} ${request?.url ?? request?.headers?.destination ?? ''}`),
    request ? [codeBlock('headers', request.headers ?? {}, 'request-headers'), codeBlock('body', request.body, 'request-body')] : null,
    command ? copyButton(command.label, command.text, command.label, 'repeat') : null,
    answer);
}

async function replay(eventId, integrationId) {
  const reply = await ctx.api.call('POST', `/__admin/events/${encodeURIComponent(eventId)}/replay`,
    integrationId ? { integration_id: integrationId } : {});
  const error = errorText(reply);
  if (error) return ctx.say(error, true);
  ctx.say(`Replayed: ${reply.json.data.jobs.length} new job${reply.json.data.jobs.length === 1 ? '' : 's'}`);
  await refreshOne(eventId);
  await loadDetail(eventId, false);
}

// After a replay, the row's summary from the server: it is no longer what it was.
async function refreshOne(eventId) {
  const reply = await ctx.api.call('GET', `/__admin/events?fields=summary&id=${encodeURIComponent(eventId)}`);
  const summary = reply.json?.data?.find((s) => s.id === eventId);
  if (summary && page.replace(summary)) {
    const tr = $('events').querySelector(`tr[data-event="${CSS.escape(eventId)}"]`);
    if (tr) tr.replaceWith(row(summary));
  }
}

async function replayFailed() {
  const filters = { ...eventFilters(ctx.route), status: 'failed' };
  const reply = await ctx.api.call('POST', '/__admin/events/replay', filters);
  const error = errorText(reply);
  if (error) return ctx.say(error, true);
  ctx.say(`Replayed ${reply.json.meta.events} failed event${reply.json.meta.events === 1 ? '' : 's'} (${reply.json.meta.jobs} new jobs)`);
  await loadList();
}

// --- Filters, paging, following --------------------------------------------------------------

function fillFilters() {
  const form = $('event-filters');
  replace(form.elements.integration_id, el('option', { value: '' }, 'any'),
    [...ctx.integrations.values()].map((i) => el('option', { value: i.id }, i.name || i.id)));
  for (const key of EVENT_FILTERS) if (form.elements[key]) form.elements[key].value = ctx.route[key] ?? '';
}

async function loadRuns() {
  const reply = await ctx.api.call('GET', '/__admin/stories/runs?page[limit]=50');
  const select = $('event-filters').elements.story_run;
  replace(select, el('option', { value: '' }, 'any'), (reply.json?.data ?? []).map((r) => el('option', { value: r.id }, `${r.story} ${r.id.slice(0, 8)}`)));
  select.value = ctx.route.story_run ?? '';
  if (ctx.route.story_run && select.value !== ctx.route.story_run) {
    select.append(el('option', { value: ctx.route.story_run }, ctx.route.story_run.slice(0, 8)));
    select.value = ctx.route.story_run;
  }
}

let filterTimer = null;
function onFilterInput(e) {
  const form = $('event-filters');
  const apply = () => {
    const changes = { offset: null };
    for (const key of EVENT_FILTERS) changes[key] = form.elements[key].value.trim();
    if (changes.id && changes.id.length < 4) { $('events-count').textContent = 'Give at least 4 characters of an event id'; return; }
    ctx.go(changes);
  };
  clearTimeout(filterTimer);
  if (e.type === 'input' && e.target.type !== 'select-one') filterTimer = setTimeout(apply, 300);
  else apply();
}

function setFollowing(on) {
  page.following = on;
  const button = $('follow');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Following new events' : 'Paused: new events wait';
  if (on && page.fresh && page.offset === 0) loadList();
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    const form = $('event-filters');
    form.addEventListener('input', onFilterInput);
    form.addEventListener('change', onFilterInput);
    form.addEventListener('submit', (e) => e.preventDefault());
    $('filters-clear').addEventListener('click', () => ctx.go(Object.fromEntries([...EVENT_FILTERS, 'offset'].map((k) => [k, null]))));
    $('follow').addEventListener('click', () => setFollowing(!page.following));
    $('fresh').addEventListener('click', () => { ctx.go({ offset: null }); loadList(); $('events-table').focus?.(); });
    $('replay-failed').addEventListener('click', replayFailed);
    $('events-newer').addEventListener('click', () => ctx.go({ offset: Math.max(0, page.offset - PAGE) }));
    $('events-older').addEventListener('click', () => ctx.go({ offset: page.offset + PAGE }));
    // Countdowns and relative times tick in place: their text only.
    setInterval(() => {
      if (!ctx.api.token) return;
      for (const node of document.querySelectorAll('[data-due]')) {
        const text = countdown(Number(node.dataset.due));
        node.textContent = node.closest('.job-state') ? ` (${text})` : ` ${text}`;
      }
      for (const node of document.querySelectorAll('time[data-at]')) {
        if (node.closest('#event-detail')) continue;
        // A time written with its date first ("2030-01-01 00:00:00 (3 s ago)") keeps its date.
        const rel = relative(Number(node.dataset.at), ctx.now());
        node.textContent = node.title && node.textContent.startsWith(node.title) ? `${node.title} (${rel})` : rel;
      }
    }, 1000);
    setInterval(() => { if (chartDue || ctx.route.tab === 'events') { chartDue = false; if (ctx.api.token) drawChart($('chart'), attempts); } }, 2000);
    window.addEventListener('resize', () => { if (ctx.api.token) drawChart($('chart'), attempts); });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && ctx.route.event && ctx.route.tab === 'events') ctx.go({ event: null, job: null, attempt: null }, { push: true });
    });
  },
  reset() {
    listLoads += 1;  // a load of the store before is not shown
    page = new EventsPage(PAGE);
    attempts = [];
    seenLogs = new Set();
    detail = null;
    loadedQuery = null;
    $('event-detail').hidden = true;
    $('events').replaceChildren();
    document.body.classList.remove('sheet-open');
    setFollowing(true);
  },
  // The first page and the chart's recent attempts; the stream's cursors.
  async open() {
    const [deliveries] = await Promise.all([ctx.api.call('GET', '/__admin/deliveries?page[limit]=500'),
      ctx.route.tab === 'events' ? loadList() : null]);
    for (const log of (deliveries.json?.data ?? []).slice().reverse()) {
      seenLogs.add(log.id);
      attempts.push({ at: parseTime(log.meta?.timestamps?.created_at), latencyMs: (log.processing_time ?? 0) * 1000, ok: log.succeeded });
    }
    const newest = await ctx.api.call('GET', '/__admin/events?fields=summary&page[limit]=1');
    return { after_event: newest.json?.data?.[0]?.id, after_log: deliveries.json?.data?.[0]?.id };
  },
  async show() {
    fillFilters();
    loadRuns();
    if (eventsQuery(ctx.route, PAGE) !== loadedQuery) await loadList();
    drawChart($('chart'), attempts);
    if ((ctx.route.event ?? null) !== (detail?.event.id ?? null) || (detail && (ctx.route.job !== detail.jobId || Number(ctx.route.attempt ?? detail.attempt) !== detail.attempt))) {
      const opening = !detail || detail.event.id !== ctx.route.event;
      await loadDetail(ctx.route.event, opening);
    }
  },
  onEvent: timed(onEvent),
  onLog: timed(onLog),
};
