// The message schemas the agent and the collector share, and their decoders.
import { isValidMetrics } from './check-metrics.ts';
import {
  alertSchema,
  alertSchemaV1,
  ALERT_SCHEMA,
  ALERT_VERSION,
  upgradeAlertV1,
  type AlertMessage,
} from './alert.ts';
import { commandSchema, COMMAND_SCHEMA, COMMAND_VERSION, type CommandMessage } from './command.ts';
import { decodePayload, type Decoded, type DecodeOptions } from './decode.ts';
import { metricsSchema, METRICS_SCHEMA, METRICS_VERSION, type MetricsMessage } from './metrics.ts';
import { statusSchema, STATUS_SCHEMA, STATUS_VERSION, type StatusMessage } from './status.ts';

export * from './alert.ts';
export * from './command.ts';
export { isValidMetrics } from './check-metrics.ts';
export * from './common.ts';
export * from './decode.ts';
export * from './measures.ts';
export * from './metrics.ts';
export * from './mqtt-connection.ts';
export * from './status.ts';
export * from './topics.ts';

export const decodeMetrics = (p: Uint8Array | string, o?: DecodeOptions): Decoded<MetricsMessage> =>
  decodePayload(
    metricsSchema,
    { name: METRICS_SCHEMA, version: METRICS_VERSION },
    p,
    o,
    isValidMetrics,
  );

export const decodeStatus = (p: Uint8Array | string, o?: DecodeOptions): Decoded<StatusMessage> =>
  decodePayload(statusSchema, { name: STATUS_SCHEMA, version: STATUS_VERSION }, p, o);

/**
 * Version 2, or version 1 upgraded (naming no channels): collectors of both versions may
 * publish on the same broker while a fleet upgrades. Any other version is `wrong-version`
 * naming the current one.
 */
export function decodeAlert(p: Uint8Array | string, o?: DecodeOptions): Decoded<AlertMessage> {
  const v2 = decodePayload(alertSchema, { name: ALERT_SCHEMA, version: ALERT_VERSION }, p, o);
  if (v2.ok || v2.error.kind !== 'wrong-version') return v2;
  const v1 = decodePayload(alertSchemaV1, { name: ALERT_SCHEMA, version: 1 }, p, o);
  if (v1.ok) return { ok: true, value: upgradeAlertV1(v1.value) };
  return v1.error.kind === 'wrong-version' ? v2 : v1;
}

export const decodeCommand = (p: Uint8Array | string, o?: DecodeOptions): Decoded<CommandMessage> =>
  decodePayload(commandSchema, { name: COMMAND_SCHEMA, version: COMMAND_VERSION }, p, o);

/** The schemas exported as JSON Schema files under shared/schemas/ (scripts/export-schemas.ts). */
export const publishedSchemas = {
  'redband.metrics.v1': metricsSchema,
  'redband.status.v1': statusSchema,
  'redband.alert.v1': alertSchemaV1,
  'redband.alert.v2': alertSchema,
  'redband.command.v1': commandSchema,
} as const;
