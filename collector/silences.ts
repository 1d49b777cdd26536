// Silences as the HTTP API and the CLI create them: validation, ids, storage.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { formatPath } from '../shared/config/issues.ts';
import { epochMsSchema, topicIdSchema } from '../shared/schema/index.ts';
import { UserError } from '../shared/errors.ts';
import type { Silence } from './rules/types.ts';
import type { Store } from './store.ts';

const matcher = z.union([z.literal('*'), topicIdSchema]).optional();

/**
 * Either an end time (ends_at, epoch ms) or a length (duration_ms): with duration_ms the
 * receiver's clock sets the times (start = starts_at or its now, end = start + duration),
 * so a client whose clock is off still gets a silence that starts now and lasts that long.
 */
export const silenceInputSchema = z
  .strictObject({
    matchers: z.strictObject({ fleet: matcher, device: matcher, rule: matcher }),
    starts_at: epochMsSchema.optional(),
    ends_at: epochMsSchema.optional(),
    duration_ms: z.number().int().positive().optional(),
    comment: z.string().max(1000).optional(),
  })
  .refine((s) => (s.ends_at === undefined) !== (s.duration_ms === undefined), {
    message: 'give exactly one of ends_at and duration_ms',
    path: ['ends_at'],
  })
  .refine((s) => s.starts_at === undefined || s.ends_at === undefined || s.starts_at < s.ends_at, {
    message: 'ends_at must be after starts_at',
    path: ['ends_at'],
  });
export type SilenceInput = z.input<typeof silenceInputSchema>;

/** `unknown rule "x" (known: a, b)` when a rule matcher names no rule; '*' matches any. */
export function checkRuleName(rule: string | undefined, known: readonly string[]): void {
  if (rule === undefined || rule === '*' || known.includes(rule)) return;
  throw new UserError(
    `unknown rule ${JSON.stringify(rule)} (known: ${known.join(', ')})`,
    'silence',
  );
}

/**
 * Validates and stores a silence; UserError (code 'silence') lists every problem.
 * `knownRules`: the rule names a rule matcher may name (the collector's configured rules).
 */
export function createSilence(
  store: Store,
  input: unknown,
  now: number,
  knownRules?: readonly string[],
): Silence {
  const parsed = silenceInputSchema.safeParse(input);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new UserError(`invalid silence: ${msg}`, 'silence');
  }
  const v = parsed.data;
  if (knownRules) checkRuleName(v.matchers.rule, knownRules);
  const starts = v.starts_at ?? now;
  const ends = v.ends_at ?? starts + v.duration_ms!;
  if (ends <= now) throw new UserError('invalid silence: ends_at: is in the past', 'silence');
  const matchers: Silence['matchers'] = {};
  for (const k of ['fleet', 'device', 'rule'] as const)
    if (v.matchers[k] !== undefined) matchers[k] = v.matchers[k];
  const silence: Silence = {
    id: randomUUID(),
    matchers,
    starts_at: starts,
    ends_at: ends,
    comment: v.comment ?? '',
    created_at: now,
  };
  store.addSilence(silence);
  return silence;
}
