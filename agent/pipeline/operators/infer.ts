// Batched inference on one session. Each window goes through the model twice in the same
// run() call: unmasked (mask all 0) for the latent vector the sketches summarize, and with
// a seeded random mask at the model's mask ratio for the masked-reconstruction error
// (MSE on the masked positions, in normalized units). One call of 2n rows instead of two
// calls of n halves the per-call overhead, which dominates on small devices.
//
// The masks are drawn exactly as in training (shared/mae/masks.ts: a uniform subset of
// round(ratio·T·C) cells per window), but once: a pool of M such masks is drawn from the
// seeded stream when the stage is created, and each window then takes pool[rng.int(M)].
// Every window's mask is still a uniform k-subset (the pool is a uniform sample of them), the
// run stays deterministic for a seed, and the per-window cost is one copy instead of a
// Fisher–Yates draw. The error of a period averages windows with (almost surely) different
// masks, so the pool only correlates masks of windows far apart in time.
//
// The hot path allocates nothing per window: x and mask live in two buffers of the largest
// batch, and each run gets views of its 2n rows. onnxruntime reads the inputs before its
// promise resolves, and the drain runs one batch at a time (bounded-queue.ts), so a buffer is
// never rewritten while a run still needs it.
//
// The error is also summed per channel (which channel the model stopped explaining: the
// recon attribution of a snapshot): each pooled mask knows, per hidden cell, its channel, and
// per channel how many cells it hides, so the split costs one add per hidden cell.
import type { Clock } from '../../../shared/clock.ts';
import { hiddenCount, sampleMasks } from '../../../shared/mae/masks.ts';
import type { Rng } from '../../../shared/random.ts';
import type { BufferPool } from '../buffers.ts';
import type { InferenceSession } from '../../inference/types.ts';
import type { PipelineCounters } from '../counters.ts';
import type { InferredBatch, InputAttribution, ModelWindow } from '../types.ts';

/** durations, not dates: a monotonic clock */
const MONOTONIC: Clock = { now: () => performance.now() };

export interface InferOptions {
  session: InferenceSession;
  rng: Rng;
  counters: PipelineCounters;
  /** times each run() for the inference_ms health figures; default: performance.now */
  clock?: Clock;
  /** window inputs are given back here once copied into the batch (normalize's pool) */
  inputPool?: BufferPool<Float32Array>;
  /** masks in the pool (default: up to 256, fewer for large windows: ≤ 2²⁰ cells in all) */
  maskPool?: number;
}

export type InferBatch = (batch: ModelWindow[]) => Promise<InferredBatch>;

/** Default pool size: 256 masks, or fewer so the pool holds at most 2²⁰ cells (4 MB). */
export function defaultMaskPool(cells: number): number {
  return Math.max(16, Math.min(256, Math.floor(2 ** 20 / cells)));
}

export function createInfer(opts: InferOptions): InferBatch {
  const { session, rng, counters } = opts;
  const clock = opts.clock ?? MONOTONIC;
  const k = session.model.latentDim;
  const channels = session.model.channels;
  const c = channels.length;
  const perWindow = session.model.window * c;

  const poolSize = opts.maskPool ?? defaultMaskPool(perWindow);
  const masks = maskPool(rng, poolSize, perWindow, c, session.model.maskRatio);
  const { pool } = masks;

  // Grown to the largest batch seen, then reused.
  let capacity = 0;
  let xBuf = new Float32Array(0);
  let maskBuf = new Float32Array(0);
  let picks = new Int32Array(0);

  return async (batch) => {
    const n = batch.length;
    if (n > capacity) {
      capacity = n;
      xBuf = new Float32Array(2 * n * perWindow);
      maskBuf = new Float32Array(2 * n * perWindow);
      picks = new Int32Array(n);
    }
    const size = 2 * n * perWindow;
    const half = n * perWindow;
    const x = xBuf.subarray(0, size);
    const mask = maskBuf.subarray(0, size);
    mask.fill(0, 0, half);
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const driftMean = new Float64Array(n);
    const attributions: { at: number; value: InputAttribution }[] = [];
    for (let i = 0; i < n; i++) {
      const w = batch[i]!;
      x.set(w.x, i * perWindow);
      x.set(w.x, half + i * perWindow);
      opts.inputPool?.give(w.x);
      const p = rng.int(poolSize);
      picks[i] = p;
      mask.set(pool.subarray(p * perWindow, (p + 1) * perWindow), half + i * perWindow);
      starts[i] = w.start;
      ends[i] = w.end;
      driftMean[i] = w.driftMean ?? Number.NaN;
      if (w.attribution) attributions.push({ at: w.end, value: w.attribution });
    }
    const t0 = clock.now();
    const out = await session.run(x, mask, 2 * n);
    counters.inferenceMs.add(clock.now() - t0);
    counters.windowsInferred += n;

    const { reconError, channelErrorSum, channelHidden } = reconErrors(
      masks,
      picks,
      n,
      c,
      perWindow,
      x,
      out.recon,
    );
    return {
      n,
      k,
      // the runtime's output is fresh per run: a view of its first n rows, no copy
      latent: out.latent.subarray(0, n * k),
      reconError,
      starts,
      ends,
      driftMean,
      ...(attributions.length ? { attributions } : {}),
      channelErrors: { channels, sum: channelErrorSum, hidden: channelHidden },
    };
  };
}

/**
 * The pool: M dense masks (copied into the batch's mask rows) and, per mask, the indices of
 * its hidden cells (the reconstruction error visits only those), the channel of each hidden
 * cell ([T, C] row-major: cell j is channel j mod C), and per mask and channel the number of
 * hidden cells.
 */
interface MaskPool {
  pool: Float32Array;
  hidden: number;
  hiddenIdx: Int32Array;
  hiddenChannel: Int32Array;
  hiddenPerChannel: Float64Array;
}

function maskPool(rng: Rng, size: number, perWindow: number, c: number, ratio: number): MaskPool {
  const pool = sampleMasks(rng, size, perWindow, ratio);
  const hidden = hiddenCount(ratio, perWindow);
  const hiddenIdx = new Int32Array(size * hidden);
  const hiddenChannel = new Int32Array(size * hidden);
  const hiddenPerChannel = new Float64Array(size * c);
  for (let p = 0, o = 0; p < size; p++) {
    const base = p * perWindow;
    for (let j = 0; j < perWindow; j++) {
      if (pool[base + j] !== 1) continue;
      hiddenChannel[o] = j % c;
      hiddenIdx[o++] = j;
      hiddenPerChannel[p * c + (j % c)]!++;
    }
  }
  return { pool, hidden, hiddenIdx, hiddenChannel, hiddenPerChannel };
}

/**
 * Each window's masked reconstruction error (the mean squared error over its hidden cells,
 * in the masked half of the batch), and per channel the squared error and hidden cells.
 */
function reconErrors(
  m: MaskPool,
  picks: Int32Array,
  n: number,
  c: number,
  perWindow: number,
  x: Float32Array,
  recon: Float32Array,
) {
  const half = n * perWindow;
  const reconError = new Float64Array(n);
  const channelErrorSum = new Float64Array(n * c);
  const channelHidden = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const base = half + i * perWindow;
    const from = picks[i]! * m.hidden;
    const row = i * c;
    let sum = 0;
    for (let j = from; j < from + m.hidden; j++) {
      const cell = base + m.hiddenIdx[j]!;
      const d = recon[cell]! - x[cell]!;
      sum += d * d;
      channelErrorSum[row + m.hiddenChannel[j]!]! += d * d;
    }
    reconError[i] = sum / m.hidden;
    const counts = picks[i]! * c;
    for (let j = 0; j < c; j++) channelHidden[row + j] = m.hiddenPerChannel[counts + j]!;
  }
  return { reconError, channelErrorSum, channelHidden };
}
