// The accounts read model, under RLS: the views and queries see only the caller's rows. Besides the
// item and account overviews: liability and holdings summaries per account, and when each
// connection's balances may be refreshed again (the per-item limit of plaid-balance).
import type { UserContext } from '../function.ts';
import type { Database } from '../database.types.ts';
import { appConfigFrom } from '../config.ts';
import { cacheInstitutionIfDue } from './institution.ts';

export type ItemOverview = Database['public']['Views']['item_overview']['Row'];
export type AccountOverview = Database['public']['Views']['account_overview']['Row'];

export type LiabilitySummary = {
  account_id: string; kind: string; last_statement_balance: string | null; minimum_payment_amount: string | null;
  next_payment_due_date: string | null; last_payment_amount: string | null; last_payment_date: string | null;
  interest_rate_percentage: string | null; is_overdue: boolean | null; past_due_amount: string | null;
};
export type HoldingsSummary = {
  account_id: string; total_value: string; currency: string | null;
  positions: Array<{ ticker: string | null; name: string | null; quantity: string; value: string }>;
};

export async function readAccountsOverview(ctx: UserContext): Promise<{
  items: Array<ItemOverview & { balance_refresh_available_at: string | null; logo: string | null; primary_color: string | null }>;
  accounts: AccountOverview[]; liabilities: LiabilitySummary[]; holdings: HoldingsSummary[];
}> {
  const intervalMs = appConfigFrom(ctx.env).BALANCE_REFRESH_INTERVAL_SECONDS * 1000;
  // Row types come from the generated database types (npm run gen:types). One query after the other:
  // in parallel they would each take a pooled connection, and a cold worker would open one per query.
  const items = await ctx.db.query<ItemOverview>`select * from public.item_overview order by institution_name nulls last, created_at`;
  const accounts = await ctx.db.query<AccountOverview>`select * from public.account_overview order by institution_name nulls first, name`;
  const liabilities = await ctx.db.query<LiabilitySummary>`
      select l.account_id, l.kind, l.last_statement_balance::text, l.minimum_payment_amount::text,
             l.next_payment_due_date::text, l.last_payment_amount::text, l.last_payment_date::text,
             coalesce(l.interest_rate_percentage,
                      (select (apr ->> 'apr_percentage')::numeric
                       -- Plaid's aprs is a list; never iterate a null (a JSON null is not an SQL NULL).
                       from jsonb_array_elements(case when jsonb_typeof(l.details -> 'aprs') = 'array' then l.details -> 'aprs' end) apr
                       where apr ->> 'apr_type' = 'purchase_apr' limit 1))::text as interest_rate_percentage,
             l.is_overdue, l.past_due_amount::text
      from public.liabilities l`;
  const holdings = await ctx.db.query<HoldingsSummary>`
      select h.account_id, sum(h.institution_value)::text as total_value, min(h.iso_currency_code) as currency,
             jsonb_agg(jsonb_build_object('ticker', s.ticker_symbol, 'name', s.name, 'quantity', h.quantity::text,
                                          'value', h.institution_value::text) order by h.institution_value desc) as positions
      from public.holdings h join public.securities s on s.id = h.security_id
      group by h.account_id`;
  // Logos of the caller's connections' banks (private.institutions: fetched once per institution).
  const institutions = await ctx.admin.query<{ institution_id: string; logo: string | null; primary_color: string | null }>`
      select institution_id, logo, primary_color from private.institutions_of_user(${ctx.userId}::uuid)`;
  const institution = new Map(institutions.map((i) => [i.institution_id, i]));
  // A bank whose logo fetch failed (or never ran): fetched again in the background once its backoff is
  // over (the database decides; a page read during the backoff asks Plaid nothing).
  for (const id of new Set(items.map((i) => i.institution_id).filter((id): id is string => !!id && !institution.has(id)))) {
    await cacheInstitutionIfDue(ctx, id);
  }
  return {
    items: items.map((i) => ({
      ...i,
      logo: institution.get(i.institution_id ?? '')?.logo ?? null,
      primary_color: institution.get(i.institution_id ?? '')?.primary_color ?? null,
      balance_refresh_available_at: i.last_balance_refresh_at
        ? new Date(new Date(i.last_balance_refresh_at).getTime() + intervalMs).toISOString() : null,
    })),
    accounts, liabilities, holdings,
  };
}
