// Net worth for the UI, read under RLS from the SQL read model (public.net_worth_accounts, public.net_worth
// and public.net_worth_history): totals per currency, per kind and per institution, every account's place
// in them, and (with a range) the daily history. Money is a decimal string, never a float.
import type { UserContext } from '../function.ts';
import { type Range, rangeDates } from './ranges.ts';

export type NetWorthAccount = {
  account_id: string; label: string; type: string; subtype: string | null; source: string; kind: string; kind_rank: number;
  is_liability: boolean; currency: string | null; balance: string | null; available_credit: string | null; utilization: string | null;
  credit_limit: string | null; item_id: string | null; institution_name: string | null; hidden: boolean; exclude_from_totals: boolean;
  in_totals: boolean; balance_updated_at: string | null;
  /** The UTC day a manual account was closed (it counts in totals until then), or null. */
  closed_on: string | null;
};
type Total = { level: 'total' | 'kind' | 'institution'; currency: string; kind: string | null; institution_id: string | null;
  institution_name: string | null; assets: string; liabilities: string; net_worth: string; accounts: number };
export type HistoryPoint = { date: string; assets: string; liabilities: string; net_worth: string; estimated: boolean };

export const accountColumns = `account_id, label, type, subtype, source, kind, kind_rank, is_liability, currency, balance::text as balance,
  available_credit::text as available_credit, utilization::text as utilization, credit_limit::text as credit_limit, item_id,
  institution_name, hidden, exclude_from_totals, in_totals, balance_updated_at, closed_on::text as closed_on`;

export async function readNetWorth(ctx: UserContext, r: Range | undefined) {
  const [accounts, totals, history] = await Promise.all([
    ctx.db.queryRaw<NetWorthAccount>(`select ${accountColumns} from public.net_worth_accounts
                     order by kind_rank, institution_name nulls last, label, account_id`),
    ctx.db.query<Total>`
      select level, currency, kind, institution_id, institution_name, assets::text as assets, liabilities::text as liabilities,
             net_worth::text as net_worth, accounts
      from public.net_worth order by currency, kind_rank nulls first, institution_name nulls last`,
    r ? readNetWorthHistory(ctx, r) : Promise.resolve(undefined),
  ]);
  const pick = (level: Total['level']) => totals.filter((t) => t.level === level);
  return {
    totals: pick('total').map(({ currency, assets, liabilities, net_worth, accounts }) => ({ currency, assets, liabilities, net_worth, accounts })),
    kinds: pick('kind').map(({ currency, kind, assets, liabilities, net_worth, accounts }) => ({ currency, kind, assets, liabilities, net_worth, accounts })),
    institutions: pick('institution').map(({ currency, institution_id, institution_name, assets, liabilities, net_worth, accounts }) =>
      ({ currency, institution_id, institution_name, assets, liabilities, net_worth, accounts })),
    accounts,
    ...(history ? { history } : {}),
  };
}

export async function readNetWorthHistory(ctx: UserContext, r: Range) {
  const { from, to } = rangeDates(r);
  const rows = await ctx.db.query<HistoryPoint & { currency: string }>`
    select date::text as date, currency, assets::text as assets, liabilities::text as liabilities, net_worth::text as net_worth, estimated
    from public.net_worth_history(${from}::date, ${to}::date)`;
  const series = new Map<string, HistoryPoint[]>();
  for (const { currency, ...p } of rows) {
    let points = series.get(currency);
    if (!points) series.set(currency, points = []);
    points.push(p);
  }
  return {
    range: r, from: rows[0]?.date ?? from, to,
    series: [...series].map(([currency, points]) => ({ currency, points })),
  };
}
