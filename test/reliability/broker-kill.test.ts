// Fault 1: the broker dies (SIGKILL, persistence on) while four agents publish to a collector,
// and comes back on the same port. Afterwards every (device, boot, seq) an agent produced is
// in the collector's history exactly once, in seq order. What each agent produced is known
// exactly: the same config run to the end with --publish stdout (a finite replay whose queue
// never drops a window yields the same snapshots at any speed).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { skabLikeFile, type SkabName } from '../support/skab-like.ts';
import {
  groundTruth,
  killLeftovers,
  mustRun,
  logLines,
  persistentMosquitto,
  range,
  readHistory,
  seqsBy,
  sleep,
  startAgent,
  startCollector,
  tmpDir,
  waitFor,
  writeAgentConfig,
  writeCollectorConfig,
} from './harness.ts';

afterAll(killLeftovers);

// SKAB-shaped stand-ins (rows and episodes of these four SKAB files), written by the test
const FILES: SkabName[] = ['valve1/1.csv', 'valve1/2.csv', 'valve2/1.csv', 'valve2/2.csv'];

describe('broker killed with SIGKILL and restarted', () => {
  it('every (device, boot, seq) reaches the collector exactly once, in order', async () => {
    const dir = tmpDir('redband-rel-broker-');
    const broker = await persistentMosquitto();
    await broker.start();
    const db = join(dir, 'collector.db');
    const collector = await startCollector(broker.url, db, writeCollectorConfig(dir));

    const devices = FILES.map((f, i) => ({
      device: `pump-${i + 1}`,
      // ~7 s of replay each: long enough that the outage falls in the middle of every stream
      config: writeAgentConfig({
        dir,
        device: `pump-${i + 1}`,
        url: broker.url,
        csv: skabLikeFile(f),
        speed: 150,
      }),
    }));
    const truth = await Promise.all(devices.map((d) => groundTruth(d.config)));
    for (const n of truth) expect(n).toBeGreaterThan(100);

    const agents = devices.map((d) => startAgent(d.config, d.device));
    const perDevice = () => {
      const by = seqsBy(readHistory(db));
      return devices.map((d) => [...(by.get(d.device)?.values() ?? [])].flat().length);
    };
    await waitFor(
      () => (mustRun(...agents, collector.proc), perDevice().every((n) => n >= 10)),
      'every agent publishing',
      60_000,
      100,
    );

    await broker.kill('SIGKILL');
    const atKill = perDevice();
    // the fault's length, not a wait for a timer: real agents keep producing into their outboxes
    await sleep(1500);
    await broker.start();

    const codes = await Promise.all(agents.map((a) => a.exited));
    await waitFor(
      () => perDevice().every((n, i) => n >= truth[i]!),
      'every message at the collector',
      30_000,
      100,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; have ${perDevice().join('/')} of ${truth.join('/')}`);
    });
    // negative wait on real processes (mosquitto's redelivery to the collector process): a
    // duplicate or a late redelivery would land now
    await sleep(1000);

    const by = seqsBy(readHistory(db));
    devices.forEach((d, i) => {
      expect(codes[i], `${d.device} exit`).toEqual({ code: 0, signal: null });
      // the outage fell inside each stream, and each agent saw its connection go
      expect(atKill[i]!).toBeLessThan(truth[i]!);
      expect(logLines(agents[i]!).some((l) => l.msg === 'mqtt connection lost')).toBe(true);
      const boots = [...(by.get(d.device)?.entries() ?? [])];
      expect(boots.length, `${d.device}: one boot`).toBe(1);
      // exactly once and in order: the arrival sequence is 0..n-1 itself
      expect(boots[0]![1], d.device).toEqual(range(truth[i]!));
      // and nothing is left behind in the agent's outbox
      const outbox = new Database(join(dir, 'outbox', `rel-${d.device}`, 'outbox.db'), {
        readonly: true,
      });
      expect(outbox.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
      outbox.close();
    });

    await collector.proc.kill('SIGTERM');
    expect(await collector.proc.exited).toEqual({ code: 0, signal: null });
    await broker.kill('SIGTERM');
  }, 120_000);
});
