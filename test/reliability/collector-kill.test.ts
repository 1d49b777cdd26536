// Fault 3: the collector process dies with SIGKILL while one device has alerts pending (a
// data-time `for` timer and an N-of-M window half full) and another has one firing; messages
// keep coming while it is down (the broker queues them in its persistent session). The
// restarted collector, on the same SQLite file, resumes the timers and windows where they
// were: the pending alerts fire at exactly the reading they would have fired at without the
// crash, the firing one resolves, and a real subscriber sees every transition exactly once.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics } from '../collector/fixtures.ts';
import {
  killLeftovers,
  mustRun,
  persistentMosquitto,
  readAlertKeys,
  readHistory,
  sleep,
  startCollector,
  tmpDir,
  waitFor,
  watchAlerts,
  writeCollectorConfig,
} from './harness.ts';

afterAll(killLeftovers);

// Two rules of our own, the built-ins off, so every transition below is exactly predictable:
// `hot` needs 30 s of data time above 4 (a timer), `drifty` 3 readings of 5 above 1 (a window).
const CONFIG = `ingest: { rate_per_s: 10000, burst: 10000 }
db: { snapshot_interval: 60s }
rules:
  over-coupling: false
  over-compression: false
  drift: false
  level-shift: false
  recon-error: false
  silent: false
  hot: { field: band_value, op: above, threshold: 4, clear_threshold: 3, for: 30s, clear_for: { readings: 2, of: 2 } }
  drifty: { field: drift, op: above, threshold: 1, clear_threshold: 0.5, for: { readings: 3, of: 5 } }
`;

const unpublished = (db: string): number => {
  const d = new Database(db, { readonly: true });
  try {
    return (
      d.prepare('SELECT COUNT(*) AS n FROM alerts WHERE published = 0').get() as { n: number }
    ).n;
  } finally {
    d.close();
  }
};

describe('collector killed with SIGKILL while alerts are pending and firing', () => {
  it('resumes timers, windows and firing alerts from SQLite; none lost, none sent twice', async () => {
    const dir = tmpDir('redband-rel-collector-');
    const broker = await persistentMosquitto();
    await broker.start();
    const watch = await watchAlerts(broker.url, 'rel-collector-kill-alerts');
    const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const send = (device: string, seq: number, value: number, drift: number) =>
      pub.publishAsync(
        deviceTopic('f1', device, 'metrics'),
        JSON.stringify(metrics({ device, seq, t: (seq + 1) * 10_000, value, drift })),
        { qos: 1 },
      );
    const db = join(dir, 'collector.db');
    const config = writeCollectorConfig(dir, CONFIG);
    let collector = await startCollector(broker.url, db, config);
    const rows = (device: string) => readHistory(db).filter((r) => r.device === device).length;

    // d1: both rules pending (t = 10 s, 20 s); d2: `hot` pending at 10 s, firing at 40 s.
    await send('d1', 0, 5, 2);
    await send('d1', 1, 5, 2);
    for (let seq = 0; seq < 4; seq++) await send('d2', seq, 5, 0.1);
    await waitFor(
      () => (mustRun(collector.proc), rows('d1') === 2 && rows('d2') === 4),
      'six readings committed',
      20_000,
    );
    await waitFor(
      () => watch.alerts.length >= 4 && unpublished(db) === 0,
      'the first alerts out',
      20_000,
    );
    const before = watch.keys();
    expect([...before].sort()).toEqual([
      'f1/d1 drifty pending since=10000',
      'f1/d1 hot pending since=10000',
      'f1/d2 hot firing since=10000',
      'f1/d2 hot pending since=10000',
    ]);

    await collector.proc.kill('SIGKILL');
    expect(await collector.proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // While it is down: d1's window reaches 3 of 5 at t = 30 s and its timer 30 s at t = 40 s;
    // d2 drops below the clear line twice. A collector that forgot its state would need 3
    // more readings / 30 more seconds and announce nothing, or re-announce pending.
    await send('d1', 2, 5, 2);
    await send('d1', 3, 5, 2);
    await send('d2', 4, 2, 0.1);
    await send('d2', 5, 2, 0.1);
    // negative wait on real processes: nothing the dead collector published may still be
    // coming out of mosquitto
    await sleep(300);
    expect(watch.alerts.length).toBe(4);

    collector = await startCollector(broker.url, db, config);
    await waitFor(
      () => (mustRun(collector.proc), watch.alerts.length >= 7),
      'the alerts after the restart',
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; got ${watch.keys().join('; ')}`);
    });
    await waitFor(() => rows('d1') === 4 && rows('d2') === 6, 'every reading once', 20_000);
    // negative wait on real processes (the collector child, mosquitto): a re-sent or
    // duplicated alert would arrive now
    await sleep(1500);

    expect(watch.keys().slice(0, 4)).toEqual(before);
    expect([...watch.keys().slice(4)].sort()).toEqual([
      'f1/d1 drifty firing since=10000',
      'f1/d1 hot firing since=10000',
      'f1/d2 hot resolved since=10000',
    ]);
    // The fire came at the reading it was due: drifty with seq 2 (3 of 5), hot with seq 3.
    const firedAt = Object.fromEntries(
      watch.alerts.filter((a) => a.state === 'firing').map((a) => [`${a.device} ${a.rule}`, a.seq]),
    );
    expect(firedAt).toEqual({ 'd1 drifty': 2, 'd1 hot': 3, 'd2 hot': 3 });
    expect(readAlertKeys(db)).toEqual(watch.keys());
    expect(unpublished(db)).toBe(0);

    await collector.proc.kill('SIGTERM');
    await pub.endAsync();
    await watch.close();
    await broker.kill('SIGTERM');
  }, 90_000);
});
