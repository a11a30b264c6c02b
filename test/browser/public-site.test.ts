import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusApiServer } from '../../src/status-api/index.ts';
import { fact, MONTH, SCRIPT_NAME, status, wo } from '../support/public-fixture.ts';
import { startFixtureSite } from '../support/public-site.ts';

/*
 * The public pages in a real browser: Debian's chromium, no browser download. Screenshots go to
 * reports/screenshots (git-ignored) for people to look at.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = 'reports/screenshots';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: StatusApiServer;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ server, base } = await startFixtureSite());
  // Running as root in a container needs the sandbox off; the pages are our own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh page; the CSP is bypassed only so that the test can inject axe-core. */
async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; status: number }> {
  const context = await browser.newContext({ viewport, bypassCSP: true, javaScriptEnabled: true });
  const page = await context.newPage();
  const res = await page.goto(`${base}${path}`);
  return { page, status: res?.status() ?? 0 };
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const results = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes})`);
}

const PAGES = [
  ['home', '/', 200, 'This city in October 2026\n7\nrequests received'],
  ['track', '/track/S1', 200, 'Done'],
  ['track-information', '/track/I1', 200, 'Answered at first contact'],
  ['performance', `/performance?month=${MONTH}`, 200, '7'],
  ['departments', '/departments', 200, 'transportation'],
  ['department', `/departments/transportation?month=${MONTH}`, 200, '1 of 2 (50.0 %)'],
  ['not-found', '/track/NOPE', 404, 'We could not find that request'],
  ['bad-month', '/performance?month=2026-13', 400, 'That is not a month we can show'],
] as const;

describe('the public pages in chromium', () => {
  it.each(PAGES)(
    '%s (%s) loads with the fixture figures, is accessible and fits a phone',
    async (name, path, code, shows) => {
      const { page, status } = await open(path);
      expect(status).toBe(code);
      expect(await page.locator('main').innerText()).toContain(shows);
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();

      const phone = await open(path, { width: 360, height: 740 });
      // The browser's globals, typed here: the project's TypeScript has no DOM library.
      const overflow = await phone.page.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await phone.page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
      await phone.page.context().close();
    },
  );

  it('shows the month figures and charts on the performance page', async () => {
    const { page } = await open(`/performance?month=${MONTH}`);
    expect(await page.locator('#received').innerText()).toBe('7');
    expect(await page.locator('#service').innerText()).toBe('5');
    expect(await page.locator('#information').innerText()).toBe('2');
    expect(await page.locator('#median-days').innerText()).toBe('2');
    expect(await page.locator('svg[role=img]').count()).toBe(5);
    expect(await page.locator('#top-information-title + svg').innerHTML()).toContain('Trash day');
    await page.context().close();
  });

  it('filters by month with the form', async () => {
    const { page } = await open(`/performance?month=${MONTH}`);
    await page.selectOption('#month', '2026-09');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/month=2026-09/);
    expect(await page.locator('h1').innerText()).toBe('Performance in September 2026');
    expect(await page.locator('#received').innerText()).toBe('1');
    await page.context().close();
  });

  it('tracks a request from the home page form, by keyboard', async () => {
    const { page } = await open('/');
    await page.getByLabel('Request number').focus();
    await page.keyboard.type('S3');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/track\/S3$/);
    expect(await page.locator('.status').innerText()).toContain('Scheduled');
    await page.context().close();
  });

  it('links a duplicate to its parent and a follow-up to its original', async () => {
    const dup = await open('/track/D1');
    await dup.page.getByRole('link', { name: 'request S1' }).click();
    await dup.page.waitForURL(/\/track\/S1$/);
    expect(await dup.page.locator('main').innerText()).toContain('The work was done.');
    await dup.page.context().close();
    const follow = await open('/track/F1');
    expect(await follow.page.getByRole('link', { name: 'request S2' }).getAttribute('href')).toBe('/track/S2');
    await follow.page.context().close();
  });

  it('shows planted markup as text and runs none of it', async () => {
    const { page } = await open('/track/S3');
    expect(await page.locator('h2#now-heading').innerText()).toBe(SCRIPT_NAME);
    expect(await page.locator('main').innerText()).toContain('"><img src=x onerror="window.pwned=2">');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.context().close();
    const perf = await open(`/performance?month=${MONTH}`);
    expect(await perf.page.locator('#top-service-title + svg text').first().textContent()).toBe('Pothole');
    expect(await perf.page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await perf.page.context().close();
  });
});

/*
 * Names a city really has are long single words: German compounds, ticket ids from another
 * system, department names run together. On a phone they must wrap, not push the page sideways.
 */
const LONG_DEPARTMENT = 'strassenbeleuchtungsinstandhaltungsabteilung';
const LONG_SERVICE = 'Straßenbeleuchtungsinstandhaltungsanforderungsformular';
const LONG_ID = 'CRM-2026-10-000000000000000000000000000000000017';

describe('long single-word names on a phone', () => {
  let longServer: StatusApiServer;
  let longBase: string;
  beforeAll(async () => {
    ({ server: longServer, base: longBase } = await startFixtureSite(({ projection, facts, figures }) => {
      const requestedAt = Date.UTC(2026, 9, 12, 14);
      facts.apply(fact(LONG_ID, { serviceCode: 'LIGHT', serviceName: LONG_SERVICE, requestedAt }));
      const s = status(LONG_ID, 1, {
        serviceCode: 'LIGHT',
        agencyResponsible: LONG_DEPARTMENT,
        workOrders: wo(LONG_DEPARTMENT),
        requestedAt,
        responseDueAt: requestedAt + 2 * 86_400_000,
        respondedAt: requestedAt + 3_600_000,
        completionDueAt: requestedAt + 5 * 86_400_000,
      });
      projection.apply(s);
      figures.applyStatus(s);
    }));
  });
  afterAll(() => longServer?.stop());

  it.each([
    `/track/${LONG_ID}`,
    `/departments/${LONG_DEPARTMENT}?month=${MONTH}`,
    '/departments',
    `/performance?month=${MONTH}`,
  ])('%s wraps them at 360 px instead of scrolling sideways', async (path) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    expect((await page.goto(`${longBase}${path}`))?.status()).toBe(200);
    expect(await page.locator('main').innerText()).toMatch(/strassenbeleuchtung|Straßenbeleuchtung/i);
    const widths = await page.evaluate(() => {
      const w = globalThis as unknown as {
        innerWidth: number;
        document: { scrollingElement: { scrollWidth: number } };
      };
      return { scroll: w.document.scrollingElement.scrollWidth, inner: w.innerWidth };
    });
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    await context.close();
  });
});
