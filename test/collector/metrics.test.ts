// /metrics on its own: the per-device gauges are filled at scrape time device by device,
// yielding to the event loop (a fleet's scrape must not block ingest for its whole length),
// and concurrent scrapes are served one after the other, each complete.
import { describe, expect, it } from 'vitest';
import { LastMetrics } from '../../collector/last-metrics.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { initialDeviceState } from '../../collector/rules/evaluate.ts';
import type { DeviceState } from '../../collector/rules/types.ts';
import { metrics } from './fixtures.ts';

function fleet(n: number): { state: DeviceState; last: LastMetrics | null }[] {
  return Array.from({ length: n }, (_, i) => {
    const m = metrics({ device: `d${i}`, value: 2 });
    const state: DeviceState = {
      ...initialDeviceState('f1', `d${i}`),
      band: m.band,
      band_value: m.band_value,
      last_metrics_wall: 1_000_000,
    };
    return { state, last: new LastMetrics(JSON.stringify(m)) };
  });
}

const series = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`)).length;

describe('collector /metrics', () => {
  it('lets the event loop run during a scrape of a large fleet', async () => {
    const devices = fleet(500);
    const m = new CollectorMetrics({
      devices: () => devices,
      forecast: { points: 16, min_points: 3 },
    });
    let done = false;
    let ranDuring = false;
    const scrape = m.text().then((t) => {
      done = true;
      return t;
    });
    setImmediate(() => (ranDuring = !done));
    const text = await scrape;
    expect(ranDuring).toBe(true);
    expect(series(text, 'redband_band_value')).toBe(500);
  });

  it('serves concurrent scrapes one at a time, each with every device', async () => {
    const devices = fleet(300);
    let calls = 0;
    const m = new CollectorMetrics({
      devices: () => (calls++, devices),
      forecast: { points: 16, min_points: 3 },
    });
    await m.text();
    const perScrape = calls; // one pass over the devices per per-device gauge
    calls = 0;
    let callsWhenAEnded = -1;
    const a = m.text().then((t) => ((callsWhenAEnded = calls), t));
    const b = m.text();
    const [ta, tb] = await Promise.all([a, b]);
    // B's passes all came after A's: interleaved, a gauge reset by one would lose the other's
    expect(callsWhenAEnded).toBe(perScrape);
    expect(calls).toBe(2 * perScrape);
    expect(ta).toBe(tb);
    expect(series(ta, 'redband_band_edge')).toBe(3 * 300);
    expect(series(ta, 'redband_device_last_seen_seconds')).toBe(300);
  });

  it('exposes the first channel of each pending or firing alert, and drops it on resolution', async () => {
    const [d] = fleet(1);
    const { state } = d!;
    const m = new CollectorMetrics({
      devices: () => [d!],
      forecast: { points: 16, min_points: 3 },
    });
    const rule = (phase: 'inactive' | 'firing') => ({
      phase,
      since: 0,
      clear_since: null,
      last_breach: null,
      window: [],
      last_t: null,
      value: 2,
      reason: '',
      boot: null,
      seq: null,
      notified: null,
      notified_at: null,
    });
    const alert = {
      schema: 'redband.alert',
      version: 2,
      fleet: 'f1',
      device: 'd0',
      rule: 'level-shift',
      state: 'firing',
      reason: 'above',
      value: 2,
      band: null,
      since: 0,
      boot: 'b',
      seq: 1,
      resend: false,
      sent_at: 1,
      channels: [
        { channel: 'Flow', score: 0.72 },
        { channel: 'Pressure', score: 0.18 },
      ],
      channels_from: 'drift_mean',
    } as const;
    state.rules = { 'level-shift': rule('firing'), drift: rule('firing') };
    m.noteAlert({ ...alert, channels: [...alert.channels] });
    const lines = (t: string) => t.split('\n').filter((l) => l.startsWith('redband_alert_channel'));
    expect(lines(await m.text())).toEqual([
      'redband_alert_channel_score{fleet="f1",device="d0",rule="level-shift",channel="Flow"} 0.72',
    ]);
    // the rule went inactive: no series, even before the resolution is noted
    state.rules['level-shift'] = rule('inactive');
    expect(lines(await m.text())).toEqual([]);
    state.rules['level-shift'] = rule('firing');
    m.noteAlert({ ...alert, state: 'resolved', channels: [] });
    expect(lines(await m.text())).toEqual([]);
  });
});
