// Live balance refresh. The per-item rate limit is claimed atomically in SQL (so concurrent clicks
// cannot both bill a call) and released again when Plaid fails, so a failed refresh costs no wait.
import type { UserContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';
import { HttpError } from '../http.ts';
import { limitUserCall } from '../rate-limits.ts';
import { findOwnedItem, readAccessToken } from './store.ts';

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
    throw e;
  }
}
