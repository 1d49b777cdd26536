// The demo's fleet end to end: real agent processes (one from the esbuild bundle, one on
// WebAssembly), the real collector, a real broker (the embedded Aedes, and Debian's mosquitto
// read by Debian's mosquitto_sub), real ONNX models and a real SQLite file.
import { ALERT_VERSION } from '../../shared/schema/alert.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_WINDOW, matchAlerts, type DemoDevice, type ExpectedAlert } from '../../demo/plan.ts';
import { startMosquitto, tmpDir, type RunningMosquitto } from '../support/brokers.ts';
import { publishedValidators, schemaForTopic } from '../support/json-schemas.ts';
import { incidentStart, runFleet, waitForDataTime, type FleetRun } from './fleet.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(REPO, 'dist/redband-agent.mjs');

// The schedule in data time; the fleet runs 4× faster than real time, so the run takes
// about a minute of wall time per broker while rules see the same timestamps as in real time.
const SPEED = 4;
const FAULT_START_S = 90;
const FAULT_DURATION_S = 60;
const RUN_DATA_S = FAULT_START_S + FAULT_DURATION_S + 20;

beforeAll(() => {
  const build = spawnSync(process.execPath, [join(REPO, 'scripts/build-agent.mjs')], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`agent bundle build failed:\n${build.stderr}`);
}, 120_000);

/** The demo's six devices on the schedule above, in a fresh run directory, on free ports. */
function scheduledFleet() {
  return {
    devices: 6,
    speed: SPEED,
    faultStartS: FAULT_START_S,
    faultDurationS: FAULT_DURATION_S,
    runDir: tmpDir('redband-e2e-'),
    httpPort: 0,
  };
}

function checkAlerts(run: FleetRun): void {
  const expected: ExpectedAlert[] = run.demo.fleet.flatMap((d) => {
    if (d.expectRule === null || !d.incident) return [];
    // `silent` runs on the wall clock, which runs SPEED times slower than the data: untimed.
    const start = d.incident.kind === 'fault' ? incidentStart(run, d)! : null;
    const end = start === null ? null : start + d.incident.duration_s * 1000;
    return [{ device: d.device, rule: d.expectRule, start, end, what: d.role }];
  });
  const raised = run.alerts.filter((a) => a.state === 'firing' && !a.resend);
  const m = matchAlerts(expected, raised);
  const notRaised = [...m.missed, ...m.covered.map((c) => c.expected)];
  expect(
    notRaised.map(
      (e) => `${e.device} (${e.what}) raises ${e.rule} within ${ALERT_WINDOW.maxDelayS} s`,
    ),
  ).toEqual([]);
  // Healthy devices raise nothing; faulted ones nothing before their fault begins.
  expect(m.unexplained.map((a) => `${a.device}: ${a.rule} since ${a.since}`)).toEqual([]);
}

describe('the demo fleet on the embedded broker', () => {
  let run: FleetRun;
  afterAll(async () => run?.stop());

  it("raises each injected fault's alert in time and nothing on healthy devices", async () => {
    run = await runFleet({
      ...scheduledFleet(),
      mqttPort: 0,
      bundle: { script: BUNDLE, devices: ['sim-01'] },
    });
    expect(run.demo.fleet.some((d: DemoDevice) => d.runtime === 'wasm')).toBe(true);
    await waitForDataTime(run, RUN_DATA_S, 150_000);
    checkAlerts(run);
    // The bundled agent published like the others.
    expect(run.firstSample.has('sim-01')).toBe(true);
  }, 240_000);
});

describe.runIf(existsSync('/usr/sbin/mosquitto') || existsSync('/usr/bin/mosquitto'))(
  'the demo fleet on mosquitto, read by mosquitto_sub',
  () => {
    let broker: RunningMosquitto;
    let sub: ChildProcess;
    let run: FleetRun;
    const lines: string[] = [];
    afterAll(async () => {
      await run?.stop();
      sub?.kill('SIGTERM');
      await broker?.stop();
    });

    it('raises the same alerts, and every payload validates against the published JSON Schemas', async () => {
      broker = await startMosquitto();
      sub = spawn(
        'mosquitto_sub',
        ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'redband/v1/#', '-v', '-q', '1'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let buffer = '';
      sub.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        lines.push(...parts.filter(Boolean));
      });
      run = await runFleet({ ...scheduledFleet(), broker: broker.url });
      await waitForDataTime(run, RUN_DATA_S, 150_000);
      checkAlerts(run);

      const validators = publishedValidators();
      const seen = new Map<string, number>();
      const invalid: string[] = [];
      for (const line of lines) {
        const space = line.indexOf(' ');
        const topic = line.slice(0, space);
        const schema = schemaForTopic(topic);
        if (!schema) continue;
        const validate = validators.get(schema)!;
        if (!validate(JSON.parse(line.slice(space + 1)))) {
          invalid.push(`${topic}: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
        }
        seen.set(schema, (seen.get(schema) ?? 0) + 1);
      }
      expect(invalid).toEqual([]);
      for (const schema of [
        'redband.metrics.v1',
        'redband.status.v1',
        `redband.alert.v${ALERT_VERSION}`,
        'redband.summary.v1',
      ]) {
        expect(seen.get(schema) ?? 0, `messages of ${schema}`).toBeGreaterThan(0);
      }
    }, 240_000);
  },
);
