// The Integrations tab: the store's integrations, and a form that creates or edits one with
// its configuration field by field. An edit never sends a masked secret back: an unchanged
// configuration is left out of the PUT, and a changed one asks for its secrets again.
import { errorText } from './format.js';
import { CONFIG_FIELDS, configurationForEdit, defaultConfiguration } from './state.js';
import { el, replace } from './views.js';

let ctx, $;
let editing = null;  // the integration as GET showed it, while the form edits it
let formReady = false;

function render() {
  const rows = [...ctx.integrations.values()].map((i) => el('tr', { 'data-integration': i.id },
    el('td', { 'data-label': 'Name' }, i.name ?? ''),
    el('td', { 'data-label': 'Type' }, i.integration_type),
    el('td', { 'data-label': 'Enabled' }, el('input', { type: 'checkbox', 'aria-label': `Enabled: ${i.name}`, checked: i.enabled === true,
      onchange: (e) => update(i.id, { enabled: e.target.checked }) })),
    el('td', { 'data-label': 'Observes' }, (i.observes ?? []).join(', ')),
    el('td', { 'data-label': 'Configuration' }, el('code', {}, JSON.stringify(i.configuration ?? {}))),
    el('td', { 'data-label': 'Actions', class: 'actions' },
      el('button', { type: 'button', onclick: () => edit(i) }, 'Edit'),
      el('a', { href: `#store=${encodeURIComponent(ctx.route.store)}&tab=events&integration_id=${encodeURIComponent(i.id)}` }, 'Its events'),
      el('button', { type: 'button', onclick: () => remove(i) }, 'Delete'))));
  replace($('integrations'), rows.length ? rows : el('tr', {}, el('td', { colspan: 6, class: 'hint' }, 'No integrations.')));
}

function configFields(type, values, secretsBlank) {
  const fields = CONFIG_FIELDS[type] ?? [];
  replace($('config-fields'), el('legend', {}, 'Configuration'), fields.map((f) => {
    const stored = values?.[f.name];
    const value = f.list ? (stored ?? []).join(', ') : (stored ?? '');
    return el('label', {}, f.label + (f.optional ? ' (optional)' : ''),
      el('input', { name: `config.${f.name}`, type: f.secret ? 'password' : 'text', autocomplete: 'off', maxlength: 2048,
        value: f.secret && secretsBlank ? '' : value,
        placeholder: f.secret && secretsBlank ? `unchanged (stored as ${stored ?? '…'})` : '' }));
  }));
}

function observesList(selected) {
  const filter = $('observes-filter').value.trim().toLowerCase();
  const chosen = new Set(selected);
  const keys = ctx.catalog.map((e) => e.key);
  for (const key of chosen) if (!keys.includes(key)) keys.push(key);
  replace($('observes-list'), keys.filter((k) => chosen.has(k) || !filter || k.includes(filter)).map((key) =>
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'observes', value: key, checked: chosen.has(key) }), key)));
}

function chosenObserves() {
  return [...$('integration-form').querySelectorAll('input[name="observes"]:checked')].map((c) => c.value);
}

function resetForm() {
  const form = $('integration-form');
  form.reset();
  editing = null;
  form.elements.id.value = '';
  configFields('webhook', defaultConfiguration('webhook', ctx.server), false);
  observesList([]);
  $('integration-form-title').textContent = 'New integration';
  $('integration-error').textContent = '';
  $('config-note').textContent = 'New integrations point at epmock’s own sink, queue or broker until you change them.';
}

function edit(i) {
  const form = $('integration-form');
  editing = i;
  form.elements.id.value = i.id;
  form.elements.name.value = i.name ?? '';
  form.elements.integration_type.value = i.integration_type;
  form.elements.enabled.checked = i.enabled === true;
  configFields(i.integration_type, i.configuration, true);
  observesList(i.observes ?? []);
  $('integration-form-title').textContent = `Edit ${i.name ?? i.id}`;
  $('integration-error').textContent = '';
  $('config-note').textContent = (CONFIG_FIELDS[i.integration_type] ?? []).some((f) => f.secret)
    ? 'The API shows secrets masked: leave them blank to keep the stored ones. Change another configuration field and they must be given again, since the API replaces the configuration whole.'
    : '';
  form.elements.name.focus();
}

function givenConfiguration(type) {
  const form = $('integration-form');
  const out = {};
  for (const f of CONFIG_FIELDS[type] ?? []) {
    const raw = form.elements[`config.${f.name}`]?.value.trim() ?? '';
    out[f.name] = f.list ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
    if (f.optional && raw === '') delete out[f.name];
  }
  return out;
}

async function update(id, fields) {
  const reply = await ctx.api.call('PUT', `/v2/integrations/${id}`, { data: { type: 'integration', ...fields } });
  const error = errorText(reply);
  if (error) ctx.say(error, true);
  await ctx.loadIntegrations();
  render();
}

async function remove(i) {
  if (!confirm(`Delete ${i.name ?? i.id}?`)) return;
  const reply = await ctx.api.call('DELETE', `/v2/integrations/${i.id}`);
  const error = errorText(reply);
  if (error) ctx.say(error, true); else ctx.say(`Deleted ${i.name ?? i.id}`);
  await ctx.loadIntegrations();
  render();
}

// An SQS integration aimed at epmock's own endpoint needs its queue: made here when missing.
async function ensureOwnQueue(configuration) {
  const own = ctx.server.sqs_url;
  if (!own || typeof configuration.url !== 'string' || !configuration.url.startsWith(`${own}/`)) return null;
  const name = configuration.url.split('/').pop();
  const queues = await ctx.api.call('GET', '/__admin/sqs/queues');
  if (queues.status !== 200 || queues.json.data.some((q) => q.name === name)) return null;
  const created = await ctx.api.call('PUT', `/__admin/sqs/queues/${encodeURIComponent(name)}`);
  return created.status === 201 ? `created queue ${name} on epmock’s SQS endpoint` : null;
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  const type = form.elements.integration_type.value;
  const observes = chosenObserves();
  const error = $('integration-error');
  error.textContent = '';
  if (!form.elements.name.value.trim()) { error.textContent = 'Give the integration a name.'; form.elements.name.focus(); return; }
  if (!observes.length) { error.textContent = 'Choose at least one event it observes.'; $('observes-filter').focus(); return; }
  const data = { type: 'integration', name: form.elements.name.value.trim(), integration_type: type,
    enabled: form.elements.enabled.checked, observes };
  const id = form.elements.id.value;
  const given = givenConfiguration(type);
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (id && editing && editing.integration_type === type) {
    const decided = configurationForEdit(type, editing.configuration, given);
    if (decided.missing) {
      error.textContent = `Give ${decided.missing.join(' and ')} again: the configuration changed, the API replaces it whole, and the page knows the stored secrets only masked.`;
      for (const name of decided.missing) form.elements[`config.${name}`]?.setAttribute('aria-invalid', 'true');
      form.elements[`config.${decided.missing[0]}`]?.focus();
      return;
    }
    if (decided.configuration) data.configuration = decided.configuration;
  } else {
    data.configuration = given;
  }
  const note = data.configuration && type === 'aws_sqs' ? await ensureOwnQueue(data.configuration) : null;
  const reply = id ? await ctx.api.call('PUT', `/v2/integrations/${id}`, { data }) : await ctx.api.call('POST', '/v2/integrations', { data });
  const problem = errorText(reply);
  if (problem) { error.textContent = problem; return; }
  ctx.say(`${id ? 'Integration saved' : 'Integration created'}${note ? `; ${note}` : ''}`);
  resetForm();
  await ctx.loadIntegrations();
  render();
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    const form = $('integration-form');
    form.addEventListener('submit', save);
    form.elements.integration_type.addEventListener('change', (e) => {
      const type = e.target.value;
      const keep = editing && editing.integration_type === type;
      configFields(type, keep ? editing.configuration : defaultConfiguration(type, ctx.server), keep);
    });
    $('observes-filter').addEventListener('input', () => observesList(chosenObserves()));
    $('integration-cancel').addEventListener('click', resetForm);
  },
  reset() { editing = null; formReady = false; $('integrations').replaceChildren(); },
  async show() {
    const reply = await ctx.loadIntegrations();
    const error = errorText(reply);
    if (error) ctx.say(error, true);
    render();
    if (!formReady) { resetForm(); formReady = true; }
  },
};
