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
  fmtChannels,
  fmtForecast,
  fmtNum,
  fmtSilenced,
  fmtSlope,
  fmtTime,
  fmtValue,
  statusInfo,
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
    title: `${MEASURE_LABELS[m]} · ${m}`,
    get: (p) => p.measures?.[m] ?? null,
  }));
  list.push({
    key: 'drift',
    title: 'Drift (Gaussian KL vs baseline)',
    get: (p) => p.drift ?? null,
  });
  list.push({ key: 'recon_mean', title: 'Reconstruction error (mean)', get: (p) => p.recon_mean });
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
  const st = statusInfo(entry.status);
  $('#status').textContent = `${st.symbol} ${st.label}`;
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
  const facts = [
    ['Band measure', b ? b.measure : 'none yet'],
    ['Value', fmtValue(entry.band_value)],
    ['Band', b ? `${fmtNum(b.low)} – ${fmtNum(b.high)} (center ${fmtNum(b.center)})` : '—'],
    ['Band source', b?.source ?? '—'],
    [
      'Position',
      {
        above: 'above band (over-coupling)',
        below: 'below band (over-compression)',
        inside: 'inside band',
        none: '—',
      }[pos],
    ],
    ['Forecast', `${fmtForecast(entry.forecast, outside)}${slope ? ` (${slope})` : ''}`],
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
    ...facts.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v }))),
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
          el('p', { class: 'muted note', hidden: true }),
          target,
        ),
      );
      charts.set(s.key, createBandChart(target, { height: 170, label: s.key }));
    }
  }
  const xs = points.map((p) => p.t);
  for (const s of list) {
    const c = charts.get(s.key);
    c.setBand(s.key === bandMeasure ? entry.band : null);
    const ys = points.map(s.get);
    c.setData(xs, ys);
    // An all-null series draws nothing; say why instead of showing an empty frame.
    const note = c.plot.root.parentElement.previousElementSibling;
    note.hidden = !(ys.length && ys.every((v) => v === null));
    note.textContent = 'No finite values: +∞ or not computable in this window.';
  }
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
