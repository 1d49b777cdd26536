// The agent against real brokers that go away mid-stream: while the broker is down the
// metrics wait in the on-disk outbox; when it returns they are replayed, and the subscriber
// ends up with every seq exactly once. Both mosquitto (a real process, stopped with SIGTERM)
// and an embedded Aedes (listener closed, connections dropped) are exercised.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/agent.ts';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { SqliteOutboxStore } from '../../agent/sinks/mqtt/sqlite-store.ts';
import { decodeMetrics, decodeStatus } from '../../shared/schema/index.ts';
import {
  aedesBroker,
  mosquittoBroker,
  SKAB_LIKE_FREE,
  SKAB_MODEL,
  sleep,
  subscriber,
  tmpDir,
  waitFor,
  type Delivery,
  type TestBroker,
} from './harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * `observed` is what reached the far side: the subscriber's deliveries (mosquitto), or what
 * the broker accepted (Aedes). Redeliveries flagged dup by the broker are its QoS 1 retries
 * towards the subscriber, not publishes of the agent, so they are left out of the count.
 */
async function outage(
  broker: TestBroker,
  device: string,
  observed: (sub: { messages: Delivery[] }) => Delivery[],
  backoffMs: number,
): Promise<void> {
  const dir = tmpDir();
  const file = join(dir, 'agent.yaml');
  writeFileSync(
    file,
    `fleet: test
device: ${device}
source: { kind: csv, path: ${SKAB_LIKE_FREE}, delimiter: ';', speed: 400 }
model: { path: ${SKAB_MODEL} }
pipeline: { hop: 4, batch: 8 }
baseline: { warmup_windows: 20 }
band: { measure: tc_bias_corrected, low: 0, center: 1, high: 100 }
publish: { sink: mqtt, period_windows: 4 }
mqtt: { url: '${broker.url}', backoff_initial_ms: ${backoffMs}, backoff_max_ms: ${4 * backoffMs}, flush_timeout_ms: 10000 }
outbox: { dir: ${join(dir, 'outbox')} }
log: { level: silent }
`,
  );
  await broker.start();
  const sub = await subscriber(broker.url, `redband/v1/test/${device}/+`, `watch-${device}`);
  cleanups.push(() => sub.close());
  const seqs = () =>
    observed(sub).flatMap((m) => {
      if (m.dup || !m.topic.endsWith('/metrics')) return [];
      const d = decodeMetrics(m.payload);
      return d.ok ? [d.value.seq] : [];
    });

  // the store the sink would open itself, handed in so the test can watch it fill
  const outbox = new SqliteOutboxStore(join(dir, 'outbox', `test-${device}`));
  const agent = await createAgent(loadAgentConfig(file), {
    log: pino({ level: 'silent' }),
    sink: { outboxStore: outbox },
  });
  await agent.start();
  await waitFor(() => seqs().length >= 5, 'the first metrics');

  await broker.stop();
  const seenBefore = Math.max(...seqs());
  // the agent keeps producing: snapshots pile up in the outbox, unacknowledged
  await waitFor(() => outbox.count() >= 10, '10 snapshots in the outbox while the broker is down');
  await broker.start();
  await waitFor(() => Math.max(...seqs()) >= seenBefore + 20, 'metrics after the broker returned');
  await agent.stop();

  // Everything was acknowledged: the outbox on disk is empty.
  const store = new SqliteOutboxStore(join(dir, 'outbox', `test-${device}`));
  expect(store.count()).toBe(0);
  store.close();

  const max = Math.max(...seqs());
  const missing = () => {
    const seen = new Set(seqs());
    return Array.from({ length: max + 1 }, (_, i) => i).filter((i) => !seen.has(i));
  };
  await waitFor(() => missing().length === 0, 'every seq at the far side').catch((e: Error) => {
    throw new Error(`${e.message}; missing seqs ${missing().join(', ')} of 0..${max}`);
  });
  // A negative wait, so a fixed one: a duplicate (a replayed seq the broker had already
  // delivered) would still be in flight between the broker and the subscriber now; no event
  // says "nothing more is coming" from a real broker.
  await sleep(200);
  const got = seqs();
  expect(got.length).toBe(max + 1);
  expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: max + 1 }, (_, i) => i));
  // replayed in order: arrival order is seq order
  expect(got).toEqual([...got].sort((a, b) => a - b));

  const statuses = observed(sub).flatMap((m) => {
    const d = decodeStatus(m.payload);
    return d.ok ? [d.value.state] : [];
  });
  expect(statuses[0]).toBe('online');
  expect(statuses.at(-1)).toBe('offline');
}

describe('agent: broker outage mid-stream', () => {
  it('mosquitto: every seq arrives exactly once after the broker returns', async () => {
    const broker = await mosquittoBroker();
    cleanups.push(() => broker.stop());
    // The agent's first retry comes after ≥ 500 ms, the subscriber's after 100 ms: the
    // subscriber is back first, so it sees the agent's replay live rather than through
    // mosquitto's queue for offline sessions, which is the broker's business, not the agent's.
    await outage(broker, 'mosq', (sub) => sub.messages, 1000);
  }, 60_000);

  it('aedes (embedded): every seq arrives exactly once after the broker returns', async () => {
    const broker = await aedesBroker();
    cleanups.push(() => broker.close());
    await outage(broker, 'aedes', () => broker.accepted, 100);
  }, 60_000);
});
