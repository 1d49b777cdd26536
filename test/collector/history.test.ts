// History tables (collector/history.ts) through the store: points name the message they came
// from (boot, seq); a file written before those columns existed is migrated on open, its rows
// kept; staged rows are read with the moved ones, move a slot of devices at a time, and survive
// a crash.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HISTORY_SLOTS, historyRow, historySlot } from '../../collector/history.ts';
import { Store } from '../../collector/store.ts';
import { metrics } from './fixtures.ts';
import { tmpDir } from './harness.ts';

describe('collector store: history', () => {
  it('keeps boot and seq with every point, in data-time order, single and chunked inserts', () => {
    const store = Store.open(join(tmpDir(), 'c.db'));
    store.addHistory(metrics({ boot: 'b1', seq: 0, t: 10_000 }));
    // 40 rows: one full chunk of 32 and 8 single inserts
    store.addHistoryRows(
      Array.from({ length: 40 }, (_, i) =>
        historyRow(metrics({ boot: 'b2', seq: i, t: 20_000 + i * 1000 })),
      ),
    );
    const points = store.history('f1', 'd1', 100);
    expect(points).toHaveLength(41);
    expect(points[0]).toMatchObject({ boot: 'b1', seq: 0, t: 10_000 });
    expect(points.slice(1).map((p) => p.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(points.slice(1).map((p) => p.boot))).toEqual(new Set(['b2']));
    store.close();
  });

  it('migrates a file from before boot/seq: old rows kept with placeholders, new rows complete', () => {
    const path = join(tmpDir(), 'old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE history (fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL,
      band_value REAL, drift REAL, recon_mean REAL, measures TEXT NOT NULL);
      INSERT INTO history VALUES ('f1', 'd1', 5000, 1.5, 0.1, 0.2, '{}');`);
    old.close();
    const store = Store.open(path);
    store.addHistory(metrics({ boot: 'b9', seq: 7, t: 6000 }));
    const points = store.history('f1', 'd1', 10);
    expect(points.map((p) => [p.t, p.boot, p.seq])).toEqual([
      [5000, '', -1],
      [6000, 'b9', 7],
    ]);
    store.close();
    // opening again is a no-op migration
    Store.open(path).close();
  });

  it('migrates a file from before the warm-up flag, staged rows of a crash included', () => {
    const path = join(tmpDir(), 'pre-warmup.db');
    const old = new Database(path);
    const columns = `fleet TEXT NOT NULL, device TEXT NOT NULL, t INTEGER NOT NULL, band_value REAL,
      drift REAL, recon_mean REAL, measures TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL`;
    old.exec(`CREATE TABLE history (${columns});
      INSERT INTO history VALUES ('f1', 'd1', 5000, 1.5, 0.1, 0.2, '{}', 'b1', 0);`);
    for (let k = 0; k < HISTORY_SLOTS; k++)
      old.exec(`CREATE TABLE history_recent_${k} (${columns})`);
    // a staged row the crash left behind, in the device's slot
    old.exec(`INSERT INTO history_recent_${historySlot('f1', 'd1')}
      VALUES ('f1', 'd1', 6000, 1.6, 0.1, 0.2, '{}', 'b1', 1)`);
    old.close();
    const store = Store.open(path);
    store.addHistoryRows([historyRow(metrics({ boot: 'b2', seq: 0, t: 7000, phase: 'warmup' }))]);
    const points = store.history('f1', 'd1', 10);
    expect(points.map((p) => [p.t, p.seq, p.warmup])).toEqual([
      [5000, 0, false],
      [6000, 1, false],
      [7000, 0, true],
    ]);
    store.close();
  });
});

describe('collector store: staged history', () => {
  const rows = (device: string, from: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      historyRow(metrics({ device, boot: 'b', seq: from + i, t: (from + i + 1) * 1000 })),
    );

  it('reads the newest points across moved and staged rows, per device, limit over both', () => {
    const store = Store.open(join(tmpDir(), 's.db'));
    store.addHistoryRows([...rows('d1', 0, 5), ...rows('d2', 0, 3)]);
    store.transaction(() => expect(store.moveRecentHistory()).toBe(8));
    expect(store.stagedRows()).toBe(0);
    store.addHistoryRows([...rows('d1', 5, 4), ...rows('d2', 3, 1)]);
    expect(store.stagedRows()).toBe(5);
    expect(store.history('f1', 'd1', 100).map((p) => p.seq)).toEqual([...Array(9).keys()]);
    // the limit takes the newest: 3 staged and 3 moved
    expect(store.history('f1', 'd1', 6).map((p) => p.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(store.history('f1', 'd2', 2).map((p) => p.seq)).toEqual([2, 3]);
    store.close();
  });

  it('moves one slot of devices at a time; each device always in the same slot', () => {
    const store = Store.open(join(tmpDir(), 'slots.db'));
    const devices = Array.from({ length: 40 }, (_, i) => `d${i}`);
    store.addHistoryRows(devices.flatMap((d) => rows(d, 0, 2)));
    const bySlot = new Map<number, string[]>();
    for (const d of devices) {
      const s = historySlot('f1', d);
      expect(historySlot('f1', d)).toBe(s);
      bySlot.set(s, [...(bySlot.get(s) ?? []), d]);
    }
    // 40 devices spread over every slot
    expect([...bySlot.keys()].sort()).toEqual([...Array(HISTORY_SLOTS).keys()]);
    const slot0 = bySlot.get(0)!;
    store.transaction(() => expect(store.moveRecentHistory(0)).toBe(2 * slot0.length));
    expect(store.stagedRows()).toBe(2 * (devices.length - slot0.length));
    const moved = store.db
      .prepare('SELECT DISTINCT device FROM history ORDER BY device')
      .all()
      .map((r) => (r as { device: string }).device);
    expect(moved).toEqual([...slot0].sort());
    // reads see both tables either way
    for (const d of devices) expect(store.history('f1', d, 10)).toHaveLength(2);
    store.close();
  });

  it('keeps staged rows across a crash; the next move takes them', () => {
    const path = join(tmpDir(), 'crash.db');
    const a = Store.open(path);
    a.addHistoryRows(rows('d1', 0, 4));
    a.close(); // nothing moved
    const b = Store.open(path);
    expect(b.stagedRows()).toBe(4);
    expect(b.history('f1', 'd1', 10).map((p) => p.seq)).toEqual([0, 1, 2, 3]);
    b.transaction(() => b.moveRecentHistory());
    expect(b.stagedRows()).toBe(0);
    expect(b.history('f1', 'd1', 10).map((p) => p.seq)).toEqual([0, 1, 2, 3]);
    b.close();
  });
});
