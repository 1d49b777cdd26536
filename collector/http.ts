// HTTP: Prometheus /metrics, the dashboard's static files, the JSON API and Server-Sent
// Events. node:http only. Bound to loopback by default; on any other address every
// non-static route needs the configured bearer token.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { isUserError, UserError } from '../shared/errors.ts';
import type { Clock } from '../shared/clock.ts';
import type { HttpBackend } from './http-backend.ts';
import type { CollectorMetrics } from './metrics.ts';
import { withSilences } from './summary.ts';

const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'dashboard');
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
const VENDOR: Record<string, string> = {
  '/vendor/uplot.iife.min.js': join(UPLOT_DIR, 'uPlot.iife.min.js'),
  '/vendor/uplot.min.css': join(UPLOT_DIR, 'uPlot.min.css'),
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};
const MAX_BODY = 64 * 1024;

interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** the path pattern's groups, URI-decoded */
  params: string[];
}

interface Route {
  method: string;
  path: RegExp;
  handle(r: RouteRequest): void | Promise<void>;
}

export interface HttpOptions {
  host: string;
  port: number;
  token: string | null;
  historyLimit: number;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

function staticPath(pathname: string): string | null {
  if (VENDOR[pathname]) return VENDOR[pathname];
  const rel = pathname === '/' ? '/index.html' : pathname;
  if (rel !== '/index.html' && rel !== '/device.html' && !rel.startsWith('/assets/')) return null;
  const file = resolve(DASHBOARD_DIR, normalize(`.${rel}`));
  if (!file.startsWith(DASHBOARD_DIR + sep)) return null;
  return file;
}

function intParam(u: URL, name: string, dflt: number, max: number): number {
  const v = Number(u.searchParams.get(name) ?? dflt);
  return Number.isInteger(v) && v > 0 ? Math.min(v, max) : dflt;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new UserError(`request body over ${MAX_BODY} bytes`, 'http');
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new UserError('request body is not valid JSON', 'http');
  }
}

export class HttpServer {
  private server: Server | null = null;
  private readonly sse = new Set<ServerResponse>();
  private readonly unsubscribe: (() => void)[] = [];
  private offDevice: (() => void) | null = null;

  private send(event: string, data: unknown): void {
    if (this.sse.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.sse) res.write(frame);
  }
  private keepalive: NodeJS.Timeout | null = null;
  port = 0;
  /** why /readyz answers 503; null: ready (subscribed, taking messages) */
  private notReady: string | null = 'not subscribed to the broker yet';

  /** The HTTP server is up before the MQTT subscription: /readyz says when messages flow. */
  setReady(ready: boolean): void {
    this.notReady = ready ? null : 'stopping';
  }

  /** Not ready, and why (e.g. waiting for the broker, with the last error and the next try). */
  setNotReady(reason: string): void {
    this.notReady = reason;
  }

  constructor(
    private readonly o: HttpOptions,
    private readonly api: HttpBackend,
    private readonly metrics: CollectorMetrics,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The API, one entry a route: the method, the whole path, what answers it. */
  private readonly routes: Route[] = [
    {
      method: 'GET',
      path: /^\/readyz$/,
      handle: ({ res }) =>
        this.notReady === null
          ? json(res, 200, { ready: true })
          : json(res, 503, { ready: false, reason: this.notReady }),
    },
    {
      method: 'GET',
      path: /^\/metrics$/,
      handle: async ({ res }) => {
        const text = await this.metrics.text();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
        res.end(text);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/fleet$/,
      handle: ({ res }) => {
        const now = this.clock.now();
        const silences = this.api.silences();
        const devices = this.api
          .fleetView()
          .map((d) => ({ ...d, ...withSilences(d, silences, now) }))
          .sort((a, b) => `${a.fleet}/${a.device}`.localeCompare(`${b.fleet}/${b.device}`));
        json(res, 200, { generated_at: now, devices });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/devices\/([^/]+)\/([^/]+)\/history$/,
      handle: ({ res, url, params: [fleet, device] }) => {
        if (!this.api.hasDevice(fleet!, device!))
          return json(res, 404, { error: `no device ${fleet}/${device}` });
        const limit = intParam(url, 'limit', this.o.historyLimit, this.o.historyLimit);
        json(res, 200, { points: this.api.history(fleet!, device!, limit) });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/alerts$/,
      handle: ({ res, url }) =>
        json(res, 200, { alerts: this.api.recentAlerts(intParam(url, 'limit', 100, 1000)) }),
    },
    {
      method: 'GET',
      path: /^\/api\/rules$/,
      handle: ({ res }) => json(res, 200, { rules: this.api.rules() }),
    },
    {
      method: 'GET',
      path: /^\/api\/silences$/,
      // `now`: the collector's clock, against which a client tells active from scheduled
      handle: ({ res }) =>
        json(res, 200, { now: this.clock.now(), silences: this.api.silences(true) }),
    },
    {
      method: 'POST',
      path: /^\/api\/silences$/,
      handle: async ({ req, res }) => {
        const now = this.clock.now();
        const silence = this.api.addSilence(await readBody(req), now);
        json(res, 201, { ...silence, now });
      },
    },
    {
      method: 'DELETE',
      path: /^\/api\/silences\/([^/]+)$/,
      handle: ({ res, params: [id] }) =>
        this.api.expireSilence(id!, this.clock.now())
          ? json(res, 200, { expired: id })
          : json(res, 404, { error: `no silence ${id}` }),
    },
    { method: 'GET', path: /^\/api\/events$/, handle: ({ req, res }) => this.stream(req, res) },
  ];

  /** Server-Sent Events: device views (built only while someone streams them) and alerts. */
  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    this.sse.add(res);
    this.offDevice ??= this.api.on('device', (d) =>
      this.send('device', { ...d, ...withSilences(d, this.api.silences(), this.clock.now()) }),
    );
    req.on('close', () => {
      this.sse.delete(res);
      if (this.sse.size === 0) {
        this.offDevice?.();
        this.offDevice = null;
      }
    });
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (isUserError(e)) return json(res, 400, { error: e.message });
        this.log.error({ err: (e as Error).message, url: req.url }, 'http handler failed');
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        fail(
          e.code === 'EADDRINUSE'
            ? new UserError(
                `HTTP port ${this.o.host}:${this.o.port} is in use; pass --port`,
                'port',
              )
            : e,
        ),
      );
      server.listen(this.o.port, this.o.host, () => ok());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    this.unsubscribe.push(this.api.on('alert', (a) => this.send('alert', a)));
    this.unsubscribe.push(() => this.offDevice?.());
    // Proxies drop idle streams; a comment line every 15 s keeps them open.
    this.keepalive = setInterval(() => {
      for (const res of this.sse) res.write(': keepalive\n\n');
    }, 15_000);
  }

  private authorized(req: IncomingMessage, u: URL): boolean {
    if (this.o.token === null) return true;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ')
      ? header.slice(7)
      : (u.searchParams.get('token') ?? '');
    const a = Buffer.from(given);
    const b = Buffer.from(this.o.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const path = u.pathname;
    const method = req.method ?? 'GET';
    const file = method === 'GET' ? staticPath(path) : null;
    if (file) {
      if (!existsSync(file) || !statSync(file).isFile())
        return json(res, 404, { error: `no such file ${path}` });
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
    if (!this.authorized(req, u)) {
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, { error: 'missing or wrong token' });
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.path.exec(path);
      if (m) return route.handle({ req, res, url: u, params: m.slice(1).map(decodeURIComponent) });
    }
    json(res, 404, { error: `no route ${method} ${path}` });
  }

  async stop(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const res of this.sse) res.end();
    this.sse.clear();
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
