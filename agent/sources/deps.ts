// Injectable I/O of the sources. Every field is optional: a factory fills in the real thing
// (Date.now, asyncScheduler, node:fs, mqtt.connect, process.stdin) for what it uses, and tests
// substitute virtual time, in-memory streams or an embedded broker.
import type { Readable } from 'node:stream';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { SchedulerLike } from 'rxjs';
import type { Clock } from '../../shared/clock.ts';
import type { SourceLog } from './common/config.ts';

export { systemClock, type Clock } from '../../shared/clock.ts';

export interface SourceFiles {
  /** up to `maxBytes` from the start of the file, synchronously (layout checks at startup) */
  readHead(path: string, maxBytes: number): string;
  /** a byte stream of the whole file */
  open(path: string): Readable;
}

export type MqttConnect = (url: string, options: IClientOptions) => MqttClient;

export interface SourceDeps {
  clock?: Clock;
  /** paces emission; tests pass a TestScheduler or VirtualTimeScheduler */
  scheduler?: SchedulerLike;
  log?: SourceLog;
  files?: SourceFiles;
  mqttConnect?: MqttConnect;
  stdin?: Readable;
}
