// The Trigger tab: fire one event (its data checked against the catalog's schema first), run
// a story, and follow the store's story runs step by step.
import { errorText } from './format.js';
import { badge, el, replace } from './views.js';

let ctx, $;

function triggerData() {
  const text = $('trigger-form').elements.data.value.trim();
  if (!text) return { ok: true, data: undefined };
  try { return { ok: true, data: JSON.parse(text) }; } catch (e) { return { ok: false, error: `The data is not JSON: ${e.message}` }; }
}

async function checkData() {
  const result = $('trigger-result');
  const type = $('trigger-form').elements.type.value.trim();
  if (!type) { result.textContent = 'Choose an event first.'; return false; }
  const parsed = triggerData();
  if (!parsed.ok) { result.textContent = parsed.error; return false; }
  if (parsed.data === undefined) { result.textContent = 'No data: epmock synthesizes a valid resource.'; return true; }
  const reply = await ctx.api.call('POST', `/__admin/catalog/${encodeURIComponent(type)}/validate`, parsed.data);
  if (reply.status !== 200) { result.textContent = errorText(reply); return false; }
  const { valid, violations, resource } = reply.json.data;
  result.textContent = valid ? `Valid ${resource}.` : `Not a valid ${resource}: ${violations.map((v) => `${v.source} ${v.detail}`).join('; ')}`;
  return valid;
}

async function trigger(event) {
  event.preventDefault();
  if (!(await checkData())) return;
  const type = $('trigger-form').elements.type.value.trim();
  const { data } = triggerData();
  const result = $('trigger-result');
  result.textContent = 'Triggering…';
  const reply = await ctx.api.call('POST', '/__admin/events', data === undefined ? { type } : { type, data });
  if (reply.status !== 201) { result.textContent = errorText(reply); return; }
  const jobs = reply.json.data.jobs.length;
  replace(result, `Triggered ${type}: event ${reply.json.data.id}, ${jobs} job${jobs === 1 ? '' : 's'}. `,
    el('a', { href: `#store=${encodeURIComponent(ctx.route.store)}&tab=events&event=${encodeURIComponent(reply.json.data.id)}` }, 'Show it'));
}

async function runStory(name) {
  const reply = await ctx.api.call('POST', `/__admin/stories/${encodeURIComponent(name)}`, {});
  $('trigger-result').textContent = reply.status === 202 ? `Story ${name} started: run ${reply.json.data.id}` : errorText(reply);
  await loadRuns();
}

async function loadRuns() {
  const reply = await ctx.api.call('GET', '/__admin/stories/runs?page[limit]=50');
  const runs = reply.json?.data ?? [];
  replace($('story-runs'), runs.length ? runs.map((r) => el('tr', {},
    el('td', { 'data-label': 'Run' }, el('code', {}, r.id.slice(0, 8))),
    el('td', { 'data-label': 'Story' }, r.story),
    el('td', { 'data-label': 'State' }, badge(runState(r.state), r.state)),
    el('td', { 'data-label': 'Events' }, `${(r.events ?? []).filter((e) => e.event_id).length}/${(r.events ?? []).length} fired`),
    el('td', { 'data-label': 'Actions', class: 'actions' },
      el('button', { type: 'button', onclick: () => showRun(r.id) }, 'Steps'),
      el('a', { href: `#store=${encodeURIComponent(ctx.route.store)}&tab=events&story_run=${encodeURIComponent(r.id)}` }, 'Its events'))))
    : el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No story has run in this store.')));
}

function runState(state) {
  return state === 'delivered' ? 'delivered' : state === 'running' ? 'pending' : state === 'failed' ? 'failed' : 'none';
}

async function showRun(id) {
  const article = $('story-run');
  const reply = await ctx.api.call('GET', `/__admin/stories/runs/${encodeURIComponent(id)}`);
  article.hidden = false;
  if (reply.status !== 200) { replace(article, el('p', { class: 'error' }, errorText(reply))); return; }
  const run = reply.json.data;
  replace(article,
    el('h3', {}, `${run.story} `, badge(runState(run.state), run.state)),
    run.error ? el('p', { class: 'error' }, run.error) : null,
    el('ol', {}, (run.events ?? []).map((e) => el('li', {},
      `${e.type}${e.subject ? ` (${e.subject})` : ''}: `,
      e.event_id ? el('a', { href: `#store=${encodeURIComponent(ctx.route.store)}&tab=events&event=${encodeURIComponent(e.event_id)}` }, e.event_id.slice(0, 8))
        : 'not fired yet',
      e.job_ids?.length ? ` · ${e.jobs_succeeded}/${e.job_ids.length} delivered, ${e.jobs_ended} ended` : ''))));
  article.focus?.();
}

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
    $('trigger-form').addEventListener('submit', trigger);
    $('trigger-check').addEventListener('click', checkData);
  },
  async show() {
    const stories = await ctx.api.call('GET', '/__admin/stories');
    replace($('stories'), (stories.json?.data ?? []).map((s) => el('li', {},
      el('button', { type: 'button', onclick: () => runStory(s.name) }, `Run ${s.name}`),
      ` ${(s.steps ?? []).map((step) => step.event).join(' → ')}`)));
    await loadRuns();
  },
};
