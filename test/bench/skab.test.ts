import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { loadModel } from '../../agent/inference/load.ts';
import { SKAB_BENCH_CONFIG } from '../../bench/skab/config.ts';
import { warmupRowsOf } from '../../bench/skab/replay.ts';
import { runSkabBench } from '../../bench/skab/run.ts';
import { formatSkabReport } from '../../bench/skab/report.ts';
import { choosePoint, type GridPoint } from '../../bench/skab/tune.ts';
import { cutPieces } from '../../bench/skab/healthy.ts';
import { standardizeByFit, t2RawBaseline } from '../../bench/skab/detectors.ts';
import { exampleMetrics } from '../../shared/schema/metrics-example.ts';
import { readSensorCsv } from '../../mae/csv.ts';
import { skabLikeFile } from '../support/skab-like.ts';
import { exportFitted, fitTable } from '../../mae/pipeline.ts';
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

/** A SKAB-like CSV: 3 noisy channels at 1 Hz, a level shift of `shift` σ on rows [a, b). */
function skabCsv(rows: number, seed: number, episode: [number, number] | null, shift = 4): string {
  let s = seed;
  const noise = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    s = (s * 1103515245 + 12345) % 2147483648;
    const v = s / 2147483648;
    return Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * v);
  };
  const head = `datetime;a;b;c${episode ? ';anomaly;changepoint' : ''}`;
  const lines = [head];
  const t0 = Date.UTC(2020, 2, 9, 10, 0, 0);
  for (let r = 0; r < rows; r++) {
    const time = new Date(t0 + r * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const on = episode !== null && r >= episode[0] && r < episode[1];
    const z = noise();
    const a = 10 + z + (on ? shift : 0);
    const b = 5 + 0.5 * z + 0.5 * noise() + (on ? shift / 2 : 0);
    const c = 1 + 0.1 * noise();
    const cells = [time, a.toFixed(4), b.toFixed(4), c.toFixed(4)];
    if (episode) cells.push(on ? '1' : '0', r === episode[0] || r === episode[1] - 1 ? '1' : '0');
    lines.push(cells.join(';'));
  }
  return lines.join('\n') + '\n';
}

/** The shipped skab-pump.yaml with only what names SKAB's channels and files replaced. */
function benchConfigFor(dir: string, model: string, modelWindow: number): string {
  const cfg = parseDocument(readFileSync(SKAB_BENCH_CONFIG.agentConfig, 'utf8')).toJS() as {
    source: Record<string, unknown>;
    model: Record<string, unknown>;
    baseline: Record<string, unknown>;
    detect: Record<string, unknown>;
    log?: Record<string, unknown>;
  };
  cfg.source = { kind: 'csv', path: join(dir, 'free', 'free.csv'), delimiter: ';' };
  cfg.model.path = model;
  delete cfg.detect.channels;
  // window i ends at row T − 1 + i (hop 1): rows 0–399 are the warm-up, 0–249 its fit part
  cfg.baseline.warmup_windows = 400 - modelWindow + 1;
  cfg.baseline.fit_fraction = (250 - modelWindow + 1) / (400 - modelWindow + 1);
  const out = join(dir, 'agent.yaml');
  writeFileSync(out, stringify(cfg));
  return out;
}

describe('redband bench skab on a synthetic SKAB-like folder', () => {
  let dir: string;
  let agentConfig: string;
  const tiny = { window: 4, latentDim: 2, hidden: 8, maskRatio: 0.5, epochs: 1, seed: 1, hop: 1 };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skab-bench-'));
    mkdirSync(join(dir, 'free'));
    mkdirSync(join(dir, 'valve'));
    mkdirSync(join(dir, 'pump'));
    // two healthy pieces of 1,150 rows and a remainder the cut drops
    writeFileSync(join(dir, 'free', 'free.csv'), skabCsv(2 * 1150 + 100, 7, null));
    writeFileSync(join(dir, 'valve', '0.csv'), skabCsv(900, 11, [550, 750]));
    writeFileSync(join(dir, 'valve', '1.csv'), skabCsv(900, 13, [600, 800]));
    // a far larger shift than valve's: what a rule tuned on valve has never seen
    writeFileSync(join(dir, 'pump', '0.csv'), skabCsv(900, 17, [550, 750], 12));
    const table = await readSensorCsv(join(dir, 'free', 'free.csv'));
    const model = join(dir, 'tiny.onnx');
    writeFileSync(model, exportFitted(await fitTable(table, table.rows, tiny), null));
    agentConfig = benchConfigFor(dir, model, tiny.window);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores the agent + the collector default rules, and catches a level-shift episode', async () => {
    const r = await runSkabBench({ dir, agentConfig, score: ['valve'], healthy: false });
    expect(r.files.map((f) => f.file)).toEqual(['valve/0.csv', 'valve/1.csv']);
    expect(r.rules).toBe('defaults');
    expect(r.agent.warmup).toMatchObject({ warmupRows: 400, fitRows: 250, hop: 1 });
    expect(r.detector).toBe('redband');
    // the episode's first ~15 s go by before 3 of 5 snapshots breach, its tail after it ends
    // until the 30-s mean has forgotten it and 3 snapshots in a row are clear
    expect(r.f1).toBeGreaterThan(0.85);
    // false alarms allowed: the 30-s sliding mean still remembers the episode after it ends,
    // plus three snapshots to clear, out of each file's ~300 healthy scored rows
    expect(r.far).toBeLessThan(15);
    const head = r.detectors[0]!;
    expect(head.missed).toBe(0);
    // 3 breaching snapshots of 5 (a snapshot every 5 s) once the 30-s mean crosses the limit
    expect(head.delay_s).toBeLessThan(30);
    expect(head.clear_s).toBeLessThanOrEqual(30 + 3 * 5 + 5);
    expect(r.detectors.map((d) => d.detector)).toEqual([
      'redband',
      'level-shift',
      'drift',
      'recon-error',
      'band',
      't2-raw',
    ]);
    // every row after the warm-up is scored exactly once, for every detector
    for (const d of r.detectors) expect(d.tp + d.fp + d.fn + d.tn).toBe(2 * (900 - 400));
    // the product row is the union of its rules: never fewer alarmed rows than any one rule
    for (const d of r.detectors.slice(1, 5))
      expect(head.tp + head.fp).toBeGreaterThanOrEqual(d.tp + d.fp);
    // the limits are the agent's own, from its warm-up
    expect(r.files[0]!.thresholds.drift_mean).toBeGreaterThan(0);
  }, 50_000);

  // limit_margin and clear_fraction have shipped values 4 and 0.8: a grid of 2 × 2 points;
  // the two keys no schema knows are skipped, not fatal
  const knobs = [
    { key: 'detect.limit_margin', values: [2, 4] },
    { key: 'rules.level-shift.clear_fraction', values: [0.5] },
    { key: 'detect.no_such_knob', values: [1] },
    { key: 'rules.level-shift.no_such_field', values: [true] },
  ];
  it.each([
    {
      tune: ['valve'],
      score: undefined,
      tuned: ['valve/0.csv', 'valve/1.csv'],
      scored: ['pump/0.csv'],
    },
    {
      tune: ['pump'],
      score: ['valve'],
      tuned: ['pump/0.csv'],
      scored: ['valve/0.csv', 'valve/1.csv'],
    },
  ])(
    'tunes on $tune only and scores $scored with the choice',
    async ({ tune, score, tuned, scored }) => {
      const r = await runSkabBench({
        dir,
        agentConfig,
        tune,
        knobs,
        healthy: false,
        ...(score ? { score } : {}),
      });
      const t = r.tuning!;
      expect(r.protocol).toMatchObject({ mode: 'cross-fit', tune });
      expect(t.detectors[0]!.files.map((f) => f.file)).toEqual(tuned);
      expect(r.files.map((f) => f.file)).toEqual(scored);
      expect(t.knobs.map((k) => [k.key, k.shipped, k.values])).toEqual([
        ['detect.limit_margin', 4, [2]],
        ['rules.level-shift.clear_fraction', 0.8, [0.5]],
      ]);
      expect(t.skipped.map((k) => k.key)).toEqual([
        'detect.no_such_knob',
        'rules.level-shift.no_such_field',
      ]);
      expect(t.grid.map((p) => p.setting)).toEqual([
        {},
        { 'rules.level-shift.clear_fraction': 0.5 },
        { 'detect.limit_margin': 2 },
        { 'detect.limit_margin': 2, 'rules.level-shift.clear_fraction': 0.5 },
      ]);
      expect(t.chosen).toBe(choosePoint(t.grid, SKAB_BENCH_CONFIG.tuning));
      // the scored files ran with the chosen knobs
      expect(r.agent.limit_margin).toBe(t.chosen.setting['detect.limit_margin'] ?? 4);
    },
    50_000,
  );

  it.each([
    { tune: ['valve'], score: ['valve'], message: /--tune and --score both name valve/ },
    { tune: ['nope'], score: ['valve'], message: /no subfolder nope/ },
    { tune: [], score: ['valve'], message: /--tune: no subfolder given/ },
  ])('refuses --tune $tune --score $score', async ({ tune, score, message }) => {
    await expect(runSkabBench({ dir, agentConfig, tune, score, knobs })).rejects.toThrow(message);
  });

  // `hot` breaches only on pump's 12-σ shift (drift_mean ≈ 90 there, ≤ 10 on valve)
  it.each([
    { tune: undefined, hotValidated: true },
    { tune: ['valve'], hotValidated: false },
  ])(
    'a rule that fired on no tuning file (tune $tune) stays out of the product row',
    async ({ tune, hotValidated }) => {
      const collectorConfig = join(dir, 'hot.yaml');
      writeFileSync(
        collectorConfig,
        stringify({ rules: { hot: { field: 'drift_mean', op: 'above', threshold: 40 } } }),
      );
      const r = await runSkabBench({
        dir,
        agentConfig,
        collectorConfig,
        score: ['pump'],
        knobs: [],
        healthy: false,
        ...(tune ? { tune } : {}),
      });
      expect(r.validated.includes('hot')).toBe(hotValidated);
      const byName = new Map(r.detectors.map((d) => [d.detector, d]));
      expect(byName.get('redband')!.rules.includes('hot')).toBe(hotValidated);
      expect(byName.get('redband')!.rules).toContain('level-shift');
      // every rule row is still there, marked when none of its rules is validated; drift
      // (no limit: the sketch outlasts the held-out windows) never fires
      for (const d of r.detectors.slice(1, 5)) {
        expect(d.unvalidated).toBe(!d.rules.some((n) => r.validated.includes(n)));
      }
      expect(byName.get('drift')!.unvalidated).toBe(true);
      expect(byName.get('t2-raw')!).toMatchObject({ rules: [], unvalidated: false });
      expect(formatSkabReport(r)).toMatch(/^drift \(unvalidated\) /m);
    },
    50_000,
  );

  it('runs the healthy pieces as devices: every row after the warm-up healthy', async () => {
    const r = await runSkabBench({ dir, agentConfig, score: ['valve'] });
    const h = r.healthy_far!;
    expect(h).toMatchObject({
      sources: ['free/free.csv'],
      pieces: ['free/free.csv piece 0', 'free/free.csv piece 1'],
      rows_per_piece: 1150,
    });
    expect(h.detectors.map((d) => d.detector)).toEqual(r.detectors.map((d) => d.detector));
    for (const d of h.detectors) expect(d.fp + d.tn).toBe(2 * (1150 - 400));
    expect(formatSkabReport(r)).toContain('cut into pieces of 1150 rows (2 reported)');
  }, 50_000);

  it('with --tune, tunes on the even healthy pieces and reports the odd ones', async () => {
    const r = await runSkabBench({ dir, agentConfig, tune: ['valve'], score: ['pump'] });
    expect(r.healthy_far!.pieces).toEqual(['free/free.csv piece 1']);
    for (const d of r.healthy_far!.detectors) expect(d.fp + d.tn).toBe(1150 - 400);
    expect(formatSkabReport(r)).toContain(
      '(1 reported: the odd ones; the even ones were tuned on)',
    );
  }, 50_000);

  it('refuses an agent config whose warm-up is not rows 0–399', async () => {
    const bad = join(dir, 'short-warmup.yaml');
    writeFileSync(
      bad,
      readFileSync(agentConfig, 'utf8').replace(/warmup_windows: \d+/, 'warmup_windows: 300'),
    );
    await expect(runSkabBench({ dir, agentConfig: bad })).rejects.toThrow(
      /warm-up reads rows 0–302 .*needs exactly rows 0–399/,
    );
  });

  it.each([
    ['a missing folder', (d: string) => join(d, 'nope'), /cannot read the folder/],
    ['a folder without subfolders', (d: string) => join(d, 'valve'), /no subfolders/],
    [
      'no labelled files',
      (d: string) => {
        const x = join(d, 'nolabels');
        mkdirSync(join(x, 'g'), { recursive: true });
        writeFileSync(join(x, 'g', 'a.csv'), skabCsv(50, 1, null));
        return x;
      },
      /no labelled CSVs/,
    ],
    [
      'a comma-separated file',
      (d: string) => {
        const x = join(d, 'comma');
        mkdirSync(join(x, 'g'), { recursive: true });
        writeFileSync(join(x, 'g', 'a.csv'), 'datetime,a,anomaly\n2020-01-01 00:00:00,1,0\n');
        return x;
      },
      /';'-separated header/,
    ],
    [
      'a file shorter than the warm-up',
      (d: string) => {
        const x = join(d, 'short');
        mkdirSync(join(x, 'g'), { recursive: true });
        writeFileSync(join(x, 'g', 'a.csv'), skabCsv(300, 1, [200, 250]));
        return x;
      },
      /need more than the 400-row warm-up/,
    ],
    [
      'a bad label',
      (d: string) => {
        const x = join(d, 'badlabel');
        mkdirSync(join(x, 'g'), { recursive: true });
        writeFileSync(
          join(x, 'g', 'a.csv'),
          skabCsv(450, 1, [420, 430]).replace(';0;0\n', ';7;0\n'),
        );
        return x;
      },
      /anomaly is "7"/,
    ],
  ])('refuses %s with a clear error', async (_what, make, message) => {
    await expect(runSkabBench({ dir: make(dir), agentConfig })).rejects.toThrow(message);
  });
});

describe('the shipped skab-pump.yaml', () => {
  it("warms up on exactly SKAB's first 400 rows, fitting on rows 0–249", async () => {
    // the config's own source is the real anomaly-free.csv beside the repository; the warm-up
    // is the config's alone, so a SKAB-shaped stand-in replaces it (a clone without the data)
    const loaded = loadAgentConfig(SKAB_BENCH_CONFIG.agentConfig, {
      replay: skabLikeFile('anomaly-free/anomaly-free.csv'),
    });
    const session = await loadModel(loaded.config.model.path, { runtime: 'node' });
    try {
      expect(warmupRowsOf(loaded, session.model.window)).toMatchObject({
        warmupRows: 400,
        fitRows: 250,
      });
    } finally {
      await session.close();
    }
  });
});
