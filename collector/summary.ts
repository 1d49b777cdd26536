// The fleet summary (retained on redband/v1/<fleet>/summary) and the per-device view the
// HTTP API and the dashboard share.
import { z } from 'zod';
import {
  epochMsSchema,
  topicIdSchema,
  type Band,
  type RebaselineInfo,
} from '../shared/schema/index.ts';
import { deviceForecast, type ForecastOptions } from './rules/forecast.ts';
import { findSilence } from './rules/silences.ts';
import type { DeviceState, Rule, Silence } from './rules/types.ts';

export const SUMMARY_SCHEMA = 'redband.summary';
export const SUMMARY_VERSION = 1;

export const deviceStatusSchema = z.enum(['ok', 'pending', 'firing', 'silent', 'unknown']);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

const count = z.number().int().nonnegative();

export const summarySchema = z.strictObject({
  schema: z.literal(SUMMARY_SCHEMA),
  version: z.literal(SUMMARY_VERSION),
  fleet: topicIdSchema,
  generated_at: epochMsSchema,
  devices: z.array(
    z.strictObject({
      device: topicIdSchema,
      status: deviceStatusSchema,
      online: z.boolean(),
      /** rules currently firing */
      firing: z.array(z.string()),
    }),
  ),
  counts: z.strictObject({
    devices: count,
    online: count,
    ok: count,
    pending: count,
    firing: count,
    silent: count,
    unknown: count,
    alerts_pending: count,
    alerts_firing: count,
  }),
});
export type FleetSummary = z.infer<typeof summarySchema>;

export interface FleetDevice {
  fleet: string;
  device: string;
  online: boolean;
  status: DeviceStatus;
  band: Band | null;
  band_value: number | null;
  last_seen: number | null;
  window_end: number | null;
  boot: string | null;
  seq: number | null;
  alerts: {
    rule: string;
    state: 'pending' | 'firing';
    since: number;
    value: number | null;
    reason: string;
    /**
     * the active silence holding this alert's notifications back, if any (withSilences):
     * the alert still fires; only who is told changes
     */
    silenced?: AlertSilence | null;
  }[];
  forecast: { slope_per_hour: number | null; eta_s: number | null };
  /** rules holding a settled episode's level until the device re-baselines (clear_relative) */
  held: { rule: string; level: number }[];
  /** the device's most recent re-baselines of its level-shift statistic, newest last */
  rebaselines: RebaselineInfo[];
}

export interface AlertSilence {
  id: string;
  /** epoch ms the silence ends */
  until: number;
  comment: string;
}

/**
 * The view with each alert's silence (findSilence, as the rules apply it) filled in; the
 * HTTP API's device views carry it so the dashboard and the demo show "silenced until …".
 */
export function withSilences(
  view: FleetDevice,
  silences: readonly Silence[],
  now: number,
): FleetDevice {
  return {
    ...view,
    alerts: view.alerts.map((a) => {
      const s = findSilence(
        silences,
        { fleet: view.fleet, device: view.device, rule: a.rule },
        now,
      );
      return { ...a, silenced: s ? { id: s.id, until: s.ends_at, comment: s.comment } : null };
    }),
  };
}

export function deviceView(
  d: DeviceState,
  rules: readonly Rule[],
  forecast: ForecastOptions,
): FleetDevice {
  const silentRules = new Set(rules.filter((r) => r.kind === 'silent').map((r) => r.name));
  const alerts: FleetDevice['alerts'] = [];
  let silent = false;
  const held: FleetDevice['held'] = [];
  for (const [rule, rs] of Object.entries(d.rules)) {
    if (typeof rs.held === 'number') held.push({ rule, level: rs.held });
    if (rs.phase === 'inactive') continue;
    if (silentRules.has(rule) && rs.phase === 'firing') silent = true;
    alerts.push({
      rule,
      state: rs.phase,
      since: rs.since ?? 0,
      value: Number.isFinite(rs.value) ? rs.value : null,
      reason: rs.reason,
    });
  }
  const status: DeviceStatus = silent
    ? 'silent'
    : alerts.some((a) => a.state === 'firing')
      ? 'firing'
      : alerts.length
        ? 'pending'
        : d.band !== null && d.last_window_end !== null
          ? 'ok'
          : 'unknown';
  return {
    fleet: d.fleet,
    device: d.device,
    online: !silent && d.status !== 'offline' && d.last_metrics_wall !== null,
    status,
    band: d.band,
    band_value: d.band_value,
    last_seen: d.last_metrics_wall,
    window_end: d.last_window_end,
    boot: d.last_boot,
    seq: d.last_seq,
    alerts,
    forecast: deviceForecast(d, forecast),
    held,
    rebaselines: d.rebaselines ?? [],
  };
}

export function buildSummary(
  fleet: string,
  devices: readonly FleetDevice[],
  now: number,
): FleetSummary {
  const counts = {
    devices: 0,
    online: 0,
    ok: 0,
    pending: 0,
    firing: 0,
    silent: 0,
    unknown: 0,
    alerts_pending: 0,
    alerts_firing: 0,
  };
  const list: FleetSummary['devices'] = [];
  for (const d of devices) {
    counts.devices++;
    if (d.online) counts.online++;
    counts[d.status]++;
    for (const a of d.alerts) counts[a.state === 'firing' ? 'alerts_firing' : 'alerts_pending']++;
    list.push({
      device: d.device,
      status: d.status,
      online: d.online,
      firing: d.alerts.filter((a) => a.state === 'firing').map((a) => a.rule),
    });
  }
  return {
    schema: SUMMARY_SCHEMA,
    version: SUMMARY_VERSION,
    fleet,
    generated_at: now,
    devices: list,
    counts,
  };
}
