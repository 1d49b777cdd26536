// The fast metrics check (shared/schema/check-metrics.ts; decodeMetrics in the collector and
// the agent's publish check) must accept exactly what metricsSchema accepts, and return what
// zod would return: every field of real-shaped messages replaced by edge values, removed, or
// joined by a stray key; fuzzed mutations at every depth; the tests' messages (the
// bench's template: test/bench/collector-template.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMetrics,
  isValidMetrics,
  metricsSchema,
  type MetricsMessage,
} from '../../../shared/schema/index.ts';
import { validMetrics } from './fixtures.ts';
import { mutated } from '../../fuzz/fuzz-helpers.ts';
import { metrics } from '../../collector/fixtures.ts';

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
  { channel: 'x', share: 1 },
  { channel: 'x', delta: -1 },
  Array.from({ length: 9 }, () => ({ channel: 'x', share: 0.1 })),
];

function examples(): MetricsMessage[] {
  const live = validMetrics();
  live.drift_mean = 0.3;
  live.drift_note = 'why';
  live.limits = { drift: 1, drift_mean: 2, recon_mean: 3 };
  live.health.backend_fallback_reason = 'native failed';
  live.attribution = {
    drift_mean: [
      { channel: 'Flow', share: 0.72 },
      { channel: 'Pressure', share: 0.18 },
    ],
    coupling: [{ channel: 'ch2', delta: -1.9 }],
    recon: [{ channel: 'ch2', share: 1 }],
  };
  const many = validMetrics();
  many.attribution = {
    recon: Array.from({ length: 8 }, (_, i) => ({ channel: `c${i}`, share: i / 28 })),
    coupling: [],
  };
  const warmup = validMetrics();
  warmup.phase = 'warmup';
  warmup.warmup = { windows: 12, of: 64 };
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
  return [
    validMetrics(),
    live,
    many,
    warmup,
    dead,
    few,
    nonFinite,
    metrics({ infinite: true }),
    metrics({ limits: { drift: 1 } }),
    metrics({ coupling_shift: 2.5, limits: { drift_mean: 3, coupling_shift: 10.5 } }),
    metrics({ coupling_shift: null, limits: { coupling_shift: 1 } }),
  ];
}

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

/**
 * null when both agree: the verdict, and (`output`) zod's output equals the input when
 * accepted. Only values that came from JSON.parse are compared on output: the fast path
 * returns the parsed JSON itself, and JSON cannot produce what zod would drop (a stray
 * property on an array, a key set to undefined).
 */
function disagreement(candidate: unknown, output = true): string | null {
  const zod = metricsSchema.safeParse(candidate);
  const fast = isValidMetrics(candidate);
  if (fast && !zod.success) return 'fast accepts what zod rejects';
  if (!fast && zod.success) return 'fast rejects what zod accepts';
  if (fast && zod.success && output) {
    // the fast path returns the parsed JSON itself: it must be what zod would return
    try {
      expect(candidate).toStrictEqual(zod.data);
    } catch {
      return 'zod returns a different value';
    }
  }
  return null;
}

describe('isValidMetrics (the fast path of decodeMetrics)', () => {
  it('accepts the valid examples and decodeMetrics returns them unchanged', () => {
    for (const m of examples()) {
      expect(metricsSchema.safeParse(m).success).toBe(true);
      expect(isValidMetrics(m)).toBe(true);
      expect(decodeMetrics(JSON.stringify(m))).toEqual({ ok: true, value: m });
    }
  });

  it('agrees with metricsSchema on every field replaced, removed, or joined by a stray key', () => {
    const found: string[] = [];
    let rejected = 0;
    let cases = 0;
    const compare = (candidate: unknown, what: string) => {
      cases++;
      if (!metricsSchema.safeParse(candidate).success) rejected++;
      const d = disagreement(candidate, false);
      if (d) found.push(`${what}: ${d}`);
      const text = JSON.stringify(candidate);
      const j = text === undefined ? null : disagreement(JSON.parse(text));
      if (j) found.push(`${what}, as JSON: ${j}`);
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
    expect(found).toEqual([]);
    // both verdicts must be exercised, or the comparison proves nothing
    expect(rejected).toBeGreaterThan(1000);
    expect(cases - rejected).toBeGreaterThan(100);
  });

  it('agrees on fuzzed mutations at every depth, parsed from JSON as the collector sees them (5000)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated(validMetrics() as unknown as Record<string, unknown>), (m) => {
        const parsed: unknown = JSON.parse(JSON.stringify(m) ?? 'null');
        if (isValidMetrics(parsed)) accepted++;
        expect(disagreement(parsed)).toBeNull();
      }),
      { numRuns: 5000, seed: 20261201 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('leaves an own __proto__ key to zod (whose output could not carry it)', () => {
    const text = JSON.stringify(validMetrics()).replace('"notes":{', '"notes":{"__proto__":"x",');
    const parsed: unknown = JSON.parse(text);
    expect(isValidMetrics(parsed)).toBe(false);
    const r = decodeMetrics(text);
    expect(r.ok).toBe(metricsSchema.safeParse(parsed).success);
    if (r.ok) expect(Object.keys(r.value.measures!.notes)).not.toContain('__proto__');
  });
});
