// The long-horizon healthy run. SKAB's labelled files are ~20 minutes each, too short to show
// how a detector copes with a healthy process wandering for hours; its anomaly-free run is
// ~2.6 h. Cut into pieces as long as a labelled file, each piece is a device under the same
// protocol (first 400 rows warm-up), and every later row is healthy: what a detector alarms
// there is its false-alarm rate on a healthy plant. The pieces are written at run time into
// a temporary folder, with an all-zero `anomaly` column so that they read as experiments.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CollectorConfig } from '../../collector/config.ts';
import type { SkabBenchConfig } from './config.ts';
import type { BenchFile } from './dataset.ts';
import { runFiles, scoreRuns } from './runs.ts';

export interface HealthyRow {
  detector: string;
  unvalidated: boolean;
  fp: number;
  tn: number;
  /** % of the scored (all healthy) rows alarmed */
  far: number | null;
  alerts_per_healthy_hour: number | null;
}

export interface HealthyFar {
  /** the unlabelled files cut */
  sources: string[];
  /** the pieces run (with --tune, the odd ones: the even ones were tuned on) */
  pieces: string[];
  rows_per_piece: number;
  detectors: HealthyRow[];
}

/**
 * Cuts `src` (a ;-separated CSV with a header) into consecutive pieces of `rows` data rows,
 * dropping the remainder; writes them below `outDir` and returns them as bench files.
 */
export function cutPieces(src: BenchFile, rows: number, outDir: string): BenchFile[] {
  const lines = readFileSync(src.path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0]!;
  const data = lines.slice(1);
  const dir = join(outDir, basename(src.path, '.csv'));
  mkdirSync(dir, { recursive: true });
  const out: BenchFile[] = [];
  for (let p = 0; (p + 1) * rows <= data.length; p++) {
    const body = data.slice(p * rows, (p + 1) * rows).map((l) => `${l};0`);
    const path = join(dir, `${p}.csv`);
    writeFileSync(path, [`${header};anomaly`, ...body].join('\n') + '\n');
    out.push({ name: `${src.name} piece ${p}`, path, channels: src.channels });
  }
  return out;
}

/** Every unlabelled file cut into pieces of the protocol's length, below `tmp`. */
export function healthyPieces(
  sources: readonly BenchFile[],
  cfg: SkabBenchConfig,
  tmp: string,
): BenchFile[] {
  return sources.flatMap((s) => cutPieces(s, cfg.healthy.pieceRows, join(tmp, 'healthy')));
}

/**
 * With --tune the pieces are shared out: the even ones join the tune files (a knob that keeps
 * healthy pieces quiet is chosen on healthy data too), the odd ones are reported.
 */
export function splitPieces(pieces: readonly BenchFile[]): {
  tune: BenchFile[];
  report: BenchFile[];
} {
  return {
    tune: pieces.filter((_, i) => i % 2 === 0),
    report: pieces.filter((_, i) => i % 2 === 1),
  };
}

/** Runs the healthy pieces; null when there are none (no unlabelled file long enough). */
export async function healthyFar(
  sources: readonly BenchFile[],
  pieces: readonly BenchFile[],
  o: {
    agentConfig: string;
    model?: string;
    collector: CollectorConfig;
    validated: ReadonlySet<string>;
    cfg: SkabBenchConfig;
    progress: (line: string) => void;
  },
): Promise<HealthyFar | null> {
  const rows = o.cfg.healthy.pieceRows;
  if (pieces.length === 0) return null;
  const runs = await runFiles(pieces, {
    agentConfig: o.agentConfig,
    cfg: o.cfg,
    labels: () => new Uint8Array(rows),
    progress: (n, run) => o.progress(`[healthy ${n + 1}/${pieces.length}] ${run.file.name}`),
    ...(o.model !== undefined ? { model: o.model } : {}),
  });
  const detectors = scoreRuns(runs, o.collector, o.validated, o.cfg).map((d): HealthyRow => ({
    detector: d.detector,
    unvalidated: d.unvalidated,
    fp: d.fp,
    tn: d.tn,
    far: d.far,
    alerts_per_healthy_hour: d.alerts_per_healthy_hour,
  }));
  return {
    sources: sources.map((s) => s.name),
    pieces: pieces.map((p) => p.name),
    rows_per_piece: rows,
    detectors,
  };
}
