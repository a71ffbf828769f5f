// One account's daily balance for a chart range, with its place in net worth (kind, card credit),
// read under RLS: another user's account answers the same 404 as a missing one.
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';
import { type Range, rangeDates } from './ranges.ts';
import { accountColumns, type NetWorthAccount } from './net-worth.ts';

export async function readAccountHistory(ctx: UserContext, accountId: string, r: Range) {
  const { from, to } = rangeDates(r);
  const [[account], points] = await Promise.all([
    ctx.db.queryRaw<NetWorthAccount>(`select ${accountColumns} from public.net_worth_accounts where account_id = $1::uuid`, [accountId]),
    ctx.db.query<{ date: string; balance: string; currency: string | null; estimated: boolean }>`
      select date::text as date, balance::text as balance, currency, estimated
      from public.account_balance_history(${accountId}::uuid, ${from}::date, ${to}::date)`,
  ]);
  if (!account) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  const estimated = points.filter((p) => p.estimated);
  return {
    account, range: r, from: points[0]?.date ?? from, to,
    // Each day in the currency the account had then (a manual account's currency can be changed).
    points: points.map(({ date, balance, currency, estimated }) => ({ date, balance, currency, estimated })),
    /** The last estimated day (walked back from transactions), or null when every day shown was observed. */
    estimated_until: estimated.at(-1)?.date ?? null,
  };
}
