// One sync of one item and product: take the lease (or coalesce into the running pass), run the
// product's sync, record the outcome, and run one more pass when a request arrived meanwhile and the
// database says it may start now (else it queued the pass for after min_run_interval).
// The budgets (SYNC_TIME_BUDGET_MS, SYNC_MAX_PAGES_PER_RUN) are the invocation's: its passes share
// them, and when one runs out the rest of the work goes to a follow-up invocation (outcome
// 'continued'), so an invocation stays inside the platform's limits however many passes it runs.
// Item errors (ITEM_LOGIN_REQUIRED, ...) set the item's status and stop retries until it is repaired;
// other failures are retried with backoff by the database sweep.
import type { ServiceContext } from '../function.ts';
import { itemStatusByErrorCode, PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';
import { SYNC_LEASE_LOST, sqlStateOf } from '../sql-states.ts';
import type { SyncLimits } from './limits.ts';
import { syncTransactions } from './transactions.ts';
import { syncInvestments, syncLiabilities } from './investments.ts';
import { type Clock, Pacer, wallClock } from './pace.ts';
import { type Budget, budgetSpent, type Claim, type Product, type ProductResult, type RunSummary, type Trigger } from './types.ts';

/** Plaid answers meaning "this product does not apply to this item": done, nothing to retry. */
const notApplicable = new Set(['PRODUCTS_NOT_SUPPORTED', 'NO_LIABILITY_ACCOUNTS', 'NO_INVESTMENT_ACCOUNTS', 'NO_ACCOUNTS']);
/** How long a Plaid call started before the time budget ran out may still take (SYNC_TIME_BUDGET_MS + this < 150 s). */
export const CALL_GRACE_MS = 30_000;

type Failure = { outcome: 'failed' | 'superseded' | 'succeeded'; error: Record<string, unknown> | null; itemStatus: string | null };

function classify(e: unknown): Failure {
  if (sqlStateOf(e) === SYNC_LEASE_LOST) return { outcome: 'superseded', error: null, itemStatus: null };
  if (e instanceof PlaidApiError) {
    const error = { ...e.toPublic(), error_message: e.plaidError.error_message };
    if (notApplicable.has(e.errorCode)) return { outcome: 'succeeded', error, itemStatus: null };
    return { outcome: 'failed', error, itemStatus: itemStatusByErrorCode[e.errorCode] ?? null };
  }
  if (e instanceof PlaidTransportError) return { outcome: 'failed', error: { error_code: e.timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', error_message: e.message }, itemStatus: null };
  return { outcome: 'failed', error: { error_code: 'INTERNAL', error_message: e instanceof Error ? e.message : String(e) }, itemStatus: null };
}

async function runProduct(ctx: ServiceContext, itemId: string, product: Product, claim: Claim, limits: SyncLimits, budget: Budget): Promise<ProductResult> {
  const token = claim.access_token;
  if (!token) throw new Error('the item has no access token in Vault');
  // Earlier passes used the budget up: this pass is handed to a follow-up invocation.
  if (budgetSpent(budget)) return { outcome: 'continued', pages: 0 };
  if (product === 'transactions') return await syncTransactions(ctx, itemId, token, claim, limits, budget);
  if (product === 'liabilities') return await syncLiabilities(ctx, itemId, token, claim, limits, budget);
  return await syncInvestments(ctx, itemId, token, claim, limits, budget);
}

/** `dispatch`: the token of the call being picked up (the database's dispatch, or the pass finish_sync
 *  handed on); none for a direct call with the secret key. */
const claimSync = async (ctx: ServiceContext, itemId: string, product: Product, trigger: Trigger, limits: SyncLimits, dispatch: string | null) =>
  (await ctx.admin.query<Claim>`select * from private.claim_sync(${itemId}::uuid, ${product}, ${trigger}, ${limits.leaseSeconds}::int, ${dispatch}::uuid)`)[0];

/**
 * Takes the lease now (so a caller that answers after this knows the request is either running or
 * coalesced into the running pass) and returns the rest of the work as a promise. The budgets start
 * here and cover every pass of this invocation (`now` is its clock, injectable for tests).
 */
export async function startSync(
  ctx: ServiceContext, itemId: string, product: Product, trigger: Trigger, limits: SyncLimits, now: () => number = Date.now,
  dispatch: string | null = null, clock: Clock = wallClock,
): Promise<{ claimed: boolean; done: Promise<RunSummary[]> }> {
  const deadlines = {
    deadline: now() + limits.timeBudgetMs, now, pagesLeft: limits.maxPagesPerRun,
    // A page started just before the deadline may take this much longer, and no more.
    callDeadline: Date.now() + limits.timeBudgetMs + CALL_GRACE_MS,
  };
  const claim = await claimSync(ctx, itemId, product, trigger, limits, dispatch);
  if (!claim) return { claimed: false, done: Promise.resolve([{ item_id: itemId, product, run_id: null, outcome: 'coalesced', pages: 0 }]) };
  // The slot's pace holds for every pass of the invocation (they run in the same slot).
  const budget: Budget = { ...deadlines, pace: new Pacer(claim.pace_ms, claim.wait_ms, clock) };
  return { claimed: true, done: runPasses(ctx, itemId, product, trigger, limits, budget, claim, clock) };
}

/** When the slot's next Plaid call may start, as the database takes it (null: no pacing). */
const paceUntil = (budget: Budget): string | null => {
  const at = budget.pace.nextCallAt();
  return at === null ? null : new Date(at).toISOString();
};

async function runPasses(ctx: ServiceContext, itemId: string, product: Product, trigger: Trigger, limits: SyncLimits, budget: Budget, first: Claim, clock: Clock): Promise<RunSummary[]> {
  const summaries: RunSummary[] = [];
  let passTrigger = trigger;
  let claim: Claim | undefined = first;
  let next: string | null = null;
  for (let pass = 0; pass < limits.maxPasses; pass++) {
    if (pass > 0) claim = await claimSync(ctx, itemId, product, passTrigger, limits, next);
    if (!claim) {
      summaries.push({ item_id: itemId, product, run_id: null, outcome: 'coalesced', pages: 0 });
      break;
    }
    let result: { outcome: RunSummary['outcome']; pages: number; error: Record<string, unknown> | null; itemStatus: string | null };
    try {
      const r = await runProduct(ctx, itemId, product, claim, limits, budget);
      result = { ...r, error: null, itemStatus: null };
    } catch (e) {
      const f = classify(e);
      result = { outcome: f.outcome, pages: 0, error: f.error, itemStatus: f.itemStatus };
      ctx.log.warn('sync_failed', { item: itemId, product, outcome: f.outcome, error_code: f.error?.error_code ?? null, item_status: f.itemStatus });
    }
    // A pass owed to requests that came meanwhile: its token, and how long until it may start
    // (min_run_interval after this one started). No row: nothing owed here (or a follow-up invocation).
    const [owed] = await ctx.admin.query<{ next_pass: string; wait_ms: number }>`
      select * from private.finish_sync(${itemId}::uuid, ${product}, ${claim.lease_id}::uuid, ${claim.run_id}::uuid,
        ${result.outcome}, ${result.error ? JSON.stringify(result.error) : null}::jsonb, ${result.itemStatus},
        ${pass + 1 < limits.maxPasses}::boolean, ${paceUntil(budget)}::timestamptz)`;
    next = owed?.next_pass ?? null;
    summaries.push({ item_id: itemId, product, run_id: claim.run_id, outcome: result.outcome, pages: result.pages, error_code: result.error?.error_code as string | undefined });
    ctx.log.info('sync_run', {
      item: itemId, product, trigger: passTrigger, outcome: result.outcome, pages: result.pages, run: claim.run_id,
      db_round_trips: ctx.stats.dbRoundTrips, peak_heap_mb: Math.round(ctx.stats.peakHeapBytes / 1048576),
    });
    if (!next) break;
    if (owed.wait_ms > 0) await clock.sleep(owed.wait_ms);
    passTrigger = 'follow_up';
  }
  return summaries;
}
