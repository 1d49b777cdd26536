// The collector benchmark publishes its template with the placeholders filled: each such
// message must pass both metrics checks (the exact fast one and zod), or the bench would
// measure the rejection path instead of ingest.
import { describe, expect, it } from 'vitest';
import { TEMPLATE } from '../../bench/collector.ts';
import { decodeMetrics, isValidMetrics, metricsSchema } from '../../shared/schema/index.ts';

describe('bench collector template', () => {
  it.each([
    ['dev1', '7', '80000', '3.5'],
    ['device-999', '0', '1', '0'],
  ])(
    'filled with device %s, seq %s, t %s, value %s, is a valid metrics message',
    (device, seq, t, v) => {
      const text = TEMPLATE.replace('__DEVICE__', device)
        .replace('__SEQ__', seq)
        .replace(/__T__/g, t)
        .replace(/__V__/g, v);
      const message: unknown = JSON.parse(text);
      expect(isValidMetrics(message)).toBe(true);
      expect(metricsSchema.safeParse(message).success).toBe(true);
      expect(decodeMetrics(text)).toMatchObject({ ok: true });
    },
  );
});
