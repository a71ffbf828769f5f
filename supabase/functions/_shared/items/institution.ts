// Plaid's logo and colour of an institution (/institutions/get_by_id with include_optional_metadata),
// fetched once per institution after a connection is made and kept in private.institutions. In the
// background: a slow or failing call never holds up or fails connecting a bank; the page shows an
// initial until a logo is there (and when Plaid has none). A failed fetch (Plaid's
// INSTITUTIONS_GET_BY_ID_LIMIT, an outage, INVALID_INSTITUTION) is recorded and tried again after a
// backoff when the accounts are next read (private.claim_institution_fetch): not on every page load,
// and only the claim (one query) is awaited.
import type { CountryCode } from 'plaid';
import type { BaseContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';
import { inBackground } from '../background.ts';
import { PlaidApiError, PlaidTransportError } from '../plaid/errors.ts';

/**
 * Fetches an institution's metadata in the background when the database says it is due (not stored,
 * no fetch running, no backoff); only that claim is awaited, and its failure is logged, never thrown.
 */
export async function cacheInstitutionIfDue(ctx: BaseContext, institutionId: string): Promise<void> {
  try {
    const [{ claimed }] = await ctx.admin.query<{ claimed: boolean }>`
      select private.claim_institution_fetch(${institutionId}) as claimed`;
    if (claimed) {
      inBackground(fetchInstitution(ctx, institutionId),
        (e) => ctx.log.warn('institution_cache_failed', { message: e instanceof Error ? e.message : String(e) }));
    }
  } catch (e) {
    ctx.log.warn('institution_cache_failed', { message: e instanceof Error ? e.message : String(e) });
  }
}

/** The claimed fetch: stores what Plaid says, or records the failure (the database sets the backoff). */
async function fetchInstitution(ctx: BaseContext, institutionId: string): Promise<void> {
  let errorCode = 'INVALID_RESPONSE';
  try {
    const { text } = await ctx.plaid().callRaw('/institutions/get_by_id', {
      institution_id: institutionId,
      country_codes: appConfigFrom(ctx.env).PLAID_COUNTRY_CODES as CountryCode[],
      options: { include_optional_metadata: true },
    });
    // Plaid's JSON as received; the database keeps what can be stored as sent.
    const [{ saved }] = await ctx.admin.query<{ saved: boolean }>`
      select private.save_institution(${text}::jsonb -> 'institution') as saved`;
    if (saved) return;
  } catch (e) {
    if (e instanceof PlaidApiError) errorCode = e.errorCode;
    else if (e instanceof PlaidTransportError) errorCode = e.timedOut ? 'TIMEOUT' : 'NETWORK_ERROR';
    else {
      errorCode = 'INTERNAL';
      ctx.log.error('institution_fetch_error', { institution_id: institutionId, message: e instanceof Error ? e.message : String(e) });
    }
  }
  const [{ retry_at }] = await ctx.admin.query<{ retry_at: string }>`
    select private.institution_fetch_failed(${institutionId}, ${errorCode}) as retry_at`;
  ctx.log.warn('institution_fetch_failed', { institution_id: institutionId, error_code: errorCode, retry_at });
}
