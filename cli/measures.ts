// `redband measures`: every redundancy measure of a file of vectors, as an aligned
// table or one JSON object. Input: CSV with a header (comma or semicolon separated,
// `#` comment lines allowed) or JSON lines of number arrays.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import { pickChannels } from '../mae/csv.ts';
import { parseCsvTable } from '../shared/csv/table.ts';
import { RunningCovariance } from '../shared/covariance/welford.ts';
import { computeMeasures } from '../shared/measures/compute.ts';
import type { RedundancyMeasures } from '../shared/measures/types.ts';

/** Rows per pushBatch call while reading. */
const BATCH_ROWS = 256;

export interface ParsedVectors {
  columns: string[];
  rows: Float64Array;
  count: number;
}

/** Parses CSV (with header) or JSON lines; errors name the file and line. */
export function parseVectors(text: string, file: string, selected?: string[]): ParsedVectors {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === undefined) throw new UserError(`${file}: empty file (no vectors)`, 'input');
  const json = first.trim().startsWith('[');
  const table = json ? jsonLinesTable(text, file) : parseCsvTable(file, text, { comments: true });
  const { header: columns, rows: body } = table;
  // the same choice as `redband train`: named columns, else all but timestamps and labels
  const picked = pickChannels(
    file,
    columns,
    selected,
    json ? `indices 0–${columns.length - 1}` : undefined,
  );
  if (body.length === 0)
    throw new UserError(`${file}: empty file (a header but no vectors)`, 'input');
  const rows = new Float64Array(body.length * picked.length);
  body.forEach(({ line, cells }, r) => {
    picked.forEach((c, j) => {
      const cell = cells[c]!;
      const value = typeof cell === 'number' ? cell : cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new UserError(
          `${file} line ${line}: column "${columns[c]}" is not a finite number: ${JSON.stringify(cell)}`,
          'input',
        );
      }
      rows[r * picked.length + j] = value;
    });
  });
  return { columns: picked.map((c) => columns[c]!), rows, count: body.length };
}

/** JSON lines of arrays as a table: columns named by index, every row as long as the first. */
function jsonLinesTable(text: string, file: string) {
  const rows = text
    .split(/\r?\n/)
    .map((content, i) => ({ content: content.trim(), line: i + 1 }))
    .filter(({ content }) => content !== '' && !content.startsWith('#'))
    .map(({ content, line }) => ({ line, cells: parseJsonRow(content, file, line) }));
  const width = rows[0]!.cells.length;
  for (const { line, cells } of rows) {
    if (cells.length !== width)
      throw new UserError(
        `${file} line ${line}: ${cells.length} numbers, the first row has ${width}`,
        'input',
      );
  }
  return { header: Array.from({ length: width }, (_, i) => String(i)), rows };
}

function parseJsonRow(line: string, file: string, number: number): Array<number | string> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UserError(`${file} line ${number}: not a JSON array of numbers`, 'input');
  }
  if (!Array.isArray(value))
    throw new UserError(`${file} line ${number}: not a JSON array of numbers`, 'input');
  return value.map((v) => (typeof v === 'number' ? v : String(v)));
}

/** Builds the covariance summary and computes the measures, or throws a UserError. */
export function measuresOfFile(path: string, selected?: string[]): RedundancyMeasures {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'input',
    );
  }
  const parsed = parseVectors(text, basename(path), selected);
  const k = parsed.columns.length;
  const summary = new RunningCovariance(k);
  for (let start = 0; start < parsed.count; start += BATCH_ROWS) {
    const count = Math.min(BATCH_ROWS, parsed.count - start);
    summary.pushBatch(parsed.rows.subarray(start * k, (start + count) * k), count);
  }
  const outcome = computeMeasures(summary);
  if (!outcome.ok) {
    const { degenerate } = outcome;
    const names =
      degenerate.kind === 'dead-channel'
        ? ` (${degenerate.channels.map((c) => parsed.columns[c]).join(', ')})`
        : '';
    throw new UserError(
      `${basename(path)}: ${degenerate.message}${names}`,
      `degenerate-${degenerate.kind}`,
    );
  }
  return outcome.measures;
}

const format = (v: number | null): string =>
  v === null ? '+∞' : Number(v.toPrecision(6)).toString();

/** The measures as aligned `name  value  note` lines. */
export function measuresTable(m: RedundancyMeasures): string {
  const rows: Array<[string, string, string?]> = [
    ['n', String(m.n)],
    ['k', String(m.k)],
    ['tc (nats)', format(m.tc), m.notes.tc],
    ['tc_bias_corrected', format(m.tc_bias_corrected), m.notes.tc_bias_corrected],
    ...Object.entries(m.renyi)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([alpha, v]): [string, string, string?] => [
        `renyi α=${alpha}`,
        format(v),
        m.notes[`renyi_${alpha.replace('.', '_')}`],
      ]),
    ['hellinger2', format(m.hellinger2)],
    ['chi2', format(m.chi2), m.notes.chi2],
    ['quadratic Q', format(m.quadratic)],
    ['spectral', format(m.spectral)],
    ['erank', format(m.erank)],
    ['pr', format(m.pr)],
    m.bartlett
      ? [
          'bartlett',
          `${format(m.bartlett.statistic)} (dof ${m.bartlett.dof}, p = ${m.bartlett.p_value.toPrecision(3)})`,
        ]
      : ['bartlett', '—', m.notes.bartlett],
    ['eigenvalues', m.eigenvalues.map(format).join(' ')],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows
    .map(([name, value, note]) => `${name.padEnd(width)}  ${value}${note ? `   (${note})` : ''}`)
    .join('\n');
}

export function measuresCommand(): Command {
  return new Command('measures')
    .description(
      'Compute every redundancy measure of a file of vectors (CSV with header, or JSON lines).',
    )
    .requiredOption(
      '--input <file>',
      'vectors: CSV with a header (, or ;) or JSON lines of number arrays',
    )
    .option('--json', 'print one JSON object instead of a table')
    .option(
      '--columns <names>',
      'comma-separated column names (CSV) or indices (JSON lines) to use',
    )
    .action((opts: { input: string; json?: boolean; columns?: string }) => {
      const selected = opts.columns
        ?.split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      const m = measuresOfFile(opts.input, selected);
      process.stdout.write(`${opts.json ? JSON.stringify(m) : measuresTable(m)}\n`);
    });
}
