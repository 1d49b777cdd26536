// What test/collector/config-cli.test.ts does not cover yet: the default bind is really
// loopback-only (HTTP and the embedded broker are unreachable on the host's other addresses),
// which host strings count as loopback, and that off loopback the token guards every
// non-static route — writes (silences), the event stream — and rejects near-miss tokens.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../collector/config.ts';
import { startCollector } from '../../collector/factories.ts';
import { isUserError } from '../../shared/errors.ts';
import { testConfig } from '../collector/fixtures.ts';
import { quietLog } from '../collector/harness.ts';
import { tmpDir } from '../support/brokers.ts';

/** The host's first non-loopback IPv4 address, if it has one. */
function externalIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('default bind', () => {
  it('HTTP and the embedded broker listen on 127.0.0.1 only, with no token configured', async () => {
    const c = await startCollector(
      parseConfig({
        db: { path: join(tmpDir('redband-http-'), 'c.db') },
        http: { port: 0 },
        embedded_broker: { port: 0 },
      }),
      { logger: quietLog },
    );
    try {
      expect(c.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(c.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      const httpPort = Number(new URL(c.httpUrl).port);
      const mqttPort = Number(new URL(c.brokerUrl).port);
      expect(await reachable('127.0.0.1', httpPort)).toBe(true);
      expect((await fetch(`${c.httpUrl}/api/fleet`)).status).toBe(200);
      const ip = externalIPv4();
      // a host with only loopback has nothing else to reach it on
      if (ip) {
        expect(await reachable(ip, httpPort), `HTTP on ${ip}`).toBe(false);
        expect(await reachable(ip, mqttPort), `MQTT on ${ip}`).toBe(false);
      }
    } finally {
      await c.stop();
    }
  });

  it.each([
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['localhost', false],
    ['::1', false],
    ['0.0.0.0', true],
    ['::', true],
    ['', true],
    ['192.168.1.10', true],
    ['localhost.example.com', true],
    ['127.0.0.1.example.com', true],
    ['::ffff:0.0.0.0', true],
  ])('http.host %j without a token: refused = %s', (host, refused) => {
    let error: unknown;
    try {
      parseConfig({ http: { host } });
    } catch (e) {
      error = e;
    }
    if (refused) {
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toContain('http.token: required');
    } else expect(error).toBeUndefined();
  });
});

describe('token off loopback', () => {
  it('guards writes and the event stream; near-miss tokens are refused', async () => {
    const token = 'a-long-enough-token-123';
    const c = await startCollector(
      testConfig(join(tmpDir('redband-http-'), 'c.db'), {
        http: { host: '0.0.0.0', port: 0, token },
      }),
      { logger: quietLog },
    );
    try {
      const base = `http://127.0.0.1:${c.http.port}`;
      const silence = JSON.stringify({
        matchers: { device: 'd1' },
        ends_at: Date.now() + 3_600_000,
        comment: 'x',
      });
      const post = (headers: Record<string, string>) =>
        fetch(`${base}/api/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: silence,
        });
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await post({ authorization: `Bearer ${token.slice(0, -1)}` })).status).toBe(401);
      expect((await post({ authorization: `bearer ${token}` })).status).toBe(401);
      expect((await post({ authorization: `Basic ${token}` })).status).toBe(401);
      expect((await fetch(`${base}/api/silences/1`, { method: 'DELETE' })).status).toBe(401);
      expect((await fetch(`${base}/api/alerts`)).status).toBe(401);
      expect((await fetch(`${base}/api/devices/f1/d1/history`)).status).toBe(401);
      expect((await fetch(`${base}/api/fleet?token=${token.toUpperCase()}`)).status).toBe(401);
      expect((await fetch(`${base}/api/fleet?token=`)).status).toBe(401);
      // the SSE stream answers 401 instead of opening
      const events = await fetch(`${base}/api/events`);
      expect(events.status).toBe(401);
      await events.body?.cancel();
      // nothing was written by the refused requests
      const list = await fetch(`${base}/api/silences`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.status).toBe(200);
      expect(JSON.stringify(await list.json())).not.toContain('"d1"');
      // the dashboard's static files stay public (they hold no data)
      expect((await fetch(`${base}/`)).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});
