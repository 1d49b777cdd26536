// Reads sensor CSVs for training: SKAB's `;`-separated layout (datetime + sensors +
// optional anomaly/changepoint labels) or a plain comma CSV. Every problem becomes a
// UserError naming the file, line and column, since the person has to fix the file.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../shared/errors.ts';

/** Columns that are never sensor channels: timestamps and SKAB's label columns. */
const IGNORED = new Set(['datetime', 'timestamp', 'time', 'date', 't', 'anomaly', 'changepoint']);

export interface SensorTable {
  file: string;
  channels: string[];
  rows: number;
  /** rows × channels, row-major */
  data: Float64Array;
}

function splitLine(line: string, sep: string): string[] {
  // Quoted fields are rare in sensor exports; strip the quotes, do not support embedded separators.
  return line.split(sep).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * The channel columns of a header, as indices: the `columns` named (each once, all known),
 * else every column but timestamps and labels (IGNORED). `redband train` and `redband
 * measures` both choose their columns here. `known` describes the header in the
 * unknown-column message (default: the header's names).
 */
export function pickChannels(
  name: string,
  header: string[],
  columns?: string[],
  known = `the header has ${header.map((h) => `"${h}"`).join(', ')}`,
): number[] {
  let picked: number[];
  if (columns && columns.length > 0) {
    picked = columns.map((col) => {
      const i = header.indexOf(col);
      if (i < 0) throw new UserError(`${name}: unknown column "${col}" (${known})`, 'csv-column');
      return i;
    });
    if (new Set(picked).size !== picked.length) {
      throw new UserError(`${name}: --columns names a column twice`, 'csv-column');
    }
  } else {
    picked = header.flatMap((h, i) => (IGNORED.has(h.toLowerCase()) ? [] : [i]));
  }
  if (picked.length === 0)
    throw new UserError(`${name}: no sensor columns in the header`, 'csv-parse');
  return picked;
}

/** Parses CSV text; `name` is used in messages; `columns` selects channels (default: all numeric ones). */
export function parseSensorCsv(name: string, text: string, columns?: string[]): SensorTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const headerLine = lines[0];
  if (headerLine === undefined || headerLine.trim() === '') {
    throw new UserError(`${name}: empty file (expected a header row)`, 'csv-parse');
  }
  const sep = headerLine.includes(';') ? ';' : ',';
  const header = splitLine(headerLine, sep);
  const unnamed = header.findIndex((h) => h === '');
  if (unnamed >= 0)
    throw new UserError(`${name} line 1: column ${unnamed + 1} has no name`, 'csv-parse');

  const picked = pickChannels(name, header, columns);

  const rows = lines.length - 1;
  const c = picked.length;
  const data = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) {
    const lineNo = r + 2;
    const fields = splitLine(lines[r + 1]!, sep);
    if (fields.length !== header.length) {
      throw new UserError(
        `${name} line ${lineNo}: ${fields.length} fields, the header has ${header.length}`,
        'csv-shape',
      );
    }
    for (let j = 0; j < c; j++) {
      const col = picked[j]!;
      const cell = fields[col]!;
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        const what = cell === '' ? 'empty cell' : `"${cell}" is not a finite number`;
        throw new UserError(
          `${name} line ${lineNo}, column "${header[col]}": ${what}`,
          'csv-value',
        );
      }
      data[r * c + j] = v;
    }
  }
  return { file: name, channels: picked.map((i) => header[i]!), rows, data };
}

export async function readSensorCsv(path: string, columns?: string[]): Promise<SensorTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: cannot read (${code === 'ENOENT' ? 'no such file' : code})`,
      'csv-read',
    );
  }
  return parseSensorCsv(basename(path), text, columns);
}
