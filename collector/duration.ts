// Durations in config and on the command line: "500ms", "30s", "5m", "2h", "1d" or a
// number of seconds. Everything inside the collector works in milliseconds.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration; null when the text is not one. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** zod type for a duration field: accepts the text forms, yields milliseconds. */
const DURATION_HINT = 'e.g. "30s", "5m", "2h"';

export const durationSchema = z
  .union([z.string(), z.number()], {
    error: (issue) => `expected a duration (${DURATION_HINT}), got ${typeof issue.input}`,
  })
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message: `not a duration: ${JSON.stringify(v)} (${DURATION_HINT})`,
      });
      return z.NEVER;
    }
    return ms;
  })
  // for the generated docs (scripts/config-docs.ts): a duration, shown as such
  .meta({ format: 'duration' });
