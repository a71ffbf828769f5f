// /transactions/sync, page by page: each page's writes and its cursor are one SQL call, so the cursor
// is never ahead of the data and a crash resumes from the last committed page. The next page's cursor
// is in the page itself, so page N+1 is fetched while page N is written; nothing is committed for a
// page until its own write, and writes happen one after the other in page order. On
// TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION the loop restarts from the cursor it started from, as
// Plaid requires; re-applying pages is idempotent (upserts and deletes by Plaid's id).
import type { ServiceContext } from '../function.ts';
import type { PlaidResponse } from '../plaid/client.ts';
import { PlaidApiError } from '../plaid/errors.ts';
import { type Budget, budgetSpent, type Claim, type ProductResult } from './types.ts';
import type { SyncLimits } from './limits.ts';

type Page = PlaidResponse<'/transactions/sync'>;
type PageResult = { quarantined: number };

/**
 * The transaction fields private.apply_transactions_page reads (the composite type
 * private.plaid_transaction, in order; tests/sync/page-fields.test.ts keeps the two equal). A page goes
 * to the database with only these, null ones left out: about a third less JSON for Postgres to parse,
 * the largest part of a page's cost there. Names and shapes stay Plaid's; the mapping stays in SQL.
 */
export const PAGE_TRANSACTION_FIELDS = [
  'transaction_id', 'account_id', 'amount', 'iso_currency_code', 'unofficial_currency_code', 'date', 'authorized_date',
  'datetime', 'authorized_datetime', 'name', 'merchant_name', 'merchant_entity_id', 'logo_url', 'website', 'pending',
  'pending_transaction_id', 'personal_finance_category', 'payment_channel', 'transaction_code', 'original_description',
  'check_number', 'location', 'counterparties',
] as const;

function projected(t: unknown): unknown {
  // Not an object: passed on as sent, for the database to set aside as it is.
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return t;
  const out: Record<string, unknown> = {};
  for (const field of PAGE_TRANSACTION_FIELDS) {
    const v = (t as Record<string, unknown>)[field];
    if (v !== null && v !== undefined) out[field] = v;
  }
  return out;
}

/** The page as the database reads it: Plaid's response with its transactions projected. */
export const pageForDatabase = (data: Page): string => {
  // A list that is not an array (null) goes as sent: the database reads it (private.jsonb_list).
  const list = (l: unknown) => (Array.isArray(l) ? l.map(projected) : l);
  return JSON.stringify({ ...data, added: list(data.added), modified: list(data.modified) });
};

/** The isolate's heap in use (Deno; 0 elsewhere): the Edge Function memory limit applies to it. */
const heapUsed = (): number => (globalThis as { Deno?: { memoryUsage?: () => { heapUsed: number } } }).Deno?.memoryUsage?.().heapUsed ?? 0;

export async function syncTransactions(ctx: ServiceContext, itemId: string, token: string, claim: Claim, limits: SyncLimits, budget: Budget): Promise<ProductResult> {
  // A loop left open by an earlier invocation keeps its start; otherwise this loop starts here.
  const loopStart = claim.has_more ? (claim.loop_start_cursor || undefined) : (claim.cursor || undefined);
  let pages = 0;
  let restarts = 0;
  const fetchPage = (cursor: string | undefined): Promise<Page> => {
    const page = (async () => {
      await budget.pace.beforeCall();
      return await ctx.plaid().call('/transactions/sync', {
        access_token: token, cursor, count: 500, options: { include_original_description: true },
      }, { itemId, deadline: budget.callDeadline });
    })();
    page.catch(() => {}); // awaited later; until then its failure is not unhandled
    return page;
  };
  // The budgets are the invocation's, shared by its passes: what is left goes to a follow-up.
  if (budgetSpent(budget)) return { outcome: 'continued', pages };
  let next: Promise<Page> | null = fetchPage(claim.cursor || undefined);
  while (next) {
    let page: Page;
    try {
      page = await next;
    } catch (e) {
      if (e instanceof PlaidApiError && e.errorCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' && restarts < limits.maxPaginationRestarts) {
        restarts++;
        ctx.log.info('sync_pagination_restart', { item: itemId, restarts, request_id: e.requestId });
        if (budgetSpent(budget)) return { outcome: 'continued', pages };
        next = fetchPage(loopStart);
        continue;
      }
      throw e;
    }
    budget.pagesLeft--;
    // Page N+1 is on its way while page N is written (its cursor is not committed until its own write).
    next = page.has_more && !budgetSpent(budget) ? fetchPage(page.next_cursor) : null;
    const [{ r }] = await ctx.admin.query<{ r: PageResult }>`
      select private.apply_transactions_page(${itemId}::uuid, ${claim.lease_id}::uuid, ${claim.run_id}::uuid,
        ${pageForDatabase(page)}::jsonb, ${loopStart ?? null}, ${limits.leaseSeconds}::int) as r`;
    pages++;
    if (r.quarantined > 0) {
      ctx.log.warn('records_quarantined', { item: itemId, product: 'transactions', count: r.quarantined, request_id: page.request_id });
    }
    ctx.stats.peakHeapBytes = Math.max(ctx.stats.peakHeapBytes, heapUsed());
    if (!page.has_more) return { outcome: 'succeeded', pages };
  }
  return { outcome: 'continued', pages };
}
