// A folder of Braatz's Tennessee Eastman files: d00.dat (normal, the training run; published
// transposed, one variable per line), d00_te.dat (normal, a second run), dNN.dat (fault NN,
// every row faulty) and dNN_te.dat (fault NN from row 161). Whitespace-separated numbers, no
// header, one row every 3 minutes, 52 variables: XMEAS(1..41) then XMV(1..11). Every problem
// is a UserError naming the file and line, since the person running the bench has to fix it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDataError, listFolder } from '../folder.ts';

/** XMEAS(1)…XMEAS(41), XMV(1)…XMV(11): the CSV column (and model channel) names. */
export const TEP_CHANNELS: readonly string[] = [
  ...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`),
  ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`),
];
export const TEP_VARIABLES = TEP_CHANNELS.length;
/** one sample every 3 minutes */
export const TEP_PERIOD_MS = 3 * 60_000;
/** in a dNN_te.dat the fault starts at row 161 (1-based): rows 1–160 are normal */
export const TESTING_ONSET_ROW = 160;
/** the faults that published studies call practically undetectable from these variables */
export const UNDETECTABLE_FAULTS: readonly number[] = [3, 9, 15];

export interface TepTable {
  path: string;
  rows: number;
  /** one Float64Array of 52 values per row */
  data: Float64Array[];
}

export interface TepFile {
  /** d01, d01_te, d00_te */
  name: string;
  path: string;
  /** 0 for the normal runs */
  fault: number;
  /** testing file: rows before TESTING_ONSET_ROW are normal */
  testing: boolean;
}

export interface TepDataset {
  dir: string;
  training: string;
  /** d00_te.dat, if present */
  normal: TepFile | null;
  /** every dNN.dat and dNN_te.dat (NN ≥ 1), by fault then training before testing */
  faults: TepFile[];
}

function fail(msg: string): never {
  return benchDataError(msg);
}

function parseLine(path: string, line: string, lineNo: number): number[] {
  const cells = line.trim().split(/\s+/);
  return cells.map((cell, j) => {
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v)) {
      fail(`${path} line ${lineNo}: value ${j + 1} "${cell}" is not a finite number`);
    }
    return v;
  });
}

/**
 * Reads one file as rows × 52. A file whose every line holds 52 values is row-major; one of
 * exactly 52 lines of another, common length is the transposed layout d00.dat is published in.
 */
export function readTepFile(path: string): TepTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    fail(`${path}: cannot read the file (${(e as Error).message})`);
  }
  const lines: Array<{ no: number; values: number[] }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') lines.push({ no: i + 1, values: parseLine(path, line, i + 1) });
  });
  if (lines.length === 0) fail(`${path}: empty file`);
  const width = lines[0]!.values.length;
  const transposed = lines.length === TEP_VARIABLES && width !== TEP_VARIABLES;
  if (transposed) {
    const bad = lines.find((l) => l.values.length !== width);
    if (bad) {
      fail(
        `${path} line ${bad.no}: ${bad.values.length} values, line 1 has ${width} (a transposed file: one variable per line)`,
      );
    }
    const data = Array.from({ length: width }, (_, r) =>
      Float64Array.from(lines, (l) => l.values[r]!),
    );
    return { path, rows: width, data };
  }
  const bad = lines.find((l) => l.values.length !== TEP_VARIABLES);
  if (bad) {
    fail(`${path} line ${bad.no}: ${bad.values.length} values, expected ${TEP_VARIABLES}`);
  }
  return { path, rows: lines.length, data: lines.map((l) => Float64Array.from(l.values)) };
}

const FILE_NAME = /^d(\d\d)(_te)?\.dat$/;

/** Lists the folder: d00.dat is required; every other dNN(_te).dat found is scored. */
export function discoverTep(dir: string): TepDataset {
  const entries = listFolder(dir);
  if (!entries.includes('d00.dat')) {
    fail(`${dir}: no d00.dat (the normal training run everything is fitted on)`);
  }
  let normal: TepFile | null = null;
  const faults: TepFile[] = [];
  for (const e of entries) {
    const m = FILE_NAME.exec(e);
    if (!m || e === 'd00.dat') continue;
    const file: TepFile = {
      name: e.slice(0, -'.dat'.length),
      path: join(dir, e),
      fault: Number(m[1]),
      testing: m[2] !== undefined,
    };
    if (file.fault === 0) {
      if (file.testing) normal = file;
    } else faults.push(file);
  }
  faults.sort((a, b) => a.fault - b.fault || Number(a.testing) - Number(b.testing));
  return { dir, training: join(dir, 'd00.dat'), normal, faults };
}

/** Row labels of a scored file: 1 = faulty. */
export function faultLabels(file: TepFile, rows: number): Uint8Array {
  const out = new Uint8Array(rows);
  if (file.fault === 0) return out;
  const onset = file.testing ? TESTING_ONSET_ROW : 0;
  if (file.testing && rows <= onset) {
    fail(`${file.path}: ${rows} rows; a testing file's fault starts at row ${onset + 1}`);
  }
  out.fill(1, onset);
  return out;
}

/** Data time of replay row i: a fixed origin (replays are reproducible), 3 min per row. */
export const REPLAY_ORIGIN_MS = Date.UTC(2000, 0, 1);
export const rowTime = (i: number): number => REPLAY_ORIGIN_MS + i * TEP_PERIOD_MS;

/**
 * Writes rows as the CSV the agent's csv source (and `redband train`) reads: a `datetime`
 * column (ISO, UTC, 3 min apart from REPLAY_ORIGIN_MS) and the 52 channels.
 */
export function writeTepCsv(path: string, rows: readonly Float64Array[]): void {
  const lines = [['datetime', ...TEP_CHANNELS].join(',')];
  rows.forEach((row, i) => {
    const cells = [new Date(rowTime(i)).toISOString()];
    for (const v of row) cells.push(String(v));
    lines.push(cells.join(','));
  });
  writeFileSync(path, lines.join('\n') + '\n');
}
