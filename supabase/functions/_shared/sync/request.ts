// "Sync now": the user's request goes through the same database path as webhooks and the schedule
// (private.request_sync), so it is coalesced with a running sync and never runs in parallel.
import type { UserContext } from '../function.ts';
import { findOwnedItem } from '../items/store.ts';
import { limitUserCall } from '../rate-limits.ts';

export async function requestUserSync(ctx: UserContext, itemId: string) {
  const item = await findOwnedItem(ctx, itemId);
  await limitUserCall(ctx, 'sync_now', item.id);
  const rows = await ctx.admin.query<{ product: string; dispatched: boolean }>`
    select s.product, private.request_sync(s.item_id, s.product, 'manual') as dispatched
    from public.plaid_sync_state s where s.item_id = ${item.id}::uuid`;
  return { requested: true, products: rows.map((r) => r.product) };
}
