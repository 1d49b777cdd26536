// Streams a CSV file row by row (readline over a file stream, so memory stays flat however
// large the file) and hands out samples in chunks. Bad rows are counted and skipped; a channel
// cell that is not a number is a missing value (counted, logged once per file); only an
// unreadable file ends the replay.
import { createInterface } from 'node:readline';
import { UserError } from '../../../shared/errors.ts';
import { parseNumberCell, parseTimeCell, type TimeFormat } from '../../../shared/csv/cells.ts';
import { parseCsvLine } from '../../../shared/csv/line.ts';
import type { MalformedCounter, SourceLog } from '../common/config.ts';
import type { SourceFiles } from '../deps.ts';
import type { FaultLabel, Sample } from '../types.ts';
import type { CsvLayout } from './layout.ts';

export interface ReadOptions {
  path: string;
  layout: CsvLayout;
  files: SourceFiles;
  timeFormat: TimeFormat;
  /** synthesized time when there is no time column, and the loop gap when unknown */
  rateHz: number;
  startMs: number;
  loop: boolean;
  chunkSize: number;
  malformed: MalformedCounter;
  counters: { rows: number; missing: number; loops: number };
  labels: LabelRuns;
  /** where non-numeric channel cells are reported; none: only counted */
  badCells?: BadCells;
}

/**
 * Channel cells that are not numbers (empty or text): each is one missing value, left to the
 * pipeline's missing-value policy. The first one of the file is logged with its line and
 * column, the count when the first pass over the file ends; later passes repeat the file and
 * say nothing new.
 */
export class BadCells {
  count = 0;
  private first: string | undefined;
  private done = false;
  constructor(
    private readonly log: SourceLog,
    private readonly path: string,
  ) {}

  cell(lineNo: number, column: string, cell: string): void {
    if (this.done) return;
    this.count++;
    if (this.first !== undefined) return;
    this.first = `line ${lineNo}, column "${column}"`;
    const what = cell.trim() === '' ? 'an empty cell' : `${JSON.stringify(cell)}, not a number`;
    this.log.warn(
      `csv source: ${this.path}:${lineNo}: column "${column}" holds ${what}: a missing value ` +
        '(the missing-value policy fills it; further ones are counted, the count is logged at the end of the file)',
    );
  }

  /** the end of a pass over the file */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.count === 0) return;
    const n = this.count === 1 ? '1 bad numeric cell' : `${this.count} bad numeric cells`;
    this.log.warn(
      `csv source: ${this.path}: ${n} (the first at ${this.first}), each a missing value`,
    );
  }
}

/** Turns runs of non-zero label cells into FaultLabels ([first row, first row after)). */
export class LabelRuns {
  private open: (number | undefined)[];
  readonly done: FaultLabel[] = [];
  constructor(private readonly names: readonly string[]) {
    this.open = names.map(() => undefined);
  }

  row(t: number, flags: readonly boolean[]): void {
    flags.forEach((on, k) => {
      const start = this.open[k];
      if (on && start === undefined) this.open[k] = t;
      else if (!on && start !== undefined) this.close(k, t);
    });
  }

  /** closes runs still open at the end of the data */
  end(t: number): void {
    this.open.forEach((start, k) => {
      if (start !== undefined) this.close(k, t);
    });
  }

  private close(k: number, end: number): void {
    this.done.push({ kind: this.names[k]!, channels: [], start: this.open[k]!, end });
    this.open[k] = undefined;
  }
}

export async function* readCsvSamples(o: ReadOptions): AsyncGenerator<Sample[]> {
  const { layout, path } = o;
  const periodMs = 1000 / o.rateHz;
  const timeName = layout.timeIndex === undefined ? '' : layout.header[layout.timeIndex]!;
  let offset = 0;
  let synthesized = 0;
  while (true) {
    const input = o.files.open(path);
    const rl = createInterface({ input, crlfDelay: Infinity });
    let failure: Error | undefined;
    // readline does not forward errors of its input; remember them and stop reading.
    input.on('error', (e: Error) => {
      failure = e;
      rl.close();
    });
    let lineNo = 0;
    let chunk: Sample[] = [];
    let first: number | undefined;
    let last: number | undefined;
    let gap = periodMs;
    try {
      for await (const line of rl) {
        lineNo++;
        if (lineNo === 1 || line.trim() === '') continue;
        const where = `${path}:${lineNo}`;
        const parsed = parseCsvLine(line, layout.delimiter);
        if (!parsed.ok) {
          o.malformed.record(parsed.error.kind, `${where}: ${parsed.error.message}; row skipped`);
          continue;
        }
        const cells = parsed.cells;
        if (cells.length !== layout.header.length) {
          o.malformed.record(
            'cell-count',
            `${where}: expected ${layout.header.length} cells, got ${cells.length}; row skipped`,
          );
          continue;
        }
        let raw: number;
        if (layout.timeIndex === undefined) raw = o.startMs + synthesized * periodMs;
        else {
          const cell = cells[layout.timeIndex]!;
          const parsedTime = parseTimeCell(cell, o.timeFormat);
          if (parsedTime === undefined) {
            o.malformed.record(
              'bad-time',
              `${where}: unparseable time ${JSON.stringify(cell)} in column "${timeName}"; row skipped`,
            );
            continue;
          }
          raw = parsedTime;
        }
        synthesized++;
        if (first === undefined) first = raw;
        if (last !== undefined && raw > last) gap = raw - last;
        last = raw;
        const t = raw + offset;
        const values = new Float64Array(layout.columnIndices.length);
        layout.columnIndices.forEach((ci, k) => {
          const v = parseNumberCell(cells[ci]!);
          if (Number.isNaN(v)) {
            o.counters.missing++;
            o.badCells?.cell(lineNo, layout.header[ci]!, cells[ci]!);
          }
          values[k] = v;
        });
        o.labels.row(
          t,
          layout.labelIndices.map((li) => {
            const v = parseNumberCell(cells[li]!);
            return Number.isFinite(v) && v !== 0;
          }),
        );
        o.counters.rows++;
        chunk.push({ t, values });
        if (chunk.length >= o.chunkSize) {
          yield chunk;
          chunk = [];
        }
      }
    } finally {
      rl.close();
      input.destroy();
    }
    if (failure) {
      throw new UserError(`${path}: cannot read: ${failure.message}`, 'csv-read');
    }
    o.badCells?.end();
    if (chunk.length > 0) yield chunk;
    if (first === undefined || last === undefined) {
      o.labels.end(o.startMs + offset);
      return; // no usable rows: looping would spin on nothing
    }
    o.labels.end(last + offset + gap);
    if (!o.loop) return;
    // The next pass continues data time one sampling gap after this one ends.
    if (layout.timeIndex !== undefined) offset += last - first + gap;
    o.counters.loops++;
  }
}
