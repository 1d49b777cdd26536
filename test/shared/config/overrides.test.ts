import { describe, expect, it } from 'vitest';
import { mappingAt, setIn } from '../../../shared/config/overrides.ts';

describe('command-line settings over a config', () => {
  it.each([
    [{}, ['fleet'], 'f1', { fleet: 'f1' }],
    [{}, ['http', 'port'], 9090, { http: { port: 9090 } }],
    [{ http: { host: 'h', port: 1 } }, ['http', 'port'], 2, { http: { host: 'h', port: 2 } }],
    [{ mqtt: null }, ['mqtt', 'url'], 'mqtt://b', { mqtt: { url: 'mqtt://b' } }],
    [{ mqtt: 'oops' }, ['mqtt', 'url'], 'mqtt://b', { mqtt: { url: 'mqtt://b' } }],
    [{ a: [1] }, ['a', 'b', 'c'], true, { a: { b: { c: true } } }],
  ])('setIn(%j, %j, %j) → %j', (raw, path, value, expected) => {
    const copy = structuredClone(raw) as Record<string, unknown>;
    setIn(copy, path, value);
    expect(copy).toEqual(expected);
  });

  it('mappingAt returns the mapping in place, creating it when absent', () => {
    const raw: Record<string, unknown> = { source: { kind: 'csv' } };
    expect(mappingAt(raw, ['source'])).toBe(raw.source);
    mappingAt(raw, ['publish']).sink = 'stdout';
    expect(raw).toEqual({ source: { kind: 'csv' }, publish: { sink: 'stdout' } });
  });
});
