// The committed JSON Schema files match what scripts/export-schemas.ts writes now.
import { describe, expect, it } from 'vitest';
import { renderSchemas, staleSchemas } from '../../scripts/export-schemas.ts';

describe('exported JSON Schemas', () => {
  it('are up to date (run: npx tsx scripts/export-schemas.ts)', async () => {
    expect(await staleSchemas()).toEqual([]);
  });

  it('cover the published messages and the fleet summary, strict like the zod schemas', async () => {
    const files = await renderSchemas();
    expect([...files.keys()].sort()).toEqual([
      'redband.alert.v1.schema.json',
      'redband.alert.v2.schema.json',
      'redband.command.v1.schema.json',
      'redband.metrics.v1.schema.json',
      'redband.status.v1.schema.json',
      'redband.summary.v1.schema.json',
    ]);
    for (const text of files.values()) {
      const doc = JSON.parse(text) as {
        type: string;
        additionalProperties: boolean;
        required: string[];
      };
      expect(doc.type).toBe('object');
      expect(doc.additionalProperties).toBe(false);
      expect(doc.required).toContain('schema');
    }
  });
});
