// TEP's per-file scores, row by row over the scored file (the d00.dat warm-up in front of it
// is never scored): detection rate = % of faulty rows alarmed, false-alarm rate = % of normal
// rows alarmed, detection delay = data time from the first faulty row to the first alarmed
// faulty row. Means are over the files given (the caller picks the detectable faults).

export interface RowScore {
  /** %, null without faulty rows */
  detection_rate: number | null;
  /** %, null without normal rows */
  far: number | null;
  /** seconds from the first faulty row to the first alarmed one; null if none (or no fault) */
  delay_s: number | null;
}

export function scoreRows(
  labels: ArrayLike<number>,
  alarms: ArrayLike<number>,
  times: ArrayLike<number>,
): RowScore {
  if (labels.length !== alarms.length || labels.length !== times.length) {
    throw new RangeError(
      `${labels.length} labels, ${alarms.length} predictions, ${times.length} times`,
    );
  }
  let faulty = 0;
  let hits = 0;
  let normal = 0;
  let falseAlarms = 0;
  let onset = -1;
  let first = -1;
  for (let i = 0; i < labels.length; i++) {
    const alarm = alarms[i] === 1;
    if (labels[i] === 1) {
      faulty++;
      if (onset < 0) onset = i;
      if (alarm) {
        hits++;
        if (first < 0) first = i;
      }
    } else {
      normal++;
      if (alarm) falseAlarms++;
    }
  }
  return {
    detection_rate: faulty === 0 ? null : (100 * hits) / faulty,
    far: normal === 0 ? null : (100 * falseAlarms) / normal,
    delay_s: first < 0 ? null : (times[first]! - times[onset]!) / 1000,
  };
}

/** Mean of the non-null values; null when there are none. */
export function meanOf(values: ReadonlyArray<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}
