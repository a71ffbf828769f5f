// After Link update mode succeeds, the client reports it here. Link's word is not taken for it: Plaid's
// /item/get must show the item without an error before it is marked healthy and synced again.
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';
import { findOwnedItem, readAccessToken } from './store.ts';

export async function markRepaired(ctx: UserContext, itemId: string, accountsReviewed: boolean) {
  const item = await findOwnedItem(ctx, itemId);
  const token = await readAccessToken(ctx, item.id);
  // This /item/get counts against the item's status-check rate limit (72_item_status.sql).
  await ctx.admin.query`select private.record_item_status_call(${item.id}::uuid)`;
  const { item: plaidItem } = await ctx.plaid().call('/item/get', { access_token: token }, { itemId: item.id });
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
