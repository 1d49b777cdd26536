// The sink boundary: where finished messages leave the agent. The pipeline calls
// publishMetrics() and never waits; a sink that needs to buffer (MQTT) owns its buffer.
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock, Timer } from '../../shared/clock.ts';
import type { CommandMessage } from '../../shared/schema/command.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../shared/schema/status.ts';
import type { ComponentFactory } from '../component.ts';
import type { OutboxStore } from './mqtt/store.ts';

export interface SinkStats {
  /** messages waiting in the outbox (0 for sinks without one) */
  outboxDepth: number;
  /** messages the outbox dropped by its size / age limits since this start */
  outboxDropped: number;
}

export interface Sink {
  readonly kind: string;
  /** Starts accepting messages and announces `online`; must not wait for a broker. */
  start(online: StatusMessage): Promise<void>;
  publishMetrics(message: MetricsMessage): void;
  stats(): SinkStats;
  /** Flushes what it can, announces `offline`, releases everything. Safe to call twice. */
  stop(offline: StatusMessage): Promise<void>;
}

/** Injectable I/O of the sinks; a factory fills in the real thing for what it uses. */
export interface SinkDeps {
  log: Logger;
  stdout?: Writable;
  clock?: Clock;
  timer?: Timer;
  env?: NodeJS.ProcessEnv;
  /** replaces the SQLite outbox store (tests) */
  outboxStore?: OutboxStore;
  /** commands addressed to this device (MQTT sink only) */
  onCommand?: (command: CommandMessage) => void;
}

/** A sink's parsed config sections, and the device it publishes for. */
export type SinkSettings<Schema extends z.ZodObject> = z.output<Schema> & {
  fleet: string;
  device: string;
};

/**
 * What a sink plugin registers. Its configSchema is an object of the top-level config
 * sections it reads (`mqtt`, `outbox`); the agent's schema includes every sink's sections.
 */
export type SinkFactory<
  Type extends string = string,
  Schema extends z.ZodObject = z.ZodObject,
> = ComponentFactory<Type, Schema, SinkDeps, Sink, SinkSettings<Schema>>;
