// The SQLite store on its own: history points name the message they came from (boot, seq),
// and a file written before those columns existed is migrated on open, its rows kept.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../collector/store.ts';
import { metrics } from './fixtures.ts';
import { tmpDir } from './harness.ts';

describe('collector store: history', () => {
  it('keeps boot and seq with every point, in data-time order, single and chunked inserts', () => {
    const store = Store.open(join(tmpDir(), 'c.db'));
    store.addHistory(metrics({ boot: 'b1', seq: 0, t: 10_000 }));
    // 40 rows: one full chunk of 32 and 8 single inserts
    store.addHistoryRows(
      Array.from({ length: 40 }, (_, i) => metrics({ boot: 'b2', seq: i, t: 20_000 + i * 1000 })),
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
});
