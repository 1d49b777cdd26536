// The soak script's own code path, short: real mosquitto, collector and three agents at five
// times real speed (rules run on data time, so the warm-up and the faults take a fifth of the
// wall time), so that its accounting cannot rot between the rare long runs.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../scripts/soak/soak.ts';
import { DEFAULT_KINDS, planSoak } from '../../scripts/soak/schedule.ts';

const hasMosquitto = spawnSync('which', ['mosquitto']).status === 0;
const OPTIONS = { agents: 3, minutes: 0.6, seed: 1, speed: 5, kinds: DEFAULT_KINDS };

describe.runIf(hasMosquitto)('the soak script with a handful of agents', () => {
  it('accounts for every message and matches each judged fault with its alert', async () => {
    // Seed 1 gives dropout, collapse and stuck: three faults, two different rules.
    const plan = planSoak({ ...OPTIONS, dataSeconds: OPTIONS.minutes * 60 * OPTIONS.speed });
    expect(plan.map((d) => d.faults.map((f) => f.kind))).toEqual([
      ['dropout'],
      ['collapse'],
      ['stuck'],
    ]);

    const progress: string[] = [];
    const r = await runSoak({
      ...OPTIONS,
      staggerMs: 300,
      runner: 'bundle',
      progressS: 10,
      keep: false,
      onProgress: (l) => progress.push(l),
    });
    const summary = JSON.stringify({
      messages: r.messages,
      alerts: r.alerts,
      exits: r.unexpected_exits,
    });
    expect(r.messages.sent, summary).toBeGreaterThan(0);
    expect(r.messages.received, summary).toBe(r.messages.sent);
    expect(r.messages.lost, summary).toBe(0);
    expect(r.messages.duplicated, summary).toBe(0);
    expect(r.messages.outbox_left, summary).toBe(0);
    // Every fault started early enough to be judged here.
    expect(r.alerts.not_judged, summary).toBe(0);
    expect(r.alerts.expected, summary).toBe(3);
    expect(r.alerts.matched, summary).toBe(3);
    expect(r.alerts.missed_list, summary).toEqual([]);
    expect(r.unexpected_exits).toEqual([]);
    expect(r.rss.collector.start_bytes, summary).toBeGreaterThan(0);
    expect(r.rss.agents.start_bytes, summary).toBeGreaterThan(0);
    // the collector's heap, read from its /metrics: live within committed within RSS
    const h = r.rss.collector_heap;
    expect(h.used.start_bytes, summary).toBeGreaterThan(0);
    expect(h.used.end_bytes!, summary).toBeLessThanOrEqual(h.total.end_bytes!);
    expect(h.total.end_bytes!, summary).toBeLessThan(r.rss.collector.end_bytes!);
    expect(progress.length).toBeGreaterThan(0);
  }, 90_000);
});
