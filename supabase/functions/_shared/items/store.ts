// Item lookups shared by the item functions. Ownership is decided by RLS: an item the caller cannot
// see (another user's, or none) is the same 404, so ids reveal nothing.
import type { UserContext, BaseContext } from '../function.ts';
import { HttpError } from '../http.ts';
import type { Database } from '../database.types.ts';

type ItemRow = Database['public']['Tables']['plaid_items']['Row'];
export type OwnedItem = Pick<ItemRow, 'id' | 'plaid_item_id' | 'status' | 'institution_name'>;

export async function findOwnedItem(ctx: UserContext, itemId: string): Promise<OwnedItem> {
  const rows = await ctx.db.query<OwnedItem>`
    select id, plaid_item_id, status, institution_name from public.plaid_items where id = ${itemId}`;
  if (!rows[0]) throw new HttpError(404, 'NOT_FOUND', `no connection ${itemId} for this user`);
  return rows[0];
}

/** Reads the item's access token from Vault through the security-definer function (server only). */
export async function readAccessToken(ctx: BaseContext, itemId: string): Promise<string> {
  const [row] = await ctx.admin.query<{ token: string | null }>`select private.read_item_access_token(${itemId}::uuid) as token`;
  if (!row?.token) throw new HttpError(409, 'ITEM_HAS_NO_TOKEN', 'this connection has no access token; connect it again');
  return row.token;
}
