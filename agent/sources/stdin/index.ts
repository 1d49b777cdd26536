// `stdin`: JSON-lines samples piped into the agent (`sensor-reader | redband agent …`).
// A live, push-only source: it completes when the input ends.
import type { Unstamped } from '../../component.ts';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { UserError } from '../../../shared/errors.ts';
import {
  MalformedCounter,
  channelNamesSchema,
  parseSourceConfig,
  silentLog,
} from '../common/config.ts';
import { DEFAULT_MAX_SAMPLE_BYTES, decodeJsonSample } from '../common/json-sample.ts';
import type { SourceStats } from '../common/stats.ts';
import { systemClock, type SourceDeps } from '../deps.ts';
import type { Sample, Source, SourceFactory } from '../types.ts';

export const configSchema = z.strictObject({
  /** channel names, in the order of array payloads */
  channels: channelNamesSchema,
  max_line_bytes: z.number().int().min(64).default(DEFAULT_MAX_SAMPLE_BYTES),
});

export type StdinConfig = z.output<typeof configSchema>;
export type StdinConfigInput = z.input<typeof configSchema>;

/** Bad lines logged (with line numbers) per cause before only counting. */
const LOG_PER_CAUSE = 5;

export interface StdinStats extends SourceStats {
  /** lines read, blank and bad ones included */
  lines: number;
  /** the latest bad line (stdin:line: problem) */
  last_malformed?: string;
}

export interface StdinSource extends Unstamped<Source> {
  stats(): StdinStats;
}

export function createStdinSource(input: StdinConfigInput, deps: SourceDeps = {}): StdinSource {
  const config = parseSourceConfig('stdin', configSchema, input);
  const clock = deps.clock ?? systemClock;
  const malformed = new MalformedCounter(deps.log ?? silentLog, 'stdin source', LOG_PER_CAUSE);
  const counters = { samples: 0, missing: 0, lines: 0 };
  let active = false;

  const samples = (): Observable<Sample> =>
    new Observable<Sample>((subscriber) => {
      // A stream is read once: a second concurrent reader would see an arbitrary half of it.
      if (active) {
        subscriber.error(new UserError('stdin source: input is already being read', 'source'));
        return;
      }
      active = true;
      const stream: Readable = deps.stdin ?? process.stdin;
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      let lineNo = 0;
      rl.on('line', (line) => {
        lineNo++;
        counters.lines++;
        if (line.trim() === '') return;
        const r = decodeJsonSample(line, {
          channels: config.channels,
          now: clock.now(),
          maxBytes: config.max_line_bytes,
        });
        if (!r.ok) {
          malformed.record(r.error.kind, `stdin:${lineNo}: ${r.error.message}; line skipped`);
          return;
        }
        counters.samples++;
        counters.missing += r.missing;
        subscriber.next(r.sample);
      });
      rl.on('close', () => subscriber.complete());
      const onError = (e: Error): void =>
        subscriber.error(new UserError(`stdin source: cannot read input: ${e.message}`, 'source'));
      stream.on('error', onError);
      return () => {
        active = false;
        stream.off('error', onError);
        rl.close();
      };
    });

  return {
    channels: config.channels,
    samples,
    labels: () => [],
    stats: (): StdinStats => ({
      samples: counters.samples,
      malformed: malformed.total,
      missing: counters.missing,
      malformed_by_cause: { ...malformed.byCause },
      lines: counters.lines,
      ...(malformed.last ? { last_malformed: malformed.last } : {}),
    }),
  };
}

export const factory: SourceFactory<'stdin', typeof configSchema> = {
  type: 'stdin',
  configSchema,
  create: createStdinSource,
};
