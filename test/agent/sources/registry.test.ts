import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  createSource,
  sourceConfigSchema,
  sourceFactories,
  sourceKinds,
} from '../../../agent/sources/registry.ts';
import { isUserError } from '../../../shared/errors.ts';
import { skabLikeFile } from '../../support/skab-like.ts';

describe('source registry', () => {
  it('lists every plugin with its schema and factory', () => {
    expect(sourceKinds).toEqual(['sim', 'csv', 'mqtt', 'stdin']);
    for (const kind of sourceKinds) {
      expect(typeof sourceFactories[kind].create).toBe('function');
      expect(typeof sourceFactories[kind].configSchema.safeParse).toBe('function');
    }
  });

  it.each([
    [{ kind: 'sim' }, true],
    [{ kind: 'sim', channels: 4, factors: 2, speed: 'max' }, true],
    [{ kind: 'csv', path: skabLikeFile('valve1/0.csv'), speed: 20, loop: true }, true],
    [{ kind: 'mqtt', topic: 'plant/+/vib', channels: ['x', 'y'] }, true],
    [{ kind: 'stdin', channels: ['x'] }, true],
    [{ kind: 'kafka' }, false],
    [{ kind: 'sim', path: 'x.csv' }, false], // another kind's key
    [{ kind: 'sim', channels: 2, factors: 3 }, false], // cross-field check survives the union
    [{ kind: 'csv' }, false],
    [{ kind: 'mqtt', topic: 't', channels: ['x'], url: 'http://broker' }, false],
  ])('validates %j → %s', (config, ok) => {
    expect(sourceConfigSchema.safeParse(config).success).toBe(ok);
  });

  it('fills in defaults', () => {
    expect(sourceConfigSchema.parse({ kind: 'sim' })).toMatchObject({
      kind: 'sim',
      factors: 2,
      rate_hz: 50,
      speed: 'realtime',
      chunk_ms: 100,
      faults: [],
    });
    expect(sourceConfigSchema.parse({ kind: 'mqtt', topic: 't', channels: ['a'] })).toMatchObject({
      url: 'mqtt://localhost:1883',
      qos: 0,
    });
  });

  it('builds a working source from a parsed config', async () => {
    const config = sourceConfigSchema.parse({
      kind: 'sim',
      speed: 'max',
      duration_s: 1,
      start_ms: 0,
    });
    const src = createSource(config);
    expect(src.kind).toBe('sim');
    expect(src.channels).toEqual(['ch0', 'ch1', 'ch2', 'ch3', 'ch4', 'ch5']);
    expect(await firstValueFrom(src.samples().pipe(toArray()))).toHaveLength(50);
    expect(src.stats().samples).toBe(50);
    const csv = createSource({ kind: 'csv', path: skabLikeFile('valve1/0.csv') });
    expect(csv.channels).toHaveLength(8);
  });

  it('rejects an unknown kind from untyped callers with a UserError', () => {
    let error: unknown;
    try {
      createSource({ kind: 'kafka' } as never);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
  });
});
