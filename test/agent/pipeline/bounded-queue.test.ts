import { delay, map, of, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BoundedQueue,
  drainChunksInBatches,
  drainInBatches,
  type DrainOptions,
} from '../../../agent/pipeline/operators/bounded-queue.ts';
import { marbles } from './helpers.ts';

// Each batch is "processed" in 3 frames and comes out joined: ['c', 'd'] → 'cd'.
const slowJoin = (batch: string[]) => of(batch.join('')).pipe(delay(3));

describe('bounded queue before inference', () => {
  it('drop-oldest: when processing falls behind, the oldest waiting items go and are counted', () => {
    const queue = new BoundedQueue<string>(2, 'drop-oldest');
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('-abcde|').pipe(
        drainInBatches(queue, { batch: 2, onError: () => {} }, slowJoin),
      );
      // a is taken at once; b, c wait; d arrives with the queue full and evicts b.
      expectObservable(out).toBe('----a--x--(y|)', { a: 'a', x: 'cd', y: 'e' });
    });
    expect(queue.dropped).toBe(1);
    expect(queue.depth).toBe(0);
  });

  it('lossless: nothing is dropped, batches grow to the batch size', () => {
    const queue = new BoundedQueue<string>(2, 'lossless');
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('-abcde|').pipe(
        drainInBatches(queue, { batch: 3, onError: () => {} }, slowJoin),
      );
      expectObservable(out).toBe('----a--x--(y|)', { a: 'a', x: 'bcd', y: 'e' });
    });
    expect(queue.dropped).toBe(0);
  });

  it('a failed batch is reported and the next one still runs', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    const errors: unknown[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const process = (batch: string[]) => {
        if (batch.includes('b')) throw new Error('boom');
        return of(batch.join(''));
      };
      const out = cold('abc|').pipe(
        drainInBatches(queue, { batch: 1, onError: (e) => errors.push(e) }, process),
      );
      expectObservable(out).toBe('a-c|');
    });
    expect(errors).toHaveLength(1);
  });

  it('drains what is queued before completing', () => {
    const queue = new BoundedQueue<string>(8, 'drop-oldest');
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('(abc|)').pipe(
        drainInBatches(queue, { batch: 2, onError: () => {} }, slowJoin),
      );
      expectObservable(out).toBe('---a--(x|)', { a: 'a', x: 'bc' });
    });
  });

  it('whenRoom resolves once a take brings the depth below capacity', async () => {
    const queue = new BoundedQueue<number>(2, 'lossless');
    queue.offer(1);
    queue.offer(2);
    let woke = false;
    const room = queue.whenRoom().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    queue.take(1);
    await room;
    expect(woke).toBe(true);
  });
});

// Errors and unsubscription hold for both entry points: one item at a time and the pipeline's
// chunks (each marble value a chunk of one item, so the marbles read the same).
const variants: Array<{
  name: string;
  drain: (
    queue: BoundedQueue<string>,
    opts: DrainOptions,
    process: (batch: string[]) => Observable<string>,
  ) => OperatorFunction<string, string>;
}> = [
  { name: 'drainInBatches', drain: drainInBatches },
  {
    name: 'drainChunksInBatches',
    drain: (queue, opts, process) => (source) =>
      source.pipe(
        map((x) => [x]),
        drainChunksInBatches(queue, opts, process),
      ),
  },
];

describe.each(variants)('$name: errors and unsubscription', ({ drain }) => {
  it('a batch whose observable errors later is reported; its values so far stay, the next batch runs', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    const errors: unknown[] = [];
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-x-#', { x: 'a1' }, new Error('inference failed'));
      const second = cold('-(y|)', { y: 'b' });
      const batches = [first, second];
      const out = cold('ab|').pipe(
        drain(queue, { batch: 4, onError: (e) => errors.push(e) }, () => batches.shift()!),
      );
      // a is processed alone (b is not there yet); after its error b goes on at frame 3
      expectObservable(out).toBe('-x--(y|)', { x: 'a1', y: 'b' });
      expectSubscriptions(first.subscriptions).toBe('^--!');
      expectSubscriptions(second.subscriptions).toBe('---^!');
    });
    expect(errors).toEqual([new Error('inference failed')]);
  });

  it('an error of the input errors the output at once: the batch in flight is cancelled, nothing queued is processed', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    const processed: string[][] = [];
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = cold('----(x|)', { x: 'a' });
      const source = cold('ab#', undefined, new Error('source failed'));
      const out = source.pipe(
        drain(queue, { batch: 4, onError: () => {} }, (batch) => {
          processed.push(batch);
          return inner;
        }),
      );
      expectObservable(out).toBe('--#', undefined, new Error('source failed'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('^-!');
    });
    expect(processed).toEqual([['a']]);
    // b stays queued: an errored stream is not drained
    expect(queue.depth).toBe(1);
  });

  it('unsubscribing cancels the input and the batch in flight; what is queued is not processed', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    const processed: string[][] = [];
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = cold('-----(x|)', { x: 'a' });
      const source = cold('ab-c-d|');
      const out = source.pipe(
        drain(queue, { batch: 4, onError: () => {} }, (batch) => {
          processed.push(batch);
          return inner;
        }),
      );
      expectObservable(out, '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
    expect(processed).toEqual([['a']]);
    expect(queue.depth).toBe(1);
  });

  it('unsubscribing between batches stops the input; no later batch starts', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    const processed: string[][] = [];
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a---b|');
      const out = source.pipe(
        drain(queue, { batch: 4, onError: () => {} }, (batch) => {
          processed.push(batch);
          return of(batch.join(''));
        }),
      );
      expectObservable(out, '^--!').toBe('a');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(processed).toEqual([['a']]);
    expect(queue.depth).toBe(0);
  });

  it('completion waits for the batch in flight, then for what queued behind it', () => {
    const queue = new BoundedQueue<string>(4, 'drop-oldest');
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('ab|').pipe(drain(queue, { batch: 4, onError: () => {} }, slowJoin));
      // a at 0 → out at 3; b (queued meanwhile) at 3 → out at 6; input completed at 2
      expectObservable(out).toBe('---a--(b|)');
    });
  });
});
