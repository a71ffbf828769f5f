// Removing a connection while its sync is writing pages: the removal waits for the page in flight
// (one lock order: sync state, then the item) instead of deadlocking, and the sync ends quietly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { sql } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

/** Deadlocks Postgres reported so far (its log is written when the error is raised). */
const deadlocks = () => readFileSync(testStack.cluster.logFile, 'utf8').split('deadlock detected').length - 1;

describe('removal during a sync', () => {
  it('removes every connection whose initial sync is still running, with no error on either side', async () => {
    const before = deadlocks();
    const custom = { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: 3000 } }) };
    const users = await Promise.all(Array.from({ length: 4 }, () => newSession('race')));
    const items = await Promise.all(users.map((s) => connectItem(s, custom)));
    // Wait until each item's initial sync has written at least one page, then remove them all at once.
    await eventually(async () => (await sql`select count(distinct item_id)::int as n from public.sync_runs
      where item_id = any(${items.map((i) => i.id)}) and pages > 0`)[0].n, (n) => n === items.length);
    const removed = await Promise.all(items.map((item, i) => callFunction('plaid-item-remove', { item_id: item.id, keep_history: i % 2 === 0 }, { session: users[i] })));
    expect(removed.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Neither side was a deadlock victim (a sync page that lost would only show as a failed run).
    expect(deadlocks() - before).toBe(0);
    expect((await sql`select count(*)::int as n from public.plaid_items where id = any(${items.map((i) => i.id)})`)[0].n).toBe(0);
    // Kept history stays whole: the transactions of kept accounts are still the user's.
    for (const [i, s] of users.entries()) {
      const [{ n }] = await sql`select count(*)::int as n from public.transactions where user_id = ${s.user_id} and item_id is not null`;
      expect({ i, n }).toEqual({ i, n: 0 });
    }
  });
});
