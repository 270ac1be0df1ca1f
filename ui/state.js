// The dashboard's state, apart from the DOM: where the user is (the route, kept in the URL's
// fragment so that a reload or a shared link lands there), the events page with its filters
// and its "new events" count, and how a live delivery log changes an event's status. Pure:
// tests/ui/state.test.mjs checks it under node:test.

export const TABS = ['events', 'integrations', 'trigger', 'faults', 'journal', 'queues', 'stores'];
export const EVENT_FILTERS = ['status', 'type', 'integration_id', 'story_run', 'id'];
export const JOURNAL_FILTERS = ['jstatus', 'jpath', 'jpage'];
const ROUTE_KEYS = ['store', 'tab', 'event', 'job', 'attempt', 'offset', ...EVENT_FILTERS, ...JOURNAL_FILTERS, 'queue', 'sink'];
const MAX_VALUE = 256;

// "#store=shop-a&tab=events&event=ID&job=JOB&attempt=2&status=failed" -> a route object with
// only known keys, each a string of at most 256 characters; tab defaults to events.
export function parseRoute(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const route = {};
  for (const key of ROUTE_KEYS) {
    const value = params.get(key);
    if (value !== null && value !== '' && value.length <= MAX_VALUE) route[key] = value;
  }
  if (!TABS.includes(route.tab)) route.tab = 'events';
  if (route.attempt !== undefined && !/^[1-9]\d{0,3}$/.test(route.attempt)) delete route.attempt;
  if (route.offset !== undefined && !/^\d{1,7}$/.test(route.offset)) delete route.offset;
  return route;
}

export function formatRoute(route) {
  const params = new URLSearchParams();
  for (const key of ROUTE_KEYS) {
    const value = route[key];
    if (value === undefined || value === null || value === '') continue;
    if (key === 'tab' && value === 'events' && route.store === undefined) continue;
    if (key === 'offset' && String(value) === '0') continue;
    params.set(key, String(value));
  }
  return `#${params}`;
}

// The filters of a route, as the admin list's query: {status, type, ...} without empties.
export function eventFilters(route) {
  const out = {};
  for (const key of EVENT_FILTERS) if (route[key]) out[key] = route[key];
  return out;
}

export function eventsQuery(route, limit) {
  const q = new URLSearchParams({ fields: 'summary', 'page[limit]': String(limit), 'page[offset]': String(route.offset ?? 0) });
  for (const [key, value] of Object.entries(eventFilters(route))) q.set(key, value);
  return `/__admin/events?${q}`;
}

// --- An event's status from its jobs -----------------------------------------------------

// The first that applies to one job wins (the server's rule, api/event_filter.h).
export function eventStatus(jobs) {
  if (!jobs?.length) return 'none';
  for (const status of ['failed', 'retrying', 'pending', 'refused']) if (jobs.some((j) => j.status === status)) return status;
  return 'delivered';
}

// An event as the stream sends it (the whole event, just fired or replayed) as the list's
// summary: its jobs pending until their logs say otherwise.
export function summaryOf(event) {
  const jobs = (event.jobs ?? []).map((j) => ({
    id: j.id, integration_id: j.integration_id, integration_type: j.integration_type, status: 'pending', attempts: 0,
    ...(j.refusal ? { refusal: j.refusal } : {}), ...(j.replay ? { replay: true } : {}),
  }));
  return { id: event.id, type: event.type, created_at: event.created_at, status: event.status ?? eventStatus(jobs), jobs };
}

// A new summary with the delivery log applied to its job (a log of a job it does not list
// changes nothing). A duplicate's copy repeats its attempt's number and changes nothing.
export function applyLog(summary, log) {
  const jobId = log.relationships?.job?.data?.id;
  const index = summary.jobs.findIndex((j) => j.id === jobId);
  if (index < 0) return summary;
  const job = { ...summary.jobs[index] };
  if (job.status === 'delivered' || job.status === 'failed' || job.status === 'refused') {
    if (!log.final) return summary;  // an ended job: only a final log could restate it
  }
  if ((log.attempt ?? 0) >= job.attempts) {
    job.attempts = log.attempt ?? job.attempts;
    if (log.status_code !== undefined) job.last_status_code = log.status_code;
    else delete job.last_status_code;
  }
  if (log.final) {
    job.status = job.refusal || log.refusal ? 'refused' : log.succeeded ? 'delivered' : 'failed';
    delete job.next_attempt_at;
  } else if (log.next_attempt_at) {
    job.status = 'retrying';
    job.next_attempt_at = log.next_attempt_at;
  }
  const jobs = summary.jobs.slice();
  jobs[index] = job;
  return { ...summary, jobs, status: eventStatus(jobs) };
}

// Whether a summary passes the page's filters (for a live event: shown, or only counted).
export function matchesFilters(summary, filters) {
  if (filters.type && summary.type !== filters.type) return false;
  if (filters.status && summary.status !== filters.status) return false;
  if (filters.id && !summary.id.startsWith(filters.id)) return false;
  if (filters.integration_id && !summary.jobs.some((j) => j.integration_id === filters.integration_id)) return false;
  if (filters.story_run) return false;  // a run's events are known to the server: reload to see them
  return true;
}

// "1/1 delivered", "0/2 delivered, 1 retrying, 1 failed".
export function jobsLine(summary) {
  const jobs = summary.jobs ?? [];
  if (!jobs.length) return 'no integration observed it';
  const count = (s) => jobs.filter((j) => j.status === s).length;
  return [`${count('delivered')}/${jobs.length} delivered`, ...['retrying', 'pending', 'failed', 'refused']
    .filter((s) => count(s)).map((s) => `${count(s)} ${s}`)].join(', ');
}

// --- The events page ---------------------------------------------------------------------

// The page of events shown, and what the live stream brought while the user was not
// following: `fresh` counts new events that match the filters but were not put in the list.
export class EventsPage {
  constructor(limit = 50) {
    this.limit = limit;
    this.items = [];       // summaries, newest first
    this.total = 0;
    this.offset = 0;
    this.filters = {};
    this.following = true;
    this.fresh = 0;
    this.known = new Set();
  }

  load(items, total, offset, filters) {
    this.items = items.slice();
    this.total = total;
    this.offset = offset;
    this.filters = { ...filters };
    this.fresh = 0;
    for (const item of items) this.known.add(item.id);
  }

  // A new event from the stream: 'insert' (put it at the top: following, on the first page,
  // passing the filters), 'count' (the "new events" marker grows), or 'ignore' (seen, or
  // filtered out).
  add(summary) {
    if (this.known.has(summary.id)) return 'ignore';
    this.known.add(summary.id);
    if (!matchesFilters(summary, this.filters)) return 'ignore';
    if (this.following && this.offset === 0) {
      this.items.unshift(summary);
      this.total += 1;
      if (this.items.length > this.limit) this.items.pop();
      return 'insert';
    }
    this.fresh += 1;
    return 'count';
  }

  // A delivery log: the summary it changes (now in the list), or null when the list does
  // not show its event.
  update(log) {
    const index = this.items.findIndex((e) => e.id === log.event_id);
    if (index < 0) return null;
    const updated = applyLog(this.items[index], log);
    this.items[index] = updated;
    return updated;
  }

  // Replaces one summary (a reload of one event after a replay).
  replace(summary) {
    const index = this.items.findIndex((e) => e.id === summary.id);
    if (index >= 0) this.items[index] = summary;
    return index >= 0;
  }
}

// Whether a journal record passes the journal's filters: status class ("4xx"), path prefix,
// and the page's own reads shown or not.
export function journalMatches(record, filters) {
  if (filters.status && String(Math.floor(record.status / 100)) !== filters.status[0]) return false;
  if (filters.path && !record.path.startsWith(filters.path)) return false;
  if (!filters.showOwn && record.origin === 'dashboard') return false;
  return true;
}

// --- Integration forms -------------------------------------------------------------------

// The configuration fields of each integration type, and which of them the API masks.
export const CONFIG_FIELDS = {
  webhook: [{ name: 'url', label: 'URL' }, { name: 'secret_key', label: 'Secret key', optional: true }],
  aws_sqs: [{ name: 'url', label: 'Queue URL' }, { name: 'aws_access_key_id', label: 'AWS access key id', secret: true },
    { name: 'aws_secret_access_key', label: 'AWS secret access key', secret: true }, { name: 'region', label: 'Region' }],
  stomp: [{ name: 'addresses', label: 'Addresses (comma separated)', list: true }, { name: 'destination', label: 'Destination' },
    { name: 'username', label: 'Username' }, { name: 'password', label: 'Password', secret: true }],
};

// What a new integration of a type starts with: the server's own sink, queue and broker.
export function defaultConfiguration(type, server) {
  if (type === 'aws_sqs') {
    return { url: `${server.sqs_url ?? 'http://127.0.0.1:9324'}/000000000000/epmock`, aws_access_key_id: 'AKIAEPMOCKEPMOCK0000',
      aws_secret_access_key: 'epmock-secret', region: 'us-east-1' };
  }
  if (type === 'stomp') {
    return { addresses: [server.stomp_url ?? 'stomp://127.0.0.1:61613'], destination: '/queue/epmock', username: 'guest', password: 'guest' };
  }
  return { url: `${server.api_url ?? ''}/__sink/webhook/dashboard` };
}

// What an edit sends as configuration. `stored` is the configuration as GET showed it (secrets
// masked); `given` the form's values, with "" for a secret left blank. Returns
// {omit: true} when nothing changed (the PUT leaves configuration out, and the stored secrets
// stay), {configuration} when the whole is known, or {missing: [names]} when other fields
// changed but a secret was left blank: the API replaces configuration whole, and the page
// knows the secret only in its masked form.
export function configurationForEdit(type, stored, given) {
  const fields = CONFIG_FIELDS[type] ?? [];
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const secretsGiven = fields.filter((f) => f.secret && given[f.name]);
  const othersChanged = fields.some((f) => !f.secret && !same(given[f.name] ?? (f.optional ? undefined : ''), stored?.[f.name] ?? (f.optional ? undefined : '')));
  if (!othersChanged && !secretsGiven.length) return { omit: true };
  const missing = fields.filter((f) => f.secret && !given[f.name]).map((f) => f.name);
  if (missing.length) return { missing };
  const configuration = {};
  for (const f of fields) if (given[f.name] !== undefined && given[f.name] !== '') configuration[f.name] = given[f.name];
  return { configuration };
}
