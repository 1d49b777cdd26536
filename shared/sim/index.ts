// The simulated device as a pure generator: the `sim` source paces it, and training
// scripts call it directly to write CSVs from exactly the same model.
import { formatCsvLine } from '../csv/line.ts';
import {
  createFaultInjector,
  faultWindows,
  type SimFaultSpec,
  type SimFaultWindow,
} from './faults.ts';
import { createFactorModel, resolveSimModel, type SimModelOptions } from './model.ts';

export * from './faults.ts';
export { SIM_DEFAULTS, resolveSimModel, type SimModelOptions } from './model.ts';

export interface SimGeneratorOptions extends SimModelOptions {
  faults?: readonly SimFaultSpec[];
}

export interface SimGenerator {
  readonly channels: readonly string[];
  readonly rate_hz: number;
  /** index of the next sample `next()` returns */
  readonly index: number;
  /** the fault schedule resolved to sample indices */
  readonly faults: readonly SimFaultWindow[];
  /** the loadings matrix A (row c = channel c), for tests and documentation */
  readonly loadings: readonly Float64Array[];
  /** the next sample (a fresh array: callers may keep it) */
  next(): Float64Array;
}

export function createSimGenerator(options: SimGeneratorOptions = {}): SimGenerator {
  const model = resolveSimModel(options);
  const factor = createFactorModel(model);
  const windows = faultWindows(options.faults ?? [], model.channel_names, model.rate_hz);
  const injector = createFaultInjector(windows, model.seed);
  let index = 0;
  let previous: Float64Array | null = null;
  return {
    channels: model.channel_names,
    rate_hz: model.rate_hz,
    faults: windows,
    loadings: factor.loadings,
    get index() {
      return index;
    },
    next() {
      const out = new Float64Array(model.channels);
      factor.step(out);
      if (windows.length > 0) {
        injector.apply(out, {
          index,
          previous,
          commonSource: factor.factors[0]!,
          noise: model.noise,
          channelStd: factor.channelStd,
        });
      }
      previous = out;
      index++;
      return out;
    },
  };
}

/**
 * CSV lines (header first) of `samples` samples from the model, with a `timestamp` column in
 * epoch ms starting at `start_ms`: the layout the `csv` source replays without configuration.
 */
export function* simCsvLines(
  options: SimGeneratorOptions,
  run: { samples: number; start_ms: number; delimiter?: string },
): Generator<string> {
  const gen = createSimGenerator(options);
  const delimiter = run.delimiter ?? ',';
  yield formatCsvLine(['timestamp', ...gen.channels], delimiter);
  for (let i = 0; i < run.samples; i++) {
    const t = run.start_ms + (i * 1000) / gen.rate_hz;
    const values = gen.next();
    yield formatCsvLine(
      [String(t), ...Array.from(values, (v) => (Number.isNaN(v) ? '' : String(v)))],
      delimiter,
    );
  }
}
