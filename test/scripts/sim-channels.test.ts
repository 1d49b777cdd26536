// scripts/sim-channels.ts end to end on two cases: a real agent on the sim with a fault on one
// named channel, its metrics through the collector's evaluator and alert builder.
import { describe, expect, it } from 'vitest';
import { faultChannels, runCase, summarize } from '../../scripts/sim-channels.ts';

describe('sim channel naming', () => {
  it('a drift on one channel raises alerts that name it first', async () => {
    const r = await runCase('drift', 2);
    expect(r.injected).toEqual(['ch2']);
    expect(r.alerts.length).toBeGreaterThan(0);
    for (const a of r.alerts) expect(a.channels[0]).toBe('ch2');
    const [s] = summarize([r]);
    expect(s).toMatchObject({ kind: 'drift', cases: 1, namedFirst: r.alerts.length });
  }, 60_000);

  it('injects collapse into three channels, every other kind into one', () => {
    expect(faultChannels('collapse', 5)).toEqual(['ch5', 'ch0', 'ch1']);
    expect(faultChannels('noise', 7)).toEqual(['ch1']);
  });
});
