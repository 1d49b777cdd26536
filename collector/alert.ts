// The alert message published for one transition of one device's rule.
import { ALERT_SCHEMA, ALERT_VERSION, type AlertMessage } from '../shared/schema/index.ts';
import type { DeviceState, Transition } from './rules/types.ts';

export function toAlert(d: DeviceState, t: Transition, now: number): AlertMessage {
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
  };
}
