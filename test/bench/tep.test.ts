import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { loadModel } from '../../agent/inference/load.ts';
import { TEP_BENCH_CONFIG, TEP_MODEL } from '../../bench/tep/config.ts';
import {
  discoverTep,
  readTepFile,
  TEP_CHANNELS,
  TESTING_ONSET_ROW,
  writeTepCsv,
} from '../../bench/tep/dataset.ts';
import { lifecycleAlarms, thresholdForFar } from '../../bench/tep/detectors.ts';
import { fitPca, pcaStatistics, symmetricEigen } from '../../bench/tep/pca.ts';
import {
  chiSquaredCdf,
  chiSquaredQuantile,
  fCdf,
  fQuantile,
  normalCdf,
  normalQuantile,
  speLimit,
  t2Limit,
} from '../../bench/tep/quantiles.ts';
import { formatTepReport } from '../../bench/tep/report.ts';
import { runTepBench } from '../../bench/tep/run.ts';
import { scoreRows } from '../../bench/tep/score.ts';
import { warmupRowsOf } from '../../bench/skab/replay.ts';
import { readSensorCsv } from '../../mae/csv.ts';
import { exportFitted, fitTable } from '../../mae/pipeline.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';

describe('quantile functions behind the PCA limits', () => {
  // printed statistical tables (e.g. Abramowitz & Stegun 26.2, 26.4, 26.6)
  it.each([
    { f: () => normalQuantile(0.99), want: 2.326348 },
    { f: () => normalQuantile(0.975), want: 1.959964 },
    { f: () => normalQuantile(0.01), want: -2.326348 },
    { f: () => chiSquaredQuantile(0.99, 10), want: 23.2093 },
    { f: () => chiSquaredQuantile(0.95, 1), want: 3.8415 },
    { f: () => fQuantile(0.99, 2, 10), want: 7.5594 },
    { f: () => fQuantile(0.95, 5, 20), want: 2.7109 },
    { f: () => fQuantile(0.99, 10, 120), want: 2.4721 },
  ])('matches the table value $want', ({ f, want }) => {
    expect(f()).toBeCloseTo(want, 3);
  });

  it('inverts its CDF', () => {
    for (const p of [0.01, 0.5, 0.9, 0.99, 0.999]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 10);
      expect(fCdf(fQuantile(p, 15, 485), 15, 485)).toBeCloseTo(p, 10);
      expect(chiSquaredCdf(chiSquaredQuantile(p, 7.5), 7.5)).toBeCloseTo(p, 10);
    }
    // F(1, d) is the square of Student's t(d); with d large it is χ²₁
    expect(fQuantile(0.95, 1, 1e7)).toBeCloseTo(chiSquaredQuantile(0.95, 1), 3);
  });

  it('gives the textbook T² and Jackson–Mudholkar SPE limits, and Box when J–M is undefined', () => {
    const n = 500;
    const a = 15;
    expect(t2Limit(a, n, 0.99)).toBeCloseTo(
      ((a * (n - 1) * (n + 1)) / (n * (n - a))) * fQuantile(0.99, a, n - a),
      12,
    );
    // one residual eigenvalue λ: θᵢ = λⁱ, h₀ = 1/3, hand-evaluated
    const lambda = 2;
    const c = normalQuantile(0.99);
    const h0 = 1 / 3;
    const inner = (c * Math.sqrt(2 * lambda ** 2 * h0 * h0)) / lambda + 1 + h0 * (h0 - 1);
    expect(speLimit([lambda], 0.99)).toEqual({
      limit: expect.closeTo(lambda * inner ** (1 / h0), 10),
      method: 'jackson-mudholkar',
    });
    // θ₁θ₃/θ₂² ≥ 1.5 makes h₀ ≤ 0: one large eigenvalue among many small ones
    const uneven = [10, ...Array<number>(50).fill(1)];
    const box = speLimit(uneven, 0.99);
    expect(box.method).toBe('box');
    expect(box.limit).toBeCloseTo((150 / 60) * chiSquaredQuantile(0.99, 3600 / 150), 8);
    expect(() => speLimit([0, 0], 0.99)).toThrow(/no residual variance/);
    expect(() => t2Limit(10, 10, 0.99)).toThrow(/components < samples/);
  });
});

/** Deterministic standard normals. */
function gaussians(seed: number): () => number {
  let s = seed;
  const u = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 0.5) / 2147483648;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * TEP-like rows: 52 channels driven by 4 slow AR(1) factors plus noise. `fault` from row
 * `onset`: 'shift' moves 8 channels by 4 σ; 'none' leaves the run normal.
 */
function tepRows(rows: number, seed: number, fault: 'none' | 'shift' = 'none', onset = 0) {
  const g = gaussians(seed);
  const load = gaussians(99);
  const loadings = TEP_CHANNELS.map(() => [load(), load(), load(), load()]);
  const f = [0, 0, 0, 0];
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 4; k++) f[k] = 0.8 * f[k]! + 0.6 * g();
    const on = fault === 'shift' && r >= onset;
    out.push(
      Float64Array.from(loadings, (l, j) => {
        const v = 10 + j + l[0]! * f[0]! + l[1]! * f[1]! + l[2]! * f[2]! + l[3]! * f[3]! + g();
        return v + (on && j % 6 === 0 ? 4 * 2 : 0);
      }),
    );
  }
  return out;
}

const datText = (rows: readonly Float64Array[]): string =>
  rows.map((r) => Array.from(r, (v) => v.toExponential(7)).join('   ')).join('\n') + '\n';
/** d00.dat's published layout: one variable per line */
const transposedText = (rows: readonly Float64Array[]): string =>
  TEP_CHANNELS.map((_, j) => rows.map((r) => r[j]!.toExponential(7)).join('   ')).join('\n') + '\n';

describe('PCA baselines', () => {
  it('decomposes a symmetric matrix exactly', () => {
    const k = 4;
    const a = [4, 1, 0.5, 0, 1, 3, 0.2, 0.1, 0.5, 0.2, 2, 0.3, 0, 0.1, 0.3, 1];
    const { values, vectors } = symmetricEigen(a, k);
    for (let i = 1; i < k; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += vectors[i * k + c]! * values[c]! * vectors[j * k + c]!;
        expect(s).toBeCloseTo(a[i * k + j]!, 10);
      }
    }
  });

  it('fits T² and SPE whose training means are the textbook ones', () => {
    const rows = tepRows(400, 5);
    const a = 6;
    const m = fitPca(rows, a, 0.99);
    const stats = rows.map((r) => pcaStatistics(m, r));
    const meanT2 = stats.reduce((s, x) => s + x.t2, 0) / rows.length;
    const meanSpe = stats.reduce((s, x) => s + x.spe, 0) / rows.length;
    // Σ tᵢ²/λᵢ over the training rows is exactly a(n − 1); the SPE mean is Σ_{i>a} λᵢ (n−1)/n
    expect(meanT2).toBeCloseTo((a * (rows.length - 1)) / rows.length, 8);
    const residual = m.eigen.values.subarray(a).reduce((s, x) => s + x, 0);
    expect(meanSpe).toBeCloseTo((residual * (rows.length - 1)) / rows.length, 8);
    expect(m.t2Limit).toBeCloseTo(t2Limit(a, rows.length, 0.99), 12);
    // a far-off row is far outside both limits
    const off = Float64Array.from(rows[0]!, (v, j) => v + 10 * m.std[j]!);
    const s = pcaStatistics(m, off);
    expect(s.t2 + s.spe).toBeGreaterThan(m.t2Limit + m.spe.limit);
  });

  it('refuses a constant variable and a component without variance', () => {
    const rows = tepRows(100, 3).map((r) => {
      const c = Float64Array.from(r);
      c[7] = 1;
      return c;
    });
    expect(() => fitPca(rows, 5, 0.99, TEP_CHANNELS)).toThrow(/xmeas_8 is constant/);
    const rank2 = Array.from({ length: 30 }, (_, i) =>
      Float64Array.of(i, (i * 7) % 5, i + 1, 0.5 * i),
    );
    expect(() => fitPca(rank2, 3, 0.99)).toThrow(/component 3 has no variance/);
  });
});

describe('TEP scoring and the baselines’ lifecycle', () => {
  it('scores detection rate, FAR on normal rows and delay in data time', () => {
    const t = [0, 1, 2, 3, 4, 5].map((s) => s * 180_000);
    expect(scoreRows([0, 0, 1, 1, 1, 1], [1, 0, 0, 1, 1, 0], t)).toEqual({
      detection_rate: 50,
      far: 50,
      delay_s: 180,
    });
    expect(scoreRows([1, 1], [0, 0], [0, 1])).toEqual({
      detection_rate: 0,
      far: null,
      delay_s: null,
    });
  });

  it('sweeps a threshold to at most the target FAR, and no lower', () => {
    const g = gaussians(17);
    const n = 400;
    const times = Float64Array.from({ length: n }, (_, i) => i * 180_000);
    const values = Float64Array.from({ length: n }, () => g() ** 2);
    const template = { device: 'x', fleet: 'bench' } as unknown as MetricsMessage;
    const series = { times, values, template };
    const rate = (thr: number): number =>
      (100 * lifecycleAlarms(series, thr).reduce((s, x) => s + x, 0)) / n;
    const { threshold, far } = thresholdForFar(series, 2);
    expect(far).toBeLessThanOrEqual(2);
    expect(rate(threshold)).toBe(far);
    expect(rate(threshold * 0.97)).toBeGreaterThan(2);
    // three breaching readings of five are needed: isolated spikes never fire
    const spikes = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 100 : 0));
    expect(lifecycleAlarms({ times, values: spikes, template }, 1).some((x) => x === 1)).toBe(
      false,
    );
  });
});

/** The shipped tep-plant.yaml with the model and the warm-up split of the small d00. */
function benchConfigFor(dir: string, model: string, d00Rows: number, fitRows: number): string {
  const cfg = parseDocument(readFileSync(TEP_BENCH_CONFIG.agentConfig, 'utf8')).toJS() as {
    model: Record<string, unknown>;
    baseline: Record<string, unknown>;
    sketch: Record<string, unknown>;
  };
  cfg.model.path = model;
  // window i ends at row T − 1 + i (hop 1)
  const t = tiny.window;
  cfg.baseline.warmup_windows = d00Rows - t + 1;
  cfg.baseline.fit_fraction = (fitRows - t + 1) / (d00Rows - t + 1);
  cfg.sketch.size = 30;
  const out = join(dir, 'agent.yaml');
  writeFileSync(out, stringify(cfg));
  return out;
}

const tiny = { window: 4, latentDim: 2, hidden: 8, maskRatio: 0.5, epochs: 1, seed: 1, hop: 1 };
const D00_ROWS = 200;
const FIT_ROWS = 120;

describe('redband bench tep on a synthetic TEP-like folder', () => {
  let dir: string;
  let agentConfig: string;
  const config = {
    ...TEP_BENCH_CONFIG,
    fitRows: FIT_ROWS,
    pca: { components: 6, confidence: 0.99 },
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tep-bench-'));
    const d00 = tepRows(D00_ROWS, 7);
    writeFileSync(join(dir, 'd00.dat'), transposedText(d00));
    writeFileSync(join(dir, 'd00_te.dat'), datText(tepRows(300, 8)));
    writeFileSync(join(dir, 'd01_te.dat'), datText(tepRows(320, 9, 'shift', TESTING_ONSET_ROW)));
    writeFileSync(join(dir, 'd02.dat'), datText(tepRows(150, 10, 'shift', 0)));
    // an "undetectable" fault id with normal data: scored, left out of the mean
    writeFileSync(join(dir, 'd03.dat'), datText(tepRows(150, 11)));
    writeFileSync(join(dir, 'notes.txt'), 'not a TEP file\n');
    const csv = join(dir, 'fit.csv');
    writeTepCsv(csv, d00.slice(0, FIT_ROWS));
    const table = await readSensorCsv(csv);
    const model = join(dir, 'tiny.onnx');
    writeFileSync(model, exportFitted(await fitTable(table, table.rows, tiny), null));
    agentConfig = benchConfigFor(dir, model, D00_ROWS, FIT_ROWS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the transposed d00.dat and finds the files to score', () => {
    const d00 = readTepFile(join(dir, 'd00.dat'));
    expect(d00.rows).toBe(D00_ROWS);
    expect(d00.data[0]!.length).toBe(52);
    const ds = discoverTep(dir);
    expect(ds.normal?.name).toBe('d00_te');
    expect(ds.faults.map((f) => [f.name, f.fault, f.testing])).toEqual([
      ['d01_te', 1, true],
      ['d02', 2, false],
      ['d03', 3, false],
    ]);
  });

  it('scores the agent + collector defaults and the PCA baselines on the same path', async () => {
    const lines: string[] = [];
    const r = await runTepBench({ dir, agentConfig, config, progress: (l) => lines.push(l) });
    expect(lines).toHaveLength(4);
    expect(r.scored).toEqual(['d00_te', 'd01_te', 'd02', 'd03']);
    expect(r.agent.warmup).toMatchObject({ warmupRows: D00_ROWS, fitRows: FIT_ROWS, hop: 1 });
    expect(r.agent.limits?.drift_mean).toBeGreaterThan(0);
    // the level shift is caught, early, by its rule, which stays quiet on the normal rows
    // before it (the tiny model's latent band is not judged: 1 epoch on 120 rows)
    const te = r.faults.d01_te!;
    const shift = r.per_rule['level-shift']!.faults.d01_te!;
    expect(shift.detection_rate).toBeGreaterThan(90);
    expect(shift.far).not.toBeNull();
    expect(shift.far!).toBeLessThan(shift.detection_rate! / 4);
    expect(te.delay_s).not.toBeNull();
    expect(te.delay_s!).toBeLessThanOrEqual(shift.delay_s!);
    expect(shift.delay_s!).toBeLessThanOrEqual(10 * 180);
    expect(r.faults.d02!.far).toBeNull();
    expect(r.per_rule['level-shift']!.faults.d02!.detection_rate).toBeGreaterThan(90);
    // fault 3 is scored but is not in the mean over detectable faults
    const mean = (te.detection_rate! + r.faults.d02!.detection_rate!) / 2;
    expect(r.detection_rate_mean).toBeCloseTo(mean, 10);
    expect(Object.keys(r.per_rule)).toEqual([
      'level-shift',
      'drift',
      'recon-error',
      'input-coupling',
      'band',
    ]);
    // the product is the union of its rules
    for (const rule of Object.values(r.per_rule)) {
      for (const [f, s] of Object.entries(rule.faults)) {
        expect(r.faults[f]!.detection_rate!).toBeGreaterThanOrEqual(s.detection_rate!);
      }
    }
    expect(Object.keys(r.baselines)).toEqual(['pca_t2', 'pca_spe', 'pca_t2_99', 'pca_spe_99']);
    // at equal FAR: never more false alarms than the product
    expect(r.baselines.pca_t2.far!).toBeLessThanOrEqual(r.far!);
    expect(r.baselines.pca_spe.far!).toBeLessThanOrEqual(r.far!);
    expect(r.baselines.pca_t2_99.threshold).toBeCloseTo(r.pca.t2_limit, 12);
    expect(r.baselines.pca_spe.faults.d02!.detection_rate).toBeGreaterThan(90);
    const text = formatTepReport(r);
    expect(text).toMatch(/^redband\s/m);
    expect(text).toMatch(/^d03\*\s/m);
    expect(JSON.parse(JSON.stringify(r))).toMatchObject({ far: r.far, faults: { d02: {} } });
  }, 50_000);

  it('refuses an agent config whose warm-up is not d00.dat', async () => {
    await expect(
      runTepBench({ dir, agentConfig, config: { ...config, fitRows: FIT_ROWS + 10 } }),
    ).rejects.toThrow(/fits on rows 0–119 .*fitting on rows 0–129/);
  });

  const folder = (name: string, files: Record<string, string>): string => {
    const x = join(dir, name);
    mkdirSync(x, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(x, f), text);
    return x;
  };
  const normal = (): string => datText(tepRows(40, 2));

  it.each([
    ['a missing folder', () => join(dir, 'nope'), /nope: cannot read the folder/],
    ['no d00.dat', () => folder('no-d00', { 'd01.dat': normal() }), /no d00\.dat/],
    [
      'a malformed value',
      () =>
        folder('malformed', {
          'd00.dat': transposedText(tepRows(60, 1)),
          'd01.dat': normal().replace(/\n/, '\n1.0 x2 ' + '3 '.repeat(50) + '\n'),
        }),
      /d01\.dat line 2: value 2 "x2" is not a finite number/,
    ],
    [
      'a row with a column missing',
      () =>
        folder('short-row', {
          'd00.dat': transposedText(tepRows(60, 1)),
          'd00_te.dat': normal() + '1 '.repeat(51) + '\n',
        }),
      /d00_te\.dat line 41: 51 values, expected 52/,
    ],
    [
      'a transposed d00.dat with a short line',
      () =>
        folder('ragged', {
          'd00.dat': transposedText(tepRows(60, 1)).replace(/\s+\S+\n/, '\n'),
        }),
      /d00\.dat line 1: 59 values|d00\.dat line 2: 60 values, line 1 has 59/,
    ],
    [
      'a testing file shorter than its normal part',
      () =>
        folder('short-te', {
          'd00.dat': transposedText(tepRows(60, 1)),
          'd05_te.dat': normal(),
        }),
      /d05_te\.dat: 40 rows; a testing file's fault starts at row 161/,
    ],
  ])('refuses %s with a UserError naming the file', async (_what, make, message) => {
    const err = await runTepBench({ dir: make(), agentConfig, config }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('UserError');
    expect((err as Error).message).toMatch(message);
  });
});

describe('the shipped tep-plant.yaml and model', () => {
  it("warm up on exactly d00.dat's 500 rows, fitting on the model's training rows", async () => {
    const loaded = loadAgentConfig(TEP_BENCH_CONFIG.agentConfig);
    const session = await loadModel(loaded.config.model.path, { runtime: 'node' });
    try {
      expect(session.model.channels).toEqual(TEP_CHANNELS);
      expect(session.model.window).toBe(TEP_MODEL.window);
      expect(warmupRowsOf(loaded, session.model.window)).toMatchObject({
        warmupRows: 500,
        fitRows: TEP_BENCH_CONFIG.fitRows,
      });
      expect(TEP_MODEL.trainingRows).toBe(TEP_BENCH_CONFIG.fitRows);
    } finally {
      await session.close();
    }
  });
});
