// The one example metrics message: what an agent publishes on redband/v1/<fleet>/<device>/metrics
// once live. The JSON Schema export carries it as `examples` (scripts/export-schemas.ts), the
// tests and the collector benchmark build their messages from it, so a field added to
// metricsSchema is added here once and every copy follows.
import type { MetricsMessage } from './metrics.ts';

/**
 * A fresh, valid message (new nested objects on every call, so a caller may mutate it), with
 * `overrides` replacing whole top-level fields.
 */
export function exampleMetrics(overrides: Partial<MetricsMessage> = {}): MetricsMessage {
  return {
    schema: 'redband.metrics',
    version: 1,
    fleet: 'plant-a',
    device: 'pump-07',
    boot: 'b-1',
    seq: 0,
    window_start: 1_700_000_000_000,
    window_end: 1_700_000_060_000,
    windows: 16,
    phase: 'live',
    band: { measure: 'tc', low: 0.2, center: 0.5, high: 0.9, source: 'model' },
    band_value: 0.48,
    measures: {
      n: 256,
      k: 2,
      tc: 0.48,
      tc_bias_corrected: 0.47,
      renyi: { '0.5': 0.3, '2': 0.7 },
      hellinger2: 0.05,
      chi2: null,
      quadratic: 0.62,
      spectral: 0.4,
      erank: 1.3,
      pr: 1.2,
      bartlett: { statistic: 120, dof: 1, p_value: 0 },
      eigenvalues: [1.79, 0.21],
      notes: { chi2: 'eigenvalue 2.1 ≥ 2: chi-squared diverges' },
    },
    degenerate: null,
    drift: 0.01,
    recon: { mean: 0.12, p95: 0.3 },
    health: {
      windows_in: 100,
      windows_dropped: 0,
      windows_bad: 0,
      samples_imputed: 0,
      inference_ms_p50: 1.5,
      inference_ms_p99: 4,
      queue_depth: 0,
      rss_bytes: 80_000_000,
      backend: 'node',
      outbox_depth: 0,
      outbox_dropped: 0,
    },
    sent_at: 1_700_000_060_100,
    ...overrides,
  };
}
