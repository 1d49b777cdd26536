// Every source plugin, listed once (importing a plugin registers nothing by itself). The
// agent's config holds `source: { kind, …that kind's fields }`: the union schema and the
// dispatch of createSource are both derived from this list.
import { z } from 'zod';
import { UserError } from '../../shared/errors.ts';
import { factoryMap, stampKind } from '../component.ts';
import * as csv from './csv/index.ts';
import type { SourceDeps } from './deps.ts';
import * as mqtt from './mqtt/index.ts';
import * as sim from './sim/index.ts';
import * as stdin from './stdin/index.ts';
import type { SourceFactory, StatefulSource } from './types.ts';

export type { SourceDeps } from './deps.ts';
export type { SourceStats } from './common/stats.ts';
export type { SourceFactory, StatefulSource } from './types.ts';

const factories = [sim.factory, csv.factory, mqtt.factory, stdin.factory];

export const sourceFactories = factoryMap(factories);
export type SourceKind = (typeof factories)[number]['type'];
export const sourceKinds = factories.map((f) => f.type);

type Member<F> =
  F extends SourceFactory<infer K, z.ZodObject<infer Shape, infer C>>
    ? z.ZodObject<z.core.util.Extend<Shape, { kind: z.ZodLiteral<K> }>, C>
    : never;
type Members = Member<(typeof factories)[number]>;

// safeExtend keeps each schema's strictness and cross-field checks (sim has some). The cast
// restores the per-kind member types that map() widens to one.
export const sourceConfigSchema = z.discriminatedUnion(
  'kind',
  factories.map((f) =>
    (f.configSchema as z.ZodObject).safeExtend({ kind: z.literal(f.type) }),
  ) as unknown as [Members, ...Members[]],
);

export type SourceConfig = z.output<typeof sourceConfigSchema>;
export type SourceConfigInput = z.input<typeof sourceConfigSchema>;

/** Builds the configured source; throws a UserError on bad config or an unusable file. */
export function createSource(config: SourceConfigInput, deps: SourceDeps = {}): StatefulSource {
  const { kind, ...rest } = config;
  // Reachable from untyped callers only; the schema rejects unknown kinds first.
  const factory = (sourceFactories as Partial<Record<string, SourceFactory>>)[kind];
  if (!factory) {
    throw new UserError(
      `source kind ${JSON.stringify(kind)} is not one of ${sourceKinds.join(', ')}`,
      'config',
    );
  }
  return stampKind(factory.create(rest, deps), factory.type);
}
