// The stdout sink: the same messages as the MQTT sink, one JSON object per line, so the
// agent runs (and can be tested, piped, or replayed) with no broker at all.
import type { Writable } from 'node:stream';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';
import type { Unstamped } from '../../component.ts';
import type { Sink, SinkStats } from '../types.ts';

export function createStdoutSink(out: Writable = process.stdout): Unstamped<Sink> {
  let stopped: Promise<void> | null = null;
  const write = (message: MetricsMessage | StatusMessage): void => {
    out.write(`${JSON.stringify(message)}\n`);
  };
  return {
    async start(online) {
      write(online);
    },
    publishMetrics: write,
    stats: (): SinkStats => ({ outboxDepth: 0, outboxDropped: 0 }),
    stop(offline) {
      stopped ??= new Promise<void>((resolve) => {
        write(offline);
        // Resolves once everything written so far has been handed to the OS.
        out.write('', () => resolve());
      });
      return stopped;
    },
  };
}
