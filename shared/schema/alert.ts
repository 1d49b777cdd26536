// Published by the collector on redband/v1/<fleet>/<device>/alerts (QoS 1), once per transition.
// Version 2 adds the channels an alert names; a version-1 alert still decodes (decodeAlert in
// index.ts), as a version-2 one naming no channels.
import { z } from 'zod';
import { bandSchema, epochMsSchema, topicIdSchema } from './common.ts';

export const ALERT_SCHEMA = 'redband.alert';
export const ALERT_VERSION = 2;

export const alertStateSchema = z.enum(['pending', 'firing', 'resolved']);

/** Where an alert's channels come from: the attribution list of its rule's statistic. */
export const alertChannelSourceSchema = z.enum(['drift_mean', 'coupling', 'recon']);
export type AlertChannelSource = z.infer<typeof alertChannelSourceSchema>;

export const alertChannelSchema = z.strictObject({
  channel: z.string().min(1).max(64),
  /** a share of the statistic (drift_mean, recon: 0…1), or a coupling change in nats (signed) */
  score: z.number(),
});
export type AlertChannel = z.infer<typeof alertChannelSchema>;

const fields = {
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
};

const head = <V extends number>(version: V) => ({
  schema: z.literal(ALERT_SCHEMA),
  version: z.literal(version),
});

export const alertSchemaV1 = z.strictObject({ ...head(1), ...fields });
export type AlertMessageV1 = z.infer<typeof alertSchemaV1>;

export const alertSchema = z.strictObject({
  ...head(ALERT_VERSION),
  ...fields,
  /**
   * The channels most responsible, ranked, from the device's metrics at the transition: the
   * attribution matching the rule's statistic (channels_from). Empty when there is none: a
   * `silent` rule, a resolution, metrics without an attribution.
   */
  channels: z.array(alertChannelSchema).max(8),
  channels_from: alertChannelSourceSchema.nullable(),
});
export type AlertMessage = z.infer<typeof alertSchema>;

/** A version-1 alert as version 2: it names no channels. */
export function upgradeAlertV1(a: AlertMessageV1): AlertMessage {
  return { ...a, version: ALERT_VERSION, channels: [], channels_from: null };
}
