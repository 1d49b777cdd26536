// `npm run soak -- --minutes N [--agents N] [--seed N] [--json]`: see README.md beside this file.
// Exit code 0 when every target is met, 1 when one is missed, 2 on a usage or setup error,
// 130 when interrupted (Ctrl-C); every process it started is stopped in all four cases.
import { parseArgs } from 'node:util';
import { SIM_FAULT_KINDS, type SimFaultKind } from '../../shared/sim/index.ts';
import { formatReport } from './report.ts';
import { DEFAULT_KINDS } from './schedule.ts';
import { runSoak } from './soak.ts';

const USAGE = `usage: npm run soak -- [--minutes 30] [--agents 50] [--seed 1] [--json]
  [--speed 1] [--kinds ${SIM_FAULT_KINDS.join(',')}] [--stagger-ms 1000] [--runner bundle|cli] [--progress-s 30] [--keep]`;

function options() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      agents: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      speed: { type: 'string', default: '1' },
      kinds: { type: 'string', default: DEFAULT_KINDS.join(',') },
      'stagger-ms': { type: 'string', default: '1000' },
      runner: { type: 'string', default: 'bundle' },
      'progress-s': { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const kinds = values.kinds.split(',').filter(Boolean);
  for (const k of kinds) {
    if (!(SIM_FAULT_KINDS as readonly string[]).includes(k))
      throw new Error(`unknown fault kind ${k}`);
  }
  if (values.runner !== 'bundle' && values.runner !== 'cli') {
    throw new Error('--runner must be bundle or cli');
  }
  const runner: 'bundle' | 'cli' = values.runner;
  const agents = num('agents', values.agents, 1);
  const seed = num('seed', values.seed, 0);
  if (!Number.isInteger(agents) || !Number.isInteger(seed)) {
    throw new Error('--agents and --seed must be integers');
  }
  return {
    help: values.help,
    json: values.json,
    keep: values.keep,
    agents,
    seed,
    minutes: num('minutes', values.minutes, 0.1),
    speed: num('speed', values.speed, 0.1),
    kinds: kinds as SimFaultKind[],
    runner,
    staggerMs: num('stagger-ms', values['stagger-ms'], 0),
    progressS: num('progress-s', values['progress-s'], 1),
  };
}

async function main(): Promise<number> {
  let o;
  try {
    o = options();
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    process.stderr.write(`soak: ${signal}, stopping every process it started…\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await runSoak({
      ...o,
      onProgress: (line) => process.stderr.write(`${line}\n`),
      signal: abort.signal,
    });
    process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
    if (report.interrupted) return 130;
    return report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).stack ?? String(e)}\n`);
    return abort.signal.aborted ? 130 : 2;
  }
}

process.exitCode = await main();
