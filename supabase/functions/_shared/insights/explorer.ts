// The transactions explorer: a user's transactions filtered (search by merchant/name, accounts, dates,
// categories, pending/posted, direction, amount range), newest first, paged by a (date, id) keyset —
// never an offset, so a sync inserting rows cannot shift or repeat a page.
//
// Why the admin connection: under RLS, Postgres may not use an index for an operator that is not
// leakproof (ILIKE, numeric comparisons) before the policy's filter has run, so a search would read
// every row of every user (docs/api.md § transactions-search has the plans). These queries run as the
// admin and every one is scoped by the caller's verified user id, first, in this one builder.
import { z } from 'zod';
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';
import { storableDate } from '../storable.ts';
import { type Category, categoryOf, PRIMARY_CATEGORIES } from './categories.ts';

const money = z.string().regex(/^\d{1,16}(\.\d{1,4})?$/, 'must be a non-negative decimal string such as "25.00"');
const code = z.string().regex(/^[A-Z][A-Z0-9_]{1,99}$/, 'must be a Plaid personal_finance_category code such as "FOOD_AND_DRINK"');

/** The filters both transactions-search and transactions-export take. */
export const filterFields = {
  query: z.string().trim().min(2, 'must be at least 2 characters').max(100).optional(),
  account_ids: z.array(z.uuid()).min(1).max(100).optional(),
  from: storableDate.optional(),
  to: storableDate.optional(),
  categories: z.array(code).min(1).max(100).optional(),
  status: z.enum(['all', 'pending', 'posted']).default('all'),
  direction: z.enum(['in', 'out']).optional(),
  min_amount: money.optional(),
  max_amount: money.optional(),
};
const filterObject = z.strictObject(filterFields);
export type Filters = z.infer<typeof filterObject>;

/** Cross-field rules, as zod refinements naming the field. */
export function checkFilters<T extends Filters>(schema: z.ZodType<T>) {
  return schema
    .refine((f) => !(f.from && f.to && f.from > f.to), { path: ['from'], message: 'must not be after to' })
    .refine((f) => !(f.min_amount && f.max_amount && Number(f.min_amount) > Number(f.max_amount)),
      { path: ['min_amount'], message: 'must not be more than max_amount' });
}

export type ExplorerRow = {
  id: string; account_id: string; account_label: string; date: string; authorized_date: string | null; name: string;
  merchant_name: string | null; amount: string; currency: string | null; pending: boolean; was_pending: boolean;
  category: Category | null; logo_url: string | null; website: string | null; payment_channel: string | null;
  plaid_transaction_id: string | null;
};
type DbRow = Omit<ExplorerRow, 'category'> & { pfc_primary: string | null; pfc_detailed: string | null };
export type Keyset = { date: string; id: string };

/** LIKE pattern for a substring, with the user's own %, _ and \ taken literally. */
const containing = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE clause for a user and filters; $1 is always the caller's id. */
export function whereFor(userId: string, f: Filters, after?: Keyset): { sql: string; params: unknown[] } {
  const params: unknown[] = [userId];
  const p = (v: unknown) => { params.push(v); return `$${params.length}`; };
  const where = ['t.user_id = $1'];
  // The exact expression of transactions_search_idx (trigram GIN led by user_id).
  if (f.query) where.push(`(coalesce(t.merchant_name, '') || ' ' || t.name) ilike ${p(containing(f.query))}`);
  if (f.account_ids) where.push(`t.account_id = any(${p(f.account_ids)}::uuid[])`);
  if (f.from) where.push(`t.date >= ${p(f.from)}::date`);
  if (f.to) where.push(`t.date <= ${p(f.to)}::date`);
  if (f.categories) {
    const primary = f.categories.filter((c) => c in PRIMARY_CATEGORIES);
    const detailed = f.categories.filter((c) => !(c in PRIMARY_CATEGORIES));
    const any = [primary.length ? `t.pfc_primary = any(${p(primary)}::text[])` : null,
      detailed.length ? `t.pfc_detailed = any(${p(detailed)}::text[])` : null].filter(Boolean);
    where.push(any.length > 1 ? `(${any.join(' or ')})` : any[0]!);
  }
  // A posted transaction replaces its pending one: Plaid removes the pending one in the same update, and
  // until that page is applied the pending one is not shown beside the posted one.
  const notReplaced = `not exists (select 1 from public.transactions r
    where r.user_id = $1 and r.pending_transaction_id = t.plaid_transaction_id and not r.pending)`;
  if (f.status === 'pending') where.push('t.pending', notReplaced);
  else if (f.status === 'posted') where.push('not t.pending');
  else where.push(`(not t.pending or ${notReplaced})`);
  if (f.direction) where.push(f.direction === 'out' ? 't.amount > 0' : 't.amount < 0');
  if (f.min_amount) where.push(`abs(t.amount) >= ${p(f.min_amount)}::numeric`);
  if (f.max_amount) where.push(`abs(t.amount) <= ${p(f.max_amount)}::numeric`);
  if (after) where.push(`(t.date, t.id) < (${p(after.date)}::date, ${p(after.id)}::uuid)`);
  return { sql: where.join(' and '), params };
}

const rowColumns = `t.id, t.account_id, coalesce(a.display_name, a.name) as account_label, t.date::text as date,
  t.authorized_date::text as authorized_date, t.name, t.merchant_name, t.amount::text as amount,
  coalesce(t.iso_currency_code, t.unofficial_currency_code) as currency, t.pending, t.pending_transaction_id is not null as was_pending,
  t.pfc_primary, t.pfc_detailed, t.logo_url, t.website, t.payment_channel, t.plaid_transaction_id`;

/** Matches a search collects through the trigram index before falling back to walking the date index. */
export const SEARCH_CAP = 2000;

/** The page's SQL: `plain` walks in date order; `search` (a search of 3+ characters, one trigram at
 *  least) first collects the matches through the trigram index, at most SEARCH_CAP, and sorts those, so
 *  a rare term never walks the whole history; it answers `matched` > SEARCH_CAP for a common term, which
 *  `plain` then serves (walking the date index finds a page of a common term quickly). */
export function pageQueries(userId: string, f: Filters, limit: number, after?: Keyset) {
  const { sql, params } = whereFor(userId, f, after);
  const from = `from public.transactions t join public.accounts a on a.id = t.account_id and a.user_id = $1 where ${sql}`;
  return {
    params,
    search: f.query && f.query.length >= 3
      ? `with m as materialized (select ${rowColumns} ${from} limit ${SEARCH_CAP + 1})
         select *, (select count(*) from m)::int as matched from m order by date desc, id desc limit ${limit + 1}`
      : null,
    plain: `select ${rowColumns} ${from} order by t.date desc, t.id desc limit ${limit + 1}`,
  };
}

/** One page of rows matching the filters, newest first, after the keyset. Returns up to limit + 1 rows. */
export async function selectPage(ctx: UserContext, f: Filters, limit: number, after?: Keyset): Promise<ExplorerRow[]> {
  const q = pageQueries(ctx.userId, f, limit, after);
  let rows: DbRow[] | null = null;
  if (q.search) {
    const found = await ctx.admin.queryRaw<DbRow & { matched: number }>(q.search, q.params);
    if (!found.length || found[0].matched <= SEARCH_CAP) rows = found.map(({ matched: _, ...r }) => r);
  }
  rows ??= await ctx.admin.queryRaw<DbRow>(q.plain, q.params);
  return rows.map(({ pfc_primary, pfc_detailed, logo_url, ...r }) => ({
    ...r,
    category: categoryOf(pfc_primary, pfc_detailed),
    // Only https logos reach the page (Plaid's are https); anything else falls back to the initial.
    logo_url: logo_url && /^https:\/\/[^\s"'<>]+$/.test(logo_url) ? logo_url : null,
  }));
}

/** 404 unless every account filtered on is the caller's (another user's ids look missing). */
export async function checkAccounts(ctx: UserContext, f: Filters): Promise<void> {
  if (!f.account_ids) return;
  const owned = await ctx.admin.query<{ id: string }>`
    select id from public.accounts where user_id = ${ctx.userId}::uuid and id = any(${f.account_ids}::uuid[])`;
  const missing = f.account_ids.filter((id) => !owned.some((o) => o.id === id));
  if (missing.length) throw new HttpError(404, 'NOT_FOUND', `no account ${missing.join(', ')} for this user`);
}
