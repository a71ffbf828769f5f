// The accounts read model, under RLS: the view and the items query see only the caller's rows.
import type { UserContext } from '../function.ts';
import type { Database } from '../database.types.ts';

export type ItemOverview = Database['public']['Views']['item_overview']['Row'];
export type AccountOverview = Database['public']['Views']['account_overview']['Row'];

export async function readAccountsOverview(ctx: UserContext): Promise<{ items: ItemOverview[]; accounts: AccountOverview[] }> {
  // Row types come from the generated database types (npm run gen:types).
  const [items, accounts] = await Promise.all([
    ctx.db.query<ItemOverview>`select * from public.item_overview order by institution_name nulls last, created_at`,
    ctx.db.query<AccountOverview>`select * from public.account_overview order by institution_name nulls first, name`,
  ]);
  return { items, accounts };
}
