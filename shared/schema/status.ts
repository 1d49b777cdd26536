// Retained on redband/v1/<fleet>/<device>/status: 'online' on connect, 'offline' as the last will.
import { z } from 'zod';
import { epochMsSchema, topicIdSchema } from './common.ts';

export const STATUS_SCHEMA = 'redband.status';
export const STATUS_VERSION = 1;

export const statusSchema = z.strictObject({
  schema: z.literal(STATUS_SCHEMA),
  version: z.literal(STATUS_VERSION),
  fleet: topicIdSchema,
  device: topicIdSchema,
  boot: z.string().min(1).max(64),
  state: z.enum(['online', 'offline']),
  /**
   * why offline: 'stopped' is the agent's own goodbye at a clean stop (after its outbox was
   * delivered), 'lost' the last will the broker publishes when the connection dropped.
   * Absent (agents before this field): lost.
   */
  reason: z.enum(['stopped', 'lost']).optional(),
  agent_version: z.string(),
  model: z.strictObject({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  backend: z.enum(['node', 'wasm']),
  config_digest: z.string(),
  /** seconds between metrics snapshots, so the collector can size its `silent` rule */
  publish_period_s: z.number().positive().optional(),
  sent_at: epochMsSchema,
});
export type StatusMessage = z.infer<typeof statusSchema>;
