// Sends a `rebaseline` command (shared/schema/command.ts) to one device's command topic and
// waits for the broker's PUBACK. Loaded by `redband rebaseline` when it runs (cli/rebaseline.ts).
import { UserError } from '../shared/errors.ts';
import { COMMAND_SCHEMA, COMMAND_VERSION, type CommandMessage } from '../shared/schema/command.ts';
import { topicIdSchema } from '../shared/schema/common.ts';
import { brokerUrlSchema } from '../shared/schema/mqtt-connection.ts';
import { deviceTopic } from '../shared/schema/topics.ts';

export interface RebaselineOptions {
  fleet: string;
  broker: string;
  reason: string;
  timeoutMs: number;
  username?: string;
  password?: string;
}

/** The command message, checked; throws a UserError naming a bad device or fleet. */
export function rebaselineCommand(
  device: string,
  o: RebaselineOptions,
  now: number,
): CommandMessage {
  for (const [what, v] of [
    ['device', device],
    ['--fleet', o.fleet],
  ] as const) {
    if (!topicIdSchema.safeParse(v).success) {
      throw new UserError(
        `${what}: "${v}" is not a device/fleet id (letters, digits, . _ -)`,
        'usage',
      );
    }
  }
  const url = brokerUrlSchema.safeParse(o.broker);
  if (!url.success) throw new UserError(`--broker: ${url.error.issues[0]!.message}`, 'usage');
  return {
    schema: COMMAND_SCHEMA,
    version: COMMAND_VERSION,
    fleet: o.fleet,
    device,
    command: 'rebaseline',
    reason: o.reason.slice(0, 160),
    issued_at: now,
  };
}

/** Publishes the command and waits for the broker's PUBACK (or fails after timeoutMs). */
export async function sendRebaseline(
  device: string,
  o: RebaselineOptions,
): Promise<CommandMessage> {
  const msg = rebaselineCommand(device, o, Date.now());
  const { connectAsync } = await import('mqtt');
  const client = await Promise.race([
    connectAsync(o.broker, {
      reconnectPeriod: 0,
      connectTimeout: o.timeoutMs,
      ...(o.username ? { username: o.username } : {}),
      ...(o.password ? { password: o.password } : {}),
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer in ${o.timeoutMs} ms`)), o.timeoutMs).unref(),
    ),
  ]).catch((e: Error) => {
    throw new UserError(`cannot reach the broker at ${o.broker}: ${e.message}`, 'mqtt');
  });
  try {
    await client.publishAsync(deviceTopic(o.fleet, device, 'command'), JSON.stringify(msg), {
      qos: 1,
    });
  } finally {
    await client.endAsync();
  }
  return msg;
}
