// How the dashboard writes times, durations, statuses, errors and the commands that repeat a
// request. Pure functions of their arguments: no DOM, no clock read here (callers pass now),
// so that node:test checks them without a browser (tests/ui/format.test.mjs).

// "84 ms", "1.2 s", "84 s", "1 min 24 s", "2 h 5 min".
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600), m = Math.floor((totalS % 3600) / 60), rest = totalS % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

// "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 4 s" for a time to come.
export function relative(atMs, nowMs) {
  if (!Number.isFinite(atMs)) return '';
  const delta = nowMs - atMs;
  const ahead = delta < 0;
  const s = Math.round(Math.abs(delta) / 1000);
  if (s < 2) return ahead ? 'now' : 'just now';
  let text;
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400) text = `${Math.floor(s / 3600)} h`;
  else text = `${Math.floor(s / 86400)} d`;
  return ahead ? `in ${text}` : `${text} ago`;
}

// An RFC 3339 time (any precision) as milliseconds since the epoch; NaN when it is none.
export function parseTime(value) {
  if (typeof value !== 'string' || !value) return NaN;
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
}

// "2026-12-04 20:06:08.278" in the browser's time zone: the absolute time beside a relative one.
export function absolute(atMs) {
  if (!Number.isFinite(atMs)) return '';
  const d = new Date(atMs);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:` +
    `${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

// What an event's or a job's status reads as: text always beside its colour.
export const STATUS_TEXT = {
  delivered: 'Delivered',
  retrying: 'Retrying',
  failed: 'Failed',
  refused: 'Refused',
  pending: 'Pending',
  none: 'No receivers',
};
export function statusText(status) { return STATUS_TEXT[status] ?? String(status ?? ''); }

// An answer's errors in one line: "422 Unprocessable Entity: configuration is required"; a
// 2xx is no error (null); an error without a detail reads "503 Service Unavailable".
export function errorText(reply) {
  if (reply.status >= 200 && reply.status < 300) return null;
  const errors = reply.json?.errors;
  if (Array.isArray(errors) && errors.length) {
    return errors.map((e) => {
      const head = [e.status, e.title].filter((x) => x !== undefined && x !== null && x !== '').join(' ');
      return e.detail ? `${head}: ${e.detail}` : head;
    }).join('; ');
  }
  if (reply.status === 0) return 'epmock did not answer (is it running?)';
  return `HTTP ${reply.status}`;
}

// A word a POSIX shell passes through unchanged.
export function shellQuote(text) {
  const s = String(text);
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const BODY_TEXT = (body) => (typeof body === 'string' ? body : JSON.stringify(body));

// A webhook request as the curl command that sends it again, byte for byte in its body.
export function curlFor(request) {
  const parts = ['curl', '-X', request.method ?? 'POST', shellQuote(request.url)];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (/^content-length$/i.test(name)) continue;
    parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  if (request.body !== undefined && request.body !== null) parts.push('--data-raw', shellQuote(BODY_TEXT(request.body)));
  return parts.join(' ');
}

// An SQS delivery as the AWS CLI line that sends the same message; credentials are the
// reader's own (none are written here), the endpoint is the queue's own host.
export function awsSqsFor(request) {
  const queueUrl = request.body?.QueueUrl ?? request.url ?? '';
  let endpoint = '';
  try { endpoint = new URL(queueUrl).origin; } catch { /* not a URL: no endpoint */ }
  const message = request.body?.MessageBody ?? BODY_TEXT(request.message ?? '');
  const parts = ['aws', 'sqs', 'send-message'];
  if (endpoint && !/amazonaws\.com$/.test(new URL(queueUrl).hostname)) parts.push('--endpoint-url', shellQuote(endpoint));
  parts.push('--queue-url', shellQuote(queueUrl), '--message-body', shellQuote(message));
  return parts.join(' ');
}

// The command that repeats what a receiver was sent: curl for a webhook, the AWS CLI for SQS,
// nothing for STOMP (no common command line sends a frame).
export function repeatCommand(request) {
  if (!request) return null;
  if (request.integration_type === 'webhook') return { label: 'Copy as curl', text: curlFor(request) };
  if (request.integration_type === 'aws_sqs') return { label: 'Copy as aws sqs send-message', text: awsSqsFor(request) };
  return null;
}

// A queued SQS message's body as the CloudEvent it carries: {type, id, time, source, event}
// (event: the parsed body), or {event: the text} when it is no JSON object.
export function cloudEventOf(body) {
  let event = body;
  if (typeof body === 'string') {
    try { event = JSON.parse(body); } catch { return { event: body }; }
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) return { event };
  return { type: event.type, id: event.id, time: event.time, source: event.source, event };
}

// Levenshtein distance, for "did you mean" on a mistyped client id (short strings only).
export function editDistance(a, b) {
  if (a.length > 256 || b.length > 256) return Math.abs(a.length - b.length) + 256;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

// The known client id nearest to a typed one, if near enough to be a slip (at most 2 edits,
// and fewer than half its length).
export function nearest(typed, known) {
  let best = null, bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(typed, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best !== null && bestDistance > 0 && bestDistance <= 2 && bestDistance * 2 < Math.max(typed.length, 1) ? best : null;
}

// A delivery fault in words: "fail the first 2 attempts, then duplicate each delivery once,
// for 3 events".
export function describeFault(f) {
  const parts = [];
  if (f.fail_first_attempts) parts.push(`fail the first ${f.fail_first_attempts} attempt${f.fail_first_attempts === 1 ? '' : 's'}`);
  if (f.late_first_attempts) parts.push(`answer late to the first ${f.late_first_attempts} attempt${f.late_first_attempts === 1 ? '' : 's'}`);
  if (f.delay_ms) parts.push(`delay each attempt ${duration(f.delay_ms)}`);
  if (f.duplicate) parts.push(`send each delivery ${f.duplicate} more time${f.duplicate === 1 ? '' : 's'}`);
  if (f.reorder) parts.push(`hold ${f.reorder} deliveries (or ${duration(f.reorder_window_ms ?? 1000)}) and release them newest first`);
  if (f.refuse) parts.push(f.refuse === 'replay' ? `replay each delivery ${duration(f.replay_after_ms ?? 60000)} later` : `send a delivery to refuse: ${f.refuse}`);
  const budget = f.state === 'used' ? 'budget used up' : f.events ? `for ${f.events} more event${f.events === 1 ? '' : 's'}` : 'until removed';
  return `${parts.join(', ') || 'nothing'}; ${budget}`;
}

export function describeApiFault(f) {
  const what = f.reset ? 'reset the connection' : f.status ? `answer ${f.status}` : 'answer normally';
  const late = f.delay_ms ? ` after ${duration(f.delay_ms)}` : '';
  const left = f.state === 'used' ? 'budget used up' : `${f.requests} more request${f.requests === 1 ? '' : 's'}`;
  return `${what}${late} to ${f.method || 'any method'} ${f.path || 'any /v2 path'}; ${left}`;
}
