// Works one entry of the Plaid removal queue (supabase/schemas/15_item_removals.sql): claim it (a
// lease), call /item/remove with the token kept in Vault, and record the outcome. Plaid's success and
// "no such Item" (ITEM_NOT_FOUND, or INVALID_ACCESS_TOKEN: a token Plaid no longer knows, e.g. of
// another environment) end the entry and delete the token; anything else is retried with backoff by
// the database sweep. Used by plaid-item-removal and, right after queuing, by the functions that queue.
import type { BaseContext } from '../function.ts';
import { PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';

export const goneAtPlaid = new Set(['ITEM_NOT_FOUND', 'INVALID_ACCESS_TOKEN']);
const LEASE_SECONDS = 60;

export type RemovalOutcome = 'removed' | 'gone' | 'failed' | 'not_due';

export async function processRemoval(ctx: BaseContext, removalId: string): Promise<RemovalOutcome> {
  const [claim] = await ctx.admin.query<{ lease_id: string; plaid_item_id: string; access_token: string | null }>`
    select * from private.claim_item_removal(${removalId}::uuid, ${LEASE_SECONDS}::int)`;
  if (!claim) return 'not_due'; // done, leased by another call, or waiting out its backoff
  let outcome: Exclude<RemovalOutcome, 'not_due'> = 'removed';
  let error: Record<string, unknown> | null = null;
  if (!claim.access_token) {
    outcome = 'gone'; // no token was ever kept: nothing can be removed with it
  } else {
    try {
      await ctx.plaid().call('/item/remove', { access_token: claim.access_token }, { retry: true, timeoutMs: 15_000 });
    } catch (e) {
      if (e instanceof PlaidApiError) error = e.toPublic();
      else error = { error_code: e instanceof PlaidTransportError && e.timedOut ? 'TIMEOUT' : 'NETWORK_ERROR' };
      outcome = e instanceof PlaidApiError && goneAtPlaid.has(e.errorCode) ? 'gone' : 'failed';
      if (!(e instanceof PlaidApiError || e instanceof PlaidTransportError)) throw e;
    }
  }
  await ctx.admin.query`select private.finish_item_removal(${removalId}::uuid, ${claim.lease_id}::uuid, ${outcome},
    ${error ? JSON.stringify(error) : null}::jsonb)`;
  ctx.log[outcome === 'failed' ? 'warn' : 'info']('plaid_item_removal', { removal: removalId, plaid_item: claim.plaid_item_id, outcome, error_code: error?.error_code ?? null });
  return outcome;
}

/** Works the given entries now (best effort: what fails stays queued and is retried). */
export async function processRemovals(ctx: BaseContext, removalIds: string[]): Promise<{ removed: number; pending: number }> {
  const outcomes = await Promise.all(removalIds.map((id) => processRemoval(ctx, id).catch((e) => {
    ctx.log.error('plaid_item_removal_crashed', { removal: id, message: e instanceof Error ? e.message : String(e) });
    return 'failed' as const;
  })));
  const removed = outcomes.filter((o) => o === 'removed' || o === 'gone').length;
  return { removed, pending: removalIds.length - removed };
}
