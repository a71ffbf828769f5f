// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The Item model: its accounts, products, error state, transaction log and lazily built
// investments/liabilities, plus the Item JSON shapes Plaid returns.
import type { InstitutionDef } from './data/institutions.ts';
import { accountJson, type Account, type Persona } from './data/accounts.ts';
import { buildInvestments, type InvestmentData } from './data/investments.ts';
import { buildLiabilities, type Liabilities } from './data/liabilities.ts';
import type { GenContext, Tx } from './data/transactions.ts';
import { itemError } from './errors.ts';
import { TxLog } from './txlog.ts';

export type TxStatus = 'NOT_READY' | 'INITIAL_UPDATE_COMPLETE' | 'HISTORICAL_UPDATE_COMPLETE';

export type Item = {
  index: number;
  key: string;
  item_id: string;
  access_token: string;
  institution: InstitutionDef;
  username: string;
  persona: Persona;
  /** products on the Item (billed_products) */
  products: string[];
  /** products consented but not yet billed (optional/additional) */
  consented: string[];
  webhook: string | null;
  /** the Item's error code (ITEM_LOGIN_REQUIRED, ...), or null when healthy */
  error: string | null;
  created_at: number;
  /** when the user last logged in (creation or a repair): Sandbox logins last 30 days */
  loginSince: number;
  removed: boolean;
  accounts: Account[];
  historySize: number;
  daysRequested: number;
  gen: GenContext;
  tx: TxLog;
  txStatus: TxStatus;
  /** SYNC_UPDATES_AVAILABLE fires only after /transactions/sync was called once (Plaid rule) */
  syncActivated: boolean;
  lastWebhook: { sent_at: string; code_sent: string } | null;
  lastSuccessfulUpdate: number;
  clientUserId: string | null;
  invest: InvestmentData | null;
  liabilities: Liabilities | null;
  readyDelayMs: number;
  /** user_custom's configured transactions, appended to the log by the initial and historical pulls */
  listed: Tx[];
};

/** Products that are per-call features and never appear in billed_products. */
const NOT_ITEM_PRODUCTS = new Set(['balance', 'balance_plus', 'signal', 'transactions_refresh', 'recurring_transactions']);

export function itemJson(item: Item, withError = false): Record<string, unknown> {
  const billed = [...item.products].sort();
  const available = item.institution.products.filter((p) => !billed.includes(p) && !NOT_ITEM_PRODUCTS.has(p) || p === 'balance').sort();
  return {
    auth_method: null,
    available_products: available,
    billed_products: billed,
    consent_expiration_time: null,
    consented_products: [...new Set([...billed, ...item.consented])].sort(),
    error: withError && item.error ? itemError(item.error) : null,
    institution_id: item.institution.institution_id,
    institution_name: item.institution.name,
    item_id: item.item_id,
    products: billed,
    update_type: 'background',
    webhook: item.webhook,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const SCOPES: Record<string, string[]> = {
  transactions: ['account_balance_info', 'transactions'],
  liabilities: ['account_balance_info', 'credit_loan_info'],
  investments: ['account_balance_info', 'investments'],
  auth: ['account_balance_info', 'account_routing_number'],
  identity: ['account_balance_info', 'contact_info'],
};

/** /item/get's item (with consent fields) and status. */
export function itemGetJson(item: Item): { item: Record<string, unknown>; status: Record<string, unknown> } {
  const scopes = new Set<string>(['account_balance_info']);
  for (const p of [...item.products, ...item.consented]) for (const s of SCOPES[p] ?? []) scopes.add(s);
  const ok = iso(item.lastSuccessfulUpdate);
  return {
    item: { ...itemJson(item, true), consented_data_scopes: [...scopes].sort(), consented_use_cases: [], created_at: iso(item.created_at) },
    status: {
      investments: item.products.includes('investments') ? { last_failed_update: null, last_successful_update: ok } : null,
      last_webhook: item.lastWebhook,
      transactions: item.products.includes('transactions') ? { last_failed_update: null, last_successful_update: item.txStatus === 'NOT_READY' ? null : ok } : null,
    },
  };
}

export function investmentsOf(item: Item, seed: number): InvestmentData {
  if (!item.invest) item.invest = buildInvestments(seed, item.key, item.accounts, item.gen.anchorMs);
  return item.invest;
}

export function liabilitiesOf(item: Item, seed: number): Liabilities {
  if (!item.liabilities) item.liabilities = buildLiabilities(seed, item.key, item.accounts, item.gen.anchorMs);
  return item.liabilities;
}

/** Accounts filtered by options.account_ids (INVALID_ACCOUNT_ID is the caller's job). */
export function accountsJson(item: Item, ids?: string[] | null, withMargin = false): Record<string, unknown>[] {
  return item.accounts.filter((a) => !ids || ids.includes(a.account_id)).map((a) => accountJson(a, withMargin));
}

export { iso };
