// The clean latent factor model behind the `sim` source: x_t = A·z_t + noise, where each
// factor z_k is a damped oscillator (an AR(2) process with complex poles). The oscillation
// gives windows temporal structure for the autoencoder to learn; the shared factors give
// the channels the cross-correlation whose loss or collapse the redundancy measures detect.
import { createRng, type Rng } from '../random.ts';

export interface SimModelOptions {
  /** number of channels C */
  channels?: number;
  /** channel names; default ch0…ch{C-1} */
  channel_names?: readonly string[];
  /** number of latent factors K (1…C) */
  factors?: number;
  rate_hz?: number;
  /** standard deviation of the independent per-channel noise; the factor part has variance 1 */
  noise?: number;
  /** this device's randomness: factor innovations and noise */
  seed?: number;
  /**
   * the device class's structure (the loadings A): devices of one class share it while each
   * has its own `seed`, so one trained model fits the whole class
   */
  loadings_seed?: number;
  /** oscillation frequency of factor 0; factor k runs at this × φ^k (φ the golden ratio) */
  factor_freq_hz?: number;
  /** pole radius of each factor's AR(2), in (0, 1): closer to 1 = longer memory */
  damping?: number;
}

/**
 * Defaults are part of the contract: the shipped `sim-vibration` model was trained on data
 * from this model with these values. Changing them silently invalidates that model.
 */
export const SIM_DEFAULTS = {
  channels: 6,
  factors: 2,
  rate_hz: 50,
  noise: 0.1,
  seed: 1,
  loadings_seed: 1,
  factor_freq_hz: 1,
  damping: 0.98,
} as const;

export type ResolvedSimModel = Required<Omit<SimModelOptions, 'channel_names'>> & {
  channel_names: readonly string[];
};

export function resolveSimModel(options: SimModelOptions = {}): ResolvedSimModel {
  const channels = options.channel_names?.length ?? options.channels ?? SIM_DEFAULTS.channels;
  const m: ResolvedSimModel = {
    channels,
    channel_names: options.channel_names ?? Array.from({ length: channels }, (_, i) => `ch${i}`),
    factors: options.factors ?? SIM_DEFAULTS.factors,
    rate_hz: options.rate_hz ?? SIM_DEFAULTS.rate_hz,
    noise: options.noise ?? SIM_DEFAULTS.noise,
    seed: options.seed ?? SIM_DEFAULTS.seed,
    loadings_seed: options.loadings_seed ?? SIM_DEFAULTS.loadings_seed,
    factor_freq_hz: options.factor_freq_hz ?? SIM_DEFAULTS.factor_freq_hz,
    damping: options.damping ?? SIM_DEFAULTS.damping,
  };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`sim model: ${what}`);
  };
  check(Number.isInteger(m.channels) && m.channels >= 1, `channels must be a positive integer`);
  check(m.channel_names.length === m.channels, `channel_names must have ${m.channels} entries`);
  check(new Set(m.channel_names).size === m.channels, `channel_names must be distinct`);
  check(
    Number.isInteger(m.factors) && m.factors >= 1 && m.factors <= m.channels,
    `factors must be an integer in 1…${m.channels}`,
  );
  check(Number.isFinite(m.rate_hz) && m.rate_hz > 0, `rate_hz must be positive`);
  check(Number.isFinite(m.noise) && m.noise >= 0, `noise must be ≥ 0`);
  check(m.damping > 0 && m.damping < 1, `damping must be in (0, 1)`);
  const fastest = m.factor_freq_hz * GOLDEN ** (m.factors - 1);
  check(
    m.factor_freq_hz >= 0 && fastest < m.rate_hz / 2,
    `factor frequencies (up to ${fastest.toFixed(3)} Hz) must stay below Nyquist (${m.rate_hz / 2} Hz)`,
  );
  return m;
}

const GOLDEN = (1 + Math.sqrt(5)) / 2;

/** The clean process: one step of the factors and the channels, no faults. */
export interface FactorModel {
  readonly model: ResolvedSimModel;
  /** loadings A, one row per channel, each of unit norm so every channel's signal variance is 1 */
  readonly loadings: readonly Float64Array[];
  /** the latest factor values z_t (valid after step) */
  readonly factors: Float64Array;
  /** advances one sample and writes the clean channel values into `out` */
  step(out: Float64Array): void;
  /** standard deviation of a clean channel: √(1 + noise²) */
  readonly channelStd: number;
}

export function createFactorModel(model: ResolvedSimModel): FactorModel {
  const rng: Rng = createRng(model.seed);
  const structure: Rng = createRng((model.loadings_seed ^ 0x2c1b3c6d) >>> 0);
  const C = model.channels;
  const K = model.factors;
  const loadings = Array.from({ length: C }, () => {
    const row = new Float64Array(K);
    let norm = 0;
    for (let k = 0; k < K; k++) {
      row[k] = structure.normal();
      norm += row[k]! * row[k]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < K; k++) row[k] = row[k]! / norm;
    return row;
  });
  // AR(2) z_t = a1 z_{t-1} + a2 z_{t-2} + σ e_t with poles r·e^{±iω}; σ makes Var z = 1.
  const r = model.damping;
  const a1 = new Float64Array(K);
  const sigma = new Float64Array(K);
  const a2 = -r * r;
  for (let k = 0; k < K; k++) {
    const omega = (2 * Math.PI * model.factor_freq_hz * GOLDEN ** k) / model.rate_hz;
    a1[k] = 2 * r * Math.cos(omega);
    const gamma0 = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1[k]! ** 2));
    sigma[k] = 1 / Math.sqrt(gamma0);
  }
  const z1 = new Float64Array(K);
  const z2 = new Float64Array(K);
  const z = new Float64Array(K);
  const advance = (): void => {
    for (let k = 0; k < K; k++) {
      z[k] = a1[k]! * z1[k]! + a2 * z2[k]! + sigma[k]! * rng.normal();
      z2[k] = z1[k]!;
      z1[k] = z[k]!;
    }
  };
  // Burn in so the first emitted sample is already from the stationary law.
  const burnIn = Math.ceil(10 / (1 - r));
  for (let i = 0; i < burnIn; i++) advance();

  return {
    model,
    loadings,
    factors: z,
    channelStd: Math.sqrt(1 + model.noise ** 2),
    step(out: Float64Array): void {
      advance();
      for (let c = 0; c < C; c++) {
        const row = loadings[c]!;
        let v = 0;
        for (let k = 0; k < K; k++) v += row[k]! * z[k]!;
        out[c] = v + model.noise * rng.normal();
      }
    },
  };
}
