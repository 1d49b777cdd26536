// Builds the wire messages and checks each against the shared schema before it leaves:
// a bug in the agent must surface as a logged, counted error, never as a bad payload that
// every collector then has to reject.
import type { z } from 'zod';
import { configIssues } from '../../shared/config/issues.ts';
import {
  METRICS_SCHEMA,
  METRICS_VERSION,
  metricsSchema,
  type AgentHealth,
  type MetricsMessage,
} from '../../shared/schema/metrics.ts';
import {
  STATUS_SCHEMA,
  STATUS_VERSION,
  statusSchema,
  type StatusMessage,
} from '../../shared/schema/status.ts';
import type { Backend } from '../inference/types.ts';
import type { Snapshot } from '../pipeline/operators/summarize.ts';
import { isValidMetrics } from '../../shared/schema/check-metrics.ts';

export interface Identity {
  fleet: string;
  device: string;
  /** one id per agent start */
  boot: string;
}

export interface StatusInfo {
  agentVersion: string;
  model: { name: string; sha256: string };
  backend: Backend;
  configDigest: string;
  publishPeriodS?: number;
}

export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  constructor(what: string, issues: { path: string; message: string }[]) {
    super(
      `refusing to send an invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
}

export function validated<S extends z.ZodType>(
  schema: S,
  what: string,
  message: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(message);
  if (!parsed.success) throw new InvalidMessageError(what, configIssues(parsed.error));
  return parsed.data;
}

export function statusMessage(
  id: Identity,
  info: StatusInfo,
  state: 'online' | 'offline',
  now: number,
  reason?: StatusMessage['reason'],
): StatusMessage {
  const msg: StatusMessage = {
    schema: STATUS_SCHEMA,
    version: STATUS_VERSION,
    fleet: id.fleet,
    device: id.device,
    boot: id.boot,
    state,
    agent_version: info.agentVersion,
    model: info.model,
    backend: info.backend,
    config_digest: info.configDigest,
    sent_at: Math.round(now),
  };
  if (info.publishPeriodS !== undefined) msg.publish_period_s = info.publishPeriodS;
  if (reason !== undefined) msg.reason = reason;
  return validated(statusSchema, 'status message', msg);
}

/** Numbers the snapshots of one boot: seq from 0, advanced only by a message that validated. */
export class MetricsNumbering {
  private seq = 0;
  constructor(private readonly id: Identity) {}

  build(snap: Snapshot, health: AgentHealth, now: number): MetricsMessage {
    // Keys in the schema's order, as zod's parsed copy had them: the encoded JSON is unchanged.
    const msg: Partial<MetricsMessage> = {
      schema: METRICS_SCHEMA,
      version: METRICS_VERSION,
      fleet: this.id.fleet,
      device: this.id.device,
      boot: this.id.boot,
      seq: this.seq,
      window_start: Math.round(snap.window_start),
      window_end: Math.round(snap.window_end),
      windows: snap.windows,
      phase: snap.phase,
      ...(snap.warmup ? { warmup: snap.warmup } : {}),
      band: snap.band,
      band_value: snap.band_value,
      measures: snap.measures,
      degenerate: snap.degenerate,
      drift: snap.drift,
    };
    if (snap.drift_note !== undefined) msg.drift_note = snap.drift_note;
    msg.recon = snap.recon;
    if ('drift_mean' in snap) msg.drift_mean = snap.drift_mean;
    if (snap.coupling_shift !== undefined) msg.coupling_shift = snap.coupling_shift;
    if ('limits' in snap) msg.limits = snap.limits;
    if (snap.rebaseline) msg.rebaseline = snap.rebaseline;
    if (snap.attribution) msg.attribution = snap.attribution;
    msg.health = health;
    msg.sent_at = Math.round(now);
    // Every message is still checked against the schema; the exact fast check (check-metrics.ts)
    // answers for the valid ones, zod names what is wrong in the others.
    const ok = isValidMetrics(msg)
      ? (msg as MetricsMessage)
      : validated(metricsSchema, 'metrics message', msg);
    this.seq++;
    return ok;
  }
}
