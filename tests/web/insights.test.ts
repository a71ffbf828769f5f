// What users come for, in Chromium: the Accounts page opens on net worth (per currency, liabilities
// owed, groups by kind), net worth over time and an account's history as charts with tables, a card's
// credit and utilisation, holdings with gain, and the transactions explorer (search, filters in the
// address, pending apart, Show more, logos and their fallback, CSV export, errors in words). Every page
// is checked with axe (0 violations of any impact) and screenshotted into the test artifacts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { LocalSession } from '../../local/session.ts';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, waitForIdle, waitForImport } from '../support/sync.ts';
import { axeViolations, DESKTOP, launchBrowser, openAs, PHONE, screenshot, unnamedControls, webUrl } from './support.ts';

let browser: Browser;
let s: LocalSession;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  browser = await launchBrowser();
  s = await newSession('web-insights');
  const item = await connectItem(s, { products: ['transactions', 'liabilities', 'investments'], webhook: true });
  // Plaid's Sandbox sends a new Item's history in steps (SYNC_UPDATES_AVAILABLE): wait for all of it.
  await waitForImport(item.id);
  for (const p of ['liabilities', 'investments']) await waitForIdle(item.id, p);
  await callFunction('accounts-manual', { action: 'create', name: 'Flat in Lyon', type: 'other', current_balance: '180000.00', currency: 'EUR' }, { session: s });
}, 90_000);
afterAll(async () => { await browser?.close(); });

async function open(route: string, viewport = DESKTOP): Promise<Page & { errors: string[] }> {
  const page = await openAs(browser, s.email, route, viewport);
  // Merchant logos: Starbucks' loads, every other one fails (the row falls back to an initial).
  await page.route('https://plaid-merchant-logos.plaid.com/**', (r) => r.request().url().includes('starbucks')
    ? r.fulfill({ status: 200, contentType: 'image/png', body: PNG }) : r.fulfill({ status: 404 }));
  return page;
}

describe('Net worth', () => {
  it('the Accounts page opens on net worth per currency, debts owed, groups by kind then institution', async () => {
    const page = await open('#/accounts');
    const truth = (await callFunction('net-worth', {}, { session: s })).body;
    const usd = page.getByTestId('net-worth-total').and(page.locator('[data-currency="USD"]'));
    await usd.waitFor();
    const usdTotal = truth.totals.find((t: { currency: string }) => t.currency === 'USD');
    expect(await usd.locator('.amount').textContent()).toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(Number(usdTotal.net_worth)));
    expect(await page.getByTestId('net-worth-total').and(page.locator('[data-currency="EUR"]')).locator('.amount').textContent()).toBe('€180,000.00');
    expect(await page.getByTestId('kind-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))))
      .toEqual(['cash', 'credit', 'loan', 'investment', 'other']);
    const loans = page.getByTestId('kind-group').and(page.locator('[data-kind="loan"]'));
    expect(await loans.getByTestId('kind-account').filter({ hasText: 'Plaid Mortgage' }).locator('.amount').textContent()).toBe('$56,302.06 owed');
    // The net worth block comes before the connections.
    const order = await page.evaluate(() => {
      const nw = document.querySelector('[data-testid="net-worth-summary"]')!;
      const conn = document.querySelector('[data-testid="connection"]')!;
      return nw.compareDocumentPosition(conn) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(order).toBeTruthy();
    await screenshot(page, 'insights-accounts-net-worth');
    expect(await axeViolations(page)).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  it('net worth over time: a chart per currency, a range picker, a table with every day', async () => {
    const page = await open('#/net-worth');
    const series = page.getByTestId('net-worth-series').and(page.locator('[data-currency="USD"]'));
    await series.locator('canvas').first().waitFor();
    await page.getByRole('button', { name: '1M (one month)' }).click();
    await page.getByTestId('announcer').getByText('Showing net worth for 1M.').waitFor();
    const history = (await callFunction('net-worth', { range: '1M' }, { session: s })).body.history;
    const points = history.series.find((x: { currency: string }) => x.currency === 'USD').points;
    await series.getByText('Show as a table').click();
    await expect.poll(() => series.locator('tbody tr').count()).toBe(points.length);
    expect(await page.getByRole('button', { name: '1M (one month)' }).getAttribute('aria-pressed')).toBe('true');
    expect(await series.locator('figcaption').textContent()).toMatch(/^Net worth in USD (up|down|unchanged).*Earlier days are estimated/);
    await screenshot(page, 'insights-net-worth-1m');
    expect(await axeViolations(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('a card: history, available credit, utilisation, and leaving it out of net worth', async () => {
    const [card] = await sql`select a.id from public.accounts a where a.user_id = ${s.user_id} and a.type = 'credit'`;
    const page = await open(`#/accounts/${card.id}`);
    await page.getByRole('heading', { name: 'Plaid Credit Card', level: 1 }).waitFor();
    await page.getByTestId('card-credit').getByText('Available credit: $1,590.00 of $2,000.00').waitFor();
    expect(await page.getByTestId('card-credit').getByRole('meter').getAttribute('value')).toBe('20.5');
    await page.getByTestId('chart').locator('canvas').first().waitFor();
    await screenshot(page, 'insights-card');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Count this account in net worth').uncheck();
    await page.getByText('Left out of net worth.').waitFor();
    expect((await sql`select exclude_from_totals from public.accounts where id = ${card.id}`)[0].exclude_from_totals).toBe(true);
    await page.getByRole('link', { name: '← Accounts' }).click();
    const credit = page.getByTestId('kind-group').and(page.locator('[data-kind="credit"]'));
    await credit.getByText('Not in totals').waitFor();
    await page.getByText(/Not counted: Plaid Credit Card \(left out by you\)/).waitFor();
    await callFunction('accounts-manual', { action: 'update', account_id: card.id, exclude_from_totals: false }, { session: s });
  });

  it('an investment account: holdings with price, value, cost basis and gain; its activity', async () => {
    const [inv] = await sql`select a.id from public.accounts a join public.holdings h on h.account_id = a.id where a.user_id = ${s.user_id} limit 1`;
    const page = await open(`#/accounts/${inv.id}`);
    const table = page.getByTestId('holdings-table');
    await table.locator('tbody tr').first().waitFor();
    const [top] = await sql`select institution_value::text as v from public.holdings where account_id = ${inv.id} order by institution_value desc limit 1`;
    expect(await table.locator('tbody tr').first().locator('td').nth(2).textContent())
      .toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(Number(top.v)));
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Security', 'Quantity', 'Price', 'Value', 'Cost basis', 'Gain']);
    await page.getByTestId('investment-transactions').waitFor();
    await screenshot(page, 'insights-investments');
    expect(await axeViolations(page)).toEqual([]);
  });
});

describe('Transactions explorer', () => {
  it('searches, filters (kept in the address), keeps pending apart, pages with Show more, shows logos or initials', async () => {
    // At least one pending transaction, whatever the generated history holds (Plaid's Sandbox has some
    // only in its last two days, at random): one of today's, on the checking account.
    await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, merchant_name, pending)
      select a.user_id, a.id, pa.item_id, ${`pending-${crypto.randomUUID()}`}, 4.5, current_date, 'Blue Bottle Coffee', 'Blue Bottle', true
      from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where a.user_id = ${s.user_id} and a.name = 'Plaid Checking'`;
    const page = await open('#/transactions');
    await page.getByTestId('pending-section').getByTestId('explorer-transaction').first().waitFor();
    expect(await page.getByTestId('pending-section').locator('.badge').first().textContent()).toBe('Pending');
    await page.getByLabel('Search merchant or description').fill('starbucks');
    await page.getByLabel('Status').selectOption('posted');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => location.hash.includes('query=starbucks'));
    const posted = page.getByTestId('posted-section').getByTestId('explorer-transaction');
    await expect.poll(async () => (await posted.allTextContents()).every((t) => /starbucks/i.test(t)) && await posted.count() > 0).toBe(true);
    expect(await page.getByTestId('pending-section').isHidden()).toBe(true);
    const [{ n }] = await sql`select count(*)::int as n from public.transactions where user_id = ${s.user_id} and not pending
      and (coalesce(merchant_name, '') || ' ' || name) ilike '%starbucks%'`;
    while (await page.getByRole('button', { name: 'Show more transactions' }).isVisible()) {
      const before = await posted.count();
      await page.getByRole('button', { name: 'Show more transactions' }).click();
      await expect.poll(() => posted.count()).toBeGreaterThan(before);
    }
    expect(await posted.count()).toBe(n);
    const ids = await posted.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(new Set(ids).size).toBe(ids.length);
    // Starbucks' logo loaded; a failing logo falls back to the merchant's initial.
    await expect.poll(() => posted.first().locator('img.logo').count()).toBe(1);
    expect(await posted.first().locator('.tx-meta').textContent()).toMatch(/^Food & drink · Coffee · /);

    // The address keeps the filters: a reload shows the same view.
    await page.reload();
    expect(await page.getByLabel('Search merchant or description').inputValue()).toBe('starbucks');
    expect(await page.getByLabel('Status').inputValue()).toBe('posted');
    await page.getByLabel('Search merchant or description').fill('uber');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => (await posted.allTextContents()).every((t) => /uber/i.test(t))).toBe(true);
    await expect.poll(() => posted.first().locator('.logo-fallback').textContent()).toBe('U');
    await screenshot(page, 'insights-explorer');
    expect(await axeViolations(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    // A whole journey (it pages through every matching row): past 30 s on two loaded cores.
  }, 90_000);

  it('exports the filtered list as a CSV file', async () => {
    const page = await open('#/transactions?query=uber&status=posted');
    await page.getByTestId('explorer-transaction').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^nestfolio-transactions-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('date,authorized_date,status,account,name,merchant,amount,currency,category,category_detail,payment_channel,transaction_id');
    const [{ n }] = await sql`select count(*)::int as n from public.transactions where user_id = ${s.user_id} and not pending
      and (coalesce(merchant_name, '') || ' ' || name) ilike '%uber%'`;
    expect(lines.length - 1).toBe(n);
    await page.getByText('The CSV was downloaded.').waitFor();
  });

  it('explains bad filters and an unreachable backend in words, on a phone', async () => {
    const page = await open('#/transactions', PHONE);
    await page.getByTestId('explorer-transaction').first().waitFor();
    await page.getByLabel('Amount at least').fill('50');
    await page.getByLabel('Amount at most').fill('5');
    let searches = 0;
    page.on('request', (r) => { if (r.url().includes('transactions-search')) searches++; });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Check the filters: "Amount at least" is more than "Amount at most".').waitFor();
    expect(searches).toBe(0);
    await page.route('**/functions/v1/transactions-search', (r) => r.abort());
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByText('Loading transactions failed: Nestfolio could not be reached. Check your connection and try again.').waitFor();
    await screenshot(page, 'insights-explorer-phone-offline');
    // Nothing is wider than the phone's screen (the nav of four pages wraps).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await axeViolations(page)).toEqual([]);
  });
});

it('the nav names every page', async () => {
  const page = await open('#/net-worth');
  await page.getByRole('heading', { name: 'Net worth', level: 1 }).waitFor();
  expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents())
    .toEqual(['Setup Hub', 'Accounts', 'Transactions', 'Net worth']);
  expect(webUrl()).toMatch(/^http/);
});
