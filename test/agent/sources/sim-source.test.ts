import { firstValueFrom, map, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createSimSource, type SimConfigInput } from '../../../agent/sources/sim/index.ts';
import { isUserError } from '../../../shared/errors.ts';

const T0 = 1_700_000_000_000;

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Emission frame and data time of every sample, on virtual time. */
function emissions(config: SimConfigInput, frames: number): { at: number; t: number }[] {
  const scheduler = testScheduler();
  const out: { at: number; t: number }[] = [];
  scheduler.run(({ flush }) => {
    const src = createSimSource({ start_ms: T0, ...config }, { scheduler });
    const sub = src.samples().subscribe((s) => out.push({ at: scheduler.now(), t: s.t - T0 }));
    scheduler.schedule(() => sub.unsubscribe(), frames);
    flush();
  });
  return out;
}

describe('sim source: pacing on virtual time', () => {
  it('emits one sample per period at real time (marbles)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const src = createSimSource(
        { start_ms: T0, rate_hz: 10, factor_freq_hz: 0.5 },
        { scheduler },
      );
      const ts = src.samples().pipe(
        map((s) => s.t - T0),
        take(3),
      );
      expectObservable(ts).toBe('a 99ms b 99ms (c|)', { a: 0, b: 100, c: 200 });
    });
  });

  it('at twice real time, pairs of samples share a chunk (marbles)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const src = createSimSource(
        { start_ms: T0, rate_hz: 10, factor_freq_hz: 0.5, speed: 2 },
        { scheduler },
      );
      const ts = src.samples().pipe(
        map((s) => s.t - T0),
        take(4),
      );
      // frame 0: sample 0 (due 0); 100: samples 1 (due 50) and 2 (due 100); 200: sample 3
      expectObservable(ts).toBe('a 99ms (bc) 96ms (d|)', { a: 0, b: 100, c: 200, d: 300 });
    });
  });

  it('emits 50 Hz data in chunks of 5 every 100 ms', () => {
    const out = emissions({}, 250);
    const byFrame = new Map<number, number[]>();
    for (const e of out) byFrame.set(e.at, [...(byFrame.get(e.at) ?? []), e.t]);
    expect([...byFrame.entries()]).toEqual([
      [0, [0]],
      [100, [20, 40, 60, 80, 100]],
      [200, [120, 140, 160, 180, 200]],
    ]);
  });

  it.each([1, 2, 10, 0.5])(
    'at speed %d no sample is early and none later than a chunk',
    (speed) => {
      const out = emissions({ speed, rate_hz: 50 }, 2_000);
      expect(out.length).toBeGreaterThan(10);
      for (const { at, t } of out) {
        expect(at).toBeGreaterThanOrEqual(t / speed);
        expect(at).toBeLessThan(t / speed + 100);
      }
    },
  );

  it('completes after duration_s and labels use start_ms', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const src = createSimSource(
        {
          start_ms: T0,
          rate_hz: 10,
          factor_freq_hz: 0.5,
          duration_s: 2,
          faults: [{ kind: 'dropout', channels: ['ch2'], start_s: 0.5, duration_s: 0.3 }],
        },
        { scheduler },
      );
      let got: { t: number; nan: boolean }[] = [];
      let done = false;
      src
        .samples()
        .pipe(toArray())
        .subscribe((xs) => {
          got = xs.map((s) => ({ t: s.t - T0, nan: Number.isNaN(s.values[2]!) }));
          done = true;
        });
      flush();
      expect(done).toBe(true);
      expect(got).toHaveLength(20);
      expect(got.filter((s) => s.nan).map((s) => s.t)).toEqual([500, 600, 700]);
      expect(src.labels()).toEqual([
        { kind: 'dropout', channels: ['ch2'], start: T0 + 500, end: T0 + 800 },
      ]);
      expect(src.stats()).toMatchObject({ samples: 20, missing: 3, malformed: 0 });
    });
  });
});

describe('sim source: speed max and labels', () => {
  it('offers a lossless pull() only at max, in chunks, same data as samples()', async () => {
    expect(createSimSource({}).pull).toBeUndefined();
    const config: SimConfigInput = { start_ms: T0, speed: 'max', duration_s: 30, seed: 5 };
    const src = createSimSource(config);
    const iter = src.pull!();
    const chunks: number[] = [];
    let first: number[] = [];
    for (let r = await iter.next(); !r.done; r = await iter.next()) {
      if (chunks.length === 0) first = Array.from(r.value[0]!.values);
      chunks.push(r.value.length);
    }
    expect(chunks).toEqual([512, 512, 476]);
    const all = await firstValueFrom(createSimSource(config).samples().pipe(toArray()));
    expect(all).toHaveLength(1500);
    expect(Array.from(all[0]!.values)).toEqual(first);
    expect(all[1499]!.t).toBe(T0 + 1499 * 20);
  });

  it('without start_ms, takes data time from the clock when a run starts', async () => {
    const src = createSimSource(
      {
        speed: 'max',
        duration_s: 1,
        faults: [{ kind: 'collapse', start_s: 0.2, duration_s: 0.4 }],
      },
      { clock: { now: () => 5_000 } },
    );
    expect(src.labels()).toEqual([]);
    const all = await firstValueFrom(src.samples().pipe(toArray()));
    expect(all[0]!.t).toBe(5_000);
    expect(src.labels()).toEqual([{ kind: 'collapse', channels: [], start: 5_200, end: 5_600 }]);
  });

  it('honours channel_names', () => {
    expect(createSimSource({ channel_names: ['x', 'y', 'z'], factors: 1 }).channels).toEqual([
      'x',
      'y',
      'z',
    ]);
  });

  it.each([
    [{ rate: 50 }, /rate/],
    [{ channels: 3, channel_names: ['a', 'b'] }, /disagrees/],
    [{ factors: 9 }, /factors/],
    [{ speed: -1 }, /speed/],
    [{ faults: [{ kind: 'melt', start_s: 0, duration_s: 1 }] }, /faults\.0\.kind/],
    [{ faults: [{ kind: 'stuck', channels: ['ch9'], start_s: 0, duration_s: 1 }] }, /ch9/],
    [{ faults: [{ kind: 'stuck', start_s: 0, duration_s: 1, extra: 1 }] }, /extra/],
  ])('rejects bad config %j with a UserError', (config, message) => {
    let error: unknown;
    try {
      createSimSource(config as SimConfigInput);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
