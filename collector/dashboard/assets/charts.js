// uPlot time-series with a stability band drawn behind the line. uPlot comes from the
// collector's /vendor/uplot.iife.min.js (a global), so there is no bundler and no CDN.
/* global window, ResizeObserver */
import { distinctLabels, fmtClock } from './format.js';

const BAND_FILL = 'rgba(30, 130, 76, 0.13)';
const BAND_EDGE = 'rgba(30, 110, 60, 0.75)';
const LINE = '#1f4e8c';
const OUT = '#b3261e';

/**
 * y range covering the data and the band, so the band edges are always in view. A compact
 * sparkline caps excursions at 2.5 band widths past an edge (further points are pinned to the
 * frame by the marks), so one huge value cannot flatten the band to a hairline.
 */
function yRange(band, compact) {
  return (_u, min, max) => {
    let lo = min;
    let hi = max;
    const b = band.current;
    if (b) {
      lo = lo === null || Number.isNaN(lo) ? b.low : Math.min(lo, b.low);
      hi = hi === null || Number.isNaN(hi) ? b.high : Math.max(hi, b.high);
      const w = b.high - b.low;
      if (compact && w > 0) {
        lo = Math.max(lo, b.low - 2.5 * w);
        hi = Math.min(hi, b.high + 2.5 * w);
      }
    }
    if (lo === null || hi === null || Number.isNaN(lo) || Number.isNaN(hi)) return [0, 1];
    const span = hi - lo || Math.abs(hi) || 1;
    return [lo - span * 0.08, hi + span * 0.08];
  };
}

/**
 * x range from the data itself: uPlot widens a lone point to a ~1000-day span, which makes
 * a fresh device's chart unreadable. Short histories get a 10-minute window ending now-ish.
 */
function xRange(u) {
  const xs = u.data[0];
  const last = xs.length ? xs[xs.length - 1] : Date.now() / 1000;
  const first = xs.length ? xs[0] : last;
  return last - first < 60 ? [last - 600, last + 5] : [first, last];
}

/**
 * Two labels fit a 70 px sparkline: the band edges. When an excursion squeezes the band
 * so that they would overlap, label the edge it left by and the far end instead.
 */
function compactSplits(band) {
  return (u, _i, min, max) => {
    const b = band.current;
    if (!b) return min === max ? [min] : [min, max];
    if (b.low === b.high) return [b.low];
    const px = ((b.high - b.low) / (max - min)) * (u.bbox.height / (window.devicePixelRatio || 1));
    if (px >= 14) return [b.low, b.high];
    const nice = (v) => Number(v.toPrecision(2));
    return max - b.high > b.low - min
      ? [b.high, nice(max - (max - min) * 0.1)]
      : [nice(min + (max - min) * 0.1), b.low];
  };
}

/**
 * A device that stops reporting for longer than this many of its reporting periods is drawn
 * with a gap there: a line across an outage would show values nobody measured.
 */
export const GAP_PERIODS = 3;

/** The device's reporting period in data time: the median spacing of its points (ms). */
function reportingPeriod(xs) {
  const d = [];
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[i - 1]) d.push(xs[i] - xs[i - 1]);
  if (d.length < 2) return null;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/**
 * The points with a null one period after the last report before each outage, so uPlot
 * (spanGaps: false) breaks the line there. `quiet[i]`: a null that is not a value (an outage,
 * or a warm-up's "not yet"), which gets no +∞ mark.
 */
function withGaps(xs, ys, quiet) {
  const period = reportingPeriod(xs);
  const out = { xs: [], ys: [], quiet: [] };
  for (let i = 0; i < xs.length; i++) {
    if (period !== null && i > 0 && xs[i] - xs[i - 1] > GAP_PERIODS * period) {
      out.xs.push(xs[i - 1] + period);
      out.ys.push(null);
      out.quiet.push(true);
    }
    out.xs.push(xs[i]);
    out.ys.push(ys[i]);
    out.quiet.push(Boolean(quiet?.[i]));
  }
  return out;
}

function bandPlugin(band) {
  const hline = (u, ctx, v) => {
    const y = Math.round(u.valToPos(v, 'y', true)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
  };
  return {
    hooks: {
      // Behind the series: the shaded band with dashed edges and a dotted center.
      drawClear: [
        (u) => {
          const b = band.current;
          if (!b) return;
          const { ctx } = u;
          const top = u.valToPos(b.high, 'y', true);
          const bottom = u.valToPos(b.low, 'y', true);
          ctx.save();
          ctx.fillStyle = BAND_FILL;
          ctx.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
          ctx.strokeStyle = BAND_EDGE;
          ctx.lineWidth = window.devicePixelRatio || 1;
          ctx.setLineDash([6, 4]);
          hline(u, ctx, b.high);
          hline(u, ctx, b.low);
          ctx.setLineDash([2, 4]);
          hline(u, ctx, b.center);
          ctx.restore();
        },
      ],
      // Over the series: out-of-band points in red, and a red tick at the top for null
      // values (+∞ or not computable), which would otherwise be an invisible gap.
      draw: [
        (u) => {
          const b = band.current;
          if (!b || !band.marks) return;
          const [xs, ys] = u.data;
          const { ctx } = u;
          const r = 2.5 * (window.devicePixelRatio || 1);
          ctx.save();
          ctx.fillStyle = OUT;
          for (let i = 0; i < xs.length; i++) {
            const x = u.valToPos(xs[i], 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            const v = ys[i];
            if (v === null || v === undefined) {
              if (band.quiet[i]) continue;
              ctx.fillRect(x - r / 2, u.bbox.top, r, r * 2);
            } else if (v > b.high || v < b.low) {
              const y = u.valToPos(v, 'y', true);
              const top = u.bbox.top;
              ctx.beginPath();
              ctx.arc(x, Math.min(top + u.bbox.height, Math.max(top, y)), r, 0, 2 * Math.PI);
              ctx.fill();
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

/**
 * A chart in `target` showing one value over time against an optional band.
 * `marks`: highlight out-of-band and null points (only meaningful for the band measure).
 */
export function createBandChart(
  target,
  { height = 90, label = 'value', compact = false, initialWidth } = {},
) {
  const band = { current: null, marks: true, quiet: [] };
  const width = () => Math.max(120, Math.floor(target.clientWidth || 300));
  const axisFont = compact ? '10px system-ui, sans-serif' : '11px system-ui, sans-serif';
  const opts = {
    // Callers creating many charts measure all widths first (one layout, not one per chart).
    width: initialWidth ?? width(),
    height,
    legend: { show: !compact },
    cursor: { drag: { x: false, y: false }, points: { size: 5 } },
    scales: { x: { time: true, range: xRange }, y: { range: yRange(band, compact) } },
    series: [
      {},
      {
        label,
        stroke: LINE,
        width: 1.5,
        spanGaps: false,
        // Dots only while there are too few points to draw a line (a fresh device).
        points: { show: (_u, _s, i0, i1) => i1 - i0 < 3, size: 5 },
        // idx is null while the cursor is off the plot: show a dash, not "∞".
        value: (_u, v, _s, idx) =>
          idx === null || idx === undefined
            ? '—'
            : v === null || v === undefined
              ? '∞ / n.a.'
              : String(Number(v.toPrecision(4))),
      },
    ],
    axes: [
      {
        font: axisFont,
        stroke: '#333',
        size: compact ? 24 : 30,
        space: compact ? 50 : 70,
        grid: { stroke: '#eee' },
        // seconds once the splits are closer than a minute: never "21:35" twice
        values: (_u, splits, _i, _space, incr) =>
          distinctLabels(splits, (v, d) => fmtClock(v, d > 3 ? 0 : incr)),
      },
      {
        font: axisFont,
        stroke: '#333',
        size: compact ? 38 : 56,
        space: compact ? 18 : 30,
        grid: { stroke: '#eee' },
        // A 70 px sparkline has room for two labels: make them the band edges.
        ...(compact
          ? {
              splits: compactSplits(band),
              values: (_u, sp) => distinctLabels(sp, (v, d) => String(Number(v.toPrecision(d)))),
            }
          : {}),
      },
    ],
    plugins: [bandPlugin(band)],
  };
  const plot = new window.uPlot(opts, [[], []], target);
  // Cards reflow when the window resizes; follow the container's width.
  const ro = new ResizeObserver(() => {
    const w = width();
    if (w !== plot.width) plot.setSize({ width: w, height });
  });
  ro.observe(target);

  return {
    plot,
    /**
     * xs in ms since epoch (converted to uPlot's seconds), ys may contain nulls; `quiet[i]`
     * true: ys[i] is null for want of a value yet (warm-up), not +∞. Outages become gaps.
     */
    setData(xsMs, ys, quiet) {
      const g = withGaps(xsMs, ys, quiet);
      band.quiet = g.quiet;
      plot.setData([g.xs.map((t) => t / 1000), g.ys]);
    },
    setBand(b, marks = true) {
      const same =
        b === band.current ||
        (b &&
          band.current &&
          b.low === band.current.low &&
          b.high === band.current.high &&
          b.center === band.current.center);
      band.current = b ?? null;
      band.marks = marks;
      if (!same) plot.setData(plot.data); // re-run the y range and redraw with the new band
    },
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
