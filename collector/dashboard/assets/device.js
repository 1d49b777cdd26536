// One device: every measure over time against the band, drift, reconstruction error, alerts.
/* global document, window, URLSearchParams */
import { api, subscribe, withToken } from './api.js';
import { createBandChart } from './charts.js';
import {
  MEASURE_LABELS,
  bandPosition,
  channelsTitle,
  el,
  fmtAgo,
  fmtBadge,
  fmtChannels,
  fmtForecast,
  fmtNum,
  fmtSilenced,
  fmtSlope,
  fmtTime,
  fmtValue,
  fmtWarmup,
  isWarming,
} from './format.js';

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(window.location.search);
const fleet = params.get('fleet') ?? '';
const device = params.get('device') ?? '';
const isMine = (x) => x && x.fleet === fleet && x.device === device;

let entry = null;
let points = [];
const charts = new Map(); // series key → chart

/** The series shown, band measure first; `get` reads one history point. */
function seriesList(bandMeasure) {
  const list = Object.keys(MEASURE_LABELS).map((m) => ({
    key: m,
    label: MEASURE_LABELS[m],
    title: `${MEASURE_LABELS[m]} · ${m}`,
    get: (p) => p.measures?.[m] ?? null,
  }));
  list.push({
    key: 'drift',
    label: 'Drift',
    title: 'Drift (Gaussian KL vs baseline)',
    get: (p) => p.drift ?? null,
  });
  list.push({
    key: 'recon_mean',
    label: 'Reconstruction error',
    title: 'Reconstruction error (mean)',
    get: (p) => p.recon_mean,
  });
  if (bandMeasure) list.sort((a, b) => (b.key === bandMeasure) - (a.key === bandMeasure));
  return list;
}

function showError(msg) {
  $('#error').textContent = msg;
  $('#error').hidden = !msg;
}

function renderHeader() {
  $('#device-name').textContent = device || '(no device)';
  $('#fleet-name').textContent = fleet ? `fleet ${fleet}` : '';
  document.title = `redband — ${fleet}/${device}`;
  $('#back').href = withToken('index.html');
  if (!entry) {
    $('#status').textContent = 'not reporting';
    $('#status').className = 'badge status-unknown';
    return;
  }
  const warming = isWarming(entry);
  $('#status').textContent = fmtBadge(entry);
  $('#status').className =
    `badge status-${entry.status in { ok: 1, pending: 1, firing: 1, silent: 1 } ? entry.status : 'unknown'}`;
  $('#status').dataset.status = entry.status;
  $('#offline').hidden = entry.online !== false;
  // the same marker as the fleet page's card: firing, and which silence holds it back
  const silenced = fmtSilenced(entry.alerts ?? []);
  $('#silenced').hidden = silenced === null;
  $('#silenced').textContent = silenced ?? '';

  const b = entry.band;
  const pos = bandPosition(b, entry.band_value);
  const outside = pos === 'above' || pos === 'below';
  const slope = fmtSlope(entry.forecast);
  const position = {
    above: 'above band (over-coupling)',
    below: 'below band (over-compression)',
    inside: 'inside band',
    none: '—',
  }[pos];
  const facts = [
    ['Band measure', b ? b.measure : 'none yet'],
    ['Value', fmtValue(entry.band_value)],
    ['Band', b ? `${fmtNum(b.low)} – ${fmtNum(b.high)} (center ${fmtNum(b.center)})` : '—'],
    ['Band source', b?.source ?? '—'],
    ['Position', warming ? fmtWarmup(entry) : position],
    [
      'Forecast',
      warming
        ? 'none while warming up'
        : `${fmtForecast(entry.forecast, outside)}${slope ? ` (${slope})` : ''}`,
    ],
    ['Last seen', fmtAgo(entry.last_seen)],
    ['Boot / seq', `${entry.boot ?? '—'} / ${entry.seq ?? '—'}`],
    ...(entry.held ?? []).map((h) => [
      `${h.rule}: new level`,
      `settled at ${fmtNum(h.level)}, not accepted: held until the device re-baselines (redband rebaseline ${device})`,
    ]),
    ...(entry.rebaselines ?? [])
      .slice(-1)
      .map((r) => [
        'Re-baselined',
        `${fmtTime(r.at)}, shift accepted: ${fmtShift(r.shift)} (${r.reason})`,
      ]),
  ];
  $('#facts').replaceChildren(
    ...facts.map(([k, v]) =>
      el('div', { 'data-fact': k }, el('dt', { text: k }), el('dd', { text: v })),
    ),
  );
}

/** The largest accepted shifts, in σ of the old baseline: "Flow −3.2σ, Current +0.4σ". */
function fmtShift(shift) {
  const top = Object.entries(shift ?? {})
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 3);
  if (top.length === 0) return '—';
  return top.map(([ch, v]) => `${ch} ${v >= 0 ? '+' : '−'}${fmtNum(Math.abs(v))}σ`).join(', ');
}

function renderCharts() {
  const bandMeasure = entry?.band?.measure ?? null;
  const list = seriesList(bandMeasure);
  const box = $('#charts');
  // Rebuild the panels only when the band measure (and so the order) changes.
  const order = list.map((s) => s.key).join();
  if (box.dataset.order !== order) {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    box.replaceChildren();
    box.dataset.order = order;
    for (const s of list) {
      const target = el('div', { class: 'chart' });
      const isBand = s.key === bandMeasure;
      box.append(
        el(
          'section',
          {
            class: `panel${isBand ? ' band-measure' : ''}`,
            'data-testid': 'measure-chart',
            'data-measure': s.key,
          },
          el('h3', { text: isBand ? `${s.title} — band measure` : s.title }),
          el('p', { class: 'muted note', 'data-testid': 'chart-note', hidden: true }),
          target,
        ),
      );
      charts.set(s.key, createBandChart(target, { height: 170, label: s.key }));
    }
  }
  const xs = points.map((p) => p.t);
  const quiet = points.map((p) => p.warmup === true);
  for (const s of list) {
    const c = charts.get(s.key);
    c.setBand(s.key === bandMeasure ? entry.band : null);
    const ys = points.map(s.get);
    c.setData(xs, ys, quiet);
    collapse(c.plot.root.closest('[data-testid=measure-chart]'), s, ys, quiet);
  }
}

/**
 * A series with no value in any point shown draws nothing: its panel collapses to one line
 * saying so, and why (the device's note for it: λ_max ≥ 2 for χ², …), instead of an empty
 * frame or a row of +∞ marks. It opens again with the first finite value.
 */
function collapse(panel, s, ys, quiet) {
  const none = ys.length > 0 && ys.every((v) => v === null || v === undefined);
  const note = panel.querySelector('.note');
  panel.classList.toggle('collapsed', none);
  panel.dataset.collapsed = none ? '1' : '';
  note.hidden = !none;
  if (!none) return;
  const name = s.label ?? s.title;
  const why = entry?.notes?.[s.key];
  note.textContent = ys.every((_, i) => quiet[i])
    ? `${name}: no value yet, ${fmtWarmup(entry)}`
    : `${name}: not finite for this device (${why ?? `no finite value in the last ${ys.length} points`})`;
}

function historyRow(a) {
  return el(
    'tr',
    { 'data-testid': 'history-row', 'data-state': a.state },
    el('td', { text: fmtTime(a.sent_at ?? a.since) }),
    el('td', {}, el('span', { class: `pill pill-${a.state}`, text: a.state })),
    el('td', { text: a.rule + (a.resend ? ' (re-sent)' : '') }),
    el('td', { text: fmtValue(a.value) }),
    el('td', { text: a.reason ?? '' }),
    el('td', { 'data-testid': 'history-channels', title: channelsTitle(a), text: fmtChannels(a) }),
  );
}

/** A re-baseline among the alerts: the level-shift baseline re-fitted, what was accepted. */
function rebaselineRow(r) {
  return el(
    'tr',
    { 'data-testid': 'history-row', 'data-state': 're-baselined' },
    el('td', { text: fmtTime(r.at) }),
    el('td', {}, el('span', { class: 'pill pill-rebaselined', text: 're-baselined' })),
    el('td', { text: 'level-shift' }),
    el('td', { text: '—' }),
    el('td', { text: `shift accepted: ${fmtShift(r.shift)} (${r.reason})` }),
    el('td', { text: '' }),
  );
}

/** Alerts and re-baselines, newest first (the alerts come newest first). */
function historyRows(alerts, rebaselines) {
  const rows = [
    ...alerts.map((a) => ({ t: a.sent_at ?? a.since, row: historyRow(a) })),
    ...rebaselines.map((r) => ({ t: r.at, row: rebaselineRow(r) })),
  ];
  return rows.sort((a, b) => b.t - a.t).map((r) => r.row);
}

async function loadHistory() {
  const limit = Number($('#limit').value);
  const h = await api.history(fleet, device, limit);
  points = [...(h?.points ?? [])].sort((a, b) => a.t - b.t);
  renderCharts();
}

async function loadAll() {
  try {
    const f = await api.fleet();
    entry = (f.devices ?? []).find(isMine) ?? null;
    renderHeader();
    if (!entry) {
      // The history route answers 404 for a device the collector has never heard from.
      showError(`No device ${fleet}/${device} has reported to this collector yet.`);
      return;
    }
    await loadHistory();
    const alerts = ((await api.alerts(500)).alerts ?? []).filter(isMine);
    const rows = historyRows(alerts, entry.rebaselines ?? []);
    $('#history').replaceChildren(...rows);
    $('#no-history').hidden = rows.length !== 0;
    showError('');
  } catch (e) {
    showError(`Cannot reach the collector: ${e.message ?? e}`);
  }
}

// Device events carry only the band value, so the other measures are re-read from history;
// a short debounce keeps a burst of snapshots to one request.
let refetch = null;
function scheduleHistory() {
  clearTimeout(refetch);
  refetch = setTimeout(() => loadHistory().catch((e) => showError(String(e.message ?? e))), 500);
}

$('#limit').addEventListener('change', scheduleHistory);
subscribe({
  onDevice: (d) => {
    if (!isMine(d)) return;
    entry = d;
    renderHeader();
    scheduleHistory();
  },
  onAlert: (a) => {
    if (!isMine(a)) return;
    $('#history').prepend(historyRow(a));
    $('#no-history').hidden = true;
  },
  onReconnect: loadAll,
  onState: (s) => {
    $('#connection').dataset.state = s;
    $('#connection').textContent = s === 'live' ? '● live' : '○ reconnecting…';
  },
});
setInterval(renderHeader, 5000); // "last seen" ages on its own
loadAll();
