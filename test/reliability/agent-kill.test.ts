// Fault 2: the agent dies with SIGKILL mid-stream while its outbox holds a backlog (a slow send
// rate keeps one), and starts again on the same outbox directory. The first boot's unsent
// messages are replayed before the new boot's, every seq of the first boot that reached the
// outbox reaches the collector exactly once, the new boot is what the retained status and the
// collector show, and no alert transition is recorded or published twice.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeStatus, type StatusMessage } from '../../shared/schema/index.ts';
import {
  groundTruth,
  killLeftovers,
  mustRun,
  persistentMosquitto,
  range,
  readAlertKeys,
  readHistory,
  readOutbox,
  SKAB_LIKE_VALVE1,
  sleep,
  startAgent,
  startCollector,
  tmpDir,
  waitFor,
  watchAlerts,
  writeAgentConfig,
  writeCollectorConfig,
} from './harness.ts';

afterAll(killLeftovers);

async function retainedStatus(url: string, device: string): Promise<StatusMessage> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const got = new Promise<StatusMessage>((resolve) =>
      c.on('message', (_t, p) => {
        const d = decodeStatus(p);
        if (d.ok) resolve(d.value);
      }),
    );
    await c.subscribeAsync(`redband/v1/rel/${device}/status`, { qos: 1 });
    return await got;
  } finally {
    await c.endAsync();
  }
}

describe('agent killed with SIGKILL and restarted on the same outbox', () => {
  it('replays the first boot’s outbox, then runs the new boot; nothing lost, nothing twice', async () => {
    const dir = tmpDir('redband-rel-agent-');
    const broker = await persistentMosquitto();
    await broker.start();
    const alerts = await watchAlerts(broker.url, 'rel-agent-kill-alerts');
    const db = join(dir, 'collector.db');
    const collector = await startCollector(broker.url, db, writeCollectorConfig(dir));
    const outboxDir = join(dir, 'outbox');
    const common = { dir, url: broker.url, csv: SKAB_LIKE_VALVE1, speed: 150, outboxDir };
    // Boot A sends 5 messages/s while it produces ~19/s: a backlog builds in its outbox.
    const slow = writeAgentConfig({ ...common, device: 'pump', mqtt: { rate: 5, burst: 1 } });
    const a = startAgent(slow, 'agent-a');
    const history = () => readHistory(db).filter((r) => r.device === 'pump');
    await waitFor(
      () => (mustRun(a, collector.proc), history().length >= 10),
      'boot A publishing',
      60_000,
      100,
    );
    // A real agent builds its backlog in real time (~19 produced, 5 sent a second); its
    // outbox cannot be read while it holds it, so the backlog is given a span, not polled.
    await sleep(1000);
    await a.kill('SIGKILL');
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const bootA = history()[0]!.boot;
    const delivered = history().map((r) => r.seq);
    const waiting = readOutbox(outboxDir, 'pump');
    expect(new Set(waiting.map((w) => w.boot))).toEqual(new Set([bootA]));
    expect(waiting.length, 'a backlog was on disk at the kill').toBeGreaterThan(10);
    // Before the kill, every seq A produced was either delivered or on disk: the ground truth
    // of boot A is the union, and it must be 0..n-1 without a hole.
    const writtenA = [...new Set([...delivered, ...waiting.map((w) => w.seq)])].sort(
      (x, y) => x - y,
    );
    expect(writtenA).toEqual(range(writtenA.length));

    const fastConfig = writeAgentConfig({ ...common, device: 'pump', file: 'pump-fast.yaml' });
    const truthB = await groundTruth(fastConfig);
    const b = startAgent(fastConfig, 'agent-b');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    await waitFor(
      () => history().length >= writtenA.length + truthB,
      'both boots at the collector',
      30_000,
      100,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; have ${history().length} of ${writtenA.length}+${truthB}`);
    });
    // negative wait on real processes (mosquitto, the collector): a duplicate would land now
    await sleep(1000);

    const rows = history();
    const boots = [...new Set(rows.map((r) => r.boot))];
    expect(boots.length).toBe(2);
    expect(boots[0]).toBe(bootA);
    const bootB = boots[1]!;
    const seqsOf = (boot: string) => rows.filter((r) => r.boot === boot).map((r) => r.seq);
    expect(seqsOf(bootA), 'boot A: every seq once, in order').toEqual(writtenA);
    expect(seqsOf(bootB), 'boot B: every seq once, in order').toEqual(range(truthB));
    // the previous boot's backlog went out before anything of the new boot
    const lastA = rows.map((r) => r.boot).lastIndexOf(bootA);
    const firstB = rows.findIndex((r) => r.boot === bootB);
    expect(lastA).toBeLessThan(firstB);
    expect(readOutbox(outboxDir, 'pump')).toEqual([]);

    // the new boot is visible: retained status on the broker, and the collector's device row
    const status = await retainedStatus(broker.url, 'pump');
    expect({ boot: status.boot, state: status.state }).toEqual({ boot: bootB, state: 'offline' });
    const fleet = (await (await fetch(`${collector.httpUrl}/api/fleet`)).json()) as {
      devices: Array<{ device: string; boot: string; seq: number }>;
    };
    expect(fleet.devices.find((d) => d.device === 'pump')).toMatchObject({
      boot: bootB,
      seq: truthB - 1,
    });

    // Alerts: the SIGKILL made the broker publish A's will (`offline`), so `silent` fired;
    // B's `online` resolved it. Each transition is in the table once and was published once.
    await collector.proc.kill('SIGTERM');
    const table = readAlertKeys(db);
    expect(table.some((k) => k.includes('silent firing'))).toBe(true);
    expect(new Set(table).size, `alert table: ${table.join('; ')}`).toBe(table.length);
    expect(alerts.keys()).toEqual(table);
    await alerts.close();
    await broker.kill('SIGTERM');
  }, 120_000);
});
