// The alert message published for one transition of one device's rule, naming the channels
// most responsible from the statistic the rule reads: the attribution the device's agent
// published with the metrics that moved the rule (or its latest, for wall-clock transitions).
import {
  ALERT_SCHEMA,
  ALERT_VERSION,
  type AlertChannel,
  type AlertChannelSource,
  type AlertMessage,
  type MetricsMessage,
} from '../shared/schema/index.ts';
import type { DeviceState, Rule, Transition } from './rules/types.ts';

/**
 * The attribution list that explains a rule's field: level shift → drift_mean; the band and
 * the redundancy measures (over-coupling, over-compression) → the input coupling; the latent
 * drift and the reconstruction error → the reconstruction error per channel. `silent` reads
 * no statistic.
 */
export function channelSource(rule: Rule | undefined): AlertChannelSource | null {
  if (!rule || rule.kind !== 'threshold') return null;
  if (rule.field === 'drift_mean') return 'drift_mean';
  if (rule.field === 'drift' || rule.field === 'recon_mean') return 'recon';
  return 'coupling';
}

/**
 * The ranked channels of `source` in `m`'s attribution, in the agent's order. The coupling is
 * ranked by |change| whatever the rule's direction: a latent over-coupling need not come from
 * an input channel locked tighter to the others — on the simulator, channels collapsed onto one
 * source lose the other factor and become *less* predictable from the rest (their coupling
 * drops), and ranking rises first would name a healthy channel.
 */
export function alertChannels(
  rule: Rule | undefined,
  m: MetricsMessage | null | undefined,
): { channels: AlertChannel[]; channels_from: AlertChannelSource | null } {
  const source = channelSource(rule);
  const a = m?.attribution;
  if (!source || !a) return { channels: [], channels_from: source };
  const channels =
    source === 'coupling'
      ? (a.coupling ?? []).map((c) => ({ channel: c.channel, score: c.delta }))
      : ((source === 'drift_mean' ? a.drift_mean : a.recon) ?? []).map((c) => ({
          channel: c.channel,
          score: c.share,
        }));
  return { channels, channels_from: source };
}

export function toAlert(
  d: DeviceState,
  t: Transition,
  now: number,
  /** the rule that moved, and the device's metrics at the transition */
  context: { rule?: Rule; metrics?: MetricsMessage | null } = {},
): AlertMessage {
  // a resolution names nothing: the channels are those of the statistic as it is now, normal
  const named =
    t.to === 'resolved'
      ? { channels: [], channels_from: channelSource(context.rule) }
      : alertChannels(context.rule, context.metrics);
  return {
    schema: ALERT_SCHEMA,
    version: ALERT_VERSION,
    fleet: d.fleet,
    device: d.device,
    rule: t.rule,
    state: t.to,
    reason: t.reason,
    value: t.value,
    band: d.band,
    since: Math.max(0, Math.round(t.since)),
    boot: t.boot,
    seq: t.seq,
    resend: t.resend,
    sent_at: now,
    channels: named.channels,
    channels_from: named.channels_from,
  };
}
