// Every sink plugin, listed once. The config's `publish.sink` picks one by type; the agent's
// schema takes its kinds and every sink's config sections from here, and createSink is the
// one dispatch.
import type { z } from 'zod';
import { UserError } from '../../shared/errors.ts';
import { factoryMap, stampKind } from '../component.ts';
import * as mqtt from './mqtt/index.ts';
import * as stdout from './stdout/index.ts';
import type { Sink, SinkDeps, SinkFactory } from './types.ts';

export type { Sink, SinkDeps, SinkFactory, SinkSettings, SinkStats } from './types.ts';
export { DEFAULT_OUTBOX_DIR } from './mqtt/index.ts';

const factories = [mqtt.factory, stdout.factory];

export const sinkFactories = factoryMap(factories);
export type SinkKind = (typeof factories)[number]['type'];
export const sinkKinds = factories.map((f) => f.type);

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  i: infer I,
) => void
  ? I
  : never;
type Shapes = UnionToIntersection<(typeof factories)[number]['configSchema']['shape']>;

/** Every sink's config sections, for the agent's schema (each has its defaults). */
export const sinkConfigShape = Object.assign(
  {},
  ...factories.map((f) => f.configSchema.shape),
) as Shapes;

/** The agent config's part a sink reads: publish.sink, fleet, and every sink's sections. */
export type SinkConfigView = { publish: { sink: SinkKind }; fleet: string } & {
  [K in keyof Shapes]: z.output<Shapes[K]>;
};

/** Builds the configured sink, handing it only its own config sections. */
export function createSink(config: SinkConfigView, device: string, deps: SinkDeps): Sink {
  const type = config.publish.sink;
  // Reachable from untyped callers only; the schema rejects unknown sinks first.
  const factory = (sinkFactories as Partial<Record<string, SinkFactory>>)[type];
  if (!factory) {
    throw new UserError(
      `sink ${JSON.stringify(type)} is not one of ${sinkKinds.join(', ')}`,
      'config',
    );
  }
  const sections = Object.fromEntries(
    Object.keys(factory.configSchema.shape).map((k) => [k, (config as Record<string, unknown>)[k]]),
  );
  return stampKind(
    factory.create({ ...sections, fleet: config.fleet, device }, deps),
    factory.type,
  );
}
