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
      url: brokerUrlSchema
        .default('mqtt://localhost:1883')
        .describe('the broker: mqtt://, mqtts://, ws:// or wss:// with a host'),
      max_inflight: positiveInt
        .max(1000)
        .default(16)
        .describe('messages sent and not yet acknowledged, at most'),
      rate: z.number().positive().default(50).describe('outbox send rate, messages/s, and burst'),
      burst: positiveInt.default(100).describe('messages the send rate may burst to'),
      backoff_initial_ms: positiveInt
        .default(500)
        .describe('first reconnect delay (doubling, with jitter)'),
      backoff_max_ms: positiveInt.default(60_000).describe('longest reconnect delay'),
      flush_timeout_ms: positiveInt
        .default(5_000)
        .describe('at stop, how long the outbox may take to flush'),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      dir: z
        .string()
        .min(1)
        .optional()
        .describe(
          'one SQLite file per fleet/device below this directory; default .redband/outbox in the working directory',
        ),
      max_messages: positiveInt
        .default(10_000)
        .describe('messages kept while the broker is away (oldest dropped, counted)'),
      max_bytes: positiveInt.default(16 * 1024 * 1024).describe('bytes kept, at most'),
      max_age_s: positiveInt.default(7 * 24 * 3600).describe('seconds a message is kept, at most'),
    })
    .prefault({}),
});

export type MqttSinkConfig = z.output<typeof configSchema>;
