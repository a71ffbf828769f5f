// The accounts read model, under RLS: the view and the items query see only the caller's rows.
import type { UserContext } from '../function.ts';

export async function readAccountsOverview(ctx: UserContext) {
  const [items, accounts] = await Promise.all([
    ctx.db.query`select * from public.item_overview order by institution_name nulls last, created_at`,
    ctx.db.query`select * from public.account_overview order by institution_name nulls first, name`,
  ]);
  return { items, accounts };
}
