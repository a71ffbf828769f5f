// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The list of Plaid endpoints and webhook payload schemas the emulator implements. extract.ts copies
// exactly these schemas (and what they reference) out of Plaid's OpenAPI spec.

export const SPEC_VERSION = '2020-09-14';

/** Plaid endpoint path -> [request schema, 200 response schema] as named in the spec's components. */
export const ENDPOINTS: Record<string, readonly [string, string]> = {
  '/link/token/create': ['LinkTokenCreateRequest', 'LinkTokenCreateResponse'],
  '/item/public_token/exchange': ['ItemPublicTokenExchangeRequest', 'ItemPublicTokenExchangeResponse'],
  '/item/get': ['ItemGetRequest', 'ItemGetResponse'],
  '/item/remove': ['ItemRemoveRequest', 'ItemRemoveResponse'],
  '/item/webhook/update': ['ItemWebhookUpdateRequest', 'ItemWebhookUpdateResponse'],
  '/accounts/get': ['AccountsGetRequest', 'AccountsGetResponse'],
  '/accounts/balance/get': ['AccountsBalanceGetRequest', 'AccountsGetResponse'],
  '/transactions/sync': ['TransactionsSyncRequest', 'TransactionsSyncResponse'],
  '/transactions/refresh': ['TransactionsRefreshRequest', 'TransactionsRefreshResponse'],
  '/liabilities/get': ['LiabilitiesGetRequest', 'LiabilitiesGetResponse'],
  '/investments/holdings/get': ['InvestmentsHoldingsGetRequest', 'InvestmentsHoldingsGetResponse'],
  '/investments/transactions/get': ['InvestmentsTransactionsGetRequest', 'InvestmentsTransactionsGetResponse'],
  '/institutions/get_by_id': ['InstitutionsGetByIdRequest', 'InstitutionsGetByIdResponse'],
  '/webhook_verification_key/get': ['WebhookVerificationKeyGetRequest', 'WebhookVerificationKeyGetResponse'],
  '/sandbox/public_token/create': ['SandboxPublicTokenCreateRequest', 'SandboxPublicTokenCreateResponse'],
  '/sandbox/item/fire_webhook': ['SandboxItemFireWebhookRequest', 'SandboxItemFireWebhookResponse'],
  '/sandbox/item/reset_login': ['SandboxItemResetLoginRequest', 'SandboxItemResetLoginResponse'],
  '/sandbox/transactions/create': ['SandboxTransactionsCreateRequest', 'SandboxTransactionsCreateResponse'],
};

/** "WEBHOOK_TYPE:WEBHOOK_CODE" -> payload schema name in the spec. */
export const WEBHOOKS: Record<string, string> = {
  'TRANSACTIONS:SYNC_UPDATES_AVAILABLE': 'SyncUpdatesAvailableWebhook',
  'TRANSACTIONS:DEFAULT_UPDATE': 'DefaultUpdateWebhook',
  'TRANSACTIONS:INITIAL_UPDATE': 'InitialUpdateWebhook',
  'TRANSACTIONS:HISTORICAL_UPDATE': 'HistoricalUpdateWebhook',
  'TRANSACTIONS:TRANSACTIONS_REMOVED': 'TransactionsRemovedWebhook',
  'TRANSACTIONS:RECURRING_TRANSACTIONS_UPDATE': 'RecurringTransactionsUpdateWebhook',
  'ITEM:ERROR': 'ItemErrorWebhook',
  'ITEM:LOGIN_REPAIRED': 'ItemLoginRepairedWebhook',
  'ITEM:PENDING_EXPIRATION': 'PendingExpirationWebhook',
  'ITEM:PENDING_DISCONNECT': 'PendingDisconnectWebhook',
  'ITEM:NEW_ACCOUNTS_AVAILABLE': 'NewAccountsAvailableWebhook',
  'ITEM:WEBHOOK_UPDATE_ACKNOWLEDGED': 'WebhookUpdateAcknowledgedWebhook',
  'ITEM:USER_PERMISSION_REVOKED': 'UserPermissionRevokedWebhook',
  'ITEM:USER_ACCOUNT_REVOKED': 'UserAccountRevokedWebhook',
  'HOLDINGS:DEFAULT_UPDATE': 'HoldingsDefaultUpdateWebhook',
  'INVESTMENTS_TRANSACTIONS:DEFAULT_UPDATE': 'InvestmentsDefaultUpdateWebhook',
  'INVESTMENTS_TRANSACTIONS:HISTORICAL_UPDATE': 'InvestmentsHistoricalUpdateWebhook',
  'LIABILITIES:DEFAULT_UPDATE': 'LiabilitiesDefaultUpdateWebhook',
};

export const EXTRA_SCHEMAS = ['PlaidError'] as const;
