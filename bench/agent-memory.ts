// The agent's memory as a device runs it: the systemd unit's node flags, environment and
// MemoryMax (read from firmware-configs/redband-agent.service, so a bench runs the agent the
// way the unit does and compares it with the unit's own limit), and a bundled agent run as a
// child process whose RSS and CPU time are read from /proc while it runs.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { loadAgentConfig } from '../agent/config/load.ts';
import type { Backend } from '../agent/inference/types.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const UNIT = join(ROOT, 'firmware-configs', 'redband-agent.service');
export const BUNDLE = join(ROOT, 'dist', 'redband-agent.mjs');

/** What the unit's [Service] section sets for the node process. */
export interface UnitSettings {
  /** node's own flags in ExecStart, between the node binary and the script */
  nodeFlags: string[];
  /** Environment= assignments (EnvironmentFile= is the device's own, not read) */
  env: Record<string, string>;
  /** MemoryMax in MiB */
  memoryMaxMb: number;
}

const SIZE_UNITS: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

/** systemd's size syntax (bytes, or a K/M/G/T suffix, base 1024) in MiB. */
function parseSize(value: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(value.trim());
  if (!m) throw new Error(`${where}: "${value}" is not a size (a number with K, M, G or T)`);
  const n = Number(m[1]);
  return m[2] ? n * SIZE_UNITS[m[2]]! : n / 2 ** 20;
}

/** Splits one Environment= value into its KEY=value words (double quotes group a word). */
function envWords(value: string, where: string): Array<[string, string]> {
  const words = value.match(/"[^"]*"|\S+/g) ?? [];
  return words.map((w) => {
    const word = w.startsWith('"') ? w.slice(1, -1) : w;
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: Environment word "${word}" is not KEY=value`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Expands the systemd specifiers the unit uses (`%H`, `%%`); any other is an error. */
function expand(value: string, specifiers: Record<string, string>, where: string): string {
  return value.replace(/%(.)/g, (_, c: string) => {
    if (c === '%') return '%';
    const v = specifiers[c];
    if (v === undefined) throw new Error(`${where}: the bench cannot expand the specifier %${c}`);
    return v;
  });
}

/** Reads the settings the bench needs from a unit file's text; `file` names it in errors. */
export function parseUnit(
  text: string,
  file: string,
  specifiers: Record<string, string> = { H: hostname() },
): UnitSettings {
  let execStart: string | undefined;
  let memoryMax: string | undefined;
  const env: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (line.startsWith('#') || line.startsWith(';') || eq < 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const where = `${file}:${i + 1}`;
    if (key === 'ExecStart') execStart = value;
    else if (key === 'MemoryMax') memoryMax = value;
    else if (key === 'Environment') {
      for (const [k, v] of envWords(value, where)) env[k] = expand(v, specifiers, where);
    }
  });
  if (execStart === undefined) throw new Error(`${file}: no ExecStart= line`);
  if (memoryMax === undefined) throw new Error(`${file}: no MemoryMax= line`);
  const words = execStart.trim().split(/\s+/);
  const script = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
  if (script < 0) throw new Error(`${file}: ExecStart= names no script after ${words[0]}`);
  return {
    nodeFlags: words.slice(1, script),
    env,
    memoryMaxMb: parseSize(memoryMax, `${file}: MemoryMax`),
  };
}

export function readUnit(file: string = UNIT): UnitSettings {
  return parseUnit(readFileSync(file, 'utf8'), file);
}

/** One reading of a live process, from /proc: VmRSS and VmHWM in kB, utime + stime in ticks. */
export interface ProcSample {
  /** seconds since the process started */
  t: number;
  rssKb: number;
  hwmKb: number;
  cpuTicks: number;
  /** the agent's windows_in so far, from the last metrics message it printed */
  windows: number;
}

/** VmRSS / VmHWM (kB) and utime + stime (clock ticks) of a live process, from /proc. */
export function procSample(pid: number): Omit<ProcSample, 't' | 'windows'> | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // fields after the command name "(…)": utime and stime are the 12th and 13th of them
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      rssKb: kb('VmRSS'),
      hwmKb: kb('VmHWM'),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null; // the process has exited
  }
}

/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream arch). */
const CLOCK_TICKS_PER_S = 100;

/** How a footprint run went, reduced from its samples. */
export interface Footprint {
  seconds: number;
  rssPeakMb: number;
  rssAfterWarmupMb: number;
  rssEndMb: number;
  growthMb: number;
  /** CPU time over wall time, whole run */
  cpuShare: number;
  /** CPU milliseconds per window after warm-up (Δ CPU time / Δ windows_in); NaN if unknown */
  cpuMsPerWindow: number;
  windows: number;
}

/**
 * Reduces a run's samples. Warm-up is the first third of the run (model load, allocator and
 * JIT settling): growth and CPU per window are read after it.
 */
export function summarize(samples: readonly ProcSample[], seconds: number): Footprint {
  if (samples.length < 4) throw new Error(`only ${samples.length} samples of the run`);
  const last = samples.at(-1)!;
  const afterWarmup = samples.find((s) => s.t >= seconds / 3) ?? samples[0]!;
  const later = samples.filter((s) => s.t >= afterWarmup.t);
  const mb = (kb: number) => kb / 1024;
  const dWindows = last.windows - afterWarmup.windows;
  const dCpuMs = ((last.cpuTicks - afterWarmup.cpuTicks) / CLOCK_TICKS_PER_S) * 1000;
  return {
    seconds,
    // the high-water mark of every sample: the last one may be read as the child exits
    rssPeakMb: mb(Math.max(...samples.map((s) => s.hwmKb))),
    rssAfterWarmupMb: mb(afterWarmup.rssKb),
    rssEndMb: mb(last.rssKb),
    growthMb: mb(Math.max(...later.map((s) => s.rssKb)) - afterWarmup.rssKb),
    cpuShare: last.cpuTicks / CLOCK_TICKS_PER_S / last.t,
    cpuMsPerWindow: dWindows > 0 ? dCpuMs / dWindows : Number.NaN,
    windows: last.windows,
  };
}

export interface AgentRun {
  /** agent arguments after the bundle's path */
  args: string[];
  nodeFlags: readonly string[];
  env: Readonly<Record<string, string>>;
  seconds: number;
}

/** windows_in of a metrics line the agent printed, if it is one. */
function windowsIn(line: string): number | undefined {
  if (!line.includes('"windows_in"')) return undefined;
  try {
    const w = (JSON.parse(line) as { health?: { windows_in?: unknown } }).health?.windows_in;
    return typeof w === 'number' ? w : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the bundle (`node <flags> dist/redband-agent.mjs <args> --duration <seconds>`, agent
 * printing to stdout) and samples it every 250 ms until it exits. Throws, with the agent's
 * last stderr line, when it does not exit 0.
 */
export async function sampleAgent(run: AgentRun): Promise<Footprint> {
  const child = spawn(
    process.execPath,
    [...run.nodeFlags, BUNDLE, ...run.args, '--duration', String(run.seconds)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...run.env } },
  );
  let windows = 0;
  createInterface({ input: child.stdout }).on('line', (l) => (windows = windowsIn(l) ?? windows));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  let done = false;
  void exited.then(() => (done = true));
  const samples: ProcSample[] = [];
  const start = performance.now();
  while (!done) {
    const s = procSample(child.pid!);
    if (s) samples.push({ t: (performance.now() - start) / 1000, windows, ...s });
    await new Promise((r) => setTimeout(r, 250));
  }
  const code = await exited;
  if (code !== 0) {
    const why = stderr.trim().split('\n').at(-1) ?? '';
    throw new Error(`the agent (${run.args.join(' ')}) exited with ${code}: ${why}`);
  }
  return summarize(samples, run.seconds);
}

/** A copy of `config` that runs on `runtime`, its paths made absolute, in a temp directory. */
export function configOnRuntime(config: string, runtime: Backend, dir: string): string {
  const { config: resolved } = loadAgentConfig(config);
  const doc = parseDocument(readFileSync(config, 'utf8'));
  doc.setIn(['model', 'runtime'], runtime);
  doc.setIn(['model', 'path'], resolved.model.path);
  if ('path' in resolved.source) doc.setIn(['source', 'path'], resolved.source.path);
  const file = join(dir, `${runtime}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}
