// `csv`: replays a CSV file (SKAB's `;` layout, plain comma files, …) in data time, at a
// multiple of it, or losslessly at full speed.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { asyncScheduler, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import { UserError } from '../../../shared/errors.ts';
import {
  MalformedCounter,
  channelNamesSchema,
  chunkMsSchema,
  parseSourceConfig,
  silentLog,
  speedSchema,
} from '../common/config.ts';
import { asyncFeed, pacedSamples, samplesFromPull } from '../common/pacing.ts';
import type { Unstamped } from '../../component.ts';
import type { SourceStats } from '../common/stats.ts';
import { systemClock, type SourceDeps, type SourceFiles } from '../deps.ts';
import type { FaultLabel, Sample, Source, SourceFactory } from '../types.ts';
import { resolveLayout } from './layout.ts';
import { BadCells, LabelRuns, readCsvSamples } from './reader.ts';

export const configSchema = z.strictObject({
  path: z.string().min(1),
  /** 'auto' picks among ; , tab | by the header (and first row) */
  delimiter: z
    .union([
      z.literal('auto'),
      z
        .string()
        .length(1)
        .refine((d) => !'"\r\n'.includes(d), 'delimiter cannot be a quote or a newline'),
    ])
    .default('auto'),
  /** channels to replay; default every numeric column that is neither time nor label */
  columns: channelNamesSchema.optional(),
  /** default: the first of datetime/timestamp/time present; false = none (synthesize) */
  time_column: z.union([z.string().min(1), z.literal(false)]).optional(),
  time_format: z.enum(['auto', 'iso', 'epoch_s', 'epoch_ms']).default('auto'),
  /** sample rate used to synthesize time when there is no time column */
  rate_hz: z.number().positive().finite().default(1),
  /** data time of the first row when time is synthesized; default: the clock at start */
  start_ms: z.number().finite().optional(),
  /** default: whichever of anomaly/changepoint the header has */
  label_columns: z.array(z.string().min(1)).optional(),
  speed: speedSchema,
  chunk_ms: chunkMsSchema,
  loop: z.boolean().default(false),
});

export type CsvConfig = z.output<typeof configSchema>;
export type CsvConfigInput = z.input<typeof configSchema>;

/** Bytes read at startup to settle the layout (header plus enough rows to sniff types). */
const HEAD_BYTES = 64 * 1024;
/** Rows per chunk from the reader (and per pull()). */
const CHUNK_ROWS = 256;
/** Malformed rows logged per cause before only counting. */
const LOG_PER_CAUSE = 5;

export const nodeFiles: SourceFiles = {
  readHead(path, maxBytes) {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const n = readSync(fd, buf, 0, maxBytes, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  },
  open: (path) => createReadStream(path),
};

export interface CsvStats extends SourceStats {
  /** rows accepted (over all loops) */
  rows: number;
  /** completed passes over the file when looping */
  loops: number;
  /** the latest malformed-row message (file:line: problem) */
  last_malformed?: string;
}

export interface CsvSource extends Unstamped<Source> {
  stats(): CsvStats;
}

export function createCsvSource(input: CsvConfigInput, deps: SourceDeps = {}): CsvSource {
  const config = parseSourceConfig('csv', configSchema, input);
  const files = deps.files ?? nodeFiles;
  const clock = deps.clock ?? systemClock;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const log = deps.log ?? silentLog;

  let head: string;
  try {
    head = files.readHead(config.path, HEAD_BYTES);
  } catch (e) {
    throw new UserError(`${config.path}: cannot read: ${(e as Error).message}`, 'csv-read');
  }
  const layout = resolveLayout(config, head, Buffer.byteLength(head) < HEAD_BYTES);

  const malformed = new MalformedCounter(log, 'csv source', LOG_PER_CAUSE);
  const counters = { rows: 0, missing: 0, loops: 0 };
  let emitted = 0;
  let labels = new LabelRuns(layout.labelNames);

  // Each run (subscription or pull) rereads the file from the top; labels are the latest run's.
  const badCells = new BadCells(log, config.path);
  const run = (): AsyncGenerator<Sample[]> => {
    labels = new LabelRuns(layout.labelNames);
    return readCsvSamples({
      path: config.path,
      layout,
      files,
      timeFormat: config.time_format,
      rateHz: config.rate_hz,
      startMs: config.start_ms ?? clock.now(),
      loop: config.loop,
      chunkSize: CHUNK_ROWS,
      malformed,
      counters,
      labels,
      badCells,
    });
  };

  const pull = async function* (): AsyncGenerator<Sample[]> {
    for await (const chunk of run()) {
      emitted += chunk.length;
      yield chunk;
    }
  };

  const samples = (): Observable<Sample> =>
    config.speed === 'max'
      ? samplesFromPull(pull)
      : pacedSamples(() => asyncFeed(run()), {
          scheduler,
          speed: config.speed === 'realtime' ? 1 : config.speed,
          chunkMs: config.chunk_ms,
        }).pipe(tap(() => emitted++));

  return {
    channels: layout.columns,
    samples,
    ...(config.speed === 'max' ? { pull } : {}),
    /** Labels found so far in the latest run: complete once it has reached the end of the file. */
    labels: (): FaultLabel[] =>
      labels.done
        .map((l) => ({ ...l, channels: [...l.channels] }))
        .sort((a, b) => a.start - b.start || a.end - b.end),
    stats: (): CsvStats => ({
      samples: emitted,
      malformed: malformed.total,
      missing: counters.missing,
      malformed_by_cause: { ...malformed.byCause },
      rows: counters.rows,
      loops: counters.loops,
      ...(malformed.last ? { last_malformed: malformed.last } : {}),
    }),
  };
}

export const factory: SourceFactory<'csv', typeof configSchema> = {
  type: 'csv',
  configSchema,
  create: createCsvSource,
};
