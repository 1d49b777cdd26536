// Fault 4: a network partition between an agent and the broker, longer than the outbox's age
// limit. The agent runs in a network namespace of its own, joined to the host (broker and
// collector) by a veth pair; the test takes the link down for 5 s with outbox.max_age_s = 2.
// The drop-oldest policy applies to what waited too long, the drops are counted exactly
// (published count + dropped = produced, and the health counter in the metrics says the
// same as the log), the agent stays up, resumes when the link returns, and ends normally.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeMetrics, type MetricsMessage } from '../../shared/schema/index.ts';
import {
  freePort,
  groundTruth,
  killLeftovers,
  logLines,
  makeNetns,
  mustRun,
  persistentMosquitto,
  readHistory,
  SKAB_LIKE_VALVE1,
  sleep,
  startAgent,
  startCollector,
  tmpDir,
  waitFor,
  writeAgentConfig,
  writeCollectorConfig,
} from './harness.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  await killLeftovers();
  for (const c of cleanups.reverse()) await c();
});

describe('network partition longer than outbox.max_age_s', () => {
  it('drops the oldest, counts exactly what it dropped, stays up and resumes', async () => {
    const net = makeNetns('part');
    cleanups.push(() => net.destroy());
    const dir = tmpDir('redband-rel-partition-');
    const nsPort = await freePort();
    const broker = await persistentMosquitto([`listener ${nsPort} ${net.hostIp}`]);
    await broker.start();
    cleanups.push(() => broker.kill('SIGTERM'));
    const db = join(dir, 'collector.db');
    const collector = await startCollector(broker.url, db, writeCollectorConfig(dir));

    const wire: MetricsMessage[] = [];
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanups.push(() => sub.endAsync());
    sub.on('message', (_t, p) => {
      const d = decodeMetrics(p);
      if (d.ok) wire.push(d.value);
    });
    await sub.subscribeAsync('redband/v1/rel/edge/metrics', { qos: 1 });

    const config = writeAgentConfig({
      dir,
      device: 'edge',
      url: `mqtt://${net.hostIp}:${nsPort}`,
      csv: SKAB_LIKE_VALVE1,
      speed: 100, // ~19 s of replay at ~12 snapshots/s
      outbox: { max_age_s: 2 },
    });
    const truth = await groundTruth(config);
    const agent = startAgent(config, 'agent-in-ns', net.ns);
    await waitFor(
      () => (mustRun(agent, collector.proc), wire.length >= 10),
      'the agent publishing across the veth link',
      60_000,
      100,
    );

    net.down();
    const beforePartition = wire.length;
    // the partition's length, not a wait for a timer: the real agent must ride out 5 s of it
    await sleep(5000);
    net.up();
    expect(agent.running, 'the agent stays up through the partition').toBe(true);
    await waitFor(
      () => wire.length > beforePartition + 5,
      'messages after the link returned',
      30_000,
    );

    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const last = await waitFor(
      () => wire.find((m) => m.seq === truth - 1),
      'the last snapshot',
      30_000,
    );
    // negative wait on real processes: a duplicate still crossing the link would land now
    await sleep(1000);

    // In order, each once, at the collector and on the wire alike.
    const accepted = readHistory(db).filter((r) => r.device === 'edge');
    const seqs = accepted.map((r) => r.seq);
    expect(new Set(accepted.map((r) => r.boot)).size).toBe(1);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(wire.map((m) => m.seq)).toEqual(seqs);

    // Exact accounting: what was not delivered is what the outbox says it dropped.
    const dropped = truth - seqs.length;
    expect(dropped, 'the partition outlived max_age_s: something was dropped').toBeGreaterThan(0);
    expect(last.health.outbox_dropped).toBe(dropped);
    const logs = logLines(agent);
    const dropLog = logs.find((l) => l.msg?.startsWith('outbox: dropped the oldest'));
    expect(dropLog?.dropped).toBeGreaterThan(0);
    expect(logs.find((l) => l.msg === 'mqtt sink stopped')).toMatchObject({ dropped, depth: 0 });
    // what was dropped is the oldest of the backlog: everything after the heal got through
    const lastGap = seqs.findLastIndex((s, i) => i > 0 && s !== seqs[i - 1]! + 1);
    expect(seqs.slice(lastGap).at(-1)).toBe(truth - 1);

    await collector.proc.kill('SIGTERM');
  }, 120_000);
});
