// What a crash may and may not lose now that device rows are written only when their rule
// state moves (or by the periodic snapshot): the core is driven directly, and a "crash" is
// closing SQLite without the stop-time checkpoint.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CollectorCore, type IncomingMessage } from '../../collector/core.ts';
import type { Clock } from '../../shared/clock.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { Store } from '../../collector/store.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';

const clock: Clock = { now: () => 1_000_000 };
const msg = (seq: number, value: number): IncomingMessage => ({
  topic: deviceTopic('f1', 'd1', 'metrics'),
  payload: Buffer.from(JSON.stringify(metrics({ seq, t: (seq + 1) * 10_000, value }))),
});

function open(path: string, at: Clock = clock) {
  const config = testConfig(path, { rules: { silent: false } });
  const store = Store.open(path);
  let core: CollectorCore | null = null;
  const m = new CollectorMetrics({
    devices: () => core?.devices() ?? [],
    forecast: config.forecast,
  });
  core = new CollectorCore(config, store, m, quietLog, at);
  return { core, store };
}

describe('device rows: durable with rule changes, snapshot for the rest', () => {
  it('a crash keeps rule state, notifications and dedupe marks; loses only display state since the snapshot', () => {
    const path = join(tmpDir(), 'c.db');
    const a = open(path);
    const alerts: string[] = [];
    a.core.on('alert', (x) => alerts.push(`${x.rule} ${x.state}`));
    const seqs = (from: number, to: number, v: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => msg(from + i, v));
    a.core.ingest(seqs(0, 5, 2));
    a.core.checkpoint(); // the snapshot: seq 5 is on disk
    a.core.ingest(seqs(6, 6, 2.5)); // healthy, rule state unchanged: memory only
    a.core.ingest(seqs(7, 9, 3.5)); // fires on the third breach (3 of 5)
    a.core.ingest(seqs(10, 13, 3.6)); // still firing; the `for` window is full after 11
    expect(alerts).toEqual(['over-coupling firing']);
    a.store.close(); // crash: no checkpoint

    const b = open(path);
    // what the crash left staged is moved into the index at start
    expect(b.store.stagedRows()).toBe(0);
    const d = b.core.device('f1', 'd1')!;
    expect(d.state.rules['over-coupling']).toMatchObject({ phase: 'firing', notified: 'firing' });
    // every message that moved rule state is on disk with it; 12 and 13 moved nothing
    expect(d.last?.message.seq).toBe(11);
    // dedupe marks of every committed batch survived: a redelivery is a duplicate
    const dup: string[] = [];
    b.core.on('alert', (x) => dup.push(x.state));
    b.core.ingest([msg(13, 3.6), msg(9, 3.5)]);
    expect(b.core.device('f1', 'd1')!.last?.message.seq).toBe(11);
    expect(dup).toEqual([]);
    // history rows are written with their batch
    expect(b.store.history('f1', 'd1', 100).map((p) => p.t)).toEqual(
      Array.from({ length: 14 }, (_, s) => (s + 1) * 10_000),
    );
    b.core.ingest(seqs(14, 16, 2));
    expect(dup).toEqual(['resolved']);
    b.core.checkpoint();
    b.store.close();

    const c = open(path);
    expect(c.core.device('f1', 'd1')!.last?.message.seq).toBe(16);
    c.store.close();
  });
});

describe('history rows: staged, moved into the indexed table a slot of devices at a time', () => {
  it('moves on the first batch, then when a slot is due (HISTORY_MOVE_MS / HISTORY_SLOTS), and at checkpoint', () => {
    let now = 1_000_000;
    const { core, store } = open(join(tmpDir(), 'h.db'), { now: () => now });
    core.ingest([msg(0, 2), msg(1, 2)]);
    expect(store.stagedRows()).toBe(0);
    now += 100;
    core.ingest([msg(2, 2)]);
    now += 149;
    core.ingest([msg(3, 2)]);
    expect(store.stagedRows()).toBe(2);
    expect(store.history('f1', 'd1', 10).map((p) => p.seq)).toEqual([0, 1, 2, 3]);
    now += 1; // 250 ms since the last move: d1's slot (the only one with rows) is due
    core.ingest([msg(4, 2)]);
    expect(store.stagedRows()).toBe(0);
    now += 10;
    core.ingest([msg(5, 2)]);
    expect(store.stagedRows()).toBe(1);
    core.checkpoint();
    expect(store.stagedRows()).toBe(0);
    expect(store.history('f1', 'd1', 10).map((p) => p.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    store.close();
  });
});
