// Trains the MAE with Adam on windows. Everything random is drawn from the seed (weights,
// masks, batch order), and tfjs's cpu kernels are deterministic, so the same inputs and seed
// give the same weights bit for bit — and therefore a byte-identical .onnx.
import * as tf from '@tensorflow/tfjs-core';
import {
  forward,
  initWeights,
  paramShapes,
  PARAM_NAMES,
  tfReady,
  type MaeDims,
  type MaeWeights,
  type ParamTensors,
} from './model.ts';
import { hiddenCount, sampleMasks } from '../shared/mae/masks.ts';
import { Rng } from '../shared/random.ts';
import type { Windows } from './windows.ts';

export interface TrainOptions {
  latentDim: number;
  hidden: number;
  maskRatio: number;
  epochs: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  /** weight of the visible cells in the loss; the masked cells weigh 1 */
  visibleWeight?: number;
  onBatch?: (done: number, total: number) => void;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedMae {
  dims: MaeDims;
  weights: MaeWeights;
  maskRatio: number;
  /** mean training loss per epoch */
  losses: number[];
}

export const TRAIN_DEFAULTS = { batchSize: 32, learningRate: 3e-3, visibleWeight: 0.05 } as const;

export async function trainMae(w: Windows, opts: TrainOptions): Promise<TrainedMae> {
  await tfReady();
  const dims: MaeDims = {
    window: w.window,
    channels: w.channels,
    latentDim: opts.latentDim,
    hidden: opts.hidden,
  };
  const batchSize = opts.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const vw = opts.visibleWeight ?? TRAIN_DEFAULTS.visibleWeight;
  const rng = new Rng(opts.seed);
  const init = initWeights(dims, rng.fork(1));
  const maskRng = rng.fork(2);
  const orderRng = rng.fork(3);
  const shapes = paramShapes(dims);
  const vars = {} as Record<keyof MaeWeights, tf.Variable>;
  for (const name of PARAM_NAMES) {
    vars[name] = tf.variable(tf.tensor(init[name], shapes[name]), true, name);
  }
  const optimizer = tf.train.adam(opts.learningRate ?? TRAIN_DEFAULTS.learningRate);
  const cells = dims.window * dims.channels;
  const order = Array.from({ length: w.n }, (_, i) => i);
  const batches = Math.ceil(w.n / batchSize);
  const losses: number[] = [];

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    orderRng.shuffle(order);
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * batchSize, (b + 1) * batchSize);
      const xb = new Float32Array(idx.length * cells);
      idx.forEach((i, j) => xb.set(w.x.subarray(i * cells, (i + 1) * cells), j * cells));
      const mb = sampleMasks(maskRng, idx.length, cells, opts.maskRatio);
      // every window hides the same count, so the normalizers are known without a reduction
      const nHidden = idx.length * hiddenCount(opts.maskRatio, cells);
      const dimsB = [idx.length, dims.window, dims.channels];
      const cost = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const x = tf.tensor(xb, dimsB);
            const m = tf.tensor(mb, dimsB);
            const { recon } = forward(vars as ParamTensors, dims, x, m);
            const se = tf.square(tf.sub(recon, x));
            const hidden = tf.div(tf.sum(tf.mul(se, m)), nHidden);
            const seen = tf.div(tf.sum(tf.mul(se, tf.sub(1, m))), idx.length * cells - nHidden);
            return tf.add(hidden, tf.mul(vw, seen)) as tf.Scalar;
          }),
        true,
      );
      total += cost!.dataSync()[0]! * idx.length;
      cost!.dispose();
      opts.onBatch?.(epoch * batches + b + 1, opts.epochs * batches);
      // let a progress bar's timer and signals run between batches
      if (b % 8 === 7) await new Promise((r) => setImmediate(r));
    }
    losses.push(total / w.n);
    opts.onEpoch?.(epoch + 1, total / w.n);
  }

  const weights = {} as MaeWeights;
  for (const name of PARAM_NAMES) {
    weights[name] = vars[name].dataSync().slice() as Float32Array;
    vars[name].dispose();
  }
  optimizer.dispose();
  return { dims, weights, maskRatio: opts.maskRatio, losses };
}
