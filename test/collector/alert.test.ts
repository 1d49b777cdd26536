// The channels an alert names (collector/alert.ts): which attribution each built-in rule
// reads, in the agent's order, and the v2 message it builds — checked
// against the alert schema, and decoded back, as a v1 alert of an older collector is too.
import { describe, expect, it } from 'vitest';
import { alertChannels, channelSource, toAlert } from '../../collector/alert.ts';
import { initialDeviceState } from '../../collector/rules/evaluate.ts';
import { DEFAULT_RULES } from '../../collector/config.ts';
import type { Rule, Transition } from '../../collector/rules/types.ts';
import { alertSchema, decodeAlert, type MetricsMessage } from '../../shared/schema/index.ts';
import { metrics } from './fixtures.ts';

const rule = (name: string): Rule => DEFAULT_RULES.find((r) => r.name === name)!;

function attributed(): MetricsMessage {
  const m = metrics();
  m.attribution = {
    drift_mean: [
      { channel: 'Flow', share: 0.72 },
      { channel: 'Pressure', share: 0.18 },
    ],
    coupling: [
      { channel: 'ch2', delta: -1.9 },
      { channel: 'ch4', delta: 0.6 },
      { channel: 'ch0', delta: 0.3 },
      { channel: 'ch1', delta: -0.2 },
    ],
    recon: [{ channel: 'ch5', share: 0.9 }],
  };
  return m;
}

const transition = (to: Transition['to'], name = 'level-shift'): Transition => ({
  rule: name,
  from: 'pending',
  to,
  at: 60_000,
  since: 50_000,
  value: 3,
  reason: 'why',
  boot: 'b1',
  seq: 4,
  resend: false,
  notify: true,
  suppressed: null,
});

describe('alertChannels', () => {
  it.each([
    ['level-shift', 'drift_mean', ['Flow', 'Pressure']],
    ['drift', 'recon', ['ch5']],
    ['recon-error', 'recon', ['ch5']],
    // either coupling rule: the agent's order, by |change|
    ['over-coupling', 'coupling', ['ch2', 'ch4', 'ch0', 'ch1']],
    ['over-compression', 'coupling', ['ch2', 'ch4', 'ch0', 'ch1']],
    ['input-coupling', 'coupling', ['ch2', 'ch4', 'ch0', 'ch1']],
  ] as const)('%s names its channels from %s', (name, from, want) => {
    const got = alertChannels(rule(name), attributed());
    expect(got.channels_from).toBe(from);
    expect(got.channels.map((c) => c.channel)).toEqual(want);
  });

  it('keeps the score of the attribution: a share, or the signed coupling change', () => {
    expect(alertChannels(rule('level-shift'), attributed()).channels[0]).toEqual({
      channel: 'Flow',
      score: 0.72,
    });
    expect(alertChannels(rule('over-compression'), attributed()).channels[0]!.score).toBe(-1.9);
  });

  it('names nothing for silent, for an unknown rule, or without an attribution', () => {
    expect(alertChannels(rule('silent'), attributed())).toEqual({
      channels: [],
      channels_from: null,
    });
    expect(channelSource(undefined)).toBeNull();
    expect(alertChannels(rule('level-shift'), metrics())).toEqual({
      channels: [],
      channels_from: 'drift_mean',
    });
    expect(alertChannels(rule('drift'), null).channels).toEqual([]);
  });
});

describe('toAlert', () => {
  const d = initialDeviceState('f1', 'd1');

  it('builds a valid v2 alert naming the channels of a firing rule', () => {
    const a = toAlert(d, transition('firing'), 70_000, {
      rule: rule('level-shift'),
      metrics: attributed(),
    });
    expect(alertSchema.safeParse(a).success).toBe(true);
    expect(a.version).toBe(2);
    expect(a.channels.map((c) => c.channel)).toEqual(['Flow', 'Pressure']);
    const back = decodeAlert(JSON.stringify(a));
    expect(back).toEqual({ ok: true, value: a });
  });

  it('names nothing on resolution', () => {
    const a = toAlert(d, transition('resolved'), 70_000, {
      rule: rule('level-shift'),
      metrics: attributed(),
    });
    expect(a.channels).toEqual([]);
    expect(a.channels_from).toBe('drift_mean');
  });
});

describe('decodeAlert', () => {
  const v1 = {
    schema: 'redband.alert',
    version: 1,
    fleet: 'f1',
    device: 'd1',
    rule: 'drift',
    state: 'firing',
    reason: 'above the limit',
    value: 2,
    band: null,
    since: 1000,
    boot: 'b',
    seq: 3,
    resend: false,
    sent_at: 2000,
  };

  it('decodes a v1 alert as v2 naming no channels', () => {
    expect(decodeAlert(JSON.stringify(v1))).toEqual({
      ok: true,
      value: { ...v1, version: 2, channels: [], channels_from: null },
    });
  });

  it('names the problem in a bad v1 or v2 alert, and an unknown version', () => {
    const badV1 = decodeAlert(JSON.stringify({ ...v1, seq: -1 }));
    expect(badV1.ok || badV1.error.message).toMatch(/^seq:/);
    const badV2 = decodeAlert(JSON.stringify({ ...v1, version: 2, channels: [{ channel: '' }] }));
    expect(badV2.ok || badV2.error.message).toMatch(/channels/);
    const v3 = decodeAlert(JSON.stringify({ ...v1, version: 3 }));
    expect(v3.ok || v3.error).toMatchObject({ kind: 'wrong-version', message: /expected 2/ });
  });
});
