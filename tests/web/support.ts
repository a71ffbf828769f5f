// Browser tests drive Debian's Chromium (playwright-core never downloads a browser here) against the
// web client the test stack serves (the production bundle, local/web.ts). Each page signs in as a
// test user: the client's local sign-in reads the email from localStorage, which the context sets.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testStack } from '../support/stack.ts';
import { launchBrowser } from '../support/browser.ts';

export { launchBrowser };

export function webUrl(): string {
  const url = process.env.NESTFOLIO_TEST_WEB_URL;
  if (!url) throw new Error('NESTFOLIO_TEST_WEB_URL is not set: run the tests with `npm test` (it serves the web client)');
  return url;
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1100, height: 900 };

/** A page signed in as `email` at `route`; collects page errors so a test can assert there were none. */
export async function openAs(browser: Browser, email: string, route = '#/accounts', viewport = DESKTOP): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  await context.addInitScript((e) => localStorage.setItem('nestfolio.localUser', e), email);
  const page = await context.newPage() as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.setDefaultTimeout(30_000);
  await page.goto(`${webUrl()}/${route}`);
  return page;
}

/** Plaid Link (the emulator's drop-in) and its bank pages are Plaid's, not ours: axe skips them. */
export const PLAID_LINK = '[data-testid="plaid-link-overlay"]';

/**
 * Saves a screenshot under <test state>/artifacts/web/ (git-ignored), after checking the page with axe:
 * every state a test shows has 0 violations of any impact (throws with the list otherwise).
 */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  const violations = await axeViolations(page, { exclude: [PLAID_LINK] });
  if (violations.length) throw new Error(`axe found violations on "${name}":\n${violations.join('\n')}`);
  const dir = join(testStack.stateDir, 'artifacts', 'web');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Drives the emulator's Link from the consent pane to onSuccess for a new connection. */
export async function linkNewConnection(page: Page, opts: { bank?: string; username?: string; password?: string } = {}): Promise<void> {
  await page.getByTestId('plaid-link-consent-continue').click();
  await page.getByLabel('Search institutions').fill(opts.bank ?? 'First Platypus Bank');
  await page.getByRole('button', { name: opts.bank ?? 'First Platypus Bank', exact: true }).click();
  await page.getByLabel('Username').fill(opts.username ?? 'user_good');
  await page.getByLabel('Password').fill(opts.password ?? 'pass_good');
  await page.getByTestId('plaid-link-submit-credentials').click();
  await page.getByTestId('plaid-link-accounts-continue').click();
  await page.getByTestId('plaid-link-success-continue').click();
}

/** The connection card of a bank on the Accounts page. */
export const connectionCard = (page: Page, bank: string) => page.getByTestId('connection').filter({ has: page.getByRole('heading', { name: bank, exact: true }) });
/** An account row by its label. */
export const accountRow = (page: Page, label: string) => page.getByTestId('account').filter({ has: page.locator('summary', { hasText: label }) });

/** Visible form controls without an accessible name (a label, aria-label(ledby) or text). */
export async function unnamedControls(page: Page): Promise<string[]> {
  return await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], summary')]
    .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
    .filter((el) => {
      const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      return !labelled && !(el.textContent ?? '').trim();
    })
    .map((el) => el.outerHTML.slice(0, 120)));
}

/**
 * Every axe-core rule (WCAG 2.x A/AA and best practices such as heading order), violations of any
 * impact, on the page as it is now (the emulator's Link and bank pages are Plaid's, not ours:
 * `exclude` them). Resolves with the violations, as `rule (impact): target` lines.
 */
export async function axeViolations(page: Page, opts: { exclude?: string[] } = {}): Promise<string[]> {
  const { createRequire } = await import('node:module');
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: source });
  return await page.evaluate(async ({ exclude }) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run({ exclude: exclude.map((s) => [s]) }, { resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact ?? 'unknown'}): ${n.target.join(' ')}`));
  }, { exclude: opts.exclude ?? [] });
}
