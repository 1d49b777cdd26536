import { describe, expect, it } from 'vitest';
import { windowing } from '../../../agent/pipeline/operators/window.ts';
import { marbles, recordingRegistry, sample } from './helpers.ts';

const win = (start: number, end: number, ...values: number[]) => ({
  start,
  end,
  values: Float64Array.from(values),
});

describe('windowing', () => {
  it('emits the first window after T samples, then one every H samples', () => {
    marbles().run(({ cold, expectObservable }) => {
      const samples = {
        a: sample(1, 1, 10),
        b: sample(2, 2, 20),
        c: sample(3, 3, 30),
        d: sample(4, 4, 40),
        e: sample(5, 5, 50),
        f: sample(6, 6, 60),
      };
      const { registry } = recordingRegistry();
      const out = cold('abcdef|', samples).pipe(
        windowing({ size: 3, hop: 2, channels: 2 }, registry),
      );
      expectObservable(out).toBe('--x-y-|', {
        x: win(1, 3, 1, 10, 2, 20, 3, 30),
        y: win(3, 5, 3, 30, 4, 40, 5, 50),
      });
    });
  });

  it('with H = T gives disjoint windows', () => {
    marbles().run(({ cold, expectObservable }) => {
      const s = { a: sample(1, 1), b: sample(2, 2), c: sample(3, 3), d: sample(4, 4) };
      const { registry } = recordingRegistry();
      const out = cold('abcd|', s).pipe(windowing({ size: 2, hop: 2, channels: 1 }, registry));
      expectObservable(out).toBe('-x-y|', { x: win(1, 2, 1, 2), y: win(3, 4, 3, 4) });
    });
  });

  it('counts a sample of the wrong width as an error and keeps going', () => {
    const { registry, errors } = recordingRegistry();
    marbles().run(({ cold, expectObservable }) => {
      const s = { a: sample(1, 1), b: sample(2, 1, 2), c: sample(3, 3) };
      const out = cold('abc|', s).pipe(windowing({ size: 2, hop: 1, channels: 1 }, registry));
      expectObservable(out).toBe('--x|', { x: win(1, 3, 1, 3) });
    });
    expect(errors).toHaveLength(1);
    expect(registry.stats.get('window')).toMatchObject({ in: 3, out: 1, errors: 1 });
  });

  it('rejects a hop longer than the window', () => {
    const { registry } = recordingRegistry();
    expect(() => windowing({ size: 4, hop: 5, channels: 1 }, registry)).toThrow(/hop/);
  });
});
