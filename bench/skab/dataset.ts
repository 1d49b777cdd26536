// A folder laid out like SKAB: subfolders of `;`-separated CSVs. A file with an `anomaly`
// column is an experiment (scored); one without is training data. Every problem is a
// UserError naming the path, since the person running the bench has to fix the folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NON_SENSOR_COLUMNS, parseCsvTable, type CsvTable } from '../../shared/csv/table.ts';
import { benchDataError, listFolder } from '../folder.ts';

export interface BenchFile {
  /** subfolder/file.csv, as printed */
  name: string;
  path: string;
  /** sensor columns (everything but time and label columns) */
  channels: string[];
}

export interface Dataset {
  dir: string;
  experiments: BenchFile[];
  training: BenchFile[];
}

function fail(msg: string): never {
  return benchDataError(msg);
}

/** The file as a table, SKAB's ';' layout required. */
function table(path: string): CsvTable {
  let t: CsvTable;
  try {
    t = parseCsvTable(path, readFileSync(path, 'utf8'), { delimiter: ';' });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (t.header.length < 2)
    fail(`${path}: expected a ';'-separated header, got "${t.header[0]!.slice(0, 60)}"`);
  return t;
}

/** Numeric order for SKAB's 0.csv … 15.csv, name order otherwise. */
function byName(a: string, b: string): number {
  const na = Number(basename(a, '.csv'));
  const nb = Number(basename(b, '.csv'));
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lists the folder; `subsets` keeps only those subfolders (e.g. ['valve1', 'valve2']). */
export function discoverDataset(dir: string, subsets?: readonly string[]): Dataset {
  const entries = listFolder(dir);
  const subdirs = entries.filter((e) => statSync(join(dir, e)).isDirectory());
  if (subdirs.length === 0)
    fail(`${dir}: no subfolders (expected SKAB's layout: <dir>/<group>/<n>.csv)`);
  if (subsets) {
    const missing = subsets.filter((s) => !subdirs.includes(s));
    if (missing.length > 0)
      fail(`${dir}: no subfolder ${missing.join(', ')} (found ${subdirs.join(', ')})`);
  }
  const experiments: BenchFile[] = [];
  const training: BenchFile[] = [];
  for (const sub of subdirs) {
    const csvs = readdirSync(join(dir, sub))
      .filter((f) => f.endsWith('.csv'))
      .sort(byName);
    for (const f of csvs) {
      const path = join(dir, sub, f);
      const cols = table(path).header;
      const file: BenchFile = {
        name: `${sub}/${f}`,
        path,
        channels: cols.filter((c) => !NON_SENSOR_COLUMNS.has(c.toLowerCase())),
      };
      if (file.channels.length === 0) fail(`${path}: no sensor columns in the header`);
      if (cols.includes('anomaly')) {
        if (!subsets || subsets.includes(sub)) experiments.push(file);
      } else training.push(file);
    }
  }
  if (experiments.length === 0) {
    fail(
      `${dir}: no labelled CSVs (files with an 'anomaly' column) in ${subsets?.join(', ') ?? 'any subfolder'}`,
    );
  }
  return { dir, experiments, training };
}

/** The `anomaly` column, one 0/1 per data row, in file order. */
export function readLabels(path: string): Uint8Array {
  const { header, rows } = table(path);
  const at = header.indexOf('anomaly');
  if (at < 0) fail(`${path}: no 'anomaly' column`);
  const out = new Uint8Array(rows.length);
  rows.forEach(({ line, cells }, r) => {
    const cell = cells[at]!.trim();
    const v = Number(cell);
    if (cell === '' || !(v === 0 || v === 1))
      fail(`${path} line ${line}: anomaly is "${cell}", expected 0 or 1`);
    out[r] = v;
  });
  return out;
}
