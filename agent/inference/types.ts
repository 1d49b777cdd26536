// The inference boundary: a loaded mae/v1 model in one runtime session.
import type { Band } from '../../shared/schema/common.ts';

export type Backend = 'node' | 'wasm';

/** What the model's metadata says (validated against the mae/v1 contract at load). */
export interface ModelInfo {
  /** file name without directory */
  name: string;
  /** hex sha256 of the model file */
  sha256: string;
  /** T */
  window: number;
  /** C channel names */
  channels: string[];
  /** K */
  latentDim: number;
  normMean: number[];
  normStd: number[];
  maskRatio: number;
  band: Band | null;
}

export interface InferenceOutput {
  /** [n, K] row-major */
  latent: Float32Array;
  /** [n, T, C] row-major */
  recon: Float32Array;
}

export interface InferenceSession {
  readonly model: ModelInfo;
  /** the runtime actually in use */
  readonly backend: Backend;
  /** why the configured runtime was not used, when the session fell back to WebAssembly */
  readonly fallbackReason: string | null;
  /** x and mask are [n, T, C] row-major, x already normalized */
  run(x: Float32Array, mask: Float32Array, n: number): Promise<InferenceOutput>;
  /** Safe to call twice. */
  close(): Promise<void>;
}
