// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /liabilities/get: credit cards, mortgages and student loans of the Item.
import { PlaidApiError } from '../errors.ts';
import { accountsJson, itemJson, liabilitiesOf } from '../items.ts';
import { hasLiabilityAccounts } from '../data/liabilities.ts';
import { checkAccountIds, requireProduct, type Handler } from './types.ts';

export const liabilitiesGet: Handler = ({ state, body }) => {
  const item = state.healthyItemFor(body.access_token);
  requireProduct(item, 'liabilities');
  if (!hasLiabilityAccounts(item.accounts)) throw new PlaidApiError('NO_LIABILITY_ACCOUNTS');
  const ids = checkAccountIds(item, body.options?.account_ids);
  const all = liabilitiesOf(item, state.seed);
  // A kind of liability with no account (in the request) is null, not [] (spec: LiabilitiesObject lists are nullable).
  const pick = (list: Record<string, unknown>[]) => {
    const picked = ids ? list.filter((l) => ids.includes(String(l.account_id))) : list;
    return picked.length ? picked : null;
  };
  return {
    accounts: accountsJson(item, ids),
    item: itemJson(item),
    liabilities: { credit: pick(all.credit), mortgage: pick(all.mortgage), student: pick(all.student) },
  };
};
