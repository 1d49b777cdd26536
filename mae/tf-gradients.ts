// tfjs-core 4's Node entry (the CJS bundle) ships the ops but not their gradient configs;
// the full `@tensorflow/tfjs` would register them, we do not depend on it. So we register
// tfjs's own configs (from its ESM build, dist/gradients/) for the kernels the MAE uses.
// They run on the same engine: tfjs keeps its engine and registries on globalThis.
// Importing all of register_all_gradients.js fails (an extensionless directory import in
// its dependency chain), hence the explicit list — extend it when model.ts uses a new op.
import * as tf from '@tensorflow/tfjs-core';
import { addGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Add_grad.js';
import { batchMatMulGradConfig } from '@tensorflow/tfjs-core/dist/gradients/BatchMatMul_grad.js';
import { concatGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Concat_grad.js';
import { multiplyGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Multiply_grad.js';
import { divGradConfig } from '@tensorflow/tfjs-core/dist/gradients/RealDiv_grad.js';
import { reshapeGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Reshape_grad.js';
import { squareGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Square_grad.js';
import { subGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sub_grad.js';
import { sumGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sum_grad.js';
import { tanhGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Tanh_grad.js';

const configs = [
  addGradConfig,
  batchMatMulGradConfig,
  concatGradConfig,
  multiplyGradConfig,
  divGradConfig,
  reshapeGradConfig,
  squareGradConfig,
  subGradConfig,
  sumGradConfig,
  tanhGradConfig,
];

let done = false;
export function registerMaeGradients(): void {
  if (done) return;
  done = true;
  for (const c of configs) tf.registerGradient(c as unknown as tf.GradConfig);
}
