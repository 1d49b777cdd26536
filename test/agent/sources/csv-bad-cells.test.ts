// Non-numeric channel cells in a replayed CSV: each is a missing value, counted; the file's
// first one is logged with its line and column, the count once at the end of the file, and a
// looping replay does not say it again.
import { Readable } from 'node:stream';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createCsvSource } from '../../../agent/sources/csv/index.ts';
import type { SourceFiles } from '../../../agent/sources/deps.ts';

const TEXT = 'time,a,b\n0,1,2\n1,x,3\n2,4,\n3,5,6\n';
const files: SourceFiles = {
  readHead: (_path, maxBytes) => TEXT.slice(0, maxBytes),
  open: () => Readable.from([TEXT]),
};

describe('csv source: bad numeric cells', () => {
  it('logs the first with line and column, then the count, once', async () => {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    const src = createCsvSource({ path: 'bad.csv', speed: 'max', loop: true }, { files, log });
    // three passes over the four rows
    const all = await firstValueFrom(src.samples().pipe(take(12), toArray()));
    expect(all.map((s) => Array.from(s.values)).slice(0, 4)).toEqual([
      [1, 2],
      [NaN, 3],
      [4, NaN],
      [5, 6],
    ]);
    expect(src.stats().missing).toBe(6);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^csv source: bad\.csv:3: column "a" holds "x", not a number/);
    expect(warnings[1]).toBe(
      'csv source: bad.csv: 2 bad numeric cells (the first at line 3, column "a"), each a missing value',
    );
  });
});
