// scripts/forecast-healthy.ts: its tally on messages whose forecast is known (a recorded
// healthy wander, a creep towards the edge), and end to end on a short healthy sim run.
import { describe, expect, it } from 'vitest';
import {
  addTallies,
  healthyMetrics,
  oldEtaS,
  tallyForecasts,
  withCreep,
} from '../../scripts/forecast-healthy.ts';
import { BAND, metrics } from '../collector/fixtures.ts';

const P = 3200;
const stream = (values: readonly number[]) =>
  values.map((value, i) => metrics({ t: (i + 1) * P, seq: i, value }));
// one minute of a healthy device's in-band tc (sim-vibration, seed 1)
const WANDER = [1.95, 1.96, 2, 2, 2.1, 2.31, 2.33, 2.26, 2.33, 2.24, 2.31, 2.33, 2.41, 2.42];
const CREEP = Array.from({ length: 16 }, (_, i) => 2.5 + 0.02 * i + (i % 2 ? 0.005 : -0.005));

describe('forecast-healthy', () => {
  it('counts a wander as an exit by the old rule only, a creep to the edge by both', () => {
    const wander = tallyForecasts(stream(WANDER));
    expect(wander.evaluations).toBe(WANDER.length);
    expect(wander.old_exit).toBeGreaterThan(0);
    expect(wander.new_exit).toBe(0);
    const creep = tallyForecasts(stream(CREEP));
    expect(creep.new_exit).toBeGreaterThan(0);
    expect(creep.old_exit).toBeGreaterThanOrEqual(creep.new_exit);
    expect(addTallies([wander, creep])).toMatchObject({
      evaluations: wander.evaluations + creep.evaluations,
      old_exit: wander.old_exit + creep.old_exit,
      new_exit: wander.new_exit + creep.new_exit,
    });
  });

  it('keeps the old rule as it was: any outward slope is an exit', () => {
    const points = WANDER.map((v, i) => ({ t: i * P, v }));
    expect(oldEtaS(points, BAND, 5)).toBeGreaterThan(0);
    expect(oldEtaS(points.slice(0, 4), BAND, 5)).toBeNull();
  });

  it('adds a creep from center to high over the ramp, and finds its exit', () => {
    // flat at the center, a point every 10 s; the creep rises 1 (center → high) in 60 s from 20 s
    const flat = Array.from({ length: 12 }, (_, i) => metrics({ t: i * 10_000, seq: i, value: 2 }));
    const c = withCreep(flat, 20_000, 60);
    expect(c.messages.map((m) => Number(m.band_value!.toFixed(6)))).toEqual(
      [2, 2, 2, 2 + 1 / 6, 2 + 2 / 6, 2.5, 2 + 4 / 6, 2 + 5 / 6, 3, 3 + 1 / 6, 3 + 2 / 6, 3.5].map(
        (v) => Number(v.toFixed(6)),
      ),
    );
    expect(c.exit_ms).toBe(90_000);
    expect(withCreep(flat, 20_000, 600).exit_ms).toBeNull();
  });

  it('does not count warm-up or out-of-band updates', () => {
    const t = tallyForecasts([
      metrics({ t: P, phase: 'warmup', value: 2 }),
      metrics({ t: 2 * P, seq: 1, value: 3.5 }),
      metrics({ t: 3 * P, seq: 2, value: 2 }),
    ]);
    expect(t.evaluations).toBe(1);
  });

  it('runs a real healthy sim agent and tallies its live in-band updates', async () => {
    const messages = await healthyMetrics(3, 120);
    const live = messages.filter(
      (m) =>
        m.phase === 'live' &&
        m.band !== null &&
        m.band_value !== null &&
        m.band_value <= m.band.high &&
        m.band_value >= m.band.low,
    );
    expect(live.length).toBeGreaterThan(0);
    const t = tallyForecasts(messages);
    expect(t.evaluations).toBe(live.length);
    expect(Object.values(t.new_status).reduce((a, b) => a + b, 0)).toBe(t.evaluations);
  }, 60_000);
});
