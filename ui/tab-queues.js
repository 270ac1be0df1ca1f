// The Queues & sinks tab: the embedded SQS queues (created, purged, browsed a page at a time
// as the CloudEvents they carry), the STOMP destinations, and the webhook sinks: what each
// received, when, for which event, what it answered, and the answer it gives next.
import { absolute, cloudEventOf, errorText, parseTime, relative } from './format.js';
import { codeBlock, el, replace, when } from './views.js';

const PAGE = 10;
let ctx, $;

function pager(offset, total, go) {
  return el('div', { class: 'pager' },
    el('button', { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - PAGE)) }, 'Previous'),
    el('span', {}, total ? `${offset + 1}–${Math.min(total, offset + PAGE)} of ${total}` : 'empty'),
    el('button', { type: 'button', disabled: offset + PAGE >= total, onclick: () => go(offset + PAGE) }, 'Next'));
}

// A message headed by its CloudEvent's type, id and time, its body folded.
function message(m, extra) {
  const ce = cloudEventOf(m.body);
  // The platform's CloudEvents carry no time: the queue's SentTimestamp says when it came.
  const at = parseTime(ce.time ?? m.sent_at);
  return el('article', { class: 'message' },
    el('h4', {}, ce.type ?? 'not a CloudEvent', ' ', el('code', { class: 'id' }, String(ce.id ?? m.message_id ?? '').slice(0, 36))),
    el('p', { class: 'muted' }, Number.isFinite(at) ? when(at, ctx.now(), absolute(at), `${absolute(at)} (${relative(at, ctx.now())})`) : null,
      extra ? ` · ${extra}` : ''),
    el('details', {}, el('summary', {}, 'The message'), codeBlock('message', ce.event, `m-${m.message_id}`)));
}

async function showQueue(name, offset = 0) {
  const target = $('sqs');
  target.setAttribute('aria-busy', 'true');
  const reply = await ctx.api.call('GET', `/__admin/sqs/queues/${encodeURIComponent(name)}?page[limit]=${PAGE}&page[offset]=${offset}`);
  target.setAttribute('aria-busy', 'false');
  if (reply.status !== 200) { replace(target, el('p', { class: 'error' }, errorText(reply))); return; }
  const total = reply.json.meta.page.total ?? 0;
  replace(target,
    el('h3', {}, `Queue ${name}`),
    el('p', { class: 'muted' }, 'URL: ', el('code', {}, reply.json.meta.queue_url)),
    reply.json.data.length ? reply.json.data.map((m) => message(m, `received ${m.receive_count} time${m.receive_count === 1 ? '' : 's'}`))
      : el('p', { class: 'hint' }, 'No message on the queue.'),
    pager(offset, total, (next) => showQueue(name, next)));
  ctx.go({ queue: name }, { render: false });
}

async function showDestination(name, offset = 0) {
  const target = $('stomp');
  const reply = await ctx.api.call('GET', `/__admin/stomp/messages?destination=${encodeURIComponent(name)}&page[limit]=${PAGE}&page[offset]=${offset}`);
  if (reply.status !== 200) { replace(target, el('p', { class: 'error' }, errorText(reply))); return; }
  replace(target, el('h3', {}, `Destination ${name}`),
    reply.json.data.length ? reply.json.data.map((m) => message(m, m.headers?.['message-id'] ? `message-id ${m.headers['message-id']}` : ''))
      : el('p', { class: 'hint' }, 'Nothing passed through it.'),
    pager(offset, reply.json.meta.page.total ?? 0, (next) => showDestination(name, next)));
}

async function showSink(name, offset = 0) {
  const target = $('sink');
  const reply = await ctx.api.call('GET', `/__admin/sinks/webhook/${encodeURIComponent(name)}?page[limit]=${PAGE}&page[offset]=${offset}`);
  if (reply.status !== 200) { replace(target, el('p', { class: 'error' }, errorText(reply))); return; }
  const total = reply.json.meta.page.total ?? 0;
  const form = el('form', { class: 'row', 'aria-label': `Set the answer of sink ${name}`,
    onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target;
      const answer = { status: Number(f.elements.status.value), delay_ms: Number(f.elements.delay_ms.value || 0), body: f.elements.body.value };
      const put = await ctx.api.call('PUT', `/__admin/sinks/webhook/${encodeURIComponent(name)}`, { responses: [answer] });
      f.querySelector('.error').textContent = errorText(put) ?? '';
      if (!errorText(put)) ctx.say(`Sink ${name} now answers ${answer.status}`);
      await loadSinks();
    } },
  el('label', {}, 'Answer with status', el('input', { name: 'status', type: 'number', min: 100, max: 599, value: 500, required: true })),
  el('label', {}, 'Body', el('input', { name: 'body', maxlength: 4096 })),
  el('label', {}, 'Delay (ms)', el('input', { name: 'delay_ms', type: 'number', min: 0, max: 600000, value: 0 })),
  el('button', { type: 'submit' }, 'Set answer'),
  el('button', { type: 'button', onclick: async () => {
    await ctx.api.call('DELETE', `/__admin/sinks/webhook/${encodeURIComponent(name)}`);
    ctx.say(`Sink ${name} cleared: it answers 200 again`);
    await loadSinks();
    await showSink(name);
  } }, 'Clear requests and answers'),
  el('p', { class: 'error', role: 'alert' }));
  replace(target, el('h3', {}, `Sink ${name}`), el('p', { class: 'muted' }, 'URL: ', el('code', {}, reply.json.meta.url)), form,
    el('table', { class: 'list', 'aria-label': `Requests to sink ${name}` },
      el('thead', {}, el('tr', {}, el('th', {}, 'Time'), el('th', {}, 'Event'), el('th', {}, 'Answered'), el('th', {}, 'Request'))),
      el('tbody', {}, reply.json.data.length ? reply.json.data.map((r, i) => {
        const at = parseTime(r.received_at);
        const answered = r.answer?.status;
        return el('tr', {},
          el('td', { 'data-label': 'Time' }, when(at, ctx.now(), absolute(at), relative(at, ctx.now()))),
          el('td', { 'data-label': 'Event' }, r.event_type ?? `${r.method} ${r.path}`, r.event_id ? el('code', { class: 'id' }, ` ${r.event_id.slice(0, 8)}`) : null),
          el('td', { 'data-label': 'Answered' }, answered ? el('span', { class: `status st-${answered >= 300 ? 'failed' : 'delivered'}` }, String(answered)) : ''),
          el('td', { 'data-label': 'Request' }, el('details', {}, el('summary', {}, `${r.method} ${r.path}`),
            codeBlock('headers', r.headers ?? {}, `sink-h-${offset + i}`), codeBlock('body', r.body, `sink-b-${offset + i}`))));
      }) : el('tr', {}, el('td', { colspan: 4, class: 'hint' }, 'No request yet.')))),
    pager(offset, total, (next) => showSink(name, next)));
  ctx.go({ sink: name }, { render: false });
}

async function loadSinks() {
  const reply = await ctx.api.call('GET', '/__admin/sinks');
  const sinks = reply.json?.data ?? [];
  replace($('sink-list'), sinks.length ? sinks.map((s) => {
    const at = parseTime(s.last_received_at);
    return el('tr', {},
      el('td', { 'data-label': 'Sink' }, el('button', { type: 'button', class: 'link', onclick: () => showSink(s.name) }, s.name)),
      el('td', { 'data-label': 'Requests' }, String(s.requests)),
      el('td', { 'data-label': 'Last received' }, Number.isFinite(at) ? when(at, ctx.now(), absolute(at), relative(at, ctx.now())) : 'never'),
      el('td', { 'data-label': 'Answers' }, s.responses.length ? s.responses.map((r) => `${r.status}${r.delay_ms ? ` after ${r.delay_ms} ms` : ''}`).join(', ') +
        (s.responses_from === 'server' ? ' (server-wide)' : '') : '200 (default)'));
  }) : el('tr', {}, el('td', { colspan: 4, class: 'hint' }, 'No sink has received anything yet: point a webhook at /__sink/webhook/NAME.')));
}

async function loadQueues() {
  const [queues, destinations] = await Promise.all([ctx.api.call('GET', '/__admin/sqs/queues'), ctx.api.call('GET', '/__admin/stomp/destinations')]);
  const noSqs = queues.status !== 200;
  $('queue-create').hidden = noSqs;
  replace($('sqs-list'), noSqs ? el('tr', {}, el('td', { colspan: 6, class: 'hint' }, 'No embedded SQS endpoint runs (start with --sqs-port).'))
    : queues.json.data.length ? queues.json.data.map((q) => el('tr', {},
      el('td', { 'data-label': 'Queue' }, el('button', { type: 'button', class: 'link', onclick: () => showQueue(q.name) }, q.name)),
      el('td', { 'data-label': 'Visible' }, String(q.visible)), el('td', { 'data-label': 'In flight' }, String(q.in_flight)),
      el('td', { 'data-label': 'Delayed' }, String(q.delayed)), el('td', { 'data-label': 'Dead-letter target' }, q.dead_letter_target ?? '—'),
      el('td', { 'data-label': 'Actions' }, el('button', { type: 'button', onclick: async () => {
        if (!confirm(`Delete every message of ${q.name}?`)) return;
        const reply = await ctx.api.call('DELETE', `/__admin/sqs/queues/${encodeURIComponent(q.name)}/messages`);
        ctx.say(errorText(reply) ?? `Queue ${q.name} purged`, Boolean(errorText(reply)));
        await loadQueues();
      } }, 'Purge'))))
      : el('tr', {}, el('td', { colspan: 6, class: 'hint' }, 'No queue yet: create one above.')));
  replace($('stomp-list'), destinations.status !== 200 ? el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No embedded STOMP broker runs (start with --stomp-port).'))
    : destinations.json.data.length ? destinations.json.data.map((d) => el('tr', {},
      el('td', { 'data-label': 'Destination' }, el('button', { type: 'button', class: 'link', onclick: () => showDestination(d.name) }, d.name)),
      el('td', { 'data-label': 'Sent' }, String(d.sent)), el('td', { 'data-label': 'Pending' }, String(d.pending)),
      el('td', { 'data-label': 'Subscribers' }, String(d.subscribers)), el('td', { 'data-label': 'Unacknowledged' }, String(d.unacknowledged))))
      : el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'Nothing was sent to the broker yet.')));
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    $('queue-create').addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = e.target.elements.name.value.trim();
      const reply = await ctx.api.call('PUT', `/__admin/sqs/queues/${encodeURIComponent(name)}`);
      ctx.say(errorText(reply) ?? `Queue ${name} created: ${reply.json.data?.queue_url ?? reply.json.meta?.queue_url ?? ''}`, Boolean(errorText(reply)));
      e.target.reset();
      await loadQueues();
    });
  },
  async show() {
    await Promise.all([loadQueues(), loadSinks()]);
    if (ctx.route.queue && !$('sqs').childElementCount) showQueue(ctx.route.queue);
    if (ctx.route.sink && !$('sink').childElementCount) showSink(ctx.route.sink);
  },
  reset() { for (const id of ['sqs', 'stomp', 'sink']) $(id)?.replaceChildren(); },
};
