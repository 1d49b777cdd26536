// Property-based fuzzing of the untrusted-payload decoders (decodeMetrics, decodeStatus):
// arbitrary JSON, arbitrary bytes, mutations of a valid message at every depth, huge and
// deeply nested payloads. The contract: never throws; every rejection is a typed DecodeError
// with a known kind and a one-line message; an `invalid` rejection names the path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMetrics,
  decodeStatus,
  type Decoded,
  type DecodeOptions,
} from '../../shared/schema/index.ts';
import { validMetrics, validStatus } from '../shared/schema/fixtures.ts';
import {
  getAt,
  leafPaths,
  mutated,
  nested,
  otherTypeValue,
  pathFormat,
  setAt,
} from './fuzz-helpers.ts';

const KINDS = ['too-large', 'not-json', 'wrong-schema', 'wrong-version', 'invalid'];
type Decoder = (p: Uint8Array | string, o?: DecodeOptions) => Decoded<unknown>;

/** Calls the decoder and checks the result's shape; returns it for further checks. */
function decodeChecked(decode: Decoder, payload: Uint8Array | string, o?: DecodeOptions) {
  let r: Decoded<unknown>;
  try {
    r = decode(payload, o);
  } catch (e) {
    const head = (typeof payload === 'string' ? payload : Buffer.from(payload).toString())
      .slice(0, 80)
      .replace(/\n/g, '\\n');
    throw new Error(`decoder threw ${(e as Error).name}: ${(e as Error).message} on ${head}…`);
  }
  if (r.ok) {
    // what was accepted re-encodes and decodes to the same value
    const again = decode(JSON.stringify(r.value), { maxBytes: Infinity });
    expect(again).toEqual({ ok: true, value: r.value });
    return r;
  }
  expect(KINDS).toContain(r.error.kind);
  expect(typeof r.error.message).toBe('string');
  expect(r.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(r.error.issues)).toBe(true);
  for (const i of r.error.issues) {
    expect(typeof i.path).toBe('string');
    expect(typeof i.message).toBe('string');
  }
  if (r.error.kind === 'invalid' && r.error.issues.length > 0) {
    expect(r.error.message.startsWith(`${r.error.issues[0]!.path}: `)).toBe(true);
  }
  return r;
}

const targets = [
  { name: 'metrics', decode: decodeMetrics as Decoder, valid: validMetrics },
  { name: 'status', decode: decodeStatus as Decoder, valid: validStatus },
] as const;

describe.each(targets)('decode $name (fuzz)', ({ name, decode, valid }) => {
  const base = valid() as unknown as Record<string, unknown>;

  it('the valid fixture decodes', () => {
    expect(decode(JSON.stringify(base))).toEqual({ ok: true, value: base });
  });

  it('arbitrary JSON values and arbitrary JSON objects with the right header (3000 + 2000)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        decodeChecked(decode, JSON.stringify(v) ?? 'null');
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (extra) => {
        const msg = { ...extra, schema: base.schema, version: base.version };
        const r = decodeChecked(decode, JSON.stringify(msg));
        if (!r.ok) expect(r.error.kind).toBe('invalid');
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes and strings (2000 + 1000)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodeChecked(decode, bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 256 }), (s) => {
        decodeChecked(decode, s);
      }),
      { numRuns: 1000 },
    );
  });

  it('mutations of the valid message at every depth (4000)', () => {
    fc.assert(
      fc.property(mutated(base), (m) => {
        decodeChecked(decode, JSON.stringify(m));
      }),
      { numRuns: 4000 },
    );
  });

  it('a leaf of the wrong type is rejected naming its path (2000)', () => {
    // null leaves are nullable fields, where another type may well be valid
    const leaves = leafPaths(base).filter(
      (p) => p[0] !== 'schema' && p[0] !== 'version' && getAt(base, p) !== null,
    );
    const arb = fc
      .constantFrom(...leaves)
      .chain((p) => otherTypeValue(getAt(base, p)).map((v) => ({ p, v })));
    fc.assert(
      fc.property(arb, ({ p, v }) => {
        const r = decodeChecked(decode, JSON.stringify(setAt(base, p, v)));
        expect(r.ok, `${pathFormat(p)} = ${JSON.stringify(v)}`).toBe(false);
        if (r.ok) return;
        expect(r.error.kind).toBe('invalid');
        const where = pathFormat(p);
        const parent = pathFormat(p.slice(0, -1));
        // the issue names the leaf, or for a union/record the object holding it
        expect(
          r.error.issues.some(
            (i) => i.path === where || i.path === parent || i.path.startsWith(`${where}.`),
          ),
          `${where}: ${JSON.stringify(r.error.issues)}`,
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  // decode.ts documents DecodeError.message as "one line"; the collector logs it per rejection.
  it('every rejection message is one line, whatever bytes came in (2000)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, asString) => {
        const payload = asString ? Buffer.from(bytes).toString('latin1') : bytes;
        const r = decodeChecked(decode, payload);
        if (!r.ok) expect(r.error.message, JSON.stringify(r.error.message)).not.toMatch(/[\n\r]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('payloads over the size limit are too-large whatever they hold (1000)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 4096 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
        (limit, chunk) => {
          let payload = chunk;
          while (Buffer.byteLength(payload) <= limit) payload += chunk;
          const r = decodeChecked(decode, payload, { maxBytes: limit });
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.kind).toBe('too-large');
          const bytes = decodeChecked(decode, Buffer.from(payload), { maxBytes: limit });
          if (!bytes.ok) expect(bytes.error.kind).toBe('too-large');
        },
      ),
      { numRuns: 1000 },
    );
    // the default limit (64 KiB): a valid message padded past it
    const big = JSON.stringify({ ...base, agent_version: 'x'.repeat(70_000) });
    expect(decode(big)).toMatchObject({ ok: false, error: { kind: 'too-large' } });
  });

  it('huge payloads inside the limit (wide arrays, many keys, long strings)', () => {
    const wide = JSON.stringify({ ...base, extra: Array.from({ length: 20_000 }, () => 0) });
    const keys = JSON.stringify(
      Object.fromEntries([...Object.entries(base), ...range(5000).map((i) => [`k${i}`, i])]),
    );
    const long = JSON.stringify({ ...base, device: 'd'.repeat(60_000) });
    for (const p of [wide, keys, long]) {
      const r = decodeChecked(decode, p, { maxBytes: 1 << 20 });
      expect(r.ok).toBe(false);
    }
  });

  // Deep nesting stays under the 64 KiB limit (2 bytes a level), so the decoder must cope
  // with it: a JSON nesting of ~10,000 levels is ~20 KB, well within what a broker forwards.
  it('deeply nested values in any field never throw (300 + fixed depths)', () => {
    const fields = ['schema', 'version', 'fleet', 'extra', ...Object.keys(base)];
    const check = (field: string, depth: number, kind: 'array' | 'object') => {
      const text = JSON.stringify({ ...base, [field]: '@@' }).replace('"@@"', nested(depth, kind));
      decodeChecked(decode, text, { maxBytes: 1 << 20 });
      decodeChecked(decode, nested(depth, kind), { maxBytes: 1 << 20 });
    };
    for (const depth of [1000, 5000, 10_000, 30_000])
      for (const field of ['schema', 'version', 'device'])
        for (const kind of ['array', 'object'] as const) check(field, depth, kind);
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('array' as const, 'object' as const),
        (field, depth, kind) => check(field, depth, kind),
      ),
      { numRuns: 300 },
    );
  });

  it(`${name}: the wrong header gives wrong-schema / wrong-version (1000)`, () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.boolean(), (v, onSchema) => {
        const msg = onSchema ? { ...base, schema: v } : { ...base, version: v };
        const r = decodeChecked(decode, JSON.stringify(msg));
        if (onSchema && v !== base.schema)
          expect(r).toMatchObject({ error: { kind: 'wrong-schema' } });
        if (!onSchema && v !== base.version)
          expect(r).toMatchObject({ error: { kind: 'wrong-version' } });
      }),
      { numRuns: 1000 },
    );
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
