// The one table from Postgres SQLSTATEs to HTTP answers. The product's SQL refuses bad requests with
// these codes (RAISE ... USING ERRCODE, or a constraint); a call site names the refusals it expects
// there and words them for its caller. Any other database error is a fault on our side: 500, logged.
import { HttpError } from './http.ts';

export const refusalBySqlState = {
  /** invalid_parameter_value: e.g. the same account twice (link_plaid_account_to_manual). */
  '22023': { status: 400, code: 'INVALID_REQUEST' },
  /** numeric_value_out_of_range: a number beyond its column (numeric(1000,4): none Plaid or a user can send). */
  '22003': { status: 400, code: 'INVALID_REQUEST' },
  /** check_violation: a value a table's constraint refuses. */
  '23514': { status: 400, code: 'INVALID_REQUEST' },
  /** insufficient_privilege: a change the database does not let this caller make (a synced account's bank fields). */
  '42501': { status: 400, code: 'INVALID_REQUEST' },
  /** no_data_found: not the caller's, or gone (another user's ids look exactly like missing ones). */
  P0002: { status: 404, code: 'NOT_FOUND' },
  /** private.create_plaid_item: this institution with the same accounts is already connected. */
  NF409: { status: 409, code: 'DUPLICATE_ITEM' },
} as const satisfies Record<string, { status: number; code: string }>;

export type RefusalState = keyof typeof refusalBySqlState;

/** Not a refusal: private.finish_sync's "the sync lease is no longer held"; the engine records it as 'superseded'. */
export const SYNC_LEASE_LOST = 'NF410';

/** The SQLSTATE of an error Postgres sent (pg's `code`, beside its `severity`), or null for anything else. */
export function sqlStateOf(e: unknown): string | null {
  const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

type Words = Partial<Record<RefusalState, string | ((databaseMessage: string) => string)>>;

/** The HttpError a database error means, when its SQLSTATE is one this call site expects (words says how to put it); else null. */
export function refusal(e: unknown, words: Words): HttpError | null {
  const state = sqlStateOf(e) as RefusalState | null;
  const word = state === null ? undefined : words[state];
  if (word === undefined) return null;
  const { status, code } = refusalBySqlState[state!];
  return new HttpError(status, code, typeof word === 'function' ? word((e as Error).message) : word);
}

/** For `.catch()`: rethrows a database error as the refusal it means here, and anything else as it is. */
export const refusedAs = (words: Words) => (e: unknown): never => {
  throw refusal(e, words) ?? e;
};
