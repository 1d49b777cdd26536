// The MQTT topic layout: redband/v1/<fleet>/<device>/<kind>, and redband/v1/<fleet>/summary.

export const TOPIC_ROOT = 'redband/v1';

export type DeviceTopicKind = 'metrics' | 'status' | 'alerts' | 'command';

export function deviceTopic(fleet: string, device: string, kind: DeviceTopicKind): string {
  return `${TOPIC_ROOT}/${fleet}/${device}/${kind}`;
}

export function fleetSummaryTopic(fleet: string): string {
  return `${TOPIC_ROOT}/${fleet}/summary`;
}

/** Subscription filters of a collector; `fleet` narrows to one fleet (topic sharding). */
export function collectorSubscriptions(fleet = '+'): string[] {
  return [`${TOPIC_ROOT}/${fleet}/+/metrics`, `${TOPIC_ROOT}/${fleet}/+/status`];
}

export interface ParsedDeviceTopic {
  fleet: string;
  device: string;
  kind: DeviceTopicKind;
}

/** Parses a device topic; null when the topic is not one of ours. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , fleet, device, kind] = parts as [string, string, string, string, string];
  if (!fleet || !device) return null;
  if (kind !== 'metrics' && kind !== 'status' && kind !== 'alerts' && kind !== 'command') {
    return null;
  }
  return { fleet, device, kind };
}
