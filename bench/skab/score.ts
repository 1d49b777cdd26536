// SKAB's outlier-detection scoring, row by row: every row from the end of the warm-up on
// is a prediction (alarm or not) against its `anomaly` label. Counts are summed over files
// before the rates are taken, as the benchmark does:
//   F1 = TP / (TP + (FN + FP) / 2), FAR = 100·FP / (FP + TN), MAR = 100·FN / (FN + TP).

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Rates {
  /** null when there is nothing to score (no positives and no alarms) */
  f1: number | null;
  /** %, null without healthy rows */
  far: number | null;
  /** %, null without anomalous rows */
  mar: number | null;
}

export const emptyConfusion = (): Confusion => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

/** Counts rows [from, n) of `labels` (1 = anomalous) against `alarms` (1 = alarm in force). */
export function confusion(
  labels: ArrayLike<number>,
  alarms: ArrayLike<number>,
  from: number,
): Confusion {
  if (labels.length !== alarms.length) {
    throw new RangeError(`${labels.length} labels but ${alarms.length} predictions`);
  }
  const c = emptyConfusion();
  for (let i = Math.max(0, from); i < labels.length; i++) {
    const y = labels[i] === 1;
    const a = alarms[i] === 1;
    if (y && a) c.tp++;
    else if (!y && a) c.fp++;
    else if (y) c.fn++;
    else c.tn++;
  }
  return c;
}

export function addConfusion(a: Confusion, b: Confusion): Confusion {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

export function rates(c: Confusion): Rates {
  const f1Den = c.tp + (c.fn + c.fp) / 2;
  return {
    f1: f1Den === 0 ? null : c.tp / f1Den,
    far: c.fp + c.tn === 0 ? null : (100 * c.fp) / (c.fp + c.tn),
    mar: c.fn + c.tp === 0 ? null : (100 * c.fn) / (c.fn + c.tp),
  };
}

/** Anomalous runs [start, end) (row indices) that end at or after row `from`. */
export function episodes(labels: ArrayLike<number>, from: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= labels.length; i++) {
    const y = i < labels.length && labels[i] === 1;
    if (y && start < 0) start = i;
    if (!y && start >= 0) {
      if (i > from) out.push([Math.max(start, from), i]);
      start = -1;
    }
  }
  return out;
}

export interface EpisodeOutcome {
  /** data time of the episode's first scored row, epoch ms */
  start_ms: number;
  /** seconds from the episode's start to the first alarmed row inside it; null = missed */
  delay_s: number | null;
  /** seconds from the episode's end until the alarm cleared; 0 when it was already clear */
  clear_s: number | null;
}

/**
 * Detection delay and clearing time per episode. Clearing is measured up to the next
 * episode or the end of the file; null when the alarm never cleared within that span.
 */
export function episodeOutcomes(
  labels: ArrayLike<number>,
  alarms: ArrayLike<number>,
  times: ArrayLike<number>,
  from: number,
): EpisodeOutcome[] {
  const eps = episodes(labels, from);
  return eps.map(([s, e], j) => {
    let hit = -1;
    for (let i = s; i < e && hit < 0; i++) if (alarms[i] === 1) hit = i;
    const limit = j + 1 < eps.length ? eps[j + 1]![0] : labels.length;
    let clear: number | null = null;
    if (e < labels.length) {
      for (let i = e; i < limit && clear === null; i++) if (alarms[i] !== 1) clear = i;
    }
    return {
      start_ms: times[s]!,
      delay_s: hit < 0 ? null : (times[hit]! - times[s]!) / 1000,
      clear_s: clear === null ? null : clear === e ? 0 : (times[clear]! - times[e - 1]!) / 1000,
    };
  });
}

/** Alarms raised while healthy: rising edges (0 → 1) at a healthy row, rows [from, n). */
export function falseAlertStarts(
  labels: ArrayLike<number>,
  alarms: ArrayLike<number>,
  from: number,
): number {
  let n = 0;
  for (let i = Math.max(0, from); i < labels.length; i++) {
    const rising = alarms[i] === 1 && (i === from || alarms[i - 1] !== 1);
    if (rising && labels[i] !== 1) n++;
  }
  return n;
}

/** Hours of healthy scored data: healthy rows × the median sampling interval. */
export function healthyHours(
  labels: ArrayLike<number>,
  times: ArrayLike<number>,
  from: number,
): number {
  const dts: number[] = [];
  for (let i = 1; i < times.length; i++) dts.push(times[i]! - times[i - 1]!);
  dts.sort((a, b) => a - b);
  const dt = dts.length === 0 ? 0 : dts[Math.floor(dts.length / 2)]!;
  let healthy = 0;
  for (let i = Math.max(0, from); i < labels.length; i++) if (labels[i] !== 1) healthy++;
  return (healthy * dt) / 3_600_000;
}

/** Healthy scored rows and their false alarms, before any labelled episode and after one ended. */
export interface FpSplit {
  fp_before: number;
  healthy_before: number;
  fp_after: number;
  healthy_after: number;
}

export const emptyFpSplit = (): FpSplit => ({
  fp_before: 0,
  healthy_before: 0,
  fp_after: 0,
  healthy_after: 0,
});

/**
 * Splits rows [from, n) that are healthy by whether an episode has already ended before them:
 * an alarm that outlives its episode (the process not returning to its warm-up level) counts
 * "after", one on a process that has not faulted yet "before".
 */
export function fpSplit(
  labels: ArrayLike<number>,
  alarms: ArrayLike<number>,
  from: number,
): FpSplit {
  const s = emptyFpSplit();
  let ended = false;
  for (let i = 0; i < labels.length; i++) {
    if (i > 0 && labels[i - 1] === 1 && labels[i] !== 1) ended = true;
    if (i < from || labels[i] === 1) continue;
    const fp = alarms[i] === 1 ? 1 : 0;
    if (ended) {
      s.fp_after += fp;
      s.healthy_after++;
    } else {
      s.fp_before += fp;
      s.healthy_before++;
    }
  }
  return s;
}

export function addFpSplit(a: FpSplit, b: FpSplit): FpSplit {
  return {
    fp_before: a.fp_before + b.fp_before,
    healthy_before: a.healthy_before + b.healthy_before,
    fp_after: a.fp_after + b.fp_after,
    healthy_after: a.healthy_after + b.healthy_after,
  };
}
