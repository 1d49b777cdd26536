// A stand-in for the collector's HTTP side: serves the dashboard's static files and canned API
// state that a test can mutate and push over SSE. Used to develop the pages and to check
// behaviours the real collector cannot easily be driven into (50 devices, token passing).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

const ROOT = new URL('../../', import.meta.url).pathname;
export const DASHBOARD_DIR = join(ROOT, 'collector/dashboard');
const UPLOT_DIR = join(ROOT, 'node_modules/uplot/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

export interface FixtureDevice {
  fleet: string;
  device: string;
  online: boolean;
  status: 'ok' | 'pending' | 'firing' | 'silent' | 'unknown';
  band: { measure: string; low: number; center: number; high: number; source?: string } | null;
  band_value: number | null;
  last_seen: number | null;
  window_end: number | null;
  boot: string | null;
  seq: number | null;
  alerts: {
    rule: string;
    state: string;
    since: number;
    value: number | null;
    reason: string;
    silenced?: { id: string; until: number; comment: string } | null;
  }[];
  forecast: { slope_per_hour: number | null; eta_s: number | null };
  held?: { rule: string; level: number }[];
  rebaselines?: { at: number; reason: string; shift: Record<string, number> }[];
  /** what the latest metrics say (collector/last-metrics.ts LatestFacts) */
  phase?: 'warmup' | 'live' | null;
  warmup?: { windows: number; of: number } | null;
  notes?: Record<string, string>;
}

export interface FixtureState {
  devices: FixtureDevice[];
  alerts: Record<string, unknown>[];
  silences: {
    id: string;
    matchers: Record<string, string>;
    starts_at: number;
    ends_at: number;
    comment?: string;
  }[];
  /** device key → history points */
  history: Map<string, Record<string, unknown>[]>;
  /** Authorization values seen per path, to check token passing */
  auth: { path: string; auth: string | undefined }[];
}

export interface Fixture {
  url: string;
  state: FixtureState;
  pushDevice(d: FixtureDevice): void;
  pushAlert(a: Record<string, unknown>): void;
  /** ends every open event stream, as a collector restart or a proxy timeout would */
  dropStreams(): void;
  close(): Promise<void>;
}

/** Serves `/`, `/*.html`, `/assets/*` and `/vendor/uplot.*` like the collector does. */
export async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  let file: string | null = null;
  if (path === '/') file = join(DASHBOARD_DIR, 'index.html');
  else if (path === '/vendor/uplot.iife.min.js') file = join(UPLOT_DIR, 'uPlot.iife.min.js');
  else if (path === '/vendor/uplot.min.css') file = join(UPLOT_DIR, 'uPlot.min.css');
  else if (/^\/(assets\/)?[\w.-]+\.(html|js|css|png)$/.test(path)) {
    file = normalize(join(DASHBOARD_DIR, path));
  }
  if (!file) return false;
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
  return true;
}

export function fixtureDevice(
  fleet: string,
  device: string,
  over: Partial<FixtureDevice> = {},
): FixtureDevice {
  const now = Date.now();
  return {
    fleet,
    device,
    online: true,
    status: 'ok',
    band: { measure: 'tc', low: 0.8, center: 1.2, high: 1.6, source: 'model' },
    band_value: 1.1,
    last_seen: now,
    window_end: now,
    boot: 'b1',
    seq: 1,
    alerts: [],
    forecast: { slope_per_hour: 0, eta_s: null },
    ...over,
  };
}

export async function startFixture(init: Partial<FixtureState> = {}): Promise<Fixture> {
  const state: FixtureState = {
    devices: [],
    alerts: [],
    silences: [],
    history: new Map(),
    auth: [],
    ...init,
  };
  const streams = new Set<ServerResponse>();
  let nextId = 1;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      if (p.startsWith('/api/')) {
        state.auth.push({
          path: p,
          auth: req.headers.authorization ?? url.searchParams.get('token') ?? undefined,
        });
      }
      if (await serveStatic(req, res)) return;
      if (p === '/api/fleet')
        return json(res, 200, { generated_at: Date.now(), devices: state.devices });
      const hist = /^\/api\/devices\/([^/]+)\/([^/]+)\/history$/.exec(p);
      if (hist) {
        const key = `${decodeURIComponent(hist[1]!)}/${decodeURIComponent(hist[2]!)}`;
        return json(res, 200, { points: state.history.get(key) ?? [] });
      }
      if (p === '/api/alerts') return json(res, 200, { alerts: state.alerts });
      if (p === '/api/rules')
        return json(res, 200, {
          rules: ['over-coupling', 'over-compression', 'drift', 'silent'].map((name) => ({ name })),
        });
      if (p === '/api/silences' && req.method === 'GET')
        return json(res, 200, { silences: state.silences });
      if (p === '/api/silences' && req.method === 'POST') {
        const body = await readBody(req);
        const now = Date.now();
        const s = {
          id: String(nextId++),
          starts_at: now,
          ...body,
          ends_at: body.ends_at ?? now + (body.duration_ms ?? 0),
        };
        state.silences.push(s);
        return json(res, 201, s);
      }
      const del = /^\/api\/silences\/(.+)$/.exec(p);
      if (del && req.method === 'DELETE') {
        state.silences = state.silences.filter((s) => s.id !== decodeURIComponent(del[1]!));
        res.writeHead(204).end();
        return;
      }
      if (p === '/api/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        // A short retry so the reconnect test does not wait out the browser's default ~3 s.
        res.write('retry: 300\n: hello\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      json(res, 404, { error: 'not found' });
    })().catch((e: unknown) => json(res, 500, { error: String(e) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  const send = (event: string, data: unknown) => {
    for (const s of streams) s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    pushDevice(d) {
      const i = state.devices.findIndex((x) => x.fleet === d.fleet && x.device === d.device);
      if (i >= 0) state.devices[i] = d;
      else state.devices.push(d);
      send('device', d);
    },
    pushAlert(a) {
      state.alerts.unshift(a);
      send('alert', a);
    },
    dropStreams() {
      for (const s of streams) s.end();
      streams.clear();
    },
    async close() {
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
