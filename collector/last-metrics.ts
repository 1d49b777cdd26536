import type { MetricsMessage } from '../shared/schema/index.ts';

/**
 * A device's latest metrics, held as the payload text it arrived as and parsed again only
 * when read (/metrics, the device page). Holding the parsed message kept ~70 objects per
 * device alive from one message to the next: V8 copied them through the young generation
 * and promoted them, and most of the collector's GC work was that copying and marking.
 */
export class LastMetrics {
  private parsed: MetricsMessage | null = null;
  constructor(readonly text: string) {}
  get message(): MetricsMessage {
    return (this.parsed ??= JSON.parse(this.text) as MetricsMessage);
  }
}
