// Every call to the backend goes through supabase-js `functions.invoke` (there is no PostgREST in
// this product's contract). Errors become ApiError with the function's code and message, which are
// written for people (docs/api.md), plus a fallback for network failures.
import { createClient, FunctionsFetchError, FunctionsHttpError, type SupabaseClient } from '@supabase/supabase-js';
import type { ClientConfig } from './config.ts';
import type { AuthSource } from './auth/session.ts';
import type { LinkCheck, LinkMetadata, Overview, TransactionsPage, Account } from './types.ts';
import type { AccountHistory, ExplorerFilters, ExplorerPage, Investments, Keyset, NetWorth, Range } from './insights-types.ts';

/** What the server reads of Link's onSuccess metadata (Plaid's institution may be null). */
const linkMetadata = (m: LinkMetadata) => ({
  institution: m.institution,
  accounts: m.accounts.map((a) => ({ id: a.id, name: a.name, mask: a.mask, type: a.type, subtype: a.subtype })),
  link_session_id: m.link_session_id,
});

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * How long a call may take before the user is told it did not answer: reads are bounded queries; a
 * write may wait on Plaid up to an Edge Function's wall-clock limit (150 s), so it is never given up
 * while the server may still be doing it.
 */
export const READ_TIMEOUT_MS = 30_000;
const WRITE_TIMEOUT_MS = 155_000;

async function toApiError(error: unknown): Promise<ApiError> {
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    const body = await res.json().catch(() => null) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null;
    // Only our functions' envelope is words for people (docs/api.md); anything else in front of them (a
    // gateway, a proxy, a crashed isolate) is never shown as it came.
    if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') {
      // A platform's or proxy's 429 still says when to try again (Retry-After, in seconds).
      const retryAfter = Number(res.headers.get('Retry-After'));
      if (res.status === 429) {
        return new ApiError(429, 'RATE_LIMITED', 'Too many requests.', Number.isInteger(retryAfter) && retryAfter > 0 ? { retry_after_seconds: retryAfter } : undefined);
      }
      return new ApiError(res.status, res.status >= 500 ? 'SERVER' : `HTTP_${res.status}`, `The server answered ${res.status}.`);
    }
    return new ApiError(res.status, body.error.code, body.error.message, body.error.details);
  }
  if (error instanceof FunctionsFetchError) {
    // supabase-js aborts the request at its timeout (nothing else here aborts one).
    const cause = error.context as { name?: string } | undefined;
    if (cause?.name === 'AbortError' || cause?.name === 'TimeoutError') return new ApiError(0, 'TIMEOUT', 'Nestfolio did not answer in time.');
    return new ApiError(0, 'NETWORK', 'Nestfolio could not be reached. Check your connection and try again.');
  }
  // FunctionsRelayError and anything else: the platform's words, not ours.
  return new ApiError(0, 'SERVER', 'Nestfolio\'s server did not answer properly.');
}

export type Api = ReturnType<typeof createApi>;

export function createApi(config: ClientConfig, auth: AuthSource) {
  // The token comes from the auth source on every call: Supabase Auth when hosted, the local user's
  // session on the local stack. Nothing else differs.
  const client: SupabaseClient = createClient(config.supabaseUrl, config.publishableKey, {
    accessToken: () => auth.accessToken().then((t) => t ?? ''),
  });

  async function call<T>(name: string, body: Record<string, unknown> = {}, timeout = WRITE_TIMEOUT_MS): Promise<T> {
    const { data, error } = await client.functions.invoke<T>(name, { body, timeout });
    if (error) throw await toApiError(error);
    return data as T;
  }
  const read = <T>(name: string, body: Record<string, unknown> = {}) => call<T>(name, body, READ_TIMEOUT_MS);

  return {
    overview: () => read<Overview>('plaid-accounts'),
    linkToken: (opts: { item_id?: string; account_selection?: boolean } = {}) =>
      call<{ link_token: string; mode: 'create' | 'update' }>('plaid-link-token', opts),
    linkCheck: (metadata: LinkMetadata) => call<LinkCheck>('plaid-link-check', { metadata: linkMetadata(metadata) }),
    exchange: (publicToken: string, metadata: LinkMetadata, duplicates: 'refuse' | 'skip' = 'refuse') =>
      call<{ item: { id: string; institution_name: string | null; accounts: unknown[]; skipped_duplicates: string[]; replaced_revoked: boolean } }>(
        'plaid-exchange-token', { public_token: publicToken, metadata: linkMetadata(metadata), duplicates }),
    itemRepaired: (itemId: string, accountSelection: boolean) =>
      call<{ status: string }>('plaid-item-repaired', { item_id: itemId, account_selection: accountSelection }),
    syncNow: (itemId: string) => call<{ requested: boolean }>('plaid-sync', { item_id: itemId }),
    refreshBalances: (itemId: string) => call<{ next_allowed_at: string }>('plaid-balance', { item_id: itemId }),
    removeItem: (itemId: string, keepHistory: boolean) =>
      call<{ removed: boolean; kept_accounts: number }>('plaid-item-remove', { item_id: itemId, keep_history: keepHistory }),
    deleteAllBankData: () => call<{ deleted: { connections: number; accounts: number; transactions: number }; removed_at_plaid: number; removal_pending: number }>(
      'plaid-data-delete', { confirm: 'delete all my bank data' }),
    linkAccounts: (syncedAccountId: string, manualAccountId: string) =>
      call<{ account_id: string }>('accounts-link', { synced_account_id: syncedAccountId, manual_account_id: manualAccountId }),
    unlinkAccount: (accountId: string) => call<{ account_id: string }>('accounts-link', { action: 'unlink', account_id: accountId }),
    deleteManualAccount: (accountId: string) =>
      call<{ deleted: { account_id: string } }>('accounts-manual', { action: 'delete', account_id: accountId }),
    transactions: (accountId: string, after?: { date: string; id: string } | null, limit = 10) =>
      read<TransactionsPage>('transactions', { account_id: accountId, limit, ...(after ? { after } : {}) }),
    createManualAccount: (fields: { name: string; type: string; current_balance?: string; currency?: string }) =>
      call<{ account: Account }>('accounts-manual', { action: 'create', ...fields }),
    updateAccount: (accountId: string, fields: Record<string, unknown>) =>
      call<{ account: Account }>('accounts-manual', { action: 'update', account_id: accountId, ...fields }),
    netWorth: (range?: Range) => read<NetWorth>('net-worth', range ? { range } : {}),
    balanceHistory: (accountId: string, range: Range) => read<AccountHistory>('balance-history', { account_id: accountId, range }),
    searchTransactions: (filters: ExplorerFilters, limit: number, after?: Keyset | null) =>
      read<ExplorerPage>('transactions-search', { ...filters, limit, ...(after ? { after } : {}) }),
    /** The CSV as a Blob (the function streams it; the browser saves it as a file). */
    exportTransactions: async (filters: ExplorerFilters): Promise<Blob> => {
      const data = await call<Blob | string>('transactions-export', { ...filters });
      return data instanceof Blob ? data : new Blob([data], { type: 'text/csv' });
    },
    investments: (accountId: string, after?: Keyset | null) =>
      read<Investments>('investments', { account_id: accountId, ...(after ? { after } : {}) }),
  };
}
