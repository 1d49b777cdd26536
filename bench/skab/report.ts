// The human-readable form of a SKAB bench report (the JSON form is the report itself).
import type { HealthyFar } from './healthy.ts';
import type { DetectorResult, FileResult, SkabBenchReport } from './run.ts';
import { settingText, type Tuning } from './tune.ts';

const num = (v: number | null, digits: number): string => (v === null ? '—' : v.toFixed(digits));

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))].join('\n');
}

const FILE_HEADER = [
  'file',
  'TP',
  'FP',
  'FN',
  'TN',
  'F1',
  'FAR%',
  'MAR%',
  'delay s',
  'clear s',
  'false alerts',
  'limit drift_mean',
];

function fileRow(f: FileResult): string[] {
  const ep = f.episodes[0];
  return [
    f.file,
    String(f.tp),
    String(f.fp),
    String(f.fn),
    String(f.tn),
    num(f.f1, 3),
    num(f.far, 1),
    num(f.mar, 1),
    ep ? (ep.delay_s === null ? 'missed' : ep.delay_s.toFixed(0)) : '—',
    ep ? (ep.clear_s === null ? 'never' : ep.clear_s.toFixed(0)) : '—',
    String(f.false_alerts),
    num(f.thresholds.drift_mean ?? null, 2),
  ];
}

const nameCell = (d: { detector: string; unvalidated: boolean }): string =>
  d.unvalidated ? `${d.detector} (unvalidated)` : d.detector;

const DETECTOR_HEADER = [
  'detector',
  'TP',
  'FP',
  'FN',
  'TN',
  'F1',
  'FAR%',
  'MAR%',
  'delay s',
  'missed',
  'clear s',
  'alerts/healthy h',
  'FP before/after ep.',
  'FP after %',
];

function detectorRow(d: DetectorResult): string[] {
  const s = d.fp_after_episode;
  return [
    nameCell(d),
    String(d.tp),
    String(d.fp),
    String(d.fn),
    String(d.tn),
    num(d.f1, 3),
    num(d.far, 1),
    num(d.mar, 1),
    num(d.delay_s, 1),
    `${d.missed}/${d.episodes}`,
    num(d.clear_s, 1),
    num(d.alerts_per_healthy_hour, 2),
    `${s.before}/${s.after}`,
    num(s.share_after, 0),
  ];
}

const detectorTable = (ds: readonly DetectorResult[]): string =>
  table(DETECTOR_HEADER, ds.map(detectorRow));

function tuningLines(t: Tuning, r: SkabBenchReport): string[] {
  const chosen = t.chosen.setting;
  return [
    `Tuning on ${r.protocol.tune!.join(', ')} (${t.grid.length} grid points); criterion: ${t.criterion}.`,
    table(
      ['knob', 'shipped', 'tried', 'chosen'],
      t.knobs.map((k) => [
        k.key,
        JSON.stringify(k.shipped),
        [k.shipped, ...k.values].map((v) => JSON.stringify(v)).join(' '),
        k.key in chosen ? JSON.stringify(chosen[k.key]) : `${JSON.stringify(k.shipped)} (shipped)`,
      ]),
    ),
    ...t.skipped.map((s) => `  skipped: ${s.note}`),
    '',
    'Grid (product row on the tune files):',
    table(
      ['setting', 'F1', 'FAR%', 'MAR%', 'validated rules'],
      t.grid.map((p) => [
        `${p === t.chosen ? '→ ' : '  '}${settingText(p.setting)}`,
        num(p.f1, 3),
        num(p.far, 1),
        num(p.mar, 1),
        p.validated.join(',') || '—',
      ]),
    ),
    '',
    `Tune files at the chosen point (in-sample for the choice):`,
    detectorTable(t.detectors),
    '',
  ];
}

function healthyLines(h: HealthyFar | null, tuned: boolean): string[] {
  if (h === null)
    return ['Long-horizon healthy FAR: not measured (off, or no unlabelled file long enough)'];
  return [
    `Long-horizon healthy FAR: ${h.sources.join(', ')} cut into pieces of ${h.rows_per_piece} rows (${h.pieces.length} reported${tuned ? ': the odd ones; the even ones were tuned on' : ''}), each a device under the same protocol; every row after the warm-up is healthy:`,
    table(
      ['detector', 'FP', 'TN', 'FAR%', 'alerts/healthy h'],
      h.detectors.map((d) => [
        nameCell(d),
        String(d.fp),
        String(d.tn),
        num(d.far, 1),
        num(d.alerts_per_healthy_hour, 2),
      ]),
    ),
  ];
}

export function formatSkabReport(r: SkabBenchReport): string {
  const a = r.agent;
  const w = a.warmup;
  const lines = [
    `SKAB bench: ${r.dataset} — scored ${r.protocol.score.join(', ')} (${r.files.length} files); rows 0–${r.config.warmupRows - 1} of each file are the only ones fitted on, every later row is scored`,
    r.protocol.statement,
    `agent: ${a.config}${r.tuning && Object.keys(r.tuning.chosen.setting).length > 0 ? ' with the chosen knobs' : ''} (model ${a.model}, T ${w.window}, hop ${w.hop}); warm-up W ${w.warmupWindows} windows = rows 0–${w.warmupRows - 1}, fit F ${w.fitWindows} = rows 0–${w.fitRows - 1}, limits from rows ${w.fitRows}–${w.warmupRows - 1} (margin ${a.limit_margin}); a snapshot every ${a.period_windows} windows; mean window ${a.mean_window}`,
    `collector rules: ${r.rules === 'defaults' ? "the collector's defaults (parseConfig({}))" : `${r.rules} (NOT the defaults)`}; alarm at a row = firing after the last snapshot with window_end ≤ its time`,
    `product row: any validated rule firing; validated (fired on a ${r.tuning ? 'tune' : 'scored'} file): ${r.validated.join(', ') || 'none'}`,
    '',
    ...(r.tuning ? tuningLines(r.tuning, r) : []),
    `Per file, ${r.detector}:`,
    table(FILE_HEADER, r.files.map(fileRow)),
    '',
    `Scored files (${r.protocol.mode === 'cross-fit' ? 'held out' : 'in-sample'}), every detector (same protocol, same rule engine):`,
    detectorTable(r.detectors),
    '  FP before/after ep.: false-alarm rows before any labelled episode / after one ended',
    '',
    ...healthyLines(r.healthy_far, r.tuning !== null),
    '',
    ...r.detectors.map((d) => `  ${d.detector}: ${d.description}`),
  ];
  return lines.join('\n');
}
