// Faults injected at a random page of a multi-page sync (5xx, 429, a hung call past the timeout, and
// TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION): the final state equals the truth, nothing is
// duplicated or lost, and no cursor ever committed runs ahead of the data committed with it. Pages
// come from a seeded generator (tests/support/seed.ts): a failure prints the seed that repeats it.
import { describe, expect, it } from 'vitest';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { reportSeedOnFailure, seededRandom } from '../support/seed.ts';
import { expectCursorNeverAhead, expectEqualsTruth, plaidItemId, sql, syncNow, syncToEnd, truth, waitForIdle, watchCursor } from '../support/sync.ts';

const pages = 5;
const historySize = pages * 500 - 100;

async function freshItem() {
  const s = await newSession('fault');
  // No Plaid-side change happens before the fault is armed, so no webhook-driven run competes for it.
  const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: historySize } }) });
  await waitForIdle(item.id);
  const plaidId = await plaidItemId(item.id);
  // Start over from an empty database copy: delete what the initial sync stored and its cursor.
  await sql`delete from public.transactions where item_id = ${item.id}`;
  await sql`update public.plaid_sync_state set cursor = null, has_more = false, loop_start_cursor = null, transactions_total = 0 where item_id = ${item.id}`;
  return { item, plaidId };
}

/** The page the fault hits: any page after the first, chosen by the seeded generator. */
function faultPage(label: string) {
  reportSeedOnFailure('tests/sync/faults.test.ts');
  return seededRandom(label).int(2, pages);
}

const storedCount = async (itemId: string) => (await sql`select count(*)::int as n from public.transactions where item_id = ${itemId}`)[0].n as number;

describe('faults during a multi-page initial sync', () => {
  it.each([
    ['5xx (INTERNAL_SERVER_ERROR) past the retries', { error_code: 'INTERNAL_SERVER_ERROR', count: 3 }],
    ['429 (TRANSACTIONS_SYNC_LIMIT) past the retries', { error_code: 'RATE_LIMIT_EXCEEDED', count: 3 }],
  ])('%s: the run fails at that page with the cursor at the data, and the retry completes', async (label, fault) => {
    const { item, plaidId } = await freshItem();
    const page = faultPage(label);
    await emulator('POST', '/faults', { endpoint: '/transactions/sync', item_id: plaidId, page, ...fault });
    const watch = watchCursor(item.id);
    const runs = await syncNow(item.id);
    expect(runs[0].outcome).toBe('failed');
    // Exactly the pages before the fault are stored, and the cursor covers exactly them.
    expect(await storedCount(item.id)).toBe((page - 1) * 500);
    const [state] = await sql`select cursor is not null as has_cursor, has_more, transactions_total from public.plaid_sync_state where item_id = ${item.id} and product = 'transactions'`;
    expect(state).toEqual({ has_cursor: true, has_more: true, transactions_total: (page - 1) * 500 });
    await syncToEnd(item.id);
    await expectCursorNeverAhead(item.id, await watch.stop(), expect);
    await expectEqualsTruth(item.id, expect);
  });

  it('a hung call times out and is retried within the run', async () => {
    const { item, plaidId } = await freshItem();
    const page = faultPage('hang');
    await emulator('POST', '/faults', { endpoint: '/transactions/sync', item_id: plaidId, page, hang: true, hang_ms: 10_000, count: 1 });
    const watch = watchCursor(item.id);
    const runs = await syncToEnd(item.id);
    // The hang was served (the rule is used up) and the run still ended in one go: the call that
    // never answered timed out and was retried.
    expect((await emulator('GET', '/faults')).faults.filter((f: { item_id: string }) => f.item_id === plaidId)).toEqual([]);
    expect(runs.map((r) => [r.outcome, r.pages])).toEqual([['succeeded', pages]]);
    await expectCursorNeverAhead(item.id, await watch.stop(), expect);
    await expectEqualsTruth(item.id, expect);
  });

  it('mutation during pagination restarts the loop from its first cursor, as Plaid requires', async () => {
    const { item, plaidId } = await freshItem();
    const page = faultPage('mutation');
    await emulator('POST', '/faults', { endpoint: '/transactions/sync', item_id: plaidId, page, error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', count: 1 });
    // A real mutation too, so the restarted loop must pick it up.
    await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 7.77, name: 'Mid-loop purchase' }] });
    const watch = watchCursor(item.id);
    const runs = await syncToEnd(item.id);
    expect(runs.at(-1)?.outcome).toBe('succeeded');
    await expectCursorNeverAhead(item.id, await watch.stop(), expect);
    await expectEqualsTruth(item.id, expect);
    expect((await truth(plaidId)).length).toBe(historySize + 1);
  });
});
