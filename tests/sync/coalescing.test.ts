// Nobody can make the server run syncs in bulk: requests coalesce per item (a burst of one valid
// webhook replayed, or "Sync now" pressed again and again, is one run plus one follow-up, so a handful
// of Plaid calls), and every dispatch holds one of max_in_flight slots, whoever asked: requests
// beyond the cap wait as database state and drain as runs finish, with nothing called by hand.
import { describe, expect, it } from 'vitest';
import { rateLimits } from '../../supabase/functions/_shared/rate-limits.ts';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, waitForIdle } from '../support/sync.ts';
import { deliver, plaidBody, signature } from '../support/webhooks.ts';
import { eventually } from '../support/wait.ts';

const runsSince = async (itemId: string, since: Date) => await sql`
  select trigger, outcome, pages from public.sync_runs where item_id = ${itemId} and product = 'transactions' and started_at >= ${since}
  order by started_at`;

/** An idle item with a change at the bank that the database does not have yet. */
async function itemWithNewData(label: string) {
  const s = await newSession(label);
  const item = await connectItem(s);
  await waitForIdle(item.id);
  const plaidId = await plaidItemId(item.id);
  await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 12.5, name: `${label} purchase` }] });
  const [{ since }] = await sql`select now() as since`;
  return { s, item, plaidId, since: since as Date };
}

async function inBatches<T>(n: number, size: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += size) out.push(...await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => f(i + j))));
  return out;
}

describe('request coalescing', () => {
  it('one valid webhook delivered 100 times is one run plus at most one follow-up', async () => {
    const { item, plaidId, since } = await itemWithNewData('replay');
    const body = plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: plaidId,
      initial_update_complete: true, historical_update_complete: true });
    const { jwt } = await signature(body);
    const answers = await inBatches(100, 25, () => deliver(body, jwt));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await eventually(() => runsSince(item.id, since), (runs) => runs.length > 0 && runs.every((r) => r.outcome !== 'running'));
    await waitForIdle(item.id);
    const runs = await runsSince(item.id, since);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    // Each run is one /transactions/sync call here (one page): the burst cost at most two Plaid calls.
    expect(runs.reduce((n, r) => n + r.pages, 0)).toBeLessThanOrEqual(2);
    expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);
    await expectEqualsTruth(item.id, expect);
  });

  it('"Sync now" pressed 50 times: the item\'s bucket is accepted, the rest 429, and what is accepted is one run plus at most one follow-up', async () => {
    const { s, item, since } = await itemWithNewData('sync-now');
    const answers = await inBatches(50, 25, () => callFunction('plaid-sync', { item_id: item.id }, { session: s }));
    // The per-item rate limit (tests/functions/rate-limits.test.ts) answers the excess; the accepted
    // requests coalesce into the item's run.
    const perItem = rateLimits.sync_now.item!.limit;
    expect(answers.filter((a) => a.status === 202)).toHaveLength(perItem);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(50 - perItem);
    expect(perItem).toBeGreaterThan(2);
    await eventually(() => runsSince(item.id, since), (runs) => runs.length > 0 && runs.every((r) => r.outcome !== 'running'));
    await waitForIdle(item.id);
    const runs = await runsSince(item.id, since);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(runs.map((r) => r.trigger)).toContain('manual');
    await expectEqualsTruth(item.id, expect);
  });
});

describe('max_in_flight', () => {
  it('caps requests of any origin: beyond it they wait in the queue and drain as runs finish', async () => {
    const [{ cap }] = await sql`select max_in_flight as cap from private.sync_settings`;
    const count = cap + 10;
    const items = await inBatches(count, 6, async (i) => (await itemWithNewData(`cap-${i}`)).item.id);
    const [{ since }] = await sql`select now() as since`;
    // All at once, as a flood of webhooks would make them (each request_sync is what plaid-webhook calls).
    const requested = await sql`select private.request_sync(id, 'transactions', 'webhook') as dispatched
      from unnest(${items}::uuid[]) id`;
    const dispatched = requested.filter((r) => r.dispatched).length;
    expect(dispatched).toBeLessThanOrEqual(cap);
    const [{ queued }] = await sql`select count(*)::int as queued from public.plaid_sync_state
      where item_id = any(${items}) and product = 'transactions' and due_at is not null and dispatch_token is null`;
    expect(queued).toBe(count - dispatched);
    // Nothing called by hand: finishing runs hand their slots on until every item is synced.
    await eventually(async () => (await sql`select count(*)::int as n from public.plaid_sync_state
        where item_id = any(${items}) and product = 'transactions' and last_synced_at >= ${since} and requested_at is null`)[0].n,
      (n) => n === count, 60_000, { what: 'every item synced' });
    // Never more than the cap ran at once: the most runs of these items that overlapped in time.
    const [{ peak }] = await sql`select coalesce(max(c), 0)::int as peak from (
        select (select count(*) from public.sync_runs o where o.item_id = any(${items}) and o.started_at >= ${since}
                and o.started_at <= r.started_at and o.finished_at > r.started_at) as c
        from public.sync_runs r where r.item_id = any(${items}) and r.started_at >= ${since}) x`;
    expect(peak).toBeLessThanOrEqual(cap);
    for (const id of items.slice(0, 3)) await expectEqualsTruth(id, expect);
  }, 120_000);
});
