// Startup faults of a real `redband collector` process: a broker that is not up yet is waited
// for (reconnect with backoff, /readyz 503 with the reason, one log line per try, no stack
// trace); a malformed broker URL and a taken embedded-broker port are configuration errors
// (exit 2, one line).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killLeftovers, persistentMosquitto, spawnTracked } from '../support/processes.ts';
import { metrics } from './fixtures.ts';
import { freePort, getJson, publisher, publishMetrics, tmpDir, waitFor } from './harness.ts';

afterAll(killLeftovers);

function collector(...args: string[]) {
  return spawnTracked('collector', process.execPath, ['bin/redband.mjs', 'collector', ...args]);
}

type Readyz = { ready: boolean; reason?: string };

/** JSON log lines of the collector's stderr (the CLI's own plain lines left out). */
function logLines(stderr: string): { msg: string; time: number; retry_in_ms?: number }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; time: number; retry_in_ms?: number });
}

describe('a collector started before its broker', () => {
  it('waits for it: /readyz 503 with the reason, then 200 and ingesting once it is up', async () => {
    const broker = await persistentMosquitto(); // port chosen, not started yet
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const proc = collector(
      '--broker',
      broker.url,
      '--db',
      join(tmpDir(), 'c.db'),
      '--port',
      String(httpPort),
    );
    const waiting = new RegExp(
      `^waiting for the broker at mqtt://127\\.0\\.0\\.1:${broker.port}: ECONNREFUSED, next try in \\d+ (ms|s)$`,
    );
    // until the second try has failed too: the process stays up and keeps trying
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
        const r = await getJson<Readyz>(`${base}/readyz`);
        return (
          r.status === 503 &&
          waiting.test(r.body.reason ?? '') &&
          logLines(proc.stderr()).filter((l) => waiting.test(l.msg)).length >= 2
        );
      },
      '/readyz 503 waiting for the broker',
      20_000,
    );
    expect(proc.running).toBe(true);

    await broker.start();
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
        const r = await getJson<Readyz>(`${base}/readyz`);
        return r.status === 200 && r.body.ready;
      },
      '/readyz 200 once the broker is up',
      30_000,
    );
    const pub = await publisher(broker.url);
    try {
      await publishMetrics(pub, metrics({ fleet: 'f1', device: 'late-broker', seq: 1 }));
      await waitFor(async () => {
        const r = await getJson<{ devices: { device: string }[] }>(`${base}/api/fleet`);
        return r.body.devices.some((d) => d.device === 'late-broker');
      }, 'the metrics message ingested');
    } finally {
      await pub.endAsync();
    }

    const err = proc.stderr();
    expect(err).not.toContain('unexpected error');
    expect(err).not.toContain('    at ');
    // one line per try, none of mqtt.js's per-event noise
    const lines = logLines(err);
    expect(lines.filter((l) => /mqtt (error|offline|reconnecting)/.test(l.msg))).toEqual([]);
    const tries = lines.filter((l) => waiting.test(l.msg));
    for (let i = 1; i < tries.length; i++) {
      expect(tries[i]!.time - tries[i - 1]!.time).toBeGreaterThanOrEqual(
        tries[i - 1]!.retry_in_ms! - 50,
      );
    }
    // the delays grow (backoff with jitter: each at least half its nominal 1 s, 2 s, 4 s …)
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(tries[1]!.retry_in_ms!).toBeGreaterThanOrEqual(1000);

    await proc.kill('SIGTERM');
    expect(await proc.exited, proc.stderr()).toEqual({ code: 0, signal: null });
    await broker.kill();
  }, 90_000);

  it('waits for an unknown host too, naming the lookup failure', async () => {
    const httpPort = await freePort();
    const proc = collector(
      '--broker',
      'mqtt://no-such-broker.invalid:1883',
      '--db',
      join(tmpDir(), 'c.db'),
      '--port',
      String(httpPort),
    );
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
        const r = await getJson<Readyz>(`http://127.0.0.1:${httpPort}/readyz`);
        return (
          r.status === 503 &&
          /^waiting for the broker at mqtt:\/\/no-such-broker\.invalid:1883: (ENOTFOUND|EAI_AGAIN), next try in/.test(
            r.body.reason ?? '',
          )
        );
      },
      '/readyz 503 naming the lookup failure',
      20_000,
    );
    expect(proc.stderr()).not.toContain('    at ');
    await proc.kill('SIGTERM');
    expect(await proc.exited, proc.stderr()).toEqual({ code: 0, signal: null });
  }, 60_000);
});

/** Runs the CLI to its end: exit code and stderr. */
function run(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/redband.mjs', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr };
}

describe('broker configuration errors: exit 2, one line', () => {
  it.each([
    ['http://127.0.0.1:1883', 'collector'],
    ['not a url', 'collector'],
    ['mqtt://', 'collector'],
    ['http://127.0.0.1:1883', 'demo'],
    ['not a url', 'demo'],
  ])('--broker %j (%s)', (url, command) => {
    const db = join(tmpDir(), 'c.db');
    const r = run(
      command === 'collector'
        ? ['collector', '--broker', url, '--db', db, '--port', '0']
        : ['demo', '--broker', url, '--run-dir', tmpDir(), '--duration', '5'],
    );
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('redband:'));
    expect(lines).toEqual([
      `redband: mqtt.url: expected an mqtt://, mqtts://, ws:// or wss:// broker URL with a host (like mqtt://host:1883), got ${JSON.stringify(url)}`,
    ]);
    expect(r.stderr).not.toContain('    at ');
  });
});

describe('demo --broker with nothing listening', () => {
  it('says so in one line and exits 2 before starting anything', async () => {
    const port = await freePort();
    const r = run(['demo', '--broker', `mqtt://127.0.0.1:${port}`, '--run-dir', tmpDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('redband'))).toEqual([
      `redband: cannot reach the broker at mqtt://127.0.0.1:${port}: ECONNREFUSED; start it, or leave out --broker for the embedded one`,
    ]);
  });
});

describe("the embedded broker's port in use", () => {
  it('exits 2 with one line, as a taken HTTP port does', async () => {
    const holder = createServer();
    const port = await new Promise<number>((r) =>
      holder.listen(0, '127.0.0.1', () => r((holder.address() as { port: number }).port)),
    );
    try {
      const proc = collector(
        '--mqtt-port',
        String(port),
        '--port',
        '0',
        '--db',
        join(tmpDir(), 'c.db'),
      );
      const exit = await Promise.race([
        proc.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000)),
      ]);
      expect(exit).toEqual({ code: 2, signal: null });
      expect(proc.stderr().trim().split('\n')).toEqual([
        `redband: embedded MQTT broker: cannot listen on 127.0.0.1:${port} (port in use); pass --mqtt-port N (embedded_broker.port) or --broker URL`,
      ]);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  }, 40_000);
});
