// Helpers of `redband silence`: strict command-line durations, where the silences live (a
// running collector's HTTP API or its SQLite file) and which rule names exist.
import { existsSync } from 'node:fs';
import { UserError } from '../shared/errors.ts';
import { DEFAULT_COLLECTOR_URL, DEFAULT_DB_PATH } from '../collector/defaults.ts';
import { parseDuration } from '../collector/duration.ts';

const EXAMPLES = 'use e.g. 30m, 2h, 1d';

/**
 * A duration flag's value in ms. On the command line a unit is required ("2" is an error, not
 * 2 seconds as a config file reads it); every duration flag of `silence` goes through here.
 */
export function parseCliDuration(flag: string, text: string): number {
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(text))
    throw new UserError(`${flag}: ${JSON.stringify(text)} has no unit; ${EXAMPLES}`, 'usage');
  const ms = parseDuration(text);
  if (ms === null)
    throw new UserError(`${flag}: ${JSON.stringify(text)} is not a duration; ${EXAMPLES}`, 'usage');
  if (ms <= 0)
    throw new UserError(`${flag}: ${JSON.stringify(text)} is not more than zero`, 'usage');
  return ms;
}

export interface TargetFlags {
  db?: string;
  url?: string;
  token?: string;
  config?: string;
}

export type Target = { kind: 'http'; url: string; token?: string } | { kind: 'db'; db: string };

/** A missing database is an error: the silence CLI never creates one. */
function dbTarget(db: string): Target {
  if (!existsSync(db))
    throw new UserError(
      `no collector database ${db}; pass --db with the collector's file, or --url`,
      'usage',
    );
  return { kind: 'db', db };
}

/** Whether something answers HTTP at `url` (any status); false when nothing listens. */
async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * --url, else --db, else the running collector at $REDBAND_URL or http://127.0.0.1:8080 when
 * it answers, else .redband/collector.db (which must exist).
 */
export async function resolveTarget(o: TargetFlags): Promise<Target> {
  if (o.url) return { kind: 'http', url: o.url, token: o.token };
  if (o.db) return dbTarget(o.db);
  const url = process.env.REDBAND_URL || DEFAULT_COLLECTOR_URL;
  if (await reachable(url)) return { kind: 'http', url, token: o.token };
  if (!existsSync(DEFAULT_DB_PATH))
    throw new UserError(
      `no collector answers at ${url} and there is no ${DEFAULT_DB_PATH}; pass --url (the demo prints it) or --db`,
      'usage',
    );
  process.stderr.write(`redband: no collector answers at ${url}; using ${DEFAULT_DB_PATH}\n`);
  return { kind: 'db', db: DEFAULT_DB_PATH };
}

/** Rule names known without a collector: the built-ins, or what --config makes of them. */
export async function localRuleNames(configFile: string | undefined): Promise<string[]> {
  const { DEFAULT_RULES, parseConfig, readConfigFile } = await import('../collector/config.ts');
  if (!configFile) return DEFAULT_RULES.map((r) => r.name);
  return parseConfig(readConfigFile(configFile), configFile).rules.map((r) => r.name);
}
