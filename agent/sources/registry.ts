// Every source plugin, listed explicitly (importing a plugin registers nothing by itself).
// The agent's config holds `source: { kind, …that kind's fields }`, validated by
// sourceConfigSchema, and createSource builds it.
import { z } from 'zod';
import { UserError } from '../../shared/errors.ts';
import type { SourceStats } from './common/stats.ts';
import * as csv from './csv/index.ts';
import type { SourceDeps } from './deps.ts';
import * as mqtt from './mqtt/index.ts';
import * as sim from './sim/index.ts';
import * as stdin from './stdin/index.ts';
import type { Source } from './types.ts';

export type { SourceDeps } from './deps.ts';
export type { SourceStats } from './common/stats.ts';

/** A source with the counters the agent publishes in its health message. */
export interface StatefulSource extends Source {
  stats(): SourceStats;
}

export const sourceFactories = {
  sim: { configSchema: sim.configSchema, create: sim.createSimSource },
  csv: { configSchema: csv.configSchema, create: csv.createCsvSource },
  mqtt: { configSchema: mqtt.configSchema, create: mqtt.createMqttSource },
  stdin: { configSchema: stdin.configSchema, create: stdin.createStdinSource },
} as const;

export type SourceKind = keyof typeof sourceFactories;
export const sourceKinds = Object.keys(sourceFactories) as SourceKind[];

// safeExtend keeps each schema's strictness and cross-field checks (sim has some).
export const sourceConfigSchema = z.discriminatedUnion('kind', [
  sim.configSchema.safeExtend({ kind: z.literal('sim') }),
  csv.configSchema.safeExtend({ kind: z.literal('csv') }),
  mqtt.configSchema.safeExtend({ kind: z.literal('mqtt') }),
  stdin.configSchema.safeExtend({ kind: z.literal('stdin') }),
]);

export type SourceConfig = z.output<typeof sourceConfigSchema>;
export type SourceConfigInput = z.input<typeof sourceConfigSchema>;

/** Builds the configured source; throws a UserError on bad config or an unusable file. */
export function createSource(config: SourceConfigInput, deps: SourceDeps = {}): StatefulSource {
  switch (config.kind) {
    case 'sim': {
      const { kind: _kind, ...rest } = config;
      return sim.createSimSource(rest, deps);
    }
    case 'csv': {
      const { kind: _kind, ...rest } = config;
      return csv.createCsvSource(rest, deps);
    }
    case 'mqtt': {
      const { kind: _kind, ...rest } = config;
      return mqtt.createMqttSource(rest, deps);
    }
    case 'stdin': {
      const { kind: _kind, ...rest } = config;
      return stdin.createStdinSource(rest, deps);
    }
    default:
      // Reachable from untyped callers only; the schema rejects unknown kinds first.
      throw new UserError(
        `source kind ${JSON.stringify((config as { kind?: unknown }).kind)} is not one of ${sourceKinds.join(', ')}`,
        'config',
      );
  }
}
