// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /investments/holdings/get and /investments/transactions/get (offset pagination, newest first;
// async_update=true answers PRODUCT_NOT_READY until INVESTMENTS_TRANSACTIONS: HISTORICAL_UPDATE fires).
import { PlaidApiError } from '../errors.ts';
import { accountsJson, investmentsOf, itemJson, type Item } from '../items.ts';
import { checkAccountIds, requireProduct, type Handler } from './types.ts';
import type { EmulatorState } from '../state.ts';

const notReady = new WeakSet<Item>();

function investmentItem(state: EmulatorState, accessToken: unknown): Item {
  const item = state.healthyItemFor(accessToken);
  requireProduct(item, 'investments');
  if (!item.accounts.some((a) => a.type === 'investment')) throw new PlaidApiError('NO_INVESTMENT_ACCOUNTS');
  return item;
}

function securitiesFor(all: Record<string, unknown>[], ids: Set<unknown>) {
  return all.filter((s) => ids.has(s.security_id));
}

export const holdingsGet: Handler = ({ state, body }) => {
  const item = investmentItem(state, body.access_token);
  const ids = checkAccountIds(item, body.options?.account_ids);
  const inv = investmentsOf(item, state.seed);
  const invAccounts = item.accounts.filter((a) => a.type === 'investment' && (!ids || ids.includes(a.account_id))).map((a) => a.account_id);
  const holdings = inv.holdings.filter((h) => invAccounts.includes(String(h.account_id)));
  return {
    accounts: accountsJson(item, invAccounts, true),
    holdings,
    is_investments_fallback_item: false,
    item: itemJson(item),
    securities: securitiesFor(inv.securities, new Set(holdings.map((h) => h.security_id))),
  };
};

export const investmentTransactionsGet: Handler = ({ state, body }) => {
  const hadProduct = state.itemFor(body.access_token).products.includes('investments');
  const item = investmentItem(state, body.access_token);
  const opts = body.options ?? {};
  if (opts.async_update === true && (!hadProduct || notReady.has(item))) {
    // Plaid: PRODUCT_NOT_READY until the HISTORICAL_UPDATE webhook says the extraction finished.
    if (!notReady.has(item)) {
      notReady.add(item);
      state.schedule(() => {
        notReady.delete(item);
        const n = investmentsOf(item, state.seed).transactions.length;
        state.fire(item, 'INVESTMENTS_TRANSACTIONS', 'HISTORICAL_UPDATE', { error: null, new_investments_transactions: n, cancelled_investments_transactions: 0 });
      }, state.readyDelayMs());
    }
    throw new PlaidApiError('PRODUCT_NOT_READY');
  }
  if (body.start_date > body.end_date) throw new PlaidApiError('INVALID_FIELD', { message: 'start_date must be on or before end_date' });
  const ids = checkAccountIds(item, opts.account_ids);
  const inv = investmentsOf(item, state.seed);
  const invAccounts = item.accounts.filter((a) => a.type === 'investment' && (!ids || ids.includes(a.account_id))).map((a) => a.account_id);
  const matching = inv.transactions.filter((t) => invAccounts.includes(String(t.account_id)) && String(t.date) >= body.start_date && String(t.date) <= body.end_date);
  const offset: number = opts.offset ?? 0;
  const count: number = opts.count ?? 100;
  const page = matching.slice(offset, offset + count);
  return {
    accounts: accountsJson(item, invAccounts, true),
    investment_transactions: page,
    is_investments_fallback_item: false,
    item: itemJson(item),
    securities: securitiesFor(inv.securities, new Set(page.map((t) => t.security_id))),
    total_investment_transactions: matching.length,
  };
};
