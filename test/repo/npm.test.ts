// npm in this repository: installing downloads nothing outside the npm registry (every locked
// package resolves there, and onnxruntime-node's install step, which fetches CUDA providers
// from api.nuget.org, is not allowed to run), and no npm command prints a configuration
// warning (the former .npmrc key drew one on every command).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/processes.ts';

const REGISTRY = 'https://registry.npmjs.org/';

describe('npm', () => {
  // a lockfile without "resolved" fields takes each package from the configured registry; a git,
  // file or tarball-URL dependency would carry its own address here
  it('every locked package comes from the npm registry', () => {
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    const elsewhere = Object.entries(lock.packages)
      .filter(([, p]) => p.resolved !== undefined && !p.resolved.startsWith(REGISTRY))
      .map(([name, p]) => `${name}: ${p.resolved}`);
    expect(elsewhere).toEqual([]);
  });

  it("onnxruntime-node's install script is not allowed to run", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it('an npm command in the repository prints no warning', () => {
    const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('"redband"');
    expect(r.stderr).toBe('');
  });
});
