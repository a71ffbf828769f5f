// A connection's life in a real browser (issue 15): an OAuth bank connected and reconnected through the
// bank's own page and back (the link token kept across the redirect), Link's accounts that are already
// connected (reconnect, or add only the new ones), a revoked bank connected again with its history,
// "Delete all my bank data", and a bank outage said in words with the next retry. axe checks each page
// state; screenshots go to the test artifacts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { callFunction, connectItem, emulator, exchangeLink, plaid, runLinkSession } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, syncNow, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';
import { axeViolations, connectionCard, launchBrowser, openAs, screenshot } from './support.ts';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });

/** axe on our pages only (Plaid's Link modal is Plaid's). */
const ours = (page: Page) => axeViolations(page, { exclude: ['[data-testid="plaid-link-overlay"]'] });

/** The OAuth bank's own page: sign in and allow access. */
async function atTheBank(page: Page) {
  await page.waitForURL((u) => u.pathname === '/__emulator/oauth/authorize');
  await page.getByLabel('Username').fill('user_good');
  await page.getByLabel('Password').fill('pass_good');
  await page.getByTestId('oauth-bank-allow').click();
}

/** Link for a new connection up to the bank's account list, all accounts shared. */
async function linkAllAccounts(page: Page, bank = 'First Platypus Bank') {
  await page.getByTestId('plaid-link-consent-continue').click();
  await page.getByLabel('Search institutions').fill(bank);
  await page.getByRole('button', { name: bank, exact: true }).click();
  await page.getByLabel('Username').fill('user_good');
  await page.getByLabel('Password').fill('pass_good');
  await page.getByTestId('plaid-link-submit-credentials').click();
  await page.getByTestId('plaid-link-accounts-continue').click();
  await page.getByTestId('plaid-link-success-continue').click();
}

const itemsOf = async (userId: string) => (await sql`select id, institution_id, status from public.plaid_items where user_id = ${userId} order by created_at`).map((r) => ({ ...r }));

describe('OAuth banks', () => {
  it('connects through the bank\'s page and back, then reconnects (update mode) the same way', async () => {
    const s = await newSession('web-oauth');
    const page = await openAs(browser, s.email, '#/setup');
    await page.getByRole('button', { name: 'Connect accounts' }).click();
    await page.getByTestId('plaid-link-consent-continue').click();
    await page.getByLabel('Search institutions').fill('Platypus OAuth Bank');
    await page.getByRole('button', { name: 'Platypus OAuth Bank', exact: true }).click();
    await page.getByTestId('plaid-link-oauth-continue').click();
    await atTheBank(page);
    // Back at the app: Link re-opens with the kept link token and finishes the same session.
    await page.getByTestId('plaid-link-account-list').waitFor();
    expect(new URL(page.url()).searchParams.has('oauth_state_id')).toBe(false); // a reload cannot replay it
    await page.getByTestId('plaid-link-accounts-continue').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await page.getByTestId('import-progress').getByText(/Platypus OAuth Bank/).waitFor();
    const [item] = await itemsOf(s.user_id);
    expect(item).toMatchObject({ institution_id: 'ins_127287', status: 'healthy' });
    expect(await ours(page)).toEqual([]);
    await screenshot(page, 'oauth-connected');
    await waitForImport(item.id);

    // The bank asks for consent again: update mode goes through the bank too.
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    await plaid('/sandbox/item/reset_login', { access_token: token });
    await page.goto(page.url().replace(/#.*$/, '#/accounts'));
    const card = connectionCard(page, 'Platypus OAuth Bank');
    await card.getByTestId('connection-status').getByText('Sign-in required').waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByTestId('plaid-link-oauth-continue').click();
    await atTheBank(page);
    await page.getByTestId('plaid-link-success-continue').click();
    await card.getByTestId('connection-message').getByText('Platypus OAuth Bank is reconnected. Syncing now…').waitFor({ timeout: 20_000 });
    await card.getByTestId('connection-status').getByText(/Up to date|Syncing…/).waitFor();
    expect((await itemsOf(s.user_id)).map((i) => i.status)).toEqual(['healthy']);
    expect(await ours(page)).toEqual([]);
    await screenshot(page, 'oauth-reconnected');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('coming back from the bank in a tab that did not start it says so and connects nothing', async () => {
    const s = await newSession('web-oauth-stray');
    const page = await openAs(browser, s.email, '?oauth_state_id=not-ours#/setup');
    await page.getByTestId('connect-error').getByText(/started in another tab or has expired\. Nothing was connected/).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await itemsOf(s.user_id)).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('Link\'s accounts already connected', () => {
  it('offers to add only the new accounts, and connects just those', async () => {
    const s = await newSession('web-dup');
    const first = await exchangeLink(s, await runLinkSession(s, { masks: ['0000', '1111'] }));
    expect(first.status).toBe(201);
    const page = await openAs(browser, s.email, '#/setup');
    await page.getByRole('button', { name: 'Connect accounts' }).click();
    await linkAllAccounts(page);
    const dialog = page.getByRole('dialog', { name: 'First Platypus Bank is already connected' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('duplicate-accounts').textContent()).toMatch(/Plaid Checking ••0000: already in Nestfolio.*Plaid CD ••2222: new/);
    expect(await dialog.getByLabel(/^Add only the new accounts/).isChecked()).toBe(true);
    expect(await ours(page)).toEqual([]);
    await screenshot(page, 'duplicate-dialog', false);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    // Only the nine accounts Nestfolio did not have are connected.
    await page.getByTestId('import-progress').getByText(/First Platypus Bank is connected: 9 accounts/).waitFor({ timeout: 30_000 });
    const perMask = await sql`select pa.mask, count(*)::int as n from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where a.user_id = ${s.user_id} group by pa.mask`;
    expect(perMask.every((r) => r.n === 1)).toBe(true);
    expect(perMask).toHaveLength(11);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('all of them connected: cancelling connects nothing and says so', async () => {
    const s = await newSession('web-dup-all');
    await connectItem(s, { ready: false });
    const page = await openAs(browser, s.email, '#/setup');
    await page.getByRole('button', { name: 'Connect accounts' }).click();
    await linkAllAccounts(page);
    const dialog = page.getByRole('dialog', { name: 'First Platypus Bank is already connected' });
    await dialog.waitFor();
    expect(await dialog.getByRole('radio').count()).toBe(1); // reconnect only: nothing is new
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('connect-message').getByText('Nothing was connected: First Platypus Bank is already in Nestfolio.').waitFor();
    expect(await itemsOf(s.user_id)).toHaveLength(1);
    await page.context().close();
  }, 60_000);
});

describe('revoked → Connect again', () => {
  it('connects the bank again, keeping the accounts and their history', async () => {
    const s = await newSession('web-revoked');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const accountIds = (await sql`select id from public.accounts where user_id = ${s.user_id} order by id`).map((r) => r.id);
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    await plaid('/sandbox/item/fire_webhook', { access_token: token, webhook_code: 'USER_PERMISSION_REVOKED' });
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Access revoked').waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('action-needed').textContent()).toMatch(/Connect First Platypus Bank again to restore them: your accounts and their history are kept\./);
    expect(await ours(page)).toEqual([]);
    await screenshot(page, 'revoked');
    await card.getByRole('button', { name: 'Connect again' }).click();
    await linkAllAccounts(page);
    const restored = connectionCard(page, 'First Platypus Bank');
    await page.getByTestId('announcer').getByText(/First Platypus Bank is connected again; your accounts and their history are kept/).waitFor();
    await eventually(() => itemsOf(s.user_id), (items) => items.length === 1 && items[0].id !== item.id && items[0].status === 'healthy', 20_000, { what: 'replaced' });
    expect((await sql`select id from public.accounts where user_id = ${s.user_id} order by id`).map((r) => r.id)).toEqual(accountIds);
    await restored.getByTestId('connection-status').getByText(/Up to date|Importing…|Syncing…/).waitFor();
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('Delete all my bank data', () => {
  it('asks for confirmation, then deletes every connection and account', async () => {
    const s = await newSession('web-delete-all');
    const item = await connectItem(s, { webhook: true, ready: false });
    await callFunction('accounts-manual', { action: 'create', name: 'Cash jar', type: 'depository' }, { session: s });
    const page = await openAs(browser, s.email);
    await connectionCard(page, 'First Platypus Bank').waitFor();
    await page.getByRole('button', { name: 'Delete all my bank data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete all your bank data?' });
    await dialog.getByLabel('Type delete to confirm').fill('yes');
    await dialog.getByRole('button', { name: 'Delete all my bank data' }).click();
    await dialog.getByRole('alert').getByText('Type delete to confirm.').waitFor();
    expect((await itemsOf(s.user_id))).toHaveLength(1); // nothing was sent
    expect(await ours(page)).toEqual([]);
    await screenshot(page, 'delete-all-dialog', false);
    await dialog.getByLabel('Type delete to confirm').fill('delete');
    await dialog.getByRole('button', { name: 'Delete all my bank data' }).click();
    await page.getByTestId('announcer').getByText(/^Deleted 1 connection, 12 accounts and \d+ transactions?\.$/).waitFor();
    await page.getByText('No accounts yet.', { exact: false }).waitFor();
    expect(await itemsOf(s.user_id)).toEqual([]);
    expect((await emulator<{ removed: boolean }>('GET', `/items/${(await sql`select plaid_item_id from private.plaid_item_removals where item_id = ${item.id}`)[0].plaid_item_id}`)).removed).toBe(true);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('a bank outage', () => {
  it('says what failed and when it is retried, not "Syncing…"', async () => {
    const s = await newSession('web-outage');
    // No webhooks for this item: a SYNC_UPDATES_AVAILABLE would (rightly) retry at once, "Syncing…" again.
    const item = await connectItem(s);
    await syncNow(item.id);
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults',
      { endpoint: '/transactions/sync', error_code: 'INSTITUTION_DOWN', count: 30, item_id: await plaidItemId(item.id) });
    try {
      const page = await openAs(browser, s.email);
      const card = connectionCard(page, 'First Platypus Bank');
      // (A webhook-driven sync may meet the outage first; Sync now certainly does.)
      await card.getByRole('button', { name: 'Sync now' }).click();
      await card.getByTestId('connection-status').getByText('Update failed, retrying').waitFor({ timeout: 20_000 });
      const note = await card.getByTestId('action-needed').textContent();
      expect(note).toMatch(/Nestfolio tries again at \d{1,2}:\d{2}\s?[AP]M \(in \d+ minutes?\); nothing is needed from you\.$/);
      expect(await card.getByTestId('action-needed').isVisible()).toBe(true);
      expect(await card.getByTestId('connection-status').textContent()).toBe('Update failed, retrying');
      expect(await ours(page)).toEqual([]);
      await screenshot(page, 'outage');
      expect(page.errors).toEqual([]);
      await page.context().close();
    } finally {
      await emulator('DELETE', `/faults/${fault.id}`).catch(() => {});
    }
  }, 60_000);
});
