// Cell values: numbers and timestamps. Pure, total functions: a cell that does not parse
// yields NaN / undefined for the caller to count, never an exception.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A decimal number (surrounding spaces allowed). Empty cells and anything else (text, `0x10`,
 * `Infinity`) give NaN, which a sample carries as a missing value.
 */
export function parseNumberCell(cell: string): number {
  const s = cell.trim();
  return DECIMAL.test(s) ? Number(s) : Number.NaN;
}

export type TimeFormat = 'auto' | 'iso' | 'epoch_s' | 'epoch_ms';

// Date, then optional time with optional fraction, then optional zone.
const ISO =
  /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch ms of a time cell, or undefined. ISO 8601 (also with a space for the `T`, as SKAB
 * writes it); a time without a zone is taken as UTC, so replays are the same on every host.
 * In `auto`, a plain number is epoch seconds below 1e11 (year 5138) and epoch ms from there
 * on (1e11 ms is in 1973), which separates real data of either kind.
 */
export function parseTimeCell(cell: string, format: TimeFormat = 'auto'): number | undefined {
  const s = cell.trim();
  if (s === '') return undefined;
  if (format !== 'iso' && DECIMAL.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return undefined;
    const ms = format === 'epoch_s' || (format === 'auto' && Math.abs(v) < 1e11) ? v * 1000 : v;
    // 1e306 seconds is finite, its milliseconds are not
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (format === 'epoch_s' || format === 'epoch_ms') return undefined;
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, date, time, zone] = m;
  let zoneText = zone ?? 'Z';
  if (/^[+-]\d{2}$/.test(zoneText)) zoneText += ':00';
  else if (/^[+-]\d{4}$/.test(zoneText)) zoneText = `${zoneText.slice(0, 3)}:${zoneText.slice(3)}`;
  const iso = `${date}T${(time ?? '00:00').replace(',', '.')}${zoneText.toUpperCase()}`;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}
