// `redband silence add|list|expire`: maintenance silences, through a running collector's HTTP
// API (the collector's clock sets the times) or written to its SQLite file (the collector
// picks them up on its next tick). Without --url or --db: the collector at $REDBAND_URL or
// http://127.0.0.1:8080 when one answers, else .redband/collector.db (see silence-target.ts).
import { Command } from 'commander';
import { DEFAULT_COLLECTOR_URL, DEFAULT_DB_PATH } from '../collector/defaults.ts';
import { UserError } from '../shared/errors.ts';
import type { SilenceInput } from '../collector/silences.ts';
import type { Store } from '../collector/store.ts';
import type { Silence } from '../collector/rules/types.ts';
import type { Target, TargetFlags } from './silence-target.ts';

type HttpTarget = Extract<Target, { kind: 'http' }>;

async function api(t: HttpTarget, method: string, path: string, body?: unknown): Promise<unknown> {
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

async function withStore<T>(db: string, fn: (s: Store) => T | Promise<T>): Promise<T> {
  const store = (await import('../collector/store.ts')).Store.open(db);
  try {
    // awaited inside the try: the store stays open until an async fn is done with it
    return await fn(store);
  } finally {
    store.close();
  }
}

async function target(o: TargetFlags): Promise<Target> {
  return (await import('./silence-target.ts')).resolveTarget(o);
}

function parseTime(text: string, what: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UserError(`${what}: not a date/time: ${text}`, 'usage');
  return ms;
}

/** `now`: the clock the silence's times came from (the collector's, through --url). */
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
    .option(
      '--url <url>',
      `a running collector (default: $REDBAND_URL or ${DEFAULT_COLLECTOR_URL} when it answers)`,
    )
    .option(
      '--db <file>',
      `the collector's SQLite file instead (default when no collector answers: ${DEFAULT_DB_PATH}); must exist`,
    )
    .option('--token <token>', 'bearer token for --url', process.env.REDBAND_TOKEN);

export function silenceCommand(): Command {
  const cmd = new Command('silence').description(
    'Suppress notifications of matching alerts for a while.',
  );
  targetOptions(
    cmd
      .command('add')
      .description(
        'add a silence; matchers are exact values or "*" (omitted = any). --rule must name a ' +
          'rule the collector has: through --url its configured rules; with --db only the ' +
          'built-in rules and those a --config file adds are known',
      )
      .option('--fleet <id>')
      .option('--device <id>')
      .option('--rule <name>')
      .option('--for <duration>', 'how long, with a unit: 30m, 2h, 1d (from --starts or now)')
      .option('--until <time>', 'end time (ISO 8601), instead of --for')
      .option('--starts <time>', 'start time (ISO 8601) for a scheduled silence; default now')
      .option('--comment <text>', 'why', '')
      .option('--config <file>', "with --db: the collector's config file, for its rule names"),
  ).action(async (o: TargetFlags & Record<string, string | undefined>) => {
    const { parseCliDuration, localRuleNames } = await import('./silence-target.ts');
    const starts = o.starts ? parseTime(o.starts, '--starts') : undefined;
    const forMs = o.for !== undefined ? parseCliDuration('--for', o.for) : undefined;
    const until = o.until ? parseTime(o.until, '--until') : undefined;
    if ((forMs === undefined) === (until === undefined))
      throw new UserError('give --for DURATION (e.g. 2h) or --until TIME', 'usage');
    const t = await target(o);
    const input: SilenceInput = {
      matchers: { fleet: o.fleet, device: o.device, rule: o.rule },
      ...(starts !== undefined ? { starts_at: starts } : {}),
      ...(until !== undefined ? { ends_at: until } : { duration_ms: forMs }),
      comment: o.comment ?? '',
    };
    const { checkRuleName, createSilence } = await import('../collector/silences.ts');
    if (t.kind === 'http') {
      const { rules } = (await api(t, 'GET', '/api/rules')) as { rules: { name: string }[] };
      checkRuleName(
        o.rule,
        rules.map((r) => r.name),
      );
      // the collector sets start (when not given) and end from its own clock
      const s = (await api(t, 'POST', '/api/silences', input)) as Silence & { now: number };
      process.stdout.write(`${describe(s, s.now)}\n`);
    } else {
      checkRuleName(o.rule, await localRuleNames(o.config));
      const now = Date.now();
      const s = await withStore(t.db, (st) => createSilence(st, input, now));
      process.stdout.write(`${describe(s, now)}\n`);
    }
  });
  targetOptions(
    cmd.command('list').description('list silences').option('--all', 'include expired ones'),
  ).action(async (o: TargetFlags & { all?: boolean }) => {
    const t = await target(o);
    let list: Silence[];
    let now = Date.now();
    if (t.kind === 'http') {
      const r = (await api(t, 'GET', '/api/silences')) as { silences: Silence[]; now?: number };
      list = r.silences;
      now = r.now ?? now;
    } else list = await withStore(t.db, (st) => st.silences());
    for (const s of list)
      if (o.all || s.ends_at > now) process.stdout.write(`${describe(s, now)}\n`);
  });
  targetOptions(cmd.command('expire').description('end a silence now').argument('<id>')).action(
    async (id: string, o: TargetFlags) => {
      const t = await target(o);
      if (t.kind === 'http') await api(t, 'DELETE', `/api/silences/${encodeURIComponent(id)}`);
      else if (!(await withStore(t.db, (st) => st.expireSilence(id, Date.now()))))
        throw new UserError(`no silence ${id}`, 'usage');
      process.stdout.write(`expired ${id}\n`);
    },
  );
  return cmd;
}
