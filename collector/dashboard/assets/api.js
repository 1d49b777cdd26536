// The collector's HTTP API as seen from the pages: same origin, optional bearer token.
/* global window, fetch, EventSource, URLSearchParams */

// The token comes from the page's own URL (?token=…) so a shared link works as-is;
// it is never stored anywhere else.
const token = new URLSearchParams(window.location.search).get('token');

/** Appends the page's token to a same-origin link (device page links, EventSource). */
export function withToken(path) {
  if (!token) return path;
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}token=${encodeURIComponent(token)}`;
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let detail = '';
    try {
      const j = await res.json();
      detail = j.error ?? j.message ?? JSON.stringify(j);
    } catch {
      detail = res.statusText;
    }
    throw new Error(`${method} ${path}: ${res.status} ${detail}`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  fleet: () => request('GET', '/api/fleet'),
  history: (fleet, device, limit = 120) =>
    request(
      'GET',
      `/api/devices/${encodeURIComponent(fleet)}/${encodeURIComponent(device)}/history?limit=${limit}`,
    ),
  alerts: (limit = 50) => request('GET', `/api/alerts?limit=${limit}`),
  // The list endpoint may answer a bare array or { silences }; accept both.
  silences: async () => {
    const r = await request('GET', '/api/silences');
    return Array.isArray(r) ? r : (r?.silences ?? []);
  },
  rules: () => request('GET', '/api/rules'),
  createSilence: (s) => request('POST', '/api/silences', s),
  deleteSilence: (id) => request('DELETE', `/api/silences/${encodeURIComponent(id)}`),
};

/**
 * Subscribes to /api/events. EventSource reconnects by itself; `onReconnect` runs on every
 * open after the first so the page can re-fetch what it may have missed while disconnected.
 * `onState` receives 'live' | 'reconnecting' for the connection indicator.
 */
export function subscribe({ onDevice, onAlert, onReconnect, onState }) {
  const es = new EventSource(withToken('/api/events'));
  let opened = false;
  es.addEventListener('open', () => {
    onState?.('live');
    if (opened) onReconnect?.();
    opened = true;
  });
  es.addEventListener('error', () => onState?.('reconnecting'));
  const parse = (fn) => (ev) => {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return; // a malformed event must not kill the stream handler
    }
    fn?.(data);
  };
  es.addEventListener('device', parse(onDevice));
  es.addEventListener('alert', parse(onAlert));
  return es;
}

/**
 * A concurrency limiter: `run(fn)` starts fn when fewer than `limit` are in flight. The fleet
 * page seeds 50 sparklines at once; queueing keeps the SSE stream and the API responsive.
 */
export function limiter(limit) {
  let active = 0;
  const queue = [];
  const pump = () => {
    while (active < limit && queue.length) {
      const { fn, resolve, reject } = queue.shift();
      active++;
      Promise.resolve()
        .then(fn)
        .then(resolve, reject)
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  return (fn) =>
    new Promise((resolve, reject) => {
      queue.push({ fn, resolve, reject });
      pump();
    });
}
