// An investment account's holdings (price, value, cost basis, gain) and its investment transactions,
// newest first by a (date, id) keyset; read under RLS (another user's account is a 404 like a missing one).
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';

export type Holding = {
  security_id: string; name: string | null; ticker: string | null; type: string | null; quantity: string; price: string;
  price_as_of: string | null; value: string; cost_basis: string | null; gain: string | null; gain_percent: string | null;
  currency: string | null;
};
type Keyset = { date: string; id: string };

export async function readInvestments(ctx: UserContext, accountId: string, limit: number, after?: Keyset) {
  const [[account], holdings, totals, rows] = await Promise.all([
    ctx.db.query<{ account_id: string; label: string; type: string; currency: string | null; balance: string | null }>`
      select account_id, label, type, currency, balance::text as balance from public.net_worth_accounts where account_id = ${accountId}::uuid`,
    after ? Promise.resolve([] as Holding[]) : ctx.db.query<Holding>`
      select h.security_id, s.name, s.ticker_symbol as ticker, s.type, h.quantity::text as quantity, h.institution_price::text as price,
             h.institution_price_as_of::text as price_as_of, h.institution_value::text as value, h.cost_basis::text as cost_basis,
             (h.institution_value - h.cost_basis)::text as gain,
             case when h.cost_basis > 0 then round((h.institution_value - h.cost_basis) / h.cost_basis * 100, 2)::text end as gain_percent,
             coalesce(h.iso_currency_code, h.unofficial_currency_code) as currency
      from public.holdings h join public.securities s on s.id = h.security_id
      where h.account_id = ${accountId}::uuid
      order by h.institution_value desc, s.name`,
    // Gain is summed over the holdings whose cost basis is known (the rest are counted apart).
    after ? Promise.resolve([]) : ctx.db.query<{ currency: string | null; value: string; cost_basis: string | null; gain: string | null;
      gain_percent: string | null; holdings: number; without_cost_basis: number }>`
      select coalesce(h.iso_currency_code, h.unofficial_currency_code) as currency, sum(h.institution_value)::text as value,
             sum(h.cost_basis)::text as cost_basis,
             sum(h.institution_value - h.cost_basis)::text as gain,
             case when sum(h.cost_basis) > 0
               then round(sum(h.institution_value - h.cost_basis) / sum(h.cost_basis) * 100, 2)::text end as gain_percent,
             count(*)::int as holdings, count(*) filter (where h.cost_basis is null)::int as without_cost_basis
      from public.holdings h where h.account_id = ${accountId}::uuid
      group by 1 order by 1`,
    ctx.db.query<{ id: string; date: string; name: string; type: string; subtype: string | null; ticker: string | null; quantity: string;
      price: string; amount: string; fees: string | null; currency: string | null }>`
      select t.id, t.date::text as date, t.name, t.type, t.subtype, s.ticker_symbol as ticker, t.quantity::text as quantity,
             t.price::text as price, t.amount::text as amount, t.fees::text as fees,
             coalesce(t.iso_currency_code, t.unofficial_currency_code) as currency
      from public.investment_transactions t left join public.securities s on s.id = t.security_id
      where t.account_id = ${accountId}::uuid
        and (${after?.date ?? null}::date is null or (t.date, t.id) < (${after?.date ?? null}::date, ${after?.id ?? null}::uuid))
      order by t.date desc, t.id desc limit ${limit + 1}::int`,
  ]);
  if (!account) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  if (!['investment', 'brokerage'].includes(account.type)) {
    throw new HttpError(400, 'INVALID_REQUEST', `account_id: ${account.label} is a ${account.type} account; only investment accounts have holdings`);
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    account, holdings, totals, transactions: page,
    next: rows.length > limit && last ? { date: last.date, id: last.id } : null,
  };
}
