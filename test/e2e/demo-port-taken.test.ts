// `redband demo` on a machine where the dashboard's port is taken: it moves to a free port
// and says so in one line naming the port it took.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../shared/net/ports.ts';
import { runNode, type CliRun } from '../support/processes.ts';

let taken: Server;
let takenPort: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

const demo = (args: string[]): Promise<CliRun> => runNode('bin/redband.mjs', ['demo', ...args]);

describe('redband demo: a taken dashboard port', () => {
  it('says which port it took instead', { timeout: 90_000 }, async () => {
    const mqttPort = await freePort();
    const runDir = mkdtempSync(join(tmpdir(), 'redband-demo-port-'));
    const run = await demo([
      '--devices',
      '1',
      '--duration',
      '1',
      '--port',
      String(takenPort),
      '--mqtt-port',
      String(mqttPort),
      '--run-dir',
      runDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const said = run.stderr.split('\n').filter((l) => l.includes(`port ${takenPort} is taken`));
    expect(said, run.stderr).toHaveLength(1);
    const m = /the dashboard and API are on port (\d+) \(http:\/\/127\.0\.0\.1:(\d+)\/;/.exec(
      said[0]!,
    );
    expect(m).not.toBeNull();
    expect(Number(m![1])).not.toBe(takenPort);
    expect(m![2]).toBe(m![1]);
    expect(run.stdout).toContain(`dashboard: http://127.0.0.1:${m![1]}/`);
    expect(run.stderr).not.toContain(`port ${mqttPort} is taken`);
  });
});
