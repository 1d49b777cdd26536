// The fleet page: device cards, recent alerts, silences; kept live by /api/events.
/* global document, FormData, requestAnimationFrame */
import { api, limiter, subscribe, withToken } from './api.js';
import { DeviceCard, SPARK_POINTS, deviceKey } from './cards.js';
import {
  STATUS,
  WARMING,
  channelsTitle,
  el,
  fmtAgo,
  fmtChannels,
  fmtDuration,
  fmtTime,
  fmtValue,
  statusInfo,
} from './format.js';

const MAX_ALERT_ROWS = 50;
const historyQueue = limiter(4);
const $ = (sel) => document.querySelector(sel);

const cards = new Map(); // key → DeviceCard
const sseSeen = new Map(); // key → Date.now() of the last SSE device event
const unmounted = []; // cards whose chart is not created yet
const grid = $('#devices');
const alertList = $('#alerts');
const silenceList = $('#silences');
const form = $('#silence-form');
const formStatus = $('#silence-status');
const filterText = $('#filter-text');
const filterStatus = $('#filter-status');

function showError(msg) {
  const box = $('#error');
  box.textContent = msg;
  box.hidden = !msg;
}

function setConnection(state) {
  const c = $('#connection');
  c.dataset.state = state;
  c.textContent = state === 'live' ? '● live' : '○ reconnecting…';
}

// ---- devices -------------------------------------------------------------------------

function upsertDevice(entry) {
  const key = deviceKey(entry.fleet, entry.device);
  let card = cards.get(key);
  if (!card) {
    card = new DeviceCard(entry);
    cards.set(key, card);
    card.update(entry);
    grid.append(card.root);
    // now, not at the next frame: a tab in the background gets no frames, and the card
    // is already in the grid
    renderEmpty();
    unmounted.push(card);
    loadHistory(card, entry);
    refreshDeviceOptions();
  } else {
    card.update(entry);
  }
  return card;
}

async function loadHistory(card, entry) {
  try {
    const h = await historyQueue(() => api.history(entry.fleet, entry.device, SPARK_POINTS));
    const pts = [...(h?.points ?? [])].sort((a, b) => a.t - b.t);
    // Points that arrived live while the request was in flight are newer; keep them.
    const lastHist = pts.length ? pts[pts.length - 1].t : -Infinity;
    const liveTail = card.xs
      .map((t, i) => ({ t, band_value: card.ys[i], warmup: card.quiet[i] }))
      .filter((p) => p.t > lastHist);
    card.setHistory([...pts, ...liveTail].slice(-SPARK_POINTS));
  } catch (e) {
    console.warn('history', card.key, e);
  }
}

/** Creates pending charts: all widths are read in one layout pass, then the charts built. */
function mountCharts() {
  const batch = unmounted.splice(0);
  const widths = batch.map((c) => c.chartBox.clientWidth);
  batch.forEach((c, i) => c.mountChart(Math.floor(widths[i]) || undefined));
}

/** Worst first, then by name, so a firing device is at the top without scrolling. */
function sortCards() {
  const order = [...cards.values()].sort((a, b) => {
    const ra = statusInfo(a.entry?.status).rank;
    const rb = statusInfo(b.entry?.status).rank;
    return ra - rb || a.key.localeCompare(b.key);
  });
  const current = [...grid.children];
  if (order.every((c, i) => current[i] === c.root)) return; // no DOM moves, no reflow
  for (const c of order) grid.append(c.root);
}

function renderEmpty() {
  $('#empty').hidden = cards.size !== 0;
}

function applyFilter() {
  const text = filterText.value.trim();
  const status = filterStatus.value;
  let shown = 0;
  for (const c of cards.values()) {
    const ok = c.matches(text, status);
    c.root.hidden = !ok;
    if (ok) shown++;
  }
  renderEmpty();
  $('#shown-count').textContent =
    shown === cards.size ? `${cards.size} devices` : `${shown} of ${cards.size} devices`;
}

function renderSummary() {
  const counts = {};
  for (const c of cards.values()) {
    // a warm-up is counted as one, not as "unknown" or "ok": nothing is judged yet
    const s = c.root.dataset.phase === 'warmup' ? 'warmup' : (c.root.dataset.status ?? 'unknown');
    counts[s] = (counts[s] ?? 0) + 1;
  }
  const info = (s) => (s === 'warmup' ? WARMING : statusInfo(s));
  const parts = [...Object.keys(STATUS), 'warmup']
    .filter((s) => counts[s])
    .map((s) =>
      el(
        'span',
        { class: `chip status-${s === 'warmup' ? 'unknown' : s}`, 'data-testid': `summary-${s}` },
        `${info(s).symbol} ${counts[s]} ${info(s).label.toLowerCase()}`,
      ),
    );
  $('#summary').replaceChildren(...parts);
}

let lastEvent = null;
let layoutQueued = false;
/** Sorting, filtering and counts once per frame, however many SSE events arrive. */
function queueLayout() {
  if (layoutQueued) return;
  layoutQueued = true;
  requestAnimationFrame(() => {
    layoutQueued = false;
    sortCards();
    applyFilter();
    renderSummary();
    mountCharts();
  });
}

async function loadFleet() {
  const started = Date.now();
  const fleet = await api.fleet();
  for (const entry of fleet.devices ?? []) {
    const key = deviceKey(entry.fleet, entry.device);
    // A live event that arrived after this request began is fresher than the snapshot.
    if ((sseSeen.get(key) ?? 0) > started) continue;
    upsertDevice(entry);
  }
  sortCards();
  mountCharts();
  queueLayout();
  return fleet;
}

// ---- alerts --------------------------------------------------------------------------

function alertRow(a) {
  const href = withToken(
    `device.html?fleet=${encodeURIComponent(a.fleet)}&device=${encodeURIComponent(a.device)}`,
  );
  return el(
    'li',
    {
      class: `alert-row alert-${a.state}`,
      'data-testid': 'alert-row',
      'data-device': a.device,
      'data-fleet': a.fleet,
      'data-state': a.state,
      'data-rule': a.rule,
    },
    el('span', { class: `pill pill-${a.state}`, text: a.state }),
    el('time', {
      datetime: new Date(a.sent_at ?? a.since).toISOString(),
      text: fmtTime(a.sent_at ?? a.since),
    }),
    el('a', { href, text: `${a.fleet}/${a.device}` }),
    el('span', { class: 'rule', text: a.rule + (a.resend ? ' (re-sent)' : '') }),
    el('span', {
      class: 'reason',
      text: `${a.reason ?? ''}${a.value !== undefined ? ` · value ${fmtValue(a.value)}` : ''}`,
    }),
    ...channelsCell(a),
  );
}

/** The channels the alert names, if any: one more line of the row. */
function channelsCell(a) {
  const text = fmtChannels(a);
  if (!text) return [];
  return [
    el('span', {
      class: 'channels',
      'data-testid': 'alert-channels',
      title: channelsTitle(a),
      text,
    }),
  ];
}

/** The rule choices of the silence form: the collector's configured rules (/api/rules). */
async function loadRules() {
  const { rules = [] } = (await api.rules()) ?? {};
  const sel = form.elements.rule;
  const chosen = sel.value;
  sel.replaceChildren(
    el('option', { value: '', text: 'Any rule' }),
    ...rules.map((r) => el('option', { value: r.name, text: r.name })),
  );
  sel.value = chosen;
}

function renderAlerts(alerts) {
  alertList.replaceChildren(...alerts.slice(0, MAX_ALERT_ROWS).map(alertRow));
  $('#no-alerts').hidden = alerts.length !== 0;
}

function prependAlert(a) {
  alertList.prepend(alertRow(a));
  while (alertList.children.length > MAX_ALERT_ROWS) alertList.lastElementChild.remove();
  $('#no-alerts').hidden = true;
}

// ---- silences ------------------------------------------------------------------------

function describeMatchers(m = {}) {
  const who = m.device
    ? `${m.fleet ?? '*'}/${m.device}`
    : m.fleet
      ? `fleet ${m.fleet}`
      : 'all devices';
  return `${who} · ${m.rule ? `rule ${m.rule}` : 'any rule'}`;
}

function renderSilences(list) {
  const now = Date.now();
  const active = list.filter((s) => s.ends_at > now).sort((a, b) => a.ends_at - b.ends_at);
  silenceList.replaceChildren(
    ...active.map((s) =>
      el(
        'li',
        { 'data-testid': 'silence-row', 'data-id': s.id },
        el('span', { class: 'who', text: describeMatchers(s.matchers) }),
        el('span', {
          class: 'until',
          text: `until ${fmtTime(s.ends_at)} (${fmtDuration((s.ends_at - now) / 1000)} left)`,
        }),
        s.comment ? el('span', { class: 'comment', text: `“${s.comment}”` }) : null,
        el('button', {
          type: 'button',
          class: 'secondary',
          'data-testid': 'silence-expire',
          'aria-label': `Expire silence for ${describeMatchers(s.matchers)}`,
          text: 'Expire',
          onclick: async (ev) => {
            ev.currentTarget.disabled = true;
            try {
              await api.deleteSilence(s.id);
            } catch (e) {
              showError(String(e.message ?? e));
            }
            await loadSilences();
            await loadFleet();
          },
        }),
      ),
    ),
  );
  $('#no-silences').hidden = active.length !== 0;
}

async function loadSilences() {
  try {
    renderSilences(await api.silences());
  } catch (e) {
    showError(`silences: ${e.message ?? e}`);
  }
}

function refreshDeviceOptions() {
  const sel = form.elements.target;
  const chosen = sel.value;
  const fleets = [...new Set([...cards.values()].map((c) => c.entry.fleet))].sort();
  const devices = [...cards.values()]
    .map((c) => c.entry)
    .sort((a, b) => deviceKey(a.fleet, a.device).localeCompare(deviceKey(b.fleet, b.device)));
  sel.replaceChildren(
    el('option', { value: '', text: 'All devices' }),
    ...fleets.map((f) => el('option', { value: `${f}|`, text: `Fleet ${f} (all devices)` })),
    ...devices.map((d) =>
      el('option', { value: `${d.fleet}|${d.device}`, text: `${d.fleet} / ${d.device}` }),
    ),
  );
  sel.value = chosen;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const [fleet, device] = String(data.get('target') ?? '').split('|');
  const rule = String(data.get('rule') ?? '').trim();
  const minutes = Number(data.get('duration'));
  const comment = String(data.get('comment') ?? '').trim();
  const matchers = {};
  if (fleet) matchers.fleet = fleet;
  if (device) matchers.device = device;
  if (rule) matchers.rule = rule;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    // a length, not times: the collector's clock sets start and end
    await api.createSilence({ matchers, duration_ms: minutes * 60_000, comment });
    formStatus.textContent = `Silenced ${describeMatchers(matchers)} for ${fmtDuration(minutes * 60)}.`;
    form.elements.comment.value = '';
  } catch (e) {
    formStatus.textContent = `Could not create the silence: ${e.message ?? e}`;
  } finally {
    button.disabled = false;
  }
  await loadSilences();
  await loadFleet(); // the cards' "silenced until …" markers
});

// ---- start ---------------------------------------------------------------------------

async function loadAll() {
  try {
    await loadFleet();
    await loadRules();
    renderAlerts((await api.alerts(MAX_ALERT_ROWS)).alerts ?? []);
    await loadSilences();
    showError('');
  } catch (e) {
    showError(`Cannot reach the collector: ${e.message ?? e}`);
  }
}

filterText.addEventListener('input', applyFilter);
filterStatus.addEventListener('change', applyFilter);

subscribe({
  onDevice: (entry) => {
    lastEvent = Date.now();
    sseSeen.set(deviceKey(entry.fleet, entry.device), lastEvent);
    upsertDevice(entry);
    queueLayout();
  },
  onAlert: prependAlert,
  // After a gap the stream does not replay; re-read everything and refill the sparklines.
  onReconnect: async () => {
    await loadAll();
    await Promise.all([...cards.values()].map((c) => loadHistory(c, c.entry)));
  },
  onState: setConnection,
});

// Relative times age on their own; silences expire on their own.
setInterval(() => {
  const now = Date.now();
  for (const c of cards.values()) c.tick(now);
  $('#updated').textContent = lastEvent ? `last update ${fmtAgo(lastEvent, now)}` : '';
}, 1000);
setInterval(loadSilences, 30_000);

loadAll();
