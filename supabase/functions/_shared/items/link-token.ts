// Link tokens: new connections ask for transactions (+ optional liabilities/investments, 730 days);
// update mode re-authenticates an existing item and never adds products (Plaid's update-mode rules).
import type { CountryCode, LinkTokenCreateRequest, Products } from 'plaid';
import type { UserContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';
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
  const redirect = input.redirect_uri ?? cfg.PLAID_REDIRECT_URI;
  if (redirect) request.redirect_uri = redirect;

  if (input.item_id) {
    const item = await findOwnedItem(ctx, input.item_id);
    request.access_token = await readAccessToken(ctx, item.id);
    if (input.account_selection) request.update = { account_selection_enabled: true };
  } else {
    request.products = cfg.PLAID_PRODUCTS as Products[];
    if (cfg.PLAID_OPTIONAL_PRODUCTS.length) request.optional_products = cfg.PLAID_OPTIONAL_PRODUCTS as Products[];
    request.transactions = { days_requested: cfg.PLAID_TRANSACTIONS_DAYS_REQUESTED };
  }
  const res = await ctx.plaid().call('/link/token/create', request, { itemId: input.item_id ?? null });
  return { link_token: res.link_token, expiration: res.expiration, mode: input.item_id ? 'update' : 'create' };
}
