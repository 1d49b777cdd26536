import { describe, expect, it } from 'vitest';
import {
  SIM_DEFAULTS,
  createSimGenerator,
  simCsvLines,
  type SimFaultKind,
  type SimGeneratorOptions,
} from '../../../shared/sim/index.ts';
import { parseCsvLine } from '../../../shared/csv/line.ts';
import { column, correlation, mean, variance } from './helpers.ts';

function take(options: SimGeneratorOptions, n: number): Float64Array[] {
  const gen = createSimGenerator(options);
  return Array.from({ length: n }, () => gen.next());
}

describe('sim generator: the clean model', () => {
  it('keeps the documented defaults (the shipped sim-vibration model depends on them)', () => {
    const gen = createSimGenerator();
    expect(gen.channels).toEqual(['ch0', 'ch1', 'ch2', 'ch3', 'ch4', 'ch5']);
    expect(gen.rate_hz).toBe(50);
    expect(gen.loadings).toHaveLength(6);
    expect(gen.loadings[0]).toHaveLength(2);
    expect(SIM_DEFAULTS).toMatchObject({ channels: 6, factors: 2, rate_hz: 50 });
  });

  it('is deterministic in the seed', () => {
    expect(take({ seed: 7 }, 200)).toEqual(take({ seed: 7 }, 200));
    expect(take({ seed: 7 }, 200)).not.toEqual(take({ seed: 8 }, 200));
  });

  it('has unit-scale channels, cross-channel correlation and temporal structure', () => {
    const rows = take({ seed: 3 }, 10_000);
    for (let c = 0; c < 6; c++) {
      const xs = column(rows, c);
      expect(Math.abs(mean(xs))).toBeLessThan(0.3);
      expect(variance(xs)).toBeGreaterThan(0.7);
      expect(variance(xs)).toBeLessThan(1.4);
      // lag-1 autocorrelation: the oscillating factors make consecutive samples close
      expect(correlation(xs.slice(1), xs.slice(0, -1))).toBeGreaterThan(0.9);
    }
    // two factors for six channels: some pairs are strongly coupled
    let strongest = 0;
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) {
        strongest = Math.max(strongest, Math.abs(correlation(column(rows, a), column(rows, b))));
      }
    }
    expect(strongest).toBeGreaterThan(0.8);
  });

  it.each([
    [{ factors: 7 }, /factors/],
    [{ rate_hz: 2 }, /Nyquist/],
    [{ channel_names: ['a', 'a'] }, /distinct/],
    [
      { faults: [{ kind: 'stuck' as const, channels: ['nope'], start_s: 0, duration_s: 1 }] },
      /nope/,
    ],
  ])('rejects impossible options %j', (options, message) => {
    expect(() => createSimGenerator(options)).toThrow(message);
  });

  it('writes CSV lines the csv source can replay', () => {
    const lines = [...simCsvLines({ seed: 2 }, { samples: 3, start_ms: 1000 })];
    expect(lines[0]).toBe('timestamp,ch0,ch1,ch2,ch3,ch4,ch5');
    const row = parseCsvLine(lines[2]!, ',');
    expect(row.ok && row.cells[0]).toBe('1020');
    expect(row.ok && Number(row.cells[1])).toBe(take({ seed: 2 }, 2)[1]![0]);
  });
});

// A fault on ch1 from 20 s to 40 s at 50 Hz: samples 1000…1999.
const RATE = 50;
const START = 1000;
const END = 2000;
const N = 3000;

function faulty(kind: SimFaultKind, channels?: string[], magnitude?: number): Float64Array[] {
  return take(
    {
      seed: 11,
      faults: [
        {
          kind,
          start_s: 20,
          duration_s: 20,
          ...(channels ? { channels } : {}),
          ...(magnitude ? { magnitude } : {}),
        },
      ],
    },
    N,
  );
}
const clean = take({ seed: 11 }, N);
/** Index of the first sample that differs in any channel, or -1 (cheaper than deep equality). */
function firstDifference(a: Float64Array[], b: Float64Array[]): number {
  if (a.length !== b.length) return 0;
  return a.findIndex((row, i) => row.some((v, c) => !Object.is(v, b[i]![c])));
}
const inside = (rows: Float64Array[]): Float64Array[] => rows.slice(START, END);

describe('sim generator: injected faults', () => {
  const kinds: SimFaultKind[] = [
    'stuck',
    'noise',
    'drift',
    'dropout',
    'decouple',
    'collapse',
    'spike',
  ];

  it.each(kinds)('%s leaves every sample outside its window untouched', (kind) => {
    const rows = faulty(kind, kind === 'collapse' ? undefined : ['ch1']);
    expect(firstDifference(rows.slice(0, START), clean.slice(0, START))).toBe(-1);
    expect(firstDifference(rows.slice(END), clean.slice(END))).toBe(-1);
    expect(
      createSimGenerator({ rate_hz: RATE, faults: [{ kind, start_s: 20, duration_s: 20 }] })
        .faults[0],
    ).toMatchObject({
      startIndex: START,
      endIndex: END,
    });
  });

  it('stuck: the channel holds its last value (zero variance), others move on', () => {
    const rows = inside(faulty('stuck', ['ch1']));
    expect(new Set(column(rows, 1)).size).toBe(1);
    expect(rows[0]![1]).toBe(clean[START - 1]![1]);
    expect(variance(column(rows, 0))).toBeGreaterThan(0.3);
  });

  it('noise: a burst multiplies the variance of the channel', () => {
    const v = variance(column(inside(faulty('noise', ['ch1'])), 1));
    expect(v).toBeGreaterThan(variance(column(inside(clean), 1)) + 6);
  });

  it('drift: a bias ramps linearly up to the magnitude', () => {
    const rows = faulty('drift', ['ch1'], 4);
    const bias = (i: number): number => rows[i]![1]! - clean[i]![1]!;
    expect(bias(START)).toBeCloseTo((4 * Math.sqrt(1.01)) / 1000, 9);
    expect(bias(END - 1)).toBeCloseTo(4 * Math.sqrt(1.01), 9);
    expect(bias(START + 500)).toBeGreaterThan(bias(START + 100));
  });

  it('dropout: values are NaN exactly inside the window', () => {
    const rows = faulty('dropout', ['ch1']);
    expect(column(inside(rows), 1).every(Number.isNaN)).toBe(true);
    expect(column(inside(rows), 0).some(Number.isNaN)).toBe(false);
    expect(rows.slice(END).some((r) => Number.isNaN(r[1]!))).toBe(false);
  });

  it('decouple: the channel loses its correlation with the rest, keeping its variance', () => {
    const rows = inside(faulty('decouple', ['ch1']));
    const cleanRows = inside(clean);
    const x = column(rows, 1);
    for (const c of [0, 2, 3, 4, 5]) {
      expect(Math.abs(correlation(x, column(rows, c)))).toBeLessThan(0.12);
    }
    const before = Math.max(
      ...[0, 2, 3, 4, 5].map((c) =>
        Math.abs(correlation(column(cleanRows, 1), column(cleanRows, c))),
      ),
    );
    expect(before).toBeGreaterThan(0.5);
    expect(variance(x)).toBeGreaterThan(0.8);
    expect(variance(x)).toBeLessThan(1.25);
  });

  it('collapse: every pair of channels becomes almost perfectly correlated', () => {
    const rows = inside(faulty('collapse'));
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) {
        expect(correlation(column(rows, a), column(rows, b))).toBeGreaterThan(0.95);
      }
    }
  });

  it('spike: sparse large excursions on the channel only', () => {
    const rows = faulty('spike', ['ch1']);
    const jumps = inside(rows).map((r, i) => Math.abs(r[1]! - clean[START + i]![1]!));
    const spikes = jumps.filter((d) => d > 0);
    expect(spikes.length).toBeGreaterThan(5);
    expect(spikes.length).toBeLessThan(60);
    for (const d of spikes) expect(d).toBeCloseTo(10 * Math.sqrt(1.01), 9);
    expect(column(inside(rows), 0)).toEqual(column(inside(clean), 0));
  });
});
