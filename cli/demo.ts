// `redband demo` (= `npm start`): a working monitored fleet on one machine.
import { Command } from 'commander';
import { DEMO_OPTION_DEFAULTS, type DemoOptions } from '../demo/options.ts';
import { SKAB_DIR_ENV, skabData, skabReplayFile } from '../demo/skab-data.ts';
import { renderView } from '../demo/live-view.ts';
import { positiveInt } from '../shared/cli-args.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start a broker, the collector with its dashboard and a fleet of simulated agents with injected faults',
    )
    .option(
      '--devices <n>',
      'number of simulated devices',
      positiveInt('--devices'),
      DEMO_OPTION_DEFAULTS.devices,
    )
    .option(
      '--duration <s>',
      'stop after this many seconds (default: run until Ctrl-C)',
      positiveInt('--duration'),
    )
    .option(
      '--seed <n>',
      'seed of the simulated devices',
      positiveInt('--seed'),
      DEMO_OPTION_DEFAULTS.seed,
    )
    .option('--skab', 'add a device replaying a SKAB pump run (valve closure) at 10× speed')
    .option(
      '--data <dir>',
      `the SKAB data set's folder for --skab (default: $${SKAB_DIR_ENV}, else ../shared/datasets/skab beside the repository)`,
    )
    .option('--broker <url>', 'use this MQTT broker instead of the embedded one')
    .option(
      '--port <n>',
      'dashboard port (a free one is chosen if taken)',
      positiveInt('--port'),
      DEMO_OPTION_DEFAULTS.httpPort,
    )
    .option(
      '--mqtt-port <n>',
      'embedded broker port (a free one is chosen if taken)',
      positiveInt('--mqtt-port'),
      DEMO_OPTION_DEFAULTS.mqttPort,
    )
    .option(
      '--fault-start <s>',
      'seconds before the first fault',
      positiveInt('--fault-start'),
      DEMO_OPTION_DEFAULTS.faultStartS,
    )
    .option(
      '--speed <n>',
      'replay the simulated devices at N× real time (1 = real time; the rules see the same data time)',
      positiveInt('--speed'),
      DEMO_OPTION_DEFAULTS.speed,
    )
    .option(
      '--run-dir <dir>',
      'where configs, logs and the database go',
      DEMO_OPTION_DEFAULTS.runDir,
    )
    .action(async (opts: Record<string, unknown>) => {
      const options: Partial<DemoOptions> = {
        devices: opts.devices as number,
        seed: opts.seed as number,
        durationS: (opts.duration as number | undefined) ?? null,
        skab: Boolean(opts.skab),
        skabData: skabData(opts.data as string | undefined, process.env),
        broker: (opts.broker as string | undefined) ?? null,
        httpPort: opts.port as number,
        mqttPort: opts.mqttPort as number,
        faultStartS: opts.faultStart as number,
        runDir: opts.runDir as string,
        speed: opts.speed as number,
      };
      await runDemo(options);
    });
}

/**
 * `--broker`: a malformed URL is the collector's config error (mqtt.url, one line); a broker
 * that cannot be reached is said in one line before anything starts (the demo is run by
 * hand: waiting for a broker that is not there would look like a hang).
 */
async function checkBroker(url: string): Promise<void> {
  const { parseConfig } = await import('../collector/config.ts');
  parseConfig({ mqtt: { url } }, 'configuration');
  const { default: mqtt } = await import('mqtt');
  const { displayUrl } = await import('../collector/mqtt.ts');
  const { UserError } = await import('../shared/errors.ts');
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
    await c.endAsync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot reach the broker at ${displayUrl(url)}: ${typeof code === 'string' ? code : (e as Error).message}; start it, or leave out --broker for the embedded one`,
      'broker',
    );
  }
}

async function runDemo(options: Partial<DemoOptions>): Promise<void> {
  const tty = Boolean(process.stdout.isTTY);
  if (options.skab && options.skabData) skabReplayFile(options.skabData);
  if (options.broker) await checkBroker(options.broker);
  process.stderr.write('redband demo: starting the collector…\n');
  const { startDemo } = await import('../demo/orchestrator.ts');
  const demo = await startDemo(options);
  const onSignal = () => {
    process.stderr.write('\nredband demo: stopping (agents first, then the collector)…\n');
    void demo.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const header = `redband demo — ${demo.fleet.length} devices, broker ${demo.brokerUrl}, logs in ${options.runDir ?? '.redband/demo'}`;
  let interval: NodeJS.Timeout | null = null;
  if (tty) {
    const draw = () =>
      process.stdout.write(
        `\x1b[H\x1b[2J${renderView(demo.view, { now: Date.now(), dashboardUrl: demo.dashboardUrl, color: true, header })}\n`,
      );
    draw();
    interval = setInterval(draw, 1000);
  } else {
    process.stdout.write(`${header}\ndashboard: ${demo.dashboardUrl}\n`);
    let printed = 0;
    demo.onUpdate(() => {
      const { transitions, transitionCount } = demo.view;
      const fresh = Math.min(transitionCount - printed, transitions.length);
      for (const line of transitions.slice(transitions.length - fresh)) {
        process.stdout.write(`${line}
`);
      }
      printed = transitionCount;
    });
  }
  demo.onUpdate((e) => {
    if (e.kind === 'process-exit' && !tty) {
      process.stdout.write(`process ${e.name} exited (${e.code ?? e.signal})\n`);
    }
    if (e.kind === 'incident' && !tty) process.stdout.write(`${e.device}: ${e.what}\n`);
  });
  await demo.finished;
  if (interval) clearInterval(interval);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stderr.write('redband demo: stopped.\n');
}
