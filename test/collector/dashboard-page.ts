// Page-side helpers shared by the dashboard test and the screenshot script.
import type { Page } from 'playwright-core';

/** Collects page errors and failed requests so a test can assert the page ran cleanly. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    // EventSource requests are aborted on navigation/close; that is not a page failure.
    if (!r.url().includes('/api/events')) errors.push(`requestfailed: ${r.url()}`);
  });
  return { errors };
}

/** Status of every card, keyed fleet/device. Evaluated as a string: tsx's helpers are not in the page. */
export async function cardStatuses(page: Page): Promise<Record<string, string>> {
  return page.evaluate(`Object.fromEntries(
    [...document.querySelectorAll('[data-testid=device-card]')].map((c) => [
      c.dataset.fleet + '/' + c.dataset.device,
      c.dataset.status,
    ]),
  )`);
}

export const cardSelector = (device: string, status?: string) =>
  `[data-testid=device-card][data-device="${device}"]${status ? `[data-status="${status}"]` : ''}`;

/**
 * An init script recording what each canvas drew since its last full clear (uPlot clears the
 * whole canvas before every redraw): the texts (axis labels) and the red rectangles (the +∞
 * marks, charts.js OUT). Read with `canvasDrawn`.
 */
export const CANVAS_SPY = `(() => {
  const P = CanvasRenderingContext2D.prototype;
  const log = new WeakMap();
  const of = (c) => log.get(c) ?? log.set(c, { texts: [], red: 0 }).get(c);
  const clear = P.clearRect;
  P.clearRect = function (x, y, w, h) {
    if (x === 0 && y === 0 && w >= this.canvas.width && h >= this.canvas.height)
      log.set(this.canvas, { texts: [], red: 0 });
    return clear.call(this, x, y, w, h);
  };
  const fillText = P.fillText;
  P.fillText = function (t, ...rest) {
    if (String(t) !== '') of(this.canvas).texts.push(String(t));
    return fillText.call(this, t, ...rest);
  };
  const fillRect = P.fillRect;
  P.fillRect = function (...a) {
    if (String(this.fillStyle).toLowerCase() === '#b3261e') of(this.canvas).red++;
    return fillRect.call(this, ...a);
  };
  window.__canvasDrawn = (c) => of(c);
})();`;

/** What the canvases under `selector` drew in their last frame (CANVAS_SPY must be installed). */
export async function canvasDrawn(
  page: Page,
  selector: string,
): Promise<{ texts: string[]; red: number }[]> {
  return page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(`${selector} canvas`)})].map((c) => window.__canvasDrawn(c))`,
  );
}

/**
 * How many pixels of the first canvas under `selector` have the chart line's color
 * (charts.js LINE #1f4e8c), in the columns between fractions `from` and `to` of its width.
 */
export async function linePixels(
  page: Page,
  selector: string,
  from: number,
  to: number,
): Promise<number> {
  return page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(`${selector} canvas`)});
    const x0 = Math.floor(c.width * ${from});
    const x1 = Math.ceil(c.width * ${to});
    const d = c.getContext('2d').getImageData(x0, 0, x1 - x0, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const near = (v, w) => Math.abs(v - w) < 40;
      if (d[i + 3] > 128 && near(d[i], 0x1f) && near(d[i + 1], 0x4e) && near(d[i + 2], 0x8c)) n++;
    }
    return n;
  })()`);
}
