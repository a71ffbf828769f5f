// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /sandbox/public_token/create, /sandbox/item/fire_webhook, /sandbox/item/reset_login,
// /sandbox/transactions/create.
import { PlaidApiError, CATALOG, webhookError } from '../errors.ts';
import { institutionById, supportsAll } from '../data/institutions.ts';
import { checkCredentials } from '../state.ts';
import { investmentsOf, liabilitiesOf, type Item } from '../items.ts';
import { addTransactions } from '../txops.ts';
import { isoDate, utcMidnight, DAY_MS } from '../data/transactions.ts';
import { checkWebhookField, isWebhookUrl, iso8601, type Handler } from './types.ts';
import type { EmulatorState } from '../state.ts';

/** Login outcome for a sandbox username/password at an institution (Plaid error code or null). */
export function loginError(institutionFailure: string | null, username: string, password: string): string | null {
  if (institutionFailure) return institutionFailure;
  const { error } = checkCredentials(username, password);
  if (error === 'PLAID_ERROR') return 'INTERNAL_SERVER_ERROR'; // user_custom force_error: a Plaid-side failure
  if (error && !CATALOG[error]) return 'INVALID_CREDENTIALS';
  return error;
}

export const sandboxPublicTokenCreate: Handler = ({ state, body }) => {
  const inst = institutionById(body.institution_id);
  if (!inst) throw new PlaidApiError('INVALID_INSTITUTION');
  const products: string[] = body.initial_products;
  if (products.includes('balance')) throw new PlaidApiError('INVALID_PRODUCT', { message: 'balance is not a valid initial product' });
  if (!supportsAll(inst, products)) {
    throw new PlaidApiError('PRODUCTS_NOT_SUPPORTED', { message: `the following products are not supported by this institution: ${products.filter((p) => !inst.products.includes(p)).join(', ')}` });
  }
  const o = body.options ?? {};
  checkWebhookField('options.webhook', o.webhook);
  const username = o.override_username ?? 'user_good';
  const password = o.override_password ?? 'pass_good';
  const err = loginError(inst.failure, username, password);
  if (err) throw new PlaidApiError(err, { message: err.toLowerCase() });
  const item = state.createItem({
    institution: inst, username, password, products, webhook: o.webhook ?? null,
    daysRequested: o.transactions?.days_requested ?? 90,
    startDate: o.transactions?.start_date ?? null, endDate: o.transactions?.end_date ?? null,
  });
  return { public_token: state.createPublicToken(item) };
};

const PRODUCT_FOR_TYPE: Record<string, string> = {
  TRANSACTIONS: 'transactions', HOLDINGS: 'investments', INVESTMENTS_TRANSACTIONS: 'investments',
  LIABILITIES: 'liabilities', AUTH: 'auth', IDENTITY: 'identity', ASSETS: 'assets',
};

function needProduct(item: Item, product: string): void {
  if (!item.products.includes(product)) throw new PlaidApiError('SANDBOX_PRODUCT_NOT_ENABLED');
}

/** The payload fields of a webhook the sandbox can fire (plus ITEM ERROR for the control API). */
export function webhookFields(state: EmulatorState, item: Item, type: string, code: string): Record<string, unknown> {
  if (code === 'DEFAULT_UPDATE') {
    if (type === 'HOLDINGS') return { error: null, new_holdings: 0, updated_holdings: investmentsOf(item, state.seed).holdings.length };
    if (type === 'INVESTMENTS_TRANSACTIONS') return { error: null, new_investments_transactions: 0, cancelled_investments_transactions: 0 };
    if (type === 'LIABILITIES') {
      const l = liabilitiesOf(item, state.seed);
      const ids = [...l.credit, ...l.mortgage, ...l.student].map((x) => String(x.account_id));
      return { error: null, account_ids_with_new_liabilities: [], account_ids_with_updated_liabilities: Object.fromEntries(ids.slice(0, 1).map((id) => [id, ['past_amount_due']])) };
    }
    if (type === 'TRANSACTIONS') return { error: null, new_transactions: 0 };
    return { error: null };
  }
  switch (code) {
    case 'SYNC_UPDATES_AVAILABLE':
      return { initial_update_complete: item.txStatus !== 'NOT_READY', historical_update_complete: item.txStatus === 'HISTORICAL_UPDATE_COMPLETE' };
    case 'RECURRING_TRANSACTIONS_UPDATE':
      return { account_ids: item.accounts.filter((a) => a.type === 'depository' || a.type === 'credit').map((a) => a.account_id) };
    case 'NEW_ACCOUNTS_AVAILABLE':
      return { error: null };
    case 'PENDING_DISCONNECT':
      return { reason: 'INSTITUTION_TOKEN_EXPIRATION', disconnect_time: iso8601(state.now() + 7 * DAY_MS) };
    case 'PENDING_EXPIRATION':
      return { consent_expiration_time: iso8601(state.now() + 7 * DAY_MS) };
    case 'USER_PERMISSION_REVOKED':
      return { error: webhookError('USER_PERMISSION_REVOKED') };
    case 'USER_ACCOUNT_REVOKED':
      return { account_id: item.accounts[0]?.account_id ?? '' };
    case 'ERROR':
      return { error: webhookError(item.error ?? 'ITEM_LOGIN_REQUIRED') };
    default:
      return {};
  }
}

/**
 * The webhook_type each code may be fired with, as /sandbox/item/fire_webhook documents (spec L6423):
 * DEFAULT_UPDATE for AUTH, IDENTITY, TRANSACTIONS, INVESTMENTS_TRANSACTIONS, LIABILITIES and HOLDINGS;
 * PRODUCT_READY and ERROR are Assets webhooks; SMS_MICRODEPOSITS_VERIFICATION is Auth's; the Item codes
 * are ITEM; SYNC_UPDATES_AVAILABLE and RECURRING_TRANSACTIONS_UPDATE are TRANSACTIONS. The first type is
 * the one used when webhook_type is omitted.
 */
const FIRE_TYPES: Record<string, string[]> = {
  DEFAULT_UPDATE: ['TRANSACTIONS', 'AUTH', 'IDENTITY', 'INVESTMENTS_TRANSACTIONS', 'LIABILITIES', 'HOLDINGS'],
  NEW_ACCOUNTS_AVAILABLE: ['ITEM'], LOGIN_REPAIRED: ['ITEM'], PENDING_DISCONNECT: ['ITEM'],
  USER_PERMISSION_REVOKED: ['ITEM'], USER_ACCOUNT_REVOKED: ['ITEM'], AUTHORIZATION_GRANTED: ['ITEM'],
  SYNC_UPDATES_AVAILABLE: ['TRANSACTIONS'], RECURRING_TRANSACTIONS_UPDATE: ['TRANSACTIONS'],
  SMS_MICRODEPOSITS_VERIFICATION: ['AUTH'], PRODUCT_READY: ['ASSETS'], ERROR: ['ASSETS'],
};

/** Codes that need a product the emulator does not offer (Assets, same-day micro-deposits, Transfer). */
const UNOFFERED = new Set(['SMS_MICRODEPOSITS_VERIFICATION', 'PRODUCT_READY', 'ERROR', 'AUTHORIZATION_GRANTED']);

export const sandboxItemFireWebhook: Handler = ({ state, body }) => {
  const item = state.itemFor(body.access_token);
  const code: string = body.webhook_code;
  const types = FIRE_TYPES[code];
  const type: string = body.webhook_type ?? types[0];
  if (!types.includes(type)) {
    throw new PlaidApiError('INVALID_FIELD', { message: `webhook_code ${code} cannot be fired with webhook_type ${type} (valid: ${types.join(', ')})` });
  }
  if (UNOFFERED.has(code)) throw new PlaidApiError('SANDBOX_PRODUCT_NOT_ENABLED');
  if (type !== 'ITEM') needProduct(item, code === 'RECURRING_TRANSACTIONS_UPDATE' ? 'transactions' : PRODUCT_FOR_TYPE[type]);
  if (!item.webhook || !isWebhookUrl(item.webhook)) throw new PlaidApiError('SANDBOX_WEBHOOK_INVALID');
  state.fire(item, type, code, webhookFields(state, item, type, code));
  return { webhook_fired: true };
};

export const sandboxItemResetLogin: Handler = ({ state, body }) => {
  state.setLoginRequired(state.itemFor(body.access_token));
  return { reset_login: true };
};

export const sandboxTransactionsCreate: Handler = ({ state, body }) => {
  const item = state.itemFor(body.access_token);
  if (!item.persona.dynamic) {
    throw new PlaidApiError('INVALID_FIELD', { message: 'This endpoint can only be used with Items created using the user_transactions_dynamic test user.' });
  }
  const list: Array<{ date_transacted: string; date_posted: string; amount: number; description: string; iso_currency_code?: string }> = body.transactions;
  if (list.length > 10) throw new PlaidApiError('INVALID_FIELD', { message: 'The request contains too many transactions.' });
  const today = isoDate(utcMidnight(state.now()));
  const oldest = isoDate(utcMidnight(state.now()) - 14 * DAY_MS);
  for (const t of list) {
    if (t.date_transacted < oldest || t.date_posted > today || t.date_transacted > today || t.date_posted < t.date_transacted) {
      throw new PlaidApiError('INVALID_FIELD', { message: 'Transaction and posted dates must be within the last 14 days. The posted date cannot be before the transaction date.' });
    }
  }
  // Custom transactions go to the depository account (Plaid docs).
  addTransactions(state, item, list.map((t) => ({
    amount: t.amount, name: t.description, original_description: t.description, date: t.date_posted,
    authorized_date: t.date_transacted, iso_currency_code: t.iso_currency_code ?? 'USD', account_id: item.gen.checking ?? undefined,
  })));
  return {};
};
