// How a calibration result is shown: an aligned text table for the terminal and a
// hand-written SVG (error against redundancy, one point per model, R* and the band).
import { SCALAR_MEASURES } from '../shared/measures/types.ts';
import { errorOf, type CalibrationResult } from './calibrate.ts';

const fmt = (v: number | null, digits = 4) =>
  v === null ? '∞/NA' : Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(digits);

function align(rows: string[][]): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function calibrationTable(r: CalibrationResult): string {
  const header = [
    'ratio',
    'err@own',
    `err@${r.options.referenceRatio}`,
    'err@sweep',
    ...SCALAR_MEASURES,
    '',
  ];
  const rows = r.points.map((p, i) => [
    p.maskRatio.toFixed(2),
    fmt(p.errorOwn),
    fmt(p.errorRef),
    fmt(p.errorSweep),
    ...SCALAR_MEASURES.map((m) => fmt(p.measures[m])),
    i === r.best ? '← R*' : r.inBand.includes(i) ? 'band' : '',
  ]);
  const sepRows = [
    ['measure', 'spearman(ratio)', 'spread/noise', 'noise σ'],
    ...r.separation.map((s) => [
      s.measure,
      fmt(s.spearman, 3),
      fmt(s.spreadToNoise, 2),
      fmt(s.noise, 4),
    ]),
  ];
  const b = r.sweepBand;
  const shapes = {
    U: 'U-shaped: both ends of the redundancy range are worse than the tolerance',
    falling: 'not U-shaped: error falls with redundancy; the high end stays within tolerance',
    rising: 'not U-shaped: error rises with redundancy; the low end stays within tolerance',
    flat: 'flat: both ends stay within tolerance of the best',
  } as const;
  const margin = r.options.bandMargin ?? 0;
  return [
    `${r.csv}: ${r.rows.train} training rows (${r.windows.train} windows), ${r.rows.heldOut} held-out rows (${r.windows.heldOut} windows)`,
    `errors: held-out masked MSE (normalized units) at the model's own ratio, at ${r.options.referenceRatio} for all, and averaged over all swept ratios (err@sweep)`,
    `R* and the band use ${r.options.criterion === 'reference' ? `err@${r.options.referenceRatio}` : 'err@sweep'} (--criterion ${r.options.criterion ?? 'sweep'})`,
    '',
    align([header, ...rows]),
    '',
    `R* (${b.measure}) = ${fmt(r.rStar)} at mask ratio ${r.points[r.best]!.maskRatio}; ` +
      `band [${fmt(b.low)}, ${fmt(b.high)}] (error within ${(r.options.tolerance * 100).toFixed(0)} % of the best)` +
      (b.low === b.high ? ' — degenerate: only the best model is within tolerance' : ''),
    margin > 0
      ? `band written to the model: [${fmt(r.band.low)}, ${fmt(r.band.high)}] (widened by ${margin} × noise σ)`
      : `band written to the model: the same (no --band-margin)`,
    `curve: ${shapes[r.shape]}${r.interiorMinimum ? '' : '; the minimum is at an end of the range'}`,
    '',
    align(sepRows),
    '',
    `separates the models best: ${r.bestSeparating ?? 'none (no measure finite for every model)'}`,
  ].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function calibrationSvg(r: CalibrationResult): string {
  const W = 640;
  const H = 420;
  const m = { l: 70, r: 20, t: 40, b: 50 };
  const measure = r.band.measure;
  const pts = r.points.flatMap((p, i) =>
    p.measures[measure] === null
      ? []
      : [{ x: p.measures[measure]!, y: errorOf(p, r.options.criterion), p, i }],
  );
  const xs = pts.map((q) => q.x);
  const ys = pts.map((q) => q.y);
  const pad = (lo: number, hi: number) => {
    const d = hi - lo || Math.abs(hi) || 1;
    return [lo - 0.08 * d, hi + 0.08 * d] as const;
  };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (v: number) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const n = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(`${r.csv}: held-out masked error vs latent ${measure}`)}</text>`,
    // the band, shaded, and R* as a dashed line
    `<rect x="${n(sx(r.band.low))}" y="${m.t}" width="${n(Math.max(1, sx(r.band.high) - sx(r.band.low)))}" height="${H - m.t - m.b}" fill="#2a9d8f" fill-opacity="0.15"/>`,
    `<line x1="${n(sx(r.rStar))}" y1="${m.t}" x2="${n(sx(r.rStar))}" y2="${H - m.b}" stroke="#2a9d8f" stroke-dasharray="5,4"/>`,
    `<text x="${n(sx(r.rStar) + 4)}" y="${m.t + 14}" fill="#2a9d8f">R* = ${fmt(r.rStar, 3)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    out.push(
      `<text x="${n(sx(xv))}" y="${H - m.b + 16}" text-anchor="middle">${fmt(xv, 3)}</text>`,
      `<text x="${m.l - 6}" y="${n(sy(yv) + 4)}" text-anchor="end">${fmt(yv, 3)}</text>`,
    );
  }
  out.push(
    `<text x="${(W + m.l) / 2}" y="${H - 12}" text-anchor="middle">latent ${measure} (held-out)</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${r.options.criterion === 'reference' ? `masked MSE at ratio ${r.options.referenceRatio}` : 'masked MSE, mean over swept ratios'}</text>`,
  );
  const line = [...pts].sort((a, b) => a.x - b.x).map((q) => `${n(sx(q.x))},${n(sy(q.y))}`);
  out.push(`<polyline points="${line.join(' ')}" fill="none" stroke="#999"/>`);
  for (const q of pts) {
    const fill = q.i === r.best ? '#e76f51' : r.inBand.includes(q.i) ? '#2a9d8f' : '#264653';
    out.push(
      `<circle cx="${n(sx(q.x))}" cy="${n(sy(q.y))}" r="5" fill="${fill}"/>`,
      `<text x="${n(sx(q.x) + 7)}" y="${n(sy(q.y) - 7)}" font-size="10">${q.p.maskRatio}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
