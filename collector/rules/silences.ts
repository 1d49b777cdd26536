// Label matching of silences: each matcher is an exact value or '*'; a missing matcher
// matches everything. Pure; the collector loads silences from SQLite.
import type { Silence, SilenceMatchers } from './types.ts';

export interface AlertLabels {
  fleet: string;
  device: string;
  rule: string;
}

function matchOne(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || pattern === '*' || pattern === value;
}

export function matchersMatch(m: SilenceMatchers, labels: AlertLabels): boolean {
  return (
    matchOne(m.fleet, labels.fleet) &&
    matchOne(m.device, labels.device) &&
    matchOne(m.rule, labels.rule)
  );
}

export function silenceActive(s: Silence, now: number): boolean {
  return s.starts_at <= now && now < s.ends_at;
}

/** The first active silence matching the labels at wall time `now`, if any. */
export function findSilence(
  silences: readonly Silence[],
  labels: AlertLabels,
  now: number,
): Silence | null {
  for (const s of silences)
    if (silenceActive(s, now) && matchersMatch(s.matchers, labels)) return s;
  return null;
}
