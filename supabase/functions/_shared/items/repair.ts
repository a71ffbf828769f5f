// After Link update mode succeeds, the client reports it here. Link's word is not taken for it: Plaid's
// /item/get must show the item without an error before it is marked healthy and synced again. When
// /item/get fails, a status check takes over (unconfirmed), so the repair is never lost.
import type { UserContext } from '../function.ts';
import { HttpError, plaidErrorStatus } from '../http.ts';
import { PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';
import { limitUserCall } from '../rate-limits.ts';
import { findOwnedItem, readAccessToken } from './store.ts';

export async function markRepaired(ctx: UserContext, itemId: string, accountsReviewed: boolean) {
  const item = await findOwnedItem(ctx, itemId);
  await limitUserCall(ctx, 'item_repaired', item.id);
  const token = await readAccessToken(ctx, item.id);
  // This /item/get counts against the item's status-check rate limit (72_item_status.sql).
  await ctx.admin.query`select private.record_item_status_call(${item.id}::uuid)`;
  const { item: plaidItem } = await ctx.plaid().call('/item/get', { access_token: token }, { itemId: item.id })
    .catch((e: unknown) => unconfirmed(ctx, item.id, e));
  const error = plaidItem.error;
  if (error) {
    throw new HttpError(409, 'ITEM_STILL_NEEDS_ATTENTION',
      error.display_message ?? `Plaid still reports ${error.error_code} for this connection: open Link again`,
      { details: { error_type: error.error_type, error_code: error.error_code, display_message: error.display_message ?? null, request_id: error.request_id ?? null } });
  }
  const [{ requested }] = await ctx.admin.query<{ requested: number }>`
    select private.mark_item_healthy(${item.id}::uuid, 'manual', ${accountsReviewed}) as requested`;
  return { item_id: item.id, status: 'healthy' as const, sync_requested: requested > 0 };
}

/**
 * /item/get failed (ITEM_GET_LIMIT, Plaid down, a timeout) after the user repaired the login: a status
 * check is requested (retried with backoff until Plaid answers), so the item turns healthy by itself
 * once Plaid confirms instead of staying "Sign-in needed" until the user reconnects again.
 */
async function unconfirmed(ctx: UserContext, itemId: string, e: unknown): Promise<never> {
  if (!(e instanceof PlaidApiError || e instanceof PlaidTransportError)) throw e;
  await ctx.admin.query`select private.request_item_status_check(${itemId}::uuid)`;
  const next = 'Nestfolio asks Plaid again by itself, and the connection shows it is fixed once Plaid confirms';
  if (e instanceof PlaidTransportError) throw new HttpError(503, 'PLAID_UNAVAILABLE', `Plaid did not answer in time to confirm the repair: ${next}`);
  throw new HttpError(plaidErrorStatus(e), 'PLAID_ERROR', `Plaid could not confirm the repair just now (${e.errorCode}): ${next}`, { details: e.toPublic() });
}
