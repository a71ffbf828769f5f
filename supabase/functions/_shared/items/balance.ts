// Live balance refresh. The per-item rate limit is claimed atomically in SQL (so concurrent clicks
// cannot both bill a call) and released again when Plaid fails, so a failed refresh costs no wait.
// Plaid's refusals are answered in words (balanceFailure), and Item errors update the item's status.
import type { UserContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';
import { HttpError, plaidErrorStatus } from '../http.ts';
import { itemStatusByErrorCode, PlaidApiError } from '../plaid/errors.ts';
import { limitUserCall } from '../rate-limits.ts';
import { findOwnedItem, readAccessToken } from './store.ts';
import { goneAtPlaid } from './removals.ts';

type Claim = { claimed: boolean; previous: string | null; next_allowed_at: string };

export async function refreshBalances(ctx: UserContext, itemId: string) {
  const cfg = appConfigFrom(ctx.env);
  const item = await findOwnedItem(ctx, itemId);
  await limitUserCall(ctx, 'balance');
  const [claim] = await ctx.admin.query<Claim>`
    select * from private.claim_balance_refresh(${item.id}::uuid, ${cfg.BALANCE_REFRESH_INTERVAL_SECONDS}::int)`;
  if (!claim.claimed) {
    const retryAfter = Math.max(1, Math.ceil((Date.parse(claim.next_allowed_at) - Date.now()) / 1000));
    throw new HttpError(429, 'RATE_LIMITED', `balances for this connection can be refreshed again in ${retryAfter} s`, {
      headers: { 'Retry-After': String(retryAfter) },
      details: { retry_after_seconds: retryAfter, next_allowed_at: claim.next_allowed_at },
    });
  }
  try {
    const token = await readAccessToken(ctx, item.id);
    // Plaid's JSON as received: private.upsert_item_accounts maps it, as for exchange and sync.
    const { text } = await ctx.plaid().callRaw('/accounts/balance/get', { access_token: token }, { itemId: item.id });
    const accounts = await ctx.admin.query`
      select * from private.apply_account_balances(${item.id}::uuid, ${text}::jsonb)`;
    return { item_id: item.id, accounts, refreshed_at: new Date().toISOString(), next_allowed_at: claim.next_allowed_at };
  } catch (e) {
    await ctx.admin.query`select private.release_balance_refresh(${item.id}::uuid, ${claim.previous}::timestamptz)`;
    throw await balanceFailure(ctx, item.id, e);
  }
}

/** Plaid's limits count per minute and say nothing of when to retry (no Retry-After): a minute. */
const PLAID_LIMIT_RETRY_SECONDS = 60;

/**
 * What Plaid's documented refusals of /accounts/balance/get mean for the user, in words. An Item error
 * (ITEM_LOGIN_REQUIRED, revoked, ...) also asks for a status check (/item/get), so the connection
 * shows what it needs (Reconnect) instead of looking healthy.
 */
async function balanceFailure(ctx: UserContext, itemId: string, e: unknown): Promise<unknown> {
  if (!(e instanceof PlaidApiError)) return e;
  if (e.errorType === 'RATE_LIMIT_EXCEEDED') {
    return new HttpError(429, 'RATE_LIMITED', `Plaid is limiting balance requests right now (${e.errorCode}); nothing changed, try again in ${PLAID_LIMIT_RETRY_SECONDS} s`, {
      headers: { 'Retry-After': String(PLAID_LIMIT_RETRY_SECONDS) },
      details: { retry_after_seconds: PLAID_LIMIT_RETRY_SECONDS, plaid: e.toPublic() },
    });
  }
  const words = (message: string) => new HttpError(plaidErrorStatus(e), 'PLAID_ERROR', message, { details: e.toPublic() });
  if (e.errorCode === 'PRODUCTS_NOT_SUPPORTED') {
    return words('the bank does not offer live balances for this connection; its balances still update with every sync');
  }
  const status = itemStatusByErrorCode[e.errorCode] ?? (goneAtPlaid.has(e.errorCode) ? 'revoked' : null);
  if (!status) return e;
  await ctx.admin.query`select private.request_item_status_check(${itemId}::uuid)`;
  return words(status === 'login_required'
    ? 'the bank needs you to sign in again before balances can be refreshed: use Reconnect on this connection'
    : status === 'revoked'
      ? 'access to this connection was revoked at the bank, so balances cannot be refreshed: use Connect again on this connection'
      : `the bank refused this connection (${e.errorCode}); its status is being checked with Plaid`);
}
