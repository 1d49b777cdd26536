import { z } from 'zod';
import { SCALAR_MEASURES } from '../measures/types.ts';

/** fleet and device ids: safe as single MQTT topic levels (no wildcards, no slashes) */
export const TOPIC_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** the longest fleet or device id, in characters */
export const TOPIC_ID_MAX_LENGTH = 64;

export const topicIdSchema = z
  .string()
  .min(1)
  .max(TOPIC_ID_MAX_LENGTH)
  .regex(TOPIC_ID_PATTERN, 'letters, digits, ".", "_" and "-" only');

/** Unix epoch milliseconds */
export const epochMsSchema = z.number().int().nonnegative();

export const scalarMeasureSchema = z.enum(SCALAR_MEASURES);

/** A stability band on one measure: the model is healthy while low ≤ value ≤ high. */
export const bandSchema = z
  .strictObject({
    measure: scalarMeasureSchema,
    low: z.number(),
    center: z.number(),
    high: z.number(),
    /** where the band came from */
    source: z.enum(['model', 'config', 'warmup']).optional(),
  })
  .refine((b) => b.low <= b.center && b.center <= b.high, {
    message: 'band must satisfy low ≤ center ≤ high',
  });
export type Band = z.infer<typeof bandSchema>;
