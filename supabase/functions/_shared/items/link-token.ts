// Link tokens: new connections ask for transactions (+ optional liabilities/investments, 730 days);
// update mode re-authenticates an existing item and never adds products (Plaid's update-mode rules).
// The OAuth redirect URI is the configured one only.
import type { CountryCode, LinkTokenCreateRequest, Products } from 'plaid';
import type { UserContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';
import { HttpError } from '../http.ts';
import { limitUserCall } from '../rate-limits.ts';
import { findOwnedItem, readAccessToken } from './store.ts';

export type LinkTokenInput = { item_id?: string; redirect_uri?: string; account_selection?: boolean };

export async function createLinkToken(ctx: UserContext, input: LinkTokenInput) {
  const cfg = appConfigFrom(ctx.env);
  const request: Omit<LinkTokenCreateRequest, 'client_id' | 'secret'> = {
    client_name: cfg.PLAID_CLIENT_NAME,
    language: cfg.PLAID_LANGUAGE,
    country_codes: cfg.PLAID_COUNTRY_CODES as CountryCode[],
    user: { client_user_id: ctx.userId },
    webhook: cfg.webhookUrl,
  };
  // Plaid sends the user back to the redirect URI after an OAuth bank's sign-in: only the one this
  // project registered with Plaid (PLAID_REDIRECT_URI), never one a caller names.
  const redirect = cfg.PLAID_REDIRECT_URI;
  if (input.redirect_uri !== undefined && input.redirect_uri !== redirect) {
    throw new HttpError(400, 'INVALID_REQUEST', redirect
      ? `redirect_uri: only this project's OAuth redirect URI (${redirect}) is accepted; omit the field to use it`
      : 'redirect_uri: this project has no OAuth redirect URI (PLAID_REDIRECT_URI); omit the field');
  }
  if (redirect) request.redirect_uri = redirect;

  if (input.item_id) {
    const item = await findOwnedItem(ctx, input.item_id);
    await limitUserCall(ctx, 'link_token', item.id);
    request.access_token = await readAccessToken(ctx, item.id);
    if (input.account_selection) request.update = { account_selection_enabled: true };
  } else {
    await limitUserCall(ctx, 'link_token');
    request.products = cfg.PLAID_PRODUCTS as Products[];
    if (cfg.PLAID_OPTIONAL_PRODUCTS.length) request.optional_products = cfg.PLAID_OPTIONAL_PRODUCTS as Products[];
    request.transactions = { days_requested: cfg.PLAID_TRANSACTIONS_DAYS_REQUESTED };
  }
  const res = await ctx.plaid().call('/link/token/create', request, { itemId: input.item_id ?? null });
  return { link_token: res.link_token, expiration: res.expiration, mode: input.item_id ? 'update' : 'create' };
}
