// The demo's terminal view of a silenced device: the collector's view (/api/fleet) carries
// the silence the MQTT alert topic never mentions (a silence holds those notifications back).
import { describe, expect, it } from 'vitest';
import { applyViewEvent, deviceStatus, initialView, renderView } from '../../demo/live-view.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';

const BAND = { measure: 'tc', low: 0.8, center: 1.2, high: 1.6, source: 'model' } as const;

function view() {
  const state = initialView([{ device: 'sim-02', role: 'collapse', runtime: 'onnx' }]);
  const message = {
    device: 'sim-02',
    phase: 'live',
    band: BAND,
    band_value: 2.4,
    seq: 9,
  } as unknown as MetricsMessage;
  applyViewEvent(state, { kind: 'metrics', message, receivedAt: Date.now() });
  return state;
}

describe('terminal view of a silenced device', () => {
  it('shows FIRING and until when, by which silence, as the dashboard does', () => {
    const state = view();
    expect(deviceStatus(state.devices.get('sim-02')!)).toBe('ok');
    const until = Date.UTC(2026, 0, 2, 15, 30, 0);
    applyViewEvent(state, {
      kind: 'fleet',
      device: {
        device: 'sim-02',
        alerts: [
          {
            rule: 'over-coupling',
            state: 'firing',
            silenced: { id: '1a2b3c4d-0000', until, comment: 'valve swap' },
          },
        ],
      },
    });
    const d = state.devices.get('sim-02')!;
    expect(deviceStatus(d)).toBe('FIRING');
    const time = new Date(until).toLocaleTimeString([], { hour12: false });
    const text = renderView(state, {
      now: Date.now(),
      dashboardUrl: 'http://127.0.0.1:8081/',
      color: false,
    });
    const row = text.split('\n').find((l) => l.startsWith('sim-02'))!;
    expect(row).toContain('FIRING');
    expect(row).toContain(
      `over-coupling(firing, silenced until ${time} by “valve swap” (silence 1a2b3c4d))`,
    );
    // the printed URL is the one to silence through
    expect(text).toContain('npx redband silence add --url http://127.0.0.1:8081/');

    // the silence expired: still firing, no marker
    applyViewEvent(state, {
      kind: 'fleet',
      device: {
        device: 'sim-02',
        alerts: [{ rule: 'over-coupling', state: 'firing', silenced: null }],
      },
    });
    const after = renderView(state, { now: Date.now(), dashboardUrl: 'x', color: false });
    expect(after).toContain('over-coupling(firing)');
    expect(after).not.toContain('silenced until');
  });
});
