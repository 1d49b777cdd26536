// What of a live snapshot's statistics are named by channel (metrics.attribution): only those
// that are high. The reconstruction error's share per channel is measured against each
// channel's own warm-up level.
import { excessShares, rankChannels } from '../../../shared/detect/attribution.ts';
import type { Band } from '../../../shared/schema/common.ts';
import type { Attribution } from '../../../shared/schema/metrics.ts';
import type { ChannelErrors, InputAttribution } from '../types.ts';
import { ATTRIBUTION_FROM, ATTRIBUTION_TOP, round4 } from './level-shift.ts';
import type { Snapshot } from './summarize.ts';

/** what of the attribution a live snapshot needs: only its statistics that are high */
export function attributeSnapshot(
  snap: Snapshot,
  input: InputAttribution | null,
  channelErrors: ChannelErrorTotals,
): Attribution | undefined {
  const out: Attribution = {};
  if (input?.drift_mean) out.drift_mean = input.drift_mean;
  if (input?.coupling && (strays(snap.band, snap.band_value) || shiftHigh(input))) {
    const c = input.coupling();
    if (c && c.length > 0) out.coupling = c;
  }
  if (latentHigh(snap)) {
    const recon = channelErrors.attribution();
    if (recon) out.recon = recon;
  }
  return out.drift_mean || out.coupling || out.recon ? out : undefined;
}

/**
 * The band value is past ATTRIBUTION_FROM of the way from the band's center to an edge, or not
 * finite (null: +∞, a collapse, or not computable). No band: no band rule judges the device.
 */
function strays(band: Band | null, v: number | null): boolean {
  if (!band) return false;
  if (v === null) return true;
  const edge = v >= band.center ? band.high : band.low;
  return Math.abs(v - band.center) > ATTRIBUTION_FROM * Math.abs(edge - band.center);
}

/** coupling_shift past ATTRIBUTION_FROM of its limit (no limit: true) */
function shiftHigh(input: InputAttribution): boolean {
  const s = input.coupling_shift;
  return s !== undefined && (s.limit === null || s.value > ATTRIBUTION_FROM * s.limit);
}

/** drift or the recon mean past ATTRIBUTION_FROM of its limit; no limits to judge by: true */
function latentHigh(snap: Snapshot): boolean {
  const l = snap.limits;
  if (!l || (l.drift === undefined && l.recon_mean === undefined)) return true;
  const above = (v: number | null | undefined, limit: number | undefined) =>
    v !== null && v !== undefined && limit !== undefined && v > ATTRIBUTION_FROM * limit;
  return above(snap.drift, l.drift) || above(snap.recon?.mean, l.recon_mean);
}

/**
 * Squared masked-reconstruction errors and hidden cells per channel: of the current period,
 * and of the whole warm-up (each channel's own healthy level).
 */
export class ChannelErrorTotals {
  private names: readonly string[] = [];
  private period = { sum: new Float64Array(0), hidden: new Float64Array(0) };
  private warmup = { sum: new Float64Array(0), hidden: new Float64Array(0) };

  add(e: ChannelErrors, row: number, inWarmup: boolean): void {
    const c = e.channels.length;
    if (this.names !== e.channels) {
      this.names = e.channels;
      this.period = { sum: new Float64Array(c), hidden: new Float64Array(c) };
      if (this.warmup.sum.length !== c) {
        this.warmup = { sum: new Float64Array(c), hidden: new Float64Array(c) };
      }
    }
    const { sum, hidden } = this.period;
    for (let j = 0, at = row * c; j < c; j++, at++) {
      const s = e.sum[at]!;
      // a non-finite error is left out, as in the period's recon mean (s − s is NaN for ±∞)
      if (s - s !== 0) continue;
      sum[j]! += s;
      hidden[j]! += e.hidden[at]!;
      if (inWarmup) {
        this.warmup.sum[j]! += s;
        this.warmup.hidden[j]! += e.hidden[at]!;
      }
    }
  }

  endPeriod(): void {
    this.period.sum.fill(0);
    this.period.hidden.fill(0);
  }

  /** the top channels by excess error over their warm-up level; undefined when none */
  attribution(): Attribution['recon'] {
    const c = this.names.length;
    if (c === 0) return undefined;
    const meanOf = (t: { sum: Float64Array; hidden: Float64Array }) =>
      Float64Array.from(t.sum, (s, j) => (t.hidden[j]! > 0 ? s / t.hidden[j]! : 0));
    const warm = this.warmup.hidden.some((h) => h > 0) ? meanOf(this.warmup) : null;
    const s = excessShares(meanOf(this.period), warm);
    if (!s) return undefined;
    return rankChannels(s, ATTRIBUTION_TOP).map((r) => ({
      channel: this.names[r.index]!,
      share: round4(r.value),
    }));
  }
}
