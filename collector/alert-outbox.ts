// The alert outbox's sending side. Alerts are inserted unpublished in their ingest
// transaction (store.ts); here each goes to the publisher, and each the broker acknowledged is
// marked published. Anything not marked when the process dies is re-sent at the next start,
// so a notification is never lost, and repeated only across a crash between ack and mark.
import type { Logger } from 'pino';
import type { AlertMessage } from '../shared/schema/index.ts';
import type { CollectorMetrics } from './metrics.ts';
import type { Store } from './store.ts';

/** Publishes one alert; resolves once the broker has acknowledged it (QoS 1). */
export type AlertPublisher = (alert: AlertMessage) => Promise<void>;

/** An alert committed to the outbox table, with its row id. */
export interface OutboxEntry {
  id: number;
  alert: AlertMessage;
}

export class AlertOutbox {
  private readonly inflight = new Map<number, Promise<void>>();
  private publisher: AlertPublisher | null = null;
  private acked: number[] = [];
  private ackFlush: NodeJS.Immediate | null = null;

  constructor(
    private readonly store: Store,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
  ) {}

  /** Attaches the publisher and re-sends what a previous run committed but never got acknowledged. */
  attach(publisher: AlertPublisher | null): void {
    this.publisher = publisher;
    if (publisher)
      this.send(this.store.unpublishedAlerts().filter((a) => !this.inflight.has(a.id)));
  }

  /** Hands committed alerts to the publisher; without one they wait in the table. */
  send(alerts: readonly OutboxEntry[]): void {
    const publisher = this.publisher;
    if (!publisher) return;
    for (const { id, alert } of alerts) {
      const p = publisher(alert)
        .then(() => {
          this.acked.push(id);
          this.ackFlush ??= setImmediate(() => this.flushAcked());
          this.metrics.alertsPublished.inc({ rule: alert.rule, state: alert.state });
        })
        .catch((e: Error) =>
          this.log.warn(
            { id, err: e.message },
            'alert not acknowledged; will re-send at next start',
          ),
        )
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
  }

  /**
   * Marks acknowledged alerts published, all acks of one event-loop turn in one transaction
   * (an UPDATE per ack was a commit per alert). A crash before this re-sends them at start.
   */
  flushAcked(): void {
    if (this.ackFlush) clearImmediate(this.ackFlush);
    this.ackFlush = null;
    const ids = this.acked;
    this.acked = [];
    if (ids.length && this.store.db.open)
      this.store.transaction(() => ids.forEach((id) => this.store.markPublished(id)));
  }

  /** Waits for every alert publish in flight (bounded by the caller), then marks them. */
  async drain(): Promise<void> {
    await Promise.all([...this.inflight.values()]);
    this.flushAcked();
  }
}
