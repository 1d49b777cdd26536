// The shape every pluggable agent component registers (as OpenTelemetry Collector's
// factories): its type, the zod schema of its config, and a create function. A registry is a
// list of factories turned into one map by type; that map is the only place a kind is
// dispatched on, so adding a component is adding it to its list. A component's kind is its
// factory's type, written there once: create() leaves it out and the registry stamps it.
import type { z } from 'zod';

/** A component as its factory's create() returns it: everything but the kind it is stamped with. */
export type Unstamped<T> = Omit<T, 'kind'>;

export interface ComponentFactory<
  Type extends string,
  Schema extends z.ZodType,
  Deps,
  Out,
  Config = z.input<Schema>,
> {
  readonly type: Type;
  readonly configSchema: Schema;
  // A method, so a factory whose create takes its own config type fits the registry's type.
  create(config: Config, deps: Deps): Unstamped<Out>;
}

/**
 * What a registry hands out: the built component with its factory's type as its `kind`, so
 * the two cannot disagree.
 */
export function stampKind<T extends object, K extends string>(
  part: T,
  kind: K,
): T & { readonly kind: K } {
  return Object.assign(part, { kind });
}

/** The factories keyed by type; a type registered twice is a programming error. */
export function factoryMap<F extends { readonly type: string }>(
  factories: readonly F[],
): { readonly [T in F['type']]: Extract<F, { type: T }> } {
  const map: Record<string, F> = {};
  for (const f of factories) {
    if (map[f.type]) throw new Error(`component type "${f.type}" is registered twice`);
    map[f.type] = f;
  }
  return map as { readonly [T in F['type']]: Extract<F, { type: T }> };
}
