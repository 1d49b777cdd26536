// What a collector has sent, without waiting to see whether anything more arrives: every
// notification is in the outbox from its message's commit on, every publish goes through it,
// and drain waits for the ones in flight.
import type { Collector } from '../../collector/factories.ts';

/** Alerts this collector (this process's run) had acknowledged by the broker, once none is in flight. */
export async function published(c: Collector): Promise<number> {
  await c.core.drain();
  const { values } = await c.core.metrics.alertsPublished.get();
  return values.reduce((n, v) => n + v.value, 0);
}
