// Builders of valid wire messages and rule sets for the collector tests.
import type { Band, MetricsMessage, StatusMessage } from '../../shared/schema/index.ts';
import { parseConfig, type CollectorConfig } from '../../collector/config.ts';
import type { Rule } from '../../collector/rules/types.ts';
import { exampleMetrics } from '../../shared/schema/metrics-example.ts';

export const BAND: Band = { measure: 'tc', low: 1, center: 2, high: 3, source: 'config' };

export interface MetricsOpts {
  fleet?: string;
  device?: string;
  boot?: string;
  seq?: number;
  /** window_end, data time ms */
  t?: number;
  value?: number | null;
  /** band_value null because tc is +∞ */
  infinite?: boolean;
  band?: Band | null;
  drift?: number | null;
  recon?: number | null;
  drift_mean?: number | null;
  coupling_shift?: number | null;
  phase?: 'warmup' | 'live';
  /** metrics.limits (threshold: device) */
  limits?: MetricsMessage['limits'];
}

/**
 * The example message (shared/schema/metrics-example.ts) as a 4-channel device of fleet f1
 * whose band measures read `value`, the fields the collector's tests vary set from `o`.
 */
export function metrics(o: MetricsOpts = {}): MetricsMessage {
  const t = o.t ?? 60_000;
  const value = o.infinite ? null : o.value === undefined ? 2 : o.value;
  const example = exampleMetrics();
  return exampleMetrics({
    fleet: o.fleet ?? 'f1',
    device: o.device ?? 'd1',
    boot: o.boot ?? 'b1',
    seq: o.seq ?? 0,
    window_start: Math.max(0, t - 10_000),
    window_end: t,
    windows: 10,
    phase: o.phase ?? 'live',
    band: o.band === undefined ? BAND : o.band,
    band_value: value,
    measures: {
      ...example.measures!,
      n: 100,
      k: 4,
      tc: value,
      tc_bias_corrected: value,
      renyi: { '0.5': value, '2': value },
      erank: 3.1,
      pr: 2.8,
      eigenvalues: [2, 1, 0.6, 0.4],
      notes: o.infinite ? { tc: 'singular correlation matrix: +∞' } : {},
    },
    drift: o.drift === undefined ? 0.1 : o.drift,
    recon: o.recon === null ? null : { mean: o.recon ?? 0.2, p95: (o.recon ?? 0.2) * 2 },
    ...(o.drift_mean !== undefined ? { drift_mean: o.drift_mean } : {}),
    ...(o.coupling_shift !== undefined ? { coupling_shift: o.coupling_shift } : {}),
    ...(o.limits !== undefined ? { limits: o.limits } : {}),
    sent_at: t,
  });
}

export function status(
  o: {
    fleet?: string;
    device?: string;
    state?: 'online' | 'offline';
    period?: number;
    reason?: StatusMessage['reason'];
  } = {},
): StatusMessage {
  return {
    schema: 'redband.status',
    version: 1,
    fleet: o.fleet ?? 'f1',
    device: o.device ?? 'd1',
    boot: 'b1',
    state: o.state ?? 'online',
    agent_version: '0.1.0',
    model: { name: 'm', sha256: 'a'.repeat(64) },
    backend: 'node',
    config_digest: 'x',
    ...(o.period !== undefined ? { publish_period_s: o.period } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    sent_at: 0,
  };
}

/** Config for tests: temp DB, ephemeral ports, fast ticks. */
export function testConfig(dbPath: string, raw: Record<string, unknown> = {}): CollectorConfig {
  const { mqtt, ...rest } = raw;
  return parseConfig({
    db: { path: dbPath },
    http: { port: 0 },
    embedded_broker: { port: 0 },
    ingest: { rate_per_s: 1000, burst: 1000 },
    tick_interval: '100ms',
    summary_interval: '100ms',
    ...(mqtt ? { mqtt } : {}),
    ...rest,
  });
}

/** Rules from a config fragment (`rules:` section). */
export function rulesFrom(rules: Record<string, unknown>): Rule[] {
  return parseConfig({ rules }).rules;
}
