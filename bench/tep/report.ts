// The human-readable tables of a TEP bench report (the JSON form is the report itself).
import { UNDETECTABLE_FAULTS } from './dataset.ts';
import { BASELINE_NAMES } from './detectors.ts';
import type { DetectorSummary, TepBenchReport } from './report-types.ts';

const num = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '—' : v.toFixed(digits);

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))].join('\n');
}

/** Every detector side by side, one row per detector. */
function detectorRows(r: TepBenchReport): Array<[string, DetectorSummary]> {
  return [
    ['redband', r],
    ...Object.entries(r.per_rule),
    ...BASELINE_NAMES.map((b): [string, DetectorSummary] => [b, r.baselines[b]]),
  ];
}

/** Per fault file: detection rate of each detector (% of faulty rows alarmed). */
function perFaultTable(r: TepBenchReport): string {
  const rows = detectorRows(r);
  const files = Object.keys(r.faults);
  return table(
    ['file', 'redband delay s', 'FAR% (own normal rows)', ...rows.map(([n]) => n)],
    files.map((f) => {
      const p = r.faults[f]!;
      const mark = UNDETECTABLE_FAULTS.includes(p.fault) ? '*' : '';
      return [
        `${f}${mark}`,
        num(p.delay_s, 0),
        num(p.far),
        ...rows.map(([, s]) => num(s.faults[f]?.detection_rate)),
      ];
    }),
  );
}

export function formatTepReport(r: TepBenchReport): string {
  const a = r.agent;
  const w = a.warmup;
  const sketch =
    a.sketch.kind === 'sliding' ? `sliding ${a.sketch.size}` : `forgetting β ${a.sketch.beta}`;
  const limits = Object.entries(a.limits ?? {})
    .map(([k, v]) => `${k} ${num(v as number, 3)}`)
    .join(', ');
  const band = a.band ? `${a.band.measure} [${num(a.band.low, 3)}, ${num(a.band.high, 3)}]` : '—';
  const summary = detectorRows(r).map(([n, s]) => [
    n,
    num(s.far),
    num(s.detection_rate_mean),
    num(s.delay_s_mean, 0),
    s.threshold === undefined ? '' : num(s.threshold, 2),
  ]);
  return [
    `TEP bench: ${r.dataset} — scored ${r.scored.join(', ')}; everything is fitted on d00.dat only`,
    `agent: ${a.config} (model ${a.model}, T ${w.window}, hop ${w.hop}); warm-up = d00.dat rows 0–${w.warmupRows - 1} (W ${w.warmupWindows}), fit on rows 0–${w.fitRows - 1} (F ${w.fitWindows}), limits from rows ${w.fitRows}–${w.warmupRows - 1} (margin ${a.limit_margin}); a snapshot every ${a.period_windows} window(s); latent sketch ${sketch}; level shift on ${a.level_shift_channels} channels, mean of ${a.mean_window} row(s)`,
    `device limits: ${limits || '—'}; band ${band}`,
    `collector rules: the collector's defaults (parseConfig({})); alarm at a row = firing after the last snapshot with window_end ≤ its time`,
    `PCA baselines: ${r.pca.components} components (${num(100 * r.pca.explained)} % of d00.dat's variance), ${r.pca.samples} rows; ${100 * r.pca.confidence} % limits T² ${num(r.pca.t2_limit, 2)} (F), SPE ${num(r.pca.spe_limit, 2)} (${r.pca.spe_method}); pca_t2 / pca_spe: limits swept to the product's FAR on d00_te.dat; same rule lifecycle`,
    '',
    `Summary (FAR = % of d00_te.dat rows alarmed; detection = % of faulty rows alarmed, mean over the detectable faults present, all but ${UNDETECTABLE_FAULTS.join(', ')}):`,
    table(['detector', 'FAR%', 'detection%', 'delay s', 'threshold'], summary),
    '',
    'Per fault file, detection rate % (* = practically undetectable):',
    perFaultTable(r),
    '',
    ...Object.entries(r.descriptions).map(([n, d]) => `  ${n}: ${d}`),
  ].join('\n');
}
