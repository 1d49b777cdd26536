// The config READMEs' key tables are what the schemas say (scripts/config-docs.ts writes
// them: `npm run docs`): a key added, a default changed or a description edited in the schema
// and not regenerated fails here, naming the file.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generatedTables, keyRows, keyTable, withTable } from '../../scripts/config-docs.ts';
import { REPO } from '../support/processes.ts';

describe('generated config key tables', () => {
  it('every README table is up to date (run npm run docs)', async () => {
    for (const [file, text, generated] of await generatedTables(REPO))
      expect(text, `${file}: its config key table is stale; run npm run docs`).toBe(generated);
  });

  it('rows carry the path, the type with its limits, the parsed default and the description', () => {
    const schema = z.strictObject({
      name: z.string().describe('who'),
      http: z
        .strictObject({
          port: z.number().int().min(0).max(65535).default(8080).describe('the port'),
          mode: z.enum(['a', 'b']).default('a'),
        })
        .prefault({}),
      kind: z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('x') }),
        z.strictObject({ kind: z.literal('y'), n: z.number() }),
      ]),
    });
    const rows = keyRows(schema, { name: 'n', kind: { kind: 'x' } });
    expect(rows).toEqual([
      { key: 'name', type: 'string', default: '—', meaning: 'who' },
      { key: 'http.port', type: 'integer ≥ 0, ≤ 65535', default: '`8080`', meaning: 'the port' },
      { key: 'http.mode', type: '`a` \\| `b`', default: '`a`', meaning: '' },
      { key: 'kind', type: '`{kind: x}` \\| `{kind: y}`', default: '—', meaning: '' },
    ]);
    expect(keyTable(rows).split('\n')[0]).toBe('| key | type | default | meaning |');
  });

  it('a README without the markers is an error naming it', () => {
    expect(() => withTable('no markers here', '| t |', 'X.md')).toThrow(/^X\.md: no /);
  });
});
