// The human log line: each pino JSON line as `HH:MM:SS.mmm LEVEL who msg key=value …`,
// nothing dropped; and which format is chosen when.
import { describe, expect, it } from 'vitest';
import {
  chooseLogFormat,
  formatValue,
  isLogFormat,
  prettyLogLine,
  type LogFormat,
} from '../../shared/log-format.ts';

// 2026-12-04 21:07:09.042 UTC
const T = Date.UTC(2026, 11, 4, 21, 7, 9, 42);
const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe('prettyLogLine', () => {
  const cases: { what: string; input: string; out: string }[] = [
    {
      what: "the collector's line: component, then the fields in order",
      input: line({
        level: 30,
        time: T,
        component: 'collector',
        msg: 'collector started',
        db: 'x.db',
      }),
      out: '21:07:09.042 INFO  collector collector started db=x.db',
    },
    {
      what: "the agent's line: app/device, fleet kept as a field",
      input: line({
        level: 40,
        time: T,
        app: 'redband-agent',
        fleet: 'demo',
        device: 'sim-01',
        msg: 'outbox: dropped',
        dropped: 3,
      }),
      out: '21:07:09.042 WARN  redband-agent/sim-01 outbox: dropped fleet=demo dropped=3',
    },
    {
      what: 'a collector transition names the device it is about',
      input: line({
        level: 30,
        time: T,
        component: 'collector',
        device: 'sim-02',
        msg: 'm',
        to: 'firing',
      }),
      out: '21:07:09.042 INFO  collector/sim-02 m to=firing',
    },
    {
      what: 'strings with spaces, quotes or = are JSON; null, booleans and numbers bare',
      input: line({
        level: 50,
        time: T,
        msg: 'x',
        err: 'no such file',
        a: 'k=v',
        b: null,
        c: false,
        d: 1.5,
      }),
      out: '21:07:09.042 ERROR x err="no such file" a="k=v" b=null c=false d=1.5',
    },
    {
      what: 'objects and arrays stay whole, as compact JSON',
      input: line({ level: 20, time: T, msg: 'x', stages: { prepare: { in: 1 } }, ids: [1, 2] }),
      out: '21:07:09.042 DEBUG x stages={"prepare":{"in":1}} ids=[1,2]',
    },
    {
      what: 'an error object: its stack on the lines below, the rest on the line',
      input: line({
        level: 60,
        time: T,
        msg: 'crash',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.ts:1)' },
      }),
      out: '21:07:09.042 FATAL crash err={"type":"Error","message":"boom"}\n    Error: boom\n        at f (a.ts:1)',
    },
    {
      what: 'trace, and a trailing newline',
      input: line({ level: 10, time: T, msg: 'a' }) + '\n',
      out: '21:07:09.042 TRACE a',
    },
    {
      what: 'an unknown level is shown, not dropped',
      input: line({ level: 35, time: T, msg: 'a' }),
      out: '21:07:09.042 L35   a',
    },
    {
      what: 'a time that is not epoch ms stays a field',
      input: line({ level: 30, time: 'yesterday', msg: 'a' }),
      out: 'INFO  a time=yesterday',
    },
    {
      what: 'an empty string value',
      input: line({ level: 30, time: T, msg: 'a', device: '' }),
      out: '21:07:09.042 INFO  a device=""',
    },
    {
      what: 'a line that is not JSON comes through as it is',
      input: 'redband collector: SIGINT, stopping',
      out: 'redband collector: SIGINT, stopping',
    },
    { what: 'JSON that is not an object comes through as it is', input: '[1,2]', out: '[1,2]' },
  ];
  it.each(cases)('$what', ({ input, out }) => {
    expect(prettyLogLine(input.trimEnd(), { utc: true })).toBe(out);
  });

  it('loses no field: every key and value of the record is on the line', () => {
    const record = {
      level: 30,
      time: T,
      app: 'redband-agent',
      component: 'x',
      device: 'd',
      msg: 'hello world',
      a: 'b c',
      n: 0,
      nested: { k: [1, { j: 'v' }] },
    };
    const out = prettyLogLine(line(record), { utc: true });
    for (const [k, v] of Object.entries(record)) {
      if (k === 'level' || k === 'time' || k === 'msg' || k === 'component' || k === 'device')
        continue;
      expect(out).toContain(`${k}=${formatValue(v)}`);
    }
    expect(out).toContain('x/d hello world');
  });

  it('colours the level and dims the keys only when asked', () => {
    const input = line({ level: 50, time: T, msg: 'a', k: 1 });
    expect(prettyLogLine(input, { utc: true, color: true })).toBe(
      '\x1b[2m21:07:09.042\x1b[0m \x1b[31mERROR\x1b[0m a \x1b[2mk=\x1b[0m1',
    );
    expect(prettyLogLine(input, { utc: true })).not.toContain('\x1b[');
  });
});

describe('chooseLogFormat', () => {
  const cases: {
    flag?: LogFormat;
    config?: LogFormat;
    terminal: boolean;
    out: LogFormat;
  }[] = [
    { terminal: true, out: 'pretty' },
    { terminal: false, out: 'json' },
    { config: 'json', terminal: true, out: 'json' },
    { config: 'pretty', terminal: false, out: 'pretty' },
    { flag: 'json', config: 'pretty', terminal: true, out: 'json' },
    { flag: 'pretty', config: 'json', terminal: false, out: 'pretty' },
  ];
  it.each(cases)(
    'flag $flag, config $config, terminal $terminal → $out',
    ({ flag, config, terminal, out }) => {
      expect(chooseLogFormat(flag, config, terminal)).toBe(out);
    },
  );

  it('knows its formats', () => {
    expect(['json', 'pretty', 'text', undefined].map(isLogFormat)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
