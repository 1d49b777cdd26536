// Group commit (ingest.batch_window, ingest.max_batch): messages arriving within the window
// share one transaction, a full batch is committed at once, and a stop commits what is queued.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorCore } from '../../collector/core.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { Store } from '../../collector/store.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';
import { VirtualTime } from '../support/virtual-time.ts';

let store: Store | null = null;
afterEach(() => store?.close());

function core(ingest: Record<string, unknown>) {
  const config = testConfig(join(tmpDir(), 'c.db'), {
    ingest: { rate_per_s: 1e6, burst: 1e6, ...ingest },
  });
  store = Store.open(config.db.path);
  const time = new VirtualTime(Date.UTC(2026, 0, 1));
  const c = new CollectorCore(
    config,
    store,
    new CollectorMetrics({ devices: () => [], forecast: { points: 16, min_points: 3 } }),
    quietLog,
    time,
    time,
  );
  const batches: number[] = [];
  c.on('ingested', (n) => batches.push(n));
  const send = (seq: number) =>
    c.enqueue({
      topic: deviceTopic('f1', 'd1', 'metrics'),
      payload: Buffer.from(JSON.stringify(metrics({ seq, t: 60_000 + seq * 10_000 }))),
    });
  const rows = () => store!.history('f1', 'd1', 1000).length;
  return { c, batches, send, rows, time };
}

describe('group commit', () => {
  it('messages within batch_window share one transaction, committed when the window ends', () => {
    const { batches, send, rows, time } = core({ batch_window: '50ms' });
    send(0);
    time.advance(5);
    send(1);
    send(2);
    // the window runs from the first queued message, not the last
    time.advance(44);
    expect(rows()).toBe(0);
    time.advance(1);
    expect(batches).toEqual([3]);
    expect(rows()).toBe(3);
    // the next message opens a new window
    send(3);
    time.advance(49);
    expect(batches).toEqual([3]);
    time.advance(1);
    expect(batches).toEqual([3, 1]);
  });

  it('a full batch (max_batch) is committed at once, without waiting for the window', () => {
    const { batches, send, rows } = core({ batch_window: '10s', max_batch: 4 });
    for (let i = 0; i < 9; i++) send(i);
    expect(batches).toEqual([4, 4]);
    expect(rows()).toBe(8);
  });

  it('batch_window 0 commits at the end of the event-loop turn; flush commits what is queued', async () => {
    const a = core({ batch_window: 0 });
    a.send(0);
    a.send(1);
    await new Promise((r) => setImmediate(r));
    expect(a.batches).toEqual([2]);
    store?.close();
    const b = core({ batch_window: '10s' });
    b.send(0);
    b.c.flush();
    expect(b.batches).toEqual([1]);
    expect(b.rows()).toBe(1);
  });
});
