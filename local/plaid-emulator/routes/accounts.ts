// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /accounts/get (cached) and /accounts/balance/get (real-time in Plaid; same data here).
import { accountsJson, itemJson } from '../items.ts';
import { checkAccountIds, type Handler } from './types.ts';

export const accountsGet: Handler = ({ state, body }) => {
  const item = state.healthyItemFor(body.access_token);
  const ids = checkAccountIds(item, body.options?.account_ids);
  return { accounts: accountsJson(item, ids), item: itemJson(item) };
};

export const accountsBalanceGet: Handler = ({ state, body }) => {
  const item = state.healthyItemFor(body.access_token);
  const ids = checkAccountIds(item, body.options?.account_ids);
  item.lastSuccessfulUpdate = state.now();
  return { accounts: accountsJson(item, ids), item: itemJson(item) };
};
