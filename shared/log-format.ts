// The two log formats of `redband agent` and `redband collector`, and the human one's line.
// JSON lines are for journald and log shippers; on a terminal a person reads
// `HH:MM:SS.mmm LEVEL component/device msg key=value …`. Pure: the glue that writes the
// lines is shared/log-destination.ts.

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function isLogFormat(value: unknown): value is LogFormat {
  return (LOG_FORMATS as readonly unknown[]).includes(value);
}

/**
 * The format in effect: the command-line flag, else the config file's, else pretty when
 * the logs go to a terminal (a person reads them) and JSON otherwise (a journal or a file).
 */
export function chooseLogFormat(
  flag: LogFormat | undefined,
  config: LogFormat | undefined,
  terminal: boolean,
): LogFormat {
  return flag ?? config ?? (terminal ? 'pretty' : 'json');
}

export interface PrettyOptions {
  /** ANSI colours (a terminal that has not asked for NO_COLOR) */
  color?: boolean;
  /** clock time in UTC instead of the local time zone */
  utc?: boolean;
}

/** pino's numeric levels */
const LEVELS: Record<number, { label: string; color: string }> = {
  10: { label: 'TRACE', color: '90' },
  20: { label: 'DEBUG', color: '36' },
  30: { label: 'INFO', color: '32' },
  40: { label: 'WARN', color: '33' },
  50: { label: 'ERROR', color: '31' },
  60: { label: 'FATAL', color: '35' },
};
const LEVEL_WIDTH = 5;

/** Fields the line's fixed columns show; every other one follows as key=value. */
const SHOWN = new Set(['time', 'level', 'msg']);
/** who logged: the collector names its component, the agent its app */
const WHO_KEYS = ['component', 'app'] as const;

function paint(text: string, code: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function clock(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const [h, m, s, milli] = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad2(milli, 3)}`;
}

function levelLabel(level: unknown, color: boolean): string {
  const known = typeof level === 'number' ? LEVELS[level] : undefined;
  if (known) return paint(known.label.padEnd(LEVEL_WIDTH), known.color, color);
  const label = typeof level === 'string' ? level.toUpperCase() : `L${String(level)}`;
  return label.padEnd(LEVEL_WIDTH);
}

/** A value as it reads after `key=`: bare when that is unambiguous, JSON otherwise. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/**
 * An error serialized by pino ({type, message, stack}) keeps its stack out of the line: the
 * stack follows on indented lines, the rest of the object stays on the line.
 */
function splitStack(value: unknown): { inline: unknown; stack: string | null } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { inline: value, stack: null };
  }
  const { stack, ...rest } = value as Record<string, unknown>;
  if (typeof stack !== 'string') return { inline: value, stack: null };
  return { inline: rest, stack };
}

/**
 * One pino JSON line as a person reads it. Nothing is dropped: each field not in the fixed
 * columns follows as key=value in the order logged. A line that is not a JSON object (a
 * stray write to stderr) is returned as it came.
 */
export function prettyLogLine(line: string, options: PrettyOptions = {}): string {
  const color = options.color ?? false;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return line;
  const r = record as Record<string, unknown>;
  const head: string[] = [];
  const shown = new Set(SHOWN);
  if (typeof r.time === 'number') head.push(paint(clock(r.time, options.utc ?? false), '2', color));
  else shown.delete('time');
  if (r.level !== undefined) head.push(levelLabel(r.level, color));
  const named = (k: string) => typeof r[k] === 'string' && r[k] !== '';
  const whoKey = WHO_KEYS.find(named);
  const who = [whoKey, named('device') ? 'device' : undefined].filter((k) => k !== undefined);
  if (who.length > 0) head.push(paint(who.map((k) => r[k]).join('/'), '1', color));
  for (const k of who) shown.add(k);
  if (r.msg !== undefined) head.push(typeof r.msg === 'string' ? r.msg : formatValue(r.msg));
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(r)) {
    if (shown.has(key)) continue;
    const { inline, stack } = splitStack(value);
    head.push(`${paint(`${key}=`, '2', color)}${formatValue(inline)}`);
    if (stack !== null) stacks.push(...stack.split('\n').map((l) => `    ${l}`));
  }
  return [head.join(' '), ...stacks].join('\n');
}
