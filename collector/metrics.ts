// Prometheus exposition on its own Registry (never the global one, so several collectors in
// one process — tests, benchmarks — do not collide). Per-device gauges are filled at scrape
// time from the live state instead of on every message, which keeps ingest cheap.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { scalarMeasure, SCALAR_MEASURES } from '../shared/measures/types.ts';
import type { AlertChannel, AlertMessage } from '../shared/schema/index.ts';
import type { LastMetrics } from './last-metrics.ts';
import { deviceForecast } from './rules/forecast.ts';
import type { DeviceState, ForecastConfig, Phase } from './rules/types.ts';

export type RejectCause =
  | 'too-large'
  | 'not-json'
  | 'wrong-schema'
  | 'wrong-version'
  | 'invalid'
  | 'non-finite'
  | 'topic-mismatch'
  | 'bad-topic'
  | 'rate-limited';

export interface MetricsSource {
  devices(): Iterable<{ state: DeviceState; last: LastMetrics | null }>;
  /** config forecast: the forecast gauges are derived when scraped */
  forecast: ForecastConfig;
}

const PHASES: Phase[] = ['inactive', 'pending', 'firing'];
/** devices filled per turn of the event loop during a scrape */
const YIELD_EVERY = 100;

type Entry = { state: DeviceState; last: LastMetrics | null };

/** What a per-device gauge's fill may read besides the device: config and the alerts' channels. */
interface FillContext {
  forecast: ForecastConfig;
  firstChannel(fleet: string, device: string, rule: string): AlertChannel | undefined;
}

interface DeviceGaugeSpec {
  name: string;
  help: string;
  labelNames: string[];
  fill: (g: Gauge, e: Entry, ctx: FillContext) => void;
}

/**
 * The per-device gauges, filled at scrape time device by device, yielding to the event loop
 * every YIELD_EVERY devices: a large fleet's scrape is tens of thousands of series, and filled
 * in one piece it stalls every ingest and alert behind it (collector/README.md has the sizes).
 */
function deviceGauge(
  spec: DeviceGaugeSpec,
  source: MetricsSource,
  ctx: FillContext,
  registers: Registry[],
): Gauge {
  return new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers,
    async collect() {
      this.reset();
      let i = 0;
      for (const e of source.devices()) {
        spec.fill(this, e, ctx);
        if (++i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      }
    },
  });
}

const DEVICE_GAUGES: readonly DeviceGaugeSpec[] = [
  {
    name: 'redband_measure',
    help: 'latest redundancy measures per device',
    labelNames: ['fleet', 'device', 'measure'],
    fill: (g, { state: d, last }) => {
      const measures = last?.message.measures;
      if (!measures) return;
      for (const m of SCALAR_MEASURES) {
        const v = scalarMeasure(measures, m);
        g.set({ fleet: d.fleet, device: d.device, measure: m }, v ?? Infinity);
      }
    },
  },
  {
    name: 'redband_band_value',
    help: 'the band measure (+Inf: collapse)',
    labelNames: ['fleet', 'device', 'measure'],
    fill: (g, { state: d }) => {
      if (!d.band) return;
      const v = d.band_value ?? (d.band_value_infinite ? Infinity : null);
      if (v !== null) g.set({ fleet: d.fleet, device: d.device, measure: d.band.measure }, v);
    },
  },
  {
    name: 'redband_band_edge',
    help: 'stability band edges',
    labelNames: ['fleet', 'device', 'measure', 'edge'],
    fill: (g, { state: d }) => {
      if (!d.band) return;
      for (const edge of ['low', 'center', 'high'] as const)
        g.set({ fleet: d.fleet, device: d.device, measure: d.band.measure, edge }, d.band[edge]);
    },
  },
  {
    name: 'redband_alert_state',
    help: '1 for the current state of each rule',
    labelNames: ['fleet', 'device', 'rule', 'state'],
    fill: (g, { state: d }) => {
      for (const [rule, rs] of Object.entries(d.rules))
        for (const p of PHASES)
          g.set({ fleet: d.fleet, device: d.device, rule, state: p }, rs.phase === p ? 1 : 0);
    },
  },
  // One series per pending or firing rule of a device, labelled with the first channel its
  // alert named: bounded by devices × rules (as redband_alert_state, a third of it), and the
  // gauge is rebuilt at every scrape, so a channel no alert names any more leaves with it.
  {
    name: 'redband_alert_channel_score',
    help: 'score of the channel a pending or firing alert names first (a share, or a coupling change in nats)',
    labelNames: ['fleet', 'device', 'rule', 'channel'],
    fill: (g, { state: d }, ctx) => {
      for (const [rule, rs] of Object.entries(d.rules)) {
        if (rs.phase === 'inactive') continue;
        const c = ctx.firstChannel(d.fleet, d.device, rule);
        if (c) g.set({ fleet: d.fleet, device: d.device, rule, channel: c.channel }, c.score);
      }
    },
  },
  {
    name: 'redband_forecast_eta_seconds',
    help: 'estimated time until the band measure leaves the band',
    labelNames: ['fleet', 'device'],
    fill: (g, { state: d }, ctx) => {
      const f = deviceForecast(d, ctx.forecast);
      if (f.eta_s !== null) g.set({ fleet: d.fleet, device: d.device }, f.eta_s);
    },
  },
  {
    name: 'redband_forecast_slope_per_hour',
    help: 'trend of the band measure (data time)',
    labelNames: ['fleet', 'device'],
    fill: (g, { state: d }, ctx) => {
      const f = deviceForecast(d, ctx.forecast);
      if (f.slope_per_hour !== null) g.set({ fleet: d.fleet, device: d.device }, f.slope_per_hour);
    },
  },
  {
    name: 'redband_device_last_seen_seconds',
    help: 'wall clock of the last accepted metrics',
    labelNames: ['fleet', 'device'],
    fill: (g, { state: d }) => {
      if (d.last_metrics_wall !== null)
        g.set({ fleet: d.fleet, device: d.device }, d.last_metrics_wall / 1000);
    },
  },
];

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly accepted: Counter<'fleet' | 'device'>;
  readonly duplicates: Counter<'fleet' | 'device'>;
  readonly rejected: Counter<'fleet' | 'device' | 'cause'>;
  readonly alertsPublished: Counter<'rule' | 'state'>;
  private scraping: Promise<unknown> = Promise.resolve();
  /**
   * The first channel the latest pending/firing alert of each (fleet, device, rule) named;
   * dropped on its resolution. At most one entry per device and rule.
   */
  private readonly firstChannels = new Map<string, AlertChannel>();

  constructor(source: MetricsSource, withProcessMetrics = false) {
    const registers = [this.registry];
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
    this.accepted = new Counter({
      name: 'redband_ingest_accepted_total',
      help: 'metrics and status messages accepted',
      labelNames: ['fleet', 'device'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'redband_ingest_duplicates_total',
      help: 'messages dropped as already seen (same device, boot and seq)',
      labelNames: ['fleet', 'device'],
      registers,
    });
    this.rejected = new Counter({
      name: 'redband_ingest_rejected_total',
      help: 'messages rejected, by cause',
      labelNames: ['fleet', 'device', 'cause'],
      registers,
    });
    this.alertsPublished = new Counter({
      name: 'redband_alerts_published_total',
      help: 'alert notifications published',
      labelNames: ['rule', 'state'],
      registers,
    });
    const context: FillContext = {
      forecast: source.forecast,
      firstChannel: (fleet, device, rule) =>
        this.firstChannels.get(channelKey(fleet, device, rule)),
    };
    for (const spec of DEVICE_GAUGES) deviceGauge(spec, source, context, registers);
  }

  /** Notes the channel an alert names first (core.ts, as each alert is built). */
  noteAlert(a: AlertMessage): void {
    const k = channelKey(a.fleet, a.device, a.rule);
    const first = a.channels[0];
    if (a.state === 'resolved') this.firstChannels.delete(k);
    else if (first) this.firstChannels.set(k, first);
  }

  /**
   * The exposition text. Scrapes run one at a time: a gauge's fill yields to the event loop
   * between devices, and two scrapes interleaving on one gauge would reset each other.
   */
  text(): Promise<string> {
    // `scraping` never rejects: a failed scrape must not fail the ones queued behind it
    const next = this.scraping.then(() => this.registry.metrics());
    this.scraping = next.catch(() => undefined);
    return next;
  }
}

const channelKey = (fleet: string, device: string, rule: string): string =>
  `${fleet}\u0000${device}\u0000${rule}`;
