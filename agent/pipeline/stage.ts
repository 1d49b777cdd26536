// The shared wrapper every synchronous stage runs in. A stage is a small object that turns
// one input into zero or more outputs (Telegraf's processor shape); this wrapper is the only
// place that times it, counts what goes in and out, and captures its errors. An error is
// counted and reported but never kills the stream: one bad sample must not stop a device.
import { Observable, type OperatorFunction } from 'rxjs';

export interface Stage<I, O> {
  readonly name: string;
  /** handles one input; calls `emit` for each output */
  push(input: I, emit: (out: O) => void): void;
  /** called once when the input completes, to emit what is still buffered */
  flush?(emit: (out: O) => void): void;
}

export interface StageStats {
  in: number;
  out: number;
  errors: number;
  /** time spent inside the stage itself, excluding downstream stages */
  busyMs: number;
}

export type StageErrorHandler = (stage: string, error: unknown) => void;

/** Per-stage counters, keyed by stage name; one registry per pipeline. */
export class StageRegistry {
  readonly stats = new Map<string, StageStats>();
  constructor(readonly onError: StageErrorHandler) {}

  register(name: string): StageStats {
    const existing = this.stats.get(name);
    if (existing) return existing;
    const fresh: StageStats = { in: 0, out: 0, errors: 0, busyMs: 0 };
    this.stats.set(name, fresh);
    return fresh;
  }
}

/** Runs `stage` as an RxJS operator under the registry's timing, counters and error capture. */
export function runStage<I, O>(
  stage: Stage<I, O>,
  registry: StageRegistry,
): OperatorFunction<I, O> {
  const stats = registry.register(stage.name);
  return (source) =>
    new Observable<O>((subscriber) => {
      // Outputs are collected first and emitted after the clock stops, so a stage's time
      // does not include the downstream work its outputs trigger.
      const pending: O[] = [];
      const collect = (out: O): void => {
        pending.push(out);
      };
      // The common case, one output per input, is emitted without copying the array.
      const drain = (): void => {
        const n = pending.length;
        if (n === 0) return;
        stats.out += n;
        if (n === 1) {
          const out = pending[0]!;
          pending.length = 0;
          subscriber.next(out);
          return;
        }
        for (const out of pending.splice(0)) subscriber.next(out);
      };
      const guarded = (work: () => void): void => {
        const t0 = performance.now();
        try {
          work();
        } catch (e) {
          stats.errors++;
          registry.onError(stage.name, e);
        }
        stats.busyMs += performance.now() - t0;
        drain();
      };
      return source.subscribe({
        next: (input) => {
          stats.in++;
          guarded(() => stage.push(input, collect));
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          if (stage.flush) guarded(() => stage.flush!(collect));
          subscriber.complete();
        },
      });
    });
}

/**
 * `stage` over arrays of inputs, for the stages after one that emits a chunk's windows at once
 * (operators/prepare.ts): one clock reading and at most one emission (the array of outputs)
 * per array instead of per item. Counters and error capture stay per item, as in runStage:
 * in/out count items, and an item whose push throws is counted and the rest of the array
 * goes on.
 */
export function runChunkedStage<I, O>(
  stage: Stage<I, O>,
  registry: StageRegistry,
): OperatorFunction<readonly I[], O[]> {
  const stats = registry.register(stage.name);
  return (source) =>
    new Observable<O[]>((subscriber) => {
      let pending: O[] = [];
      const collect = (out: O): void => {
        pending.push(out);
      };
      const drain = (): void => {
        if (pending.length === 0) return;
        const out = pending;
        pending = [];
        stats.out += out.length;
        subscriber.next(out);
      };
      return source.subscribe({
        next: (inputs) => {
          const t0 = performance.now();
          for (let i = 0; i < inputs.length; i++) {
            stats.in++;
            try {
              stage.push(inputs[i]!, collect);
            } catch (e) {
              stats.errors++;
              registry.onError(stage.name, e);
            }
          }
          stats.busyMs += performance.now() - t0;
          drain();
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          if (stage.flush) {
            const t0 = performance.now();
            try {
              stage.flush(collect);
            } catch (e) {
              stats.errors++;
              registry.onError(stage.name, e);
            }
            stats.busyMs += performance.now() - t0;
            drain();
          }
          subscriber.complete();
        },
      });
    });
}
