// The agent bench's pure parts: reading the systemd unit (flags, environment, MemoryMax), the
// reduction of /proc samples, the variants of the memory bench, and the report's shape with
// both runtimes side by side. No process is measured here and nothing is timed.
import { describe, expect, it } from 'vitest';
import {
  parseUnit,
  readUnit,
  summarize,
  UNIT,
  type Footprint,
  type ProcSample,
} from '../../bench/agent-memory.ts';
import { formatVariants, variantsOf } from '../../bench/agent-memory-variants.ts';
import { formatAgentReport, type AgentBenchReport } from '../../bench/agent.ts';

const unitText = (service: string) =>
  `[Unit]\nDescription=x\n\n[Service]\n${service}\n\n[Install]\nWantedBy=multi-user.target\n`;

describe('parseUnit', () => {
  it('reads the shipped unit: node flags before the script, environment, MemoryMax', () => {
    const unit = readUnit();
    expect(unit.nodeFlags).toContain('--liftoff-only');
    expect(unit.nodeFlags.every((f) => f.startsWith('--'))).toBe(true);
    expect(unit.env).toMatchObject({ MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(unit.memoryMaxMb).toBeGreaterThan(0);
  });

  it.each<[string, string, Partial<ReturnType<typeof parseUnit>>]>([
    [
      'flags, then the script and its arguments',
      'ExecStart=/usr/bin/node --a --b=1 /opt/x.mjs --config y\nMemoryMax=160M',
      { nodeFlags: ['--a', '--b=1'], memoryMaxMb: 160 },
    ],
    [
      'no flags',
      'ExecStart=/usr/bin/node /opt/x.mjs\nMemoryMax=1G',
      { nodeFlags: [], memoryMaxMb: 1024 },
    ],
    ['a size in K', 'ExecStart=node x.mjs\nMemoryMax=512K', { memoryMaxMb: 0.5 }],
    ['a size in bytes', 'ExecStart=node x.mjs\nMemoryMax=1048576', { memoryMaxMb: 1 }],
    [
      'several Environment= lines, quoted words, %H and %%',
      'Environment=A=1 "B=two words"\nEnvironment=C=%H D=100%%\nExecStart=node x.mjs\nMemoryMax=1M',
      { env: { A: '1', B: 'two words', C: 'box', D: '100%' } },
    ],
    [
      'comments are not settings',
      '# MemoryMax=1M\n; ExecStart=node --no y.mjs\nExecStart=node x.mjs\nMemoryMax=2M',
      { nodeFlags: [], memoryMaxMb: 2 },
    ],
  ])('%s', (_, service, want) => {
    expect(parseUnit(unitText(service), 'u.service', { H: 'box' })).toMatchObject(want);
  });

  it.each([
    ['no ExecStart', 'MemoryMax=1M', 'u.service: no ExecStart= line'],
    ['no MemoryMax', 'ExecStart=node x.mjs', 'u.service: no MemoryMax= line'],
    [
      'no script',
      'ExecStart=node --a\nMemoryMax=1M',
      'u.service: ExecStart= names no script after node',
    ],
    [
      'a size without a number',
      'ExecStart=node x.mjs\nMemoryMax=lots',
      'u.service: MemoryMax: "lots" is not a size (a number with K, M, G or T)',
    ],
    [
      'an Environment word without =',
      'Environment=A\nExecStart=node x.mjs\nMemoryMax=1M',
      'u.service:5: Environment word "A" is not KEY=value',
    ],
    [
      'a specifier the bench cannot expand',
      'Environment=A=%u\nExecStart=node x.mjs\nMemoryMax=1M',
      'u.service:5: the bench cannot expand the specifier %u',
    ],
  ])('%s is an error naming the file (and line)', (_, service, message) => {
    expect(() => parseUnit(unitText(service), 'u.service', { H: 'box' })).toThrow(message);
  });

  it('names the unit file it read', () => {
    expect(UNIT).toMatch(/firmware-configs\/redband-agent\.service$/);
  });
});

/** Samples every 0.25 s: RSS rises to `peakKb` at 1 s, then flat; 10 windows and 5 ticks per s. */
function samples(seconds: number, peakKb: number): ProcSample[] {
  return Array.from({ length: seconds * 4 + 1 }, (_, i) => {
    const t = i / 4;
    const rssKb = t < 1 ? 50_000 : t === 1 ? peakKb : 100_000;
    return {
      t,
      rssKb,
      hwmKb: Math.max(rssKb, t >= 1 ? peakKb : 0),
      cpuTicks: 5 * t,
      windows: 10 * t,
    };
  });
}

describe('summarize', () => {
  it('reads the peak from the high-water mark, growth and CPU per window after warm-up', () => {
    const f = summarize(samples(12, 150 * 1024), 12);
    expect(f.rssPeakMb).toBeCloseTo(150, 6);
    expect(f.rssAfterWarmupMb).toBeCloseTo(100_000 / 1024, 6);
    expect(f.growthMb).toBe(0);
    // 5 ticks (50 ms of CPU) per 10 windows
    expect(f.cpuMsPerWindow).toBeCloseTo(5, 6);
    expect(f.cpuShare).toBeCloseTo(0.05, 6);
    expect(f.windows).toBe(120);
  });

  it('has no CPU per window when the agent printed no metrics, and refuses too few samples', () => {
    const none = samples(12, 1).map((s) => ({ ...s, windows: 0 }));
    expect(summarize(none, 12).cpuMsPerWindow).toBeNaN();
    expect(() => summarize(none.slice(0, 3), 12)).toThrow('only 3 samples of the run');
  });
});

describe('the memory bench variants', () => {
  const unit = { nodeFlags: ['--f'], env: { REDBAND_DEVICE: 'd', M_A: '1', M_B: '2' } };

  it('are none, all, each alone and all but each, without repeats, and all on node', () => {
    const v = variantsOf(unit).map((x) => [x.runtime, x.label, x.nodeFlags, x.env]);
    const dev = { REDBAND_DEVICE: 'd' };
    expect(v).toEqual([
      ['wasm', 'no settings', [], dev],
      ['wasm', "the unit's settings", ['--f'], { ...dev, M_A: '1', M_B: '2' }],
      ['wasm', 'only --f', ['--f'], dev],
      ['wasm', 'only M_A', [], { ...dev, M_A: '1' }],
      ['wasm', 'only M_B', [], { ...dev, M_B: '2' }],
      ['wasm', 'all but --f', [], { ...dev, M_A: '1', M_B: '2' }],
      ['wasm', 'all but M_A', ['--f'], { ...dev, M_B: '2' }],
      ['wasm', 'all but M_B', ['--f'], { ...dev, M_A: '1' }],
      ['node', "the unit's settings", ['--f'], { ...dev, M_A: '1', M_B: '2' }],
    ]);
  });

  it("print each variant's median peak over the peak with no settings", () => {
    const variants = variantsOf({ nodeFlags: ['--f'], env: {} });
    const f = (peak: number): Footprint => ({
      seconds: 10,
      rssPeakMb: peak,
      rssAfterWarmupMb: peak - 10,
      rssEndMb: peak - 10,
      growthMb: 0,
      cpuShare: 0.1,
      cpuMsPerWindow: 1,
      windows: 100,
    });
    const text = formatVariants(variants, [[f(200), f(180), f(220)], [f(100)], [f(90)]], 'T');
    const rows = text.split('\n');
    expect(rows[0]).toBe('T');
    expect(rows[2]).toMatch(/wasm\s+no settings\s+200\.0 \(180–220\)\s+190\.0\s+1\.00 ms\s+1\.00$/);
    expect(rows[3]).toMatch(
      /wasm\s+the unit's settings\s+100\.0 \(100–100\)\s+90\.0\s+1\.00 ms\s+0\.50$/,
    );
    expect(rows[4]).toMatch(/node\s+the unit's settings\s+90\.0 .*0\.45$/);
  });
});

describe('formatAgentReport', () => {
  const fp = (peak: number, cpuMs: number): Footprint => ({
    seconds: 30,
    rssPeakMb: peak,
    rssAfterWarmupMb: peak - 5,
    rssEndMb: peak - 4,
    growthMb: 1,
    cpuShare: 0.2,
    cpuMsPerWindow: cpuMs,
    windows: 3000,
  });
  const report = (nodePeak: number, wasmPeak: number): AgentBenchReport => ({
    throughput: {
      windows: 1000,
      batches: 50,
      pipelineWindowsPerS: 900,
      inferenceWindowsPerS: 1000,
      inferenceShareOfPipeline: 0.8,
      sourceWindowsPerS: 5000,
      ratio: 0.9,
      ratioRange: [0.85, 0.95],
      slices: 5,
      target: 0.8,
    },
    footprint: { ...fp(nodePeak, 0.5), speed: 10, targetRssMb: 110 },
    wasmFootprint: fp(wasmPeak, 1),
    wasmToNode: { rssPeak: wasmPeak / nodePeak, cpuMsPerWindow: 2 },
    unit: { nodeFlags: ['--liftoff-only'], env: { MALLOC_ARENA_MAX: '2' }, memoryMaxMb: 160 },
  });
  const lines = (r: AgentBenchReport) => formatAgentReport(r).split('\n');
  const line = (r: AgentBenchReport, start: RegExp) => lines(r).find((l) => start.test(l)) ?? '';

  it('puts both runtimes in columns with their ratio, and says how they are started', () => {
    const r = report(100, 130);
    expect(line(r, /^agent footprint/)).toContain(
      'both runtimes at once, started as the unit starts them: node --liftoff-only, MALLOC_ARENA_MAX=2',
    );
    expect(line(r, /onnxruntime-node/)).toMatch(/onnxruntime-node\s+WebAssembly\s+wasm \/ node$/);
    expect(line(r, /^ {2}peak RSS/)).toMatch(/100\.0 MB\s+130\.0 MB\s+1\.30$/);
    expect(line(r, /^ {2}CPU per window/)).toMatch(/0\.50 ms\s+1\.00 ms\s+2\.00$/);
    expect(line(r, /^ {2}growth/)).toMatch(/1\.0 MB\s+1\.0 MB$/);
  });

  it.each<[number, number, string, string]>([
    [100, 130, 'onnxruntime-node ok, 60.0 MB to spare; WebAssembly ok, 30.0 MB to spare', 'ok'],
    [
      120,
      175,
      'onnxruntime-node ok, 40.0 MB to spare; WebAssembly OVER by 15.0 MB',
      'ABOVE TARGET',
    ],
  ])('holds node %d MB and WebAssembly %d MB against the unit', (node, wasm, verdict, target) => {
    const r = report(node, wasm);
    expect(line(r, /MemoryMax/)).toBe(`  unit MemoryMax 160 MB: ${verdict}`);
    expect(line(r, /target ≤ 110 MB/)).toBe(
      `  onnxruntime-node peak RSS target ≤ 110 MB: ${target}`,
    );
  });
});
