// Silences are read when they change, not from SQLite at every tick: the API's writes reload
// them at once, and a write by another process on the same file (redband silence add --db)
// is seen at the next tick through SQLite's data_version.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CollectorCore } from '../../collector/core.ts';
import { CollectorMetrics } from '../../collector/metrics.ts';
import { createSilence } from '../../collector/silences.ts';
import { Store } from '../../collector/store.ts';
import { systemClock } from '../../shared/clock.ts';
import { testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((c) => c()));

function collectorOn(path: string) {
  const config = testConfig(path);
  const store = Store.open(path);
  cleanup.push(() => store.close());
  const metrics = new CollectorMetrics({ devices: () => [], forecast: config.forecast });
  return { store, core: new CollectorCore(config, store, metrics, quietLog, systemClock) };
}

describe('collector silences', () => {
  it("re-reads them at a tick only after another connection's commit", () => {
    const path = join(tmpDir(), 'c.db');
    const { store, core } = collectorOn(path);
    core.tick(); // the first tick takes the file's version
    const reads = vi.spyOn(store, 'silences');
    core.tick();
    core.tick();
    expect(reads).not.toHaveBeenCalled();

    const other = Store.open(path); // another process: the CLI with --db
    cleanup.push(() => other.close());
    const s = createSilence(other, { matchers: { device: 'd1' }, duration_ms: 60_000 }, Date.now());
    expect(core.silences().map((x) => x.id)).not.toContain(s.id);
    core.tick();
    expect(reads).toHaveBeenCalledTimes(1);
    expect(core.silences().map((x) => x.id)).toContain(s.id);
    core.tick();
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
