// Starts the real collector for the dashboard test and the screenshot script: embedded Aedes
// broker, SQLite in a temp dir, HTTP on an ephemeral loopback port, logs silenced.
import pino from 'pino';
import { parseConfig } from '../../collector/config.ts';
import { startCollector, type Collector } from '../../collector/factories.ts';

export interface TestCollector {
  httpUrl: string;
  brokerUrl: string;
  /** GET an API path with the token; for assertions on what the page did */
  api(path: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  collector: Collector;
}

export async function startTestCollector(o: {
  dbPath: string;
  token?: string;
}): Promise<TestCollector> {
  const config = parseConfig({
    db: { path: o.dbPath },
    http: { host: '127.0.0.1', port: 0, token: o.token ?? null },
    embedded_broker: { host: '127.0.0.1', port: 0 },
  });
  const collector = await startCollector(config, { logger: pino({ level: 'silent' }) });
  return {
    collector,
    httpUrl: collector.httpUrl,
    brokerUrl: collector.brokerUrl,
    async api(path) {
      const res = await fetch(`${collector.httpUrl}${path}`, {
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    },
    stop: () => collector.stop(),
  };
}
