// `mqtt`: subscribes to a sensor topic; each message is one JSON sample. A live source: it
// never completes, reconnects on its own (the mqtt client retries), and never lets a bad
// message or a broker hiccup end the stream.
import { connect } from 'mqtt';
import { Observable } from 'rxjs';
import { z } from 'zod';
import {
  MalformedCounter,
  channelNamesSchema,
  parseSourceConfig,
  silentLog,
} from '../common/config.ts';
import { brokerUrlSchema } from '../../../shared/schema/mqtt-connection.ts';
import { DEFAULT_MAX_SAMPLE_BYTES, decodeJsonSample } from '../common/json-sample.ts';
import type { Unstamped } from '../../component.ts';
import type { SourceStats } from '../common/stats.ts';
import { systemClock, type MqttConnect, type SourceDeps } from '../deps.ts';
import type { Sample, Source, SourceFactory } from '../types.ts';

export const configSchema = z.strictObject({
  url: brokerUrlSchema.default('mqtt://localhost:1883'),
  /** wildcards are allowed; every matching message is a sample */
  topic: z.string().min(1),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
  /** channel names, in the order of array payloads */
  channels: channelNamesSchema,
  client_id: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  keepalive_s: z.number().int().min(0).default(30),
  reconnect_ms: z.number().int().min(100).default(2000),
  max_payload_bytes: z.number().int().min(64).default(DEFAULT_MAX_SAMPLE_BYTES),
});

export type MqttConfig = z.output<typeof configSchema>;
export type MqttConfigInput = z.input<typeof configSchema>;

export interface MqttStats extends SourceStats {
  /** messages received, good or bad */
  messages: number;
  connected: boolean;
  reconnects: number;
  /** client errors (refused connections, …); the client keeps retrying */
  errors: number;
}

export interface MqttSource extends Unstamped<Source> {
  stats(): MqttStats;
}

export function createMqttSource(input: MqttConfigInput, deps: SourceDeps = {}): MqttSource {
  const config = parseSourceConfig('mqtt', configSchema, input);
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLog;
  const connectFn: MqttConnect = deps.mqttConnect ?? connect;
  const malformed = new MalformedCounter(log, `mqtt source (${config.topic})`);
  const counters = { samples: 0, missing: 0, messages: 0, reconnects: 0, errors: 0 };
  let connected = false;

  const samples = (): Observable<Sample> =>
    new Observable<Sample>((subscriber) => {
      const client = connectFn(config.url, {
        ...(config.client_id ? { clientId: config.client_id } : {}),
        ...(config.username !== undefined ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
        keepalive: config.keepalive_s,
        reconnectPeriod: config.reconnect_ms,
        clean: true,
      });
      let loggedError = false;
      client.on('connect', () => {
        connected = true;
        loggedError = false;
        // Subscribed on every (re)connect: a clean session forgets subscriptions.
        client.subscribe(config.topic, { qos: config.qos }, (err, granted) => {
          const refused = granted?.some((g) => g.qos === 128);
          if (err || refused) {
            log.warn(
              `mqtt source: subscription to "${config.topic}" failed: ${err?.message ?? 'refused by the broker'}`,
            );
          }
        });
      });
      client.on('message', (topic, payload) => {
        counters.messages++;
        const r = decodeJsonSample(payload, {
          channels: config.channels,
          now: clock.now(),
          maxBytes: config.max_payload_bytes,
        });
        if (!r.ok) {
          malformed.record(r.error.kind, `${topic}: ${r.error.message}; message dropped`);
          return;
        }
        counters.samples++;
        counters.missing += r.missing;
        subscriber.next(r.sample);
      });
      client.on('reconnect', () => counters.reconnects++);
      client.on('close', () => (connected = false));
      client.on('error', (e) => {
        counters.errors++;
        // One line per outage, not one per retry.
        if (!loggedError) log.warn(`mqtt source: ${config.url}: ${e.message} (retrying)`);
        loggedError = true;
      });
      return () => {
        connected = false;
        client.end(true);
      };
    });

  return {
    channels: config.channels,
    samples,
    labels: () => [],
    stats: (): MqttStats => ({
      samples: counters.samples,
      malformed: malformed.total,
      missing: counters.missing,
      malformed_by_cause: { ...malformed.byCause },
      messages: counters.messages,
      connected,
      reconnects: counters.reconnects,
      errors: counters.errors,
    }),
  };
}

export const factory: SourceFactory<'mqtt', typeof configSchema> = {
  type: 'mqtt',
  configSchema,
  create: createMqttSource,
};
