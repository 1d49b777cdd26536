// The MQTT sink's config sections: `mqtt` (the connection and the outbox's sending) and
// `outbox` (where and how much is kept on disk). Both have defaults, so a config with the
// stdout sink need not name them.
import { z } from 'zod';
import { brokerUrlSchema, mqttConnectionSchema } from '../../../shared/schema/mqtt-connection.ts';

/** the outbox directory when the config names none, relative to the working directory */
export const DEFAULT_OUTBOX_DIR = '.redband/outbox';

const positiveInt = z.number().int().positive();

export const configSchema = z.strictObject({
  /**
   * the connection settings shared with the collector (shared/schema/mqtt-connection.ts),
   * less client_id: an agent's is redband-agent-<fleet>-<device>, one per device, so two
   * devices cannot take over each other's session
   */
  mqtt: mqttConnectionSchema
    .omit({ client_id: true })
    .extend({
      url: brokerUrlSchema.default('mqtt://localhost:1883'),
      max_inflight: positiveInt.max(1000).default(16),
      /** outbox send rate, messages/s, and burst */
      rate: z.number().positive().default(50),
      burst: positiveInt.default(100),
      backoff_initial_ms: positiveInt.default(500),
      backoff_max_ms: positiveInt.default(60_000),
      flush_timeout_ms: positiveInt.default(5_000),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      /** one SQLite file per fleet/device below this directory; default .redband/outbox in the working directory */
      dir: z.string().min(1).optional(),
      max_messages: positiveInt.default(10_000),
      max_bytes: positiveInt.default(16 * 1024 * 1024),
      max_age_s: positiveInt.default(7 * 24 * 3600),
    })
    .prefault({}),
});

export type MqttSinkConfig = z.output<typeof configSchema>;
