// sim-vibration.yaml's warm-up comment names the second the demo's first fault starts; the
// demo's plan is the single source of that fact, so the comment is checked against it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_OPTION_DEFAULTS } from '../../demo/options.ts';
import { DEMO_DEFAULTS, planDemoFleet } from '../../demo/plan.ts';

const REPO = join(import.meta.dirname, '..', '..');

describe("the demo's first fault", () => {
  it('the CLI defaults are the plan defaults', () => {
    expect(DEMO_OPTION_DEFAULTS.faultStartS).toBe(DEMO_DEFAULTS.faultStartS);
    expect(DEMO_OPTION_DEFAULTS.faultDurationS).toBe(DEMO_DEFAULTS.faultDurationS);
  });

  it("starts when sim-vibration.yaml's comment says", () => {
    const yaml = readFileSync(join(REPO, 'firmware-configs', 'sim-vibration.yaml'), 'utf8');
    const m = /the demo's first fault starts at (\d+) s/.exec(yaml);
    expect(m, 'sim-vibration.yaml names the first fault time').not.toBeNull();
    const starts = planDemoFleet({ faultStartS: DEMO_OPTION_DEFAULTS.faultStartS }).flatMap((d) =>
      d.incident ? [d.incident.start_s] : [],
    );
    expect(Number(m![1])).toBe(Math.min(...starts));
  });
});
