// The sync's budgets (SYNC_TIME_BUDGET_MS, SYNC_MAX_PAGES_PER_RUN) belong to one invocation: the
// passes it runs for requests that arrived meanwhile share them, and what is left over goes to a
// follow-up invocation (outcome 'continued', dispatched by private.finish_sync) instead of making the
// invocation overrun the platform's limits. The engine runs here in Node (the module is
// runtime-neutral) against the test stack's database and Plaid emulator, with a clock the test moves;
// the follow-up invocation is the real plaid-sync, called by the database through pg_net.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { PostgresApi } from '@supabase/server/middleware/postgres';
import { startSync } from '../../supabase/functions/_shared/sync/engine.ts';
import type { SyncLimits } from '../../supabase/functions/_shared/sync/limits.ts';
import type { ServiceContext } from '../../supabase/functions/_shared/function.ts';
import { PlaidClient } from '../../supabase/functions/_shared/plaid/client.ts';
import { plaidConfigFrom } from '../../supabase/functions/_shared/plaid/config.ts';
import { createLogger } from '../../supabase/functions/_shared/log.ts';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, syncNow, waitForIdle } from '../support/sync.ts';

/**
 * A service context like plaid-sync's, in this process. After each Plaid call, `afterCall` runs (the
 * test's "meanwhile": changes at the bank, sync requests) and the invocation's clock moves on.
 */
function engineContext(afterCall: (n: number) => Promise<number>) {
  const log = createLogger({ fn: 'plaid-sync-in-test' }, () => {});
  // node-postgres, as @supabase/server's admin client (values go as untyped text parameters).
  const queryRaw = async (text: string, params: unknown[] = []) => (await pool.query(text, params)).rows;
  const admin = {
    query: (strings: TemplateStringsArray, ...values: unknown[]) => queryRaw(strings.reduce((q, part, i) => `${q}$${i}${part}`), values),
    queryRaw,
  } as unknown as PostgresApi;
  const plaid = new PlaidClient(plaidConfigFrom({
    PLAID_CLIENT_ID: testStack.keys.plaidClientId, PLAID_SECRET: testStack.keys.plaidSecret, PLAID_BASE_URL: testStack.plaidUrl,
  }), log);
  const clock = { now: 1_000_000 };
  let calls = 0;
  const callRaw = plaid.callRaw.bind(plaid);
  plaid.callRaw = (async (...args: Parameters<typeof callRaw>) => {
    const result = await callRaw(...args);
    clock.now += await afterCall(++calls);
    return result;
  }) as typeof plaid.callRaw;
  const ctx: ServiceContext = { env: {}, log, stats: { dbRoundTrips: 0, peakHeapBytes: 0 }, admin, plaid: () => plaid };
  return { ctx, now: () => clock.now };
}

const pool = new pg.Pool({ connectionString: testStack.adminDbUrl, max: 2 });
afterAll(() => pool.end());

const limits: SyncLimits = { maxPagesPerRun: 40, timeBudgetMs: 10_000, leaseSeconds: 60, maxPasses: 5, maxPaginationRestarts: 5 };

async function syncedItem(label: string) {
  const s = await newSession(label);
  const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: 40 } }) });
  await syncNow(item.id); // the exchange's sync found Plaid NOT_READY; the history is there now

  return { item, plaidId: await plaidItemId(item.id) };
}

const runsSince = async (itemId: string, since: Date) => await sql`
  select trigger, outcome, pages, added from public.sync_runs
  where item_id = ${itemId} and product = 'transactions' and started_at >= ${since} order by started_at`;

describe('sync budgets are per invocation', () => {
  it('a pass owed after the time budget is spent goes to a follow-up invocation, which syncs what changed', async () => {
    const { item, plaidId } = await syncedItem('budget-time');
    const { ctx, now } = engineContext(async (n) => {
      // While the first pass runs: a change at the bank, and a sync request for it (one more pass owed).
      if (n === 1) {
        await emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 8.25, name: 'After the first page' }] });
        await sql`select private.request_sync(${item.id}, 'transactions', 'webhook')`;
      }
      return limits.timeBudgetMs + 1; // each call alone uses up the invocation's time
    });
    const [{ since }] = await sql`select now() as since`;
    const { claimed, done } = await startSync(ctx, item.id, 'transactions', 'manual', limits, now);
    expect(claimed).toBe(true);
    // The owed pass is claimed but fetches nothing: the time is gone (a budget per pass would have
    // let it run a page: [succeeded 1, succeeded 1]).
    expect((await done).map((r) => [r.outcome, r.pages])).toEqual([['succeeded', 1], ['continued', 0]]);
    await waitForIdle(item.id);
    expect((await runsSince(item.id, since)).map((r) => ({ ...r }))).toEqual([
      { trigger: 'manual', outcome: 'succeeded', pages: 1, added: 0 },
      { trigger: 'follow_up', outcome: 'continued', pages: 0, added: 0 },
      { trigger: 'follow_up', outcome: 'succeeded', pages: 1, added: 1 },
    ]);
    await expectEqualsTruth(item.id, expect);
  });

  it('the page budget is shared by the passes too', async () => {
    const { item, plaidId } = await syncedItem('budget-pages');
    const { ctx, now } = engineContext(async (n) => {
      // After the first pass's page: 1,000 older transactions appear (two pages) and a request.
      if (n === 1) {
        await emulator('POST', `/items/${plaidId}/history`, { size: 1040 });
        await sql`select private.request_sync(${item.id}, 'transactions', 'webhook')`;
      }
      return 0;
    });
    const [{ since }] = await sql`select now() as since`;
    const { done } = await startSync(ctx, item.id, 'transactions', 'manual', { ...limits, maxPagesPerRun: 2 }, now);
    // Two pages for the invocation, one in each pass (a budget per pass would let the second pass
    // finish: [succeeded 1, succeeded 2]).
    expect((await done).map((r) => [r.outcome, r.pages])).toEqual([['succeeded', 1], ['continued', 1]]);
    await waitForIdle(item.id);
    const runs = await runsSince(item.id, since);
    expect(runs.map((r) => [r.trigger, r.outcome])).toEqual([['manual', 'succeeded'], ['follow_up', 'continued'], ['follow_up', 'succeeded']]);
    expect(runs.reduce((n, r) => n + r.added, 0)).toBe(1000);
    await expectEqualsTruth(item.id, expect);
  });
});
