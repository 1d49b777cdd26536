// The SQLite store on its own: retention prunes each device on its own, by count (ties in time
// by arrival) and by data-time age; the page cache; dedupe marks. History: history.test.ts.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialDeviceState } from '../../collector/rules/evaluate.ts';
import { checkSeen, markSeen, seenKey } from '../../collector/dedupe.ts';
import { historyRow } from '../../collector/history.ts';
import { Store } from '../../collector/store.ts';
import { metrics } from './fixtures.ts';
import { tmpDir } from './harness.ts';

describe('collector store: retention', () => {
  const DAY = 24 * 3600_000;
  /** a store with one device row per (fleet, device) and the given points, in arrival order */
  function withHistory(points: { device: string; t: number; seq: number }[]): Store {
    const store = Store.open(join(tmpDir(), 'r.db'));
    for (const d of new Set(points.map((p) => p.device)))
      store.saveDevice(initialDeviceState('f1', d), null);
    store.addHistoryRows(
      points.map((p) => historyRow(metrics({ device: p.device, t: p.t, seq: p.seq }))),
    );
    // retention applies to the indexed history; staged rows wait for the next move
    store.transaction(() => store.moveRecentHistory());
    return store;
  }
  const seqs = (store: Store, device: string) =>
    store
      .history('f1', device, 1000)
      .map((p) => p.seq)
      .sort((a, b) => a - b);

  it.each([
    { name: 'under the limit: nothing goes', n: 5, keep: 10, kept: [0, 1, 2, 3, 4] },
    { name: 'exactly the limit: nothing goes', n: 10, keep: 10, kept: [...Array(10).keys()] },
    {
      name: 'over the limit: the oldest go',
      n: 25,
      keep: 10,
      kept: [...Array(10).keys()].map((i) => i + 15),
    },
  ])('by count per device, $name', ({ n, keep, kept }) => {
    const store = withHistory([
      ...Array.from({ length: n }, (_, i) => ({ device: 'a', t: 1000 * i, seq: i })),
      // another device with few points is untouched by a's pruning
      ...Array.from({ length: 3 }, (_, i) => ({ device: 'b', t: 1000 * i, seq: i })),
    ]);
    store.prune(Date.now(), keep, 7 * DAY, 10_000);
    expect(seqs(store, 'a')).toEqual(kept);
    expect(seqs(store, 'b')).toEqual([0, 1, 2]);
    store.close();
  });

  it('by count with ties in data time: exactly the limit stays, the later arrivals', () => {
    // 12 points, all at the same data time (a replay can do that): keep the 5 that came last
    const store = withHistory(
      Array.from({ length: 12 }, (_, i) => ({ device: 'a', t: 5000, seq: i })),
    );
    store.prune(Date.now(), 5, 7 * DAY, 10_000);
    expect(seqs(store, 'a')).toEqual([7, 8, 9, 10, 11]);
    store.close();
  });

  it("by age against each device's own newest point, not the wall clock", () => {
    const store = withHistory([
      { device: 'a', t: 0, seq: 0 },
      { device: 'a', t: 2 * DAY, seq: 1 },
      { device: 'a', t: 10 * DAY, seq: 2 },
      // b's data is old, but all of it within a day of b's newest: kept
      { device: 'b', t: 0, seq: 0 },
      { device: 'b', t: DAY, seq: 1 },
    ]);
    store.prune(100 * DAY, 1000, 7 * DAY, 10_000);
    expect(seqs(store, 'a')).toEqual([2]);
    expect(seqs(store, 'b')).toEqual([0, 1]);
    store.close();
  });
});

describe('collector store: page cache', () => {
  it.each([
    { mb: undefined, kib: -4096 },
    { mb: 0.5, kib: -512 },
    { mb: 64, kib: -65536 },
  ])('db.cache_mb $mb sets cache_size to $kib KiB', ({ mb, kib }) => {
    const store = Store.open(join(tmpDir(), 'p.db'), '', mb);
    expect(store.db.pragma('cache_size', { simple: true })).toBe(kib);
    store.close();
  });
});

describe('collector store: dedupe marks', () => {
  it('reads marks written before ranges (a JSON list of seqs) and writes ranges back', () => {
    const path = join(tmpDir(), 'seen.db');
    Store.open(path).close();
    const db = new Database(path);
    db.prepare(
      `INSERT INTO seen (fleet, device, boot, hwm, recent, updated_at) VALUES ('f1', 'd1', 'b1', 9, '[9,5,6,8]', 0)`,
    ).run();
    db.close();
    const store = Store.open(path);
    const mark = store.loadSeen(64, 0).get(seenKey('f1', 'd1', 'b1'))!;
    expect(mark.ranges).toEqual([5, 6, 8, 9]);
    expect([5, 6, 7, 8, 9].map((s) => checkSeen(mark, s, 64))).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    store.saveSeen('f1', 'd1', 'b1', markSeen(mark, 7, 64), 1);
    expect(store.getSeen('f1', 'd1', 'b1')).toEqual({ hwm: 9, ranges: [5, 9] });
    store.close();
  });

  it('folds the seqs of staged history rows into the marks and writes them back', () => {
    const path = join(tmpDir(), 'fold.db');
    const a = Store.open(path);
    a.saveSeen('f1', 'd1', 'b1', { hwm: 3, ranges: [0, 3] }, 0);
    // staged since the marks were written: b1 4, 6 (5 not yet), a new boot b2, a late b1 2
    a.addHistoryRows(
      [
        { boot: 'b1', seq: 4 },
        { boot: 'b1', seq: 6 },
        { boot: 'b2', seq: 0 },
        { boot: 'b1', seq: 2 },
      ].map((r) => historyRow(metrics({ ...r, t: 1000 }))),
    );
    a.close(); // a crash: the marks of the staged rows were never written
    const b = Store.open(path);
    const marks = b.loadSeen(64, 5);
    expect(marks.get(seenKey('f1', 'd1', 'b1'))).toEqual({ hwm: 6, ranges: [0, 4, 6, 6] });
    expect(marks.get(seenKey('f1', 'd1', 'b2'))).toEqual({ hwm: 0, ranges: [0, 0] });
    // written back: moving the staged rows away cannot lose them
    b.transaction(() => b.moveRecentHistory());
    expect(b.getSeen('f1', 'd1', 'b1')).toEqual({ hwm: 6, ranges: [0, 4, 6, 6] });
    expect(b.getSeen('f1', 'd1', 'b2')).toEqual({ hwm: 0, ranges: [0, 0] });
    b.close();
  });
});

describe('collector store: alerts written before schema v2', () => {
  it('reads a stored v1 alert back as v2 naming no channels, for the outbox and the history', () => {
    const path = join(tmpDir(), 'v1.db');
    const store = Store.open(path);
    const v1 = {
      schema: 'redband.alert',
      version: 1,
      fleet: 'f1',
      device: 'd1',
      rule: 'level-shift',
      state: 'firing',
      reason: 'drift_mean = 3 above device limit 2',
      value: 3,
      band: null,
      since: 1000,
      boot: 'b1',
      seq: 4,
      resend: false,
      sent_at: 2000,
    };
    // as a collector of the previous version wrote it
    const db = new Database(path);
    db.prepare(
      "INSERT INTO alerts (fleet, device, rule, state, payload, origin) VALUES ('f1', 'd1', 'level-shift', 'firing', ?, '')",
    ).run(JSON.stringify(v1));
    db.close();
    const upgraded = { ...v1, version: 2, channels: [], channels_from: null };
    expect(store.recentAlerts(10)).toEqual([upgraded]);
    expect(store.unpublishedAlerts().map((r) => r.alert)).toEqual([upgraded]);
    store.close();
  });
});
