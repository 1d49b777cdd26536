// The bench skab arithmetic without a run: the confusion counts and rates, the false-alarm
// split around the episode, --tune's choice, the healthy pieces' cut and t2-raw's
// standardization.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKAB_BENCH_CONFIG } from '../../bench/skab/config.ts';
import { choosePoint, type GridPoint } from '../../bench/skab/tune.ts';
import { cutPieces } from '../../bench/skab/healthy.ts';
import { standardizeByFit, t2RawBaseline } from '../../bench/skab/detectors.ts';
import { exampleMetrics } from '../../shared/schema/metrics-example.ts';
import {
  confusion,
  episodeOutcomes,
  falseAlertStarts,
  fpSplit,
  rates,
} from '../../bench/skab/score.ts';

describe('SKAB scoring arithmetic', () => {
  // rows before `from` are the warm-up and never count
  it.each([
    { labels: [0, 0, 1, 1, 0, 0], alarms: [0, 0, 1, 1, 0, 0], from: 0, want: [2, 0, 0, 4] },
    { labels: [0, 0, 1, 1, 0, 0], alarms: [1, 1, 0, 1, 1, 0], from: 0, want: [1, 3, 1, 1] },
    { labels: [0, 0, 1, 1, 0, 0], alarms: [1, 1, 0, 1, 1, 0], from: 2, want: [1, 1, 1, 1] },
    { labels: [1, 1, 1], alarms: [0, 0, 0], from: 0, want: [0, 0, 3, 0] },
  ])('confusion $labels vs $alarms from $from', ({ labels, alarms, from, want }) => {
    const c = confusion(labels, alarms, from);
    expect([c.tp, c.fp, c.fn, c.tn]).toEqual(want);
  });

  it.each([
    // F1 = TP / (TP + (FN + FP)/2), FAR = 100 FP/(FP+TN), MAR = 100 FN/(FN+TP)
    { c: { tp: 40, fp: 10, fn: 20, tn: 90 }, f1: 40 / 55, far: 10, mar: 100 / 3 },
    { c: { tp: 0, fp: 0, fn: 0, tn: 5 }, f1: null, far: 0, mar: null },
    { c: { tp: 3, fp: 0, fn: 0, tn: 0 }, f1: 1, far: null, mar: 0 },
  ])('rates of $c', ({ c, f1, far, mar }) => {
    const r = rates(c);
    if (f1 === null) expect(r.f1).toBeNull();
    else expect(r.f1).toBeCloseTo(f1, 12);
    if (far === null) expect(r.far).toBeNull();
    else expect(r.far).toBeCloseTo(far, 12);
    if (mar === null) expect(r.mar).toBeNull();
    else expect(r.mar).toBeCloseTo(mar, 12);
  });

  it('measures delay, clearing and false alerts in data time', () => {
    const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => s * 1000);
    const labels = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0];
    const alarms = [0, 1, 0, 0, 1, 1, 1, 1, 0, 1];
    expect(episodeOutcomes(labels, alarms, t, 0)).toEqual([
      { start_ms: 3000, delay_s: 1, clear_s: 3 },
    ]);
    expect(falseAlertStarts(labels, alarms, 0)).toBe(2);
    expect(episodeOutcomes(labels, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], t, 0)[0]!.delay_s).toBeNull();
  });
});

describe('false alarms before and after the labelled episode', () => {
  // a healthy row counts "after" once an episode has ended before it; warm-up rows never count
  it.each([
    { labels: [0, 0, 1, 1, 0, 0], alarms: [1, 0, 1, 1, 1, 0], from: 0, want: [1, 2, 1, 2] },
    { labels: [0, 0, 1, 1, 0, 0], alarms: [1, 0, 1, 1, 1, 0], from: 1, want: [0, 1, 1, 2] },
    { labels: [0, 1, 0, 1, 0], alarms: [0, 0, 1, 0, 1], from: 0, want: [0, 1, 2, 2] },
    { labels: [0, 0, 0], alarms: [1, 1, 0], from: 0, want: [2, 3, 0, 0] },
  ])('$labels vs $alarms from $from', ({ labels, alarms, from, want }) => {
    const s = fpSplit(labels, alarms, from);
    expect([s.fp_before, s.healthy_before, s.fp_after, s.healthy_after]).toEqual(want);
  });
});

describe("--tune's choice among grid points", () => {
  const p = (
    setting: Record<string, number>,
    f1: number | null,
    far: number | null,
  ): GridPoint => ({
    setting,
    f1,
    far,
    mar: null,
    validated: [],
  });
  const t = { maxFar: 10, f1Digits: 3 };
  it.each([
    // the best F1 among FAR ≤ 10 %, however good a point above the cap is
    { points: [p({}, 0.8, 4), p({ a: 1 }, 0.85, 9), p({ a: 2 }, 0.9, 11)], want: 1 },
    // equal to 3 decimals: the fewest knobs off shipped wins, not the last digit
    { points: [p({ a: 1 }, 0.8104, 4), p({}, 0.8099, 4)], want: 1 },
    { points: [p({ a: 1, b: 1 }, 0.81, 2), p({ a: 1 }, 0.81, 5), p({ b: 2 }, 0.81, 3)], want: 2 },
    // nothing under the cap: the lowest FAR
    { points: [p({}, 0.9, 30), p({ a: 1 }, 0.5, 12), p({ a: 2 }, 0.7, 20)], want: 1 },
    // no F1 at all (nothing alarmed, no positives) ranks last
    { points: [p({}, null, 0), p({ a: 1 }, 0.1, 1)], want: 1 },
  ])('case %#', ({ points, want }) => {
    expect(choosePoint(points, t)).toBe(points[want]);
  });
});

describe('the healthy pieces', () => {
  it.each([
    { rows: 4, pieces: 0 },
    { rows: 5, pieces: 1 },
    { rows: 12, pieces: 2 },
  ])('$rows data rows cut by 5 → $pieces pieces, the remainder dropped', ({ rows, pieces }) => {
    const dir = mkdtempSync(join(tmpdir(), 'skab-cut-'));
    try {
      const src = join(dir, 'free.csv');
      const data = Array.from({ length: rows }, (_, i) => `t${i};${i}`);
      writeFileSync(src, ['time;x', ...data].join('\n') + '\n');
      const out = cutPieces(
        { name: 'g/free.csv', path: src, channels: ['x'] },
        5,
        join(dir, 'out'),
      );
      expect(out).toHaveLength(pieces);
      out.forEach((f, p) => {
        const lines = readFileSync(f.path, 'utf8').trim().split('\n');
        expect(lines[0]).toBe('time;x;anomaly');
        // consecutive rows of the source, each labelled healthy
        expect(lines.slice(1)).toEqual(data.slice(p * 5, p * 5 + 5).map((l) => `${l};0`));
        expect(f.name).toBe(`g/free.csv piece ${p}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('t2-raw on standardized channels', () => {
  // Voltage-like (σ 1e4) beside an accelerometer-like channel (σ 0.01) that shifts by 10 σ
  // on rows 600–799: in raw units the ridge (1e-6 × mean variance ≈ 33) hides the shift
  let s = 3;
  const noise = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const rows = Array.from({ length: 1000 }, (_, i) =>
    Float64Array.of(2e5 + 3.5e4 * noise(), 0.2 + 0.035 * noise() + (i >= 600 && i < 800 ? 0.1 : 0)),
  );
  it('makes every channel mean 0, σ 1 over the fit rows', () => {
    const z = standardizeByFit(rows, 250).slice(0, 250);
    for (const j of [0, 1]) {
      const m = z.reduce((a, r) => a + r[j]!, 0) / z.length;
      const v = z.reduce((a, r) => a + (r[j]! - m) ** 2, 0) / (z.length - 1);
      expect(m).toBeCloseTo(0, 10);
      expect(v).toBeCloseTo(1, 10);
    }
  });
  it('catches a shift of the small channel', () => {
    const times = Float64Array.from(rows, (_, i) => Date.UTC(2020, 0, 1) + i * 1000);
    const template = exampleMetrics({ fleet: 'f', device: 'd', boot: 'b' });
    const run = t2RawBaseline(
      { times, rows, template },
      { fitRows: 250, warmupRows: 400 },
      SKAB_BENCH_CONFIG,
    );
    const inside = run.alarms.subarray(600, 800).reduce((a, b) => a + b, 0);
    const before = run.alarms.subarray(400, 600).reduce((a, b) => a + b, 0);
    expect(inside).toBeGreaterThan(150);
    expect(before).toBeLessThan(20);
  });
});
