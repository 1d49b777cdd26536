// Config validation (paths in every error), the database's start-up failures, the HTTP token
// on non-loopback addresses, and the CLI (silences; exit code 2 on a corrupt database).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { silenceCommand } from '../../cli/silence.ts';
import { DEFAULT_RULES, parseConfig } from '../../collector/config.ts';
import { startCollector } from '../../collector/factories.ts';
import { openDatabase, Store } from '../../collector/store.ts';
import { isUserError } from '../../shared/errors.ts';
import { testConfig } from './fixtures.ts';
import { quietLog, tmpDir } from './harness.ts';

function configError(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (e) {
    if (isUserError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('defaults alone are a working collector with the built-in rules', () => {
    const c = parseConfig({});
    expect(c.rules.map((r) => r.name)).toEqual([
      'over-coupling',
      'over-compression',
      'drift',
      'level-shift',
      'recon-error',
      'input-coupling',
      'silent',
    ]);
    const drift = c.rules.find((r) => r.name === 'drift');
    expect(drift).toMatchObject({ threshold: 'device', clear_fraction: 0.8 });
    expect(drift).toMatchObject({ for: { n: 3, m: 5 }, clear_readings: { n: 3, m: 3 } });
    expect(c).toMatchObject({
      http: { host: '127.0.0.1', port: 8080 },
      db: { path: '.redband/collector.db' },
    });
  });

  it.each([
    [{ http: { prot: 1 } }, 'http.prot: unknown key'],
    [{ rules: { drift: { threshold: 'high' } } }, 'rules.drift.threshold'],
    [{ rules: { mine: { field: 'drift' } } }, 'rules.mine.op: required for a new rule'],
    [{ rules: { drift: { for: '3 fortnights' } } }, 'rules.drift.for'],
    [
      { rules: { drift: { threshold: 1, clear_threshold: 2 } } },
      'rules.drift.clear_threshold: must be on the healthy side',
    ],
    [
      { rules: { x: { field: 'drift', op: 'above', threshold: 'band' } } },
      "rules.x.threshold: 'band' applies",
    ],
    [{ rules: { 'over-coupling': { for: { readings: 4, of: 2 } } } }, 'rules.over-coupling.for'],
    [
      { rules: { x: { field: 'band_value', op: 'above', threshold: 'device' } } },
      "rules.x.threshold: 'device' applies",
    ],
    [{ rules: { drift: { clear_threshold: 0.5 } } }, 'rules.drift.clear_threshold: not used'],
    [{ rules: { drift: { clear_fraction: 1.5 } } }, 'rules.drift.clear_fraction'],
    [{ rules: { 'over-coupling': { clear_fraction: 0.5 } } }, 'applies to threshold'],
    [{ http: { host: '0.0.0.0' } }, 'http.token: required'],
    [
      { mqtt: { shared_subscription_group: 'g' } },
      'mqtt.shared_subscription_group: needs mqtt.url',
    ],
    [{ forecast: { points: 4, min_points: 8 } }, 'forecast.min_points'],
  ])('rejects %j naming the path', (raw, message) => {
    expect(configError(raw)).toContain(message);
  });

  it('says what a valid value looks like', () => {
    expect(configError({ rules: { 'over-coupling': { for: '3 fortnights' } } })).toBe(
      'config: rules.over-coupling.for: expected a duration like "30s" or {readings: N, of: M}, got "3 fortnights"',
    );
    expect(configError({ rules: { drift: { clear_for: { readings: 3 } } } })).toBe(
      'config: rules.drift.clear_for: expected a duration like "30s" or {readings: N, of: M}, got {"readings":3}',
    );
    expect(configError({ rules: { drift: { threshold: 'high' } } })).toBe(
      'config: rules.drift.threshold: expected a number, "band" or "device", got "high"',
    );
    expect(configError({ rules: { drift: { keep_firing_for: true } } })).toBe(
      'config: rules.drift.keep_firing_for: expected a duration (e.g. "30s", "5m", "2h"), got boolean',
    );
    expect(configError({ mqtt: { url: 'http://broker:1883' } })).toBe(
      'config: mqtt.url: expected an mqtt://, mqtts://, ws:// or wss:// broker URL with a host (like mqtt://host:1883), got "http://broker:1883"',
    );
  });

  it('a misspelt rule name is an unknown rule, listing the built-in ones', () => {
    const builtIn = DEFAULT_RULES.map((r) => r.name).join(', ');
    for (const input of [{ for: '30s' }, false, { notify_pending: true }]) {
      expect(configError({ rules: { 'over-couplng': input } })).toBe(
        `config: rules.over-couplng: unknown rule "over-couplng" (built in: ${builtIn}; a new rule needs field, op and threshold)`,
      );
    }
    expect(builtIn).toContain('over-coupling, over-compression');
  });

  it('a new rule with field, op and threshold still works; a half-written one names what is missing', () => {
    const c = parseConfig({
      rules: { 'drift-fixed': { field: 'drift', op: 'above', threshold: 1, for: '30s' } },
    });
    expect(c.rules.find((r) => r.name === 'drift-fixed')).toMatchObject({
      field: 'drift',
      op: 'above',
      threshold: 1,
      for: { kind: 'duration', ms: 30_000 },
    });
    expect(configError({ rules: { mine: { field: 'drift', op: 'above' } } })).toBe(
      'config: rules.mine.threshold: required for a new rule',
    );
  });

  it('reports every problem at once', () => {
    const msg = configError({ http: { port: -1 }, db: { path: '' } });
    expect(msg).toContain('http.port');
    expect(msg).toContain('db.path');
  });
});

describe('database at start', () => {
  it('refuses a corrupt file with a message naming it', () => {
    const file = join(tmpDir(), 'bad.db');
    writeFileSync(file, 'this is not a database'.repeat(100));
    expect(() => openDatabase(file)).toThrow(
      `database file ${file} is not a valid SQLite database`,
    );
  });

  it('refuses a file another process holds locked', () => {
    const file = join(tmpDir(), 'locked.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    try {
      expect(() => openDatabase(file)).toThrow(
        `database file ${file} is locked by another process`,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('the CLI exits with code 2 and one line, no stack trace', () => {
    const file = join(tmpDir(), 'bad.db');
    writeFileSync(file, 'garbage'.repeat(500));
    const r = spawnSync(
      process.execPath,
      ['bin/redband.mjs', 'collector', '--db', file, '--port', '0', '--mqtt-port', '0'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`redband: database file ${file} is not a valid SQLite database`);
    expect(r.stderr).not.toContain('    at ');
  });
});

describe('HTTP token on a non-loopback address', () => {
  it('requires the bearer token for the API and /metrics, not for static files', async () => {
    const token = 'a-long-enough-token-123';
    const c = await startCollector(
      testConfig(join(tmpDir(), 'c.db'), { http: { host: '0.0.0.0', port: 0, token } }),
      {
        logger: quietLog,
      },
    );
    try {
      const base = `http://127.0.0.1:${c.http.port}`;
      expect((await fetch(`${base}/api/fleet`)).status).toBe(401);
      expect(
        (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      expect(
        (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
      expect((await fetch(`${base}/api/fleet?token=${token}`)).status).toBe(200);
      expect((await fetch(`${base}/vendor/uplot.iife.min.js`)).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});

describe('redband silence (CLI on the database file)', () => {
  async function cli(...args: string[]): Promise<string> {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await silenceCommand().exitOverride().parseAsync(args, { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  }

  it('adds, lists and expires a silence', async () => {
    const db = join(tmpDir(), 'c.db');
    // the collector creates its file; the silence CLI never does
    Store.open(db).close();
    const add = await cli(
      'add',
      '--device',
      'd1',
      '--rule',
      'over-coupling',
      '--for',
      '2h',
      '--comment',
      'valve swap',
      '--db',
      db,
    );
    const id = add.split(/\s+/)[0]!;
    expect(add).toContain('active');
    expect(add).toContain('device=d1,rule=over-coupling');
    const store = Store.open(db);
    const s = store.silences()[0]!;
    store.close();
    expect(s.ends_at - s.starts_at).toBe(2 * 3_600_000);
    expect(await cli('list', '--db', db)).toContain('valve swap');
    expect(await cli('expire', id, '--db', db)).toContain(`expired ${id}`);
    expect(await cli('list', '--db', db)).not.toContain('valve swap');
    expect(await cli('list', '--all', '--db', db)).toContain('expired');
    await expect(cli('add', '--device', 'd1', '--db', db)).rejects.toThrow('--for');
  });
});
