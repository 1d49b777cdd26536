// The lifecycle every registered component must honour, run over the registries themselves
// (a new source or sink is covered the moment it is registered; its input below is required
// by the type and checked at run time). Sources: subscribe → consume → unsubscribe →
// unsubscribe again, and pull() → next → return → return again; sinks: create → start →
// publish → stop → stop again. After the stop nothing may still run: no handle or timer the
// component opened is left, and its counters do not move. Real inputs: a temp CSV file, a
// stdin stream, the simulator, an Aedes broker.
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { Observable, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  sinkFactories,
  sinkKinds,
  type SinkDeps,
  type SinkFactory,
  type SinkKind,
} from '../../agent/sinks/registry.ts';
import {
  sourceFactories,
  sourceKinds,
  type SourceDeps,
  type SourceFactory,
  type SourceKind,
} from '../../agent/sources/registry.ts';
import type { Sample } from '../../agent/sources/types.ts';
import { exampleMetrics } from '../../shared/schema/metrics-example.ts';
import type { StatusMessage } from '../../shared/schema/status.ts';
import { aedesBroker, subscriber, tmpDir, waitFor } from './harness.ts';

const silent = pino({ level: 'silent' });
let broker: Awaited<ReturnType<typeof aedesBroker>>;
beforeAll(async () => {
  broker = await aedesBroker();
  await broker.start();
});
afterAll(() => broker.close());

// ---- the checks -------------------------------------------------------------------------

/** Code of the components under test: a resource is theirs when one of its frames is here. */
const OWN_CODE = /\/agent\/(sources|sinks)\/[^\s)]+/;

/**
 * Every handle, request and timer a component's code opens from now on (async_hooks: init
 * with the creating stack, destroy when closed, cleared or run). Counting
 * process.getActiveResourcesInfo() by type instead would let one leaked timer hide behind
 * another one (the broker's, the subscriber's) that ended meanwhile. Promises are left out:
 * they have no handle to leak and are destroyed only when collected.
 */
function trackResources(ownCode: RegExp): { open(): string[]; stop(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type === 'PROMISE') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 80;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const own = ownCode.exec(stack);
      if (own) live.set(id, `${type} opened at ${own[0]}`);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return { open: () => [...live.values()], stop: () => void hook.disable() };
}

/**
 * Fails when what the component opened is not all gone within 2 s: sockets close and destroy
 * hooks run asynchronously, so this polls the real I/O.
 */
async function expectNoLeaks(
  tracked: ReturnType<typeof trackResources>,
  what: string,
): Promise<void> {
  const end = Date.now() + 2000;
  while (tracked.open().length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(tracked.open(), `${what} left these open`).toEqual([]);
}

const SAMPLES = 5;

/** subscribe → consume → unsubscribe → unsubscribe again; then pull() when it has one. */
async function checkSourceLifecycle(
  factory: SourceFactory,
  config: Record<string, unknown>,
  deps: SourceDeps,
  ownCode = OWN_CODE,
): Promise<void> {
  const tracked = trackResources(ownCode);
  try {
    await sourceLifecycle(factory, config, deps, tracked);
  } finally {
    tracked.stop();
  }
}

async function sourceLifecycle(
  factory: SourceFactory,
  config: Record<string, unknown>,
  deps: SourceDeps,
  tracked: ReturnType<typeof trackResources>,
): Promise<void> {
  const source = factory.create(config, deps);
  // the kind is the registry's to stamp from factory.type: one the plugin set could disagree
  expect(source).not.toHaveProperty('kind');
  const got: Sample[] = [];
  const errors: unknown[] = [];
  const sub: Subscription = source.samples().subscribe({
    next: (s) => got.push(s),
    error: (e: unknown) => errors.push(e),
  });
  await waitFor(() => got.length >= SAMPLES || errors.length > 0, `${SAMPLES} samples`);
  expect(errors).toEqual([]);
  expect(got[0]!.values).toHaveLength(source.channels.length);
  sub.unsubscribe();
  sub.unsubscribe();
  const counted = source.stats().samples;
  await expectNoLeaks(tracked, `source ${factory.type} after unsubscribe`);
  expect(source.stats().samples, 'samples counted after unsubscribe').toBe(counted);

  if (!source.pull) return;
  const iter = source.pull();
  const first = await iter.next();
  expect(first.done).toBe(false);
  await iter.return?.();
  await iter.return?.();
  await expectNoLeaks(tracked, `source ${factory.type} after pull().return()`);
}

interface SinkOutput {
  online: number;
  metrics: number;
  offline: number;
}

const status = (state: 'online' | 'offline') =>
  ({ schema: 'redband.status', fleet: 'f', device: 'd', boot: 'b', state }) as StatusMessage;
const metrics = exampleMetrics({ fleet: 'f', device: 'd', boot: 'b' });

/** create → start → publish → stop → stop again; `output` reads what reached the far side. */
async function checkSinkLifecycle(
  factory: SinkFactory,
  sections: Record<string, unknown>,
  deps: SinkDeps,
  output: () => SinkOutput,
  ownCode = OWN_CODE,
): Promise<void> {
  const tracked = trackResources(ownCode);
  try {
    await sinkLifecycle(factory, sections, deps, output, tracked);
  } finally {
    tracked.stop();
  }
}

async function sinkLifecycle(
  factory: SinkFactory,
  sections: Record<string, unknown>,
  deps: SinkDeps,
  output: () => SinkOutput,
  tracked: ReturnType<typeof trackResources>,
): Promise<void> {
  const config = factory.configSchema.parse(sections) as Record<string, unknown>;
  const sink = factory.create({ ...config, fleet: 'f', device: 'd' }, deps);
  // the kind is the registry's to stamp from factory.type: one the plugin set could disagree
  expect(sink).not.toHaveProperty('kind');
  await sink.start(status('online'));
  sink.publishMetrics(metrics);
  await waitFor(() => output().metrics === 1 && output().online === 1, 'online and the metrics');
  await sink.stop(status('offline'));
  await sink.stop(status('offline'));
  expect(sink.stats().outboxDepth).toBe(0);
  await expectNoLeaks(tracked, `sink ${factory.type} after stop`);
  expect(output()).toEqual({ online: 1, metrics: 1, offline: 1 });
}

// ---- the inputs of each registered component ----------------------------------------------

interface Fixture<C> {
  cases: C[];
  /** after the checks: what the fixture itself opened */
  close?(): Promise<void>;
}
interface SourceCase {
  name: string;
  config: Record<string, unknown>;
  deps?: SourceDeps;
}
interface SinkCase {
  sections: Record<string, unknown>;
  deps: SinkDeps;
  output(): SinkOutput;
}

function countStates(payloads: readonly string[]): SinkOutput {
  const out = { online: 0, metrics: 0, offline: 0 };
  for (const p of payloads) {
    const m = JSON.parse(p) as { schema: string; state?: 'online' | 'offline' };
    if (m.schema === 'redband.metrics') out.metrics++;
    else if (m.state) out[m.state]++;
  }
  return out;
}

/** A publisher of JSON samples on `topic`, every 10 ms, until closed. */
async function samplePublisher(url: string, topic: string): Promise<() => Promise<void>> {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: 'lifecycle-sensor' });
  const every = setInterval(() => void client.publish(topic, '{"values":[1,2]}'), 10);
  return async () => {
    clearInterval(every);
    await client.endAsync(true);
  };
}

const sourceInputs: { [K in SourceKind]: () => Promise<Fixture<SourceCase>> } = {
  async sim() {
    const sim = { channels: 2, factors: 1, rate_hz: 50, start_ms: 0 };
    return {
      cases: [
        { name: 'paced', config: { ...sim, speed: 20, chunk_ms: 10 } },
        { name: 'max', config: { ...sim, speed: 'max', duration_s: 60 } },
      ],
    };
  },
  async csv() {
    const path = join(tmpDir(), 'run.csv');
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},${i % 7}`);
    writeFileSync(path, ['a,b', ...rows, ''].join('\n'));
    const csv = { path, time_column: false, rate_hz: 50, start_ms: 0 };
    return {
      cases: [
        { name: 'paced', config: { ...csv, speed: 20, chunk_ms: 10 } },
        { name: 'max', config: { ...csv, speed: 'max' } },
      ],
    };
  },
  async mqtt() {
    const topic = 'plant/line1/vib';
    const stop = await samplePublisher(broker.url, topic);
    return {
      cases: [{ name: 'broker', config: { url: broker.url, topic, channels: ['x', 'y'] } }],
      close: stop,
    };
  },
  async stdin() {
    const stream = new PassThrough();
    for (let i = 0; i < 20; i++) stream.write(`{"t":${i},"values":[${i},1]}\n`);
    return {
      cases: [{ name: 'stream', config: { channels: ['x', 'y'] }, deps: { stdin: stream } }],
      close: async () => void stream.end(),
    };
  },
};

const sinkInputs: { [K in SinkKind]: () => Promise<Fixture<SinkCase>> } = {
  async stdout() {
    const lines: string[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    return {
      cases: [{ sections: {}, deps: { log: silent, stdout }, output: () => countStates(lines) }],
    };
  },
  async mqtt() {
    const sub = await subscriber(broker.url, 'redband/v1/f/d/+', 'lifecycle-watch');
    return {
      cases: [
        {
          sections: { mqtt: { url: broker.url }, outbox: { dir: tmpDir() } },
          deps: { log: silent },
          // the broker hands a new subscriber the retained status first: count what it was sent
          output: () => countStates(sub.messages.filter((m) => !m.dup).map((m) => m.payload)),
        },
      ],
      close: sub.close,
    };
  },
};

// ---- over every registered component -----------------------------------------------------

describe.each(sourceKinds)('source %s: the lifecycle', (kind) => {
  it('subscribe → consume → unsubscribe (twice); pull → return (twice); nothing left running', async () => {
    const input = sourceInputs[kind];
    expect(input, `a lifecycle input for source ${kind}`).toBeDefined();
    const fixture = await input();
    try {
      for (const c of fixture.cases) {
        await checkSourceLifecycle(sourceFactories[kind], c.config, c.deps ?? {});
      }
    } finally {
      await fixture.close?.();
    }
  });
});

describe.each(sinkKinds)('sink %s: the lifecycle', (kind) => {
  it('create → start → publish → stop → stop again; nothing left running', async () => {
    const input = sinkInputs[kind];
    expect(input, `a lifecycle input for sink ${kind}`).toBeDefined();
    const fixture = await input();
    try {
      for (const c of fixture.cases) {
        await checkSinkLifecycle(sinkFactories[kind], c.sections, c.deps, c.output);
      }
    } finally {
      await fixture.close?.();
    }
  });
});

// ---- the checks fail on a component that breaks the lifecycle ------------------------------

describe('the lifecycle checks', () => {
  // Resources are attributed by a frame of the code that opened them: here, these functions.
  const LEAKY = /leaky[A-Z]\w*/;
  // what the broken source leaves behind, cleared once the check has seen it
  const leftRunning: NodeJS.Timeout[] = [];
  afterAll(() => leftRunning.forEach(clearInterval));
  const stream = (): Sample => ({ t: 0, values: new Float64Array([1]) });
  const leakySource = (forgetTimer: boolean): SourceFactory => ({
    type: 'leaky',
    configSchema: z.strictObject({}),
    create: () => ({
      channels: ['x'],
      labels: () => [],
      stats: () => ({ samples: 0, malformed: 0, missing: 0, malformed_by_cause: {} }),
      samples: () =>
        new Observable<Sample>(function leakySubscribe(subscriber) {
          const every = setInterval(() => subscriber.next(stream()), 5);
          return () => {
            if (forgetTimer) leftRunning.push(every);
            else clearInterval(every);
          };
        }),
    }),
  });
  const sinkCheck = (offlineEveryStop: boolean): Promise<void> => {
    const out = { online: 0, metrics: 0, offline: 0 };
    const leakySink: SinkFactory = {
      type: 'leaky',
      configSchema: z.strictObject({}),
      create: () => {
        let stopped: Promise<void> | null = null;
        const announce = async (): Promise<void> => void out.offline++;
        return {
          start: async () => void out.online++,
          publishMetrics: () => void out.metrics++,
          stats: () => ({ outboxDepth: 0, outboxDropped: 0 }),
          stop: () => (offlineEveryStop ? announce() : (stopped ??= announce())),
        };
      },
    };
    return checkSinkLifecycle(leakySink, {}, { log: silent }, () => ({ ...out }), LEAKY);
  };

  it.each([
    [
      'a source that clears its timer',
      () => checkSourceLifecycle(leakySource(false), {}, {}, LEAKY),
      true,
    ],
    [
      'a source that leaves its timer running',
      () => checkSourceLifecycle(leakySource(true), {}, {}, LEAKY),
      false,
    ],
    ['a sink whose second stop does nothing', () => sinkCheck(false), true],
    ['a sink that announces offline on every stop', () => sinkCheck(true), false],
  ] as const)('%s', async (_name, check, passes) => {
    if (passes) await check();
    else await expect(check()).rejects.toThrow();
  });
});
