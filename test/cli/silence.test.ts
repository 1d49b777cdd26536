// `redband silence` as an operator runs it: real CLI processes against a real collector (HTTP)
// or its SQLite file.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../collector/config.ts';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { Store } from '../../collector/store.ts';
import type { Silence } from '../../collector/rules/types.ts';
import { parseCliDuration } from '../../cli/silence-target.ts';

const run = promisify(execFile);
/** the collector's clock runs 10 minutes ahead of this machine's */
const SKEW_MS = 10 * 60_000;

async function redband(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('node', ['bin/redband.mjs', ...args], {
      env: { ...process.env, REDBAND_TOKEN: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
let db: string;
let col: Collector;
/** a URL where nothing listens: the stopped collector's */
let deadUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redband-silence-cli-'));
  db = join(dir, 'offline.db');
  Store.open(db).close();
  const probe = await startCollector(
    parseConfig({
      db: { path: join(dir, 'probe.db') },
      http: { host: '127.0.0.1', port: 0 },
      embedded_broker: { host: '127.0.0.1', port: 0 },
    }),
    { logger: pino({ level: 'silent' }) },
  );
  deadUrl = probe.httpUrl;
  await probe.stop();
  col = await startCollector(
    parseConfig({
      db: { path: join(dir, 'collector.db') },
      http: { host: '127.0.0.1', port: 0 },
      embedded_broker: { host: '127.0.0.1', port: 0 },
      rules: { 'vibration-high': { field: 'band_value', op: 'above', threshold: 3 } },
    }),
    { logger: pino({ level: 'silent' }), clock: { now: () => Date.now() + SKEW_MS } },
  );
}, 60_000);

afterAll(async () => {
  await col?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function silences(): Promise<Silence[]> {
  const res = await fetch(`${col.httpUrl}/api/silences`);
  return ((await res.json()) as { silences: Silence[] }).silences;
}

describe('command-line durations', () => {
  it('need a unit, and say what a valid one looks like', () => {
    expect(parseCliDuration('--for', '30m')).toBe(30 * 60_000);
    expect(parseCliDuration('--for', '1d')).toBe(86_400_000);
    expect(() => parseCliDuration('--for', '2')).toThrow(
      '--for: "2" has no unit; use e.g. 30m, 2h, 1d',
    );
    expect(() => parseCliDuration('--for', 'soon')).toThrow('"soon" is not a duration');
    expect(() => parseCliDuration('--for', '0m')).toThrow('not more than zero');
  });

  it('silence add --for 2 is one line, exit 2, and adds nothing', async () => {
    const r = await redband(['silence', 'add', '--db', db, '--device', 'd1', '--for', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('redband: --for: "2" has no unit; use e.g. 30m, 2h, 1d\n');
    expect(Store.open(db).silences()).toEqual([]);
  });
});

describe('rule names', () => {
  it('a misspelt rule is an error with --db, listing the built-ins', async () => {
    const r = await redband([
      'silence',
      'add',
      '--db',
      db,
      '--rule',
      'over-couplng',
      '--for',
      '1h',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^redband: unknown rule "over-couplng" \(known: over-coupling, /);
  });

  it('with --db, a rule a --config file adds is known', async () => {
    const cfg = join(dir, 'collector.yaml');
    writeFileSync(cfg, 'rules:\n  vibration-high: {field: band_value, op: above, threshold: 3}\n');
    const ok = await redband([
      'silence',
      'add',
      '--db',
      db,
      '--config',
      cfg,
      '--rule',
      'vibration-high',
      '--for',
      '1h',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const no = await redband([
      'silence',
      'add',
      '--db',
      db,
      '--rule',
      'vibration-high',
      '--for',
      '1h',
    ]);
    expect(no.code).toBe(2);
    expect(no.stderr).toContain('unknown rule "vibration-high"');
  });

  it("through --url, the collector's configured rules are the known ones", async () => {
    const bad = await redband([
      'silence',
      'add',
      '--url',
      col.httpUrl,
      '--rule',
      'over-couplng',
      '--for',
      '1h',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown rule "over-couplng" (known: ');
    expect(bad.stderr).toContain('vibration-high');
    // the API refuses it too, for any client
    const res = await fetch(`${col.httpUrl}/api/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: { rule: 'nope' }, duration_ms: 60_000 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('unknown rule "nope"');
    const rules = (await (await fetch(`${col.httpUrl}/api/rules`)).json()) as {
      rules: { name: string }[];
    };
    expect(rules.rules.map((r) => r.name)).toContain('vibration-high');
    expect(rules.rules.map((r) => r.name)).toContain('over-coupling');
  });
});

describe('a missing database', () => {
  it.each([['list'], ['add', '--for', '1h'], ['expire', 'some-id']])(
    'silence %s --db nope.db: one line naming it, exit 2, no file created',
    async (...args) => {
      const nope = join(dir, 'nope.db');
      const r = await redband(['silence', ...args, '--db', nope]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `redband: no collector database ${nope}; pass --db with the collector's file, or --url\n`,
      );
      expect(existsSync(nope)).toBe(false);
    },
  );
});

describe('through a running collector', () => {
  it("takes start and end from the collector's clock: 30m lasts 30m and is active", async () => {
    const r = await redband([
      'silence',
      'add',
      '--url',
      col.httpUrl,
      '--device',
      'press-07',
      '--for',
      '30m',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ {2}active {3} {2}device=press-07 /);
    const s = (await silences()).find((x) => x.matchers.device === 'press-07')!;
    expect(s.ends_at - s.starts_at).toBe(30 * 60_000);
    expect(s.starts_at).toBeGreaterThan(Date.now() + SKEW_MS - 60_000);
    const list = await redband(['silence', 'list', '--url', col.httpUrl]);
    expect(list.stdout).toMatch(/active {3} {2}device=press-07/);
  });

  it('is the default: $REDBAND_URL (else http://127.0.0.1:8080) when it answers', async () => {
    const r = await redband(['silence', 'add', '--device', 'press-08', '--for', '1h'], {
      REDBAND_URL: col.httpUrl,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await silences()).some((x) => x.matchers.device === 'press-08')).toBe(true);
  });

  it('falls back to .redband/collector.db when nothing answers, and says so when that is missing too', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const bin = join(process.cwd(), 'bin/redband.mjs');
    const inCwd = async (args: string[]) => {
      try {
        const out = await run('node', [bin, ...args], {
          cwd,
          env: { ...process.env, REDBAND_URL: deadUrl, REDBAND_TOKEN: '' },
        });
        return { code: 0, ...out };
      } catch (e) {
        return e as { code: number; stdout: string; stderr: string };
      }
    };
    const missing = await inCwd(['silence', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `redband: no collector answers at ${deadUrl} and there is no .redband/collector.db; pass --url (the demo prints it) or --db\n`,
    );
    expect(existsSync(join(cwd, '.redband'))).toBe(false);
    await run('mkdir', ['-p', join(cwd, '.redband')]);
    Store.open(join(cwd, '.redband/collector.db')).close();
    const ok = await inCwd(['silence', 'add', '--device', 'd9', '--for', '1h']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe(
      `redband: no collector answers at ${deadUrl}; using .redband/collector.db\n`,
    );
    expect(ok.stdout).toContain('device=d9');
  });
});
