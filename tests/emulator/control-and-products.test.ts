// The control API's reads and writes (items, accounts, balances, config, reset) and product behaviour not
// covered elsewhere: investments async_update readiness, /sandbox/transactions/create rules,
// institutions and product support errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, syncAll, webhookReceiver, webhookProblems, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 20, instantTransactions: 'this file checks the control API and product rules, not transactions readiness' });
  hook = await webhookReceiver();
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  expect(hook.received.flatMap((r) => webhookProblems(r.body))).toEqual([]);
  await emu.close();
  await hook.close();
});

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('control API', () => {
  it('lists Items, reads accounts and sets balances that /accounts/get then returns', async () => {
    const { access_token, item_id } = await emu.newItem();
    const list = await emu.control('GET', '/__emulator/items');
    expect(list.items.map((i: { item_id: string }) => i.item_id)).toContain(item_id);
    const { accounts } = await emu.control('GET', `/__emulator/items/${item_id}/accounts`);
    const checking = accounts.find((a: { subtype: string }) => a.subtype === 'checking');
    await emu.control('POST', `/__emulator/items/${item_id}/balances`, { account_id: checking.account_id, available: 1234.5, current: 1300 });
    const got = await emu.plaid('/accounts/balance/get', { access_token, options: { account_ids: [checking.account_id] } });
    expect(got.body.accounts).toHaveLength(1);
    expect(got.body.accounts[0].balances).toMatchObject({ available: 1234.5, current: 1300 });
    expect((await emu.plaid('/accounts/get', { access_token, options: { account_ids: ['nope'] } })).body.error_code).toBe('INVALID_ACCOUNT_ID');
    const detail = await emu.control('GET', `/__emulator/items/${item_id}`);
    expect(detail).toMatchObject({ item_id, access_token, transaction_count: 20, transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE' });
    // an access token works as :item too
    expect((await emu.control('GET', `/__emulator/items/${access_token}`)).item_id).toBe(item_id);
  });

  it('adds an account that appears at the bank: /accounts/get lists it, and its transactions sync with it in accounts', async () => {
    const { access_token, item_id } = await emu.newItem();
    const first = await syncAll(emu, access_token);
    const before = (await emu.plaid('/accounts/get', { access_token })).body.accounts as Array<{ account_id: string; mask: string }>;
    const { account } = await emu.control('POST', `/__emulator/items/${item_id}/accounts`, {
      type: 'credit', subtype: 'credit card', name: 'Travel Card', balances: { current: 42.5, limit: 1000 },
    });
    expect(account).toMatchObject({ type: 'credit', subtype: 'credit card', name: 'Travel Card', holder_category: 'personal', balances: { current: 42.5, available: null, limit: 1000, iso_currency_code: 'USD' } });
    expect(before.map((a) => a.account_id)).not.toContain(account.account_id);
    expect(before.map((a) => a.mask)).not.toContain(account.mask);
    const after = (await emu.plaid('/accounts/get', { access_token })).body.accounts as Array<{ account_id: string }>;
    expect(after.map((a) => a.account_id)).toEqual([...before.map((a) => a.account_id), account.account_id]);
    // No transactions yet: sync has nothing for it (Plaid lists only accounts with transactions in the page).
    const idle = await syncAll(emu, access_token, first.cursor);
    expect(idle.pages.flatMap((p) => p.accounts)).toEqual([]);
    const added = await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { transactions: [{ amount: 12.34, name: 'Airline', account_id: account.account_id }] });
    const next = await syncAll(emu, access_token, idle.cursor);
    expect(next.pages.flatMap((p) => p.added).map((t) => [t.transaction_id, t.account_id])).toEqual([[added.transactions[0].transaction_id, account.account_id]]);
    expect(next.pages.flatMap((p) => p.accounts)).toEqual([account]);
    // Bad input and duplicate masks are refused.
    for (const body of [{ type: 'spaceship' }, { mask: '12' }, { mask: account.mask }, { balances: { current: 'lots' } }]) {
      const res = await fetch(`${emu.url}/__emulator/items/${item_id}/accounts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
  });

  it('validates config and rejects bad changes with 400s', async () => {
    const res = await fetch(emu.url + '/__emulator/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ colour: 'blue' }) });
    expect(res.status).toBe(400);
    const { item_id } = await emu.newItem();
    const bad = await fetch(`${emu.url}/__emulator/items/${item_id}/transactions/not-a-tx`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ amount: 1 }) });
    expect(bad.status).toBe(400);
    const ids = (await emu.control('GET', `/__emulator/items/${item_id}/transactions?limit=1`)).transactions;
    const forbidden = await fetch(`${emu.url}/__emulator/items/${item_id}/transactions/${ids[0].transaction_id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ transaction_id: 'x' }) });
    expect(forbidden.status).toBe(400);
    expect((await fetch(emu.url + '/__emulator/nope')).status).toBe(404);
    const cfg = await emu.control('POST', '/__emulator/config', { history_size: 33 });
    expect(cfg.history_size).toBe(33);
    const { item_id: next } = await emu.newItem();
    expect((await emu.control('GET', `/__emulator/items/${next}`)).transaction_count).toBe(33);
    await emu.control('POST', '/__emulator/config', { history_size: 20 });
  });

  it('reset removes every Item', async () => {
    const local = await startTestEmulator();
    try {
      const { access_token } = await local.newItem();
      await local.control('POST', '/__emulator/reset');
      expect((await local.plaid('/item/get', { access_token })).body.error_code).toBe('ITEM_NOT_FOUND');
      expect(local.exchanges.flatMap(exchangeProblems)).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe('products', () => {
  it('investments async_update answers PRODUCT_NOT_READY until INVESTMENTS_TRANSACTIONS: HISTORICAL_UPDATE', async () => {
    const { access_token, item_id } = await emu.newItem({ products: ['transactions'], options: { webhook: hook.url } });
    const body = { access_token, start_date: daysAgo(365), end_date: today(), options: { async_update: true } };
    const first = await emu.plaid('/investments/transactions/get', body);
    expect(first.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'PRODUCT_NOT_READY' });
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'HISTORICAL_UPDATE' && r.body.webhook_type === 'INVESTMENTS_TRANSACTIONS');
    const ready = await emu.plaid('/investments/transactions/get', body);
    expect(ready.status).toBe(200);
    expect(ready.body.investment_transactions.length).toBeGreaterThan(0);
    expect(ready.body.item.billed_products).toContain('investments');
    const bad = await emu.plaid('/investments/transactions/get', { access_token, start_date: today(), end_date: daysAgo(3) });
    expect(bad.body.error_code).toBe('INVALID_FIELD');
  });

  it('/sandbox/transactions/create: dynamic user only, at most 10, dates within 14 days', async () => {
    const good = await emu.newItem();
    const tx = { date_transacted: daysAgo(2), date_posted: daysAgo(1), amount: 9.99, description: 'Bookshop' };
    expect((await emu.plaid('/sandbox/transactions/create', { access_token: good.access_token, transactions: [tx] })).body.error_code).toBe('INVALID_FIELD');
    // Plaid allows 2 calls a minute per Item here, so the refusals use an Item of their own.
    const refused = await emu.newItem({ options: { override_username: 'user_transactions_dynamic', override_password: 'x' } });
    expect((await emu.plaid('/sandbox/transactions/create', { access_token: refused.access_token, transactions: Array(11).fill(tx) })).body.error_message).toBe('The request contains too many transactions.');
    expect((await emu.plaid('/sandbox/transactions/create', { access_token: refused.access_token, transactions: [{ ...tx, date_transacted: daysAgo(20) }] })).body.error_code).toBe('INVALID_FIELD');
    const third = await emu.plaid('/sandbox/transactions/create', { access_token: refused.access_token, transactions: [tx] });
    expect(third).toMatchObject({ status: 429, body: { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' } });
    const dyn = await emu.newItem({ options: { override_username: 'user_transactions_dynamic', override_password: 'x' } });
    expect((await emu.plaid('/sandbox/transactions/create', { access_token: dyn.access_token, transactions: [tx] })).status).toBe(200);
    const set = (await emu.control('GET', `/__emulator/items/${dyn.item_id}/transactions`)).transactions;
    expect(set.find((t: { name: string }) => t.name === 'Bookshop')).toMatchObject({ amount: 9.99, date: tx.date_posted, authorized_date: tx.date_transacted, pending: false });
  });

  it('checks institutions, products and credentials the way Plaid does', async () => {
    const mk = (body: Record<string, unknown>) => emu.plaid('/sandbox/public_token/create', body);
    expect((await mk({ institution_id: 'ins_nope', initial_products: ['transactions'] })).body.error_code).toBe('INVALID_INSTITUTION');
    expect((await mk({ institution_id: 'ins_116834', initial_products: ['liabilities'] })).body.error_code).toBe('PRODUCTS_NOT_SUPPORTED');
    expect((await mk({ institution_id: 'ins_109508', initial_products: ['balance'] })).body.error_code).toBe('INVALID_PRODUCT');
    expect((await mk({ institution_id: 'ins_109508', initial_products: ['transactions'], options: { override_password: 'nope' } })).body.error_code).toBe('INVALID_CREDENTIALS');
    expect((await mk({ institution_id: 'ins_132361', initial_products: ['transactions'] })).body).toMatchObject({ error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN' });
    expect((await emu.plaid('/institutions/get_by_id', { institution_id: 'ins_116834', country_codes: ['US'] })).body.error_code).toBe('INVALID_INSTITUTION');
    const gb = await emu.plaid('/institutions/get_by_id', { institution_id: 'ins_116834', country_codes: ['GB'] });
    expect(gb.body.institution).toMatchObject({ name: 'Flexible Platypus Open Banking', oauth: true, country_codes: ['GB'] });
    const lt = await emu.plaid('/link/token/create', { client_name: 'x', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'], optional_products: ['transactions'] });
    expect(lt.body.error_code).toBe('INVALID_FIELD');
    expect((await emu.plaid('/link/token/create', { client_name: 'x', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' } })).body.error_code).toBe('MISSING_FIELDS');
    expect((await emu.plaid('/link/token/create', { client_name: 'x', language: 'en', country_codes: ['US'], products: ['transactions'] })).body.error_message).toContain('user');
    const ewa = await emu.newItem({ options: { override_username: 'user_ewa_user', override_password: 'x' } });
    expect((await emu.plaid('/liabilities/get', { access_token: ewa.access_token })).body.error_code).toBe('NO_LIABILITY_ACCOUNTS');
  });
});
