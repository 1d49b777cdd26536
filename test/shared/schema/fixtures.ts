// Valid example messages, built fresh per call, mutated per test case.
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import { exampleMetrics } from '../../../shared/schema/metrics-example.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';

/** The one example metrics message (shared/schema/metrics-example.ts), fresh per call. */
export const validMetrics = (): MetricsMessage => exampleMetrics();

export function validStatus(): StatusMessage {
  return {
    schema: 'redband.status',
    version: 1,
    fleet: 'plant-a',
    device: 'pump-07',
    boot: 'b-1',
    state: 'online',
    agent_version: '0.1.0',
    model: { name: 'skab-pump.onnx', sha256: 'a'.repeat(64) },
    backend: 'wasm',
    config_digest: 'sha256:abc',
    publish_period_s: 10,
    sent_at: 1_700_000_000_000,
  };
}
