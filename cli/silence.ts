// `redband silence add|list|expire`: maintenance silences, written to the collector's SQLite
// file (the running collector picks them up on its next tick) or through its HTTP API.
import { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import type { SilenceInput } from '../collector/silences.ts';
import type { Store } from '../collector/store.ts';
import type { Silence } from '../collector/rules/types.ts';

interface Target {
  db: string;
  url?: string;
  token?: string;
}

async function api(t: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, t.url), {
    method,
    headers: {
      'content-type': 'application/json',
      ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((e: Error) => {
    throw new UserError(`cannot reach the collector at ${t.url}: ${e.message}`, 'http');
  });
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok)
    throw new UserError(
      `collector answered ${res.status}: ${data.error ?? res.statusText}`,
      'http',
    );
  return data;
}

async function withStore<T>(t: Target, fn: (s: Store) => T | Promise<T>): Promise<T> {
  const store = (await import('../collector/store.ts')).Store.open(t.db);
  try {
    // awaited inside the try: the store stays open until an async fn is done with it
    return await fn(store);
  } finally {
    store.close();
  }
}

function parseTime(text: string, what: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UserError(`${what}: not a date/time: ${text}`, 'usage');
  return ms;
}

function describe(s: Silence, now: number): string {
  const m =
    Object.entries(s.matchers)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '(everything)';
  const state = now < s.starts_at ? 'scheduled' : now < s.ends_at ? 'active' : 'expired';
  const iso = (t: number) => new Date(t).toISOString();
  return `${s.id}  ${state.padEnd(9)}  ${m}  ${iso(s.starts_at)} → ${iso(s.ends_at)}  ${s.comment}`;
}

const targetOptions = (c: Command) =>
  c
    .option('--db <file>', "the collector's SQLite file", '.redband/collector.db')
    .option('--url <url>', 'act through a running collector instead, e.g. http://127.0.0.1:8080')
    .option('--token <token>', 'bearer token for --url', process.env.REDBAND_TOKEN);

export function silenceCommand(): Command {
  const cmd = new Command('silence').description(
    'Suppress notifications of matching alerts for a while.',
  );
  targetOptions(
    cmd
      .command('add')
      .description('add a silence; matchers are exact values or "*" (omitted = any)')
      .option('--fleet <id>')
      .option('--device <id>')
      .option('--rule <name>')
      .option('--for <duration>', 'how long, e.g. 30m, 2h (from --starts or now)')
      .option('--until <time>', 'end time (ISO 8601), instead of --for')
      .option('--starts <time>', 'start time (ISO 8601) for a scheduled silence; default now')
      .option('--comment <text>', 'why', ''),
  ).action(async (o: Target & Record<string, string | undefined>) => {
    const now = Date.now();
    const starts = o.starts ? parseTime(o.starts, '--starts') : now;
    let ends: number;
    if (o.until) ends = parseTime(o.until, '--until');
    else {
      const { parseDuration } = await import('../collector/duration.ts');
      const ms = o.for ? parseDuration(o.for) : null;
      if (ms === null)
        throw new UserError('give --for DURATION (e.g. 2h) or --until TIME', 'usage');
      ends = starts + ms;
    }
    const input: SilenceInput = {
      matchers: { fleet: o.fleet, device: o.device, rule: o.rule },
      ...(o.starts ? { starts_at: starts } : {}),
      ends_at: ends,
      comment: o.comment ?? '',
    };
    let s: Silence;
    if (o.url) s = (await api(o, 'POST', '/api/silences', input)) as Silence;
    else {
      const { createSilence } = await import('../collector/silences.ts');
      s = await withStore(o, (st) => createSilence(st, input, now));
    }
    process.stdout.write(`${describe(s, now)}\n`);
  });
  targetOptions(
    cmd.command('list').description('list silences').option('--all', 'include expired ones'),
  ).action(async (o: Target & { all?: boolean }) => {
    const now = Date.now();
    const list = o.url
      ? ((await api(o, 'GET', '/api/silences')) as { silences: Silence[] }).silences
      : await withStore(o, (st) => st.silences());
    for (const s of list)
      if (o.all || s.ends_at > now) process.stdout.write(`${describe(s, now)}\n`);
  });
  targetOptions(cmd.command('expire').description('end a silence now').argument('<id>')).action(
    async (id: string, o: Target) => {
      if (o.url) await api(o, 'DELETE', `/api/silences/${encodeURIComponent(id)}`);
      else if (!(await withStore(o, (st) => st.expireSilence(id, Date.now()))))
        throw new UserError(`no silence ${id}`, 'usage');
      process.stdout.write(`expired ${id}\n`);
    },
  );
  return cmd;
}
