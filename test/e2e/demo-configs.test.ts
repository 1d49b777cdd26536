// The demo's per-device agent configs: loaded as the agent loads them, the outbox is the run
// directory's outbox/ (a relative run directory must not nest: .redband/demo/.redband/demo/outbox).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { writeDeviceConfig } from '../../demo/configs.ts';
import { planDemoFleet } from '../../demo/plan.ts';

describe('demo device configs', () => {
  it("put each agent's outbox in <run dir>/outbox when the run dir is relative", () => {
    // relative as the default .redband/demo is (the working directory is the repository's)
    mkdirSync('.redband', { recursive: true });
    const runDir = relative(process.cwd(), mkdtempSync(join('.redband', 'test-demo-configs-')));
    const abs = resolve(runDir);
    try {
      const device = planDemoFleet()[0]!;
      const file = writeDeviceConfig(device, {
        fleet: 'demo',
        brokerUrl: 'mqtt://127.0.0.1:1883',
        runDir,
        skabSpeed: 10,
        simSpeed: 1,
      });
      const loaded = loadAgentConfig(file);
      expect(loaded.config.outbox.dir).toBe(resolve(abs, 'outbox'));
    } finally {
      rmSync(abs, { recursive: true, force: true });
    }
  });
});
