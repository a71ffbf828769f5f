// A new user's walk across the Accounts page, net worth, an account's page and the transactions
// explorer, checking that every page tells the same truth: a closed, a left-out, a hidden and a linked
// account read the same everywhere; an old link to an account that is gone says so; a read that fails,
// is rate limited or never answers says so in words with Retry, and the words go when it works; the
// account dialogs work by keyboard on a phone, focus going back where the user was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { LocalSession } from '../../local/session.ts';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, waitForImport } from '../support/sync.ts';
import { accountRow, launchBrowser, openAs, PHONE, screenshot, webUrl } from './support.ts';

let browser: Browser;
let s: LocalSession;
const ids: Record<string, string> = {};
const usd = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(n);
/** A UTC day `n` days ago, as the app shows it ("Nov 23, 2026"). */
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const shown = (date: string) => new Date(`${date}T00:00:00`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });

async function manual(session: LocalSession, name: string, type: string, balance: string, currency = 'USD'): Promise<string> {
  const r = await callFunction('accounts-manual', { action: 'create', name, type, current_balance: balance, currency }, { session });
  expect(r.status).toBe(201);
  return r.body.account.id;
}
const update = (session: LocalSession, id: string, fields: Record<string, unknown>) =>
  callFunction('accounts-manual', { action: 'update', account_id: id, ...fields }, { session });

beforeAll(async () => {
  browser = await launchBrowser();
  s = await newSession('web-journey');
  const item = await connectItem(s, { products: ['transactions'], webhook: true });
  await waitForImport(item.id);
  ids.closed = await manual(s, 'Old savings', 'depository', '500.00');
  ids.left = await manual(s, 'Flat in Lyon', 'other', '180000.00', 'EUR');
  ids.euro = await manual(s, 'Euro cash', 'depository', '50.00', 'EUR');
  ids.target = await manual(s, 'My checking', 'depository', '10.00');
  expect((await update(s, ids.closed, { closed: true })).status).toBe(200);
  expect((await update(s, ids.left, { exclude_from_totals: true })).status).toBe(200);
  const synced = await sql`select id, name from public.accounts where user_id = ${s.user_id} and source = 'plaid'`;
  ids.hidden = synced.find((a) => a.name === 'Plaid Saving')!.id;
  ids.merged = synced.find((a) => a.name === 'Plaid Checking')!.id;
  expect((await update(s, ids.hidden, { hidden: true })).status).toBe(200);
  expect((await callFunction('accounts-link', { synced_account_id: ids.merged, manual_account_id: ids.target }, { session: s })).status).toBe(200);
}, 120_000);
afterAll(async () => { await browser?.close(); });

describe('One truth on every page', () => {
  it('a closed, a left-out, a hidden and a linked account read the same on Accounts, net worth, their page and the explorer', async () => {
    const today = (await sql`select (now() at time zone 'UTC')::date::text as d`)[0].d as string;
    const page = await openAs(browser, s.email, '#/accounts');
    // Accounts: why each is not counted, as the account's own row says it.
    await page.getByTestId('not-counted').waitFor();
    expect(await page.getByTestId('not-counted').textContent())
      .toBe(`Not counted: Old savings (closed on ${shown(today)}), Flat in Lyon (left out by you).`);
    const cash = page.getByTestId('kind-group').and(page.locator('[data-kind="cash"]'));
    expect(await cash.getByTestId('kind-account').filter({ hasText: 'Old savings' }).locator('.badge').textContent()).toBe('Closed');
    expect(await accountRow(page, 'Old savings').getByTestId('closed').textContent()).toBe('Closed');
    expect(await cash.getByTestId('kind-account').filter({ hasText: 'Plaid Saving' }).count()).toBe(0);
    // Two currencies, two totals: never added together.
    const eur = page.getByTestId('net-worth-total').and(page.locator('[data-currency="EUR"]'));
    expect(await eur.locator('.amount').textContent()).toBe('€50.00');
    await screenshot(page, 'journey-accounts');

    // The closed account's page: closed, since when, and no switch claiming it counts.
    await page.goto(`${page.url().split('#')[0]}#/accounts/${ids.closed}`);
    await page.getByRole('heading', { name: 'Old savings', level: 1 }).waitFor();
    expect(await page.getByTestId('account-closed').textContent()).toMatch(new RegExp(`^This account was closed on ${shown(today)}: it counted in net worth until that day, not after\\.`));
    expect(await page.getByLabel('Count this account in net worth').count()).toBe(0);
    await screenshot(page, 'journey-account-closed');
    // A hidden account's switch does not claim it counts now.
    await page.goto(`${page.url().split('#')[0]}#/accounts/${ids.hidden}`);
    await page.getByText('This account is hidden, so it is not counted in net worth.').waitFor();
    expect(await page.getByLabel('Count this account in net worth once it is shown again').isChecked()).toBe(true);

    // The explorer's account filter says what the Accounts page says.
    await page.goto(`${page.url().split('#')[0]}#/transactions`);
    const options = page.getByLabel('Account').locator('option');
    await expect.poll(() => options.count()).toBeGreaterThan(1);
    const labels = await options.allTextContents();
    expect(labels).toContain('Old savings (closed)');
    expect(labels).toContain('Plaid Saving ••1111 (hidden)');
    expect(labels).toContain('My checking ••0000');
    expect(labels.filter((l) => l.startsWith('Plaid Checking'))).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('net worth history counts a closed account until its close date, not after', async () => {
    const u = await newSession('web-journey-history');
    await manual(u, 'Cash jar', 'depository', '100.00');
    const closed = await manual(u, 'Old savings', 'depository', '500.00');
    // Its balance was known 20 days ago; it was closed 10 days ago.
    await sql`update public.balance_history set date = ${daysAgo(20)}::date where account_id = ${closed}`;
    await sql`update public.accounts set closed_at = now() - interval '10 days' where id = ${closed}`;
    const page = await openAs(browser, u.email, '#/net-worth');
    const series = page.getByTestId('net-worth-series').and(page.locator('[data-currency="USD"]'));
    await series.getByText('Show as a table').click();
    const valueOn = (date: string) => series.locator('tbody tr').filter({ has: page.locator('th', { hasText: shown(date) }) }).locator('td').first().textContent();
    expect(await valueOn(daysAgo(11))).toBe(usd(600));
    expect(await valueOn(daysAgo(10))).toBe(usd(100));
    expect(await valueOn(daysAgo(0))).toBe(usd(100));
    // The figure above the chart is the chart's last day.
    expect(await series.getByTestId('net-worth-total').locator('.amount').textContent()).toBe(usd(100));
    await page.context().close();
  }, 60_000);

  it('an account whose currency was changed never draws its old-currency days as the new currency', async () => {
    const u = await newSession('web-journey-currency-change');
    const id = await manual(u, 'Travel money', 'depository', '100.00');
    // Kept in USD from 5 days ago; today its owner changed it to EUR.
    await sql`update public.balance_history set date = ${daysAgo(5)}::date where account_id = ${id}`;
    expect((await update(u, id, { currency: 'EUR' })).status).toBe(200);
    const page = await openAs(browser, u.email, `#/accounts/${id}`);
    await page.getByRole('heading', { name: 'Travel money', level: 1 }).waitFor();
    expect(await page.getByTestId('currency-note').textContent())
      .toBe('Days when this account was kept in USD are not shown: amounts in different currencies are never drawn as one line.');
    await page.getByText('Show as a table').click();
    const cells = await page.getByTestId('chart').locator('tbody td:first-of-type').allTextContents();
    expect(cells).toEqual(['€100.00']);
    await screenshot(page, 'journey-account-currency-changed');
    await page.context().close();
  }, 60_000);

  it('net worth says so when no account counts, instead of "no balances yet"', async () => {
    const u = await newSession('web-journey-none-counted');
    const id = await manual(u, 'Car', 'other', '9000.00');
    expect((await update(u, id, { exclude_from_totals: true })).status).toBe(200);
    const page = await openAs(browser, u.email, '#/net-worth');
    await page.getByText('None of your accounts is counted in net worth: each is hidden, closed, left out of totals or has no balance yet.').waitFor();
    expect(await page.getByText('No balances yet').count()).toBe(0);
    await page.context().close();
  }, 60_000);
});

describe('Old links to an account that is gone', () => {
  it('its page and the explorer say it is gone and show what is there, after a link and after "Delete all my bank data"', async () => {
    const u = await newSession('web-journey-gone');
    const kept = await manual(u, 'Cash jar', 'depository', '100.00');
    const gone = await manual(u, 'Old wallet', 'depository', '20.00');
    expect((await callFunction('accounts-manual', { action: 'delete', account_id: gone }, { session: u })).status).toBe(200);
    const page = await openAs(browser, u.email, `#/accounts/${gone}`);
    await page.getByRole('heading', { name: 'Account not found', level: 1 }).waitFor();
    await page.getByTestId('account-gone').getByText(/^This account is not in Nestfolio any more/).waitFor();
    expect(await page.getByRole('region', { name: 'Balance over time' }).count()).toBe(0);
    expect(await page.getByText(gone).count()).toBe(0); // no id in the words
    await screenshot(page, 'journey-account-gone', false);

    // The explorer from the linked synced account's old "Transactions of …" link (s's Plaid Checking).
    const explorer = await openAs(browser, s.email, `#/transactions?account=${ids.merged}&status=posted`);
    await explorer.getByText(/^The account in this link is not in Nestfolio any more \(deleted, disconnected, or linked into another account\), so all accounts are shown\. Showing \d+ transactions/).waitFor();
    expect(await explorer.getByLabel('Account').inputValue()).toBe('');
    expect(await explorer.getByLabel('Status').inputValue()).toBe('posted'); // the other filters stay
    expect(new URL(explorer.url()).hash).toBe('#/transactions?status=posted');
    expect(await explorer.getByTestId('explorer-transaction').count()).toBeGreaterThan(0);
    expect(await explorer.getByText(ids.merged).count()).toBe(0);
    await screenshot(explorer, 'journey-explorer-gone-account');
    await explorer.context().close();

    // After "Delete all my bank data": the kept account's old links say the same.
    expect((await callFunction('plaid-data-delete', { confirm: 'delete all my bank data' }, { session: u })).status).toBe(200);
    await page.goto(`${page.url().split('#')[0]}#/accounts/${kept}`);
    await page.getByRole('heading', { name: 'Account not found', level: 1 }).waitFor();
    await page.goto(`${page.url().split('#')[0]}#/transactions?account=${kept}`);
    await page.getByText(/^The account in this link is not in Nestfolio any more/).waitFor();
    await page.goto(`${page.url().split('#')[0]}#/net-worth`);
    await page.getByText('No balances yet: connect a bank or add a manual account.').waitFor();
    await page.goto(`${page.url().split('#')[0]}#/transactions`);
    await page.getByText('No transactions yet. They appear here once a connected bank has sent them; manual accounts have none.').waitFor();
    expect(await page.getByText('No transactions match these filters.').count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('Reads that fail', () => {
  const ENVELOPE_500 = { status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } }) };

  async function failThenRecover(page: Page, fn: string, loaded: () => Promise<unknown>, doing: string): Promise<void> {
    const error = page.getByTestId('load-error');
    await error.getByText(new RegExp(`^${doing} failed: `)).waitFor();
    await screenshot(page, `journey-${fn}-failed`, false);
    await page.context().unroute(`**/functions/v1/${fn}`);
    await error.getByRole('button', { name: 'Retry' }).click();
    await loaded();
    await error.waitFor({ state: 'hidden' });
  }

  it('net worth, an account page and the explorer say what failed, offer Retry, and clear the words when back', async () => {
    const page = await openAs(browser, s.email, '#/accounts');
    await page.getByTestId('net-worth-total').first().waitFor();
    await page.context().route('**/functions/v1/net-worth', (r) => r.fulfill(ENVELOPE_500));
    await page.goto(`${page.url().split('#')[0]}#/net-worth`);
    await failThenRecover(page, 'net-worth', () => page.getByTestId('net-worth-series').first().waitFor(), 'Loading your net worth');

    await page.context().route('**/functions/v1/balance-history', (r) => r.fulfill({ status: 502, contentType: 'text/html', body: '<html>bad gateway</html>' }));
    await page.goto(`${page.url().split('#')[0]}#/accounts/${ids.target}`);
    await page.getByTestId('load-error').getByText('Loading the account failed: Nestfolio\'s server did not answer properly (error 502). Please try again in a minute.').waitFor();
    expect(await page.getByRole('region', { name: 'Balance over time' }).count()).toBe(0); // no empty chart under it
    await failThenRecover(page, 'balance-history', () => page.getByRole('heading', { name: 'My checking', level: 1 }).waitFor(), 'Loading the account');
    // Another range that fails: its words, and no chart of the range before under the one now pressed.
    await page.context().route('**/functions/v1/balance-history', (r) => r.fulfill(ENVELOPE_500));
    await page.getByRole('button', { name: '1Y (one year)' }).click();
    await page.getByTestId('load-error').getByText(/^Loading the balance history failed: /).waitFor();
    expect(await page.getByTestId('chart').isVisible()).toBe(false);
    await failThenRecover(page, 'balance-history', () => page.getByTestId('chart').waitFor(), 'Loading the balance history');
    expect(await page.getByTestId('chart').locator('figcaption').textContent()).toMatch(/^Balance /);

    await page.context().route('**/functions/v1/transactions-search', (r) => r.fulfill(ENVELOPE_500));
    await page.goto(`${page.url().split('#')[0]}#/transactions`);
    await failThenRecover(page, 'transactions-search', () => page.getByTestId('explorer-transaction').first().waitFor(), 'Loading transactions');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("an account row's recent transactions say what failed, with Retry", async () => {
    const page = await openAs(browser, s.email, '#/accounts');
    await page.context().route('**/functions/v1/transactions', (r) => r.fulfill(ENVELOPE_500));
    const row = accountRow(page, 'My checking');
    await row.locator('summary').click();
    await row.getByTestId('load-error').getByText(/^Loading transactions failed: /).waitFor();
    await page.context().unroute('**/functions/v1/transactions');
    await row.getByTestId('load-error').getByRole('button', { name: 'Retry' }).click();
    await row.getByTestId('transaction').first().waitFor();
    await row.getByTestId('load-error').waitFor({ state: 'hidden' });
    await page.context().close();
  }, 60_000);

  it('a 429 from in front of the functions says when to try again (its Retry-After)', async () => {
    const page = await openAs(browser, s.email, '#/accounts');
    await page.context().route('**/functions/v1/net-worth', (r) => r.fulfill({ status: 429, headers: { 'Retry-After': '7', 'Access-Control-Expose-Headers': 'Retry-After' }, contentType: 'text/plain', body: 'Too Many Requests' }));
    await page.goto(`${page.url().split('#')[0]}#/net-worth`);
    await page.getByTestId('load-error').getByText('Loading your net worth was not done: too many requests in a short time. Try again in 7 s.').waitFor();
    await page.context().close();
  }, 60_000);

  it('a backend that never answers ends in words and Retry, not an endless "Loading…"', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-US' });
    await context.addInitScript((e) => localStorage.setItem('nestfolio.localUser', e), s.email);
    const page = await context.newPage();
    await page.clock.install();
    const base = webUrl();
    let hung = 0;
    await context.route('**/functions/v1/transactions-search', () => { hung++; }); // never fulfilled
    await page.goto(`${base}/#/transactions`);
    await page.getByText('Loading transactions…').waitFor();
    await expect.poll(() => hung).toBe(1);
    await page.clock.fastForward(31_000);
    await page.getByTestId('load-error').getByText('Loading transactions failed: Nestfolio did not answer in time. Please try again in a minute.').waitFor();
    expect(await page.getByText(/Loading transactions…|No transactions match these filters/).filter({ visible: true }).count()).toBe(0);
    await screenshot(page, 'journey-explorer-timeout');
    await context.unroute('**/functions/v1/transactions-search');
    await page.getByTestId('load-error').getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('explorer-transaction').first().waitFor();
    await page.getByTestId('load-error').waitFor({ state: 'hidden' });
    await context.close();
  }, 60_000);
});

describe('The account dialogs by keyboard on a phone', () => {
  const focused = (page: Page) => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { text: (el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? el?.textContent ?? null, row: el?.closest('[data-account-id]')?.getAttribute('data-account-id') ?? null };
  });

  it('Edit (currency picker), Close or delete and Unlink: Escape closes, focus goes back to the button in the same row, even after the row changed', async () => {
    const u = await newSession('web-journey-dialogs');
    const id = await manual(u, 'Rainy fund', 'depository', '100.00');
    const page = await openAs(browser, u.email, '#/accounts', PHONE);
    const row = accountRow(page, 'Rainy fund');
    await row.locator('summary').focus();
    await page.keyboard.press('Enter');
    const edit = row.getByRole('button', { name: 'Edit account' });
    await edit.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Edit Rainy fund' });
    await dialog.waitFor();
    expect(await focused(page)).toMatchObject({ text: 'Account name' });
    await page.keyboard.press('Tab'); // Type
    await page.keyboard.press('Tab'); // Current balance
    await page.keyboard.press('Tab'); // Currency
    expect(await focused(page)).toMatchObject({ text: 'Currency' });
    await page.keyboard.type('EUR'); // the picker's type-ahead: "EUR — Euro"
    expect(await dialog.getByLabel('Currency').inputValue()).toBe('EUR');
    await screenshot(page, 'journey-phone-currency-picker', false);
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Save changes
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await row.getByTestId('balance').getByText('€100.00').waitFor();
    // The row was redrawn with the new currency: focus is on its Edit button, not lost to the page top.
    expect(await focused(page)).toEqual({ text: 'Edit account', row: id });

    await page.keyboard.press('Tab'); // Leave out of totals
    await page.keyboard.press('Tab'); // Close or delete…
    expect(await focused(page)).toEqual({ text: 'Close or delete…', row: id });
    await page.keyboard.press('Enter');
    const close = page.getByRole('dialog', { name: 'Close or delete Rainy fund' });
    await close.waitFor();
    await screenshot(page, 'journey-phone-close-or-delete', false);
    await page.keyboard.press('Escape');
    await close.waitFor({ state: 'detached' });
    expect(await focused(page)).toEqual({ text: 'Close or delete…', row: id });
    await page.keyboard.press('Enter');
    await close.waitFor();
    expect(await focused(page)).toMatchObject({ text: 'Close it and keep its history' });
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Confirm
    // The first try fails slowly: Escape while it runs keeps the dialog, so its error is seen.
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    await page.context().route('**/functions/v1/accounts-manual', async (r) => {
      await held;
      await r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'The database is busy; try again.' } }) });
    });
    const sent = page.waitForRequest('**/functions/v1/accounts-manual');
    await page.keyboard.press('Enter');
    await sent;
    await page.keyboard.press('Escape');
    release();
    await close.getByRole('alert').getByText('Closing the account failed: The database is busy; try again.').waitFor();
    await page.context().unroute('**/functions/v1/accounts-manual');
    await close.getByRole('button', { name: 'Confirm' }).focus();
    await page.keyboard.press('Enter');
    await close.waitFor({ state: 'detached' });
    await row.getByTestId('closed').waitFor();
    expect(await focused(page)).toEqual({ text: 'Close or delete…', row: id });
    expect(page.errors).toEqual([]);
    await page.context().close();

    // Unlink (s's "My checking", linked in beforeAll): Escape puts focus back on Unlink.
    const p2 = await openAs(browser, s.email, '#/accounts', PHONE);
    const linked = accountRow(p2, 'My checking');
    await linked.locator('summary').focus();
    await p2.keyboard.press('Enter');
    await linked.getByRole('button', { name: 'Unlink' }).focus();
    await p2.keyboard.press('Enter');
    const unlink = p2.getByRole('dialog', { name: 'Unlink My checking' });
    await unlink.waitFor();
    await screenshot(p2, 'journey-phone-unlink', false);
    await p2.keyboard.press('Escape');
    await unlink.waitFor({ state: 'detached' });
    expect(await focused(p2)).toEqual({ text: 'Unlink', row: ids.target });
    await p2.context().close();
  }, 60_000);
});

describe('An investment account on a phone', () => {
  it('its wide tables scroll sideways by keyboard too (focusable, named regions; axe)', async () => {
    const u = await newSession('web-journey-phone-investments');
    const item = await connectItem(u, { products: ['transactions', 'investments'], webhook: true });
    await waitForImport(item.id);
    const [inv] = await sql`select a.id from public.accounts a join public.holdings h on h.account_id = a.id where a.user_id = ${u.user_id} limit 1`;
    const page = await openAs(browser, u.email, `#/accounts/${inv.id}`, PHONE);
    const holdings = page.getByRole('region', { name: 'Holdings table' });
    await holdings.locator('tbody tr').first().waitFor();
    await page.getByRole('region', { name: 'Investment activity table' }).waitFor();
    expect(await holdings.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true); // it does scroll on a phone
    await holdings.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => holdings.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    await screenshot(page, 'journey-phone-investments');
    await page.context().close();
  }, 60_000);
});

describe('After "Remove connection"', () => {
  it('the net worth block regroups the kept accounts at once, without a reload', async () => {
    const u = await newSession('web-journey-remove');
    const item = await connectItem(u, { products: ['transactions'], webhook: true });
    await waitForImport(item.id);
    const page = await openAs(browser, u.email, '#/accounts');
    const checking = page.getByTestId('kind-account').filter({ hasText: 'Plaid Checking' });
    expect(await checking.locator('.muted').textContent()).toBe('First Platypus Bank');
    await page.getByTestId('connection').getByRole('button', { name: 'Remove connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove First Platypus Bank?' });
    await dialog.getByLabel('Keep them as manual accounts').check();
    await dialog.getByRole('button', { name: 'Remove connection' }).click();
    await accountRow(page, 'Plaid Checking').getByText('Checking · from First Platypus Bank (disconnected)').waitFor();
    // The net worth block says what the rows say: the bank the kept accounts came from, disconnected.
    await expect.poll(() => checking.locator('.muted').textContent()).toBe('First Platypus Bank (disconnected)');
    await page.getByText('Totals by institution').click();
    expect(await page.locator('details.institutions li').allTextContents()).toEqual([expect.stringMatching(/^First Platypus Bank \(disconnected\)/)]);
    // And so does the account's own page.
    await checking.getByRole('link', { name: 'Plaid Checking' }).click();
    await page.getByText(/ · First Platypus Bank \(disconnected\)$/).waitFor();
    await screenshot(page, 'journey-after-remove-connection');
    await page.context().close();
  }, 60_000);
});
