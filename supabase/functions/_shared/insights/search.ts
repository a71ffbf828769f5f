// transactions-search: pending and posted kept apart. With status "all", the first page carries the
// pending transactions (newest first, at most PENDING_LIMIT) beside the first page of posted ones, and
// `next` pages through posted only; "pending" and "posted" page through that one list.
import type { UserContext } from '../function.ts';
import { categoryList } from './categories.ts';
import { checkAccounts, type ExplorerRow, type Filters, type Keyset, selectPage } from './explorer.ts';

export const PENDING_LIMIT = 50;

export type SearchInput = Filters & { limit: number; after?: Keyset };

export async function searchTransactions(ctx: UserContext, input: SearchInput) {
  const { limit, after, ...filters } = input;
  await checkAccounts(ctx, filters);
  const listStatus = filters.status === 'all' ? 'posted' : filters.status;
  const [rows, pending] = await Promise.all([
    selectPage(ctx, { ...filters, status: listStatus }, limit, after),
    filters.status === 'all' && !after ? selectPage(ctx, { ...filters, status: 'pending' }, PENDING_LIMIT) : Promise.resolve(null),
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    pending: pending ? pending.slice(0, PENDING_LIMIT) : null,
    pending_more: pending ? pending.length > PENDING_LIMIT : false,
    transactions: page,
    next: rows.length > limit && last ? { date: last.date, id: last.id } : null,
    ...(after ? {} : { categories: categoryList() }),
  } satisfies { pending: ExplorerRow[] | null; transactions: ExplorerRow[] } & Record<string, unknown>;
}
