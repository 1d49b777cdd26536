// `redband collector`: runs the fleet collector until SIGINT/SIGTERM.
import { Command } from 'commander';

export interface CollectorFlags {
  config?: string;
  broker?: string;
  db?: string;
  port?: string;
  host?: string;
  mqttPort?: string;
  fleet?: string;
}

function section(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = raw[name];
  if (v === undefined || v === null) return (raw[name] = {}) as Record<string, unknown>;
  return v as Record<string, unknown>;
}

/** Config file (optional) with command-line flags applied on top, validated as one. */
async function configFromFlags(flags: CollectorFlags) {
  // here, not at the top: building the CLI must not load the schema library and YAML parser
  const { parseConfig, readConfigFile } = await import('../collector/config.ts');
  const loaded = flags.config ? readConfigFile(flags.config) : {};
  const raw = (typeof loaded === 'object' && loaded !== null ? loaded : { _: loaded }) as Record<
    string,
    unknown
  >;
  if (flags.broker !== undefined) section(raw, 'mqtt').url = flags.broker;
  if (flags.db !== undefined) section(raw, 'db').path = flags.db;
  if (flags.port !== undefined) section(raw, 'http').port = Number(flags.port);
  if (flags.host !== undefined) section(raw, 'http').host = flags.host;
  if (flags.mqttPort !== undefined) section(raw, 'embedded_broker').port = Number(flags.mqttPort);
  if (flags.fleet !== undefined) raw.fleet = flags.fleet;
  return parseConfig(raw, flags.config ?? 'configuration');
}

export function collectorCommand(): Command {
  return new Command('collector')
    .description('Collect fleet metrics over MQTT, raise alerts, serve /metrics and the dashboard.')
    .option('--config <file>', 'YAML config (see collector/README.md)')
    .option('--broker <url>', 'MQTT broker URL; without one an embedded broker is started')
    .option('--db <file>', 'SQLite file (default .redband/collector.db)')
    .option('--port <n>', 'HTTP port (default 8080)')
    .option('--host <h>', 'HTTP bind address (default 127.0.0.1; others need http.token)')
    .option('--mqtt-port <n>', 'embedded broker port (default 1883)')
    .option('--fleet <id>', 'only this fleet (topic sharding)')
    .action(async (flags: CollectorFlags) => {
      const config = await configFromFlags(flags);
      const { startCollector } = await import('../collector/factories.ts');
      // Serving HTTP (/readyz 503 with the reason) while the broker is waited for: a collector
      // that boots before its broker is not an error.
      const collector = await startCollector(config, {
        processMetrics: true,
        waitForBroker: false,
      });
      const { displayUrl } = await import('../collector/mqtt.ts');
      process.stderr.write(
        `redband collector: dashboard ${collector.httpUrl}/  broker ${displayUrl(collector.brokerUrl)}\n`,
      );
      const outcome = await new Promise<string | Error>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
        // only a refused subscription rejects (a configuration error: exit 2)
        collector.subscribed.catch((e: Error) => resolve(e));
      });
      if (typeof outcome === 'string')
        process.stderr.write(`redband collector: ${outcome}, stopping\n`);
      await collector.stop();
      if (outcome instanceof Error) throw outcome;
    });
}
