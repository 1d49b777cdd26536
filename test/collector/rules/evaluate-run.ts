// The step runner shared by the evaluator's table tests.
import { DEFAULT_RULES } from '../../../collector/rules/config.ts';
import { evaluate, initialDeviceState } from '../../../collector/rules/evaluate.ts';
import type {
  DeviceState,
  ObservedEvent,
  Rule,
  Silence,
  Transition,
} from '../../../collector/rules/types.ts';
import { metrics, status, type MetricsOpts } from '../fixtures.ts';

export type Step =
  | ({ m: number; now?: number } & Omit<MetricsOpts, 't'>)
  | { tick: number; stale_from?: number }
  | { status: 'online' | 'offline'; now: number; period?: number; reason?: 'stopped' | 'lost' };

export interface Case {
  name: string;
  rules: Record<string, unknown>;
  silences?: Silence[];
  steps: [Step, string[]][];
  /** the phase of `rule` after the last step */
  final?: [string, string];
}

export const S = 1000;
export const only = (name: string, rule: Record<string, unknown>) => {
  const off = DEFAULT_RULES.map((r) => r.name).filter((r) => r !== name);
  // the lifecycle of the path under test alone: pending announced, resolve on the first
  // clear reading (the built-in defaults have their own table in evaluate-defaults.test.ts)
  const legacy = name === 'silent' ? {} : { notify_pending: true, clear_for: 0 };
  return { ...Object.fromEntries(off.map((r) => [r, false])), [name]: { ...legacy, ...rule } };
};

export function run(rules: Rule[], steps: Step[], silences: Silence[] = []) {
  let state: DeviceState = initialDeviceState('f1', 'd1');
  const out: string[][] = [];
  /** each step's transitions as evaluate returned them */
  const transitions: Transition[][] = [];
  for (const step of steps) {
    let event: ObservedEvent;
    let now: number;
    if ('m' in step) {
      const { m, now: n, ...opts } = step;
      event = { kind: 'metrics', metrics: metrics({ ...opts, t: m, seq: out.length }) };
      now = n ?? m;
    } else if ('tick' in step) {
      event = { kind: 'tick', stale_from: step.stale_from };
      now = step.tick;
    } else {
      const { status: state, period, reason } = step;
      event = { kind: 'status', status: status({ state, period, reason }) };
      now = step.now;
    }
    const r = evaluate(
      state,
      { ...event, rules, silences, forecast: { points: 16, min_points: 3 } },
      now,
    );
    state = r.state;
    transitions.push(r.transitions);
    out.push(
      r.transitions.map(
        (t) =>
          `${t.rule} ${t.from}→${t.to}${t.resend ? ' resend' : ''}${t.notify ? '' : t.suppressed ? ' [held]' : ' [quiet]'}`,
      ),
    );
  }
  return { state, out, transitions };
}

export const silence = (
  matchers: Silence['matchers'],
  starts_at: number,
  ends_at: number,
): Silence => ({
  id: 's1',
  matchers,
  starts_at,
  ends_at,
  comment: '',
  created_at: 0,
});
