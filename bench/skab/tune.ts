// `--tune`: a grid search over the knobs of knobs.ts on the tune files only. Each agent
// setting runs the agent once per tune file; every rule setting is judged on those runs.
// Per grid point the rules that fired on no tune file are unvalidated and stay out of the
// product row, so a point is never chosen for a rule the tune files never exercised.
import type { SkabBenchConfig } from './config.ts';
import type { BenchFile } from './dataset.ts';
import type { KnobApplier, ResolvedKnob, Setting, SkippedKnob } from './knob-settings.ts';
import type { Knob } from './knobs.ts';
import { rulesThatFired, runFiles, scoreRuns, type DetectorResult } from './runs.ts';

export interface GridPoint {
  /** the knobs off their shipped value ({} = the shipped config) */
  setting: Setting;
  /** the product row on the tune files */
  f1: number | null;
  far: number | null;
  mar: number | null;
  /** the rules that fired on a tune file at this point */
  validated: string[];
}

export interface Tuning {
  criterion: string;
  knobs: ResolvedKnob[];
  skipped: SkippedKnob[];
  grid: GridPoint[];
  chosen: GridPoint;
  /** every detector on the tune files at the chosen point (in-sample for the choice) */
  detectors: DetectorResult[];
}

/** Every combination, the shipped value first in each knob (so point 0 is the shipped config). */
export function gridOf(knobs: readonly ResolvedKnob[]): Setting[] {
  let out: Setting[] = [{}];
  for (const k of knobs)
    out = out.flatMap((s) => [s, ...k.values.map((v) => ({ ...s, [k.key]: v }))]);
  return out;
}

export interface Criterion {
  maxFar: number;
  f1Digits: number;
}

export function criterionText(t: Criterion): string {
  return `the best product F1 on the tune files among points with FAR ≤ ${t.maxFar} % there (none: the lowest FAR); F1 equal to ${t.f1Digits} decimals is a tie, won by the point with the fewest knobs off their shipped value, then the lower FAR`;
}

/** The point `criterionText` describes; among full ties, the first in grid order. */
export function choosePoint(points: readonly GridPoint[], t: Criterion): GridPoint {
  const f1 = (p: GridPoint): number => (p.f1 === null ? -1 : Number(p.f1.toFixed(t.f1Digits)));
  const far = (p: GridPoint): number => p.far ?? Number.POSITIVE_INFINITY;
  const off = (p: GridPoint): number => Object.keys(p.setting).length;
  const eligible = points.filter((p) => far(p) <= t.maxFar);
  const pool = eligible.length > 0 ? eligible : [...points];
  const order =
    eligible.length > 0
      ? (a: GridPoint, b: GridPoint) => f1(b) - f1(a) || off(a) - off(b) || far(a) - far(b)
      : (a: GridPoint, b: GridPoint) => far(a) - far(b) || off(a) - off(b) || f1(b) - f1(a);
  return pool.sort(order)[0]!;
}

export const settingText = (s: Setting): string =>
  Object.keys(s).length === 0
    ? 'shipped'
    : Object.entries(s)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');

export async function tuneKnobs(
  files: readonly BenchFile[],
  table: readonly Knob[],
  o: {
    applier: KnobApplier;
    model?: string;
    cfg: SkabBenchConfig;
    progress: (line: string) => void;
  },
): Promise<Tuning> {
  const { knobs, skipped } = o.applier.resolve(table);
  for (const s of skipped) o.progress(`tune: ${s.note}`);
  const agentKnobs = knobs.filter((k) => k.target === 'agent');
  const ruleKnobs = knobs.filter((k) => k.target === 'collector');
  const agentGrid = gridOf(agentKnobs);
  const ruleGrid = gridOf(ruleKnobs);
  const grid: GridPoint[] = [];
  const detectors = new Map<GridPoint, DetectorResult[]>();
  for (const [a, agentSetting] of agentGrid.entries()) {
    const runs = await runFiles(files, {
      agentConfig: o.applier.agentConfigFor(agentSetting),
      cfg: o.cfg,
      ...(o.model !== undefined ? { model: o.model } : {}),
    });
    for (const ruleSetting of ruleGrid) {
      const setting = { ...agentSetting, ...ruleSetting };
      const collector = o.applier.collectorFor(setting);
      const fired = rulesThatFired(runs, collector, o.cfg.warmupRows);
      const dets = scoreRuns(runs, collector, fired, o.cfg);
      const head = dets[0]!;
      const point = { setting, f1: head.f1, far: head.far, mar: head.mar, validated: [...fired] };
      grid.push(point);
      detectors.set(point, dets);
      o.progress(
        `[tune ${grid.length}/${agentGrid.length * ruleGrid.length}, agent setting ${a + 1}/${agentGrid.length}] ${settingText(setting)}: F1 ${head.f1?.toFixed(3) ?? '—'} FAR ${head.far?.toFixed(1) ?? '—'} %`,
      );
    }
  }
  const chosen = choosePoint(grid, o.cfg.tuning);
  return {
    criterion: criterionText(o.cfg.tuning),
    knobs,
    skipped,
    grid,
    chosen,
    detectors: detectors.get(chosen)!,
  };
}
