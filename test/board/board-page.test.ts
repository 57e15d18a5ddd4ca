/// <reference lib="dom" />
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Browser, Page } from 'playwright-core';
import { API_D, BOARD_NOW, boardScenario, HOSTILE_MESSAGE, SOAK_ENDS, WEB_B, WEB_C } from '../support/board-scenario';
import { launchChromium } from '../support/browser';
import { scratchFolder } from '../support/fleets';
import { stagecraft } from '../support/promotion-repo';

/**
 * The static board in a real browser (Debian's headless Chromium), opened from disk as a CI artifact is:
 * what a person reads after the promotion scenario, with and without JavaScript, at desktop and phone width.
 * With STAGECRAFT_BOARD_SCREENSHOTS=DIR it also saves the screenshots README shows (docs/board-*.png).
 */
jest.setTimeout(300_000);

let browser: Browser;
let closeBrowser: () => Promise<void>;
let indexUrl: string;
let site: string;
let failedReason: string;

beforeAll(async () => {
  const scratch = scratchFolder('stagecraft-board-');
  const scenario = await boardScenario(scratch);
  failedReason = scenario.failedReason;
  site = path.join(scratch, 'site');
  const result = stagecraft(scratch, 'board', '--repo', scenario.repo, '--out', site, '--now', BOARD_NOW);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^wrote the board of [0-9a-f]{12} \(3 environments, 2 rows\) to .*index\.html\n$/);
  expect(result.status).toBe(0);
  indexUrl = pathToFileURL(path.join(site, 'index.html')).href;
  ({ browser, close: closeBrowser } = await launchChromium());
}, 300_000);

afterAll(async () => {
  await closeBrowser?.();
});

/** A page at `width` that records CSP violations and script errors while it loads the board. */
async function open(width: number, javaScriptEnabled = true): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(indexUrl);
  return { page, problems };
}

const cell = (page: Page, application: string, environment: string) => page.locator(`tr[data-app="${application}"] td[data-env="${environment}"]`);

describe('the static board in Chromium', () => {
  it('shows the promoted digest in the prod cell, who promoted it and that prod verified it healthy', async () => {
    // GIVEN the board after web b went dev → staging → prod
    const { page, problems } = await open(1280);
    // WHEN a person reads web's prod cell
    const prod = cell(page, 'web', 'prod');
    // THEN it shows the short digest (the full reference on hover), who and when, and healthy
    await expect(prod.locator('code.image').textContent()).resolves.toBe(`web@sha256:${'b'.repeat(12)}`);
    await expect(prod.locator('code.image').getAttribute('title')).resolves.toBe(WEB_B);
    await expect(prod.locator('.who').textContent()).resolves.toBe('by alice@example.com at 2026-11-23 12:00Z');
    await expect(prod.locator('.badge').first().textContent()).resolves.toBe('healthy');
    await expect(prod.getAttribute('class')).resolves.toBe('cell state-healthy');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows the staging → prod gates: approvals 1 of 2 and the soak with the time it ends', async () => {
    const { page } = await open(1280);
    // WHEN a person reads the promotion waiting to enter prod
    const pending = cell(page, 'web', 'prod').locator('.pending');
    // THEN it names the image, says blocked, and gives every gate's verdict
    await expect(pending.locator('p').textContent()).resolves.toBe(`staging → prod: web@sha256:${'c'.repeat(12)} blocked`);
    await expect(pending.locator('.gates li').allTextContents()).resolves.toEqual([
      'manual ok', 'verifiedUpstream ok', `soak until ${SOAK_ENDS}`, 'approvals 1 of 2', 'allowWindow ok',
    ]);
    await expect(pending.locator('li[data-gate="approvals"]').getAttribute('class')).resolves.toBe('gate verdict-fail');
    await expect(pending.locator('li[data-gate="soak"]').getAttribute('class')).resolves.toBe('gate verdict-wait');
    // AND the exact reasons are one click away
    await pending.locator('summary').click();
    await expect(pending.locator('dd').nth(3).textContent()).resolves
      .toBe('1 of 2 approvals (alice@example.com); missing 1 from bob@example.com, carol@example.com: run stagecraft approve web --env prod');
    await expect(cell(page, 'web', 'staging').locator('code.image').getAttribute('title')).resolves.toBe(WEB_C);
    await page.context().close();
  });

  it('shows the failed reconcile in red with the object and its construct path', async () => {
    const { page } = await open(1280);
    // WHEN a person reads dev's environment card and api's dev cell
    const card = page.locator('#env-dev');
    // THEN both are red, and the card names the object and its construct path
    await expect(card.getAttribute('class')).resolves.toBe('env state-failed');
    await expect(card.locator('.badge').first().textContent()).resolves.toBe('failed');
    await expect(card.locator('.problem code.object').textContent()).resolves.toBe('Deployment/dev/api');
    await expect(card.locator('.problem .construct-path code').textContent()).resolves.toBe('dev/api/deployment/Resource');
    const red = await card.evaluate((element) => getComputedStyle(element).borderLeftColor);
    expect(red).toBe('rgb(179, 38, 30)');
    const api = cell(page, 'api', 'dev');
    await expect(api.getAttribute('class')).resolves.toBe('cell state-failed');
    await expect(api.locator('code.image').getAttribute('title')).resolves.toBe(API_D);
    await expect(api.locator('.reason').textContent()).resolves.toBe(failedReason);
    // AND web, which the failure does not name, stays healthy in dev
    await expect(cell(page, 'web', 'dev').getAttribute('class')).resolves.toBe('cell state-healthy');
    await page.context().close();
  });

  it('renders a release message holding <script> and "><img onerror=…> as text', async () => {
    const { page, problems } = await open(1280);
    // WHEN a person opens web's history
    await page.locator('#history-web summary').click();
    // THEN the message is there, character for character, and nothing ran or loaded
    const messages = await page.locator('#history-web .message').allTextContents();
    expect(messages).toContain(HOSTILE_MESSAGE);
    expect(messages).toContain('looks good <b>alice@example.com</b>');
    await expect(page.evaluate(() => (window as any).__pwned)).resolves.toBeUndefined();
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(1);
    await expect(page.locator('b').count()).resolves.toBe(0);
    expect(problems).toEqual([]);
    // AND the file holds it escaped
    expect(fs.readFileSync(path.join(site, 'index.html'), 'utf8')).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
    await page.context().close();
  });

  it('works without JavaScript: every row shows and the filter, which needs it on a static page, is hidden', async () => {
    const { page } = await open(1280, false);
    await expect(page.locator('tr[data-app]:visible').count()).resolves.toBe(2);
    await expect(page.locator('#filter').isVisible()).resolves.toBe(false);
    await expect(cell(page, 'web', 'prod').locator('.gates li').count()).resolves.toBe(5);
    await page.context().close();
  });

  it('filters rows as one types, and keeps the filter in the address', async () => {
    const { page } = await open(1280);
    await expect(page.locator('#filter').isVisible()).resolves.toBe(true);
    await page.locator('input[name=app]').fill('ap');
    await page.waitForFunction(() => document.getElementById('filter-count')!.textContent === '1 of 2 rows');
    await expect(page.locator('tr[data-app]:visible').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-app')))).resolves.toEqual(['api']);
    await page.locator('input[name=app]').fill('');
    await page.locator('select[name=env]').selectOption('prod');
    await page.locator('select[name=state]').selectOption('waiting');
    // The count was already "1 of 2" before: wait for this filter to reach the address.
    await page.waitForFunction(() => location.search === '?env=prod&state=waiting');
    await expect(page.locator('#filter-count').textContent()).resolves.toBe('1 of 2 rows');
    await expect(page.locator('tr[data-app]:visible').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-app')))).resolves.toEqual(['web']);
    expect(new URL(page.url()).search).toBe('?env=prod&state=waiting');
    // AND opening that address again shows the same rows
    await page.reload();
    await page.waitForFunction(() => document.getElementById('filter-count')!.textContent === '1 of 2 rows');
    await page.context().close();
  });

  it.each([
    ['desktop', 1280],
    ['phone', 390],
  ])('is readable at %s width (%d px): nothing wider than the screen, gates and failures legible', async (name, width) => {
    const { page, problems } = await open(width);
    await page.locator('#history-web summary').click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    const gate = await cell(page, 'web', 'prod').locator('li[data-gate="approvals"]').boundingBox();
    expect(gate!.x + gate!.width).toBeLessThanOrEqual(width);
    const fontSize = await page.locator('.problem').first().evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(14);
    expect(problems).toEqual([]);
    const folder = process.env.STAGECRAFT_BOARD_SCREENSHOTS;
    if (folder !== undefined) {
      // The phone shot shows one screen from the pipeline down; the desktop shot the whole page.
      if (width < 720) {
        await page.locator('tr[data-app="web"] td[data-env="staging"]').evaluate((element) => element.scrollIntoView());
      }
      await page.screenshot({ path: path.join(folder, `board-${name}.png`), fullPage: width >= 720 });
    }
    await page.context().close();
  });
});
