// Removing a connection: Plaid first (ends billing), then one SQL transaction that either turns the
// item's accounts into manual accounts (history kept) or deletes them, deletes the item and, through
// the item's delete trigger, its Vault secret. A retry after a partial failure finishes the job: a
// token Plaid no longer knows counts as already removed there.
import type { UserContext } from '../function.ts';
import { PlaidApiError } from '../plaid/errors.ts';
import { findOwnedItem, readAccessToken } from './store.ts';
import { goneAtPlaid } from './removals.ts';

export async function removeItem(ctx: UserContext, itemId: string, keepHistory: boolean) {
  const item = await findOwnedItem(ctx, itemId);
  const token = await readAccessToken(ctx, item.id).catch(() => null);
  if (token) {
    try {
      await ctx.plaid().call('/item/remove', { access_token: token }, { itemId: item.id });
    } catch (e) {
      if (!(e instanceof PlaidApiError && goneAtPlaid.has(e.errorCode))) throw e;
      ctx.log.info('item_already_removed_at_plaid', { item: item.id, error_code: e.errorCode });
    }
  }
  // Plaid is done with the Item, so its token goes too (else the delete would queue its removal).
  const [row] = await ctx.admin.query<{ kept_accounts: number }>`
    select private.remove_plaid_item(${item.id}::uuid, ${keepHistory}, true) as kept_accounts`;
  ctx.log.info('item_removed', { item: item.id, keep_history: keepHistory, kept_accounts: row.kept_accounts });
  return { removed: true, kept_accounts: row.kept_accounts };
}
