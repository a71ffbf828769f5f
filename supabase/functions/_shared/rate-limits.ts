// How often a caller may make the server do work at Plaid's expense, or bulk work at ours. Every
// user-triggered Plaid call (and every bulk delete or export) takes a request from the caller's bucket
// for that action and, for an item, from the item's; webhooks whose verification key we do not know
// take one from a global bucket before we ask Plaid for it. The buckets live in Postgres (private.take_rate_limits, atomic, shared by every isolate); a refusal is
// 429 RATE_LIMITED with Retry-After. README § Security model lists these limits.
import type { BaseContext, UserContext } from './function.ts';
import { HttpError } from './http.ts';

type Bucket = { limit: number; periodSeconds: number };

/** Per action: requests per period for one user, and for one item (a burst of `limit` is allowed). */
export const rateLimits = {
  /** /link/token/create */
  link_token: { user: { limit: 10, periodSeconds: 60 } },
  /** /item/public_token/exchange + /accounts/get */
  exchange: { user: { limit: 10, periodSeconds: 60 } },
  /** "Sync now": a sync request (the sync's own Plaid calls are coalesced per item). */
  sync_now: { user: { limit: 30, periodSeconds: 60 }, item: { limit: 10, periodSeconds: 60 } },
  /** /item/get after Link update mode */
  item_repaired: { user: { limit: 30, periodSeconds: 60 }, item: { limit: 10, periodSeconds: 60 } },
  /** /item/remove */
  item_remove: { user: { limit: 30, periodSeconds: 60 }, item: { limit: 10, periodSeconds: 60 } },
  /** /accounts/balance/get (each item also at most once per BALANCE_REFRESH_INTERVAL_SECONDS) */
  balance: { user: { limit: 30, periodSeconds: 60 } },
  /** "Delete all my bank data": one transaction over all the user's rows, then /item/remove per Item */
  data_delete: { user: { limit: 3, periodSeconds: 60 } },
  /** transactions-export: every matching transaction of the user, streamed as CSV (no Plaid call) */
  export: { user: { limit: 6, periodSeconds: 60 } },
} as const satisfies Record<string, { user: Bucket; item?: Bucket }>;

/** /webhook_verification_key/get for key ids not in the cache, over all deliveries and isolates. */
export const webhookKeyLookups: Bucket = { limit: 10, periodSeconds: 60 };

export type RateLimitedAction = keyof typeof rateLimits;

type Claim = { allowed: boolean; retry_after_seconds: number };

/** Takes one request from each bucket (all or none); the 429 to answer when one is empty, else null. */
export async function takeRateLimit(ctx: BaseContext, buckets: Array<{ key: string } & Bucket>, what: string): Promise<HttpError | null> {
  const [claim] = await ctx.admin.query<Claim>`
    select * from private.take_rate_limits(${buckets.map((b) => b.key)}::text[], ${buckets.map((b) => b.limit)}::int[],
      ${buckets.map((b) => b.periodSeconds)}::int[])`;
  if (claim.allowed) return null;
  const retryAfter = claim.retry_after_seconds;
  return new HttpError(429, 'RATE_LIMITED', `${what}: too many requests; try again in ${retryAfter} s`, {
    headers: { 'Retry-After': String(retryAfter) },
    details: { retry_after_seconds: retryAfter, next_allowed_at: new Date(Date.now() + retryAfter * 1000).toISOString() },
  });
}

const words: Record<RateLimitedAction, string> = {
  link_token: 'Opening Plaid Link', exchange: 'Connecting a bank', sync_now: 'Sync now',
  item_repaired: 'Checking a reconnected bank', item_remove: 'Removing a connection', balance: 'Refreshing balances',
  data_delete: 'Deleting all bank data', export: 'Exporting transactions',
};

/** Throws 429 RATE_LIMITED unless the user (and the item, for item actions) may make this call now. */
export async function limitUserCall(ctx: UserContext, action: RateLimitedAction, itemId?: string): Promise<void> {
  const limits: { user: Bucket; item?: Bucket } = rateLimits[action];
  const buckets = [{ key: `${action}:user:${ctx.userId}`, ...limits.user }];
  if (limits.item && itemId) buckets.push({ key: `${action}:item:${itemId}`, ...limits.item });
  const refused = await takeRateLimit(ctx, buckets, words[action]);
  if (refused) {
    ctx.log.warn('rate_limited', { action, item: itemId ?? null });
    throw refused;
  }
}
