// The item lifecycle functions on the real functions host, against real Postgres and the Plaid emulator.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction, connectItem, emulator, sandboxPublicToken } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });
const count = async (table: string, userId: string) =>
  (await sql`select count(*)::int as n from ${sql(table)} where user_id = ${userId}`)[0].n as number;

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
});

describe('plaid-exchange-token', () => {
  it('stores the token in Vault, creates the item and its accounts, requests the initial sync, returns no token', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    expect(item.institution_name).toBe('First Platypus Bank');
    expect(item.accounts.length).toBeGreaterThan(3);
    expect(JSON.stringify(item)).not.toMatch(/access-sandbox/);
    const [row] = await sql`select access_token_secret_id, status from public.plaid_items where id = ${item.id}`;
    expect(row.status).toBe('healthy');
    const [secret] = await sql`select decrypted_secret from vault.decrypted_secrets where id = ${row.access_token_secret_id}`;
    expect(secret.decrypted_secret).toMatch(/^access-sandbox-/);
    expect(await count('accounts', s.user_id)).toBe(item.accounts.length);
    expect(await count('plaid_accounts', s.user_id)).toBe(item.accounts.length);
    const states = await sql`select product, requested_at from public.plaid_sync_state where item_id = ${item.id}`;
    expect(states.map((r) => r.product)).toContain('transactions');
    expect(states.every((r) => r.requested_at !== null)).toBe(true);
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

  it('surfaces Plaid errors as typed errors with request_id and writes nothing', async () => {
    const s = await newSession();
    const res = await callFunction('plaid-exchange-token', { public_token: 'public-sandbox-00000000-0000-0000-0000-000000000000' }, { session: s });
    expect(res.status).toBe(502);
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
