// 20 simultaneous sync requests for one item: one run at a time (the lease), later requests
// coalesced into one more pass, final state equal to the truth, no duplicate rows.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, waitForIdle } from '../support/sync.ts';

describe('concurrent sync requests', () => {
  it('runs one pass at a time and ends equal to the truth', async () => {
    const s = await newSession('concurrent');
    const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ history_size: 1800 }) });
    await waitForIdle(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', `/items/${plaidId}/transactions`, { transactions: Array.from({ length: 25 }, (_, i) => ({ amount: i + 1, name: `Burst ${i}` })) });
    const started = new Date();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? callFunction('plaid-sync', { item_id: item.id, trigger: 'cron' }, { secretKey: true })
        : callFunction('plaid-sync', { item_id: item.id }, { session: s })));
    expect(responses.every((r) => r.status === 202)).toBe(true);
    // Several may claim one after another (a pass can finish before the next request lands); what
    // must never happen is two runs overlapping, checked on the run records below.
    await waitForIdle(item.id);
    const runs = await sql`select started_at, finished_at, outcome from public.sync_runs
      where item_id = ${item.id} and product = 'transactions' and started_at >= ${started} order by started_at`;
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < runs.length; i++) expect(runs[i].started_at >= runs[i - 1].finished_at).toBe(true);
    expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);
    await expectEqualsTruth(item.id, expect);
    const [dups] = await sql`select count(*) - count(distinct plaid_transaction_id) as n from public.transactions where item_id = ${item.id}`;
    expect(Number(dups.n)).toBe(0);
  });
});
