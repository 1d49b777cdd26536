// Writes the JSON Schema files of the published message schemas (shared/schema/index.ts's
// publishedSchemas plus the collector's fleet summary) to shared/schemas/*.schema.json.
// `--check` exits 1 when a committed file is stale. Run: npx tsx scripts/export-schemas.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { publishedSchemas } from '../shared/schema/index.ts';
import { exampleMetrics } from '../shared/schema/metrics-example.ts';
import { summarySchema } from '../collector/summary.ts';

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'shared', 'schemas');

const all: Record<string, z.ZodType> = { ...publishedSchemas, 'redband.summary.v1': summarySchema };

/** JSON Schema `examples`, for the messages that have one: what a reader of the file starts from. */
const EXAMPLES: Record<string, unknown[]> = { 'redband.metrics.v1': [exampleMetrics()] };

/**
 * File name → content. refine() checks (finite numbers, band ordering) have no JSON Schema
 * form: zod 4 drops them from the output and keeps the base type (JSON has no NaN or
 * Infinity anyway, so `number` is exact on the wire). `unrepresentable: 'any'` keeps the
 * export from throwing should a schema ever gain a type JSON Schema cannot express.
 */
export async function renderSchemas(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // formatted as `prettier --check .` (npm run lint) expects
  const options = { ...(await resolveConfig(join(SCHEMAS_DIR, 'x.json'))), parser: 'json' };
  for (const [name, schema] of Object.entries(all)) {
    const json = z.toJSONSchema(schema, {
      unrepresentable: 'any',
      io: 'output',
      target: 'draft-2020-12',
    });
    const examples = EXAMPLES[name];
    const doc = {
      $id: `https://redband.dev/schemas/${name}.schema.json`,
      title: name,
      ...json,
      ...(examples ? { examples } : {}),
    };
    out.set(`${name}.schema.json`, await format(JSON.stringify(doc), options));
  }
  return out;
}

/** Names of the files that differ from what would be written. */
export async function staleSchemas(dir = SCHEMAS_DIR): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, text] of await renderSchemas()) {
    let current = '';
    try {
      current = readFileSync(join(dir, file), 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) stale.push(file);
  }
  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleSchemas();
    if (stale.length) {
      process.stderr.write(
        `stale JSON Schema files (run npx tsx scripts/export-schemas.ts): ${stale.join(', ')}\n`,
      );
      process.exitCode = 1;
    }
    return;
  }
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const [file, text] of await renderSchemas()) {
    writeFileSync(join(SCHEMAS_DIR, file), text);
    process.stdout.write(`wrote shared/schemas/${file}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
