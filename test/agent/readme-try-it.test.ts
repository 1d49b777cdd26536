// The README's "Try a config without a broker" line, run exactly as written: it must reach the
// live phase within its own --duration (the command is read from README.md so they cannot drift).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMetrics } from '../../shared/schema/index.ts';
import { REPO, runNode } from './harness.ts';

function readmeTryIt(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = /Try a config without a broker: `npx redband (agent [^`]*--publish stdout[^`]*)`/.exec(
    readme,
  );
  if (!m) throw new Error("README.md has no 'Try a config without a broker' line");
  return m[1]!.trim().split(/\s+/);
}

describe("README's try-it line", () => {
  it('prints at least one live metrics line', { timeout: 90_000 }, async () => {
    const args = readmeTryIt();
    const run = await runNode('bin/redband.mjs', args);
    expect(run.code, run.stderr).toBe(0);
    const phases = run.stdout
      .trim()
      .split('\n')
      .map((line) => decodeMetrics(line))
      .flatMap((d) => (d.ok ? [d.value.phase] : []));
    expect(phases.length).toBeGreaterThan(0);
    expect(phases).toContain('live');
  });
});
