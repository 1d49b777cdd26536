// The bundled agent on the 32-bit gateway's config (WebAssembly), started as the systemd unit
// starts it (its node flags and environment), stays under the unit's MemoryMax: measured with
// the memory bench's sampler (bench/agent-memory.ts) on a real agent process.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readUnit, sampleAgent } from '../../bench/agent-memory.ts';
import { REPO, runNode } from '../agent/harness.ts';

describe('the WebAssembly agent under the unit', () => {
  beforeAll(async () => {
    const build = await runNode('scripts/build-agent.mjs', []);
    expect(build.code, build.stderr).toBe(0);
  });

  it("stays under the unit's MemoryMax, started with the unit's node flags and environment", async () => {
    const unit = readUnit();
    const run = await sampleAgent({
      args: [
        '--config',
        join(REPO, 'firmware-configs', 'arm32-gateway.yaml'),
        '--publish',
        'stdout',
        '--speed',
        '10',
      ],
      nodeFlags: unit.nodeFlags,
      env: unit.env,
      seconds: 8,
    });
    // the agent ran (windows went through the WebAssembly model), and its peak fit
    expect(run.windows).toBeGreaterThan(0);
    expect(run.rssPeakMb).toBeLessThan(unit.memoryMaxMb);
  }, 60_000);
});
