// The key tables of the config READMEs, generated from the config schemas so they cannot
// drift: each key's path, type and limits, default and meaning (the schema's description).
// `npm run docs` rewrites the tables between their markers; test/docs/config-tables.test.ts
// fails when a README's table is not what the schema says.
//   npx tsx scripts/config-docs.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import { agentConfigSchema } from '../agent/config/schema.ts';
import { configSchema as collectorConfigSchema } from '../collector/config.ts';

type Json = Record<string, unknown>;

export interface KeyRow {
  key: string;
  type: string;
  default: string;
  meaning: string;
}

const code = (s: string): string => `\`${s}\``;

function typeOf(s: Json): string {
  if (s.format === 'duration') return 'duration';
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => code(String(v))).join(' \\| ');
  if (s.const !== undefined) return code(String(s.const));
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alternatives) return alternatives.map(variant).join(' \\| ');
  if (s.type === 'array') return `list of ${typeOf((s.items as Json) ?? {})}`;
  const bounds: string[] = [];
  if (typeof s.minimum === 'number' && Math.abs(s.minimum) < 1e15) bounds.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') bounds.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number' && Math.abs(s.maximum) < 1e15) bounds.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') bounds.push(`< ${s.exclusiveMaximum}`);
  const type = s.type === 'object' ? 'mapping' : String(s.type ?? 'any');
  return bounds.length > 0 ? `${type} ${bounds.join(', ')}` : type;
}

/** A union's branch: a mapping by its discriminator (`{kind: csv}`), anything else by its type. */
function variant(s: Json): string {
  const props = (s.properties ?? {}) as Record<string, Json>;
  for (const [name, p] of Object.entries(props))
    if (p.const !== undefined) return code(`{${name}: ${String(p.const)}}`);
  return typeOf(s);
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** milliseconds as the largest whole unit a duration is written in */
function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function shown(v: unknown, duration = false): string {
  if (v === undefined || v === null) return '—';
  if (duration && typeof v === 'number') return code(durationText(v));
  if (typeof v === 'object' && Object.keys(v).length === 0) return '—';
  return code(typeof v === 'string' ? v : JSON.stringify(v));
}

/**
 * One row per key, a mapping's keys under it (its path joined by '.'); `whole`: keys shown as
 * one row. Defaults are what the schema fills into `minimal` (a config naming only what has no
 * default), so they are the parser's own, transforms included.
 */
export function keyRows(
  schema: z.ZodType,
  minimal: unknown,
  whole: readonly string[] = [],
): KeyRow[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const filled = schema.parse(minimal);
  const given = (key: string) => valueAt(minimal, key.split('.')) !== undefined;
  const rows: KeyRow[] = [];
  const walk = (node: Json, prefix: string) => {
    for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      const described = typeof child.description === 'string' ? child.description : '';
      if (child.type === 'object' && child.properties && !whole.includes(key)) {
        walk(child, key);
        continue;
      }
      const value = given(key) ? undefined : valueAt(filled, key.split('.'));
      const duration = child.format === 'duration';
      rows.push({ key, type: typeOf(child), default: shown(value, duration), meaning: described });
    }
  };
  walk(root, '');
  return rows;
}

export function keyTable(rows: readonly KeyRow[]): string {
  // a pipe not escaped yet would end the cell
  const cell = (s: string) => s.replace(/(?<!\\)\|/g, '\\|');
  return [
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${code(r.key)} | ${r.type} | ${r.default} | ${cell(r.meaning)} |`),
  ].join('\n');
}

/** The README tables this script writes: the file, its schema, a config that needs nothing more. */
const TABLES = [
  {
    file: 'firmware-configs/README.md',
    schema: agentConfigSchema,
    minimal: { source: { kind: 'sim' }, model: { path: 'model.onnx' } },
    whole: [
      'source',
      'band',
      'sketch',
      'pipeline.missing',
      'mqtt.tls',
      'detect.coupling',
      'detect.limit_floors',
    ],
  },
  {
    file: 'collector/README.md',
    schema: collectorConfigSchema,
    minimal: {},
    whole: ['rules', 'mqtt.tls'],
  },
];

const BEGIN =
  '<!-- config keys: generated from the schema by `npm run docs`; edit the schema, not this table -->';
const END = '<!-- end of config keys -->';

/** `text` with its generated table replaced by `table`; throws when the markers are missing. */
export function withTable(text: string, table: string, file: string): string {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: no ${BEGIN} … ${END} markers`);
  return `${text.slice(0, a + BEGIN.length)}\n\n${table}\n\n${text.slice(b)}`;
}

/**
 * Each README as the schemas would write it, formatted as the repository's prettier formats
 * it (so `npm run lint` and this agree): [file, current text, generated text].
 */
export async function generatedTables(root: string): Promise<[string, string, string][]> {
  return Promise.all(
    TABLES.map(async (t): Promise<[string, string, string]> => {
      const path = `${root}/${t.file}`;
      const text = readFileSync(path, 'utf8');
      const table = keyTable(keyRows(t.schema, t.minimal, t.whole));
      const options = (await prettier.resolveConfig(path)) ?? {};
      const generated = await prettier.format(withTable(text, table, t.file), {
        ...options,
        filepath: path,
      });
      return [t.file, text, generated];
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, text, generated] of await generatedTables(root)) {
    if (text === generated) continue;
    stale++;
    if (check) process.stderr.write(`${file}: its config key table is stale; run npm run docs\n`);
    else writeFileSync(`${root}/${file}`, generated);
  }
  process.exitCode = check && stale > 0 ? 1 : 0;
}
