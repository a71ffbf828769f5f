// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Plaid path -> handler.
import type { Handler } from './types.ts';
import { linkTokenCreate } from './link.ts';
import { publicTokenExchange, itemGet, itemRemove, itemWebhookUpdate } from './item.ts';
import { accountsGet, accountsBalanceGet } from './accounts.ts';
import { transactionsSync, transactionsRefresh } from './transactions.ts';
import { liabilitiesGet } from './liabilities.ts';
import { holdingsGet, investmentTransactionsGet } from './investments.ts';
import { institutionsGetById, webhookVerificationKeyGet } from './institutions.ts';
import { sandboxPublicTokenCreate, sandboxItemFireWebhook, sandboxItemResetLogin, sandboxTransactionsCreate } from './sandbox.ts';

export const ROUTES: Record<string, Handler> = {
  '/link/token/create': linkTokenCreate,
  '/item/public_token/exchange': publicTokenExchange,
  '/item/get': itemGet,
  '/item/remove': itemRemove,
  '/item/webhook/update': itemWebhookUpdate,
  '/accounts/get': accountsGet,
  '/accounts/balance/get': accountsBalanceGet,
  '/transactions/sync': transactionsSync,
  '/transactions/refresh': transactionsRefresh,
  '/liabilities/get': liabilitiesGet,
  '/investments/holdings/get': holdingsGet,
  '/investments/transactions/get': investmentTransactionsGet,
  '/institutions/get_by_id': institutionsGetById,
  '/webhook_verification_key/get': webhookVerificationKeyGet,
  '/sandbox/public_token/create': sandboxPublicTokenCreate,
  '/sandbox/item/fire_webhook': sandboxItemFireWebhook,
  '/sandbox/item/reset_login': sandboxItemResetLogin,
  '/sandbox/transactions/create': sandboxTransactionsCreate,
};
