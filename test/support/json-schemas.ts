// Validates payloads against the JSON Schema files published under shared/schemas/, the way
// another tool would: with a standard JSON Schema validator, not with our own zod schemas.
import { ALERT_VERSION } from '../../shared/schema/alert.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DIR = fileURLToPath(new URL('../../shared/schemas/', import.meta.url));

export function publishedValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(DIR + file, 'utf8')) as { title?: string };
    validators.set(file.replace('.schema.json', ''), ajv.compile(schema));
  }
  return validators;
}

/** The schema a topic's payloads follow, e.g. redband/v1/f/d/metrics → redband.metrics.v1 */
export function schemaForTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length === 4 && parts[3] === 'summary') return 'redband.summary.v1';
  const kind = parts[4];
  if (parts.length !== 5) return null;
  if (kind === 'metrics') return 'redband.metrics.v1';
  if (kind === 'status') return 'redband.status.v1';
  if (kind === 'alerts') return `redband.alert.v${ALERT_VERSION}`;
  return null;
}
