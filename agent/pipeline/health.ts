// The health block of a metrics message, read from the counters at publish time.
import type { AgentHealth } from '../../shared/schema/metrics.ts';
import type { InferenceSession } from '../inference/types.ts';
import type { SinkStats } from '../sinks/types.ts';
import type { PipelineCounters } from './counters.ts';

export interface HealthSources {
  counters: PipelineCounters;
  queue: { depth: number; dropped: number };
  session: Pick<InferenceSession, 'backend' | 'fallbackReason'>;
  sink: { stats(): SinkStats };
  rss?: () => number;
}

/** RSS is a system call: read at most once per this many ms of wall time. */
const RSS_EVERY_MS = 1000;
let rssCache = { at: Number.NEGATIVE_INFINITY, bytes: 0 };

function cachedRss(): number {
  const now = performance.now();
  if (now - rssCache.at >= RSS_EVERY_MS) rssCache = { at: now, bytes: process.memoryUsage.rss() };
  return rssCache.bytes;
}

export function readHealth(h: HealthSources): AgentHealth {
  const { counters: c, queue, session } = h;
  const sink = h.sink.stats();
  const health: AgentHealth = {
    windows_in: c.windowsIn,
    windows_dropped: queue.dropped,
    windows_bad: c.windowsBad,
    samples_imputed: c.samplesImputed,
    inference_ms_p50: c.inferenceMs.quantile(0.5),
    inference_ms_p99: c.inferenceMs.quantile(0.99),
    queue_depth: queue.depth,
    rss_bytes: (h.rss ?? cachedRss)(),
    backend: session.backend,
    outbox_depth: sink.outboxDepth,
    outbox_dropped: sink.outboxDropped,
  };
  if (session.fallbackReason) health.backend_fallback_reason = session.fallbackReason;
  return health;
}
