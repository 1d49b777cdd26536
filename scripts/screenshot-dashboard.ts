// Takes docs/dashboard.png (1280×800) for the README from the demo itself (`npm start`'s
// fleet, the same code): the demo runs at --speed 10 on free ports in a temporary folder,
// and once its injected faults have been firing a while, headless Chromium photographs the
// fleet page. What the picture shows is what a new user sees a few minutes into the demo.
//   npx tsx scripts/screenshot-dashboard.ts [out.png]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startDemo } from '../demo/orchestrator.ts';
import { DEMO_OPTION_DEFAULTS } from '../demo/options.ts';
import { freePort } from '../shared/net/ports.ts';
import { decodeMetrics, parseDeviceTopic } from '../shared/schema/index.ts';
import { launchBrowser } from '../test/collector/dashboard-browser.ts';

const OUT = process.argv[2] ?? new URL('../docs/dashboard.png', import.meta.url).pathname;
const SPEED = 10;
/** data seconds after each device's first sample: past every fault's start and its alert */
const DATA_S = DEMO_OPTION_DEFAULTS.faultStartS + DEMO_OPTION_DEFAULTS.faultDurationS * 0.75;
const TIMEOUT_MS = 180_000;

async function main(): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'redband-screenshot-'));
  const demo = await startDemo({
    speed: SPEED,
    runDir,
    httpPort: await freePort(),
    mqttPort: await freePort(),
  });
  const client = await mqtt.connectAsync(demo.brokerUrl);
  try {
    const first = new Map<string, number>();
    const reached = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the demo's data did not reach ${DATA_S} s`)),
        TIMEOUT_MS,
      );
      client.on('message', (topic, payload) => {
        if (parseDeviceTopic(topic)?.kind !== 'metrics') return;
        const m = decodeMetrics(payload);
        if (!m.ok) return;
        const start = first.get(m.value.device) ?? m.value.window_start;
        first.set(m.value.device, start);
        if (m.value.window_end - start >= DATA_S * 1000) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await client.subscribeAsync(`redband/v1/${DEMO_OPTION_DEFAULTS.fleet}/+/metrics`, { qos: 1 });
    process.stderr.write(`demo at ${demo.dashboardUrl}; waiting for ${DATA_S} s of data…\n`);
    await reached;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(demo.dashboardUrl);
      await page.waitForSelector('.card');
      await page.waitForTimeout(1500); // the charts draw after the first history fetch
      await page.screenshot({ path: OUT });
    } finally {
      await browser.close();
    }
    process.stderr.write(`wrote ${OUT}\n`);
  } finally {
    await client.endAsync(true);
    await demo.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
