// An Accounts page that never misleads (issue 18, items 1, 2, 3 and 7), in Chromium: a status that is
// always true and says what changed, a backend that is down or answers garbage, what needs the user
// counted everywhere, and the small things (disclosures, focus, headings, a remembered view, Refresh
// all within the rate limits). Each screenshot also checks the page with axe (tests/web/support.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { connectItem, emulator, plaid } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, syncNow, waitForIdle, waitForImport } from '../support/sync.ts';
import { accountRow, connectionCard, launchBrowser, openAs, screenshot } from './support.ts';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });

/** A connection without webhooks (nothing syncs unless asked), its history imported. */
async function imported(s: Awaited<ReturnType<typeof newSession>>, institutionId = 'ins_109508') {
  const item = await connectItem(s, { institutionId });
  await syncNow(item.id);
  await waitForImport(item.id);
  return item;
}

async function connected(label: string) {
  const s = await newSession(label);
  return { s, item: await imported(s) };
}

/** Records, on every change of a card, any moment it says two things that cannot both be true. */
async function watchContradictions(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { contradictions: string[] }).contradictions = seen;
    const check = () => {
      for (const card of document.querySelectorAll('[data-testid="connection"]')) {
        const badge = card.querySelector('[data-testid="connection-status"]')?.textContent ?? '';
        const rest = [...card.querySelectorAll('[data-testid="updated"], [data-testid="connection-message"]')].map((e) => e.textContent).join(' | ');
        if (/Up to date/.test(badge) && /Importing|Sync requested|updating|Checking/i.test(rest)) seen.push(`${badge} beside ${rest}`);
      }
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { contradictions: string[] }).contradictions);
}

/** A poll now, as the tab becoming visible again does. */
const poll = (page: Page) => page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));

describe('1. status is always true', () => {
  it('Sync now shows syncing, then what changed; a balance refresh counts; an account older than its connection says so', async () => {
    const { s, item } = await connected('web-truth');
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');
    const status = card.getByTestId('connection-status');
    await status.getByText('Up to date').waitFor();
    const contradictions = await watchContradictions(page);

    // Three new transactions at the bank; "Sync now" brings them, and the card says so in numbers.
    const [{ plaid_item_id, plaid_account_id }] = await sql`select i.plaid_item_id, pa.plaid_account_id from public.plaid_items i
      join public.plaid_accounts pa on pa.item_id = i.id join public.accounts a on a.id = pa.account_id
      where i.id = ${item.id} and a.name = 'Plaid Checking'`;
    await emulator('POST', `/items/${plaid_item_id}/transactions`, { transactions: [1, 2, 3].map((n) =>
      ({ amount: n, name: `Coffee ${n}`, account_id: plaid_account_id })) });
    const clicked = new Date();
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByTestId('updated').getByText(/^Updated (just now|\d+ seconds? ago) · 3 new transactions$/).waitFor({ timeout: 20_000 });
    await status.getByText('Up to date').waitFor();
    await page.getByTestId('announcer').getByText(/First Platypus Bank: Updated .* · 3 new transactions/).waitFor();
    const [{ added }] = await sql`select sum(added)::int as added from public.sync_runs where item_id = ${item.id} and trigger = 'manual' and outcome = 'succeeded' and started_at >= ${clicked}`;
    expect(added).toBe(3);
    expect(await card.getByTestId('connection-message').textContent()).toBe('');
    await screenshot(page, 'status-synced-with-result');

    // Two hours pass without a sync; then the user refreshes balances: that is an update too.
    await waitForIdle(item.id);
    await sql`update public.plaid_sync_state set last_synced_at = now() - interval '2 hours' where item_id = ${item.id}`;
    await poll(page);
    await card.getByTestId('updated').getByText(/^Updated 2 hours ago/).waitFor();
    await card.getByRole('button', { name: 'Refresh balances' }).click();
    await card.getByTestId('updated').getByText(/^Balances updated (just now|\d+ seconds? ago); transactions 2 hours ago/).waitFor();

    // One account the bank stopped reporting three days ago: its own age, the others none.
    await sql`update public.accounts a set balance_updated_at = now() - interval '3 days' from public.plaid_accounts pa
      where pa.account_id = a.id and pa.item_id = ${item.id} and a.name = 'Plaid Saving'`;
    await poll(page);
    await accountRow(page, 'Plaid Saving').getByTestId('account-freshness').getByText('Balance from 3 days ago').waitFor();
    expect(await accountRow(page, 'Plaid Checking').getByTestId('account-freshness').count()).toBe(0);
    await screenshot(page, 'status-balances-and-stale-account');
    expect(await contradictions()).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('2. backend unreachable or erroring', () => {
  it('says what failed with Retry, shows no false empty state nor raw server text, and clears when back', async () => {
    const { s } = await connected('web-down');
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    await context.addInitScript((e) => localStorage.setItem('nestfolio.localUser', e), s.email);
    // Down from the start: every function call fails to connect.
    await context.route('**/functions/v1/**', (route) => route.abort('connectionrefused'));
    const page = await context.newPage();
    const { webUrl } = await import('./support.ts');
    await page.goto(`${webUrl()}/#/accounts`);
    const error = page.getByTestId('page-error');
    await error.getByText('Loading your accounts failed: Nestfolio could not be reached. Check your connection and try again.').waitFor();
    expect(await page.getByText('Loading your accounts…').isVisible()).toBe(false);
    expect(await page.getByText(/No manual accounts|No accounts yet|Loading your net worth/).filter({ visible: true }).count()).toBe(0);
    await screenshot(page, 'backend-unreachable');

    // A gateway's HTML page and a stranger's JSON: never shown as they came.
    await context.unroute('**/functions/v1/**');
    await context.route('**/functions/v1/**', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>nginx 502 Bad Gateway upstream=10.0.0.7</body></html>' }));
    await error.getByRole('button', { name: 'Retry' }).click();
    await error.getByText("Loading your accounts failed: Nestfolio's server did not answer properly (error 502). Please try again in a minute.").waitFor();
    await context.unroute('**/functions/v1/**');
    await context.route('**/functions/v1/**', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ message: 'relation "private.secret_things" does not exist' }) }));
    await error.getByRole('button', { name: 'Retry' }).click();
    await error.getByText(/error 500/).waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(/nginx|10\.0\.0\.7|secret_things|relation/);

    // Back: the accounts, no error left.
    await context.unroute('**/functions/v1/**');
    await error.getByRole('button', { name: 'Retry' }).click();
    const card = connectionCard(page, 'First Platypus Bank');
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    await error.waitFor({ state: 'hidden' });
    await page.getByTestId('manual-accounts').getByText(/No manual accounts/).waitFor();

    // Down again while showing data: the data stays, its status is not claimed, and it says since when.
    await context.route(/\/functions\/v1\/plaid-(accounts|sync)$/, (route) => route.abort('connectionrefused'));
    await poll(page);
    await card.getByTestId('connection-status').getByText('Status unconfirmed').waitFor();
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByTestId('connection-message').getByText('Sync now failed: Nestfolio could not be reached. Check your connection and try again.').waitFor();
    expect(await card.getByTestId('updated').textContent()).toMatch(/^Last known: Up to date\. Updated/);
    expect(await error.textContent()).toMatch(/Updating your accounts failed: .* What you see was loaded (just now|\d+ (second|minute)s? ago); statuses are not confirmed until it works again\./);
    await screenshot(page, 'backend-down-stale-data');
    await context.unroute(/\/functions\/v1\/plaid-(accounts|sync)$/);
    await poll(page);
    await card.getByTestId('connection-status').getByText('Up to date').waitFor();
    await error.waitFor({ state: 'hidden' });
    // The card's own error of that time is gone too.
    await card.getByTestId('connection-message').getByText(/failed/).waitFor({ state: 'detached' });
    await context.close();
  }, 60_000);

  it('the Setup Hub says what failed with Retry, and the message goes when the backend is back', async () => {
    const s = await newSession('web-down-hub');
    const page = await openAs(browser, s.email, '#/setup');
    await page.getByRole('heading', { name: 'Setup Hub' }).waitFor();
    await page.context().route('**/functions/v1/plaid-accounts', (route) => route.abort('connectionrefused'));
    await poll(page);
    const error = page.getByTestId('load-error');
    await error.getByText(/^Loading your connections failed: Nestfolio could not be reached/).waitFor();
    await screenshot(page, 'setup-hub-backend-unreachable');
    await page.context().unroute('**/functions/v1/plaid-accounts');
    await error.getByRole('button', { name: 'Retry' }).click();
    await error.waitFor({ state: 'hidden' });
    await page.context().close();
  }, 60_000);
});

describe('3. needs attention, everywhere', () => {
  it('counts connections that need the user in the header and lists them on the Setup Hub; the app opens on Accounts', async () => {
    const s = await newSession('web-attention');
    const [login, added, fine] = await Promise.all([
      connectItem(s, { institutionId: 'ins_109508', webhook: true }),
      connectItem(s, { institutionId: 'ins_109509', webhook: true }),
      connectItem(s, { institutionId: 'ins_127287', webhook: true }),
    ]);
    await Promise.all([login, added, fine].map((i) => waitForImport(i.id)));
    const [{ token }] = await sql`select private.read_item_access_token(${login.id}) as token`;
    await plaid('/sandbox/item/reset_login', { access_token: token });
    const [{ token: token2 }] = await sql`select private.read_item_access_token(${added.id}) as token`;
    await plaid('/sandbox/item/fire_webhook', { access_token: token2, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await expect.poll(async () => (await sql`select count(*)::int as n from public.item_overview
      where id in (${login.id}, ${added.id}) and action_needed in ('reconnect', 'new_accounts')`)[0].n, { timeout: 20_000 }).toBe(2);
    const names = Object.fromEntries((await sql`select id, institution_name from public.plaid_items where user_id = ${s.user_id}`)
      .map((r) => [r.id, r.institution_name]));

    // No page named: something is connected, so Accounts.
    const page = await openAs(browser, s.email, '');
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/accounts');
    const count = page.getByTestId('attention-count');
    await count.getByText('2', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Accounts\W*2 connections need your attention$/ }).waitFor();
    await screenshot(page, 'attention-accounts');

    await page.getByRole('link', { name: /^Setup Hub/ }).click();
    const list = page.getByTestId('needs-attention');
    await list.getByRole('heading', { name: '2 connections need your attention' }).waitFor();
    expect(await list.getByTestId('attention-item').allTextContents()).toEqual(expect.arrayContaining([
      `${names[login.id]} needs you to sign in again`, `${names[added.id]} has new accounts you can add`]));
    await screenshot(page, 'attention-setup-hub');

    // The count follows: reconnecting one leaves one.
    await sql`update public.plaid_items set new_accounts_available = false where id = ${added.id}`;
    await poll(page);
    await list.getByRole('heading', { name: 'A connection needs your attention' }).waitFor();
    await count.getByText('1', { exact: true }).waitFor();
    expect(page.errors).toEqual([]);
    await page.context().close();

    // Nothing connected yet: the Setup Hub.
    const fresh = await newSession('web-attention-new');
    const first = await openAs(browser, fresh.email, '');
    await first.getByRole('heading', { name: 'Setup Hub', level: 1 }).waitFor();
    expect(new URL(first.url()).hash).toBe('#/setup');
    expect(await first.getByTestId('attention-count').isVisible()).toBe(false);
    await first.context().close();
  }, 90_000);
});

describe('7. small things', () => {
  it('rows show they expand, Show more keeps focus, headings are in order, Show hidden survives a reload', async () => {
    const { s } = await connected('web-small');
    const page = await openAs(browser, s.email);
    const row = accountRow(page, 'Plaid Checking');
    const summary = row.locator('summary');
    const chevron = () => summary.locator('.disclosure').evaluate((e) => getComputedStyle(e).transform);
    await summary.waitFor();
    expect(await summary.getAttribute('aria-expanded')).toBe('false');
    const closed = await chevron();
    expect(await summary.locator('.disclosure').isVisible()).toBe(true);
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => summary.getAttribute('aria-expanded')).toBe('true');
    expect(await chevron()).not.toBe(closed);
    await row.getByTestId('transaction').first().waitFor();
    // The net worth's "Totals by institution" shows it too.
    const totals = page.getByTestId('net-worth-summary').locator('summary', { hasText: 'Totals by institution' });
    const marker = () => totals.evaluate((e) => getComputedStyle(e, '::before').transform);
    const folded = await marker();
    await totals.click();
    await expect.poll(marker).not.toBe(folded);

    // "Show more" by keyboard: focus stays on it while more remain.
    const more = row.getByRole('button', { name: 'Show more transactions' });
    await more.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => row.getByTestId('transaction').count()).toBe(20);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Show more transactions');
    await screenshot(page, 'small-things-open-row');

    // Hide an account, show hidden ones, reload: still shown.
    await row.getByRole('button', { name: 'Hide from lists' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Show hidden accounts').check();
    await accountRow(page, 'Plaid Checking').getByText('Hidden').waitFor();
    await page.reload();
    await accountRow(page, 'Plaid Checking').getByText('Hidden').waitFor();
    expect(await page.getByLabel('Show hidden accounts').isChecked()).toBe(true);
    await screenshot(page, 'small-things-hidden-shown');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('Refresh all refreshes every connection, waits out a 429 and says which waited and which were skipped', async () => {
    const s = await newSession('web-refresh-all');
    const [a, b, c] = await Promise.all([imported(s, 'ins_109508'), imported(s, 'ins_109509'), imported(s, 'ins_127287')]);
    // a's balances were refreshed a moment ago (the per-connection interval); c needs the user.
    await sql`update public.plaid_items set last_balance_refresh_at = now() where id = ${a.id}`;
    await sql`update public.plaid_items set status = 'login_required' where id = ${c.id}`;
    const names = Object.fromEntries((await sql`select id, institution_name from public.plaid_items where user_id = ${s.user_id}`)
      .map((r) => [r.id, r.institution_name]));
    const page = await openAs(browser, s.email);
    await connectionCard(page, names[c.id]).getByTestId('connection-status').getByText('Sign-in required').waitFor();

    // The server's per-user limit answers b's first sync request with 429 and Retry-After: 2.
    let refused = 0;
    await page.context().route('**/functions/v1/plaid-sync', async (route) => {
      if (refused === 0 && route.request().postDataJSON()?.item_id === b.id) {
        refused++;
        const next = new Date(Date.now() + 2_000).toISOString();
        return route.fulfill({ status: 429, headers: { 'Retry-After': '2' }, contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Sync now: too many requests; try again in 2 s', details: { retry_after_seconds: 2, next_allowed_at: next } } }) });
      }
      return route.continue();
    });
    const started = new Date();
    await page.getByRole('button', { name: 'Refresh all' }).click();
    const message = page.getByTestId('page-message');
    await message.getByText(new RegExp(`^Too many refresh requests in a short time: Nestfolio continues with ${names[b.id]} at `)).waitFor();
    await message.getByText(new RegExp(`^2 connections are updating; each shows what changed when done\\. Balances were refreshed recently, so they are not refreshed again yet for ${names[a.id]} \\(at .+\\)\\. Not refreshed because they need you first: ${names[c.id]}\\.$`)).waitFor({ timeout: 20_000 });
    expect(refused).toBe(1);
    const runs = await sql`select item_id, count(*)::int as n from public.sync_runs where user_id = ${s.user_id} and trigger = 'manual' and started_at >= ${started} group by item_id`;
    await expect.poll(async () => (await sql`select array_agg(distinct item_id order by item_id) as ids from public.sync_runs
      where user_id = ${s.user_id} and trigger = 'manual' and started_at >= ${started}`)[0].ids?.sort() ?? [], { timeout: 20_000 })
      .toEqual([a.id, b.id].sort());
    expect(runs.every((r) => r.item_id !== c.id)).toBe(true);
    const balances = await sql`select id, coalesce(last_balance_refresh_at >= ${started}, false) as refreshed from public.plaid_items where user_id = ${s.user_id} order by id`;
    expect(Object.fromEntries(balances.map((r) => [r.id, r.refreshed]))).toEqual({ [a.id]: false, [b.id]: true, [c.id]: false });
    await screenshot(page, 'refresh-all');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
