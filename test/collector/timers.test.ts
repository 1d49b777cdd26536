// startCollector's tick and summary intervals run on the injected clock and timer: a device
// that goes quiet is announced `silent` once 3 publish periods have passed on the collector's
// clock, and a changed fleet's summary goes out when the summary interval comes round. Time
// is stepped, so 30 s of silence take no 30 s, and "not yet" is a state, not a wait.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { fleetSummaryTopic } from '../../shared/schema/index.ts';
import { metrics, status, testConfig } from './fixtures.ts';
import {
  publisher,
  publishMetrics,
  publishStatus,
  quietLog,
  tmpDir,
  waitFor,
  watchAlerts,
} from './harness.ts';
import { VirtualTime } from '../support/virtual-time.ts';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** testConfig's intervals: tick and summary every 100 ms */
const INTERVAL_MS = 100;

async function collectorOnVirtualTime() {
  const time = new VirtualTime(Date.UTC(2026, 0, 1));
  // batch_window 0: a batch commits at the end of its event-loop turn, so messages are taken
  // without stepping the group-commit window too (that window has its own test)
  const config = testConfig(join(tmpDir(), 'c.db'), {
    ingest: { rate_per_s: 1000, burst: 1000, batch_window: 0 },
  });
  const c: Collector = await startCollector(config, { logger: quietLog, clock: time, timer: time });
  cleanup.push(() => c.stop());
  const pub = await publisher(c.brokerUrl);
  cleanup.push(() => pub.endAsync());
  return { c, time, pub };
}

/** Messages the collector has taken: ingest is real I/O, so it is polled. */
async function ingested(c: Collector, device: string): Promise<void> {
  await waitFor(() => c.core.device('f1', device)?.state.last_window_end, `${device} ingested`);
}

describe('collector intervals on the injected timer', () => {
  it('announces a quiet device silent after 3 publish periods of the collector clock, not before', async () => {
    const { c, time, pub } = await collectorOnVirtualTime();
    const watch = await watchAlerts(c.brokerUrl);
    cleanup.push(() => watch.close());
    await publishStatus(pub, status({ period: 10 }));
    await publishMetrics(pub, metrics({ seq: 0, t: 10_000 }));
    await ingested(c, 'd1');
    const silent = () => c.core.device('f1', 'd1')?.state.rules['silent']?.phase;
    // the tick runs every interval: 29.9 s of quiet is not yet 3 periods of 10 s
    time.advance(29_900);
    expect(silent()).not.toBe('firing');
    time.advance(200);
    expect(silent()).toBe('firing');
    await waitFor(() => watch.lines().includes('d1 silent firing'), 'the silent alert');
  });

  it('publishes a changed fleet’s summary when the summary interval comes round', async () => {
    const { c, time, pub } = await collectorOnVirtualTime();
    const sub = await mqtt.connectAsync(c.brokerUrl, { reconnectPeriod: 0 });
    cleanup.push(() => sub.endAsync());
    const summaries: unknown[] = [];
    sub.on('message', (_t, payload) => summaries.push(JSON.parse(payload.toString())));
    await sub.subscribeAsync(fleetSummaryTopic('f1'), { qos: 1 });
    await publishMetrics(pub, metrics({ seq: 0, t: 10_000 }));
    await ingested(c, 'd1');
    // the fleet changed; until the interval runs, its summary waits
    expect(c.core.dirtyFleets.has('f1')).toBe(true);
    time.advance(INTERVAL_MS - 1);
    expect(c.core.dirtyFleets.has('f1')).toBe(true);
    time.advance(1);
    expect(c.core.dirtyFleets.has('f1')).toBe(false);
    await waitFor(() => summaries.length >= 1, 'the retained summary');
    expect(summaries[0]).toMatchObject({ fleet: 'f1', generated_at: time.now() });
  });
});
