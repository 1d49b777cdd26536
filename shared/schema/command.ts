// Sent to one device on redband/v1/<fleet>/<device>/command (QoS 1, not retained: a command
// waits in the agent's persistent session while it is offline, but never outlives it).
// `rebaseline` re-fits the level-shift baseline on the device's current level: an operator
// accepting a shift as the new normal (`redband rebaseline DEVICE`).
import { z } from 'zod';
import { epochMsSchema, topicIdSchema } from './common.ts';

export const COMMAND_SCHEMA = 'redband.command';
export const COMMAND_VERSION = 1;

export const commandSchema = z.strictObject({
  schema: z.literal(COMMAND_SCHEMA),
  version: z.literal(COMMAND_VERSION),
  fleet: topicIdSchema,
  device: topicIdSchema,
  command: z.enum(['rebaseline']),
  /** who asked and why, as the agent logs and publishes it */
  reason: z.string().min(1).max(160),
  issued_at: epochMsSchema,
});
export type CommandMessage = z.infer<typeof commandSchema>;
