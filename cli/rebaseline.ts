// `redband rebaseline DEVICE`: an operator accepts a device's current level as its new normal.
// Publishes a `rebaseline` command (shared/schema/command.ts) on the device's command topic;
// the agent re-fits its level-shift baseline at its next window and says so in its next
// metrics message (`rebaseline`). QoS 1 into the agent's persistent session: an agent that is
// offline applies it when it reconnects.
import { Command } from 'commander';
import { UserError } from '../shared/errors.ts';

export function rebaselineCliCommand(): Command {
  return new Command('rebaseline')
    .description(
      "Accept a device's current level as its new normal: the agent re-fits its level-shift baseline",
    )
    .argument('<device>', 'the device id')
    .option('--fleet <id>', 'the device fleet', 'default')
    .option('--broker <url>', 'the MQTT broker the agent is connected to', 'mqtt://localhost:1883')
    .option('--reason <text>', 'who accepts the shift and why (logged and published by the agent)')
    .option('--username <name>', 'MQTT user name')
    .option('--password-env <var>', 'environment variable holding the MQTT password')
    .action(
      async (
        device: string,
        o: {
          fleet: string;
          broker: string;
          reason?: string;
          username?: string;
          passwordEnv?: string;
        },
      ) => {
        const password = o.passwordEnv ? process.env[o.passwordEnv] : undefined;
        if (o.passwordEnv && password === undefined) {
          throw new UserError(`--password-env: ${o.passwordEnv} is not set`, 'usage');
        }
        const reason = o.reason ?? `redband rebaseline by ${process.env.USER ?? 'an operator'}`;
        const { sendRebaseline } = await import('./rebaseline-send.ts');
        const msg = await sendRebaseline(device, {
          fleet: o.fleet,
          broker: o.broker,
          reason,
          timeoutMs: 10_000,
          ...(o.username ? { username: o.username } : {}),
          ...(password ? { password } : {}),
        });
        process.stdout.write(
          `sent: re-baseline ${msg.fleet}/${msg.device} ("${msg.reason}"); the device applies it at its next window\n`,
        );
      },
    );
}
