// The transport's reconnect backoff runs on the injected timer: a broker that is not up yet is
// retried only when the backoff's delay has passed, and close() cancels a retry that is due.
// Time is stepped, so the test neither sleeps through the 0.5–1 s first delay nor races it.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttTransport, startEmbeddedBroker } from '../../collector/mqtt.ts';
import { testConfig } from './fixtures.ts';
import { freePort, quietLog, tmpDir, waitFor } from './harness.ts';
import { VirtualTime } from '../support/virtual-time.ts';

const WAITING = /^waiting for the broker at mqtt:\/\/127\.0\.0\.1:\d+: ECONNREFUSED, next try in /;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A transport to a port nothing listens on yet, its states, and the time it waits on. */
async function waitingTransport() {
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const time = new VirtualTime();
  const transport = new MqttTransport(
    testConfig(join(tmpDir(), 'c.db'), { mqtt: { url } }),
    url,
    quietLog,
    {},
    time,
  );
  cleanup.push(() => transport.close());
  const states: (string | null)[] = [];
  const subscribed = transport.start(
    () => {},
    false,
    (s) => states.push(s),
  );
  // the refused connection is real I/O: polled, not slept through
  await waitFor(() => states.some((s) => s !== null && WAITING.test(s)), 'the first refusal');
  return { port, time, transport, states, subscribed };
}

describe('collector MQTT transport: reconnect backoff on the injected timer', () => {
  it('retries when the first delay (0.5–1 s, equal jitter) has passed, and then subscribes', async () => {
    const { port, time, transport, states, subscribed } = await waitingTransport();
    // the retry waits on the virtual timer, nothing else
    expect(time.size).toBe(1);
    const broker = await startEmbeddedBroker('127.0.0.1', port);
    cleanup.push(() => broker.close());
    // before the shortest delay the retry is still pending: no new attempt has begun
    time.advance(499);
    expect(time.size).toBe(1);
    expect(states.filter((s) => s !== null && WAITING.test(s))).toHaveLength(1);
    expect(transport.connected).toBe(false);
    // by the longest delay it has run
    time.advance(501);
    expect(time.size).toBe(0);
    await subscribed;
    expect(states.at(-1)).toBeNull();
    expect(transport.connected).toBe(true);
  });

  it('close() cancels the retry that is due', async () => {
    const { time, transport } = await waitingTransport();
    expect(time.size).toBe(1);
    await transport.close();
    expect(time.size).toBe(0);
  });
});
