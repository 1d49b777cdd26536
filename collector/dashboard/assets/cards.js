// One card per device, built once and then updated in place: live updates only touch text
// nodes and the chart's data, so 50 devices stream without re-render flicker.
import { withToken } from './api.js';
import { createBandChart } from './charts.js';
import {
  bandPosition,
  el,
  fmtAgo,
  fmtBadge,
  fmtForecast,
  fmtNum,
  fmtSilence,
  fmtSilenced,
  fmtSlope,
  fmtValue,
  fmtWarmup,
  isWarming,
} from './format.js';

/** Points kept per sparkline: enough to see a trend, small enough for 50 live charts. */
export const SPARK_POINTS = 120;

export const deviceKey = (fleet, device) => `${fleet}/${device}`;

const POSITION_TEXT = {
  above: 'above band (over-coupling)',
  below: 'below band (over-compression)',
  inside: 'inside band',
  none: 'waiting for a band (warm-up)',
};

export class DeviceCard {
  constructor(entry) {
    this.key = deviceKey(entry.fleet, entry.device);
    this.entry = null;
    this.xs = [];
    this.ys = [];
    this.quiet = []; // true: a warm-up's point, whose null is "not yet", not +∞
    const href = withToken(
      `device.html?fleet=${encodeURIComponent(entry.fleet)}&device=${encodeURIComponent(entry.device)}`,
    );
    this.badge = el('span', { class: 'badge', 'data-testid': 'device-status' });
    this.offline = el('span', { class: 'tag offline', text: 'offline', hidden: true });
    // firing, but its notifications held back by a silence: still firing, and says by which
    this.silenced = el('p', { class: 'silenced', 'data-testid': 'silenced', hidden: true });
    this.measure = el('span', { class: 'measure' });
    this.value = el('strong', { class: 'value', 'data-testid': 'band-value' });
    this.bandText = el('span', { class: 'band-numbers', 'data-testid': 'band-numbers' });
    this.position = el('span', { class: 'position' });
    this.chartBox = el('div', { class: 'spark', 'aria-hidden': 'true' });
    // in the sparkline's place while a warm-up has no value to draw
    this.sparkNote = el('p', { class: 'spark-note', 'data-testid': 'spark-note', hidden: true });
    this.lastSeen = el('dd', { 'data-testid': 'last-seen' });
    this.forecast = el('dd', { 'data-testid': 'forecast' });
    this.alerts = el('ul', { class: 'card-alerts', 'data-testid': 'device-alerts' });
    const title = el('h3', {}, el('a', { href, text: entry.device }));
    this.root = el(
      'article',
      {
        class: 'card',
        'data-testid': 'device-card',
        'data-device': entry.device,
        'data-fleet': entry.fleet,
        'aria-label': `${entry.device} in fleet ${entry.fleet}`,
      },
      el(
        'header',
        {},
        el('div', { class: 'name' }, title, el('span', { class: 'fleet', text: entry.fleet })),
        el('div', { class: 'flags' }, this.offline, this.badge),
      ),
      this.silenced,
      el(
        'p',
        { class: 'reading' },
        this.measure,
        ' ',
        this.value,
        ' ',
        this.bandText,
        el('br'),
        this.position,
      ),
      this.chartBox,
      this.sparkNote,
      el(
        'dl',
        { class: 'meta' },
        el('div', {}, el('dt', { text: 'Last seen' }), this.lastSeen),
        el('div', {}, el('dt', { text: 'Forecast' }), this.forecast),
      ),
      this.alerts,
    );
    this.chart = null;
  }

  /** The chart needs a laid-out container for its width, so it is created after mounting. */
  mountChart(initialWidth) {
    if (this.chart) return;
    this.chart = createBandChart(this.chartBox, { height: 70, compact: true, initialWidth });
    this.chart.setBand(this.entry?.band ?? null);
    this.chart.setData(this.xs, this.ys, this.quiet);
  }

  /** Seeds the sparkline from /history (oldest first). */
  setHistory(points) {
    this.xs = points.map((p) => p.t);
    this.ys = points.map((p) => p.band_value);
    this.quiet = points.map((p) => p.warmup === true);
    this.chart?.setData(this.xs, this.ys, this.quiet);
    this.renderSpark();
  }

  /** Appends the entry's newest value when its data time moved forward. */
  pushPoint(entry) {
    const t = entry.window_end;
    if (t === null || t === undefined) return;
    const last = this.xs[this.xs.length - 1];
    if (last !== undefined && t <= last) return;
    this.xs.push(t);
    this.ys.push(entry.band_value);
    this.quiet.push(entry.phase === 'warmup');
    if (this.xs.length > SPARK_POINTS) {
      const drop = this.xs.length - SPARK_POINTS;
      for (const a of [this.xs, this.ys, this.quiet]) a.splice(0, drop);
    }
    this.chart?.setData(this.xs, this.ys, this.quiet);
  }

  /** A warm-up with nothing to draw says how far it is instead of an empty 0–1 frame. */
  renderSpark() {
    const note = isWarming(this.entry) && !this.ys.some((v) => v !== null && v !== undefined);
    this.chartBox.hidden = note;
    this.sparkNote.hidden = !note;
    this.sparkNote.textContent = note ? fmtWarmup(this.entry) : '';
  }

  update(entry) {
    const prev = this.entry;
    this.entry = entry;
    const status =
      entry.status in { ok: 1, pending: 1, firing: 1, silent: 1 } ? entry.status : 'unknown';
    const warming = isWarming(entry);
    if (prev?.status !== status || isWarming(prev) !== warming) {
      this.root.dataset.status = status;
      this.root.className = `card status-${status}${warming ? ' warming' : ''}`;
      this.badge.textContent = fmtBadge(entry);
    }
    if (warming) this.root.dataset.phase = 'warmup';
    else delete this.root.dataset.phase;
    this.offline.hidden = entry.online !== false;
    const silenced = fmtSilenced(entry.alerts ?? []);
    this.silenced.hidden = silenced === null;
    this.silenced.textContent = silenced ?? '';
    if (silenced) this.root.dataset.silenced = '1';
    else delete this.root.dataset.silenced;

    const band = entry.band;
    this.measure.textContent = band ? band.measure : 'band measure';
    this.value.textContent = band || entry.band_value !== null ? fmtValue(entry.band_value) : '—';
    this.bandText.textContent = band
      ? `band ${fmtNum(band.low)} – ${fmtNum(band.high)}`
      : 'no band yet';
    this.bandText.title = band?.source
      ? `band from ${band.source}, center ${fmtNum(band.center)}`
      : '';
    const pos = warming
      ? 'warmup'
      : entry.last_seen === null && entry.window_end === null
        ? 'none'
        : bandPosition(band, entry.band_value);
    this.position.textContent = warming ? fmtWarmup(entry) : POSITION_TEXT[pos];
    this.position.className = `position pos-${pos}`;
    this.chart?.setBand(band ?? null);

    const slope = fmtSlope(entry.forecast);
    const outside = pos === 'above' || pos === 'below';
    // A silent device's trend is stale, and a warm-up's is not judged: no extrapolation.
    this.forecast.textContent =
      entry.status === 'silent'
        ? 'no recent data'
        : warming
          ? 'none while warming up'
          : `${fmtForecast(entry.forecast, outside)}${slope ? ` (${slope})` : ''}`;
    this.tick();
    this.pushPoint(entry);
    this.renderSpark();
    this.renderAlerts(entry.alerts ?? []);
  }

  renderAlerts(alerts) {
    const active = alerts.filter((a) => a.state === 'pending' || a.state === 'firing');
    const sig = JSON.stringify(active.map((a) => [a.rule, a.state, a.reason, a.silenced ?? null]));
    if (sig === this.alertSig) return;
    this.alertSig = sig;
    this.alerts.replaceChildren(
      ...active.map((a) =>
        el(
          'li',
          { class: `alert-${a.state}`, 'data-rule': a.rule },
          el('span', { class: `pill pill-${a.state}`, text: a.state }),
          ' ',
          el('strong', { text: a.rule }),
          a.reason ? ` — ${a.reason}` : '',
          a.silenced
            ? el('span', {
                class: 'silenced-note',
                'data-testid': 'alert-silenced',
                text: ` · ${fmtSilence(a.silenced)}`,
              })
            : '',
        ),
      ),
    );
    this.alerts.hidden = active.length === 0;
  }

  /** Refreshes the relative "last seen" text; called by the page's 1 s ticker. */
  tick(now = Date.now()) {
    const txt = fmtAgo(this.entry?.last_seen ?? null, now);
    if (this.lastSeen.textContent !== txt) this.lastSeen.textContent = txt;
  }

  matches(text, status) {
    if (status && this.entry?.status !== status) return false;
    if (!text) return true;
    return this.key.toLowerCase().includes(text.toLowerCase());
  }
}
