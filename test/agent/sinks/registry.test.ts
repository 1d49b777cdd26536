import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../../agent/config/schema.ts';
import { createSink, sinkFactories, sinkKinds } from '../../../agent/sinks/registry.ts';
import { isUserError } from '../../../shared/errors.ts';

const log = pino({ level: 'silent' });
const parse = (sink: string) =>
  agentConfigSchema.parse({
    source: { kind: 'sim' },
    model: { path: 'm.onnx' },
    publish: { sink },
  });

describe('sink registry', () => {
  it('lists every plugin once, keyed by its type, and the config offers exactly those', () => {
    expect(sinkKinds).toEqual(['mqtt', 'stdout']);
    for (const kind of sinkKinds) expect(sinkFactories[kind].type).toBe(kind);
    expect(
      agentConfigSchema.safeParse({ ...parse('stdout'), publish: { sink: 'kafka' } }).success,
    ).toBe(false);
  });

  it('the agent config holds every sink’s sections, with their defaults', () => {
    const c = parse('stdout');
    expect(c.mqtt.url).toBe('mqtt://localhost:1883');
    expect(c.outbox.max_messages).toBe(10_000);
  });

  it('builds the configured sink, handing it its own sections', async () => {
    const out = new PassThrough();
    const sink = createSink(parse('stdout'), 'd', { log, stdout: out });
    expect(sink.kind).toBe('stdout');
    await sink.stop({ state: 'offline' } as never);
    expect(String(out.read())).toContain('"offline"');
  });

  it('rejects an unknown sink from untyped callers with a UserError', () => {
    let error: unknown;
    try {
      createSink({ ...parse('stdout'), publish: { sink: 'kafka' } } as never, 'd', { log });
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
  });
});
