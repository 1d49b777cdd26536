import { describe, expect, it } from 'vitest';
import { runStage, type Stage } from '../../../agent/pipeline/stage.ts';
import { marbles, recordingRegistry } from './helpers.ts';

describe('stage wrapper', () => {
  it('counts in/out, captures errors without ending the stream, and flushes on completion', () => {
    const { registry, errors } = recordingRegistry();
    let buffered = 0;
    const stage: Stage<number, string> = {
      name: 'demo',
      push(x, emit) {
        if (x === 2) throw new Error('two');
        buffered += x;
        emit(`v${x}`);
      },
      flush(emit) {
        emit(`sum${buffered}`);
      },
    };
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|', { a: 1, b: 2, c: 3 }).pipe(runStage(stage, registry));
      expectObservable(out).toBe('a-c(s|)', { a: 'v1', c: 'v3', s: 'sum4' });
    });
    expect(errors.map(([s, e]) => [s, (e as Error).message])).toEqual([['demo', 'two']]);
    expect(registry.stats.get('demo')).toMatchObject({ in: 3, out: 3, errors: 1 });
  });
});
