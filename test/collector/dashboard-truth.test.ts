// A dashboard that tells the truth (issue #19), in real headless Chromium: a warm-up says how
// far it is, an outage is a gap, a measure that is never finite is one line saying why, the
// placeholder goes with the first device, axis labels do not repeat, the band does not wrap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './dashboard-browser.ts';
import { fixtureDevice, startFixture, type Fixture } from './dashboard-fixture.ts';
import { CANVAS_SPY, canvasDrawn, cardSelector, linePixels, watchPage } from './dashboard-page.ts';
import { SimAgent } from './dashboard-agents.ts';
import { startTestCollector, type TestCollector } from './dashboard-collector.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function open(url: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.addInitScript(CANVAS_SPY);
  const { errors } = watchPage(page);
  await page.goto(url);
  return { page, errors };
}

describe('dashboard: a warm-up, from real agents through the real collector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redband-dashboard-warmup-'));
  let col: TestCollector;
  const W = 64;
  const t0 = Date.now() - 5 * 60_000;

  beforeAll(async () => {
    col = await startTestCollector({ dbPath: join(dir, 'collector.db') });
    // fresh: no band yet (it comes from the warm-up); modeled: the model's band is known up
    // front, and its early warm-up has too few samples for any measure
    const fresh = await SimAgent.connect(col.brokerUrl, 'plant', 'fresh', 10);
    const modeled = await SimAgent.connect(col.brokerUrl, 'plant', 'modeled', 10);
    for (let k = 0; k < 3; k++) {
      const common = {
        phase: 'warmup',
        warmup: { windows: 10 * (k + 1), of: W },
        drift: null,
      } as const;
      await fresh.publish(t0 + k * 10_000, 1.1, { ...common, band: null });
      await modeled.publish(t0 + k * 10_000, null, { ...common, tooFewSamples: true });
    }
    await Promise.all([fresh.close(), modeled.close()]);
  });
  afterAll(async () => {
    await col?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cards say "warming up (n of W windows)" with no forecast, and the device page has no +∞ marks', async () => {
    const { page, errors } = await open(`${col.httpUrl}/`);
    for (const device of ['fresh', 'modeled']) {
      const card = cardSelector(device);
      await page.waitForSelector(card, { timeout: 10_000 });
      await expect
        .poll(() => page.textContent(`${card} [data-testid=device-status]`))
        .toBe('◌ Warming up');
      expect(await page.textContent(`${card} .position`)).toBe(`warming up (30 of ${W} windows)`);
      expect(await page.textContent(`${card} [data-testid=forecast]`)).toBe(
        'none while warming up',
      );
    }
    await expect.poll(() => page.textContent('[data-testid=summary]')).toBe('◌ 2 warming up');
    // no value to draw: the sparkline's place says how far the warm-up is
    const note = page.locator(`${cardSelector('modeled')} [data-testid=spark-note]`);
    await note.waitFor({ state: 'visible' });
    expect(await note.textContent()).toBe(`warming up (30 of ${W} windows)`);
    expect(await page.isVisible(`${cardSelector('modeled')} .spark`)).toBe(false);

    await page.goto(`${col.httpUrl}/device.html?fleet=plant&device=modeled`);
    await page.waitForSelector('[data-testid=device-facts] [data-fact=Position]');
    expect(await page.textContent('[data-testid=device-status]')).toBe('◌ Warming up');
    expect(await page.textContent('[data-fact=Position] dd')).toBe(
      `warming up (30 of ${W} windows)`,
    );
    expect(await page.textContent('[data-fact=Forecast] dd')).toBe('none while warming up');
    // the band measure's chart has its band; its warm-up nulls are "not yet", not +∞
    const band = '[data-testid=measure-chart][data-measure=tc]';
    await expect
      .poll(() => page.textContent(`${band} [data-testid=chart-note]`))
      .toBe(`Total correlation (nats): no value yet, warming up (30 of ${W} windows)`);
    const drawn = await canvasDrawn(page, '[data-testid=measure-chart]');
    expect(drawn.map((d) => d.red)).toEqual(drawn.map(() => 0));
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('dashboard against the API fixture: what the charts say', () => {
  let fx: Fixture;
  const now = Date.now();
  /** 10 reports 10 s apart, a 20-minute outage, 10 more */
  const outage = [
    ...Array.from({ length: 10 }, (_, k) => now - 23 * 60_000 + k * 10_000),
    ...Array.from({ length: 10 }, (_, k) => now - 100_000 + k * 10_000),
  ];
  const inBand = (t: number, i: number) => ({
    t,
    band_value: 1.2,
    measures: { tc: 1.2, renyi_2: null, chi2: null, quadratic: 3 + (i % 2) },
  });

  beforeAll(async () => {
    fx = await startFixture();
    fx.state.devices.push(
      fixtureDevice('plant', 'outage', {
        phase: 'live',
        notes: {
          renyi_2: 'λ_max = 2.31 ≥ α/(α−1) = 2.00000: Rényi-2 is +∞',
          chi2: 'λ_max = 2.31 ≥ 2: chi-squared dependence is +∞',
        },
      }),
    );
    fx.state.history.set('plant/outage', outage.map(inBand));
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('draws an outage as a gap, on the device page and on the card', async () => {
    const { page, errors } = await open(`${fx.url}/device.html?fleet=plant&device=outage`);
    const tc = '[data-testid=measure-chart][data-measure=tc]';
    await page.waitForSelector(`${tc} canvas`);
    await expect.poll(() => linePixels(page, tc, 0.02, 0.98)).toBeGreaterThan(0);
    // the outage is most of the time axis: no line across its middle
    expect(await linePixels(page, tc, 0.3, 0.7)).toBe(0);

    await page.goto(`${fx.url}/`);
    const spark = `${cardSelector('outage')} .spark`;
    await page.waitForSelector(`${spark} canvas`);
    await expect.poll(() => linePixels(page, spark, 0.02, 0.98)).toBeGreaterThan(0);
    expect(await linePixels(page, spark, 0.35, 0.65)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('collapses a measure that is never finite to one line saying why', async () => {
    const { page, errors } = await open(`${fx.url}/device.html?fleet=plant&device=outage`);
    const panel = (m: string) => `[data-testid=measure-chart][data-measure=${m}]`;
    await page.waitForSelector(`${panel('renyi_2')}[data-collapsed="1"]`);
    expect(await page.textContent(`${panel('renyi_2')} [data-testid=chart-note]`)).toBe(
      'Rényi α=2: not finite for this device (λ_max = 2.31 ≥ α/(α−1) = 2.00000: Rényi-2 is +∞)',
    );
    expect(await page.textContent(`${panel('chi2')} [data-testid=chart-note]`)).toBe(
      'χ² divergence: not finite for this device (λ_max = 2.31 ≥ 2: chi-squared dependence is +∞)',
    );
    // one line: no chart frame left in the panel
    for (const m of ['renyi_2', 'chi2']) {
      expect(await page.isVisible(`${panel(m)} canvas`)).toBe(false);
      const box = (await page.locator(panel(m)).boundingBox())!;
      expect(box.height).toBeLessThan(40);
    }
    // the finite ones keep their charts
    expect(await page.getAttribute(panel('tc'), 'data-collapsed')).toBe('');
    expect(await page.isVisible(`${panel('tc')} canvas`)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('dashboard against the API fixture: placeholder, labels, band text', () => {
  it('drops "No devices have reported yet" with the first device, even in a tab that gets no frames', async () => {
    const fx = await startFixture();
    try {
      const page = await browser.newPage();
      // A background tab gets no animation frames (Chrome pauses them); the stream still flows.
      await page.addInitScript('window.requestAnimationFrame = () => 0;');
      await page.goto(`${fx.url}/`);
      await page.waitForSelector('#connection[data-state=live]');
      expect(await page.isVisible('#empty')).toBe(true);
      for (let i = 0; i < 5; i++)
        fx.pushDevice(fixtureDevice('plant', `dev-${i}`, { status: 'unknown', band: null }));
      await page.waitForFunction(
        `document.querySelectorAll('[data-testid=device-card]').length === 5`,
      );
      expect(await page.isVisible('#empty')).toBe(false);
      await page.close();
    } finally {
      await fx.close();
    }
  });

  /** a fleet page 300 px wide with a device of a narrow band and one of a tiny band */
  async function narrowFleet(fx: Fixture): Promise<{ page: Page; errors: string[] }> {
    const now = Date.now();
    // two minutes of points: splits every few seconds, which "HH:MM" alone would repeat
    const minutes = Array.from({ length: 13 }, (_, k) => now - (12 - k) * 10_000);
    // a band narrower than three significant digits tell apart
    const narrow = { measure: 'tc_bias_corrected', low: 1.2001, center: 1.2002, high: 1.2004 };
    const tiny = {
      measure: 'tc_bias_corrected',
      low: 0.000123456,
      center: 0.0002,
      high: 0.00023456,
    };
    fx.state.devices.push(
      fixtureDevice('plant', 'narrow', { band: narrow, band_value: 1.20025 }),
      fixtureDevice('plant', 'tiny', { band: tiny, band_value: 0.000178 }),
    );
    for (const d of ['narrow', 'tiny'])
      fx.state.history.set(
        `plant/${d}`,
        minutes.map((t, k) => ({ t, band_value: d === 'narrow' ? 1.2002 + (k % 3) * 1e-5 : 2e-4 })),
      );
    const opened = await open(`${fx.url}/`, 300);
    await opened.page.waitForSelector(`${cardSelector('narrow')} .spark canvas`);
    await opened.page.waitForSelector(`${cardSelector('tiny')} .spark canvas`);
    return opened;
  }

  it('prints no axis label twice', async () => {
    const fx = await startFixture();
    try {
      const { page, errors } = await narrowFleet(fx);
      await expect
        .poll(async () => (await canvasDrawn(page, '.spark')).every((d) => d.texts.length >= 4))
        .toBe(true);
      for (const d of await canvasDrawn(page, '.spark')) {
        const repeated = d.texts.filter((t, i) => d.texts.indexOf(t) !== i);
        expect(repeated, d.texts.join(' | ')).toEqual([]);
      }
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await fx.close();
    }
  });

  it('keeps the band range on one line', async () => {
    const fx = await startFixture();
    try {
      const { page, errors } = await narrowFleet(fx);
      for (const d of ['narrow', 'tiny']) {
        const lines = await page
          .locator(`${cardSelector(d)} [data-testid=band-numbers]`)
          .evaluate((e) => e.getClientRects().length);
        expect(lines, d).toBe(1);
      }
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await fx.close();
    }
  });
});
