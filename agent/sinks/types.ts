// The sink boundary: where finished messages leave the agent. The pipeline calls
// publishMetrics() and never waits; a sink that needs to buffer (MQTT) owns its buffer.
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../shared/schema/status.ts';

export interface SinkStats {
  /** messages waiting in the outbox (0 for sinks without one) */
  outboxDepth: number;
  /** messages the outbox dropped by its size / age limits since this start */
  outboxDropped: number;
}

export interface Sink {
  readonly kind: string;
  /** Starts accepting messages and announces `online`; must not wait for a broker. */
  start(online: StatusMessage): Promise<void>;
  publishMetrics(message: MetricsMessage): void;
  stats(): SinkStats;
  /** Flushes what it can, announces `offline`, releases everything. Safe to call twice. */
  stop(offline: StatusMessage): Promise<void>;
}
