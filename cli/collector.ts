// `redband collector`: runs the fleet collector until SIGINT/SIGTERM.
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import {
  DEFAULT_DB_PATH,
  DEFAULT_EMBEDDED_BROKER_PORT,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
} from '../collector/defaults.ts';
import { nonNegativeInt } from '../shared/cli-args.ts';
import { setIn } from '../shared/config/overrides.ts';
import { UserError } from '../shared/errors.ts';
import type { LogFormat } from '../shared/log-format.ts';
import { logFormatOption } from '../shared/log-destination.ts';

export interface CollectorFlags {
  config?: string;
  broker?: string;
  db?: string;
  port?: number;
  host?: string;
  mqttPort?: number;
  fleet?: string;
  /** true: the flag without a value (HTTP_TOKEN_ENV) */
  httpTokenEnv?: string | true;
  logFormat?: LogFormat;
}

/** the variable --http-token-env names when none is given to it */
export const HTTP_TOKEN_ENV = 'REDBAND_HTTP_TOKEN';

/** Config file (optional) with command-line flags applied on top, validated as one. */
async function configFromFlags(flags: CollectorFlags) {
  // here, not at the top: building the CLI must not load the schema library and YAML parser
  const { parseConfig, readConfigFile } = await import('../collector/config.ts');
  const raw = flags.config ? readConfigFile(flags.config) : {};
  if (flags.broker !== undefined) setIn(raw, ['mqtt', 'url'], flags.broker);
  if (flags.db !== undefined) setIn(raw, ['db', 'path'], flags.db);
  if (flags.port !== undefined) setIn(raw, ['http', 'port'], flags.port);
  if (flags.host !== undefined) setIn(raw, ['http', 'host'], flags.host);
  if (flags.mqttPort !== undefined) setIn(raw, ['embedded_broker', 'port'], flags.mqttPort);
  if (flags.fleet !== undefined) setIn(raw, ['fleet'], flags.fleet);
  if (flags.httpTokenEnv !== undefined) {
    const name = flags.httpTokenEnv === true ? HTTP_TOKEN_ENV : flags.httpTokenEnv;
    const token = process.env[name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UserError(
        `--http-token-env: expected an environment variable name, got "${name}"`,
        'config',
      );
    if (token === undefined || token === '')
      throw new UserError(`--http-token-env: environment variable ${name} is not set`, 'config');
    setIn(raw, ['http', 'token'], token);
  }
  // TLS files named in a config file are relative to it
  const tls = flags.config
    ? (raw.mqtt as { tls?: Record<string, unknown> } | undefined)?.tls
    : undefined;
  if (typeof tls === 'object' && tls !== null)
    for (const k of ['ca', 'cert', 'key'])
      if (typeof tls[k] === 'string' && tls[k] !== '')
        tls[k] = resolve(dirname(flags.config!), tls[k]);
  return parseConfig(raw, flags.config ?? 'configuration');
}

export function collectorCommand(): Command {
  return new Command('collector')
    .description('Collect fleet metrics over MQTT, raise alerts, serve /metrics and the dashboard.')
    .option('--config <file>', 'YAML config (see collector/README.md)')
    .option('--broker <url>', 'MQTT broker URL; without one an embedded broker is started')
    .option('--db <file>', `SQLite file (default ${DEFAULT_DB_PATH})`)
    .option('--port <n>', `HTTP port (default ${DEFAULT_HTTP_PORT})`, nonNegativeInt('--port'))
    .option(
      '--host <h>',
      `HTTP bind address (default ${DEFAULT_HTTP_HOST}; others need http.token or --http-token-env)`,
    )
    .option(
      '--http-token-env [var]',
      `read the HTTP bearer token (http.token) from this environment variable (default ${HTTP_TOKEN_ENV})`,
    )
    .option(
      '--mqtt-port <n>',
      `embedded broker port (default ${DEFAULT_EMBEDDED_BROKER_PORT})`,
      nonNegativeInt('--mqtt-port'),
    )
    .option('--fleet <id>', 'only this fleet (topic sharding)')
    .addOption(logFormatOption())
    .action(async (flags: CollectorFlags) => {
      // Signals are taken before anything starts: a SIGTERM that arrives while the collector is
      // still starting (its HTTP server already answering) stops it cleanly, not by default action.
      const signalled = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const config = await configFromFlags(flags);
      const { createLogger, startCollector } = await import('../collector/factories.ts');
      const { resolveLogFormat } = await import('../shared/log-destination.ts');
      const { displayUrl } = await import('../collector/mqtt.ts');
      // Serving HTTP (/readyz 503 with the reason) while the broker is waited for: a collector
      // that boots before its broker is not an error.
      const collector = await startCollector(config, {
        logger: createLogger(undefined, resolveLogFormat(flags.logFormat, undefined)),
        processMetrics: true,
        waitForBroker: false,
      });
      process.stderr.write(
        `redband collector: dashboard ${collector.httpUrl}/  broker ${displayUrl(collector.brokerUrl)}\n`,
      );
      const outcome = await Promise.race<string | Error>([
        signalled,
        // only a refused subscription rejects (a configuration error: exit 2)
        collector.subscribed.then(
          () => signalled,
          (e: Error) => e,
        ),
      ]);
      if (typeof outcome === 'string')
        process.stderr.write(`redband collector: ${outcome}, stopping\n`);
      await collector.stop();
      if (outcome instanceof Error) throw outcome;
    });
}
