// Injected faults of the simulated device. Each one is a window of sample indices and a
// transformation of the clean sample; the faults draw from their own random stream so the
// signal outside fault windows is identical with or without a schedule (a clean baseline).
import { createRng, type Rng } from '../random.ts';

export const SIM_FAULT_KINDS = [
  'stuck',
  'noise',
  'drift',
  'dropout',
  'decouple',
  'collapse',
  'spike',
] as const;
export type SimFaultKind = (typeof SIM_FAULT_KINDS)[number];

export interface SimFaultSpec {
  kind: SimFaultKind;
  /** affected channel names; omitted or empty = all channels */
  channels?: readonly string[];
  /** seconds after the stream start */
  start_s: number;
  duration_s: number;
  /** strength in units of a clean channel's standard deviation; see DEFAULT_MAGNITUDE */
  magnitude?: number;
}

/** noise: std of the added noise; drift: bias at the end of the ramp; spike: spike height. */
export const DEFAULT_MAGNITUDE: Record<SimFaultKind, number> = {
  stuck: 0,
  noise: 3,
  drift: 3,
  dropout: 0,
  decouple: 0,
  collapse: 0,
  spike: 10,
};

/** Probability per sample and channel of a spike while a `spike` fault is active. */
export const SPIKE_PROBABILITY = 0.02;

export interface SimFaultWindow {
  kind: SimFaultKind;
  /** channel names as configured ([] = all) */
  channels: readonly string[];
  channelIndices: readonly number[];
  /** first affected sample index, inclusive */
  startIndex: number;
  /** first unaffected sample index after the window */
  endIndex: number;
  magnitude: number;
}

/**
 * Sample i (data time start + i/rate) is affected when start_s ≤ i/rate < start_s + duration_s,
 * which is what makes the labels' [start, end) data times agree with the affected samples.
 */
export function faultWindows(
  faults: readonly SimFaultSpec[],
  channelNames: readonly string[],
  rateHz: number,
): SimFaultWindow[] {
  return faults.map((f, n) => {
    if (!(SIM_FAULT_KINDS as readonly string[]).includes(f.kind)) {
      throw new RangeError(`faults[${n}]: unknown kind "${String(f.kind)}"`);
    }
    if (!(f.start_s >= 0) || !(f.duration_s > 0)) {
      throw new RangeError(`faults[${n}]: start_s must be ≥ 0 and duration_s > 0`);
    }
    const names = f.channels ?? [];
    const channelIndices =
      names.length === 0
        ? channelNames.map((_, i) => i)
        : names.map((name) => {
            const i = channelNames.indexOf(name);
            if (i < 0) {
              throw new RangeError(
                `faults[${n}]: unknown channel "${name}" (channels: ${channelNames.join(', ')})`,
              );
            }
            return i;
          });
    // The epsilon keeps e.g. 0.3 s × 10 Hz = 2.9999999999999996 from rounding up to 3.
    const index = (s: number): number => Math.ceil(s * rateHz - 1e-9);
    return {
      kind: f.kind,
      channels: [...names],
      channelIndices,
      startIndex: index(f.start_s),
      endIndex: index(f.start_s + f.duration_s),
      magnitude: f.magnitude ?? DEFAULT_MAGNITUDE[f.kind],
    };
  });
}

export interface FaultContext {
  /** index of the sample being produced */
  index: number;
  /** the previous emitted (faulty) sample, or null before the first */
  previous: Float64Array | null;
  /** current value of the first latent factor (unit variance): the common source of `collapse` */
  commonSource: number;
  noise: number;
  channelStd: number;
}

export interface FaultInjector {
  /** transforms `out` (the clean sample) in place */
  apply(out: Float64Array, ctx: FaultContext): void;
}

export function createFaultInjector(
  windows: readonly SimFaultWindow[],
  seed: number,
): FaultInjector {
  // A distinct stream derived from the seed: fault randomness never perturbs the clean signal.
  const rng: Rng = createRng((seed ^ 0x5bd1e995) >>> 0);
  const frozen = windows.map(() => null as Float64Array | null);
  return {
    apply(out, ctx) {
      windows.forEach((w, n) => {
        if (ctx.index < w.startIndex || ctx.index >= w.endIndex) return;
        const scale = w.magnitude * ctx.channelStd;
        switch (w.kind) {
          case 'stuck': {
            // Frozen at the last value the device reported before the fault began.
            let held = frozen[n];
            if (!held) {
              held = Float64Array.from(ctx.previous ?? out);
              frozen[n] = held;
            }
            for (const c of w.channelIndices) out[c] = held[c]!;
            return;
          }
          case 'noise':
            for (const c of w.channelIndices) out[c] = out[c]! + scale * rng.normal();
            return;
          case 'drift': {
            const progress = (ctx.index - w.startIndex + 1) / (w.endIndex - w.startIndex);
            for (const c of w.channelIndices) out[c] = out[c]! + scale * progress;
            return;
          }
          case 'dropout':
            for (const c of w.channelIndices) out[c] = Number.NaN;
            return;
          case 'decouple':
            // Same variance as a clean channel, but independent of everything else.
            for (const c of w.channelIndices) out[c] = ctx.channelStd * rng.normal();
            return;
          case 'collapse':
            for (const c of w.channelIndices) out[c] = ctx.commonSource + ctx.noise * rng.normal();
            return;
          case 'spike':
            for (const c of w.channelIndices) {
              if (rng.next() < SPIKE_PROBABILITY) {
                out[c] = out[c]! + (rng.next() < 0.5 ? -scale : scale);
              }
            }
            return;
        }
      });
    },
  };
}
