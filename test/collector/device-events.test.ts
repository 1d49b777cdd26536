// The dashboard's device events are coalesced per device over EVENT_COALESCE_MS on the core's
// injected timer: a burst of messages is one event per device with its latest view, and
// flushEvents (at stop) sends what is waiting at once. Time is stepped, not slept through.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorCore, EVENT_COALESCE_MS } from '../../collector/core.ts';
import type { DashboardDevice } from '../../collector/last-metrics.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { Store } from '../../collector/store.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';
import { VirtualTime } from '../support/virtual-time.ts';

let store: Store | null = null;
afterEach(() => store?.close());

function core() {
  const config = testConfig(join(tmpDir(), 'c.db'));
  store = Store.open(config.db.path);
  const time = new VirtualTime(Date.UTC(2026, 0, 1));
  const metricsOut = new CollectorMetrics({ devices: () => [], forecast: config.forecast });
  const c = new CollectorCore(config, store, metricsOut, quietLog, time, time);
  const events: DashboardDevice[] = [];
  c.on('device', (d) => events.push(d));
  const message = (device: string, seq: number) => ({
    topic: deviceTopic('f1', device, 'metrics'),
    payload: Buffer.from(JSON.stringify(metrics({ device, seq, t: (seq + 1) * 10_000 }))),
  });
  return { c, time, events, message };
}

describe('device events (SSE) coalesced on the injected timer', () => {
  it('a burst is one event per device, with its latest view, EVENT_COALESCE_MS after the first', () => {
    const { c, time, events, message } = core();
    c.ingest([message('d1', 0), message('d2', 0)]);
    time.advance(EVENT_COALESCE_MS / 2);
    c.ingest([message('d1', 1)]);
    // the window runs from the first change, not the last
    time.advance(EVENT_COALESCE_MS / 2 - 1);
    expect(events).toEqual([]);
    time.advance(1);
    expect(events.map((e) => [e.device, e.window_end])).toEqual([
      ['d1', c.device('f1', 'd1')!.state.last_window_end],
      ['d2', c.device('f1', 'd2')!.state.last_window_end],
    ]);
    expect(events[0]!.window_end).toBeGreaterThan(events[1]!.window_end!);
    expect(time.size).toBe(0);
  });

  it('flushEvents sends what is waiting at once and cancels the pending timer', () => {
    const { c, time, events, message } = core();
    c.ingest([message('d1', 0)]);
    expect(time.size).toBe(1);
    c.flushEvents();
    expect(events.map((e) => e.device)).toEqual(['d1']);
    expect(time.size).toBe(0);
    time.advance(EVENT_COALESCE_MS);
    expect(events).toHaveLength(1);
  });
});
