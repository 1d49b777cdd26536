// A folder laid out like SKAB: subfolders of `;`-separated CSVs. A file with an `anomaly`
// column is an experiment (scored); one without is training data. Every problem is a
// UserError naming the path, since the person running the bench has to fix the folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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

const NOT_SENSORS = new Set(['datetime', 'timestamp', 'time', 'anomaly', 'changepoint']);

function fail(msg: string): never {
  return benchDataError(msg);
}

function header(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const first = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length).trim();
  if (first === '') fail(`${path}: empty file (expected a header row)`);
  if (!first.includes(';'))
    fail(`${path}: expected a ';'-separated header, got "${first.slice(0, 60)}"`);
  return first
    .replace(/^\uFEFF/, '')
    .split(';')
    .map((h) => h.trim());
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
      const cols = header(path);
      const file: BenchFile = {
        name: `${sub}/${f}`,
        path,
        channels: cols.filter((c) => !NOT_SENSORS.has(c.toLowerCase())),
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
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const cols = lines[0]!
    .replace(/^\uFEFF/, '')
    .split(';')
    .map((h) => h.trim());
  const at = cols.indexOf('anomaly');
  if (at < 0) fail(`${path}: no 'anomaly' column`);
  const out = new Uint8Array(lines.length - 1);
  for (let r = 1; r < lines.length; r++) {
    const cell = lines[r]!.split(';')[at]?.trim();
    const v = Number(cell);
    if (cell === undefined || cell === '' || !(v === 0 || v === 1)) {
      fail(`${path} line ${r + 1}: anomaly is "${cell ?? ''}", expected 0 or 1`);
    }
    out[r - 1] = v;
  }
  return out;
}
