// A bank outage is not "Syncing…": a sync that failed and waits for its retry (INSTITUTION_DOWN, Plaid's
// 5xx, timeouts) is shown by the read model with its error and the next retry time, not in progress.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, syncNow, syncOnce, waitForImport } from '../support/sync.ts';

describe('a failed sync waiting for its retry', () => {
  it('says what failed and when it is retried, and not "in progress"', async () => {
    const s = await newSession('outage');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults', { endpoint: '/transactions/sync', error_code: 'INSTITUTION_DOWN', count: 20, item_id: plaidId });
    try {
      const runs = await syncNow(item.id);
      expect(runs[0]).toMatchObject({ outcome: 'failed', error_code: 'INSTITUTION_DOWN' });
      const res = await callFunction('plaid-accounts', {}, { session: s });
      const overview = res.body.items.find((i: { id: string }) => i.id === item.id);
      expect(overview).toMatchObject({ sync_in_progress: false, sync_running: false, last_sync_error_code: 'INSTITUTION_DOWN', action_needed: null });
      const [{ next }] = await sql`select next_attempt_at as next from public.plaid_sync_state where item_id = ${item.id} and product = 'transactions'`;
      expect(Date.parse(overview.sync_retry_at)).toBe(next.getTime());
      expect(Date.parse(overview.sync_retry_at)).toBeGreaterThan(Date.now());
      // Its accounts say the same.
      expect(res.body.accounts.filter((a: { item_id: string }) => a.item_id === item.id).every((a: { sync_in_progress: boolean }) => !a.sync_in_progress)).toBe(true);
    } finally {
      await emulator('DELETE', `/faults/${fault.id}`).catch(() => {});
    }
    // Once the retry succeeds the note goes.
    await sql`update public.plaid_sync_state set next_attempt_at = now() where item_id = ${item.id}`;
    expect((await syncOnce(item.id))[0].outcome).toBe('succeeded');
    const [after] = await sql`select sync_retry_at, last_sync_error_code from public.item_overview where id = ${item.id}`;
    expect(after).toEqual({ sync_retry_at: null, last_sync_error_code: null });
  });
});
