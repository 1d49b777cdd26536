// The masked autoencoder itself, in tfjs (cpu backend, pure JS) so training gets autodiff
// without native deps. The graph is deliberately plain — MatMul, Add, Tanh, Mul, Sub,
// Reshape, Concat — so export.ts can write the same computation as standard ONNX ops:
//   h0 = [flatten(x ⊙ (1 − mask)), flatten(mask)]      [N, 2·T·C]
//   h1 = tanh(h0·W1 + b1)                               [N, H]
//   latent = h1·W2 + b2                                 [N, K]   (linear: its covariance is what we measure)
//   h3 = tanh(latent·W3 + b3)                           [N, H]
//   recon = reshape(h3·W4 + b4, [N, T, C])
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Rng } from '../shared/random.ts';
import { registerMaeGradients } from './tf-gradients.ts';

export interface MaeDims {
  window: number;
  channels: number;
  latentDim: number;
  hidden: number;
}

export const PARAM_NAMES = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type MaeWeights = Record<ParamName, Float32Array>;

let ready: Promise<void> | null = null;

/** Selects the cpu backend once; prod mode skips tfjs's per-op NaN debugging checks. */
export function tfReady(): Promise<void> {
  ready ??= (async () => {
    tf.enableProdMode();
    registerMaeGradients();
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

export function paramShapes(d: MaeDims): Record<ParamName, number[]> {
  const tc = d.window * d.channels;
  return {
    W1: [2 * tc, d.hidden],
    b1: [d.hidden],
    W2: [d.hidden, d.latentDim],
    b2: [d.latentDim],
    W3: [d.latentDim, d.hidden],
    b3: [d.hidden],
    W4: [d.hidden, tc],
    b4: [tc],
  };
}

/** Glorot-uniform weights and zero biases, drawn from `rng` (not tfjs's own seeding). */
export function initWeights(d: MaeDims, rng: Rng): MaeWeights {
  const shapes = paramShapes(d);
  const out = {} as MaeWeights;
  for (const name of PARAM_NAMES) {
    const shape = shapes[name];
    const size = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(size);
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < size; i++) w[i] = (2 * rng.next() - 1) * limit;
    }
    out[name] = w;
  }
  return out;
}

export type ParamTensors = Record<ParamName, tf.Tensor>;

/** The forward pass on tensors; x and mask are [n, T, C]. */
export function forward(
  p: ParamTensors,
  d: MaeDims,
  x: tf.Tensor,
  mask: tf.Tensor,
): { latent: tf.Tensor2D; recon: tf.Tensor3D } {
  const tc = d.window * d.channels;
  const visible = tf.reshape(tf.mul(x, tf.sub(1, mask)), [-1, tc]);
  const h0 = tf.concat([visible, tf.reshape(mask, [-1, tc])], 1);
  const h1 = tf.tanh(tf.add(tf.matMul(h0, p.W1 as tf.Tensor2D), p.b1));
  const latent = tf.add(tf.matMul(h1, p.W2 as tf.Tensor2D), p.b2) as tf.Tensor2D;
  const h3 = tf.tanh(tf.add(tf.matMul(latent, p.W3 as tf.Tensor2D), p.b3));
  const r = tf.add(tf.matMul(h3, p.W4 as tf.Tensor2D), p.b4);
  return { latent, recon: tf.reshape(r, [-1, d.window, d.channels]) as tf.Tensor3D };
}

/** Runs trained weights on plain arrays (evaluation and parity checks). */
export async function predict(
  weights: MaeWeights,
  d: MaeDims,
  x: Float32Array,
  mask: Float32Array,
  n: number,
): Promise<{ latent: Float32Array; recon: Float32Array }> {
  await tfReady();
  const shapes = paramShapes(d);
  return tf.tidy(() => {
    const p = {} as ParamTensors;
    for (const name of PARAM_NAMES) p[name] = tf.tensor(weights[name], shapes[name]);
    const dims = [n, d.window, d.channels];
    const out = forward(p, d, tf.tensor(x, dims), tf.tensor(mask, dims));
    return {
      latent: out.latent.dataSync() as Float32Array,
      recon: out.recon.dataSync() as Float32Array,
    };
  });
}

/** Mean squared error over the masked cells only (the MAE's task). */
export function maskedMse(x: Float32Array, recon: Float32Array, mask: Float32Array): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask[i] === 1) {
      s += (recon[i]! - x[i]!) ** 2;
      m++;
    }
  }
  return m === 0 ? 0 : s / m;
}
