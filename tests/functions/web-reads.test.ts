// The functions the web client reads and writes through (no PostgREST here): paged transactions,
// manual accounts and synced-account labels, and the summaries plaid-accounts adds for the UI.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, syncNow, waitForIdle, waitForImport } from '../support/sync.ts';

describe('transactions', () => {
  it('pages one account\'s or all transactions newest first by (date, id), pending marked, nothing repeated or skipped', async () => {
    const s = await newSession('tx');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    // At least one pending transaction, whatever the generated history holds.
    await emulator('POST', `/items/${await plaidItemId(item.id)}/transactions`, { transactions: [{ amount: 4.5, name: 'Pending coffee', pending: true }] });
    await syncNow(item.id);
    const all = await sql`select id, account_id, date::text as date, pending, amount::text as amount from public.transactions
      where user_id = ${s.user_id} order by date desc, id desc`;
    expect(all.length).toBeGreaterThan(30);
    expect(all.some((t) => t.pending)).toBe(true);

    const seen: Array<{ id: string; date: string; pending: boolean; amount: string }> = [];
    let after: unknown;
    for (let page = 0; page < 100; page++) {
      const res = await callFunction('transactions', { limit: 25, ...(after ? { after } : {}) }, { session: s });
      expect(res.status).toBe(200);
      seen.push(...res.body.transactions);
      after = res.body.next;
      if (!after) break;
    }
    expect(seen.map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect(seen.map((t) => t.pending)).toEqual(all.map((t) => t.pending));
    expect(seen.map((t) => t.amount)).toEqual(all.map((t) => t.amount)); // decimal strings, never floats

    const accountId = all[0].account_id;
    const one = await callFunction('transactions', { account_id: accountId, limit: 5 }, { session: s });
    expect(one.body.transactions).toHaveLength(5);
    expect(one.body.transactions.every((t: { account_id: string }) => t.account_id === accountId)).toBe(true);
    expect(one.body.next).toEqual({ date: one.body.transactions[4].date, id: one.body.transactions[4].id });
  });

  it('answers 404 for another user\'s account, as for a missing one', async () => {
    const owner = await newSession('txo');
    const item = await connectItem(owner);
    const other = await newSession('txx');
    const res = await callFunction('transactions', { account_id: item.accounts[0].id }, { session: other });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('accounts-manual', () => {
  it('creates and edits a manual account; balances are decimal strings', async () => {
    const s = await newSession('manual');
    const created = await callFunction('accounts-manual', { action: 'create', name: 'Cash jar', type: 'depository', current_balance: '120.50' }, { session: s });
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ source: 'manual', name: 'Cash jar', current_balance: '120.5000', currency: 'USD', hidden: false });
    const edited = await callFunction('accounts-manual', { action: 'update', account_id: created.body.account.id, name: 'Savings jar', current_balance: '99.99', currency: 'EUR' }, { session: s });
    expect(edited.status).toBe(200);
    expect(edited.body.account).toMatchObject({ name: 'Savings jar', current_balance: '99.9900', currency: 'EUR' });
    const [row] = await sql`select name, current_balance::text as b, balance_updated_at is not null as stamped from public.accounts where id = ${created.body.account.id}`;
    expect(row).toEqual({ name: 'Savings jar', b: '99.9900', stamped: true });
  });

  it('renames and hides a synced account but refuses its bank-owned fields, writing nothing', async () => {
    const s = await newSession('synced');
    const item = await connectItem(s);
    const id = item.accounts[0].id;
    const renamed = await callFunction('accounts-manual', { action: 'update', account_id: id, display_name: 'Bills', hidden: true }, { session: s });
    expect(renamed.status).toBe(200);
    expect(renamed.body.account).toMatchObject({ source: 'plaid', label: 'Bills', hidden: true });
    const [before] = await sql`select name, current_balance::text as b from public.accounts where id = ${id}`;
    const refused = await callFunction('accounts-manual', { action: 'update', account_id: id, current_balance: '1.00', name: 'X' }, { session: s });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/name, current_balance: a synced account/);
    expect((await sql`select name, current_balance::text as b from public.accounts where id = ${id}`)[0]).toEqual(before);
  });

  it('404 for another user\'s account; 400 for an empty update', async () => {
    const owner = await newSession('mo');
    const created = await callFunction('accounts-manual', { action: 'create', name: 'Mine', type: 'other' }, { session: owner });
    const other = await newSession('mx');
    const res = await callFunction('accounts-manual', { action: 'update', account_id: created.body.account.id, name: 'Stolen' }, { session: other });
    expect(res.status).toBe(404);
    expect((await sql`select name from public.accounts where id = ${created.body.account.id}`)[0].name).toBe('Mine');
    const empty = await callFunction('accounts-manual', { action: 'update', account_id: created.body.account.id }, { session: owner });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/nothing to change/);
  });
});

describe('plaid-accounts summaries', () => {
  it('adds liability and holdings summaries and when balances may be refreshed again', async () => {
    const s = await newSession('summ');
    const item = await connectItem(s, { products: ['transactions', 'liabilities', 'investments'] });
    for (const product of ['transactions', 'liabilities', 'investments']) await waitForIdle(item.id, product);
    const before = await callFunction('plaid-accounts', {}, { session: s });
    expect(before.body.items[0].balance_refresh_available_at).toBeNull();
    const kinds = before.body.liabilities.map((l: { kind: string }) => l.kind).sort();
    expect(kinds).toEqual(['credit', 'mortgage', 'student']);
    const credit = before.body.liabilities.find((l: { kind: string }) => l.kind === 'credit');
    expect(credit.minimum_payment_amount).toMatch(/^\d+\.\d{4}$/);
    expect(credit.interest_rate_percentage).toMatch(/^\d/);
    const [dbHoldings] = await sql`select count(distinct account_id)::int as accounts, sum(institution_value)::text as total from public.holdings where user_id = ${s.user_id}`;
    expect(before.body.holdings).toHaveLength(dbHoldings.accounts);
    const totals = before.body.holdings.map((h: { total_value: string }) => Number(h.total_value)).reduce((a: number, b: number) => a + b, 0);
    expect(totals.toFixed(4)).toBe(Number(dbHoldings.total).toFixed(4));
    expect(before.body.holdings[0].positions[0]).toMatchObject({ quantity: expect.any(String), value: expect.any(String) });

    const refreshed = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(refreshed.status).toBe(200);
    const after = await callFunction('plaid-accounts', {}, { session: s });
    expect(after.body.items[0].balance_refresh_available_at).toBe(refreshed.body.next_allowed_at);
  });
});
