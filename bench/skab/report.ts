// The human-readable table of a SKAB bench report (the JSON form is the report itself).
import type { DetectorResult, FileResult, SkabBenchReport } from './run.ts';

const num = (v: number | null, digits: number): string => (v === null ? '—' : v.toFixed(digits));

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))].join('\n');
}

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

function detectorRow(d: DetectorResult): string[] {
  return [
    d.detector,
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
  ];
}

export function formatSkabReport(r: SkabBenchReport): string {
  const a = r.agent;
  const w = a.warmup;
  const lines = [
    `SKAB bench: ${r.dataset} — ${r.files.length} files; rows 0–${r.config.warmupRows - 1} of each file are the only ones fitted on, every later row is scored`,
    `agent: ${a.config} (model ${a.model}, T ${w.window}, hop ${w.hop}); warm-up W ${w.warmupWindows} windows = rows 0–${w.warmupRows - 1}, fit F ${w.fitWindows} = rows 0–${w.fitRows - 1}, limits from rows ${w.fitRows}–${w.warmupRows - 1} (margin ${a.limit_margin}); a snapshot every ${a.period_windows} windows; mean window ${a.mean_window}`,
    `collector rules: ${r.rules === 'defaults' ? "the collector's defaults (parseConfig({}))" : `${r.rules} (NOT the defaults)`}; alarm at a row = firing after the last snapshot with window_end ≤ its time`,
    '',
    `Per file, ${r.detector}:`,
    table(
      [
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
      ],
      r.files.map(fileRow),
    ),
    '',
    'All files, every detector (same protocol, same rule engine):',
    table(
      [
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
      ],
      r.detectors.map(detectorRow),
    ),
    '',
    ...r.detectors.map((d) => `  ${d.detector}: ${d.description}`),
  ];
  return lines.join('\n');
}
