// Published by the collector on redband/v1/<fleet>/<device>/alerts (QoS 1), once per transition.
import { z } from 'zod';
import { bandSchema, epochMsSchema, topicIdSchema } from './common.ts';

export const ALERT_SCHEMA = 'redband.alert';
export const ALERT_VERSION = 1;

export const alertStateSchema = z.enum(['pending', 'firing', 'resolved']);

export const alertSchema = z.strictObject({
  schema: z.literal(ALERT_SCHEMA),
  version: z.literal(ALERT_VERSION),
  fleet: topicIdSchema,
  device: topicIdSchema,
  rule: z.string().min(1),
  state: alertStateSchema,
  reason: z.string(),
  value: z.number().nullable(),
  band: bandSchema.nullable(),
  /** when the episode (pending) began, data time in epoch ms */
  since: epochMsSchema,
  /** boot and seq of the metrics message that caused this transition; null for wall-clock rules */
  boot: z.string().nullable(),
  seq: z.number().int().nonnegative().nullable(),
  /** true when this is a periodic re-send of a firing alert */
  resend: z.boolean(),
  sent_at: epochMsSchema,
});
export type AlertMessage = z.infer<typeof alertSchema>;
