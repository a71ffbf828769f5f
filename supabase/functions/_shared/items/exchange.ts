// Public token → item. Everything the database must hold (Vault secret, item, accounts, sync request)
// is written by one SQL function in one transaction, so a failure leaves no half-written item and no
// orphan secret. A duplicate (accounts another connection of the user already feeds) is refused by that
// function, or, with duplicates: 'skip', connected without them.
//
// An exchange can hand back an Item the product already stores: a re-sent or raced exchange, an
// update-mode public token, another user's token. Such an Item is never removed at Plaid. Only an Item
// no item row holds is let go of, and the database decides that under the Item's lock
// (private.abandon_plaid_item) and queues its removal (retried until Plaid is done).
import type { UserContext } from '../function.ts';
import { HttpError, plaidErrorStatus } from '../http.ts';
import { PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';
import { refusal, sqlStateOf } from '../sql-states.ts';
import { limitUserCall } from '../rate-limits.ts';
import type { Logger } from '../log.ts';
import { processRemovals } from './removals.ts';
import { cacheInstitutionIfDue } from './institution.ts';

export type ExchangeInput = {
  public_token: string;
  metadata?: { institution?: { institution_id: string; name: string } | null };
  duplicates?: 'refuse' | 'skip';
};

type CreatedItem = {
  id: string; institution_id: string | null; institution_name: string | null; status: string; accounts: unknown[];
  skipped_duplicates: string[]; replaced_revoked: boolean;
};

const NOTHING_SAVED = 'the bank was not connected and nothing was saved; connect it again';

/**
 * A failure after Plaid's exchange (the public token is spent and the new item was let go of), as an
 * error that says so: retrying the same public token cannot work, connecting again does.
 */
function afterExchangeError(e: unknown, log: Logger): HttpError {
  if (e instanceof PlaidApiError) {
    return new HttpError(plaidErrorStatus(e), 'PLAID_ERROR', `Plaid failed while the connection was being set up (${e.errorCode}): ${NOTHING_SAVED}`, { details: e.toPublic() });
  }
  if (e instanceof PlaidTransportError) return new HttpError(503, 'PLAID_UNAVAILABLE', `Plaid did not answer in time while the connection was being set up: ${NOTHING_SAVED}`);
  log.error('item_create_failed', { message: e instanceof Error ? e.message : String(e) });
  return new HttpError(500, 'INTERNAL_ERROR', `the connection could not be saved on our side (the error was logged): ${NOTHING_SAVED}`);
}

/** The Item Plaid handed back is already stored: whose it is decides the answer; nothing is removed. */
async function alreadyStored(ctx: UserContext, plaidItemId: string): Promise<HttpError | null> {
  const [row] = await ctx.admin.query<{ id: string; user_id: string }>`
    select id, user_id from public.plaid_items where plaid_item_id = ${plaidItemId}`;
  if (!row) return null;
  ctx.log.warn('exchange_of_stored_item', { item: row.user_id === ctx.userId ? row.id : null, own: row.user_id === ctx.userId });
  if (row.user_id === ctx.userId) {
    return new HttpError(409, 'DUPLICATE_ITEM', 'this connection is already in Nestfolio (the public token belongs to it); nothing changed',
      { details: { item_id: row.id, connected_accounts: null, new_accounts: null } });
  }
  // Another user's Item (their public token): not this user's to connect, and never removed.
  return new HttpError(400, 'INVALID_REQUEST', 'public_token: this Link session does not belong to a new connection of yours; open Link again');
}

/** Lets go of a new Item the product does not store: its removal at Plaid is queued, then tried now. */
async function abandon(ctx: UserContext, exchanged: { item_id: string; access_token: string }, reason: 'duplicate' | 'not_stored') {
  try {
    const [{ id }] = await ctx.admin.query<{ id: string | null }>`
      select private.abandon_plaid_item(${ctx.userId}::uuid, ${exchanged.item_id}, ${exchanged.access_token}, ${reason}) as id`;
    if (id) await processRemovals(ctx, [id]);
  } catch (e) {
    ctx.log.error('abandon_item_failed', { plaid_item_id: exchanged.item_id, message: e instanceof Error ? e.message : String(e) });
  }
}

export async function exchangePublicToken(ctx: UserContext, input: ExchangeInput): Promise<{ item: CreatedItem }> {
  await limitUserCall(ctx, 'exchange');
  const plaid = ctx.plaid();
  const exchanged = await plaid.call('/item/public_token/exchange', { public_token: input.public_token }, { retry: false })
    .catch((e: unknown) => {
      // The caller's public token (expired, already used, of another environment): their error, not Plaid's.
      if (e instanceof PlaidApiError && e.errorType === 'INVALID_INPUT') {
        throw new HttpError(400, 'PLAID_ERROR', `Plaid refused the public token (${e.errorCode}): open Plaid Link again to connect the bank`, { details: e.toPublic() });
      }
      throw e;
    });
  const stored = await alreadyStored(ctx, exchanged.item_id);
  if (stored) throw stored;
  try {
    const { data: { accounts, item }, text } = await plaid.callRaw('/accounts/get', { access_token: exchanged.access_token }, { itemId: exchanged.item_id });
    const institutionId = item.institution_id ?? input.metadata?.institution?.institution_id ?? null;
    const institutionName = item.institution_name ?? input.metadata?.institution?.name ?? null;
    // One statement: the item, its token, accounts (Plaid's JSON as received, mapped in SQL) and sync
    // requests, and the initial sync's pg_net call (sent only once this transaction commits).
    const [row] = await ctx.admin.query<{ item: CreatedItem }>`
      with created as (select private.create_plaid_item(
        p_user_id => ${ctx.userId}::uuid,
        p_plaid_item_id => ${exchanged.item_id},
        p_access_token => ${exchanged.access_token},
        p_institution_id => ${institutionId},
        p_institution_name => ${institutionName},
        p_products_available => ${item.available_products ?? []}::text[],
        p_products_billed => ${item.billed_products ?? []}::text[],
        p_webhook_url => ${item.webhook ?? null},
        p_consent_expires_at => ${item.consent_expiration_time ?? null}::timestamptz,
        p_accounts => ${text}::jsonb -> 'accounts',
        p_duplicates => ${input.duplicates ?? 'refuse'}
      ) as item)
      select item, private.dispatch_requested_syncs((item ->> 'id')::uuid, 'initial') as dispatched from created`;
    ctx.log.info('item_created', { item: row.item.id, accounts: accounts.length, skipped_duplicates: row.item.skipped_duplicates.length, replaced_revoked: row.item.replaced_revoked });
    if (institutionId) await cacheInstitutionIfDue(ctx, institutionId);
    return { item: row.item };
  } catch (e) {
    // Stored meanwhile by a concurrent exchange of the same Item: that one is the connection.
    if (sqlStateOf(e) === '23505') {
      const raced = await alreadyStored(ctx, exchanged.item_id);
      if (raced) throw raced;
    }
    const duplicate = sqlStateOf(e) === 'NF409';
    await abandon(ctx, exchanged, duplicate ? 'duplicate' : 'not_stored');
    const refused = refusal(e, { NF409: 'this bank is already connected with these accounts; reconnect the existing connection instead, or add only the new accounts' });
    if (refused) throw new HttpError(refused.status, refused.code, refused.message, { details: duplicateDetails(e) });
    throw afterExchangeError(e, ctx.log);
  }
}

/** The database's NF409 DETAIL: { item_id, connected_accounts, new_accounts } (masks). */
function duplicateDetails(e: unknown): unknown {
  try {
    return JSON.parse(String((e as { detail?: unknown }).detail));
  } catch {
    return undefined;
  }
}
