// The bounded queue in front of inference, and the operator that drains it in batches.
// Live sources push at their own pace: when inference falls behind, the oldest waiting
// windows are dropped (and counted) rather than buffered without bound, because on a
// device memory is the scarce resource and fresh data is worth more than stale data.
// A replay that can be pulled runs lossless instead: it asks for the next chunk only when
// the queue has room (whenRoom), so the queue never needs to drop.
import {
  from,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  type Subscription,
} from 'rxjs';

export type QueueMode = 'drop-oldest' | 'lossless';

export class BoundedQueue<T> {
  private items: T[] = [];
  private waiters: Array<() => void> = [];
  /** items discarded by drop-oldest since creation */
  dropped = 0;

  constructor(
    readonly capacity: number,
    readonly mode: QueueMode,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
  }

  get depth(): number {
    return this.items.length;
  }

  /**
   * Enqueues one item. In drop-oldest mode a full queue first discards its oldest item.
   * Lossless mode never discards: its producer is expected to wait for whenRoom(), which
   * bounds the depth by the capacity plus one pulled chunk.
   */
  offer(item: T): void {
    if (this.mode === 'drop-oldest' && this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }

  /** Removes and returns up to `max` of the oldest items. */
  take(max: number): T[] {
    const out = this.items.splice(0, max);
    if (this.items.length < this.capacity) {
      for (const wake of this.waiters.splice(0)) wake();
    }
    return out;
  }

  /** Resolves once the queue is below capacity (at once if it already is). */
  whenRoom(): Promise<void> {
    if (this.items.length < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface DrainOptions {
  /** most items handed to `process` at once */
  batch: number;
  /** a failed batch is reported here and the stream goes on with the next one */
  onError: (error: unknown) => void;
}

/**
 * Feeds the input into `queue` and processes it one batch at a time: whatever is waiting
 * (up to `batch` items) when the previous batch finishes. So batches grow by themselves
 * when inference is the bottleneck and stay small (low latency) when it is not.
 * On completion of the input the queue is drained before the output completes.
 */
export function drainInBatches<T, R>(
  queue: BoundedQueue<T>,
  opts: DrainOptions,
  process: (batch: T[]) => ObservableInput<R>,
): OperatorFunction<T, R> {
  return drain(queue, opts, process, (item) => queue.offer(item));
}

/**
 * drainInBatches for an input of arrays (a chunk's windows at once): every item is enqueued
 * before the next batch is taken, so after an idle queue the first batch is as large as the
 * chunk allows instead of one item.
 */
export function drainChunksInBatches<T, R>(
  queue: BoundedQueue<T>,
  opts: DrainOptions,
  process: (batch: T[]) => ObservableInput<R>,
): OperatorFunction<readonly T[], R> {
  return drain(queue, opts, process, (items) => {
    for (let i = 0; i < items.length; i++) queue.offer(items[i]!);
  });
}

function drain<I, T, R>(
  queue: BoundedQueue<T>,
  opts: DrainOptions,
  process: (batch: T[]) => ObservableInput<R>,
  enqueue: (input: I) => void,
): OperatorFunction<I, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let busy = false;
      let inputDone = false;
      let inner: Subscription | null = null;
      const settle = (): void => {
        busy = false;
        inner = null;
        pump();
      };
      const pump = (): void => {
        if (busy) return;
        if (queue.depth === 0) {
          if (inputDone) subscriber.complete();
          return;
        }
        busy = true;
        let batch: ObservableInput<R>;
        try {
          batch = process(queue.take(opts.batch));
        } catch (e) {
          opts.onError(e);
          return settle();
        }
        inner = from(batch).subscribe({
          next: (r) => subscriber.next(r),
          error: (e) => {
            opts.onError(e);
            settle();
          },
          complete: settle,
        });
      };
      const outer = source.subscribe({
        next: (input) => {
          enqueue(input);
          pump();
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          inputDone = true;
          pump();
        },
      });
      return () => {
        outer.unsubscribe();
        inner?.unsubscribe();
      };
    });
}
