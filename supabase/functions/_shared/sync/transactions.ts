// /transactions/sync, page by page: each page's writes and its cursor are one SQL call, so the cursor
// is never ahead of the data and a crash resumes from the last committed page. On
// TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION the loop restarts from the cursor it started from, as
// Plaid requires; re-applying pages is idempotent (upserts and deletes by Plaid's id).
import type { ServiceContext } from '../function.ts';
import { PlaidApiError } from '../plaid/errors.ts';
import { type Budget, budgetSpent, type Claim, type ProductResult } from './types.ts';
import type { SyncLimits } from './limits.ts';

type PageResult = { has_more: boolean; next_cursor: string };

/** The isolate's heap in use (Deno; 0 elsewhere): the Edge Function memory limit applies to it. */
const heapUsed = (): number => (globalThis as { Deno?: { memoryUsage?: () => { heapUsed: number } } }).Deno?.memoryUsage?.().heapUsed ?? 0;

export async function syncTransactions(ctx: ServiceContext, itemId: string, token: string, claim: Claim, limits: SyncLimits, budget: Budget): Promise<ProductResult> {
  // A loop left open by an earlier invocation keeps its start; otherwise this loop starts here.
  let cursor = claim.cursor || undefined;
  const loopStart = claim.has_more ? (claim.loop_start_cursor || undefined) : cursor;
  let pages = 0;
  let restarts = 0;
  for (;;) {
    // The budgets are the invocation's, shared by its passes: what is left goes to a follow-up.
    if (budgetSpent(budget)) return { outcome: 'continued', pages };
    let text: string;
    await budget.pace.beforeCall();
    try {
      ({ text } = await ctx.plaid().callRaw('/transactions/sync', {
        access_token: token, cursor, count: 500, options: { include_original_description: true },
      }, { itemId, deadline: budget.callDeadline }));
    } catch (e) {
      if (e instanceof PlaidApiError && e.errorCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' && restarts < limits.maxPaginationRestarts) {
        restarts++;
        ctx.log.info('sync_pagination_restart', { item: itemId, restarts, request_id: e.requestId });
        cursor = loopStart;
        continue;
      }
      throw e;
    }
    const [{ r }] = await ctx.admin.query<{ r: PageResult }>`
      select private.apply_transactions_page(${itemId}::uuid, ${claim.lease_id}::uuid, ${claim.run_id}::uuid,
        ${text}::jsonb, ${loopStart ?? null}, ${limits.leaseSeconds}::int) as r`;
    pages++;
    budget.pagesLeft--;
    ctx.stats.peakHeapBytes = Math.max(ctx.stats.peakHeapBytes, heapUsed());
    if (!r.has_more) return { outcome: 'succeeded', pages };
    cursor = r.next_cursor;
  }
}
