// plaid-sync against the emulator: the database equals Plaid's truth after every sync.
import { describe, expect, it } from 'vitest';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, syncNow, syncToEnd, waitForIdle } from '../support/sync.ts';

describe('transactions sync', () => {
  it('initial sync stores exactly Plaid\'s transactions, commits the cursor and records the run', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const runs = await syncToEnd(item.id);
    expect(runs.at(-1)?.outcome).toBe('succeeded');
    await expectEqualsTruth(item.id, expect);
    const [state] = await sql`select cursor, has_more, requested_at, lease_id, initial_sync_done, transactions_total, last_synced_at
      from public.plaid_sync_state where item_id = ${item.id} and product = 'transactions'`;
    expect(state).toMatchObject({ has_more: false, requested_at: null, lease_id: null, initial_sync_done: true });
    expect(state.cursor).toBeTruthy();
    expect(state.transactions_total).toBe((await sql`select count(*)::int as n from public.transactions where item_id = ${item.id}`)[0].n);
    const [run] = await sql`select outcome, pages, added, plaid_request_ids from public.sync_runs where item_id = ${item.id} and product = 'transactions' order by started_at desc limit 1`;
    expect(run.outcome).toBe('succeeded');
    expect(run.plaid_request_ids.length).toBe(run.pages);
  });

  it('the initial import is done only once Plaid has the whole history: NOT_READY, then the last 30 days, then all', async () => {
    const s = await newSession();
    // Plaid is slow with this Item (an hour a stage); the test moves it on with the emulator's control API.
    const slow = JSON.stringify({ emulator: { history_size: 300, transactions_ready_delay_ms: 3_600_000 } });
    const item = await connectItem(s, { username: 'user_custom', password: slow, ready: false });
    await waitForIdle(item.id);
    const plaidId = await plaidItemId(item.id);
    const progress = async () => (await sql`select o.initial_sync_done, o.transactions_synced, o.sync_in_progress from public.item_overview o where o.id = ${item.id}`)[0];
    // The exchange's sync found Plaid NOT_READY: nothing stored, and the read model says importing.
    expect(await progress()).toEqual({ initial_sync_done: false, transactions_synced: 0, sync_in_progress: false });
    const [first] = await sql`select outcome, added from public.sync_runs where item_id = ${item.id} and product = 'transactions'`;
    expect(first).toEqual({ outcome: 'succeeded', added: 0 });

    await emulator('POST', `/items/${plaidId}/transactions-status/advance`); // INITIAL_UPDATE_COMPLETE: the last 30 days
    await syncNow(item.id);
    const initial = await progress();
    expect(initial.initial_sync_done).toBe(false);
    expect(initial.transactions_synced).toBeGreaterThan(0);
    expect(initial.transactions_synced).toBeLessThan(300);

    await emulator('POST', `/items/${plaidId}/transactions-status/advance`); // HISTORICAL_UPDATE_COMPLETE
    await syncNow(item.id);
    expect(await progress()).toEqual({ initial_sync_done: true, transactions_synced: 300, sync_in_progress: false });
    await expectEqualsTruth(item.id, expect);
  });

  it('applies adds, modifies, removals and pending → posted on the next sync', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    await syncToEnd(item.id);
    const plaidId = await plaidItemId(item.id);
    const added = await emulator<{ transactions: Array<{ transaction_id: string }> }>('POST', `/items/${plaidId}/transactions`, {
      transactions: [{ amount: 4.5, name: 'Coffee', pending: true }, { amount: 120, name: 'Groceries' }],
    });
    const [pendingId, postedId] = added.transactions.map((t) => t.transaction_id);
    await syncNow(item.id);
    await expectEqualsTruth(item.id, expect);
    await emulator('PATCH', `/items/${plaidId}/transactions/${postedId}`, { amount: 99.99 });
    await emulator('POST', `/items/${plaidId}/transactions/${pendingId}/post`, { amount: 4.75 });
    await syncNow(item.id);
    await expectEqualsTruth(item.id, expect);
    const [posted] = await sql`select pending, amount::text as amount from public.transactions where pending_transaction_id = ${pendingId}`;
    expect(posted).toEqual({ pending: false, amount: '4.7500' });
    expect((await sql`select count(*)::int as n from public.transactions where plaid_transaction_id = ${pendingId}`)[0].n).toBe(0);
    await emulator('DELETE', `/items/${plaidId}/transactions/${postedId}`);
    await syncNow(item.id);
    await expectEqualsTruth(item.id, expect);
  });

  it('a no-change sync makes one Plaid call and succeeds', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    await syncToEnd(item.id);
    const runs = await syncNow(item.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'succeeded', pages: 1 });
  });

  it('ITEM_LOGIN_REQUIRED sets the item status and stops retries until repaired', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    await syncToEnd(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', '/config', { webhook_mode: 'off' });
    await emulator('POST', `/items/${plaidId}/login-required`);
    await emulator('POST', '/config', { webhook_mode: 'immediate' });
    const runs = await syncNow(item.id);
    expect(runs[0]).toMatchObject({ outcome: 'failed', error_code: 'ITEM_LOGIN_REQUIRED' });
    const [i] = await sql`select status, error_code from public.plaid_items where id = ${item.id}`;
    expect(i).toEqual({ status: 'login_required', error_code: 'ITEM_LOGIN_REQUIRED' });
    // Not retried while the user must act: the next run is not even started.
    expect((await syncNow(item.id))[0].outcome).toBe('coalesced');
    const [state] = await sql`select requested_at, attempts from public.plaid_sync_state where item_id = ${item.id} and product = 'transactions'`;
    expect(state.requested_at).not.toBeNull();
    expect(state.attempts).toBe(0);
  });

  it('transient errors are recorded and backed off', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', '/faults', { endpoint: '/transactions/sync', error_code: 'INTERNAL_SERVER_ERROR', count: 3, item_id: plaidId });
    const runs = await syncNow(item.id);
    expect(runs[0]).toMatchObject({ outcome: 'failed', error_code: 'INTERNAL_SERVER_ERROR' });
    const [state] = await sql`select attempts, next_attempt_at > now() as backed_off, last_error ->> 'request_id' as request_id
      from public.plaid_sync_state where item_id = ${item.id} and product = 'transactions'`;
    expect(state).toMatchObject({ attempts: 1, backed_off: true });
    expect(state.request_id).toBeTruthy();
    expect((await syncToEnd(item.id)).at(-1)?.outcome).toBe('succeeded');
    await expectEqualsTruth(item.id, expect);
  });
});
