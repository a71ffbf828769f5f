// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /item/public_token/exchange, /item/get, /item/remove, /item/webhook/update.
import { itemGetJson, itemJson } from '../items.ts';
import { checkWebhookField, type Handler } from './types.ts';

export const publicTokenExchange: Handler = ({ state, body }) => {
  const item = state.exchangePublicToken(body.public_token);
  return { access_token: item.access_token, item_id: item.item_id };
};

export const itemGet: Handler = ({ state, body }) => itemGetJson(state.itemFor(body.access_token));

export const itemRemove: Handler = ({ state, body }) => {
  state.removeItem(state.itemFor(body.access_token));
  return {};
};

export const itemWebhookUpdate: Handler = ({ state, body }) => {
  const item = state.itemFor(body.access_token);
  checkWebhookField('webhook', body.webhook);
  const url: string | null = body.webhook ?? null;
  item.webhook = url;
  // Plaid acknowledges at the new URL.
  if (url) state.fire(item, 'ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', { new_webhook_url: url, error: null });
  return { item: itemJson(item) };
};
