// redband bench skab end to end on a synthetic SKAB-like folder (skab-folder.ts): the
// scored run, --tune's cross-fit, rule validation, the healthy pieces and the refusals; and
// the shipped skab-pump.yaml's warm-up.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { loadModel } from '../../agent/inference/load.ts';
import { SKAB_BENCH_CONFIG } from '../../bench/skab/config.ts';
import { warmupRowsOf } from '../../bench/skab/replay.ts';
import { runSkabBench } from '../../bench/skab/run.ts';
import { formatSkabReport } from '../../bench/skab/report.ts';
import { choosePoint } from '../../bench/skab/tune.ts';
import { skabLikeFile } from '../support/skab-like.ts';
import { skabCsv, writeSkabFolder } from './skab-folder.ts';

describe('redband bench skab on a synthetic SKAB-like folder', () => {
  let dir: string;
  let agentConfig: string;
  beforeAll(async () => {
    ({ dir, agentConfig } = await writeSkabFolder());
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
