import type { MetricsMessage } from '../shared/schema/index.ts';

/**
 * A device's latest metrics, held as the payload text it arrived as (valid JSON of the
 * message) and parsed again only when read (/metrics). A durable device-row write, one per
 * rule-state change, stores the text as it is instead of serializing the message again.
 */
export class LastMetrics {
  private parsed: MetricsMessage | null = null;
  constructor(readonly text: string) {}
  get message(): MetricsMessage {
    return (this.parsed ??= JSON.parse(this.text) as MetricsMessage);
  }
}
