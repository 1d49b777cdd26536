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
