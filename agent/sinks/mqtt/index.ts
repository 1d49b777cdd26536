// The MQTT sink plugin: builds the on-disk outbox and the connection settings from the
// config's `mqtt` and `outbox` sections (credentials read from files and the environment
// here; load.ts has checked them already) and hands them to createMqttSink.
import { join } from 'node:path';
import { mqttConnectionOptions } from '../../../shared/mqtt-credentials.ts';
import type { SinkFactory } from '../types.ts';
import { configSchema, DEFAULT_OUTBOX_DIR } from './config.ts';
import { Outbox } from './outbox.ts';
import { createMqttSink } from './sink.ts';
import { SqliteOutboxStore } from './sqlite-store.ts';

export { configSchema, DEFAULT_OUTBOX_DIR } from './config.ts';

export const factory: SinkFactory<'mqtt', typeof configSchema> = {
  type: 'mqtt',
  configSchema,
  create({ mqtt, outbox: limits, fleet, device }, deps) {
    const store =
      deps.outboxStore ??
      new SqliteOutboxStore(join(limits.dir ?? DEFAULT_OUTBOX_DIR, `${fleet}-${device}`));
    const outbox = new Outbox(
      store,
      {
        maxMessages: limits.max_messages,
        maxBytes: limits.max_bytes,
        maxAgeMs: limits.max_age_s * 1000,
      },
      deps.clock,
    );
    const { ca, cert, key, rejectUnauthorized, username, password } = mqttConnectionOptions(
      mqtt,
      deps.env ?? process.env,
    );
    return createMqttSink({
      url: mqtt.url,
      fleet,
      device,
      outbox,
      log: deps.log.child({ sink: 'mqtt' }),
      ...(username ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      // the sink spreads these into mqtt.js's options
      ...(mqtt.tls ? { tls: { ca, cert, key, rejectUnauthorized } } : {}),
      ...(deps.onCommand ? { onCommand: deps.onCommand } : {}),
      maxInflight: mqtt.max_inflight,
      rate: mqtt.rate,
      burst: mqtt.burst,
      backoff: { initialMs: mqtt.backoff_initial_ms, maxMs: mqtt.backoff_max_ms },
      flushTimeoutMs: mqtt.flush_timeout_ms,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.timer ? { timer: deps.timer } : {}),
    });
  },
};
