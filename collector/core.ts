// The collector's core: ingests batches of MQTT messages into device state in one SQLite
// transaction each, runs the evaluator, and hands notifications to the outbox. No sockets
// here; the transport (mqtt.ts) and the HTTP server (http.ts) are wired in factories.ts.
import type { Logger } from 'pino';
import type { AlertMessage } from '../shared/schema/index.ts';
import type { CollectorConfig } from './config.ts';
import { IngestGate, LabelCap } from './ingest.ts';
import { LogLimiter } from '../shared/log-limiter.ts';
import type { CollectorMetrics } from './metrics.ts';
import { evaluate, initialDeviceState } from './rules/evaluate.ts';
import type {
  DeviceState,
  Observation,
  ObservedEvent,
  Silence,
  Transition,
} from './rules/types.ts';
import { checkSeen, markSeen, seenKey, type SeenMark } from './dedupe.ts';
import type { Store } from './store.ts';
import { BatchWriter, rulesChanged, type DeviceEntry } from './writer.ts';
import { toAlert } from './alert.ts';
import { AlertOutbox, type AlertPublisher, type OutboxEntry } from './alert-outbox.ts';
import { LastMetrics, latestFacts, type DashboardDevice } from './last-metrics.ts';
import { deviceView, type FleetDevice } from './summary.ts';
import { systemTimer, type Clock, type Timer } from '../shared/clock.ts';
import { GroupCommit } from './group-commit.ts';
import { DeviceEventCoalescer } from './device-events.ts';

export { EVENT_COALESCE_MS } from './device-events.ts';

export interface IncomingMessage {
  topic: string;
  payload: Uint8Array;
}

export interface CoreEvents {
  /** a device's view; coalesced: at most one per device per EVENT_COALESCE_MS */
  device(d: DashboardDevice): void;
  alert(a: AlertMessage): void;
  /** messages accepted by one committed batch (benchmarks, tests) */
  ingested(n: number): void;
  /**
   * A queued batch was flushed: `committed` true once its transaction committed (its
   * messages may now be acknowledged), false when it was not (store closed, commit failed):
   * its messages must stay unacknowledged so the broker redelivers them.
   */
  flushed(committed: boolean): void;
}

type Outbox = OutboxEntry[];

export class CollectorCore {
  private readonly devicesMap = new Map<string, DeviceEntry>();
  private seen: Map<string, SeenMark>;
  private silencesList: Silence[];
  private readonly gate: IngestGate;
  private readonly logLimiter: LogLimiter;
  private readonly labels: LabelCap;
  private readonly listeners: { [K in keyof CoreEvents]: Set<CoreEvents[K]> } = {
    device: new Set(),
    alert: new Set(),
    ingested: new Set(),
    flushed: new Set(),
  };
  private readonly writer: BatchWriter;
  private lastSnapshot: number;
  private readonly events: DeviceEventCoalescer;
  private readonly batches: GroupCommit<IncomingMessage>;
  private readonly outbox: AlertOutbox;
  readonly dirtyFleets = new Set<string>();
  readonly startedAt: number;
  /**
   * Several collectors share the SQLite file (a shared subscription spreads one device's
   * messages over them): device state and dedupe marks are re-read inside each transaction
   * instead of trusted from memory.
   */
  private readonly shared: boolean;

  constructor(
    readonly config: CollectorConfig,
    readonly store: Store,
    readonly metrics: CollectorMetrics,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** the group-commit window and the device-event coalescing run on it */
    private readonly timer: Timer = systemTimer,
  ) {
    this.startedAt = clock.now();
    this.shared = config.mqtt.shared_subscription_group !== null;
    const i = config.ingest;
    this.gate = new IngestGate({
      maxPayloadBytes: i.max_payload_bytes,
      ratePerS: i.rate_per_s,
      burst: i.burst,
    });
    this.logLimiter = new LogLimiter(i.log_period);
    this.labels = new LabelCap(i.max_devices);
    for (const { state, last } of store.loadDevices())
      this.devicesMap.set(key(state.fleet, state.device), { state, last });
    this.seen = store.loadSeen(config.ingest.dedupe_window, this.startedAt);
    // A previous run's staged history (a crash) goes into the index now: loadSeen has written
    // the marks of those rows, and the writer's per-slot counts start from zero.
    store.transaction(() => store.moveRecentHistory());
    this.silencesList = store.silences();
    this.writer = new BatchWriter(store, this.shared);
    this.outbox = new AlertOutbox(store, metrics, log);
    this.lastSnapshot = this.startedAt;
    this.events = new DeviceEventCoalescer(timer, (keys) => this.emitViews(keys));
    this.batches = new GroupCommit(
      { window: i.batch_window, maxBatch: i.max_batch },
      timer,
      (batch) => this.commitBatch(batch),
    );
  }

  on<K extends keyof CoreEvents>(event: K, fn: CoreEvents[K]): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  devices(): Iterable<DeviceEntry> {
    return this.devicesMap.values();
  }

  device(fleet: string, device: string): DeviceEntry | undefined {
    return this.devicesMap.get(key(fleet, device));
  }

  fleetView(): FleetDevice[] {
    return [...this.devicesMap.values()].map((e) => this.view(e.state));
  }

  /** The devices as the dashboard shows them (the API's /api/fleet, its device events). */
  dashboardView(): DashboardDevice[] {
    return [...this.devicesMap.values()].map((e) => this.dashboardDevice(e));
  }

  private view(d: DeviceState): FleetDevice {
    return deviceView(d, this.config.rules, this.config.forecast);
  }

  private dashboardDevice(e: DeviceEntry): DashboardDevice {
    return { ...this.view(e.state), ...latestFacts(e.last) };
  }

  silences(): Silence[] {
    return this.silencesList;
  }

  /** Re-reads silences (the CLI may have written the DB directly). */
  reloadSilences(): void {
    this.silencesList = this.store.silences();
  }

  private observe(event: ObservedEvent): Observation {
    const base = {
      rules: this.config.rules,
      silences: this.silencesList,
      forecast: this.config.forecast,
    };
    return Object.assign(base, event);
  }

  /**
   * Group commit: messages that arrive within `ingest.batch_window` of the first queued one
   * (default 10 ms; 0: one turn of the event loop) are ingested in one transaction, at most
   * `ingest.max_batch` at a time. Alerts still go out only after the commit.
   */
  enqueue(msg: IncomingMessage): void {
    this.batches.push(msg);
  }

  /** Ingests whatever is queued (also called at shutdown). */
  flush(): void {
    this.batches.flush();
  }

  private commitBatch(batch: IncomingMessage[]): void {
    let committed = false;
    if (this.store.db.open) {
      try {
        this.ingest(batch);
        committed = true;
      } catch (e) {
        // disk full, I/O error: nothing of the batch is acknowledged, so nothing is lost
        this.log.error(
          { err: (e as Error).message, messages: batch.length },
          'commit failed; the batch stays unacknowledged for the broker to redeliver',
        );
      }
    }
    for (const fn of this.listeners.flushed) fn(committed);
  }

  /**
   * Ingests a batch in one transaction: rule state, what was notified, the dedupe marks and
   * the outbox rows commit together. Never throws on bad input.
   */
  ingest(batch: readonly IncomingMessage[]): void {
    const now = this.clock.now();
    const alerts: Outbox = [];
    let accepted = 0;
    this.store.transaction(() => {
      for (const msg of batch) if (this.ingestOne(msg, now, alerts)) accepted++;
      this.writer.endBatch(now);
    });
    this.deliver(alerts);
    if (accepted) for (const fn of this.listeners.ingested) fn(accepted);
  }

  /** Queues a device's view for the next coalesced `device` event. */
  private viewChanged(k: string): void {
    if (this.listeners.device.size > 0) this.events.changed(k);
  }

  /** Emits the queued device views now (also at stop). */
  flushEvents(): void {
    this.events.flush();
  }

  private emitViews(keys: readonly string[]): void {
    for (const k of keys) {
      const e = this.devicesMap.get(k);
      if (!e) continue;
      const view = this.dashboardDevice(e);
      for (const fn of this.listeners.device) fn(view);
    }
  }

  /**
   * Writes every device row that is behind memory and moves staged history rows into the
   * indexed table (at stop: the file at rest holds everything where it belongs).
   */
  checkpoint(): void {
    if (!this.store.db.open) return;
    const now = this.clock.now();
    this.store.transaction(() => {
      this.writer.snapshot((k) => this.devicesMap.get(k));
      this.writer.moveHistory(now);
    });
    this.lastSnapshot = now;
  }

  private ingestOne(msg: IncomingMessage, now: number, alerts: Outbox): boolean {
    const v = this.gate.check(msg.topic, msg.payload, now);
    if (!v.ok) {
      this.metrics.rejected.inc({ ...this.labels.device(v.fleet, v.device), cause: v.cause });
      const held = this.logLimiter.take(`${v.fleet}/${v.device}:${v.cause}`, now);
      if (held !== null) {
        this.log.warn(
          { fleet: v.fleet, device: v.device, cause: v.cause, held_back: held },
          `rejected: ${v.message}`,
        );
      }
      return false;
    }
    const labels = this.labels.device(v.fleet, v.device);
    const k = key(v.fleet, v.device);
    const cached = this.shared ? this.store.loadDevice(v.fleet, v.device) : this.devicesMap.get(k);
    const entry = cached ?? { state: initialDeviceState(v.fleet, v.device), last: null };
    let event: ObservedEvent;
    if (v.kind === 'metrics') {
      const m = v.metrics;
      const sk = seenKey(v.fleet, v.device, m.boot);
      const mark = this.shared ? this.store.getSeen(v.fleet, v.device, m.boot) : this.seen.get(sk);
      const window = this.config.ingest.dedupe_window;
      if (checkSeen(mark, m.seq, window)) {
        this.metrics.duplicates.inc(labels);
        return false;
      }
      const next = markSeen(mark, m.seq, window);
      this.seen.set(sk, next);
      this.writer.seenMark(sk, v.fleet, v.device, m.boot, next, now);
      this.writer.addHistory(m);
      event = { kind: 'metrics', metrics: m };
    } else {
      event = { kind: 'status', status: v.status };
    }
    this.metrics.accepted.inc(labels);
    // the state's last window end is the last metrics' own (applyEvent skips late ones)
    const lastEnd = entry.state.last_window_end;
    const late = v.kind === 'metrics' && lastEnd !== null && v.metrics.window_end < lastEnd;
    const last = v.kind === 'metrics' && !late ? new LastMetrics(v.text) : entry.last;
    const n = alerts.length;
    const updated = this.apply(entry, event, now, last, alerts);
    // the row is durable with this message when what a restart must resume moved
    const durable =
      v.kind === 'status' ||
      alerts.length !== n ||
      rulesChanged(entry.state, updated.state, this.config.rules);
    this.writer.device(k, updated, durable);
    this.viewChanged(k);
    return true;
  }

  /** Runs the evaluator on one device and queues its notifications in the outbox. */
  private apply(
    entry: DeviceEntry,
    event: ObservedEvent,
    now: number,
    last: LastMetrics | null,
    alerts: Outbox,
  ): DeviceEntry {
    const { state, transitions } = evaluate(entry.state, this.observe(event), now);
    const updated = { state, last };
    this.devicesMap.set(key(state.fleet, state.device), updated);
    for (const t of transitions) {
      this.logTransition(state, t);
      if (!t.notify) continue;
      const alert = toAlert(state, t, now, {
        rule: this.config.rules.find((r) => r.name === t.rule),
        // the message that moved the rule; a wall-clock transition: the device's latest
        metrics: event.kind === 'metrics' ? event.metrics : last?.message,
      });
      this.metrics.noteAlert(alert);
      alerts.push({ id: this.store.addAlert(alert), alert });
    }
    if (transitions.length || event.kind !== 'tick') this.dirtyFleets.add(state.fleet);
    return updated;
  }

  private logTransition(d: DeviceState, t: Transition): void {
    if (t.from === t.to && !t.notify) return;
    this.log.info(
      {
        fleet: d.fleet,
        device: d.device,
        rule: t.rule,
        from: t.from,
        to: t.to,
        suppressed: t.suppressed,
        resend: t.resend,
      },
      `${d.fleet}/${d.device} ${t.rule}: ${t.from} → ${t.to} (${t.reason})`,
    );
  }

  /**
   * Wall-clock pass over every device: `silent` verdicts, silence expiry (catch-up
   * notifications), resends of silent alerts. Persists only devices whose rule state moved.
   */
  tick(): void {
    const now = this.clock.now();
    // silences change through the API (which reloads them) or another process (seen here)
    if (this.store.changedElsewhere()) this.reloadSilences();
    const alerts: Outbox = [];
    this.store.transaction(() => {
      if (this.shared) {
        for (const e of this.store.loadDevices())
          this.devicesMap.set(key(e.state.fleet, e.state.device), e);
      }
      for (const [k, entry] of [...this.devicesMap]) {
        const n = alerts.length;
        const updated = this.apply(
          entry,
          { kind: 'tick', stale_from: this.startedAt },
          now,
          entry.last,
          alerts,
        );
        if (alerts.length !== n || rulesChanged(entry.state, updated.state, this.config.rules)) {
          this.writer.device(k, updated, true);
          this.viewChanged(k);
        }
      }
      if (now - this.lastSnapshot >= this.config.db.snapshot_interval) {
        this.writer.snapshot((k) => this.devicesMap.get(k));
        this.lastSnapshot = now;
      }
      // a quiet fleet's last rows do not wait in the staging table for the next message
      this.writer.moveHistoryIfDue(now);
    });
    this.deliver(alerts);
  }

  /** Attaches the publisher and re-sends what a previous run committed but never got acknowledged. */
  attachPublisher(publisher: AlertPublisher | null): void {
    this.outbox.attach(publisher);
  }

  private deliver(alerts: readonly OutboxEntry[]): void {
    for (const { alert } of alerts) for (const fn of this.listeners.alert) fn(alert);
    this.outbox.send(alerts);
  }

  /** Marks the alerts acknowledged so far published (also at stop). */
  flushAcked(): void {
    this.outbox.flushAcked();
  }

  /** Waits for every alert publish in flight (bounded by the caller). */
  drain(): Promise<void> {
    return this.outbox.drain();
  }
}

function key(fleet: string, device: string): string {
  return `${fleet}/${device}`;
}
