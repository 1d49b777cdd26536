// npm in this repository: installing downloads nothing outside the npm registry. Every locked
// package resolves there, and onnxruntime-node's install step, which fetches CUDA providers
// from api.nuget.org, is kept from downloading twice over: npm ≥ 11 does not run it
// (package.json allowScripts), and any npm that does hands it the skip it reads (.npmrc).
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

  it("npm hands onnxruntime-node's install script the skip it reads (.npmrc), for npms that run it", () => {
    const get = spawnSync('npm', ['config', 'get', 'onnxruntime-node-install'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(get.status).toBe(0);
    expect(get.stdout.trim()).toBe('skip');
    // the script, run as npm runs it with that setting: done at once, nothing downloaded
    const install = spawnSync(process.execPath, ['script/install'], {
      cwd: join(REPO, 'node_modules', 'onnxruntime-node'),
      env: { ...process.env, npm_config_onnxruntime_node_install: get.stdout.trim() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(install.status, install.stderr).toBe(0);
  });
});
