// Manual accounts (create, edit) and the user's own label/visibility of synced accounts. Written as
// the caller under RLS; the database decides what is allowed (insert policy: manual only; the
// accounts_guard_user_writes trigger: on synced accounts only display_name, hidden and exclude_from_totals).
import type { UserContext } from '../function.ts';
import { HttpError } from '../http.ts';
import { refusedAs } from '../sql-states.ts';

export const accountTypes = ['depository', 'credit', 'loan', 'investment', 'other'] as const;
export type AccountFields = {
  name?: string; display_name?: string | null; type?: (typeof accountTypes)[number]; subtype?: string | null;
  current_balance?: string | null; currency?: string; hidden?: boolean; exclude_from_totals?: boolean;
  /** true closes a manual account (now), false reopens it. */
  closed?: boolean;
};
type Column = (typeof editable)[number];

const returned = `id, source, name, display_name, coalesce(display_name, name) as label, type, subtype,
  current_balance::text as current_balance, currency, hidden, exclude_from_totals, closed_at, balance_updated_at`;
const editable = ['name', 'display_name', 'type', 'subtype', 'current_balance', 'currency', 'hidden', 'exclude_from_totals'] as const;
const syncedEditable = new Set<string>(['display_name', 'hidden', 'exclude_from_totals']);

const outOfRange = (message: string) => `a value is out of range: ${message}`;
/** Database refusals as the 4xx they are: nothing was written. */
const asHttpError = refusedAs({
  '42501': 'a synced account gets its name, type and balances from the bank: only display_name, hidden and exclude_from_totals can change',
  '23514': outOfRange,
  '22003': outOfRange,
  // The currency check (private.is_iso_4217_currency): its message names the code and what to do.
  '22023': (message) => message,
});

/** The columns a request writes (closed is closed_at: see closedAt). */
function columns(fields: AccountFields): Partial<Record<Column, unknown>> {
  const { closed: _, ...values } = fields;
  return values;
}

/** closed as SQL: closing keeps the day an account was first closed (a repeated close, a retry, moves
 *  nothing: it would put the account back in the totals since then), reopening clears it. */
const closedAt = (closed: boolean) => closed ? 'coalesce(closed_at, now())' : 'null';

export async function createManualAccount(ctx: UserContext, fields: AccountFields & { name: string; type: string }) {
  const values = columns(fields);
  const cols = editable.filter((k) => values[k] !== undefined);
  const rows = await ctx.db.queryRaw(
    `insert into public.accounts (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')}) returning ${returned}`,
    cols.map((k) => values[k]),
  ).catch(asHttpError);
  return { account: rows[0] };
}

export async function updateAccount(ctx: UserContext, accountId: string, fields: AccountFields) {
  const values = columns(fields);
  const cols = editable.filter((k) => values[k] !== undefined);
  const [current] = await ctx.db.query<{ source: string }>`select source from public.accounts where id = ${accountId}::uuid`;
  if (!current) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  const written = fields.closed === undefined ? cols : [...cols, 'closed_at'];
  const refused = current.source === 'plaid' ? written.filter((c) => !syncedEditable.has(c)) : [];
  if (refused.length) {
    throw new HttpError(400, 'INVALID_REQUEST', `${refused.join(', ')}: a synced account gets these from the bank; only display_name, hidden and exclude_from_totals can change`);
  }
  const sets = cols.map((c, i) => `${c} = $${i + 2}`);
  if (fields.closed !== undefined) sets.push(`closed_at = ${closedAt(fields.closed)}`);
  const rows = await ctx.db.queryRaw(
    `update public.accounts set ${sets.join(', ')} where id = $1 returning ${returned}`,
    [accountId, ...cols.map((k) => values[k])],
  ).catch(asHttpError);
  if (!rows[0]) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  return { account: rows[0] };
}

/** Deletes a manual account with its history (balance history and any kept transactions cascade). */
export async function deleteManualAccount(ctx: UserContext, accountId: string) {
  const [current] = await ctx.db.query<{ source: string }>`select source from public.accounts where id = ${accountId}::uuid`;
  if (!current) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  if (current.source !== 'manual') {
    throw new HttpError(400, 'INVALID_REQUEST', 'a synced account is deleted by removing its connection (or hidden); only manual accounts are deleted here');
  }
  const rows = await ctx.db.query<{ id: string }>`delete from public.accounts where id = ${accountId}::uuid and source = 'manual' returning id`;
  if (!rows[0]) throw new HttpError(404, 'NOT_FOUND', `no account ${accountId} for this user`);
  return { deleted: { account_id: accountId } };
}
