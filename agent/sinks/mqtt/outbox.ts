// The bounded outbox: every metrics message is appended here first and deleted only when
// the broker acknowledged it (PUBACK), so nothing is lost while the broker is unreachable
// or the agent restarts. Limits on count, bytes and age are enforced by dropping the
// OLDEST messages (the newest describe the device's current state, which matters most),
// and every drop is counted so it can be published in health.outbox_dropped.
import { recordBytes, type OutboxRecord, type OutboxStore } from './store.ts';

export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
  /** messages older than this are dropped */
  maxAgeMs: number;
}

export class Outbox {
  /** messages dropped by the limits since this process opened the outbox */
  dropped = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly limits: OutboxLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.expire();
  }

  append(topic: string, payload: string): number {
    const size = recordBytes(topic, payload);
    if (size > this.limits.maxBytes) {
      // A message larger than the whole outbox can never be kept; count it as dropped.
      this.dropped++;
      return -1;
    }
    this.expire();
    const overCount = this.store.count() + 1 - this.limits.maxMessages;
    if (overCount > 0) this.dropped += this.store.deleteOldest(overCount);
    while (this.store.count() > 0 && this.store.bytes() + size > this.limits.maxBytes) {
      this.dropped += this.store.deleteOldest(1);
    }
    return this.store.append(topic, payload, this.clock());
  }

  /** oldest-first records after `afterId`, with expired ones dropped first */
  next(afterId: number, limit: number): OutboxRecord[] {
    this.expire();
    return this.store.list(afterId, limit);
  }

  ack(id: number): void {
    this.store.delete(id);
  }

  get depth(): number {
    return this.store.count();
  }

  close(): void {
    this.store.close();
  }

  private expire(): void {
    this.dropped += this.store.deleteCreatedBefore(this.clock() - this.limits.maxAgeMs);
  }
}
