import { PassThrough, Readable } from 'node:stream';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createStdinSource } from '../../../agent/sources/stdin/index.ts';
import { isUserError } from '../../../shared/errors.ts';

describe('stdin source', () => {
  it('decodes JSON lines, counting and reporting bad lines by number', async () => {
    const lines = [
      '{"t":1000,"values":{"x":1,"y":2}}',
      '{"values":[3]}', // y missing, t from the clock
      'not json',
      '',
      '{"t":1002,"values":{"x":"high"}}',
      '{"t":1003,"values":[5,6,7]}',
      '{"t":1004,"values":{"x":7,"y":null,"z":9}}',
    ];
    const warnings: string[] = [];
    const src = createStdinSource(
      { channels: ['x', 'y'] },
      {
        stdin: Readable.from([lines.join('\n').slice(0, 20), lines.join('\n').slice(20)]),
        clock: { now: () => 555 },
        log: { warn: (m) => warnings.push(m) },
      },
    );
    const got = await firstValueFrom(src.samples().pipe(toArray()));
    expect(got.map((s) => [s.t, ...s.values])).toEqual([
      [1000, 1, 2],
      [555, 3, NaN],
      [1004, 7, NaN],
    ]);
    expect(src.stats()).toMatchObject({
      samples: 3,
      malformed: 3,
      missing: 2,
      lines: 7,
      malformed_by_cause: { 'not-json': 1, 'bad-value': 1, 'too-many-values': 1 },
    });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/stdin:3: not valid JSON/);
    expect(warnings[1]).toMatch(/stdin:5: values\.x: must be a finite number or null/);
    expect(warnings[2]).toMatch(/stdin:6: values: 3 values for 2 channels/);
    expect(src.labels()).toEqual([]);
    expect(src.pull).toBeUndefined();
  });

  it('emits as lines arrive and completes when the input ends', async () => {
    const input = new PassThrough();
    const src = createStdinSource({ channels: ['v'] }, { stdin: input });
    const got: number[] = [];
    const done = new Promise<void>((resolve) =>
      src.samples().subscribe({ next: (s) => got.push(s.values[0]!), complete: resolve }),
    );
    input.write('{"values":[1]}\n{"values"');
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([1]);
    input.end(':[2]}\n');
    await done;
    expect(got).toEqual([1, 2]);
  });

  it('refuses a second concurrent reader, and bad config', async () => {
    const input = new PassThrough();
    const src = createStdinSource({ channels: ['v'] }, { stdin: input });
    const sub = src.samples().subscribe();
    await expect(firstValueFrom(src.samples())).rejects.toThrow(/already being read/);
    sub.unsubscribe();
    for (const bad of [{}, { channels: [] }, { channels: ['a', 'a'] }, { channels: ['a'], x: 1 }]) {
      let error: unknown;
      try {
        createStdinSource(bad as never);
      } catch (e) {
        error = e;
      }
      expect(isUserError(error)).toBe(true);
    }
  });
});
