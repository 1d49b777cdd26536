// Property tests of the two untrusted-input parsers: the CSV line parser and the JSON sample
// decoder. Every input gives a typed result; no exception escapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeJsonSample,
  type SampleDecodeErrorKind,
} from '../../../agent/sources/common/json-sample.ts';
import { parseNumberCell, parseTimeCell } from '../../../shared/csv/cells.ts';
import { detectDelimiter, formatCsvLine, parseCsvLine } from '../../../shared/csv/line.ts';

const RUNS = { numRuns: 1_000 };
const delimiters = fc.constantFrom(',', ';', '\t', '|', ' ');
// Strings rich in the characters that matter to a CSV parser.
const csvish = fc.string({
  unit: fc.constantFrom('a', '1', '.', '"', ',', ';', '\t', '|', ' ', 'é', '\r'),
  maxLength: 40,
});

describe('CSV line parser (fuzz)', () => {
  it('returns cells or a typed error for any line', () => {
    fc.assert(
      fc.property(fc.oneof(csvish, fc.string()), delimiters, (line, d) => {
        const r = parseCsvLine(line, d);
        if (r.ok) {
          expect(r.cells.length).toBeGreaterThanOrEqual(1);
          for (const c of r.cells) expect(typeof c).toBe('string');
        } else {
          expect(['unterminated-quote', 'text-after-quote']).toContain(r.error.kind);
          expect(r.error.cell).toBeGreaterThanOrEqual(1);
          expect(r.error.message).toMatch(/^cell \d+: /);
        }
      }),
      RUNS,
    );
  });

  it('parses back exactly what formatCsvLine wrote', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(csvish, fc.string()), { minLength: 1, maxLength: 8 }),
        delimiters,
        (cells, d) => {
          const r = parseCsvLine(formatCsvLine(cells, d), d);
          expect(r).toEqual({ ok: true, cells });
        },
      ),
      RUNS,
    );
  });

  it('splits unquoted lines like String.split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9 .-]{0,8}$/), { minLength: 1, maxLength: 10 }),
        (cells) => {
          const line = cells.join(';');
          expect(parseCsvLine(line, ';')).toEqual({ ok: true, cells: line.split(';') });
        },
      ),
      RUNS,
    );
  });

  it('cell parsers are total', () => {
    fc.assert(
      fc.property(
        fc.oneof(csvish, fc.string()),
        fc.constantFrom('auto', 'iso', 'epoch_s', 'epoch_ms' as const),
        (cell, fmt) => {
          expect(typeof parseNumberCell(cell)).toBe('number');
          const t = parseTimeCell(cell, fmt);
          expect(t === undefined || Number.isFinite(t)).toBe(true);
          expect(typeof detectDelimiter(cell, cell)).toBe('string');
        },
      ),
      RUNS,
    );
  });

  it('reads back finite doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseNumberCell(String(x))).toBe(x === 0 ? 0 : x);
      }),
      RUNS,
    );
  });

  it.each([
    ['2020-03-09 10:14:33', Date.UTC(2020, 2, 9, 10, 14, 33)],
    ['2020-03-09T10:14:33.25+0100', Date.UTC(2020, 2, 9, 9, 14, 33, 250)],
    ['1583748873', 1583748873000],
    ['1583748873000', 1583748873000],
    ['1583748873.5', 1583748873500],
    ['yesterday', undefined],
    ['2020-13-45 10:14:33', undefined],
  ])('parseTimeCell(%j) = %j', (cell, t) => {
    expect(parseTimeCell(cell)).toBe(t);
  });
});

const CHANNELS = ['a', 'b', 'c'];
const KINDS: SampleDecodeErrorKind[] = [
  'too-large',
  'not-json',
  'not-object',
  'bad-time',
  'no-values',
  'bad-value',
  'too-many-values',
];
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

function checkTotal(payload: string | Uint8Array): void {
  const r = decodeJsonSample(payload, { channels: CHANNELS, now: 42, maxBytes: 4096 });
  if (r.ok) {
    expect(r.sample.values).toHaveLength(3);
    expect(Number.isFinite(r.sample.t)).toBe(true);
    expect(r.missing).toBe(Array.from(r.sample.values).filter(Number.isNaN).length);
  } else {
    expect(KINDS).toContain(r.error.kind);
    expect(r.error.message.length).toBeGreaterThan(0);
  }
}

describe('JSON sample decoder (fuzz)', () => {
  it('is total on arbitrary text and bytes', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), checkTotal), RUNS);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), checkTotal), RUNS);
  });

  it('is total on arbitrary JSON, including near-miss shapes', () => {
    const value = fc.oneof(
      finite,
      fc.constant(null),
      fc.string(),
      fc.boolean(),
      fc.constant(Number.MAX_VALUE),
    );
    const nearMiss = fc.record(
      {
        t: fc.oneof(finite, fc.string(), fc.constant(null)),
        values: fc.oneof(
          fc.array(value, { maxLength: 5 }),
          fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor'), value),
          value,
        ),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearMiss), (v) =>
        checkTotal(JSON.stringify(v) ?? 'undefined'),
      ),
      RUNS,
    );
  });

  it('decodes every well-formed sample exactly', () => {
    const sample = fc.record({
      t: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: undefined }),
      values: fc.array(fc.option(finite, { nil: null }), { minLength: 3, maxLength: 3 }),
      asObject: fc.boolean(),
    });
    fc.assert(
      fc.property(sample, ({ t, values, asObject }) => {
        const body = asObject ? Object.fromEntries(CHANNELS.map((c, i) => [c, values[i]])) : values;
        const r = decodeJsonSample(
          JSON.stringify(t === undefined ? { values: body } : { t, values: body }),
          {
            channels: CHANNELS,
            now: 42,
          },
        );
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.sample.t).toBe(t ?? 42);
        expect(Array.from(r.sample.values)).toEqual(
          values.map((v) => (v === null ? NaN : v === 0 ? 0 : v)),
        );
        expect(r.missing).toBe(values.filter((v) => v === null).length);
      }),
      RUNS,
    );
  });

  it.each([
    ['{"values":{"a":1}}', { ok: true, missing: 2 }],
    ['{"values":[1,2]}', { ok: true, missing: 1 }],
    ['{"values":[1,2,3,4]}', 'too-many-values'],
    ['{"values":{"a":"1"}}', 'bad-value'],
    ['{"values":[1e999]}', 'bad-value'],
    ['{"t":"now","values":[]}', 'bad-time'],
    ['{"t":1}', 'no-values'],
    ['[1,2,3]', 'not-object'],
    ['{"values":', 'not-json'],
    [`{"values":[${'1,'.repeat(3000)}1]}`, 'too-large'],
  ])('%# → %j', (payload, expected) => {
    const r = decodeJsonSample(payload, { channels: CHANNELS, now: 42, maxBytes: 4096 });
    if (typeof expected === 'string') expect(r.ok ? 'ok' : r.error.kind).toBe(expected);
    else expect(r).toMatchObject(expected);
  });
});
