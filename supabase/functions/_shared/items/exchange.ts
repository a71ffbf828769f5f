// Public token → item. Everything the database must hold (Vault secret, item, accounts, sync request)
// is written by one SQL function in one transaction, so a failure leaves no half-written item and no
// orphan secret. A duplicate (same institution and same account masks for this user) is refused by
// that function; the item just created at Plaid is then removed so it is not billed.
import type { UserContext } from '../function.ts';
import { HttpError, plaidErrorStatus } from '../http.ts';
import { PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';
import { refusal } from '../sql-states.ts';
import { limitPlaidCall } from '../rate-limits.ts';
import type { Logger } from '../log.ts';

export type ExchangeInput = {
  public_token: string;
  metadata?: { institution?: { institution_id: string; name: string } | null };
};

type CreatedItem = { id: string; institution_id: string | null; institution_name: string | null; status: string; accounts: unknown[] };

const NOTHING_SAVED = 'the bank was not connected and nothing was saved; connect it again';

/**
 * A failure after Plaid's exchange (the public token is spent and the new item was removed again), as
 * an error that says so: retrying the same public token cannot work, connecting again does.
 */
function afterExchangeError(e: unknown, log: Logger): HttpError {
  if (e instanceof PlaidApiError) {
    return new HttpError(plaidErrorStatus(e), 'PLAID_ERROR', `Plaid failed while the connection was being set up (${e.errorCode}): ${NOTHING_SAVED}`, { details: e.toPublic() });
  }
  if (e instanceof PlaidTransportError) return new HttpError(503, 'PLAID_UNAVAILABLE', `Plaid did not answer in time while the connection was being set up: ${NOTHING_SAVED}`);
  log.error('item_create_failed', { message: e instanceof Error ? e.message : String(e) });
  return new HttpError(500, 'INTERNAL_ERROR', `the connection could not be saved on our side (the error was logged): ${NOTHING_SAVED}`);
}

export async function exchangePublicToken(ctx: UserContext, input: ExchangeInput): Promise<{ item: CreatedItem }> {
  await limitPlaidCall(ctx, 'exchange');
  const plaid = ctx.plaid();
  const exchanged = await plaid.call('/item/public_token/exchange', { public_token: input.public_token }, { retry: false })
    .catch((e: unknown) => {
      // The caller's public token (expired, already used, of another environment): their error, not Plaid's.
      if (e instanceof PlaidApiError && e.errorType === 'INVALID_INPUT') {
        throw new HttpError(400, 'PLAID_ERROR', `Plaid refused the public token (${e.errorCode}): open Plaid Link again to connect the bank`, { details: e.toPublic() });
      }
      throw e;
    });
  const accessToken = exchanged.access_token;
  try {
    const { data: { accounts, item }, text } = await plaid.callRaw('/accounts/get', { access_token: accessToken }, { itemId: exchanged.item_id });
    const institutionId = item.institution_id ?? input.metadata?.institution?.institution_id ?? null;
    const institutionName = item.institution_name ?? input.metadata?.institution?.name ?? null;
    // One statement: the item, its token, accounts (Plaid's JSON as received, mapped in SQL) and sync
    // requests, and the initial sync's pg_net call (sent only once this transaction commits).
    const [row] = await ctx.admin.query<{ item: CreatedItem }>`
      with created as (select private.create_plaid_item(
        p_user_id => ${ctx.userId}::uuid,
        p_plaid_item_id => ${exchanged.item_id},
        p_access_token => ${accessToken},
        p_institution_id => ${institutionId},
        p_institution_name => ${institutionName},
        p_products_available => ${item.available_products ?? []}::text[],
        p_products_billed => ${item.billed_products ?? []}::text[],
        p_webhook_url => ${item.webhook ?? null},
        p_consent_expires_at => ${item.consent_expiration_time ?? null}::timestamptz,
        p_accounts => ${text}::jsonb -> 'accounts'
      ) as item)
      select item, private.dispatch_requested_syncs((item ->> 'id')::uuid, 'initial') as dispatched from created`;
    ctx.log.info('item_created', { item: row.item.id, accounts: accounts.length });
    return { item: row.item };
  } catch (e) {
    // Never leave a billed item at Plaid that we do not track.
    await plaid.call('/item/remove', { access_token: accessToken }, { retry: true }).catch((removeError) =>
      ctx.log.error('orphan_item_remove_failed', { plaid_item_id: exchanged.item_id, message: String(removeError) }));
    throw refusal(e, { NF409: 'this institution is already connected with the same accounts; reconnect the existing connection instead' })
      ?? afterExchangeError(e, ctx.log);
  }
}
