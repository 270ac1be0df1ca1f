// The server's clock in the header (docs/CLOCK.md): always shown (its mode from the health
// route; its time once a store is open, since reading it takes a store's token), and on a
// virtual clock the buttons that move it. One clock for every store: moving it moves all.
import { el, replace } from './views.js';

const STEPS = [
  ['+1 min', 60 * 1000],
  ['+1 h', 3600 * 1000],
  ['+1 day', 24 * 3600 * 1000],
];

export function createClock(ctx) {
  const box = ctx.$('clock');
  let state = null;  // the last reading of GET /__admin/clock
  let busy = false;

  // What "now" is for the page's relative times ("3 s ago") and its chart: the server's
  // clock, which on a virtual one is not the browser's.
  function learn(reading) {
    state = reading;
    const readAt = Date.now();
    ctx.now = state.mode !== 'virtual' ? () => Date.now()
      : state.running ? () => state.now_ms + (Date.now() - readAt) : () => state.now_ms;
  }

  function render() {
    const mode = state?.mode ?? ctx.server.clock;
    if (!mode) return replace(box);
    const parts = [el('span', { class: 'clock-mode' }, mode === 'virtual' ? 'Virtual clock' : 'Real clock')];
    if (state) {
      parts.push(' ', el('time', { datetime: state.now }, state.now.replace('T', ' ').replace('.000Z', 'Z')));
      if (mode === 'virtual') parts.push(' ', el('span', { class: 'hint' }, state.running ? '(running)' : '(stands still)'));
      if (state.next_due) parts.push(' ', el('span', { class: 'hint' }, `next due ${state.next_due.slice(11, 19)}`));
    }
    if (mode === 'virtual' && ctx.api.token) {
      const moves = STEPS.map(([label, ms]) =>
        el('button', { type: 'button', disabled: busy, 'aria-label': `Advance the clock ${label.slice(1)}`,
          onclick: () => move('/__admin/clock/advance', { by_ms: ms }) }, label));
      moves.push(el('button', { type: 'button', disabled: busy,
        onclick: () => move('/__admin/clock/run-until-idle', {}) }, 'Run until idle'));
      moves.push(el('button', { type: 'button', disabled: busy,
        onclick: () => move('/__admin/clock', { running: !state?.running }) }, state?.running ? 'Freeze' : 'Resume'));
      parts.push(el('span', { class: 'clock-moves', role: 'group', 'aria-label': 'Move the clock' }, moves));
    }
    replace(box, parts);
  }

  async function read() {
    if (!ctx.api.token) return render();
    const reply = await ctx.api.call('GET', '/__admin/clock');
    if (reply.status === 200) learn(reply.json.data);
    render();
  }

  async function move(path, body) {
    busy = true;
    render();
    const reply = await ctx.api.call('POST', path, body);
    busy = false;
    if (reply.status === 200) {
      learn(reply.json.data);
      ctx.say(`The clock is at ${state.now}`);
      ctx.go({});  // the open tab again: its times and what the clock ran
    } else {
      ctx.say(String(reply.json?.errors?.[0]?.detail ?? `the clock did not move: ${reply.status}`), true);
      await read();
      return;
    }
    render();
  }

  return { read, render };
}
