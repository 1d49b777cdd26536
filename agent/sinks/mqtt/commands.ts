// Commands to this device (redband rebaseline): decoded, checked that they name this device,
// and handed on; anything else is logged and ignored, never an error of the sink.
import type { Logger } from 'pino';
import { decodeCommand, type CommandMessage } from '../../../shared/schema/index.ts';

export function commandHandler(
  target: { fleet: string; device: string; topic: string },
  log: Logger,
  onCommand: (command: CommandMessage) => void,
): (topic: string, payload: Buffer) => void {
  return (topic, payload) => {
    if (topic !== target.topic) return;
    const d = decodeCommand(payload);
    if (!d.ok) {
      log.warn({ topic, err: d.error.message }, 'mqtt: command ignored');
    } else if (d.value.fleet !== target.fleet || d.value.device !== target.device) {
      log.warn({ topic }, 'mqtt: command for another device ignored');
    } else {
      onCommand(d.value);
    }
  };
}
