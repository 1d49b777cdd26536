// Reads sensor CSVs for training: SKAB's `;`-separated layout (datetime + sensors +
// optional anomaly/changepoint labels) or a plain comma CSV. Every problem becomes a
// UserError naming the file, line and column, since the person has to fix the file.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { NON_SENSOR_COLUMNS, parseCsvTable } from '../shared/csv/table.ts';
import { UserError } from '../shared/errors.ts';

export interface SensorTable {
  file: string;
  channels: string[];
  rows: number;
  /** rows × channels, row-major */
  data: Float64Array;
}

/**
 * The channel columns of a header, as indices: the `columns` named (each once, all known),
 * else every column but timestamps and labels (NON_SENSOR_COLUMNS). `redband train` and `redband
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
    picked = header.flatMap((h, i) => (NON_SENSOR_COLUMNS.has(h.toLowerCase()) ? [] : [i]));
  }
  if (picked.length === 0)
    throw new UserError(`${name}: no sensor columns in the header`, 'csv-parse');
  return picked;
}

/** Parses CSV text; `name` is used in messages; `columns` selects channels (default: all numeric ones). */
export function parseSensorCsv(name: string, text: string, columns?: string[]): SensorTable {
  const table = parseCsvTable(name, text);
  const { header } = table;
  const picked = pickChannels(name, header, columns);
  const rows = table.rows.length;
  const c = picked.length;
  const data = new Float64Array(rows * c);
  table.rows.forEach(({ line, cells }, r) => {
    for (let j = 0; j < c; j++) {
      const col = picked[j]!;
      const cell = cells[col]!.trim();
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        const what = cell === '' ? 'empty cell' : `"${cell}" is not a finite number`;
        throw new UserError(`${name} line ${line}, column "${header[col]}": ${what}`, 'csv-value');
      }
      data[r * c + j] = v;
    }
  });
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
