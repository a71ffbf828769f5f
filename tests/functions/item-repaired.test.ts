// plaid-item-repaired: after Link update mode, the item is healthy again only when Plaid says so.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, syncNow, waitForIdle } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

describe('plaid-item-repaired', () => {
  it('refuses while Plaid still reports the error, then marks the item healthy and syncs it', async () => {
    const s = await newSession('repair');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', `/items/${plaidId}/login-required`);
    const failed = await syncNow(item.id);
    expect(failed[0]).toMatchObject({ outcome: 'failed', error_code: 'ITEM_LOGIN_REQUIRED' });
    expect((await sql`select status from public.plaid_items where id = ${item.id}`)[0].status).toBe('login_required');

    const early = await callFunction('plaid-item-repaired', { item_id: item.id }, { session: s });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'ITEM_STILL_NEEDS_ATTENTION', details: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    expect((await sql`select status from public.plaid_items where id = ${item.id}`)[0].status).toBe('login_required');

    // The user completes update mode (the emulator's Link repairs the login).
    await emulator('POST', `/items/${plaidId}/login-repaired`);
    await sql`update public.plaid_items set new_accounts_available = true where id = ${item.id}`;
    const ok = await callFunction('plaid-item-repaired', { item_id: item.id, account_selection: true }, { session: s });
    expect(ok).toMatchObject({ status: 200, body: { item_id: item.id, status: 'healthy', sync_requested: true } });
    const [row] = await sql`select status, error, error_code, new_accounts_available from public.plaid_items where id = ${item.id}`;
    expect({ ...row }).toEqual({ status: 'healthy', error: null, error_code: null, new_accounts_available: false });
    await waitForIdle(item.id);
    const [run] = await sql`select trigger, outcome from public.sync_runs where item_id = ${item.id} order by started_at desc limit 1`;
    expect({ ...run }).toEqual({ trigger: 'manual', outcome: 'succeeded' });
  });

  it('when Plaid cannot confirm (ITEM_GET_LIMIT), says so and a status check marks the item healthy by itself', async () => {
    const s = await newSession('repair');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', `/items/${plaidId}/login-required`);
    expect((await syncNow(item.id))[0]).toMatchObject({ outcome: 'failed', error_code: 'ITEM_LOGIN_REQUIRED' });
    await emulator('POST', `/items/${plaidId}/login-repaired`); // the user completed update mode
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults',
      { endpoint: '/item/get', error_code: 'RATE_LIMIT_EXCEEDED', count: 20, item_id: plaidId });
    const res = await callFunction('plaid-item-repaired', { item_id: item.id }, { session: s });
    await emulator('DELETE', `/faults/${fault.id}`);
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ code: 'PLAID_ERROR', details: { error_code: 'ITEM_GET_LIMIT' } });
    expect(res.body.error.message).toContain('asks Plaid again by itself');
    const [row] = await eventually(() => sql`select status from public.plaid_items where id = ${item.id}`, (r) => r[0].status === 'healthy');
    expect(row.status).toBe('healthy');
  });

  it('answers 404 for another user\'s item and changes nothing', async () => {
    const owner = await newSession('repair');
    const item = await connectItem(owner);
    await waitForIdle(item.id);
    await sql`update public.plaid_items set status = 'login_required' where id = ${item.id}`;
    const res = await callFunction('plaid-item-repaired', { item_id: item.id }, { session: await newSession('repair-other') });
    expect(res.status).toBe(404);
    expect((await sql`select status from public.plaid_items where id = ${item.id}`)[0].status).toBe('login_required');
  });
});
