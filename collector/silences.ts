// Silences as the HTTP API and the CLI create them: validation, ids, storage.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { epochMsSchema, formatPath } from '../shared/schema/index.ts';
import { UserError } from '../shared/errors.ts';
import type { Silence } from './rules/types.ts';
import type { Store } from './store.ts';

const matcher = z
  .union([z.literal('*'), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)])
  .optional();

export const silenceInputSchema = z
  .strictObject({
    matchers: z.strictObject({ fleet: matcher, device: matcher, rule: matcher }),
    starts_at: epochMsSchema.optional(),
    ends_at: epochMsSchema,
    comment: z.string().max(1000).optional(),
  })
  .refine((s) => s.starts_at === undefined || s.starts_at < s.ends_at, {
    message: 'ends_at must be after starts_at',
    path: ['ends_at'],
  });
export type SilenceInput = z.input<typeof silenceInputSchema>;

/** Validates and stores a silence; UserError (code 'silence') lists every problem. */
export function createSilence(store: Store, input: unknown, now: number): Silence {
  const parsed = silenceInputSchema.safeParse(input);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new UserError(`invalid silence: ${msg}`, 'silence');
  }
  const v = parsed.data;
  if (v.ends_at <= now) throw new UserError('invalid silence: ends_at: is in the past', 'silence');
  const matchers: Silence['matchers'] = {};
  for (const k of ['fleet', 'device', 'rule'] as const)
    if (v.matchers[k] !== undefined) matchers[k] = v.matchers[k];
  const silence: Silence = {
    id: randomUUID(),
    matchers,
    starts_at: v.starts_at ?? now,
    ends_at: v.ends_at,
    comment: v.comment ?? '',
    created_at: now,
  };
  store.addSilence(silence);
  return silence;
}
