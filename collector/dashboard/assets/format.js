// Text for numbers, times and states. Every status carries a word and a symbol so that color
// is never the only signal (color-blind readers, grey-scale printouts).
/* global document */

export const STATUS = {
  firing: { label: 'Firing', symbol: '▲', rank: 0 },
  pending: { label: 'Pending', symbol: '◆', rank: 1 },
  silent: { label: 'Silent', symbol: '■', rank: 2 },
  unknown: { label: 'Unknown', symbol: '?', rank: 3 },
  ok: { label: 'OK', symbol: '●', rank: 4 },
};

export function statusInfo(status) {
  return STATUS[status] ?? STATUS.unknown;
}

/** A device in its warm-up: nothing is judged yet, so it is neither OK nor unknown. */
export const WARMING = { label: 'Warming up', symbol: '◌' };

/**
 * True while the device's latest metrics are a warm-up's and no rule has an opinion (a
 * silent or firing device says so instead).
 */
export function isWarming(entry) {
  return entry?.phase === 'warmup' && (entry.status === 'unknown' || entry.status === 'ok');
}

/** "warming up (12 of 64 windows)", from the device's own counts; without them "warming up". */
export function fmtWarmup(entry) {
  const w = entry?.warmup;
  return w ? `warming up (${w.windows} of ${w.of} windows)` : 'warming up';
}

/** The badge text: the status, or the warm-up while nothing is judged. */
export function fmtBadge(entry) {
  const st = isWarming(entry) ? WARMING : statusInfo(entry?.status);
  return `${st.symbol} ${st.label}`;
}

/** Numbers of very different magnitudes (nats, ranks, χ²) in at most ~4 significant digits. */
export function fmtNum(v) {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  if (a >= 1000) return v.toFixed(0);
  // four significant digits, trailing zeros dropped: band edges read "0.8", not "0.8000"
  return String(Number(v.toPrecision(4)));
}

/** A null band value means +∞ or not computable; the schema does not say which. */
export function fmtValue(v) {
  return v === null || v === undefined ? '∞ / n.a.' : fmtNum(v);
}

/**
 * The channels an alert names (alert v2 `channels`, ranked), e.g. "Flow 0.72, Pressure 0.18"
 * for shares of the statistic, "ch2 ▼ 1.9, ch4 ▲ 0.6" for coupling changes in nats (▼ decoupled
 * from the others, ▲ locked to them). '' when it names none (a v1 alert stored before the
 * upgrade has no `channels` at all).
 */
export function fmtChannels(a) {
  const list = Array.isArray(a?.channels) ? a.channels : [];
  if (list.length === 0) return '';
  const coupling = a.channels_from === 'coupling';
  return list
    .map((c) =>
      coupling
        ? `${c.channel} ${c.score < 0 ? '▼' : '▲'} ${fmtNum(Math.abs(c.score))}`
        : `${c.channel} ${fmtNum(c.score)}`,
    )
    .join(', ');
}

/** What an alert's channel scores are, for a tooltip. */
export function channelsTitle(a) {
  if (a?.channels_from === 'coupling')
    return 'change of each channel’s coupling to the others (nats)';
  if (a?.channels_from === 'drift_mean') return 'share of the level-shift statistic';
  if (a?.channels_from === 'recon')
    return 'share of the reconstruction error above its warm-up level';
  return '';
}

export function fmtDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = s / 3600;
  if (h < 48) return `${h < 10 ? h.toFixed(1) : Math.round(h)} h`;
  return `${Math.round(h / 24)} d`;
}

/** "12 s ago" relative to `now`; a little clock skew (future stamps) reads as "just now". */
export function fmtAgo(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return 'never';
  const d = (now - ms) / 1000;
  if (d < 2) return 'just now';
  return `${fmtDuration(d)} ago`;
}

/** "21:35" or, when splits are closer than a minute, "21:35:10": one label per split. */
export function fmtClock(seconds, stepS) {
  return new Date(seconds * 1000).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(stepS < 60 ? { second: '2-digit' } : {}),
    hour12: false,
  });
}

/**
 * Axis labels that do not repeat: `fmt(v, digits)` with more digits until every label
 * differs (up to 6 significant digits); a label still equal to the previous one is left
 * blank rather than printed twice.
 */
export function distinctLabels(values, fmt, digits = 3) {
  for (let d = digits; d <= 6; d++) {
    const labels = values.map((v) => fmt(v, d));
    if (new Set(labels).size === labels.length) return labels;
  }
  const labels = values.map((v) => fmt(v, 6));
  return labels.map((l, i) => (i > 0 && l === labels[i - 1] ? '' : l));
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const sameDay = new Date().toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour12: false })
    : d.toLocaleString([], { hour12: false });
}

/** The forecast line of a card; `outside` when the value is already out of its band. */
export function fmtForecast(forecast, outside) {
  if (outside) return 'outside band';
  const eta = forecast?.eta_s;
  // An exit more than two days out is a flat trend extrapolated, not a forecast.
  if (eta === null || eta === undefined || !Number.isFinite(eta) || eta > 2 * 86_400) {
    return 'stable';
  }
  if (eta <= 0) return 'at band edge';
  return `leaves band in ~${fmtDuration(eta)}`;
}

export function fmtSlope(forecast) {
  const s = forecast?.slope_per_hour;
  if (s === null || s === undefined) return '';
  // two significant digits: the slope is a trend hint, not a measurement
  return `${s >= 0 ? '+' : ''}${Number(s.toPrecision(2))}/h`;
}

/** Where the value sits relative to its band: 'above' (over-coupling), 'below' (over-compression). */
export function bandPosition(band, value) {
  if (!band) return 'none';
  // null = +∞ (or undefined); +∞ is above any finite band, so call it that.
  if (value === null || value === undefined) return 'above';
  if (value > band.high) return 'above';
  if (value < band.low) return 'below';
  return 'inside';
}

export const MEASURE_LABELS = {
  tc: 'Total correlation (nats)',
  tc_bias_corrected: 'TC, bias-corrected (nats)',
  renyi_0_5: 'Rényi α=0.5',
  renyi_2: 'Rényi α=2',
  hellinger2: 'Hellinger²',
  chi2: 'χ² divergence',
  quadratic: 'Quadratic Σρ²',
  spectral: 'Spectral redundancy',
  erank: 'Effective rank',
  pr: 'Participation ratio',
};

export function el(tag, attrs = {}, ...children) {
  // Tiny DOM builder: text is always set through textContent, never innerHTML, so device ids,
  // reasons and comments from the wire cannot inject markup.
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** One silence as a marker: "silenced until HH:MM:SS by “comment” (id…)". */
export function fmtSilence(s) {
  const id = s.id.slice(0, 8);
  return `silenced until ${fmtTime(s.until)} by ${s.comment ? `“${s.comment}” (silence ${id})` : `silence ${id}`}`;
}

/**
 * The marker of a device whose firing alerts a silence holds back (entry.alerts[].silenced,
 * from the collector), naming the silence that ends last; null when none is.
 */
export function fmtSilenced(alerts = []) {
  const held = alerts.filter((a) => a.state === 'firing' && a.silenced);
  if (!held.length) return null;
  return fmtSilence(held.reduce((a, b) => (b.silenced.until > a.silenced.until ? b : a)).silenced);
}
