// The Stores tab: every store and organization the server has seen since it started.
import { el, replace } from './views.js';

let ctx, $;

export default {
  init(context) {
    ctx = context;
    $ = ctx.$;
  },
  async show() {
    const all = await ctx.loadKnown();
    replace($('stores'), all.length ? all.map((s) => el('tr', { class: s.client_id === ctx.route.store ? 'selected' : null },
      el('td', { 'data-label': 'Client id' }, s.client_id),
      el('td', { 'data-label': 'Kind' }, s.kind),
      el('td', { 'data-label': 'Integrations' }, String(s.integrations)),
      el('td', { 'data-label': 'Events' }, String(s.events)),
      el('td', { 'data-label': 'Actions' }, s.client_id === ctx.route.store ? 'open'
        : el('button', { type: 'button', onclick: () => ctx.openStore(s.client_id, { confirmed: true }) }, `Open ${s.client_id}`))))
      : el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No store yet.')));
  },
};
