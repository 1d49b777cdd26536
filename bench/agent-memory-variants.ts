// Where the WebAssembly agent's memory goes, and what each of the systemd unit's memory
// settings buys: the bundled agent on a config (default: the 32-bit gateway's, which runs
// onnxruntime-web) started with none of the unit's node flags and environment, with all, with
// each alone and with all but each, plus the same config on onnxruntime-node.
// Every variant of a round runs at the same time (side by side: a busy moment of the shared
// machine falls on all), rounds repeat, and the table gives medians and each variant's peak
// RSS over the peak with no settings.
//
//   node --import tsx bench/agent-memory-variants.ts [--config FILE] [--seconds S] [--rounds N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend } from '../agent/inference/types.ts';
import { configOnRuntime, readUnit, ROOT, sampleAgent, type Footprint } from './agent-memory.ts';

export interface Variant {
  label: string;
  runtime: Backend;
  nodeFlags: string[];
  env: Record<string, string>;
}

/**
 * The variants for a unit's settings: none, all, each setting alone and all but each (a flag or
 * a variable), without repeats, and all on onnxruntime-node. Pure, so a test checks the list.
 */
export function variantsOf(unit: { nodeFlags: string[]; env: Record<string, string> }): Variant[] {
  // REDBAND_* are the agent's own settings (the device id), not the process's memory
  const kept = Object.entries(unit.env).filter(([k]) => k.startsWith('REDBAND_'));
  const settings: Array<{ name: string; flag?: string; env?: [string, string] }> = [
    ...unit.nodeFlags.map((flag) => ({ name: flag, flag })),
    ...Object.entries(unit.env)
      .filter(([k]) => !k.startsWith('REDBAND_'))
      .map((env) => ({ name: env[0], env })),
  ];
  const variant = (label: string, chosen: typeof settings, runtime: Backend = 'wasm'): Variant => ({
    label,
    runtime,
    nodeFlags: chosen.flatMap((c) => (c.flag ? [c.flag] : [])),
    env: Object.fromEntries([...kept, ...chosen.flatMap((c) => (c.env ? [c.env] : []))]),
  });
  const out = [variant('no settings', []), variant("the unit's settings", settings)];
  for (const s of settings) out.push(variant(`only ${s.name}`, [s]));
  for (const s of settings)
    out.push(
      variant(
        `all but ${s.name}`,
        settings.filter((x) => x !== s),
      ),
    );
  out.push(variant("the unit's settings", settings, 'node'));
  const seen = new Set<string>();
  return out.filter((v) => {
    const key = JSON.stringify([v.runtime, v.nodeFlags, v.env]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function formatVariants(
  variants: readonly Variant[],
  runs: readonly Footprint[][],
  title: string,
): string {
  const base = median(runs[0]!.map((r) => r.rssPeakMb));
  const w = Math.max(...variants.map((v) => v.label.length)) + 2;
  const lines = [
    title,
    `  ${'runtime'.padEnd(9)}${'variant'.padEnd(w)}${'peak RSS'.padStart(16)}${'after warm-up'.padStart(15)}${'CPU/window'.padStart(12)}${'peak / none'.padStart(13)}`,
  ];
  variants.forEach((v, i) => {
    const r = runs[i]!;
    const peaks = r.map((x) => x.rssPeakMb);
    const peak = median(peaks);
    const range = `${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)}`;
    lines.push(
      `  ${v.runtime.padEnd(9)}${v.label.padEnd(w)}${`${peak.toFixed(1)} (${range})`.padStart(16)}${median(
        r.map((x) => x.rssAfterWarmupMb),
      )
        .toFixed(1)
        .padStart(
          15,
        )}${`${median(r.map((x) => x.cpuMsPerWindow)).toFixed(2)} ms`.padStart(12)}${(peak / base).toFixed(2).padStart(13)}`,
    );
  });
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: join(ROOT, 'firmware-configs', 'arm32-gateway.yaml') },
      seconds: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      speed: { type: 'string', default: '10' },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  for (const [name, n] of [
    ['--seconds', seconds],
    ['--rounds', rounds],
    ['--speed', Number(values.speed)],
  ] as const) {
    if (!(n > 0)) throw new Error(`${name} must be a positive number, got ${String(n)}`);
  }
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs')], {
    stdio: 'ignore',
  });
  if (build.status !== 0) throw new Error('npm run build:agent failed');
  const unit = readUnit();
  const variants = variantsOf(unit);
  const dir = mkdtempSync(join(tmpdir(), 'redband-memory-'));
  try {
    const configs = { node: '', wasm: '' };
    for (const rt of ['node', 'wasm'] as const)
      configs[rt] = configOnRuntime(values.config, rt, dir);
    const runs: Footprint[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`round ${round + 1} of ${rounds}: ${variants.length} agents at once\n`);
      const results = await Promise.all(
        variants.map((v) =>
          sampleAgent({
            args: ['--config', configs[v.runtime], '--speed', values.speed, '--publish', 'stdout'],
            nodeFlags: v.nodeFlags,
            env: v.env,
            seconds,
          }),
        ),
      );
      results.forEach((r, i) => runs[i]!.push(r));
    }
    const title = `agent memory by setting (${values.config}, ${values.speed}× for ${seconds} s, ${rounds} rounds; medians, MB; unit MemoryMax ${unit.memoryMaxMb} MB)`;
    process.stdout.write(`${formatVariants(variants, runs, title)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// run as a script; a test imports the pure parts without running it
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
