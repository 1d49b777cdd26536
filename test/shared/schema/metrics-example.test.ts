// The one example metrics message is valid by both checks and by the decoder, is a fresh
// object per call, and is the one the exported JSON Schema carries as its example.
import { describe, expect, it } from 'vitest';
import { renderSchemas } from '../../../scripts/export-schemas.ts';
import { exampleMetrics } from '../../../shared/schema/metrics-example.ts';
import { decodeMetrics, isValidMetrics, metricsSchema } from '../../../shared/schema/index.ts';

describe('the example metrics message', () => {
  it('passes the fast check, zod and the decoder', () => {
    const m = exampleMetrics();
    expect(isValidMetrics(m)).toBe(true);
    expect(metricsSchema.safeParse(m).success).toBe(true);
    expect(decodeMetrics(JSON.stringify(m))).toEqual({ ok: true, value: m });
  });

  it('takes whole top-level fields from overrides and stays valid', () => {
    const m = exampleMetrics({ device: 'd9', seq: 7, measures: null, band: null });
    expect(m).toMatchObject({ device: 'd9', seq: 7, measures: null, band: null });
    expect(m.fleet).toBe(exampleMetrics().fleet);
    expect(isValidMetrics(m)).toBe(true);
  });

  it('is a fresh object on every call: mutating one leaves the next alone', () => {
    const a = exampleMetrics();
    a.measures!.notes.x = 'changed';
    a.health.queue_depth = 9;
    const b = exampleMetrics();
    expect(b.measures!.notes).not.toHaveProperty('x');
    expect(b.health.queue_depth).toBe(0);
  });

  it('is the example of the exported metrics JSON Schema', async () => {
    const text = (await renderSchemas()).get('redband.metrics.v1.schema.json')!;
    expect((JSON.parse(text) as { examples: unknown[] }).examples).toEqual([exampleMetrics()]);
  });
});
