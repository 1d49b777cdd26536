// The demo's terminal view: a pure reducer over the fleet's MQTT messages and a pure renderer,
// so the orchestrator only feeds messages in and writes the string out.
import type { AlertMessage } from '../shared/schema/alert.ts';
import type { Band } from '../shared/schema/common.ts';
import type { MetricsMessage } from '../shared/schema/metrics.ts';
import type { StatusMessage } from '../shared/schema/status.ts';

export interface ViewDevice {
  device: string;
  role: string;
  runtime: string;
  online: boolean | null;
  phase: 'warmup' | 'live' | null;
  band: Band | null;
  bandValue: number | null;
  /** rule → state of the alerts that are pending or firing */
  alerts: Map<string, 'pending' | 'firing'>;
  lastSeen: number | null;
  seq: number | null;
  /** rule → the silence holding its firing alert's notifications back (from /api/fleet) */
  silenced: Map<string, ViewSilence>;
}

export interface ViewSilence {
  id: string;
  until: number;
  comment: string;
}

/** What the view reads from the collector's /api/fleet (collector/summary.ts FleetDevice). */
export interface FleetViewDevice {
  device: string;
  alerts: { rule: string; state: 'pending' | 'firing'; silenced?: ViewSilence | null }[];
}

export interface ViewState {
  devices: Map<string, ViewDevice>;
  /** newest last, at most MAX_TRANSITIONS */
  transitions: string[];
  /** transitions seen since the start, including those no longer kept */
  transitionCount: number;
}

const MAX_TRANSITIONS = 8;

export function initialView(
  devices: { device: string; role: string; runtime: string }[],
): ViewState {
  const map = new Map<string, ViewDevice>();
  for (const d of devices) {
    map.set(d.device, {
      ...d,
      online: null,
      phase: null,
      band: null,
      bandValue: null,
      alerts: new Map(),
      lastSeen: null,
      seq: null,
      silenced: new Map(),
    });
  }
  return { devices: map, transitions: [], transitionCount: 0 };
}

export type ViewEvent =
  | { kind: 'metrics'; message: MetricsMessage; receivedAt: number }
  | { kind: 'status'; message: StatusMessage; receivedAt: number }
  | { kind: 'alert'; message: AlertMessage; receivedAt: number }
  /**
   * the collector's own view of a device: its alerts as the rules hold them, silenced ones
   * included (a silence holds back their MQTT notifications, so the alert topic never says)
   */
  | { kind: 'fleet'; device: FleetViewDevice };

/** Applies one message; mutates and returns `state` (the view is the only owner). */
export function applyViewEvent(state: ViewState, event: ViewEvent): ViewState {
  const d = deviceOf(state, event.kind === 'fleet' ? event.device.device : event.message.device);
  switch (event.kind) {
    case 'fleet':
      d.alerts = new Map(event.device.alerts.map((a) => [a.rule, a.state]));
      d.silenced = new Map(
        event.device.alerts.flatMap((a) =>
          a.state === 'firing' && a.silenced ? [[a.rule, a.silenced] as const] : [],
        ),
      );
      break;
    case 'metrics':
      d.phase = event.message.phase;
      d.band = event.message.band;
      d.bandValue = event.message.band_value;
      d.lastSeen = event.receivedAt;
      d.seq = event.message.seq;
      d.online = true;
      break;
    case 'status':
      d.online = event.message.state === 'online';
      d.runtime = event.message.backend;
      break;
    case 'alert': {
      const a = event.message;
      if (a.resend) break;
      if (a.state === 'resolved') {
        d.alerts.delete(a.rule);
        d.silenced.delete(a.rule);
      } else d.alerts.set(a.rule, a.state);
      const time = new Date(event.receivedAt).toISOString().slice(11, 19);
      const value = a.value === null ? '' : ` value ${formatNumber(a.value)}`;
      state.transitions.push(`${time}  ${a.device.padEnd(10)} ${a.rule} → ${a.state}${value}`);
      state.transitionCount++;
      if (state.transitions.length > MAX_TRANSITIONS) state.transitions.shift();
      break;
    }
  }
  return state;
}

function deviceOf(state: ViewState, device: string): ViewDevice {
  let d = state.devices.get(device);
  if (!d) {
    d = {
      device,
      role: '',
      runtime: '?',
      online: null,
      phase: null,
      band: null,
      bandValue: null,
      alerts: new Map(),
      lastSeen: null,
      seq: null,
      silenced: new Map(),
    };
    state.devices.set(device, d);
  }
  return d;
}

export function deviceStatus(d: ViewDevice): string {
  if (d.alerts.get('silent') === 'firing' || d.online === false) return 'SILENT';
  if ([...d.alerts.values()].includes('firing')) return 'FIRING';
  if (d.alerts.size > 0) return 'pending';
  if (d.phase === null) return 'waiting';
  return d.phase === 'warmup' ? 'warm-up' : 'ok';
}

/** "silenced until HH:MM:SS by “comment” (silence 1a2b3c4d)", as the dashboard says it. */
export function formatSilence(s: ViewSilence): string {
  const time = new Date(s.until).toLocaleTimeString([], { hour12: false });
  const id = s.id.slice(0, 8);
  return `silenced until ${time} by ${s.comment ? `“${s.comment}” (silence ${id})` : `silence ${id}`}`;
}

/** The alerts column: each alert and its state; a silenced one says until when and by which. */
export function alertsText(d: ViewDevice): string {
  return [...d.alerts]
    .map(([rule, s]) => {
      const silence = s === 'firing' ? d.silenced.get(rule) : undefined;
      return silence ? `${rule}(firing, ${formatSilence(silence)})` : `${rule}(${s})`;
    })
    .join(' ');
}

/** A 21-character gauge: band edges as `|`, the value as `●`, out-of-band values clamped to the ends. */
export function bandGauge(value: number | null, band: Band | null): string {
  const width = 21;
  if (!band) return ' '.repeat(width);
  const span = band.high - band.low || 1;
  const lo = band.low - span / 2;
  const hi = band.high + span / 2;
  const col = (v: number) =>
    Math.max(0, Math.min(width - 1, Math.round(((v - lo) / (hi - lo)) * (width - 1))));
  const cells = Array.from({ length: width }, () => '·');
  cells[col(band.low)] = '|';
  cells[col(band.high)] = '|';
  // null means +∞ (a singular correlation: total collapse)
  cells[value === null ? width - 1 : col(value)] = '●';
  return cells.join('');
}

export function formatNumber(v: number | null): string {
  if (v === null) return '+∞';
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(2) : v.toFixed(3);
}

const ANSI: Record<string, string> = {
  FIRING: '\x1b[31m',
  SILENT: '\x1b[90m',
  pending: '\x1b[33m',
  ok: '\x1b[32m',
};

export interface RenderOptions {
  now: number;
  dashboardUrl: string;
  color: boolean;
  header?: string;
}

export function renderView(state: ViewState, o: RenderOptions): string {
  const lines: string[] = [];
  lines.push(o.header ?? 'redband demo');
  lines.push(`dashboard: ${o.dashboardUrl}    (Ctrl-C stops everything)`);
  lines.push(
    `silence:   npx redband silence add --url ${o.dashboardUrl} --device DEVICE --for 30m`,
  );
  lines.push('');
  lines.push(
    `${'device'.padEnd(10)} ${'runtime'.padEnd(7)} ${'state'.padEnd(8)} ${'measure'.padEnd(17)} ${'value'.padStart(9)}  ${'band'.padEnd(21)}  ${'seen'.padStart(5)}  alerts`,
  );
  for (const d of state.devices.values()) {
    const status = deviceStatus(d);
    const coloured =
      o.color && ANSI[status] ? `${ANSI[status]}${status.padEnd(8)}\x1b[0m` : status.padEnd(8);
    const seen = d.lastSeen === null ? '-' : `${Math.round((o.now - d.lastSeen) / 1000)}s`;
    const alerts = alertsText(d);
    lines.push(
      `${d.device.padEnd(10)} ${d.runtime.padEnd(7)} ${coloured} ${(d.band?.measure ?? '-').padEnd(17)} ${(d.phase ? formatNumber(d.bandValue) : '-').padStart(9)}  ${bandGauge(d.bandValue, d.band)}  ${seen.padStart(5)}  ${alerts || d.role}`,
    );
  }
  lines.push('');
  lines.push('alert transitions:');
  if (state.transitions.length === 0) lines.push('  (none yet)');
  for (const t of state.transitions) lines.push(`  ${t}`);
  return lines.join('\n');
}
