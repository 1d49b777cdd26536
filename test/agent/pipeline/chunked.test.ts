// The array-at-a-time variants of the stage wrapper and of the queue drain.
import { delay, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BoundedQueue,
  drainChunksInBatches,
} from '../../../agent/pipeline/operators/bounded-queue.ts';
import { runChunkedStage, type Stage } from '../../../agent/pipeline/stage.ts';
import { marbles, recordingRegistry } from './helpers.ts';

describe('chunked stage wrapper', () => {
  it('one output array per input array; counts and errors per item; empty outputs not emitted', () => {
    const { registry, errors } = recordingRegistry();
    const stage: Stage<number, string> = {
      name: 'demo',
      push(x, emit) {
        if (x === 2) throw new Error('two');
        if (x % 2 === 1) emit(`v${x}`);
      },
      flush(emit) {
        emit('end');
      },
    };
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|', { a: [1, 2, 3], b: [4], c: [5] }).pipe(
        runChunkedStage(stage, registry),
      );
      expectObservable(out).toBe('a-c(e|)', { a: ['v1', 'v3'], c: ['v5'], e: ['end'] });
    });
    expect(errors.map(([s, e]) => [s, (e as Error).message])).toEqual([['demo', 'two']]);
    expect(registry.stats.get('demo')).toMatchObject({ in: 5, out: 4, errors: 1 });
  });
});

describe('draining chunks in batches', () => {
  const slowJoin = (batch: string[]) => of(batch.join('')).pipe(delay(3));

  it('enqueues a whole chunk before taking a batch, and stays lossless', () => {
    const queue = new BoundedQueue<string>(2, 'lossless');
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('-a-b|', { a: ['a', 'b', 'c'], b: ['d'] }).pipe(
        drainChunksInBatches(queue, { batch: 2, onError: () => {} }, slowJoin),
      );
      // the first batch takes two of the first chunk at once; d joins c
      expectObservable(out).toBe('----x--(y|)', { x: 'ab', y: 'cd' });
    });
    expect(queue.dropped).toBe(0);
    expect(queue.depth).toBe(0);
  });
});
