import { delay, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BoundedQueue, drainInBatches } from '../../../agent/pipeline/operators/bounded-queue.ts';
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
