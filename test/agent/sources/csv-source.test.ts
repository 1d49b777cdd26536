import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { VirtualTimeScheduler, firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createCsvSource, type CsvConfigInput } from '../../../agent/sources/csv/index.ts';
import type { SourceDeps, SourceFiles } from '../../../agent/sources/deps.ts';
import type { Sample } from '../../../agent/sources/types.ts';
import { isUserError } from '../../../shared/errors.ts';
import { runVirtual } from './helpers.ts';
import { SKAB_CHANNELS, skabLikeFile } from '../../support/skab-like.ts';

const SKAB = skabLikeFile('valve1/0.csv');

/** Files served from memory, so malformed inputs need no fixtures on disk. */
function memoryFiles(contents: Record<string, string>): SourceFiles {
  const get = (path: string): string => {
    const text = contents[path];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return text;
  };
  return {
    readHead: (path, maxBytes) => get(path).slice(0, maxBytes),
    open: (path) => Readable.from([get(path)]),
  };
}

async function readAll(config: CsvConfigInput, deps: SourceDeps = {}): Promise<Sample[]> {
  const src = createCsvSource({ speed: 'max', ...config }, deps);
  return firstValueFrom(src.samples().pipe(toArray()));
}

/** The SKAB-shaped file (test/support/skab-like.ts) parsed independently (split on ';'), to check the replay against. */
function skabReference(): { t: number; values: number[]; anomaly: number }[] {
  const lines = readFileSync(SKAB, 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const cells = l.split(';');
    return {
      t: Date.parse(`${cells[0]!.replace(' ', 'T')}Z`),
      values: cells.slice(1, 9).map(Number),
      anomaly: Number(cells[9]),
    };
  });
}

describe('csv source: a SKAB-shaped valve1/0.csv', () => {
  const ref = skabReference();

  it('replays every row with UTC timestamps, the eight sensor channels and labels', async () => {
    const src = createCsvSource({ path: SKAB, speed: 'max' });
    expect(src.channels).toEqual([...SKAB_CHANNELS]);
    const all = await firstValueFrom(src.samples().pipe(toArray()));
    expect(all).toHaveLength(ref.length);
    expect(all[0]!.t).toBe(Date.UTC(2020, 2, 9, 10, 14, 33));
    all.forEach((s, i) => {
      expect(s.t).toBe(ref[i]!.t);
      expect(Array.from(s.values)).toEqual(ref[i]!.values);
    });
    // the anomaly label is the contiguous run of anomaly = 1 rows, end exclusive
    const inRun = ref.filter((r) => r.anomaly === 1);
    const after = ref[ref.indexOf(inRun.at(-1)!) + 1]!;
    const anomalies = src.labels().filter((l) => l.kind === 'anomaly');
    expect(anomalies).toEqual([
      { kind: 'anomaly', channels: [], start: inRun[0]!.t, end: after.t },
    ]);
    expect(src.labels().filter((l) => l.kind === 'changepoint').length).toBeGreaterThanOrEqual(2);
    expect(src.stats()).toMatchObject({
      samples: ref.length,
      rows: ref.length,
      malformed: 0,
      missing: 0,
    });
  });

  it('pull() hands out lossless chunks', async () => {
    const src = createCsvSource({ path: SKAB, speed: 'max', columns: ['Current'] });
    expect(createCsvSource({ path: SKAB }).pull).toBeUndefined();
    const iter = src.pull!();
    const sizes: number[] = [];
    for (let r = await iter.next(); !r.done; r = await iter.next()) sizes.push(r.value.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ref.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
  });

  it.each([1, 10, 60])('at speed %d paces by data time on virtual time', async (speed) => {
    const scheduler = new VirtualTimeScheduler();
    const src = createCsvSource({ path: SKAB, speed, columns: ['Pressure'] }, { scheduler });
    const got: { at: number; t: number }[] = [];
    let done = false;
    src
      .samples()
      .pipe(take(300))
      .subscribe({
        next: (s) => got.push({ at: scheduler.now(), t: s.t }),
        complete: () => (done = true),
      });
    await runVirtual(scheduler, () => done);
    expect(got).toHaveLength(300);
    const t0 = got[0]!.t;
    for (const { at, t } of got) {
      const due = (t - t0) / speed;
      expect(at).toBeGreaterThanOrEqual(due);
      expect(at).toBeLessThan(due + 100);
    }
    // 1 Hz data: the last of 300 samples is due after 299 s of data time
    expect(got.at(-1)!.at).toBeGreaterThanOrEqual(299_000 / speed);
  });
});

describe('csv source: plain comma files', () => {
  const files = memoryFiles({
    'epoch.csv':
      'timestamp,"temp, °C",rpm,status\n1700000000,20.5,1500,ok\n1700000001,,1510,ok\n1700000002,21,x,ok\n',
    'epoch-ms.csv': 'time,a\n1700000000000,1\n1700000000250,2\n',
    'iso.csv': 'datetime\tv\n2024-01-02T03:04:05+02:00\t1\n2024-01-02T03:04:06.5Z\t2\n',
    'notime.csv': 'a,b\n1,2\n3,4\n5,6\n',
    'labels.csv': 'time,v,fault\n0,1,0\n1,2,1\n2,3,1\n3,4,0\n4,5,1\n',
  });

  it('detects the delimiter, skips text columns and counts empty/non-numeric cells as missing', async () => {
    const src = createCsvSource({ path: 'epoch.csv', speed: 'max' }, { files });
    expect(src.channels).toEqual(['temp, °C', 'rpm']);
    const all = await firstValueFrom(src.samples().pipe(toArray()));
    expect(all.map((s) => s.t)).toEqual([1.7e12, 1.7e12 + 1000, 1.7e12 + 2000]);
    expect(all.map((s) => Array.from(s.values))).toEqual([
      [20.5, 1500],
      [NaN, 1510],
      [21, NaN],
    ]);
    expect(src.stats()).toMatchObject({ missing: 2, malformed: 0 });
  });

  it.each([
    ['epoch-ms.csv', [1.7e12, 1.7e12 + 250]],
    ['iso.csv', [Date.UTC(2024, 0, 2, 1, 4, 5), Date.UTC(2024, 0, 2, 3, 4, 6, 500)]],
    ['notime.csv', [5_000, 5_500, 6_000]],
  ])('%s: timestamps', async (path, times) => {
    const all = await readAll({ path, rate_hz: 2, start_ms: 5_000 }, { files });
    expect(all.map((s) => s.t)).toEqual(times);
  });

  it('labels runs of any configured label column', async () => {
    const src = createCsvSource(
      { path: 'labels.csv', speed: 'max', label_columns: ['fault'] },
      { files },
    );
    expect(src.channels).toEqual(['v']);
    await firstValueFrom(src.samples().pipe(toArray()));
    expect(src.labels()).toEqual([
      { kind: 'fault', channels: [], start: 1000, end: 3000 },
      { kind: 'fault', channels: [], start: 4000, end: 5000 },
    ]);
  });

  it('loops with data time continuing past the end of the file', async () => {
    const src = createCsvSource({ path: 'epoch-ms.csv', speed: 'max', loop: true }, { files });
    const all = await firstValueFrom(src.samples().pipe(take(5), toArray()));
    expect(all.map((s) => s.t - 1.7e12)).toEqual([0, 250, 500, 750, 1000]);
    expect(all.map((s) => s.values[0])).toEqual([1, 2, 1, 2, 1]);
  });
});

describe('csv source: streaming', () => {
  it('reads a large file lazily while replaying in real time', async () => {
    let produced = 0;
    function* lines(): Generator<string> {
      yield 'timestamp,v\n';
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield `${i},${i % 7}\n`;
      }
    }
    const files: SourceFiles = {
      readHead: () => 'timestamp,v\n0,0\n1,1\n',
      open: () => Readable.from(lines()),
    };
    const scheduler = new VirtualTimeScheduler();
    const src = createCsvSource({ path: 'huge.csv', speed: 1 }, { files, scheduler });
    let done = false;
    const got: number[] = [];
    src
      .samples()
      .pipe(take(20))
      .subscribe({ next: (s) => got.push(s.t), complete: () => (done = true) });
    await runVirtual(scheduler, () => done);
    expect(got).toHaveLength(20);
    // one reader chunk plus the stream's buffering, not the million rows
    expect(produced).toBeLessThan(20_000);
  });
});

describe('csv source: bad input', () => {
  const files = memoryFiles({
    'rows.csv': [
      'time;a;b',
      '1;1;2',
      '2;3', // too few cells
      '3;4;5;6', // too many
      'soon;7;8', // bad time
      '4;"9;10', // unterminated quote
      '',
      '5;11;12',
    ].join('\n'),
    'empty.csv': '',
    'blank-header.csv': '\n1,2\n',
    'dup.csv': 'a,a\n1,2\n',
    'text.csv': 'name,city\nann,paris\n',
  });

  it('skips and counts malformed rows, logging each with file:line', async () => {
    const warnings: string[] = [];
    const src = createCsvSource(
      { path: 'rows.csv', speed: 'max' },
      { files, log: { warn: (m) => warnings.push(m) } },
    );
    const all = await firstValueFrom(src.samples().pipe(toArray()));
    expect(all.map((s) => Array.from(s.values))).toEqual([
      [1, 2],
      [11, 12],
    ]);
    expect(src.stats()).toMatchObject({
      samples: 2,
      malformed: 4,
      malformed_by_cause: { 'cell-count': 2, 'bad-time': 1, 'unterminated-quote': 1 },
    });
    expect(warnings.join('\n')).toMatch(/rows\.csv:3: expected 3 cells, got 2/);
    expect(warnings.join('\n')).toMatch(/rows\.csv:4: expected 3 cells, got 4/);
    expect(warnings.join('\n')).toMatch(/rows\.csv:5: unparseable time "soon" in column "time"/);
    expect(warnings.join('\n')).toMatch(/rows\.csv:6: cell 2: quoted cell is not closed/);
  });

  it.each([
    [{ path: 'empty.csv' }, /empty\.csv:1: empty header/],
    [{ path: 'blank-header.csv' }, /blank-header\.csv:1: empty header/],
    [{ path: 'dup.csv' }, /dup\.csv:1: column "a" appears twice/],
    [{ path: 'text.csv' }, /text\.csv:1: no numeric columns/],
    [
      { path: 'rows.csv', columns: ['zz'] },
      /rows\.csv:1: column "zz" is not in the header \(columns: time, a, b\)/,
    ],
    [{ path: 'rows.csv', time_column: 'when' }, /time_column "when"/],
    [{ path: 'rows.csv', label_columns: ['anomaly'] }, /label column "anomaly"/],
    [{ path: 'rows.csv', columns: ['time'] }, /is the time column/],
    [{ path: 'missing.csv' }, /missing\.csv: cannot read: ENOENT/],
    [{ path: 'rows.csv', speed: 0 }, /speed/],
    [{ path: 'rows.csv', delimiter: ';;' }, /delimiter/],
    [{ path: 'rows.csv', colums: ['a'] }, /colums/],
  ])('fails fast on %j with a UserError', (config, message) => {
    let error: unknown;
    try {
      createCsvSource(config as CsvConfigInput, { files });
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
