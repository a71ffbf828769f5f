// The item lifecycle functions on the real functions host, against real Postgres and the Plaid emulator.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction, connectItem, emulator, sandboxPublicToken } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { eventually } from '../support/wait.ts';
import { readFunctionSecrets } from '../../local/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });
const count = async (table: string, userId: string) =>
  (await sql`select count(*)::int as n from ${sql(table)} where user_id = ${userId}`)[0].n as number;

// What the functions were configured with (supabase/functions/.env over the defaults in README § Configuration).
const fnEnv = readFunctionSecrets();
const listOf = (v: string | undefined, fallback: string) => (v ?? fallback).split(',').map((p) => p.trim()).filter(Boolean);
const configured = {
  products: listOf(fnEnv.PLAID_PRODUCTS, 'transactions'),
  optional: listOf(fnEnv.PLAID_OPTIONAL_PRODUCTS, 'liabilities,investments'),
  days: Number(fnEnv.PLAID_TRANSACTIONS_DAYS_REQUESTED ?? 730),
  webhook: fnEnv.PLAID_WEBHOOK_URL ?? `${testStack.apiUrl}/functions/v1/plaid-webhook`,
  // The test stack points OAuth returns at its web app (local/stack.ts) unless .env names one.
  redirect: process.env.NESTFOLIO_TEST_PLAID_REDIRECT_URI || fnEnv.PLAID_REDIRECT_URI,
};

/** The /link/token/create request the emulator accepted for a link token (its control API). */
type LinkTokenRecord = { link_token: string; update_item_id: string | null; request: Record<string, any> };
const linkTokenRequest = (linkToken: string) => emulator<LinkTokenRecord>('GET', `/link-tokens/${linkToken}`);

type EmulatorItem = { item_id: string; access_token: string; removed: boolean };
/** Plaid's AccountBase as the emulator serves it. */
type PlaidAccount = {
  account_id: string; mask: string | null; name: string; official_name: string | null; persistent_account_id?: string;
  type: string; subtype: string | null; holder_category?: string; verification_status?: string;
  balances: { current: number | null; available: number | null; limit: number | null; iso_currency_code: string | null; unofficial_currency_code: string | null };
};
const plaidItemOf = async (itemId: string) =>
  (await sql`select plaid_item_id from public.plaid_items where id = ${itemId}`)[0].plaid_item_id as string;
/** Nothing of this Plaid item in the database: no item row, no Vault secret holding its token, no accounts. */
async function expectNothingStored(userId: string, at: EmulatorItem) {
  expect(await count('plaid_items', userId)).toBe(0);
  expect(await count('accounts', userId)).toBe(0);
  expect(await count('plaid_accounts', userId)).toBe(0);
  expect(await count('plaid_sync_state', userId)).toBe(0);
  expect((await sql`select count(*)::int as n from public.plaid_items where plaid_item_id = ${at.item_id}`)[0].n).toBe(0);
  expect((await sql`select count(*)::int as n from vault.decrypted_secrets where decrypted_secret = ${at.access_token}`)[0].n).toBe(0);
}

describe('plaid-link-token', () => {
  it('creates a link token for a new connection', async () => {
    const s = await newSession();
    const res = await callFunction('plaid-link-token', {}, { session: s });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mode: 'create' });
    expect(res.body.link_token).toMatch(/^link-sandbox-/);
    expect(Date.parse(res.body.expiration)).toBeGreaterThan(Date.now());
  });

  it('creates an update-mode token for the caller\'s item and 404 for anyone else\'s', async () => {
    const owner = await newSession();
    const other = await newSession();
    const item = await connectItem(owner);
    const mine = await callFunction('plaid-link-token', { item_id: item.id }, { session: owner });
    expect(mine.status).toBe(200);
    expect(mine.body.mode).toBe('update');
    const theirs = await callFunction('plaid-link-token', { item_id: item.id }, { session: other });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('NOT_FOUND');
    const missing = await callFunction('plaid-link-token', { item_id: crypto.randomUUID() }, { session: owner });
    expect(missing.status).toBe(404);
  });

  it('asks Plaid for a new connection: the caller as client_user_id, products, optional products, 730 days, our webhook, the configured redirect_uri only', async () => {
    const s = await newSession();
    // A redirect URI the project did not configure is refused before Plaid is asked.
    const foreign = await callFunction('plaid-link-token', { redirect_uri: 'https://attacker.example/steal' }, { session: s });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^redirect_uri: /) });
    const res = await callFunction('plaid-link-token', configured.redirect ? { redirect_uri: configured.redirect } : {}, { session: s });
    expect(res.status).toBe(200);
    const got = await linkTokenRequest(res.body.link_token);
    expect(got.update_item_id).toBeNull();
    expect(got.request).toMatchObject({
      user: { client_user_id: s.user_id },
      products: configured.products,
      transactions: { days_requested: configured.days },
      webhook: configured.webhook,
    });
    expect(got.request.redirect_uri).toBe(configured.redirect);
    expect(got.request.optional_products).toEqual(configured.optional);
    expect(got.request).not.toHaveProperty('access_token');
    // Without redirect_uri none is sent (unless one is configured).
    const plain = await callFunction('plaid-link-token', {}, { session: s });
    expect(plain.status).toBe(200);
    expect((await linkTokenRequest(plain.body.link_token)).request.redirect_uri).toBe(configured.redirect);
  });

  it('asks Plaid for update mode with the access token of that item, no products; account selection only when asked', async () => {
    const s = await newSession();
    const first = await connectItem(s);
    const second = await connectItem(s, { institutionId: 'ins_109509' });
    const truth = await emulator<EmulatorItem>('GET', `/items/${await plaidItemOf(second.id)}`);
    const res = await callFunction('plaid-link-token', { item_id: second.id, account_selection: true }, { session: s });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('update');
    const got = await linkTokenRequest(res.body.link_token);
    expect(got.update_item_id).toBe(truth.item_id);
    expect(got.request.access_token).toBe(truth.access_token);
    expect(got.request).toMatchObject({ user: { client_user_id: s.user_id }, webhook: configured.webhook, update: { account_selection_enabled: true } });
    for (const field of ['products', 'optional_products', 'required_if_supported_products', 'additional_consented_products', 'transactions']) {
      expect(got.request).not.toHaveProperty(field);
    }
    const reconnect = await callFunction('plaid-link-token', { item_id: first.id }, { session: s });
    const again = await linkTokenRequest(reconnect.body.link_token);
    expect(again.update_item_id).toBe(await plaidItemOf(first.id));
    expect(again.request).not.toHaveProperty('update');
    expect(again.request).not.toHaveProperty('products');
  });
});

describe('plaid-exchange-token', () => {
  it('stores the token in Vault, creates the item and its accounts, requests the initial sync, returns no token', async () => {
    const s = await newSession();
    const item = await connectItem(s, { ready: false }); // the state right after the exchange
    expect(item.institution_name).toBe('First Platypus Bank');
    expect(item.accounts.length).toBeGreaterThan(3);
    expect(JSON.stringify(item)).not.toMatch(/access-sandbox/);
    const [row] = await sql`select access_token_secret_id, status from public.plaid_items where id = ${item.id}`;
    expect(row.status).toBe('healthy');
    const [secret] = await sql`select decrypted_secret from vault.decrypted_secrets where id = ${row.access_token_secret_id}`;
    expect(secret.decrypted_secret).toMatch(/^access-sandbox-/);
    expect(await count('accounts', s.user_id)).toBe(item.accounts.length);
    expect(await count('plaid_accounts', s.user_id)).toBe(item.accounts.length);
    // Every product's initial sync was requested and dispatched by the exchange (it may have run already:
    // a new Item's first sync finds Plaid NOT_READY and ends at once).
    const states = await sql`select product, last_dispatch_id from public.plaid_sync_state where item_id = ${item.id}`;
    expect(states.map((r) => r.product)).toContain('transactions');
    expect(states.every((r) => r.last_dispatch_id !== null)).toBe(true);
  });

  it('stores every account as Plaid describes it (its AccountBase JSON, mapped in SQL), in Plaid\'s order', async () => {
    const s = await newSession();
    const item = await connectItem(s, { username: 'user_small_business' });
    const { accounts } = await emulator<{ accounts: PlaidAccount[] }>('GET', `/items/${await plaidItemOf(item.id)}/accounts`);
    expect(item.accounts.map((a) => a.mask)).toEqual(accounts.map((a) => a.mask));
    const rows = await sql`select pa.plaid_account_id, pa.mask, pa.official_name, pa.persistent_account_id, pa.type, pa.subtype,
        pa.holder_category, pa.verification_status, a.name, a.type as account_type, a.subtype as account_subtype,
        a.current_balance, a.available_balance, a.credit_limit, a.currency, a.unofficial_currency_code
      from public.plaid_accounts pa join public.accounts a on a.id = pa.account_id where pa.item_id = ${item.id}`;
    const money = (v: number | null) => (v === null ? null : v.toFixed(4));
    expect(new Set(rows.map((r) => JSON.stringify(r)))).toEqual(new Set(accounts.map((a) => JSON.stringify({
      plaid_account_id: a.account_id, mask: a.mask, official_name: a.official_name, persistent_account_id: a.persistent_account_id,
      type: a.type, subtype: a.subtype, holder_category: a.holder_category, verification_status: a.verification_status ?? null,
      name: a.name, account_type: a.type, account_subtype: a.subtype,
      current_balance: money(a.balances.current), available_balance: money(a.balances.available), credit_limit: money(a.balances.limit),
      currency: a.balances.iso_currency_code, unofficial_currency_code: a.balances.unofficial_currency_code,
    }))));
    // The persona's business accounts: holder_category is Plaid's, not a default.
    expect(rows.map((r) => r.holder_category)).toContain('business');
  });

  it('refuses a duplicate connection with 409 and removes the new item at Plaid', async () => {
    const s = await newSession();
    await connectItem(s);
    const before = await emulator<{ items: Array<{ item_id: string; removed: boolean }> }>('GET', '/items');
    const publicToken = await sandboxPublicToken();
    const res = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DUPLICATE_ITEM');
    expect(await count('plaid_items', s.user_id)).toBe(1);
    const after = await emulator<{ items: Array<{ item_id: string; removed: boolean }> }>('GET', '/items');
    const created = after.items.filter((i) => !before.items.some((b) => b.item_id === i.item_id));
    // Other test files create items concurrently: the one from this public token is the removed one.
    expect(created.filter((i) => i.removed)).toHaveLength(1);
  });

  it('Plaid fails after the public token was exchanged (/accounts/get): a 5xx saying so, nothing stored, the new item removed at Plaid', async () => {
    const s = await newSession();
    const publicToken = await sandboxPublicToken();
    const created = await emulator<EmulatorItem>('GET', `/items/${publicToken}`);
    // Every attempt (the client retries a 500) fails, for this item only.
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults', { endpoint: '/accounts/get', error_code: 'INTERNAL_SERVER_ERROR', count: 10, item_id: created.item_id });
    try {
      const res = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('PLAID_ERROR');
      // Not Plaid's "try again later": the public token is spent, so the user has to connect again.
      expect(res.body.error.message).toMatch(/^Plaid failed while the connection was being set up \(INTERNAL_SERVER_ERROR\): the bank was not connected and nothing was saved; connect it again$/);
      expect(res.body.error.details).toMatchObject({ error_code: 'INTERNAL_SERVER_ERROR' });
      expect(res.body.error.details.request_id).toBeTruthy();
      expect(JSON.stringify(res.body)).not.toContain(created.access_token);
    } finally {
      await emulator('DELETE', `/faults/${fault.id}`).catch(() => {});
    }
    await expectNothingStored(s.user_id, created);
    expect((await emulator<EmulatorItem>('GET', `/items/${created.item_id}`)).removed).toBe(true);
  });

  it('stores what Plaid can send: a balance of 1e17 fits, an account that cannot be stored is set aside and the bank still connects', async () => {
    const s = await newSession();
    const publicToken = await sandboxPublicToken();
    const created = await emulator<EmulatorItem>('GET', `/items/${publicToken}`);
    const { accounts } = await emulator<{ accounts: Array<{ account_id: string; subtype: string }> }>('GET', `/items/${created.item_id}/accounts`);
    await emulator('POST', `/items/${created.item_id}/balances`, { account_id: accounts[0].account_id, current: 1e17 });
    await emulator('POST', `/items/${created.item_id}/balances`, { account_id: accounts.at(-1)!.account_id, limit: -5 });
    const res = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
    expect(res.status).toBe(201);
    expect(res.body.item.accounts).toHaveLength(accounts.length - 1);
    const [huge] = await sql`select a.current_balance::text as balance from public.accounts a
      join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = ${accounts[0].account_id}`;
    expect(huge.balance).toBe('100000000000000000.0000');
    const set = await sql`select kind, record_key, reason from public.quarantined_records where user_id = ${s.user_id}`;
    expect(set).toEqual([{ kind: 'account', record_key: accounts.at(-1)!.account_id, reason: 'balances.limit is negative: -5' }]);
    expect((await emulator<EmulatorItem>('GET', `/items/${created.item_id}`)).removed).toBe(false);
  });

  it('an Item another user already stores (their public token): 400, nothing stored for this user, and never removed at Plaid', async () => {
    const s = await newSession();
    const other = await newSession();
    const publicToken = await sandboxPublicToken();
    const created = await emulator<EmulatorItem>('GET', `/items/${publicToken}`);
    // The other user's row for that Plaid item (as if their exchange had stored it).
    await sql`insert into public.plaid_items (user_id, plaid_item_id, institution_id) values (${other.user_id}, ${created.item_id}, 'ins_109508')`;
    const res = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/does not belong to a new connection of yours/) });
    expect(JSON.stringify(res.body)).not.toContain(created.item_id);
    expect(await count('plaid_items', s.user_id)).toBe(0);
    expect(await count('accounts', s.user_id)).toBe(0);
    expect((await sql`select count(*)::int as n from vault.decrypted_secrets where decrypted_secret = ${created.access_token}`)[0].n).toBe(0);
    expect((await emulator<EmulatorItem>('GET', `/items/${created.item_id}`)).removed).toBe(false);
    await sql`delete from public.plaid_items where user_id = ${other.user_id}`;
  });

  it('surfaces Plaid errors as typed errors with request_id and writes nothing (an unknown public token is the caller\'s: 400)', async () => {
    const s = await newSession();
    const res = await callFunction('plaid-exchange-token', { public_token: 'public-sandbox-00000000-0000-0000-0000-000000000000' }, { session: s });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('PLAID_ERROR');
    expect(res.body.error.details).toMatchObject({ error_code: 'INVALID_PUBLIC_TOKEN', error_type: 'INVALID_INPUT' });
    expect(res.body.error.details.request_id).toBeTruthy();
    expect(await count('plaid_items', s.user_id)).toBe(0);
  });
});

describe('plaid-balance', () => {
  it('refreshes live balances once, then answers 429 with Retry-After', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const first = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(first.status).toBe(200);
    expect(first.body.accounts.length).toBe(item.accounts.length);
    expect(first.body.accounts[0]).toHaveProperty('current_balance');
    const second = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(200);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(Date.parse(second.body.error.details.next_allowed_at)).toBeGreaterThan(Date.now());
  });

  it('maps the accounts of Plaid\'s answer like exchange and sync do: new balances, and an account that appeared at the bank', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const plaidItem = await plaidItemOf(item.id);
    const { accounts } = await emulator<{ accounts: PlaidAccount[] }>('GET', `/items/${plaidItem}/accounts`);
    await emulator('POST', `/items/${plaidItem}/balances`, { account_id: accounts[0].account_id, current: 123.45, available: null });
    const { account: appeared } = await emulator<{ account: PlaidAccount }>('POST', `/items/${plaidItem}/accounts`,
      { type: 'depository', subtype: 'savings', name: 'Rainy Day Saving', holder_category: 'business', balances: { current: 50, available: 50 } });
    const res = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(res.status).toBe(200);
    expect(res.body.accounts).toHaveLength(item.accounts.length + 1);
    const [changed] = await sql`select a.current_balance, a.available_balance from public.accounts a
      join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = ${accounts[0].account_id}`;
    expect(changed).toEqual({ current_balance: '123.4500', available_balance: null });
    const [created] = await sql`select a.name, a.source, a.current_balance, pa.holder_category, pa.item_id from public.accounts a
      join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = ${appeared.account_id}`;
    expect(created).toEqual({ name: 'Rainy Day Saving', source: 'plaid', current_balance: '50.0000', holder_category: 'business', item_id: item.id });
  });

  it('gives the slot back when Plaid fails, so the user can retry at once', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const [{ plaid_item_id }] = await sql`select plaid_item_id from public.plaid_items where id = ${item.id}`;
    await emulator('POST', '/faults', { endpoint: '/accounts/balance/get', error_code: 'ITEM_LOGIN_REQUIRED', count: 1, item_id: plaid_item_id });
    const failed = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(failed.status).toBe(502);
    expect(failed.body.error.details.error_code).toBe('ITEM_LOGIN_REQUIRED');
    const retried = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(retried.status).toBe(200);
  });

  it('ITEM_LOGIN_REQUIRED from Plaid: says to reconnect in words, and the connection shows it needs the user', async () => {
    const s = await newSession();
    const item = await connectItem(s, { ready: false });
    const plaidItem = await plaidItemOf(item.id);
    await emulator('POST', `/items/${plaidItem}/login-required`); // no webhook for this Item: only Plaid's answers tell
    const res = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'PLAID_ERROR', details: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    expect(res.body.error.message).toContain('use Reconnect');
    // The status check (/item/get) records what Plaid says: the card offers Reconnect.
    const [row] = await eventually(() => sql`select status from public.plaid_items where id = ${item.id}`, (r) => r[0]?.status === 'login_required');
    expect(row.status).toBe('login_required');
  });

  it('Plaid\'s balance rate limit is a 429 RATE_LIMITED with Retry-After; PRODUCTS_NOT_SUPPORTED is said in words', async () => {
    const s = await newSession();
    const item = await connectItem(s, { ready: false });
    const plaidItem = await plaidItemOf(item.id);
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults',
      { endpoint: '/accounts/balance/get', error_code: 'RATE_LIMIT_EXCEEDED', count: 20, item_id: plaidItem });
    const limited = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    await emulator('DELETE', `/faults/${fault.id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: 60, plaid: { error_code: 'BALANCE_LIMIT' } } });
    await emulator('POST', '/faults', { endpoint: '/accounts/balance/get', error_code: 'PRODUCTS_NOT_SUPPORTED', count: 1, item_id: plaidItem });
    const unsupported = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(unsupported.status).toBe(502);
    expect(unsupported.body.error.message).toContain('does not offer live balances');
    const [{ status }] = await sql`select status from public.plaid_items where id = ${item.id}`;
    expect(status).toBe('healthy');
  });

  it('404 for another user\'s item, and nothing changes', async () => {
    const owner = await newSession();
    const other = await newSession();
    const item = await connectItem(owner);
    const res = await callFunction('plaid-balance', { item_id: item.id }, { session: other });
    expect(res.status).toBe(404);
    const [row] = await sql`select last_balance_refresh_at from public.plaid_items where id = ${item.id}`;
    expect(row.last_balance_refresh_at).toBeNull();
  });
});

describe('plaid-item-remove', () => {
  it('keeps history as manual accounts when asked, and deletes the Vault secret', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const [{ access_token_secret_id: secretId }] = await sql`select access_token_secret_id from public.plaid_items where id = ${item.id}`;
    const res = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: true }, { session: s });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ removed: true, kept_accounts: item.accounts.length });
    expect(await count('plaid_items', s.user_id)).toBe(0);
    expect(await count('plaid_accounts', s.user_id)).toBe(0);
    const accounts = await sql`select source from public.accounts where user_id = ${s.user_id}`;
    expect(accounts.length).toBe(item.accounts.length);
    expect(accounts.every((a) => a.source === 'manual')).toBe(true);
    expect((await sql`select count(*)::int as n from vault.secrets where id = ${secretId}`)[0].n).toBe(0);
    // Again: the connection is gone (404), nothing else changes.
    const again = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: true }, { session: s });
    expect(again.status).toBe(404);
    expect(await count('accounts', s.user_id)).toBe(item.accounts.length);
  });

  it('deletes everything when history is not kept; removed at Plaid too', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const [{ plaid_item_id }] = await sql`select plaid_item_id from public.plaid_items where id = ${item.id}`;
    const res = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: false }, { session: s });
    expect(res.body).toEqual({ removed: true, kept_accounts: 0 });
    expect(await count('accounts', s.user_id)).toBe(0);
    const at = await emulator<{ removed: boolean }>('GET', `/items/${plaid_item_id}`);
    expect(at.removed).toBe(true);
  });

  it('finishes the job when Plaid already removed the item (retry after a partial failure)', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const [{ plaid_item_id }] = await sql`select plaid_item_id from public.plaid_items where id = ${item.id}`;
    await emulator('POST', '/faults', { endpoint: '/item/remove', error_code: 'ITEM_NOT_FOUND', count: 1, item_id: plaid_item_id });
    const res = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: false }, { session: s });
    expect(res.status).toBe(200);
    expect(await count('plaid_items', s.user_id)).toBe(0);
  });

  it('404 for another user\'s item and nothing changes', async () => {
    const owner = await newSession();
    const other = await newSession();
    const item = await connectItem(owner);
    const res = await callFunction('plaid-item-remove', { item_id: item.id, keep_history: false }, { session: other });
    expect(res.status).toBe(404);
    expect(await count('plaid_items', owner.user_id)).toBe(1);
  });
});

describe('plaid-accounts', () => {
  it('lists manual and synced accounts with status and action needed, only the caller\'s', async () => {
    const s = await newSession();
    const other = await newSession();
    const item = await connectItem(s);
    await connectItem(other);
    await sql`insert into public.accounts (user_id, source, name, type, current_balance, currency) values (${s.user_id}, 'manual', 'Cash jar', 'depository', 120.50, 'USD')`;
    const res = await callFunction('plaid-accounts', {}, { session: s });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ id: item.id, status: 'healthy', action_needed: null });
    expect(res.body.accounts).toHaveLength(item.accounts.length + 1);
    const manual = res.body.accounts.find((a: { source: string }) => a.source === 'manual');
    expect(manual).toMatchObject({ name: 'Cash jar', current_balance: '120.5000', item_id: null });
    await sql`update public.plaid_items set status = 'login_required', error_code = 'ITEM_LOGIN_REQUIRED' where id = ${item.id}`;
    const after = await callFunction('plaid-accounts', {}, { session: s });
    expect(after.body.items[0].action_needed).toBe('reconnect');
    expect(after.body.accounts.filter((a: { action_needed: string }) => a.action_needed === 'reconnect')).toHaveLength(item.accounts.length);
  });
});
