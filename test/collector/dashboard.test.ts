// The fleet dashboard in real headless Chromium, against the real collector (embedded broker,
// SQLite, rules) fed by real MQTT publishes, plus an API fixture for the 50-device case.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './dashboard-browser.ts';
import { fixtureDevice, startFixture, type Fixture } from './dashboard-fixture.ts';
import { cardSelector, cardStatuses, watchPage } from './dashboard-page.ts';
import { inBand, SimAgent } from './dashboard-agents.ts';
import { startTestCollector, type TestCollector } from './dashboard-collector.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// The API stand-in drives what the real collector cannot cheaply reach: a 50-device fleet
// and a token-protected deployment.
/** press-02's over-coupling: Flow decoupled, Pressure locked a little tighter */
const PRESS_COUPLING = {
  coupling: [
    { channel: 'Flow', delta: -1.2 },
    { channel: 'Pressure', delta: 0.3 },
  ],
};

describe('dashboard: a settled episode and a re-baseline on the device page', () => {
  it('shows the held level and the last re-baseline with its accepted shift', async () => {
    const fx = await startFixture();
    try {
      fx.state.devices.push(
        fixtureDevice('plant', 'pump-3', {
          status: 'firing',
          alerts: [
            {
              rule: 'recon-error',
              state: 'firing',
              since: Date.now() - 60_000,
              value: 0.9,
              reason: 'recon_mean = 0.9 above device limit 0.5',
              silenced: {
                id: 'abcdef1234567890',
                until: Date.now() + 3_600_000,
                comment: 'pump swap',
              },
            },
          ],
          held: [{ rule: 'level-shift', level: 11.2 }],
          rebaselines: [
            {
              at: Date.UTC(2026, 11, 4, 10, 0, 0),
              reason: 'operator: alice accepts the new flow',
              shift: { Flow: -3.2, Current: 0.4, Pressure: 0.1, Voltage: 0 },
            },
          ],
        }),
      );
      const page = await browser.newPage();
      await page.goto(`${fx.url}/device.html?fleet=plant&device=pump-3`);
      await page.waitForSelector('[data-testid=device-facts] dt');
      // firing, and which silence holds it back, as on the fleet page's card
      expect(await page.textContent('[data-testid=device-status]')).toContain('Firing');
      expect(await page.textContent('[data-testid=device-silenced]')).toMatch(
        /^silenced until .* by “pump swap” \(silence abcdef12\)$/,
      );
      const facts = await page.textContent('[data-testid=device-facts]');
      expect(facts).toContain('level-shift: new level');
      expect(facts).toContain('settled at 11.2, not accepted: held until the device re-baselines');
      // the re-baseline is in the alert history too
      await page.waitForSelector('[data-testid=history-row][data-state=re-baselined]');
      expect(
        await page.textContent('[data-testid=history-row][data-state=re-baselined]'),
      ).toContain('shift accepted: Flow −3.2σ');
      expect(facts).toMatch(
        /Re-baselined.*shift accepted: Flow −3\.2σ, Current \+0\.4σ, Pressure \+0\.1σ \(operator: alice/,
      );
      await page.close();
    } finally {
      await fx.close();
    }
  });
});

describe('dashboard against the API fixture', () => {
  let fx: Fixture;
  beforeAll(async () => {
    const now = Date.now();
    fx = await startFixture();
    for (let i = 0; i < 50; i++) {
      const d = fixtureDevice(`fleet-${i % 3}`, `dev-${String(i).padStart(2, '0')}`, {
        band_value: 1 + (i % 5) * 0.1,
      });
      fx.state.devices.push(d);
      fx.state.history.set(
        `${d.fleet}/${d.device}`,
        Array.from({ length: 60 }, (_, k) => ({
          t: now - (60 - k) * 10_000,
          band_value: 1.1 + 0.1 * Math.sin(k / 5 + i),
        })),
      );
    }
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('renders 50 devices, passes the token, updates a card in place, and re-fetches after a dropped stream', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const { errors } = watchPage(page);
    const token = 'secret-token-0123456789';
    await page.goto(`${fx.url}/?token=${token}`);
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid=device-card]').length === 50`,
    );
    await page.waitForSelector('#connection[data-state=live]');
    // Wait for the sparklines' history requests to drain, then check every API call.
    await expect
      .poll(() => fx.state.auth.filter((a) => a.path.endsWith('/history')).length)
      .toBe(50);
    expect(fx.state.auth.length).toBeGreaterThan(50);
    for (const a of fx.state.auth) expect(a.auth, a.path).toMatch(new RegExp(`${token}$`));
    // Links to the device page keep the token.
    const href = await page.getAttribute(`${cardSelector('dev-07')} h3 a`, 'href');
    expect(href).toContain(`token=${token}`);

    // Mark the node: a live update must change it in place, not rebuild it.
    await page.evaluate(`document.querySelector('${cardSelector('dev-07')}').__mark = 1`);
    const d = fixtureDevice('fleet-1', 'dev-07', {
      status: 'firing',
      band_value: 2.2,
      alerts: [
        {
          rule: 'over-coupling',
          state: 'firing',
          since: Date.now(),
          value: 2.2,
          reason: 'tc above band',
        },
      ],
    });
    fx.pushDevice(d);
    await page.waitForSelector(cardSelector('dev-07', 'firing'));
    expect(await page.evaluate(`document.querySelector('${cardSelector('dev-07')}').__mark`)).toBe(
      1,
    );
    // Worst first: the firing card moves to the top of the grid.
    await page.waitForFunction(
      `document.querySelector('[data-testid=device-card]').dataset.device === 'dev-07'`,
    );
    const statuses = await cardStatuses(page);
    expect(Object.values(statuses).filter((s) => s === 'firing')).toHaveLength(1);
    await expect
      .poll(() => page.textContent(`${cardSelector('dev-07')} [data-testid=device-status]`))
      .toContain('Firing');
    expect(await page.textContent(`${cardSelector('dev-07')} .position`)).toContain('above band');

    // The stream drops; a change made meanwhile is not pushed, so only the re-fetch on
    // reconnect can bring it in.
    fx.dropStreams();
    fx.state.devices = fx.state.devices.map((x) =>
      x.device === 'dev-07' ? { ...x, status: 'ok', alerts: [], band_value: 1.2 } : x,
    );
    await page.waitForSelector(cardSelector('dev-07', 'ok'), { timeout: 10_000 });
    await page.waitForSelector('#connection[data-state=live]');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('dashboard against the real collector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redband-dashboard-'));
  const token = 'dashboard-test-token-0123';
  let col: TestCollector;
  const agents: SimAgent[] = [];
  const t0 = Date.now() - 10 * 60_000; // data time: ten minutes of history up to now
  let k = 0; // snapshot index, shared so data time only moves forward

  beforeAll(async () => {
    col = await startTestCollector({ dbPath: join(dir, 'collector.db'), token });
    const ids = [
      ['plant-a', 'press-01'],
      ['plant-a', 'press-02'],
      ['plant-a', 'press-03'],
      ['plant-b', 'pump-01'],
    ] as const;
    for (const [fleet, device] of ids)
      agents.push(await SimAgent.connect(col.brokerUrl, fleet, device, 60));
    for (; k < 8; k++) {
      await Promise.all(agents.map((a, i) => a.publish(t0 + k * 10_000, inBand(i, k))));
    }
  });
  afterAll(async () => {
    for (const a of agents) await a.close();
    await col?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the fleet, turns a drifting device red live, lists its alert, and creates a silence', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const { errors } = watchPage(page);
    await page.goto(`${col.httpUrl}/?token=${token}`);
    await page.waitForSelector('#connection[data-state=live]');
    await expect
      .poll(() => cardStatuses(page))
      .toEqual({
        'plant-a/press-01': 'ok',
        'plant-a/press-02': 'ok',
        'plant-a/press-03': 'ok',
        'plant-b/pump-01': 'ok',
      });
    expect(
      await page.textContent(`${cardSelector('press-02')} [data-testid=band-numbers]`),
    ).toContain('0.8 – 1.6');

    // press-02's model over-couples: tc well above the band for longer than the rule's
    // `for` (3 breaching readings of 5). The page must follow over SSE, without reload.
    await page.evaluate(`document.querySelector('${cardSelector('press-02')}').__mark = 1`);
    const press02 = agents[1]!;
    for (let n = 0; n < 5; n++, k++) {
      await Promise.all(
        agents.map((a, i) =>
          a === press02
            ? a.publish(t0 + k * 10_000, 2.3 + 0.1 * n, { attribution: PRESS_COUPLING })
            : a.publish(t0 + k * 10_000, inBand(i, k)),
        ),
      );
    }
    await page.waitForSelector(cardSelector('press-02', 'firing'), { timeout: 10_000 });
    expect(
      await page.evaluate(`document.querySelector('${cardSelector('press-02')}').__mark`),
    ).toBe(1);
    const card = cardSelector('press-02');
    expect(await page.textContent(`${card} [data-testid=device-status]`)).toContain('Firing');
    expect(await page.textContent(`${card} .position`)).toContain('above band');
    expect(await page.textContent(`${card} [data-testid=device-alerts]`)).toContain(
      'over-coupling',
    );
    const others = await cardStatuses(page);
    expect(Object.entries(others).filter(([, s]) => s !== 'ok')).toEqual([
      ['plant-a/press-02', 'firing'],
    ]);

    const alertRow = page.locator(
      '[data-testid=alert-row][data-device=press-02][data-state=firing]',
    );
    await alertRow.first().waitFor({ timeout: 5_000 });
    expect(await alertRow.first().textContent()).toContain('over-coupling');
    // the channels the alert names, from the coupling attribution of its metrics
    expect(await alertRow.first().locator('[data-testid=alert-channels]').textContent()).toBe(
      'Flow ▼ 1.2, Pressure ▲ 0.3',
    );

    // Silence press-02's over-coupling from the form; it shows up in the active list.
    const form = page.locator('[data-testid=silence-form]');
    await form.locator('[data-testid=silence-target]').selectOption('plant-a|press-02');
    // the rule is one of the collector's rules (a select from /api/rules), not free text
    const ruleSelect = form.locator('[data-testid=silence-rule]');
    expect(await ruleSelect.evaluate((e) => e.tagName)).toBe('SELECT');
    const ruleOptions = await ruleSelect
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    const { rules } = (await col.api('/api/rules')) as { rules: { name: string }[] };
    expect(ruleOptions).toEqual(['', ...rules.map((r) => r.name)]);
    expect(ruleOptions).toContain('over-coupling');
    await ruleSelect.selectOption('over-coupling');
    await form.locator('[data-testid=silence-duration]').selectOption('60');
    await form.locator('[data-testid=silence-comment]').fill('recalibrating the press');
    await form.locator('[data-testid=silence-submit]').click();
    const silence = page.locator('[data-testid=silence-row]');
    await silence.first().waitFor({ timeout: 5_000 });
    const text = await silence.first().textContent();
    expect(text).toContain('plant-a/press-02');
    expect(text).toContain('over-coupling');
    expect(text).toContain('recalibrating the press');
    const [stored] = (await col.api('/api/silences')).silences as {
      matchers: unknown;
      ends_at: number;
    }[];
    expect(stored?.matchers).toEqual({
      fleet: 'plant-a',
      device: 'press-02',
      rule: 'over-coupling',
    });
    expect(stored!.ends_at - Date.now()).toBeGreaterThan(55 * 60_000);

    // Silenced, press-02 still fires, and its card says until when and by which silence.
    const marker = page.locator(`${card} [data-testid=silenced]`);
    await marker.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.getAttribute(card, 'data-status')).toBe('firing');
    expect(await page.textContent(`${card} [data-testid=device-status]`)).toContain('Firing');
    // the page's own time format (a time today, a date and time once the end is past midnight);
    // a string, so the test runner's transform leaves the page's dynamic import alone
    const until = await page.evaluate<string>(
      `import('/assets/format.js').then((m) => m.fmtTime(${stored!.ends_at}))`,
    );
    const id = (stored as unknown as { id: string }).id.slice(0, 8);
    expect(await marker.textContent()).toBe(
      `silenced until ${until} by “recalibrating the press” (silence ${id})`,
    );
    expect(
      await page.textContent(`${card} [data-testid=device-alerts] [data-testid=alert-silenced]`),
    ).toContain(`silenced until ${until}`);
    // the API says the same to every client: the alert fires, held by that silence
    const fleetNow = (await col.api('/api/fleet')).devices as {
      device: string;
      alerts: { rule: string; state: string; silenced?: { id: string; until: number } | null }[];
    }[];
    expect(fleetNow.find((d) => d.device === 'press-02')!.alerts).toContainEqual(
      expect.objectContaining({
        rule: 'over-coupling',
        state: 'firing',
        silenced: expect.objectContaining({ id: (stored as unknown as { id: string }).id }),
      }),
    );

    // Outside `dir` (removed after the test) so a developer can look at it afterwards.
    const shot = join(tmpdir(), 'redband-dashboard-test.png');
    await page.screenshot({ path: shot });
    console.log(`dashboard screenshot: ${shot}`);

    // Expiring it from the list removes it.
    await silence.first().locator('[data-testid=silence-expire]').click();
    await page.waitForSelector('[data-testid=silence-row]', { state: 'detached', timeout: 5_000 });
    await marker.waitFor({ state: 'hidden', timeout: 5_000 });

    // The device page: every measure charted, and the alert in its history.
    await page.click(`${card} h3 a`);
    await page.waitForSelector('[data-testid=history-row][data-state=firing]');
    expect(
      await page.textContent(
        '[data-testid=history-row][data-state=firing] [data-testid=history-channels]',
      ),
    ).toBe('Flow ▼ 1.2, Pressure ▲ 0.3');
    expect(await page.locator('[data-testid=measure-chart]').count()).toBe(12);
    expect(await page.getAttribute('[data-testid=measure-chart]:first-child', 'data-measure')).toBe(
      'tc',
    );
    expect(await page.textContent('[data-testid=device-status]')).toContain('Firing');
    expect(errors).toEqual([]);
    await page.close();
  });
});
