// The Faults tab: every delivery fault and API fault the admin API has, scoped to the store
// or one integration, described in words; the used ones stay listed as used.
import { absolute, describeApiFault, describeFault, errorText, parseTime } from './format.js';
import { el, replace } from './views.js';

let ctx, $;

function scopeOf(f) {
  return f.integration_id ? `${ctx.integrationName(f.integration_id)} only` : 'every integration';
}

function item(f, kind) {
  const used = f.state === 'used';
  const path = kind === 'api' ? '/__admin/api-faults' : '/__admin/faults';
  return el('li', { class: used ? 'used' : null, [kind === 'api' ? 'data-api-fault' : 'data-fault']: f.id },
    el('span', { class: `status st-${used ? 'none' : 'pending'}` }, used ? 'Used' : 'Active'), ' ',
    kind === 'api' ? describeApiFault(f) : `${scopeOf(f)}: ${describeFault(f)}`,
    used ? el('span', { class: 'muted' }, ` (used up ${absolute(parseTime(f.used_up_at))})`) : ' ',
    used ? null : el('button', { type: 'button', onclick: async () => { await ctx.api.call('DELETE', `${path}/${f.id}`); load(); } }, 'Remove'));
}

async function load() {
  const [faults, apiFaults] = await Promise.all([ctx.api.call('GET', '/__admin/faults?state=all'), ctx.api.call('GET', '/__admin/api-faults?state=all')]);
  const list = (reply, kind, empty) => {
    if (reply.status !== 200) return el('li', { class: 'error' }, errorText(reply));
    const data = reply.json.data;
    return data.length ? data.map((f) => item(f, kind)) : el('li', { class: 'hint' }, empty);
  };
  replace($('faults'), list(faults, 'delivery', 'No delivery fault: deliveries go as the platform sends them.'));
  replace($('api-faults'), list(apiFaults, 'api', 'No API fault: the API answers normally.'));
}

const number = (form, name) => Number(form.elements[name].value || 0);

async function addFault(event) {
  event.preventDefault();
  const form = event.target;
  // Only what was asked for: a field left at its neutral value is not sent.
  const body = {};
  if (form.elements.integration_id.value) body.integration_id = form.elements.integration_id.value;
  for (const name of ['fail_first_attempts', 'late_first_attempts', 'delay_ms', 'duplicate', 'reorder']) if (number(form, name)) body[name] = number(form, name);
  if (body.reorder && number(form, 'reorder_window_ms') !== 1000) body.reorder_window_ms = number(form, 'reorder_window_ms');
  if (form.elements.refuse.value) body.refuse = form.elements.refuse.value;
  if (body.refuse === 'replay' && number(form, 'replay_after_ms') !== 60000) body.replay_after_ms = number(form, 'replay_after_ms');
  body.events = number(form, 'events');
  const reply = await ctx.api.call('POST', '/__admin/faults', body);
  $('fault-error').textContent = reply.status === 201 ? '' : errorText(reply);
  // Added: the form starts again from nothing, so that the next fault is not this one again.
  if (reply.status === 201) { ctx.say('Delivery fault added'); form.reset(); }
  await load();
}

async function addApiFault(event) {
  event.preventDefault();
  const form = event.target;
  const body = { requests: number(form, 'requests') };
  if (form.elements.reset_connection.checked) body.reset = true;
  else if (number(form, 'status')) body.status = number(form, 'status');
  if (number(form, 'delay_ms')) body.delay_ms = number(form, 'delay_ms');
  if (form.elements.method.value) body.method = form.elements.method.value;
  if (form.elements.path.value.trim()) body.path = form.elements.path.value.trim();
  const reply = await ctx.api.call('POST', '/__admin/api-faults', body);
  $('api-fault-error').textContent = reply.status === 201 ? '' : errorText(reply);
  if (reply.status === 201) { ctx.say('API fault added'); form.reset(); }
  await load();
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    $('fault-form').addEventListener('submit', addFault);
    $('api-fault-form').addEventListener('submit', addApiFault);
    $('faults-clear').addEventListener('click', async () => { await ctx.api.call('DELETE', '/__admin/faults'); load(); });
    $('api-faults-clear').addEventListener('click', async () => { await ctx.api.call('DELETE', '/__admin/api-faults'); load(); });
  },
  async show() {
    const select = $('fault-form').elements.integration_id;
    const chosen = select.value;
    replace(select, el('option', { value: '' }, 'every integration of the store'),
      [...ctx.integrations.values()].map((i) => el('option', { value: i.id }, `${i.name || i.id} (${i.integration_type})`)));
    select.value = ctx.integrations.has(chosen) ? chosen : '';
    await load();
  },
};
