// zod schema for RedundancyMeasures (shared/measures/types.ts), as carried in metrics payloads.
import { z } from 'zod';
import type { RedundancyMeasures } from '../measures/types.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
/** a measure that may be +∞ or undefined: null on the wire, with a note saying why */
const finiteOrNull = finite.nullable();

export const bartlettSchema = z.strictObject({
  statistic: finite,
  dof: z.number().int().nonnegative(),
  p_value: z.number().min(0).max(1),
});

export const measuresSchema = z.strictObject({
  n: finite.nonnegative(),
  k: z.number().int().positive(),
  tc: finiteOrNull,
  tc_bias_corrected: finiteOrNull,
  renyi: z.strictObject({ '0.5': finiteOrNull, '2': finiteOrNull }),
  hellinger2: finite,
  chi2: finiteOrNull,
  quadratic: finite,
  spectral: finite,
  erank: finite,
  pr: finite,
  bartlett: bartlettSchema.nullable(),
  eigenvalues: z.array(finite),
  notes: z.record(z.string(), z.string()),
}) satisfies z.ZodType<RedundancyMeasures>;

export const degeneracySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('dead-channel'),
    channels: z.array(z.number().int().nonnegative()),
    message: z.string(),
  }),
  z.strictObject({
    kind: z.literal('too-few-samples'),
    n: finite,
    k: z.number().int(),
    message: z.string(),
  }),
  z.strictObject({ kind: z.literal('non-finite'), message: z.string() }),
]);
