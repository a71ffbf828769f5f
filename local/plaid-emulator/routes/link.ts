// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /link/token/create, including update mode (access_token), webhook, products, optional_products,
// required_if_supported_products and transactions.days_requested.
import { PlaidApiError } from '../errors.ts';
import { type Handler, checkWebhookField, iso8601 } from './types.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * redirect_uri must be a URI registered on the Dashboard "without any query parameters" (the emulator has
 * no Dashboard: any well-formed one counts as registered); HTTPS, except loopback hosts during development
 * (inference from Plaid's OAuth guide). Otherwise INVALID_FIELD.
 */
function checkRedirectUri(value: unknown): void {
  if (value === undefined || value === null) return;
  let u: URL | null = null;
  try {
    u = new URL(String(value));
  } catch { /* reported below */ }
  const ok = u !== null && !u.search && !u.hash && (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname)));
  if (!ok) throw new PlaidApiError('INVALID_FIELD', { message: 'redirect_uri must be an https URI (http only for localhost) without query parameters, as registered on the Dashboard' });
}

/** "Supported languages are: ..." (spec LinkTokenCreateRequest.language; a list in words, not an enum). */
export const LINK_LANGUAGES = ['da', 'nl', 'en', 'et', 'fr', 'de', 'hi', 'it', 'lv', 'lt', 'no', 'pl', 'pt', 'ro', 'es', 'sv', 'vi'];

export const linkTokenCreate: Handler = ({ state, body }) => {
  if (!body.user && !body.user_id) throw new PlaidApiError('MISSING_FIELDS', { fields: 'user' });
  if (!LINK_LANGUAGES.includes(body.language)) throw new PlaidApiError('INVALID_FIELD', { message: `language must be one of: ${LINK_LANGUAGES.join(', ')}` });
  checkWebhookField('webhook', body.webhook);
  checkRedirectUri(body.redirect_uri);
  const products: string[] = body.products ?? [];
  const lists: Record<string, string[]> = {
    optional_products: body.optional_products ?? [],
    required_if_supported_products: body.required_if_supported_products ?? [],
    additional_consented_products: body.additional_consented_products ?? [],
  };
  for (const p of [...products, ...Object.values(lists).flat()]) {
    if (p === 'balance') throw new PlaidApiError('INVALID_PRODUCT', { message: 'balance is not a valid product for Link. Balance is available on any Item with another product' });
  }
  for (const [name, list] of Object.entries(lists)) {
    const overlap = list.filter((p) => products.includes(p));
    if (overlap.length) throw new PlaidApiError('INVALID_FIELD', { message: `${name} must not contain products that are also in products: ${overlap.join(', ')}` });
  }
  if (body.access_token != null) {
    // Update mode: the webhook field has no effect and no product is needed.
    const item = state.itemFor(body.access_token);
    const rec = state.createLinkToken(body, item);
    return { expiration: iso8601(rec.expiration), link_token: rec.link_token };
  }
  if (!products.length) {
    if (body.products === undefined) throw new PlaidApiError('MISSING_FIELDS', { fields: 'products' });
    throw new PlaidApiError('INVALID_FIELD', { message: 'products must contain at least one product' });
  }
  const rec = state.createLinkToken(body, null);
  return { expiration: iso8601(rec.expiration), link_token: rec.link_token };
};
