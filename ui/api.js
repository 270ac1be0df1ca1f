// The dashboard's only way to epmock: the same API any client uses (a client_credentials
// token for the chosen client id, the /v2 and /__admin routes), and the store's live stream.

// A server with an admin token answers 401 until this browser has signed in: to the form.
export function signInIfAsked(status, json) {
  if (status === 401 && String(json?.errors?.[0]?.detail ?? '').includes('admin token')) window.location.assign('login');
}

export class Api {
  constructor() {
    this.clientId = '';
    this.token = '';
  }

  // Gets a token for the client id, as any client would.
  async open(clientId) {
    const response = await fetch('/oauth/access_token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Epmock-Origin': 'dashboard' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'dashboard' }),
    });
    const body = await response.json();
    if (!response.ok || !body.access_token) throw new Error(`no token for ${clientId}: ${response.status}`);
    this.clientId = clientId;
    this.token = body.access_token;
  }

  // {status, json}; json is null for an empty answer.
  async call(method, path, body) {
    // Marked as the page's own, so that the journal can show them apart (hidden by default).
    const headers = { Authorization: `Bearer ${this.token}`, 'X-Epmock-Origin': 'dashboard' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      return { status: 0, json: null };
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = { text }; }
    signInIfAsked(response.status, json);
    return { status: response.status, json };
  }

  // The store's live stream: onEvent(event), onLog(log), onRequest(record). Falls back to
  // polling the admin lists when EventSource is missing or the server refuses a stream.
  follow(handlers, cursors) {
    this.stop();
    const query = new URLSearchParams({ client_id: this.clientId });
    for (const [name, value] of Object.entries(cursors)) if (value) query.set(name, value);
    const live = { stopped: false };
    this.live = live;
    const poll = async () => {
      // Polling: the newest of each list, handed over like streamed ones (handlers skip repeats).
      while (!live.stopped) {
        const [events, logs, requests] = await Promise.all([
          this.call('GET', '/__admin/events?page[limit]=25'),
          this.call('GET', '/__admin/deliveries?page[limit]=100'),
          this.call('GET', '/__admin/requests?page[limit]=100'),
        ]);
        if (live.stopped) return;
        for (const e of (events.json?.data ?? []).slice().reverse()) handlers.onEvent(e);
        for (const l of (logs.json?.data ?? []).slice().reverse()) handlers.onLog(l);
        for (const r of requests.json?.data ?? []) handlers.onRequest(r);
        handlers.onMode('polling');
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    if (typeof EventSource !== 'function') { poll(); return; }
    const source = new EventSource(`/__admin/stream?${query}`);
    live.source = source;
    let opened = false;
    source.addEventListener('open', () => { opened = true; handlers.onMode('live'); });
    source.addEventListener('event', (m) => handlers.onEvent(JSON.parse(m.data)));
    source.addEventListener('log', (m) => handlers.onLog(JSON.parse(m.data)));
    source.addEventListener('request', (m) => handlers.onRequest(JSON.parse(m.data)));
    source.addEventListener('error', () => {
      // Refused (too many streams) or never opened: poll instead. A dropped stream reconnects.
      if (!opened || source.readyState === EventSource.CLOSED) {
        source.close();
        if (!live.stopped && !live.polling) { live.polling = true; poll(); }
      } else {
        handlers.onMode('reconnecting');
      }
    });
  }

  stop() {
    if (this.live) {
      this.live.stopped = true;
      this.live.source?.close();
    }
  }
}
