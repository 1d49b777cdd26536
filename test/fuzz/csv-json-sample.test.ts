// Property-based fuzzing of the replay's CSV line parser and cell parsers (shared/csv) and of
// the JSON sample decoder of the mqtt/stdin sources (decodeJsonSample). The contract of each:
// total — every input gives a typed result, nothing throws — and round trips where they exist.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectDelimiter,
  formatCsvLine,
  parseCsvLine,
  parseNumberCell,
  parseTimeCell,
  type TimeFormat,
} from '../../shared/csv/index.ts';
import { decodeJsonSample } from '../../agent/sources/common/json-sample.ts';
import { mutated, nested } from './fuzz-helpers.ts';

const DELIMS = [',', ';', '\t', '|', ' '];
const csvChar = fc.constantFrom('a', '1', '.', '-', 'e', ' ', '"', ',', ';', '\t', '|', 'é', '\r');
const csvText = fc.array(csvChar, { maxLength: 60 }).map((cs) => cs.join(''));

describe('CSV line parser (fuzz)', () => {
  it('never throws on any line and any allowed delimiter; errors are typed (4000)', () => {
    fc.assert(
      fc.property(fc.oneof(csvText, fc.string()), fc.constantFrom(...DELIMS), (line, d) => {
        const r = parseCsvLine(line, d);
        if (r.ok) {
          expect(r.cells.length).toBeGreaterThanOrEqual(1);
        } else {
          expect(['unterminated-quote', 'text-after-quote']).toContain(r.error.kind);
          expect(r.error.cell).toBeGreaterThanOrEqual(1);
          expect(r.error.message).toMatch(/^cell \d+: /);
        }
      }),
      { numRuns: 4000 },
    );
  });

  it('formatCsvLine → parseCsvLine is the identity (2000)', () => {
    // a cell with leading spaces then a quote is ambiguous by design (spaces before a quote
    // are tolerated), so cells are generated without a leading space
    const cell = fc
      .array(fc.constantFrom('a', '1', '"', ',', ';', '\t', '|', 'x y', 'é'), { maxLength: 8 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(',', ';', '\t', '|'),
        (cells, d) => {
          expect(parseCsvLine(formatCsvLine(cells, d), d)).toEqual({ ok: true, cells });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a line without quotes splits exactly like String.split (1000)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('"')),
        fc.constantFrom(',', ';', '\t', '|'),
        (line, d) => {
          expect(parseCsvLine(line, d)).toEqual({ ok: true, cells: line.split(d) });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects bad delimiters with a RangeError only (500)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3 }), (d) => {
        const bad = d.length !== 1 || d === '"' || d === '\n' || d === '\r';
        if (bad) expect(() => parseCsvLine('a,b', d)).toThrow(RangeError);
        else expect(() => parseCsvLine('a,b', d)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('detectDelimiter always returns a candidate (500)', () => {
    fc.assert(
      fc.property(csvText, fc.option(csvText, { nil: undefined }), (h, r) => {
        expect([',', ';', '\t', '|']).toContain(detectDelimiter(h, r));
      }),
      { numRuns: 500 },
    );
  });

  it('a very long line and a line of 100,000 quotes', () => {
    const long = Array.from({ length: 50_000 }, (_, i) => String(i)).join(',');
    const r = parseCsvLine(long, ',');
    expect(r.ok && r.cells.length).toBe(50_000);
    expect(parseCsvLine('"'.repeat(100_000), ',').ok).toBe(true);
    expect(parseCsvLine('"'.repeat(100_001), ',')).toMatchObject({ ok: false });
  });
});

describe('CSV cell parsers (fuzz)', () => {
  const numberish = fc.oneof(
    fc.string(),
    fc.double().map(String),
    fc.integer().map(String),
    fc.constantFrom('Infinity', '-Infinity', 'NaN', '0x10', '1e999', ' 1 ', '1e', '.', '+.5'),
  );

  it('parseNumberCell: a number (finite or ±Infinity from an overflowing literal) or NaN (3000)', () => {
    fc.assert(
      fc.property(numberish, (cell) => {
        const v = parseNumberCell(cell);
        expect(typeof v).toBe('number');
        const t = cell.trim();
        if (/^[+-]?(Infinity|NaN)$/i.test(t) || t === '' || /^0x/i.test(t)) {
          expect(v).toBeNaN();
        }
        if (!Number.isNaN(v)) expect(v).toBe(Number(t));
      }),
      { numRuns: 3000 },
    );
  });

  // cells.ts: "Epoch ms of a time cell, or undefined" — a value whose ms overflow must not
  // become an Infinity timestamp (window_start/window_end would then fail the schema).
  it('parseTimeCell: finite epoch ms or undefined, for every format (3000)', () => {
    expect(parseTimeCell('1e306', 'epoch_s')).toBeUndefined();
    const timeish = fc.oneof(
      numberish,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc
        .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
        .map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
      fc.constantFrom('2020-13-45 25:61:61', '2020-01-01T00:00:00+99:99', '2020-01-01 00:00,5'),
    );
    const formats: TimeFormat[] = ['auto', 'iso', 'epoch_s', 'epoch_ms'];
    fc.assert(
      fc.property(timeish, fc.constantFrom(...formats), (cell, format) => {
        const t = parseTimeCell(cell, format);
        if (t !== undefined) expect(Number.isFinite(t)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseTimeCell: ISO times round-trip to the same instant (1000)', () => {
    fc.assert(
      fc.property(
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }),
        (d) => {
          expect(parseTimeCell(d.toISOString())).toBe(d.getTime());
          expect(parseTimeCell(d.toISOString(), 'iso')).toBe(d.getTime());
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('decodeJsonSample (fuzz)', () => {
  const channels = ['rpm', 'temp', 'vib'];
  const KINDS = [
    'too-large',
    'not-json',
    'not-object',
    'bad-time',
    'no-values',
    'bad-value',
    'too-many-values',
  ];
  const check = (payload: string | Uint8Array, maxBytes?: number) => {
    const r = decodeJsonSample(payload, {
      channels,
      now: 1000,
      ...(maxBytes ? { maxBytes } : {}),
    });
    if (r.ok) {
      expect(r.sample.values).toBeInstanceOf(Float64Array);
      expect(r.sample.values.length).toBe(channels.length);
      expect(Number.isFinite(r.sample.t)).toBe(true);
      const nan = [...r.sample.values].filter(Number.isNaN).length;
      expect(r.missing).toBe(nan);
    } else {
      expect(KINDS).toContain(r.error.kind);
      expect(r.error.message.length).toBeGreaterThan(0);
      // `decodeJsonSample` is total by construction (try/catch); an error from that net is
      // reported as not-json "cannot decode" — it must not be what a plain input hits
      expect(r.error.message).not.toMatch(/^cannot decode/);
    }
    return r;
  };

  it('arbitrary JSON and arbitrary bytes (2000 + 2000)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        check(JSON.stringify(v) ?? 'null');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => {
        check(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of valid samples (object and array form) (3000)', () => {
    const byName = { t: 1_700_000_000_000, values: { rpm: 1500, temp: 40.5, vib: null } };
    const byIndex = { t: 1_700_000_000_000, values: [1500, 40.5, null] };
    expect(check(JSON.stringify(byName))).toMatchObject({ ok: true, missing: 1 });
    expect(check(JSON.stringify(byIndex))).toMatchObject({ ok: true, missing: 1 });
    fc.assert(
      fc.property(fc.oneof(mutated(byName), mutated(byIndex)), (m) => {
        check(JSON.stringify(m));
      }),
      { numRuns: 3000 },
    );
  });

  it('valid samples decode to exactly their values (1000)', () => {
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null));
    fc.assert(
      fc.property(fc.tuple(value, value, value), fc.option(fc.integer()), (vs, t) => {
        const r = check(JSON.stringify({ ...(t === null ? {} : { t }), values: vs }));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.sample.t).toBe(t ?? 1000);
        // JSON has no -0: it arrives as 0
        vs.forEach((v, i) => expect(r.sample.values[i]).toBe(v === null ? NaN : v === 0 ? 0 : v));
      }),
      { numRuns: 1000 },
    );
  });

  it('overflowing numbers, prototype keys, huge and deep payloads', () => {
    expect(check('{"values":[1e999,0,0]}')).toMatchObject({ error: { kind: 'bad-value' } });
    expect(check('{"t":1e999,"values":[]}')).toMatchObject({ error: { kind: 'bad-time' } });
    expect(check('{"values":{"__proto__":1,"constructor":2,"rpm":3}}')).toMatchObject({
      ok: true,
    });
    expect(check('{"values":[1,2,3,4]}')).toMatchObject({ error: { kind: 'too-many-values' } });
    expect(check(`{"values":[${'0,'.repeat(40_000)}0]}`)).toMatchObject({
      error: { kind: 'too-large' },
    });
    for (const depth of [1000, 10_000, 30_000]) {
      check(`{"values":${nested(depth, 'array')}}`, 1 << 20);
      check(`{"values":{"rpm":${nested(depth, 'object')}}}`, 1 << 20);
      check(`{"t":${nested(depth, 'array')},"values":[]}`, 1 << 20);
    }
  });
});
