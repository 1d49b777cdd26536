// Runs a real agent in this process with the stdout sink and returns the metrics messages it
// printed, in order: the scripts that measure the product on simulated data (forecast-healthy,
// sim-channels, sim-alerts) drive the agent the same way, through here.
import { Writable } from 'node:stream';
import pino from 'pino';
import { createAgent } from '../agent/agent.ts';
import type { LoadedConfig } from '../agent/config/load.ts';
import { decodeMetrics, type MetricsMessage } from '../shared/schema/index.ts';

export async function agentMetrics(
  loaded: LoadedConfig,
  logLevel: pino.Level | 'silent' = 'silent',
): Promise<MetricsMessage[]> {
  const chunks: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const agent = await createAgent(loaded, { log: pino({ level: logLevel }), stdout });
  await agent.start();
  await agent.finished;
  return chunks
    .join('')
    .split('\n')
    .flatMap((line) => {
      const d = decodeMetrics(line);
      return d.ok ? [d.value] : [];
    });
}
