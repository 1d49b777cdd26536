import { describe, expect, it } from 'vitest';
import { parseJsonObject } from '../../../shared/schema/decode.ts';
import { decodeMetrics, decodeStatus } from '../../../shared/schema/index.ts';
import { validMetrics, validStatus } from './fixtures.ts';

type Mutate = (m: Record<string, unknown>) => void;

describe('decodeMetrics', () => {
  it('accepts a valid message and returns it unchanged', () => {
    const msg = validMetrics();
    const decoded = decodeMetrics(JSON.stringify(msg));
    expect(decoded).toEqual({ ok: true, value: msg });
  });

  it('accepts a Uint8Array payload', () => {
    const decoded = decodeMetrics(Buffer.from(JSON.stringify(validMetrics())));
    expect(decoded.ok).toBe(true);
  });

  const rejections: [string, Mutate, string, RegExp][] = [
    [
      'wrong schema name',
      (m) => (m.schema = 'redband.status'),
      'wrong-schema',
      /expected "redband.metrics"/,
    ],
    ['missing schema name', (m) => delete m.schema, 'wrong-schema', /schema is undefined/],
    ['future version', (m) => (m.version = 2), 'wrong-version', /version 2 is not supported/],
    ['negative seq', (m) => (m.seq = -1), 'invalid', /^seq:/],
    ['fractional seq', (m) => (m.seq = 1.5), 'invalid', /^seq:/],
    ['device with a slash', (m) => (m.device = 'a/b'), 'invalid', /^device:/],
    ['wildcard fleet', (m) => (m.fleet = '+'), 'invalid', /^fleet:/],
    ['unknown top-level key', (m) => (m.extra = 1), 'invalid', /extra/],
    [
      'band with low > high',
      (m) => (m.band = { measure: 'tc', low: 2, center: 1, high: 0 }),
      'invalid',
      /^band: band must satisfy/,
    ],
    [
      'band on an unknown measure',
      (m) => (m.band = { measure: 'nope', low: 0, center: 1, high: 2 }),
      'invalid',
      /^band.measure:/,
    ],
    [
      'string where a number belongs',
      (m) => ((m.measures as { tc: unknown }).tc = '0.5'),
      'invalid',
      /^measures.tc:/,
    ],
    [
      'unknown backend',
      (m) => ((m.health as { backend: unknown }).backend = 'gpu'),
      'invalid',
      /^health.backend:/,
    ],
    ['negative drift', (m) => (m.drift = -0.1), 'invalid', /^drift:/],
  ];
  it.each(rejections)('rejects %s', (_name, mutate, kind, message) => {
    const msg = validMetrics() as unknown as Record<string, unknown>;
    mutate(msg);
    const decoded = decodeMetrics(JSON.stringify(msg));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.kind).toBe(kind);
    expect(decoded.error.message).toMatch(message);
  });

  it('rejects NaN smuggled as a bare token (not JSON)', () => {
    const text = JSON.stringify(validMetrics()).replace('"drift":0.01', '"drift":NaN');
    const decoded = decodeMetrics(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.kind).toBe('not-json');
  });

  it('rejects an oversized payload before parsing it', () => {
    const decoded = decodeMetrics('{' + ' '.repeat(2000) + '}', { maxBytes: 1000 });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.kind).toBe('too-large');
      expect(decoded.error.message).toMatch(/2002 bytes exceeds the limit of 1000/);
    }
  });

  it.each([['[]'], ['null'], ['42'], ['"text"']])('rejects the non-object %s', (text) => {
    const decoded = decodeMetrics(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.kind).toBe('invalid');
  });

  it('reports every issue, not only the first', () => {
    const msg = validMetrics() as unknown as Record<string, unknown>;
    msg.seq = -1;
    msg.windows = -1;
    const decoded = decodeMetrics(JSON.stringify(msg));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.issues.map((i) => i.path).sort()).toEqual(['seq', 'windows']);
    expect(decoded.error.message).toMatch(/and 1 more/);
  });
});

describe('decodeStatus', () => {
  it('accepts online and offline', () => {
    for (const state of ['online', 'offline'] as const) {
      const decoded = decodeStatus(JSON.stringify({ ...validStatus(), state }));
      expect(decoded.ok).toBe(true);
    }
  });

  it('rejects a malformed model digest', () => {
    const decoded = decodeStatus(
      JSON.stringify({ ...validStatus(), model: { name: 'm', sha256: 'xyz' } }),
    );
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.message).toMatch(/^model.sha256:/);
  });
});

describe('parseJsonObject', () => {
  it.each([
    { name: 'an object', payload: '{"a":1}', max: 100, kind: null, message: null },
    { name: 'no limit', payload: '{"a":"é"}', max: Infinity, kind: null, message: null },
    {
      name: 'bytes, not characters, against the limit',
      payload: '{"a":"éé"}',
      max: 11,
      kind: 'too-large',
      message: /payload of 12 bytes exceeds the limit of 11 bytes/,
    },
    {
      name: 'broken JSON, the parser error on one line',
      payload: '{"a":\n',
      max: 100,
      kind: 'not-json',
      message: /^not valid JSON: [^\n]+$/,
    },
    { name: 'an array', payload: '[1]', max: 100, kind: 'not-object', message: /JSON object/ },
    { name: 'a scalar', payload: '3', max: 100, kind: 'not-object', message: /JSON object/ },
    { name: 'null', payload: 'null', max: 100, kind: 'not-object', message: /JSON object/ },
  ])('$name', ({ payload, max, kind, message }) => {
    for (const p of [payload, Buffer.from(payload)]) {
      const r = parseJsonObject(p, max);
      if (kind === null) expect(r).toEqual({ ok: true, data: JSON.parse(payload) });
      else {
        expect(r).toMatchObject({ ok: false, kind });
        if (!r.ok) expect(r.message).toMatch(message!);
      }
    }
  });
});
