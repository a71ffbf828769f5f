// A poison record never blocks an item, end to end through the emulator: what Plaid can send fits
// (a transaction of 1.2e16, a balance of 1e17), a record that still cannot be stored is set aside and
// counted in its run while the rest of the page is stored and the cursor moves on, the read model
// shows it, a corrected version releases it, text Postgres cannot hold is stored with U+FFFD, and
// plaid-balance answers 200 whatever the balances.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { logMark } from '../support/plaid-calls.ts';
import { newSession, testStack } from '../support/stack.ts';
import { plaidItemId, sql, syncNow, waitForIdle, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

async function connected(label: string) {
  const s = await newSession(label);
  const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: 30 } }), webhook: true });
  await waitForImport(item.id);
  return { s, item, plaidId: await plaidItemId(item.id) };
}

const itemRow = async (s: Awaited<ReturnType<typeof newSession>>, itemId: string) =>
  (await callFunction('plaid-accounts', {}, { session: s })).body.items.find((i: { id: string }) => i.id === itemId);

describe('poison records', () => {
  it('are set aside and counted; the rest of the page is stored; a corrected version is stored and released', async () => {
    const { s, item, plaidId } = await connected('poison-sync');
    const [victim] = await sql`select plaid_transaction_id as id from public.transactions where item_id = ${item.id} order by date desc limit 1`;
    const [{ since }] = await sql`select now() as since`;
    await emulator('PATCH', `/items/${plaidId}/transactions/${victim.id}`, { date: '0000-01-01' });
    const { transactions: [huge] } = await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 1.2e16, name: 'Enormous' }] });
    // Plaid's webhook may sync the changes before this does: every run since then succeeded, one set the record aside.
    await syncNow(item.id);
    await waitForIdle(item.id);
    const runs = await sql`select outcome, quarantined from public.sync_runs where item_id = ${item.id} and product = 'transactions' and started_at >= ${since}`;
    expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);
    expect(runs.reduce((n, r) => n + r.quarantined, 0)).toBe(1);
    const [stored] = await sql`select amount::text as amount from public.transactions where plaid_transaction_id = ${huge.transaction_id}`;
    expect(stored.amount).toBe('12000000000000000.0000');
    const [set] = await sql`select kind, record_key, reason, record ->> 'date' as date from public.quarantined_records where item_id = ${item.id}`;
    expect(set).toEqual({ kind: 'transaction', record_key: victim.id, reason: 'date is not a calendar date from year 1 (YYYY-MM-DD): "0000-01-01"', date: '0000-01-01' });
    // The item is not stuck: the run succeeded, the cursor moved past the page, the user is told.
    const overview = await itemRow(s, item.id);
    expect(overview).toMatchObject({ records_quarantined: 1, initial_sync_done: true, status: 'healthy', last_sync_error_code: null });
    expect(Date.parse(overview.last_synced_at)).toBeGreaterThan(Date.now() - 60_000);

    // The bank corrects it: stored, and no longer set aside.
    await emulator('PATCH', `/items/${plaidId}/transactions/${victim.id}`, { date: '2024-02-29' });
    await syncNow(item.id);
    const [fixed] = await sql`select date::text as date from public.transactions where plaid_transaction_id = ${victim.id}`;
    expect(fixed.date).toBe('2024-02-29');
    expect((await itemRow(s, item.id)).records_quarantined).toBe(0);
  });

  it('text Postgres cannot hold (a NUL character) is stored with U+FFFD, and the replacement is logged with request_id', async () => {
    const { item, plaidId } = await connected('poison-nul');
    const mark = logMark();
    const { transactions: [tx] } = await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 9.5, name: 'Corner\u0000Shop' }] });
    await syncNow(item.id);
    const [row] = await sql`select name from public.transactions where plaid_transaction_id = ${tx.transaction_id}`;
    expect(row.name).toBe('Corner\uFFFDShop');
    const replaced = /"msg":"plaid_text_replaced","fn":"plaid-sync".*"endpoint":"\/transactions\/sync","request_id":"[^"]+","strings":[1-9]/;
    await eventually(async () => readFileSync(testStack.stackLog).subarray(mark).toString('utf8'), (log) => replaced.test(log), 10_000, { what: 'the plaid_text_replaced log line' });
  });

  it('plaid-balance answers 200 for a balance of 1e17 and for an account it cannot store (set aside, its last balance kept)', async () => {
    const { s, item, plaidId } = await connected('poison-balance');
    const { accounts } = await emulator<{ accounts: Array<{ account_id: string; type: string }> }>('GET', `/items/${plaidId}/accounts`);
    const credit = accounts.find((a) => a.type === 'credit')!;
    const checking = accounts.find((a) => a.type === 'depository')!;
    await emulator('POST', `/items/${plaidId}/balances`, { account_id: checking.account_id, current: 1e17 });
    await emulator('POST', `/items/${plaidId}/balances`, { account_id: credit.account_id, limit: -1 });
    const res = await callFunction('plaid-balance', { item_id: item.id }, { session: s });
    expect(res.status).toBe(200);
    const [chk] = await sql`select a.current_balance::text as balance from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where pa.plaid_account_id = ${checking.account_id}`;
    expect(chk.balance).toBe('100000000000000000.0000');
    expect(res.body.accounts).toHaveLength(accounts.length - 1);
    const [set] = await sql`select reason from public.quarantined_records where item_id = ${item.id} and record_key = ${credit.account_id}`;
    expect(set.reason).toBe('balances.limit is negative: -1');
  });
});
