// Takes docs/dashboard.png (1280×800) for the README: a real collector with its embedded
// broker, a few simulated devices publishing real metrics over MQTT (one over-coupling,
// one drifting low, one gone quiet), and headless Chromium on the fleet page.
//   npx tsx scripts/screenshot-dashboard.ts [out.png]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../test/collector/dashboard-browser.ts';
import { SimAgent } from '../test/collector/dashboard-agents.ts';
import { startTestCollector } from '../test/collector/dashboard-collector.ts';

const OUT = process.argv[2] ?? new URL('../docs/dashboard.png', import.meta.url).pathname;
const STEP_MS = 60_000; // one snapshot a minute of data time: 48 minutes of history
const HISTORY = 48;

/** Deterministic noise in [-1, 1]: the same picture on every run. */
function noise(i: number, k: number): number {
  const x = Math.sin(k * 12.9898 + i * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** The band value of device `i` at snapshot `k` of HISTORY: each tells a different story. */
function story(name: string, i: number, k: number): number {
  const late = Math.max(0, k - (HISTORY - 12));
  switch (name) {
    case 'press-02': // a sensor sticks: channels couple, tc climbs out of the band
      return 1.2 + 0.04 * noise(i, k) + late * 0.09;
    case 'pump-03': // inputs decouple: tc sinks toward the low edge, breaching at the end
      return 1.15 + 0.04 * noise(i, k) - late * 0.04;
    case 'press-04': // slow upward creep, still inside: the forecast sees it coming
      return 1.05 + k * 0.0095;
    default: // healthy: small trendless noise around the band's center
      return 1.2 + 0.03 * i - 0.1 + 0.04 * noise(i, k);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'redband-shot-'));
const col = await startTestCollector({ dbPath: join(dir, 'collector.db') });
const ids: [string, string][] = [
  ['plant-a', 'press-01'],
  ['plant-a', 'press-02'],
  ['plant-a', 'press-03'],
  ['plant-a', 'press-04'],
  ['plant-b', 'pump-01'],
  ['plant-b', 'pump-02'],
  ['plant-b', 'pump-03'],
  ['plant-b', 'pump-04'],
];
const QUIET = 'pump-04'; // stops publishing: the collector's `silent` rule takes it grey
try {
  // The quiet device announces a 1 s period so it goes silent within seconds of stopping.
  const agents = await Promise.all(
    ids.map(([f, d]) => SimAgent.connect(col.brokerUrl, f, d, d === QUIET ? 1 : 60)),
  );
  const t0 = Date.now() - (HISTORY + 4) * STEP_MS;
  for (let k = 0; k < HISTORY; k++) {
    await Promise.all(
      agents.map((a, i) =>
        a.publish(t0 + k * STEP_MS, story(a.device, i, k), { drift: 0.04 + 0.002 * k }),
      ),
    );
  }
  const res = await fetch(`${col.httpUrl}/api/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: { fleet: 'plant-b', device: 'pump-02' },
      ends_at: Date.now() + 2 * 3_600_000,
      comment: 'firmware update',
    }),
  });
  if (!res.ok) throw new Error(`creating the example silence: ${res.status}`);

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(col.httpUrl);
    await page.waitForSelector('#connection[data-state=live]');
    // A few live snapshots arrive while the page is open (the quiet device stays quiet).
    for (let k = HISTORY; k < HISTORY + 4; k++) {
      await Promise.all(
        agents
          .filter((a) => a.device !== QUIET)
          .map((a) =>
            a.publish(
              t0 + k * STEP_MS,
              story(
                a.device,
                ids.findIndex(([, d]) => d === a.device),
                k,
              ),
            ),
          ),
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    await page.waitForSelector(
      `[data-testid=device-card][data-device="${QUIET}"][data-status=silent]`,
      {
        timeout: 15_000,
      },
    );
    await page.waitForSelector(
      '[data-testid=device-card][data-device="press-02"][data-status=firing]',
    );
    await page.waitForTimeout(500); // let the last frame paint
    await page.screenshot({ path: OUT });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
  await Promise.all(agents.map((a) => a.close()));
} finally {
  await col.stop();
  rmSync(dir, { recursive: true, force: true });
}
