// The sink factories, in one place: the config picks one, the agent never names a kind.
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { DEFAULT_OUTBOX_DIR, type AgentConfig } from '../config/schema.ts';
import { createMqttSink } from './mqtt/sink.ts';
import { Outbox } from './mqtt/outbox.ts';
import { SqliteOutboxStore } from './mqtt/sqlite-store.ts';
import type { OutboxStore } from './mqtt/store.ts';
import { createStdoutSink } from './stdout/sink.ts';
import type { Sink } from './types.ts';
import type { CommandMessage } from '../../shared/schema/command.ts';
import { mqttConnectionOptions } from '../../shared/mqtt-credentials.ts';

export interface SinkDeps {
  log: Logger;
  stdout?: Writable;
  clock?: () => number;
  env?: NodeJS.ProcessEnv;
  /** replaces the SQLite outbox store (tests) */
  outboxStore?: OutboxStore;
  /** commands addressed to this device (MQTT sink only) */
  onCommand?: (command: CommandMessage) => void;
}

export function createSink(c: AgentConfig & { device: string }, deps: SinkDeps): Sink {
  if (c.publish.sink === 'stdout') return createStdoutSink(deps.stdout);
  const env = deps.env ?? process.env;
  const store =
    deps.outboxStore ??
    new SqliteOutboxStore(join(c.outbox.dir ?? DEFAULT_OUTBOX_DIR, `${c.fleet}-${c.device}`));
  const outbox = new Outbox(
    store,
    {
      maxMessages: c.outbox.max_messages,
      maxBytes: c.outbox.max_bytes,
      maxAgeMs: c.outbox.max_age_s * 1000,
    },
    deps.clock,
  );
  // the TLS files and the password (load.ts has checked them already: this reads them)
  const { ca, cert, key, rejectUnauthorized, username, password } = mqttConnectionOptions(
    c.mqtt,
    env,
  );
  const tls = c.mqtt.tls ? { ca, cert, key, rejectUnauthorized } : undefined;
  return createMqttSink({
    url: c.mqtt.url,
    fleet: c.fleet,
    device: c.device,
    outbox,
    log: deps.log.child({ sink: 'mqtt' }),
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    // the sink spreads these into mqtt.js's options
    ...(tls ? { tls } : {}),
    ...(deps.onCommand ? { onCommand: deps.onCommand } : {}),
    maxInflight: c.mqtt.max_inflight,
    rate: c.mqtt.rate,
    burst: c.mqtt.burst,
    backoff: { initialMs: c.mqtt.backoff_initial_ms, maxMs: c.mqtt.backoff_max_ms },
    flushTimeoutMs: c.mqtt.flush_timeout_ms,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
}
