// /readyz: the HTTP server starts before the MQTT subscription, so "serves HTTP" is not "takes
// messages" (a message published in between, before a broker session exists, is lost). A
// probe or a script waits for /readyz: 503 with a reason until subscribed, 200 while taking
// messages, 503 again once a stop has begun.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorCore } from '../../collector/core.ts';
import { systemClock } from '../../shared/clock.ts';
import { startCollector } from '../../collector/factories.ts';
import { httpBackend } from '../../collector/http-backend.ts';
import { HttpServer } from '../../collector/http.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { Store } from '../../collector/store.ts';
import { testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';

const readyz = async (base: string) => {
  const r = await fetch(`${base}/readyz`);
  return { status: r.status, body: (await r.json()) as unknown };
};

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('collector readiness (/readyz)', () => {
  it('is 503 with a reason until ready, 200 while ready, 503 once stopping', async () => {
    const config = testConfig(join(tmpDir(), 'c.db'));
    const store = Store.open(config.db.path);
    cleanup.push(() => store.close());
    const metrics = new CollectorMetrics({
      devices: () => [],
      forecast: { points: 16, min_points: 3 },
    });
    const core = new CollectorCore(config, store, metrics, quietLog, systemClock);
    const http = new HttpServer(
      { host: '127.0.0.1', port: 0, token: null, historyLimit: 100 },
      httpBackend(core),
      metrics,
      systemClock,
      quietLog,
    );
    await http.start();
    cleanup.push(() => http.stop());
    const base = `http://127.0.0.1:${http.port}`;
    expect(await readyz(base)).toEqual({
      status: 503,
      body: { ready: false, reason: 'not subscribed to the broker yet' },
    });
    http.setReady(true);
    expect(await readyz(base)).toEqual({ status: 200, body: { ready: true } });
    http.setReady(false);
    expect(await readyz(base)).toEqual({ status: 503, body: { ready: false, reason: 'stopping' } });
  });

  it('a started collector is ready: subscribed to its broker', async () => {
    const c = await startCollector(testConfig(join(tmpDir(), 'c.db')), { logger: quietLog });
    cleanup.push(() => c.stop());
    expect(await readyz(c.httpUrl)).toEqual({ status: 200, body: { ready: true } });
  });
});
