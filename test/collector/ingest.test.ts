// The collector end to end on its embedded Aedes broker: ingest, alerts on MQTT, dedupe,
// the retained summary, /metrics, the JSON API and SSE.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { summarySchema } from '../../collector/summary.ts';
import { alertSchema, fleetSummaryTopic } from '../../shared/schema/index.ts';
import { metrics, status, testConfig } from './fixtures.ts';
import {
  getJson,
  publisher,
  publishMetrics,
  publishStatus,
  quietLog,
  sample,
  tmpDir,
  waitFor,
  watchAlerts,
} from './harness.ts';

let collector: Collector;
let pub: mqtt.MqttClient;
let watch: Awaited<ReturnType<typeof watchAlerts>>;

beforeAll(async () => {
  collector = await startCollector(
    testConfig(join(tmpDir(), 'c.db'), {
      rules: { 'over-coupling': { for: { readings: 3, of: 5 } } },
    }),
    { logger: quietLog },
  );
  pub = await publisher(collector.brokerUrl);
  watch = await watchAlerts(collector.brokerUrl);
});
afterAll(async () => {
  await watch?.close();
  await pub?.endAsync();
  await collector?.stop();
  await collector?.stop(); // safe to call twice
});

describe('collector on the embedded broker', () => {
  it('raises firing (pending is not announced) after 3 of 5 breaching readings, once, deduplicating on (device, boot, seq)', async () => {
    await publishStatus(pub, status({ period: 10 }));
    for (let seq = 0; seq < 5; seq++) {
      await publishMetrics(pub, metrics({ seq, t: (seq + 1) * 10_000, value: seq % 2 ? 2 : 3.5 }));
    }
    // the same messages again, as after an agent's outbox replay: all duplicates
    for (let seq = 0; seq < 5; seq++) {
      await publishMetrics(pub, metrics({ seq, t: (seq + 1) * 10_000, value: seq % 2 ? 2 : 3.5 }));
    }
    await waitFor(() => watch.alerts.length >= 1, 'the firing alert');
    const text = await waitFor(async () => {
      const t = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      return sample(t, 'redband_ingest_duplicates_total', { device: 'd1' }) === 5 && t;
    }, '5 duplicates counted');
    expect(watch.lines()).toEqual(['d1 over-coupling firing']);
    for (const a of watch.alerts) expect(alertSchema.safeParse(a).success).toBe(true);
    const firing = watch.alerts[0]!;
    expect(firing).toMatchObject({
      boot: 'b1',
      seq: 4,
      since: 10_000,
      value: 3.5,
      band: { high: 3 },
    });
    expect(firing.reason).toContain('above band high 3');
    expect(sample(text, 'redband_ingest_accepted_total', { device: 'd1' })).toBe(6);
  });

  it('exposes measures, band edges, alert states and the forecast on /metrics', async () => {
    const text = await (await fetch(`${collector.httpUrl}/metrics`)).text();
    expect(sample(text, 'redband_measure', { fleet: 'f1', device: 'd1', measure: 'tc' })).toBe(3.5);
    expect(sample(text, 'redband_measure', { device: 'd1', measure: 'erank' })).toBe(3.1);
    expect(sample(text, 'redband_band_edge', { device: 'd1', edge: 'high' })).toBe(3);
    expect(sample(text, 'redband_band_value', { device: 'd1', measure: 'tc' })).toBe(3.5);
    expect(
      sample(text, 'redband_alert_state', { device: 'd1', rule: 'over-coupling', state: 'firing' }),
    ).toBe(1);
    expect(
      sample(text, 'redband_alert_state', {
        device: 'd1',
        rule: 'over-coupling',
        state: 'pending',
      }),
    ).toBe(0);
    expect(sample(text, 'redband_forecast_eta_seconds', { device: 'd1' })).toBeGreaterThanOrEqual(
      0,
    );
    expect(text).toMatch(/# TYPE redband_ingest_rejected_total counter/);
  });

  it('serves the fleet, history and alerts API', async () => {
    const fleet = await getJson<{ devices: Record<string, unknown>[] }>(
      `${collector.httpUrl}/api/fleet`,
    );
    expect(fleet.status).toBe(200);
    expect(fleet.body.devices).toHaveLength(1);
    expect(fleet.body.devices[0]).toMatchObject({
      fleet: 'f1',
      device: 'd1',
      online: true,
      status: 'firing',
      band_value: 3.5,
      window_end: 50_000,
      boot: 'b1',
      seq: 4,
      alerts: [{ rule: 'over-coupling', state: 'firing', since: 10_000, value: 3.5 }],
    });
    const hist = await getJson<{
      points: { t: number; band_value: number; measures: Record<string, number> }[];
    }>(`${collector.httpUrl}/api/devices/f1/d1/history?limit=3`);
    expect(hist.body.points.map((p) => p.t)).toEqual([30_000, 40_000, 50_000]);
    expect(hist.body.points[2]).toMatchObject({
      band_value: 3.5,
      drift: 0.1,
      recon_mean: 0.2,
      measures: { tc: 3.5, pr: 2.8 },
    });
    const alerts = await getJson<{ alerts: { state: string }[] }>(
      `${collector.httpUrl}/api/alerts?limit=10`,
    );
    expect(alerts.body.alerts.map((a) => a.state)).toEqual(['firing']);
    expect((await fetch(`${collector.httpUrl}/api/devices/f1/nope/history`)).status).toBe(404);
  });

  it('publishes a retained fleet summary that validates against its schema', async () => {
    const c = await mqtt.connectAsync(collector.brokerUrl, { reconnectPeriod: 0 });
    const got = new Promise<unknown>((resolve) =>
      c.on('message', (_t, p) => resolve(JSON.parse(p.toString()))),
    );
    await c.subscribeAsync(fleetSummaryTopic('f1'));
    const summary = summarySchema.parse(await got);
    await c.endAsync();
    expect(summary.counts).toMatchObject({ devices: 1, firing: 1, alerts_firing: 1 });
    expect(summary.devices).toEqual([
      { device: 'd1', status: 'firing', online: true, firing: ['over-coupling'] },
    ]);
  });

  it('streams device and alert events over SSE', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${collector.httpUrl}/api/events`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    // the built-in clear_for: three clear readings in a row resolve
    for (const seq of [5, 6, 7])
      await publishMetrics(pub, metrics({ seq, t: (seq + 1) * 10_000, value: 2 }));
    await waitFor(async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes('event: alert') && /event: device\ndata: .*"seq":7/.test(text);
    }, 'SSE events');
    ctrl.abort();
    const alert = /event: alert\ndata: (.*)\n/.exec(text)![1]!;
    expect(JSON.parse(alert)).toMatchObject({ rule: 'over-coupling', state: 'resolved' });
    const device = [...text.matchAll(/event: device\ndata: (.*)\n/g)].at(-1)![1]!;
    expect(JSON.parse(device)).toMatchObject({ device: 'd1', status: 'ok', seq: 7 });
  });

  it('creates, lists and expires silences over HTTP', async () => {
    const u = `${collector.httpUrl}/api/silences`;
    const post = (body: unknown) =>
      getJson<{ id?: string; error?: string }>(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ matchers: { device: 'd1' }, ends_at: 1, extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/extra|Unrecognized/);
    const made = await post({
      matchers: { device: 'd1', rule: 'over-coupling' },
      ends_at: Date.now() + 3_600_000,
      comment: 'maintenance',
    });
    expect(made.status).toBe(201);
    const list = await getJson<{ silences: { id: string; comment: string }[] }>(u);
    expect(list.body.silences.map((s) => s.comment)).toContain('maintenance');
    expect((await fetch(`${u}/${made.body.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${u}/nope`, { method: 'DELETE' })).status).toBe(404);
  });
});
