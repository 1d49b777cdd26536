// The fast metrics check must accept exactly what metricsSchema accepts: every field of a few
// real-shaped messages (warm-up, live with limits, degenerate) is replaced by edge values,
// removed, or joined by an unknown key, and both verdicts are compared.
import { describe, expect, it } from 'vitest';
import { isValidMetrics } from '../../../agent/publish/check-metrics.ts';
import { metricsSchema, type MetricsMessage } from '../../../shared/schema/metrics.ts';
import { validMetrics } from '../../shared/schema/fixtures.ts';

const EDGE_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -0,
  -1,
  0.5,
  1.5,
  2,
  -1e-300,
  2 ** 53,
  2 ** 53 - 1,
  1e21,
  NaN,
  Infinity,
  -Infinity,
  '',
  'x',
  '1',
  'a/b',
  '-lead',
  'λ'.repeat(64),
  '😀'.repeat(33),
  'x'.repeat(65),
  true,
  {},
  [],
  [1],
  [NaN],
  ['x'],
  'tc',
  'live',
  'warmup',
  'node',
  'wasm',
  'model',
  'dead-channel',
  'too-few-samples',
  'non-finite',
  'redband.metrics',
  { mean: 1, p95: 2 },
];

function examples(): MetricsMessage[] {
  const live = validMetrics();
  live.drift_mean = 0.3;
  live.drift_note = 'why';
  live.limits = { drift: 1, drift_mean: 2, recon_mean: 3 };
  live.health.backend_fallback_reason = 'native failed';
  const warmup = validMetrics();
  warmup.phase = 'warmup';
  warmup.band = null;
  warmup.band_value = null;
  warmup.drift = null;
  warmup.drift_mean = null;
  warmup.recon = null;
  warmup.measures!.bartlett = null;
  warmup.measures!.notes = {};
  const dead = validMetrics();
  dead.measures = null;
  dead.degenerate = { kind: 'dead-channel', channels: [0, 2], message: 'dead' };
  const few = validMetrics();
  few.measures = null;
  few.degenerate = { kind: 'too-few-samples', n: 3, k: 8, message: 'few' };
  const nonFinite = validMetrics();
  nonFinite.measures = null;
  nonFinite.degenerate = { kind: 'non-finite', message: 'nan' };
  return [validMetrics(), live, warmup, dead, few, nonFinite];
}

/** Paths to every object and leaf of `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  for (const [key, child] of Object.entries(value)) {
    out.push(...paths(child, [...prefix, Array.isArray(value) ? Number(key) : key]));
  }
  return out;
}

function withValue(msg: unknown, path: (string | number)[], value: unknown, remove = false) {
  const copy = structuredClone(msg) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

describe('isValidMetrics', () => {
  it('accepts the valid examples', () => {
    for (const m of examples()) {
      expect(metricsSchema.safeParse(m).success).toBe(true);
      expect(isValidMetrics(m)).toBe(true);
    }
  });

  it('agrees with metricsSchema on every field replaced, removed, or joined by a stray key', () => {
    const disagreements: string[] = [];
    let rejected = 0;
    let cases = 0;
    const compare = (candidate: unknown, what: string) => {
      cases++;
      const zod = metricsSchema.safeParse(candidate).success;
      if (!zod) rejected++;
      if (isValidMetrics(candidate) !== zod) disagreements.push(`${what}: zod says ${zod}`);
    };
    for (const [e, msg] of examples().entries()) {
      for (const path of paths(msg)) {
        const where = `example ${e} ${path.join('.')}`;
        for (const value of EDGE_VALUES)
          compare(withValue(msg, path, value), `${where} = ${String(value)}`);
        compare(withValue(msg, path, undefined, true), `${where} removed`);
        const parent = path.slice(0, -1);
        compare(withValue(msg, [...parent, 'stray'], 1), `${where}: stray key beside it`);
      }
      if (msg.band) {
        compare(withValue(msg, ['band', 'low'], 10), `example ${e} band low > center`);
        compare(withValue(msg, ['band', 'high'], 0.3), `example ${e} band high < center`);
      }
    }
    for (const value of EDGE_VALUES) compare(value, `the whole message = ${String(value)}`);
    expect(disagreements).toEqual([]);
    // the mutations must exercise both verdicts, or the comparison proves nothing
    expect(rejected).toBeGreaterThan(1000);
    expect(cases - rejected).toBeGreaterThan(100);
  });
});
