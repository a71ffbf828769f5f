// Confirms an item's status with Plaid (/item/get), the truth webhooks only hint at
// (supabase/schemas/72_item_status.sql): claim the item's check (coalesced, one at a time), wait for
// its /item/get slot (at most one call per item every 5 s), ask Plaid, and apply what it says unless
// newer truth was recorded meanwhile. A failed call is retried with backoff by the database's sweep.
import type { BaseContext } from '../function.ts';
import { itemStatusByErrorCode, PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';
import { goneAtPlaid } from './removals.ts';

const LEASE_SECONDS = 60;

export async function runStatusCheck(ctx: BaseContext, itemId: string, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {
  const [claim] = await ctx.admin.query<{ lease_id: string; wait_ms: number; access_token: string | null }>`
    select * from private.claim_item_status_check(${itemId}::uuid, ${LEASE_SECONDS}::int)`;
  if (!claim) return { item_id: itemId, checked: false as const };
  if (claim.wait_ms > 0) await sleep(claim.wait_ms);
  const observedAt = new Date().toISOString();
  let item: unknown = null;
  let error: Record<string, unknown> | null = null;
  let errorStatus: string | null = null;
  try {
    if (!claim.access_token) throw new PlaidTransportError('the item has no access token in Vault', false);
    const res = await ctx.plaid().call('/item/get', { access_token: claim.access_token }, { itemId, retry: false, timeoutMs: 15_000 });
    item = res.item;
    const code = res.item.error?.error_code;
    if (code) errorStatus = itemStatusByErrorCode[code] ?? 'error';
  } catch (e) {
    if (!(e instanceof PlaidApiError || e instanceof PlaidTransportError)) throw e;
    error = e instanceof PlaidApiError ? e.toPublic() : { error_code: e.timedOut ? 'TIMEOUT' : 'NETWORK_ERROR' };
    if (e instanceof PlaidApiError && goneAtPlaid.has(e.errorCode)) errorStatus = 'revoked';
  }
  const [{ status }] = await ctx.admin.query<{ status: string | null }>`
    select private.finish_item_status_check(${itemId}::uuid, ${claim.lease_id}::uuid, ${observedAt}::timestamptz,
      ${item === null ? null : JSON.stringify(item)}::jsonb, ${error ? JSON.stringify(error) : null}::jsonb, ${errorStatus}) as status`;
  ctx.log.info('item_status_checked', { item: itemId, status, waited_ms: claim.wait_ms, error_code: error?.error_code ?? null });
  return { item_id: itemId, checked: true as const, status };
}
