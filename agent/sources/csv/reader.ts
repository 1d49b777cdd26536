// Streams a CSV file row by row (readline over a file stream, so memory stays flat however
// large the file) and hands out samples in chunks. Bad rows are counted and skipped; only an
// unreadable file ends the replay.
import { createInterface } from 'node:readline';
import { UserError } from '../../../shared/errors.ts';
import { parseNumberCell, parseTimeCell, type TimeFormat } from '../../../shared/csv/cells.ts';
import { parseCsvLine } from '../../../shared/csv/line.ts';
import type { MalformedCounter } from '../common/config.ts';
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
          if (Number.isNaN(v)) o.counters.missing++;
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
