// Transactions for the UI, newest first, paged by a (date, id) keyset (stable while the sync inserts
// rows, unlike offsets). Read under RLS: the caller sees only their own rows.
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';

export type TransactionsInput = { account_id?: string; limit: number; after?: { date: string; id: string } };

export type TransactionRow = {
  id: string; account_id: string; date: string; authorized_date: string | null; name: string; merchant_name: string | null;
  amount: string; currency: string | null; pending: boolean; category: string | null; payment_channel: string | null;
};

export async function listTransactions(ctx: UserContext, input: TransactionsInput) {
  const accountId = input.account_id ?? null;
  // One row more than asked tells whether there is a next page.
  const rows = await ctx.db.query<TransactionRow>`
    select t.id, t.account_id, t.date::text as date, t.authorized_date::text as authorized_date, t.name, t.merchant_name,
           t.amount::text as amount, coalesce(t.iso_currency_code, t.unofficial_currency_code) as currency, t.pending,
           t.pfc_primary as category, t.payment_channel
    from public.transactions t
    where (${accountId}::uuid is null or t.account_id = ${accountId}::uuid)
      and (${input.after?.date ?? null}::date is null
           or (t.date, t.id) < (${input.after?.date ?? null}::date, ${input.after?.id ?? null}::uuid))
    order by t.date desc, t.id desc
    limit ${input.limit + 1}::int`;
  if (rows.length === 0 && accountId) {
    const [seen] = await ctx.db.query<{ n: number }>`select count(*)::int as n from public.accounts where id = ${accountId}::uuid`;
    if (!seen.n) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  }
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return { transactions: page, next: rows.length > input.limit && last ? { date: last.date, id: last.id } : null };
}
