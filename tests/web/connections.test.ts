// A connection's life on the Accounts page, in a real browser: status and "updated … ago", Sync now,
// Refresh balances and its rate limit (and a bank needing a new sign-in it finds), reconnecting after
// ITEM_LOGIN_REQUIRED through Link update mode, a webhook-driven new transaction appearing without a
// reload, removal with both choices.
// Items are connected through the exchange function (the browser flow is in connect.test.ts) with
// the product's webhook URL, so Plaid's webhooks reach plaid-webhook as they do in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { callFunction, connectItem, emulator, plaid } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, waitForImport } from '../support/sync.ts';
import { accountRow, connectionCard, launchBrowser, openAs, screenshot } from './support.ts';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });

async function connected(label: string, institutionId = 'ins_109508') {
  const s = await newSession(label);
  const item = await connectItem(s, { webhook: true, institutionId });
  await waitForImport(item.id);
  return { s, item };
}

describe('Accounts: a connection', () => {
  it('shows status and last update; Sync now; Refresh balances is disabled while rate-limited and says until when', async () => {
    const { s, item } = await connected('web-status');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    expect(await card.getByTestId('updated').textContent()).toMatch(/^Updated (just now|\d+ (second|minute)s? ago) · /);

    await card.getByRole('button', { name: 'Sync now' }).click();
    // Done: the card says what the sync changed, and the live region tells a screen reader.
    await page.getByTestId('announcer').getByText(/^First Platypus Bank: Updated .* · no new transactions$/).waitFor({ timeout: 20_000 });
    // The request went the product's way: a sync run triggered by the user.
    await expect.poll(async () => (await sql`select count(*)::int as n from public.sync_runs
      where item_id = ${item.id} and trigger = 'manual'`)[0].n, { timeout: 20_000 }).toBeGreaterThan(0);

    const refresh = card.getByRole('button', { name: 'Refresh balances' });
    await refresh.click();
    await card.getByTestId('connection-message').getByText('Balances refreshed.').waitFor();
    expect(await refresh.isDisabled()).toBe(true);
    await card.getByTestId('balance-note').getByText(/^Balances can be refreshed again at \d{1,2}:\d{2}\s?[AP]M \(in \d+ minutes\)\.$/).waitFor();
    await screenshot(page, 'accounts-balance-rate-limited');
    // The limit is the server's: a fresh page knows it too.
    await page.reload();
    await card.getByTestId('balance-note').getByText(/can be refreshed again at/).waitFor();
    expect(await card.getByRole('button', { name: 'Refresh balances' }).isDisabled()).toBe(true);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('a page that did not know about a refresh elsewhere gets 429 and shows when it is possible again', async () => {
    const { s, item } = await connected('web-429');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    const refresh = card.getByRole('button', { name: 'Refresh balances' });
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    // Freeze this page's view of the world (its polls fail), then refresh from "another tab".
    await page.route('**/functions/v1/plaid-accounts', (route) => route.abort());
    const elsewhere = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(elsewhere.status).toBe(200);
    await refresh.click();
    await card.getByTestId('connection-message').getByText(/Balances were refreshed recently\. To limit costs at the bank, you can refresh again at \d{1,2}:\d{2}\s?[AP]M\./).waitFor();
    expect(await refresh.isDisabled()).toBe(true);
    await card.getByTestId('balance-note').getByText(/can be refreshed again at/).waitFor();
    await page.context().close();
  }, 60_000);

  it('Refresh balances on a bank that needs a new sign-in nobody was told of: says so in words, then offers Reconnect', async () => {
    const { s, item } = await connected('web-balance-login');
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    await plaid('/item/webhook/update', { access_token: token, webhook: null }); // no ITEM: ERROR: only Plaid's answers tell
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    await emulator('POST', `/items/${await plaidItemId(item.id)}/login-required`);
    await card.getByRole('button', { name: 'Refresh balances' }).click();
    await card.getByTestId('connection-message').getByText(/Refreshing balances failed: The bank needs you to sign in again before balances can be refreshed: use Reconnect on this connection\./).waitFor();
    await card.getByTestId('connection-status').getByText('Sign-in required').waitFor();
    await card.getByRole('button', { name: 'Reconnect' }).waitFor();
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('reconnects after ITEM_LOGIN_REQUIRED through Link update mode', async () => {
    const { s, item } = await connected('web-reconnect');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    // Plaid's ITEM: ERROR webhook tells the product; the page learns it from its next refresh.
    await plaid('/sandbox/item/reset_login', { access_token: token });
    await card.getByTestId('connection-status').getByText('Sign-in required').waitFor();
    expect(await card.getByTestId('action-needed').textContent()).toContain('First Platypus Bank needs you to sign in again.');
    await screenshot(page, 'accounts-reconnect-needed');

    await card.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByRole('dialog', { name: 'Reconnect to First Platypus Bank' }).waitFor();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByTestId('plaid-link-submit-credentials').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await card.getByTestId('connection-message').getByText('First Platypus Bank is reconnected. Syncing now…').waitFor();
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    expect(await card.getByTestId('action-needed').isHidden()).toBe(true);
    const [row] = await sql`select status from public.plaid_items where id = ${item.id}`;
    expect(row.status).toBe('healthy');
    await screenshot(page, 'accounts-reconnected');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('offers new accounts Plaid announces and adds them through Link update mode with account selection', async () => {
    const { s, item } = await connected('web-new-accounts');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    await plaid('/sandbox/item/fire_webhook', { access_token: token, webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await card.getByTestId('action-needed').getByText('First Platypus Bank has new accounts you can add to Nestfolio.').waitFor();
    await card.getByRole('button', { name: 'Add new accounts' }).click();
    await page.getByRole('dialog', { name: 'Reconnect to First Platypus Bank' }).waitFor();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByTestId('plaid-link-submit-credentials').click();
    await page.getByTestId('plaid-link-account-list').waitFor(); // update mode with account selection
    await page.getByTestId('plaid-link-accounts-continue').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await card.getByTestId('connection-message').getByText('First Platypus Bank is updated; new accounts appear as they sync.').waitFor();
    await card.getByTestId('action-needed').waitFor({ state: 'hidden' });
    const [row] = await sql`select new_accounts_available from public.plaid_items where id = ${item.id}`;
    expect(row.new_accounts_available).toBe(false);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('removes a connection keeping its history as manual accounts, and another deleting everything', async () => {
    const s = await newSession('web-remove');
    const kept = await connectItem(s, { institutionId: 'ins_109508', webhook: true });
    const deleted = await connectItem(s, { institutionId: 'ins_109509', webhook: true });
    await Promise.all([waitForImport(kept.id), waitForImport(deleted.id)]);
    const page = await openAs(browser, s.email);
    const manual = page.getByTestId('manual-accounts');

    const platypus = connectionCard(page, 'First Platypus Bank');
    await platypus.getByRole('button', { name: 'Remove connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove First Platypus Bank?' });
    expect(await dialog.getByLabel('Keep them as manual accounts').isChecked()).toBe(true);
    await screenshot(page, 'accounts-remove-dialog', false);
    await dialog.getByRole('button', { name: 'Remove connection' }).click();
    await page.getByTestId('announcer').getByText(`First Platypus Bank was removed. ${kept.accounts.length} accounts were kept as manual accounts.`).waitFor();
    await platypus.waitFor({ state: 'detached' });
    await expect.poll(() => manual.getByTestId('account').count()).toBe(kept.accounts.length);
    // The kept history is still there to read.
    const checking = accountRow(page, 'Plaid Checking').and(manual.getByTestId('account'));
    await checking.locator('summary').click();
    await checking.getByTestId('transaction').first().waitFor();

    const gingham = connectionCard(page, 'First Gingham Credit Union');
    await gingham.getByRole('button', { name: 'Remove connection' }).click();
    const dialog2 = page.getByRole('dialog', { name: 'Remove First Gingham Credit Union?' });
    await dialog2.getByLabel('Delete them').check();
    await dialog2.getByRole('button', { name: 'Remove connection' }).click();
    await page.getByTestId('announcer').getByText('First Gingham Credit Union was removed with its accounts and transactions.').waitFor();
    await gingham.waitFor({ state: 'detached' });
    await screenshot(page, 'accounts-after-removals');

    const rows = await sql`select source, count(*)::int as n from public.accounts where user_id = ${s.user_id} group by source`;
    expect(rows).toEqual([{ source: 'manual', n: kept.accounts.length }]);
    const [{ n: items }] = await sql`select count(*)::int as n from public.plaid_items where user_id = ${s.user_id}`;
    expect(items).toBe(0);
    const [{ n: txOfDeleted }] = await sql`select count(*)::int as n from public.transactions where user_id = ${s.user_id} and item_id = ${deleted.id}`;
    expect(txOfDeleted).toBe(0);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('a record the bank sends that cannot be stored is set aside and the page says so in words; the rest syncs', async () => {
    const { s, item } = await connected('web-poison');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    expect(await card.getByTestId('quarantine-note').isHidden()).toBe(true);
    const plaidId = await plaidItemId(item.id);
    const [{ plaid_transaction_id: poisoned }] = await sql`select plaid_transaction_id from public.transactions where item_id = ${item.id} limit 1`;
    // The bank sends one transaction with a day that does not exist and a new one that is fine (webhook-driven sync).
    await emulator('PATCH', `/items/${plaidId}/transactions/${poisoned}`, { date: '0000-01-01' });
    await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 3.25, name: 'Fine Bakery' }] });
    const note = card.getByTestId('quarantine-note');
    await note.getByText(/^One record from First Platypus Bank could not be saved as the bank sent it \(for example, a date that does not exist\), so it was set aside\. Everything else from this connection was saved\./).waitFor({ timeout: 30_000 });
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    expect((await sql`select count(*)::int as n from public.transactions where item_id = ${item.id} and name = 'Fine Bakery'`)[0].n).toBe(1);
    await screenshot(page, 'accounts-record-set-aside');
    // "Sync now" while the item's bucket is empty: the user reads when to try again.
    await sql`insert into private.rate_limits (key, tat) values (${`sync_now:item:${item.id}`}, now() + interval '2 minutes')
      on conflict (key) do update set tat = excluded.tat`;
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByTestId('connection-message').getByText(/^Sync now was not done: too many requests in a short time\. Try again in \d+ s\.$/).waitFor();
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows a new transaction that arrives by Plaid webhook without a reload', async () => {
    const { s, item } = await connected('web-webhook');
    const page = await openAs(browser, s.email);
    const checking = accountRow(page, 'Plaid Checking');
    await checking.locator('summary').click();
    await checking.getByTestId('transaction').first().waitFor();
    const [{ plaid_account_id }] = await sql`select pa.plaid_account_id from public.plaid_accounts pa
      join public.accounts a on a.id = pa.account_id where pa.item_id = ${item.id} and a.name = 'Plaid Checking'`;
    // Plaid adds a transaction: the emulator sends SYNC_UPDATES_AVAILABLE to plaid-webhook, which
    // requests a sync; nobody calls anything by hand.
    await emulator('POST', `/items/${await plaidItemId(item.id)}/transactions`, {
      transactions: [{ amount: 4.75, name: 'Nestfolio Test Espresso', merchant_name: 'Nestfolio Test Espresso', account_id: plaid_account_id, pending: true }],
    });
    const row = checking.getByTestId('transaction').filter({ hasText: 'Nestfolio Test Espresso' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toMatch(/Nestfolio Test Espresso\s*Pending\s*−\$4\.75/);
    await screenshot(page, 'accounts-webhook-transaction');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
