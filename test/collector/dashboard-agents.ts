// Simulated agents for the dashboard test and screenshot: real MQTT clients publishing real
// status and metrics messages, each checked against the shared schema before it is sent so a
// test can never pass on payloads the real agent would refuse to build.
import { connectAsync, type MqttClient } from 'mqtt';
import {
  METRICS_SCHEMA,
  METRICS_VERSION,
  metricsSchema,
  type Attribution,
  type MetricsMessage,
} from '../../shared/schema/metrics.ts';
import { STATUS_SCHEMA, STATUS_VERSION, statusSchema } from '../../shared/schema/status.ts';
import { deviceTopic } from '../../shared/schema/topics.ts';
import type { Band } from '../../shared/schema/common.ts';

export const TEST_BAND: Band = { measure: 'tc', low: 0.8, center: 1.2, high: 1.6, source: 'model' };

export interface MetricsInput {
  fleet: string;
  device: string;
  boot: string;
  seq: number;
  /** data time of the snapshot's end */
  windowEnd: number;
  /** the band measure (tc) value; null = +∞ */
  tc: number | null;
  band?: Band | null;
  drift?: number | null;
  recon?: number;
  windowMs?: number;
  attribution?: Attribution;
  /** default 'live'; a warm-up snapshot carries `warmup` progress */
  phase?: MetricsMessage['phase'];
  warmup?: MetricsMessage['warmup'];
  /** too few samples for any measure yet (an early warm-up): measures null, degenerate set */
  tooFewSamples?: boolean;
}

/** A full metrics message whose measures are loosely consistent with one tc value. */
export function metricsMessage(i: MetricsInput): MetricsMessage {
  const tc = i.tc;
  const k = 8;
  // Gaussian TC ≈ −½ log det R: a larger tc means a more concentrated spectrum.
  const spread = tc === null ? 0.95 : Math.min(0.95, Math.max(0, tc) / 4);
  const top = 1 + (k - 1) * spread;
  const rest = (k - top) / (k - 1);
  const eig = [top, ...Array.from({ length: k - 1 }, () => rest)];
  const p = eig.map((e) => e / k);
  const h = -p.reduce((s, x) => s + x * Math.log(x), 0);
  const erank = Math.exp(h);
  const pr = k ** 2 / eig.reduce((s, e) => s + e * e, 0);
  const early = i.tooFewSamples === true;
  const band = i.band === undefined ? TEST_BAND : i.band;
  const msg = {
    schema: METRICS_SCHEMA,
    version: METRICS_VERSION,
    fleet: i.fleet,
    device: i.device,
    boot: i.boot,
    seq: i.seq,
    window_start: i.windowEnd - (i.windowMs ?? 10_000),
    window_end: i.windowEnd,
    windows: 10,
    phase: i.phase ?? 'live',
    ...(i.warmup ? { warmup: i.warmup } : {}),
    band,
    // as the agent: no band, no band value
    band_value: early || band === null ? null : tc,
    degenerate: early
      ? {
          kind: 'too-few-samples',
          n: 10,
          k,
          message: `n = 10 windows is too few for ${k} latent coordinates`,
        }
      : null,
    measures: early
      ? null
      : {
          n: 640,
          k,
          tc,
          tc_bias_corrected: tc === null ? null : Math.max(0, tc - 0.02),
          renyi: { '0.5': tc === null ? null : tc * 0.8, '2': tc === null ? null : tc * 1.15 },
          hellinger2: tc === null ? 1 : 1 - Math.exp(-tc / 4),
          chi2: tc === null ? null : Math.expm1(tc * 0.5),
          quadratic: (spread * spread * (k * (k - 1))) / 2,
          spectral: 1 - h / Math.log(k),
          erank,
          pr,
          bartlett: null,
          eigenvalues: eig,
          notes: tc === null ? { tc: 'singular correlation matrix' } : {},
        },
    drift: i.drift === undefined ? 0.05 : i.drift,
    recon: { mean: i.recon ?? 0.12, p95: (i.recon ?? 0.12) * 2 },
    ...(i.attribution ? { attribution: i.attribution } : {}),
    health: {
      windows_in: (i.seq + 1) * 10,
      windows_dropped: 0,
      windows_bad: 0,
      samples_imputed: 0,
      inference_ms_p50: 1.2,
      inference_ms_p99: 3.4,
      queue_depth: 0,
      rss_bytes: 60_000_000,
      backend: 'node',
      outbox_depth: 0,
      outbox_dropped: 0,
    },
    sent_at: Date.now(),
  };
  return metricsSchema.parse(msg);
}

/** One device: a real MQTT client with a retained status and a last will, like the agent. */
export class SimAgent {
  seq = 0;
  private constructor(
    readonly fleet: string,
    readonly device: string,
    readonly boot: string,
    private readonly client: MqttClient,
  ) {}

  static async connect(brokerUrl: string, fleet: string, device: string, publishPeriodS = 1) {
    const status = (state: 'online' | 'offline', boot: string) =>
      JSON.stringify(
        statusSchema.parse({
          schema: STATUS_SCHEMA,
          version: STATUS_VERSION,
          fleet,
          device,
          boot,
          state,
          agent_version: 'test',
          model: { name: 'mae-test', sha256: '0'.repeat(64) },
          backend: 'node',
          config_digest: 'test',
          publish_period_s: publishPeriodS,
          sent_at: Date.now(),
        }),
      );
    const boot = `boot-${device}-${Date.now().toString(36)}`;
    const topic = deviceTopic(fleet, device, 'status');
    const client = await connectAsync(brokerUrl, {
      clientId: `sim-${fleet}-${device}-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 0,
      will: { topic, payload: Buffer.from(status('offline', boot)), qos: 1, retain: true },
    });
    const agent = new SimAgent(fleet, device, boot, client);
    await client.publishAsync(topic, status('online', boot), { qos: 1, retain: true });
    return agent;
  }

  /** Publishes one snapshot at data time `windowEnd` with band value `tc`. */
  async publish(windowEnd: number, tc: number | null, extra: Partial<MetricsInput> = {}) {
    const msg = metricsMessage({
      fleet: this.fleet,
      device: this.device,
      boot: this.boot,
      seq: this.seq++,
      windowEnd,
      tc,
      ...extra,
    });
    await this.client.publishAsync(
      deviceTopic(this.fleet, this.device, 'metrics'),
      JSON.stringify(msg),
      {
        qos: 1,
      },
    );
  }

  async close() {
    await this.client.endAsync();
  }
}

/** A healthy-looking value inside TEST_BAND, wobbling per device and over time. */
export function inBand(i: number, k: number): number {
  return 1.2 + 0.18 * Math.sin(k / 4 + i * 1.3) + 0.04 * Math.cos(k * 1.9 + i);
}
