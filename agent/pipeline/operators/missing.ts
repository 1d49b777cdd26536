// The missing-value policy: a window with a missing (NaN) or non-finite sample is either
// skipped, or repaired in place and passed on. Both count as a bad window in health, and
// every repaired sample value counts in samples_imputed, once, so imputation is never silent.
// prepare.ts runs this stage on the windows that hold a non-finite value (clean windows never
// need it: their check is a running count kept per sample).
import type { OperatorFunction } from 'rxjs';
import type { PipelineCounters } from '../counters.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import type { RawWindow } from '../types.ts';

export type MissingPolicy =
  | { policy: 'skip' }
  /**
   * last: the channel's previous finite value in the window, else the channel's window mean;
   * mean: the channel's window mean. Either way a channel with no finite value in the window
   * takes the model's training mean (`fallback`), i.e. 0 after normalization.
   */
  | { policy: 'impute'; fill: 'last' | 'mean' };

export interface MissingOptions {
  channels: number;
  /** per channel, used when the whole channel is missing from a window */
  fallback: readonly number[];
  counters: PipelineCounters;
}

export function createMissingStage(
  policy: MissingPolicy,
  opts: MissingOptions,
): Stage<RawWindow, RawWindow> {
  const { channels: c, fallback, counters } = opts;
  const fresh = new FreshCells(c);
  return {
    name: 'missing',
    push(w, emit) {
      const missing = countNonFinite(w.values);
      if (missing === 0) return emit(w);
      counters.windowsBad++;
      const firstNew = fresh.firstNewRow(w);
      if (policy.policy === 'skip') return;
      const values = w.values.slice();
      const rows = values.length / c;
      for (let ch = 0; ch < c; ch++) {
        const mean = channelMean(values, ch, c, rows) ?? fallback[ch]!;
        let last: number | null = null;
        for (let r = 0; r < rows; r++) {
          const i = r * c + ch;
          const v = values[i]!;
          if (Number.isFinite(v)) {
            last = v;
            continue;
          }
          values[i] = policy.fill === 'last' && last !== null ? last : mean;
        }
      }
      counters.samplesImputed += countNonFinite(w.values.subarray(firstNew * c));
      emit({ start: w.start, end: w.end, values });
    },
  };
}

/**
 * Which rows of a window this stage has not seen before, so a sample counts once however many
 * windows it falls in. Every window that holds a non-finite value comes through here, so a
 * window overlapping the previous one here (it starts at or before that one's end, in data
 * time) is that one moved on by d rows: d is the least shift under which the rows they share
 * agree cell for cell (NaN with NaN), and only its last d rows are new. Rows that repeat exactly
 * can make d look smaller than it is: then fewer samples are counted, never more.
 */
class FreshCells {
  private prev: Float64Array | null = null;
  private prevEnd = -Infinity;
  constructor(private readonly channels: number) {}

  /** the index of the window's first row not seen in the previous window here */
  firstNewRow(w: RawWindow): number {
    const c = this.channels;
    const rows = w.values.length / c;
    const prev = this.prev;
    let first = 0;
    if (prev !== null && prev.length === w.values.length && w.start <= this.prevEnd) {
      for (let d = 1; d < rows; d++) {
        if (sameCells(prev, d * c, w.values, 0, (rows - d) * c)) {
          first = rows - d;
          break;
        }
      }
    }
    if (prev === null || prev.length !== w.values.length) this.prev = w.values.slice();
    else prev.set(w.values);
    this.prevEnd = w.end;
    return first;
  }
}

function sameCells(a: Float64Array, from: number, b: Float64Array, to: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Object.is(a[from + i], b[to + i])) return false;
  return true;
}

function countNonFinite(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) n++;
  return n;
}

function channelMean(values: Float64Array, ch: number, c: number, rows: number): number | null {
  let sum = 0;
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const v = values[r * c + ch]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}

export const missingValues = (
  policy: MissingPolicy,
  opts: MissingOptions,
  registry: StageRegistry,
): OperatorFunction<RawWindow, RawWindow> => runStage(createMissingStage(policy, opts), registry);
