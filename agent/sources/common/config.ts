// Config pieces shared by the source schemas, and the conversion of zod failures into the
// UserError the CLI prints.
import { z } from 'zod';
import { UserError } from '../../../shared/errors.ts';

/** 'realtime' = data time; a number = that many times faster; 'max' = as fast as consumed. */
export const speedSchema = z
  .union([z.literal('realtime'), z.literal('max'), z.number().positive().finite()])
  .default('realtime');
export type Speed = z.output<typeof speedSchema>;

/** Wall-clock granularity of paced emission: samples due within one chunk go out together. */
export const chunkMsSchema = z.number().int().min(1).max(10_000).default(100);

export const channelNamesSchema = z
  .array(z.string().min(1))
  .min(1)
  .refine((names) => new Set(names).size === names.length, 'channel names must be distinct');

/** Parses a source config or throws a UserError listing every problem with its key path. */
export function parseSourceConfig<S extends z.ZodType>(
  kind: string,
  schema: S,
  config: unknown,
): z.output<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new UserError(`source "${kind}" config: ${problems}`, 'config');
}

/** Minimal logger; pino's logger fits. */
export interface SourceLog {
  warn(message: string): void;
}

export const silentLog: SourceLog = { warn: () => undefined };

/**
 * Counts malformed input by cause and logs only the first `logPerCause` occurrences of each
 * cause, so a flood of bad input costs counters, not log volume.
 */
export class MalformedCounter {
  total = 0;
  readonly byCause: Record<string, number> = {};
  last: string | undefined;
  constructor(
    private readonly log: SourceLog,
    private readonly prefix: string,
    private readonly logPerCause = 1,
  ) {}

  record(cause: string, message: string): void {
    this.total++;
    const seen = this.byCause[cause] ?? 0;
    this.byCause[cause] = seen + 1;
    this.last = message;
    if (seen < this.logPerCause) {
      const more =
        seen === this.logPerCause - 1
          ? ` (further "${cause}" problems are counted, not logged)`
          : '';
      this.log.warn(`${this.prefix}: ${message}${more}`);
    }
  }
}
