// Issue 18, items 4–6, in Chromium with axe: manual accounts (an ISO 4217 picker the server agrees with,
// balances shown as money when editing, kinds as the user chose them, out of totals, close or delete
// with the choice asked), linking a synced account to a manual one safely (nothing preselected, only
// compatible accounts, the effect spelled out, an undo that restores both exactly), and connections
// told apart (the same bank twice lists its accounts, logos or initials, kept accounts keep their bank
// and mask).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, waitForIdle } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';
import { accountRow, axeViolations, connectionCard, launchBrowser, openAs, screenshot, unnamedControls } from './support.ts';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });

const countRows = async (userId: string) => (await sql`
  select (select count(*)::int from public.accounts where user_id = ${userId}) as accounts,
         (select count(*)::int from public.balance_history where user_id = ${userId}) as history`)[0];

describe('Manual accounts', () => {
  it('refuses currencies that are not ISO 4217, edits money as money, closes or deletes as the user chooses', async () => {
    const s = await newSession('web-trust-manual');
    // The server: "POUNDS" is refused (not cut to "POU"), so is an unknown code; nothing is written.
    for (const currency of ['POUNDS', 'ABC']) {
      const res = await callFunction('accounts-manual', { action: 'create', name: 'Pounds', type: 'depository', currency }, { session: s });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(currency === 'ABC' ? /"ABC" is not an ISO 4217 currency code/ : /ISO 4217/);
    }
    expect(await countRows(s.user_id)).toEqual({ accounts: 0, history: 0 });
    const made = await callFunction('accounts-manual', { action: 'create', name: 'London flat', type: 'other', current_balance: '250000.5', currency: 'GBP' }, { session: s });
    expect(made.status).toBe(201);
    await callFunction('accounts-manual', { action: 'create', name: 'Old wallet', type: 'depository', current_balance: '12' }, { session: s });

    const page = await openAs(browser, s.email);
    const flat = accountRow(page, 'London flat');
    await flat.waitFor();
    expect(await flat.locator('.account-kind').textContent()).toBe('Other'); // the kind the user chose, not "Other" jargon or a Plaid type
    expect(await accountRow(page, 'Old wallet').locator('.account-kind').textContent()).toBe('Cash or bank account');
    await flat.locator('summary').click();
    await flat.getByRole('button', { name: 'Edit account' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit London flat' });
    expect(await edit.getByLabel('Current balance').inputValue()).toBe('250,000.50');
    const currency = edit.getByLabel('Currency');
    expect(await currency.evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await currency.inputValue()).toBe('GBP');
    expect(await currency.locator('option', { hasText: 'EUR — Euro' }).count()).toBe(1);
    expect(await currency.locator('option[value="ABC"]').count()).toBe(0);
    await screenshot(page, 'trust-manual-edit', false);
    expect(await axeViolations(page)).toEqual([]);
    await currency.selectOption('EUR');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    await flat.getByTestId('balance').getByText('€250,000.50').waitFor();

    await flat.getByRole('button', { name: 'Leave out of totals' }).click();
    await flat.getByText('Not in totals').waitFor();
    expect((await sql`select exclude_from_totals from public.accounts where id = ${made.body.account.id}`)[0].exclude_from_totals).toBe(true);

    // Close: the user is asked whether the history is kept; nothing is preselected.
    await flat.getByRole('button', { name: 'Close or delete…' }).click();
    const close = page.getByRole('dialog', { name: 'Close or delete London flat' });
    expect(await close.getByRole('radio').evaluateAll((rs) => rs.some((r) => (r as HTMLInputElement).checked))).toBe(false);
    await close.getByRole('button', { name: 'Confirm' }).click();
    await close.getByRole('alert').getByText('Choose whether to close the account or delete it.').waitFor();
    await screenshot(page, 'trust-manual-close-or-delete', false);
    expect(await axeViolations(page)).toEqual([]);
    await close.getByLabel('Close it and keep its history').check();
    await close.getByRole('button', { name: 'Confirm' }).click();
    await flat.getByTestId('closed').waitFor();
    const [closed] = await sql`select closed_at is not null as closed, (select count(*)::int from public.balance_history h where h.account_id = a.id) as history
      from public.accounts a where a.id = ${made.body.account.id}`;
    expect(closed).toEqual({ closed: true, history: 1 });

    const wallet = accountRow(page, 'Old wallet');
    await wallet.locator('summary').click();
    await wallet.getByRole('button', { name: 'Close or delete…' }).click();
    const del = page.getByRole('dialog', { name: 'Close or delete Old wallet' });
    await del.getByLabel('Delete it and its history').check();
    await del.getByRole('button', { name: 'Confirm' }).click();
    await wallet.waitFor({ state: 'detached' });
    expect(await countRows(s.user_id)).toEqual({ accounts: 1, history: 1 });
    await screenshot(page, 'trust-manual-closed');
    expect(await axeViolations(page)).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('Linking a synced account to a manual one', () => {
  it('offers only compatible accounts, preselects none, says what happens, and unlinking restores both exactly', async () => {
    const s = await newSession('web-trust-link');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const create = (name: string, type: string, currency: string) =>
      callFunction('accounts-manual', { action: 'create', name, type, current_balance: '5.00', currency }, { session: s });
    const manual = (await create('Old checking', 'depository', 'USD')).body.account;
    const card = (await create('Old card', 'credit', 'USD')).body.account;
    await create('Euro cash', 'depository', 'EUR');
    const [checking] = await sql`select a.id from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where pa.item_id = ${item.id} and a.name = 'Plaid Checking'`;

    // The server refuses what the page does not offer.
    const wrong = await callFunction('accounts-link', { synced_account_id: checking.id, manual_account_id: card.id }, { session: s });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/different kinds \(cash and credit\)/);

    const state = async () => (await sql`
      select jsonb_agg(to_jsonb(a) - 'updated_at' order by a.id) as accounts,
             (select jsonb_agg(to_jsonb(h) order by h.account_id, h.date) from public.balance_history h where h.account_id in (${checking.id}, ${manual.id})) as history,
             (select count(*)::int from public.transactions t where t.account_id = ${checking.id}) as transactions
      from public.accounts a where a.id in (${checking.id}, ${manual.id})`)[0];
    const before = await state();

    const page = await openAs(browser, s.email);
    const row = accountRow(page, 'Plaid Checking');
    await row.locator('summary').click();
    await row.getByRole('button', { name: 'Link to a manual account' }).click();
    const link = page.getByRole('dialog', { name: 'Link Plaid Checking to a manual account' });
    const select = link.getByLabel('Manual account');
    expect(await select.inputValue()).toBe('');
    expect(await select.locator('option').allTextContents()).toEqual(['Choose an account…', 'Old checking ($5.00)']);
    await link.getByRole('button', { name: 'Link accounts' }).click();
    await link.getByRole('alert').getByText('Choose the manual account to link.').waitFor();
    await select.selectOption({ label: 'Old checking ($5.00)' });
    const effect = link.getByTestId('link-effect');
    await effect.getByText('"Old checking" keeps its own history', { exact: false }).waitFor();
    expect(await effect.textContent()).toMatch(/its balance becomes First Platypus Bank's \$110\.00 \(now \$5\.00\)/);
    expect(await effect.textContent()).toMatch(/"Plaid Checking" leaves the list: its transactions move onto "Old checking", and its own balance history is set aside/);
    expect(await effect.textContent()).toContain('Unlink');
    await screenshot(page, 'trust-link-confirm', false);
    expect(await axeViolations(page)).toEqual([]);
    await link.getByRole('button', { name: 'Link accounts' }).click();
    const linked = connectionCard(page, 'First Platypus Bank').getByTestId('account').filter({ has: page.locator('summary', { hasText: 'Old checking' }) });
    await linked.waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await state()).not.toEqual(before);

    await linked.locator('summary').click();
    await linked.getByRole('button', { name: 'Unlink' }).click();
    const undo = page.getByRole('dialog', { name: 'Unlink Old checking' });
    await undo.getByText('comes back as a separate synced account', { exact: false }).waitFor();
    await screenshot(page, 'trust-unlink-confirm', false);
    expect(await axeViolations(page)).toEqual([]);
    await undo.getByRole('button', { name: 'Unlink' }).click();
    await accountRow(page, 'Plaid Checking').waitFor();
    await page.getByTestId('manual-accounts').getByTestId('account').filter({ has: page.locator('summary', { hasText: 'Old checking' }) })
      .getByTestId('balance').getByText('$5.00').waitFor();
    expect(await state()).toEqual(before); // balances, fields and both balance histories exactly as before the link
    await screenshot(page, 'trust-unlinked');
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('Telling connections apart', () => {
  it('lists the accounts of the same bank connected twice, shows logos or initials, and kept accounts keep bank and mask', async () => {
    const s = await newSession('web-trust-banks');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    // The logo is fetched once, in the background after connecting (never holding up the connection).
    await eventually(() => sql`select logo from private.institutions where institution_id = 'ins_109508'`, (r) => r.length === 1 && r[0].logo !== null);
    // A second connection of the same bank with other accounts, and one of a bank Plaid has no logo for.
    const other = (id: string, mask: string, name: string) => ({ account_id: id, balances: { current: 1, available: 1, iso_currency_code: 'USD', limit: null, unofficial_currency_code: null },
      mask, name, official_name: null, subtype: 'savings', type: 'depository' });
    const tag = crypto.randomUUID();
    await sql`select private.create_plaid_item(${s.user_id}::uuid, ${`item-a-${tag}`}, ${`access-sandbox-a-${tag}`}, 'ins_109508', 'First Platypus Bank',
      '{}', '{}', null, null, ${sql.json([other(`acc-a-${tag}`, '9876', 'Joint Saving')])}::jsonb)`;
    await sql`select private.create_plaid_item(${s.user_id}::uuid, ${`item-b-${tag}`}, ${`access-sandbox-b-${tag}`}, 'ins_109510', 'Tattersall Federal Credit Union',
      '{}', '{}', null, null, ${sql.json([other(`acc-b-${tag}`, '4444', 'Club Saving')])}::jsonb)`;

    const page = await openAs(browser, s.email);
    const platypus = connectionCard(page, 'First Platypus Bank');
    await platypus.nth(1).waitFor();
    const notes = await platypus.getByTestId('connection-accounts').allTextContents();
    expect(notes).toContain('Accounts: Joint Saving ••9876');
    expect(notes.find((n) => n !== 'Accounts: Joint Saving ••9876')).toMatch(/^Accounts: .*Plaid Checking ••0000/);
    expect(await platypus.first().locator('[data-testid="bank-logo"] img').getAttribute('src')).toMatch(/^data:image\/png;base64,iVBOR/);
    const tattersall = connectionCard(page, 'Tattersall Federal Credit Union');
    expect(await tattersall.getByTestId('bank-logo').textContent()).toBe('T'); // no logo from Plaid: the initial
    expect(await tattersall.getByTestId('connection-accounts').isHidden()).toBe(true); // not a look-alike: no list
    await screenshot(page, 'trust-same-bank-twice');
    expect(await axeViolations(page)).toEqual([]);

    // Remove the first connection, keeping its accounts: they still say which bank and account they were.
    const removed = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: true }, { session: s });
    expect(removed.status).toBe(200);
    const kept = page.getByTestId('manual-accounts').getByTestId('account').filter({ has: page.locator('summary', { hasText: 'Plaid Checking' }) });
    await page.reload();
    await kept.waitFor();
    expect(await kept.locator('summary').textContent()).toMatch(/Plaid Checking ••0000.*from First Platypus Bank \(disconnected\)/);
    await screenshot(page, 'trust-kept-accounts');
    expect(await axeViolations(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
