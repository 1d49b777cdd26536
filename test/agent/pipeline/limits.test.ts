import { describe, expect, it } from 'vitest';
import { initialBand, type BandFrom } from '../../../agent/pipeline/band.ts';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import { fitWindows, LimitsCalibration } from '../../../agent/pipeline/limits.ts';
import { createLevelShiftStage } from '../../../agent/pipeline/operators/level-shift.ts';
import {
  createSummarizeStage,
  type Snapshot,
} from '../../../agent/pipeline/operators/summarize.ts';
import { Sketches } from '../../../agent/pipeline/sketches.ts';
import type { InferredBatch, ModelWindow } from '../../../agent/pipeline/types.ts';
import { MetricsNumbering } from '../../../agent/publish/messages.ts';
import { calibratedThreshold } from '../../../shared/detect/mean-shift.ts';
import type { Band } from '../../../shared/schema/common.ts';
import type { AgentHealth } from '../../../shared/schema/metrics.ts';
import { metricsSchema } from '../../../shared/schema/metrics.ts';
import { createRng } from '../../../shared/random.ts';

const K = 3;

/** n windows from t0: correlated latent vectors, recon errors and drift_mean values scaled by `scale`. */
function batch(n: number, t0: number, seed: number, scale = 1): InferredBatch {
  const rng = createRng(seed);
  const latent = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const f = rng.normal();
    for (let j = 0; j < K; j++) latent[i * K + j] = scale * (f + 0.5 * rng.normal());
  }
  return {
    n,
    k: K,
    latent,
    reconError: Float64Array.from({ length: n }, () => scale * (0.1 + 0.01 * rng.normal() ** 2)),
    starts: Float64Array.from({ length: n }, (_, i) => t0 + i),
    ends: Float64Array.from({ length: n }, (_, i) => t0 + i + 9),
    driftMean: Float64Array.from({ length: n }, () => scale * rng.normal() ** 2),
  };
}

/** Runs the summarize stage over the batches; warm-up 100 windows, fit 60, period 10. */
function summarizeAll(batches: InferredBatch[]): Snapshot[] {
  const stage = createSummarizeStage({
    sketches: new Sketches(K, { kind: 'sliding', size: 20 }),
    period: 10,
    warmup: 100,
    fit: 60,
    settle: 20,
    band: null,
    bandMeasure: 'tc',
    counters: new PipelineCounters(),
  });
  const out: Snapshot[] = [];
  for (const b of batches) stage.push(b, (s) => out.push(s));
  return out;
}

describe('per-device limits', () => {
  it('are median + margin × (max − median) of the held-out values, positives only', () => {
    const c = new LimitsCalibration(1.5);
    for (const v of [1, 2, 3, 10]) c.add('drift', v);
    c.add('drift', Number.NaN);
    c.add('drift', null);
    for (const v of [0, 0, 0]) c.add('recon_mean', v);
    expect(c.count('drift')).toBe(4);
    expect(c.derive()).toEqual({ drift: calibratedThreshold([1, 2, 3, 10], 1, 1.5) });
    expect(new LimitsCalibration().derive()).toBeNull();
  });

  it('split the warm-up: F = round(fraction·W) within [1, W]', () => {
    expect(fitWindows(400, 0.5)).toBe(200);
    expect(fitWindows(100, 0.625)).toBe(63);
    expect(fitWindows(1, 0.1)).toBe(1);
  });

  it('come from the held-out warm-up only: what follows the warm-up never moves them', () => {
    const warm = [batch(50, 0, 1), batch(50, 50, 2)];
    const calm = summarizeAll([...warm, batch(100, 100, 3)]);
    // the same warm-up, then a wild stretch: 100× the latent scale, recon errors, drift_mean
    const wild = summarizeAll([...warm, batch(100, 100, 3, 100)]);
    const liveCalm = calm.filter((s) => s.phase === 'live');
    const liveWild = wild.filter((s) => s.phase === 'live');
    expect(liveCalm).toHaveLength(10);
    const limits = liveCalm[0]!.limits!;
    expect(Object.keys(limits).sort()).toEqual(['drift', 'drift_mean', 'recon_mean']);
    for (const s of [...liveCalm, ...liveWild]) expect(s.limits).toEqual(limits);
    expect(liveWild[0]!.band).toEqual(liveCalm[0]!.band);
    // …and the wild stretch does exceed them
    expect(liveWild.at(-1)!.drift_mean!).toBeGreaterThan(limits.drift_mean!);
    expect(liveWild.at(-1)!.recon!.mean).toBeGreaterThan(limits.recon_mean!);
    expect(liveWild.at(-1)!.drift!).toBeGreaterThan(limits.drift!);
  });

  it('depend on the held-out part and not on the fit part beyond the baseline', () => {
    // the drift_mean limit only reads windows 61…100: changing windows 1…60's values leaves it
    const a = batch(100, 0, 1);
    const b = batch(100, 0, 1);
    b.driftMean!.fill(1e6, 0, 60);
    const la = summarizeAll([a]).at(-1)!;
    const lb = summarizeAll([b, batch(10, 100, 5)]).find((s) => s.phase === 'live')!;
    const live = summarizeAll([a, batch(10, 100, 5)]).find((s) => s.phase === 'live')!;
    expect(la.phase).toBe('warmup');
    expect(lb.limits!.drift_mean).toBe(live.limits!.drift_mean);
  });

  it('are absent and drift/drift_mean null during the warm-up; published in every live snapshot', () => {
    const snaps = summarizeAll([batch(100, 0, 1), batch(30, 100, 2)]);
    for (const s of snaps.filter((x) => x.phase === 'warmup')) {
      expect(s.limits).toBeUndefined();
      expect(s.drift).toBeNull();
      expect(s.drift_mean).toBeNull();
      expect(s.band).toBeNull();
    }
    for (const s of snaps.filter((x) => x.phase === 'live')) {
      expect(s.limits).not.toBeNull();
      expect(s.drift_mean).toEqual(expect.any(Number));
      expect(s.band?.source).toBe('warmup');
    }
  });

  it('the published snapshot validates against the metrics schema', () => {
    const snaps = summarizeAll([batch(100, 1_700_000_000_000, 1), batch(20, 1_700_000_000_100, 2)]);
    const numbering = new MetricsNumbering({ fleet: 'f', device: 'd', boot: 'b' });
    const health: AgentHealth = {
      windows_in: 120,
      windows_dropped: 0,
      windows_bad: 0,
      samples_imputed: 0,
      inference_ms_p50: 1,
      inference_ms_p99: 2,
      queue_depth: 0,
      rss_bytes: 1,
      backend: 'node',
      outbox_depth: 0,
      outbox_dropped: 0,
    };
    for (const s of snaps) {
      const msg = numbering.build(s, health, 1_700_000_000_200);
      expect(metricsSchema.safeParse(JSON.parse(JSON.stringify(msg))).success).toBe(true);
    }
    // the warm-up's progress travels with the message (the dashboard's "n of W windows")
    const warm = snaps.filter((s) => s.phase === 'warmup');
    expect(warm.length).toBeGreaterThan(0);
    for (const s of warm) {
      const msg = numbering.build(s, health, 1_700_000_000_200);
      expect(msg.warmup).toEqual({ windows: expect.any(Number), of: expect.any(Number) });
      expect(msg.warmup).toEqual(s.warmup);
    }
    const live = numbering.build(snaps.at(-1)!, health, 1_700_000_000_200);
    expect(live.warmup).toBeUndefined();
    expect(live.drift_mean).toEqual(expect.any(Number));
    expect(live.limits?.drift_mean).toEqual(expect.any(Number));
  });
});

describe('band policy', () => {
  const config: Band = { measure: 'tc', low: 1, center: 2, high: 3 };
  const model: Band = { measure: 'tc', low: 4, center: 5, high: 6 };
  it.each<[BandFrom, Band | null, Band | null, 'config' | 'model' | null]>([
    ['config', config, model, 'config'],
    ['model', config, model, 'model'],
    ['warmup', config, model, null],
    ['auto', config, model, 'config'],
    ['auto', null, model, 'model'],
    ['auto', null, null, null],
  ])('band_from %s (config %o, model %o) → %s', (from, c, m, want) => {
    const band = initialBand(from, c, m);
    expect(band?.source ?? null).toBe(want);
  });

  it('refuses config/model without such a band', () => {
    expect(() => initialBand('config', null, model)).toThrow(/no band/);
    expect(() => initialBand('model', config, null)).toThrow(/no band/);
  });
});

describe('level-shift stage', () => {
  const T = 4;
  const C = 2;
  const window = (rows: number[][], start: number): ModelWindow => ({
    start,
    end: start + T - 1,
    x: Float32Array.from(rows.flat()),
  });

  it('adds each sample once (T rows, then H per window) and freezes after F windows', () => {
    const stage = createLevelShiftStage({
      window: T,
      channels: C,
      hop: 2,
      watch: [1],
      meanWindow: 2,
      fitWindows: 2, // T + H = 6 samples
    });
    const out: ModelWindow[] = [];
    // channel 1: ±1 alternating for the 6 fit samples, then 3, 3
    const s = [1, -1, 1, -1, 1, -1, 3, 3];
    const rows = s.map((v) => [100, v]);
    stage.push(window(rows.slice(0, 4), 0), (w) => out.push(w));
    stage.push(window(rows.slice(2, 6), 2), (w) => out.push(w));
    stage.push(window(rows.slice(4, 8), 4), (w) => out.push(w));
    expect(out.map((w) => w.driftMean)).toEqual([null, null, expect.any(Number)]);
    // fit: mean 0, unbiased variance 6/5; window mean 3 → ½ · 9 / 1.2 = 3.75
    expect(out[2]!.driftMean!).toBeCloseTo(3.75, 4);
  });
});
