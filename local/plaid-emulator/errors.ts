// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Plaid's error objects: the codes, error types, HTTP statuses and messages from plaid.com/docs/errors.

/**
 * An error as Plaid's HTTP API answers it: exactly these seven fields (seen on the wire, e.g. the docs'
 * errors pages and public client fixtures), `documentation_url` in the `?ref=error#<type>-errors` form.
 * The spec's `status` is "only returned ... when the error information is provided via a webhook", and
 * `causes` only for ASSET_REPORT_ERROR / CHECK_REPORT_ERROR, so neither is here.
 */
export type PlaidHttpError = {
  display_message: string | null;
  documentation_url: string;
  error_code: string;
  error_message: string;
  error_type: string;
  request_id: string;
  suggested_action: string | null;
};

/** An error inside a webhook payload (ITEM: ERROR, ...): the spec's ItemErrorWebhook example fields. */
export type PlaidWebhookError = {
  display_message: string | null;
  error_code: string;
  error_code_reason: string | null;
  error_message: string;
  error_type: string;
  status: number;
};

type Entry = { type: string; status: number; message: string; display?: string | null };

const RATE_MSG = 'rate limit exceeded for attempts to access this item. please try again later';
const rate = (): Entry => ({ type: 'RATE_LIMIT_EXCEEDED', status: 429, message: RATE_MSG });

export const CATALOG: Record<string, Entry> = {
  // INVALID_REQUEST
  MISSING_FIELDS: { type: 'INVALID_REQUEST', status: 400, message: 'the following required fields are missing: {fields}' },
  UNKNOWN_FIELDS: { type: 'INVALID_REQUEST', status: 400, message: 'the following fields are not recognized by this endpoint: {fields}' },
  INVALID_FIELD: { type: 'INVALID_REQUEST', status: 400, message: '{message}' },
  INVALID_BODY: { type: 'INVALID_REQUEST', status: 400, message: 'body could not be parsed as JSON' },
  INVALID_HEADERS: { type: 'INVALID_REQUEST', status: 400, message: '{message}' },
  NOT_FOUND: { type: 'INVALID_REQUEST', status: 404, message: 'not found' },
  // INVALID_INPUT
  INVALID_API_KEYS: { type: 'INVALID_INPUT', status: 400, message: 'invalid client_id or secret provided' },
  INVALID_ACCESS_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'could not find matching access token' },
  INVALID_PUBLIC_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'could not find matching public token' },
  INVALID_LINK_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'could not find matching link token' },
  INVALID_ACCOUNT_ID: { type: 'INVALID_INPUT', status: 400, message: 'failed to find requested account ID for requested item' },
  INVALID_INSTITUTION: { type: 'INVALID_INPUT', status: 400, message: 'invalid institution_id provided' },
  INVALID_PRODUCT: { type: 'INVALID_INPUT', status: 400, message: '{message}' },
  INVALID_WEBHOOK_VERIFICATION_KEY_ID: { type: 'INVALID_INPUT', status: 400, message: 'invalid key_id provided. note that key_ids are specific to Plaid environments, and verification requests must be made to the same environment that the webhook was sent from' },
  // ITEM_ERROR
  ITEM_LOGIN_REQUIRED: { type: 'ITEM_ERROR', status: 400, message: "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state", display: "The login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information." },
  ITEM_NOT_FOUND: { type: 'ITEM_ERROR', status: 400, message: 'the Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user' },
  PRODUCT_NOT_READY: { type: 'ITEM_ERROR', status: 400, message: 'the requested product is not yet ready. please provide a webhook or try the request again later' },
  PRODUCTS_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: '{message}' },
  NO_ACCOUNTS: { type: 'ITEM_ERROR', status: 400, message: 'no valid accounts were found for this item', display: 'No valid accounts were found at the bank. Please ensure that you are using a valid account.' },
  NO_LIABILITY_ACCOUNTS: { type: 'ITEM_ERROR', status: 400, message: 'the provided item does not have any liability accounts', display: 'No liability accounts were found. Please select another bank.' },
  NO_INVESTMENT_ACCOUNTS: { type: 'ITEM_ERROR', status: 400, message: 'the provided item does not have any investment accounts', display: 'No investment accounts were found. Please select another bank.' },
  INVALID_CREDENTIALS: { type: 'ITEM_ERROR', status: 400, message: 'the provided credentials were not correct', display: 'The provided credentials were not correct. Please try again.' },
  INVALID_MFA: { type: 'ITEM_ERROR', status: 400, message: 'the provided MFA response(s) were not correct', display: 'The provided MFA responses were not correct. Please try again.' },
  ITEM_LOCKED: { type: 'ITEM_ERROR', status: 400, message: 'the account is locked. prompt the user to visit the institution\'s site and unlock their account', display: 'The given account has been locked by the financial institution. Please visit your financial institution\'s website to unlock your account.' },
  ITEM_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: 'this account is currently not supported', display: 'The given account is not currently supported for this financial institution. We apologize for the inconvenience.' },
  USER_SETUP_REQUIRED: { type: 'ITEM_ERROR', status: 400, message: 'the account has not been fully set up. prompt the user to visit the issuing institution\'s site and finish the setup process', display: 'The given account is not fully setup. Please visit your financial institution\'s website to setup your account.' },
  USER_PERMISSION_REVOKED: { type: 'ITEM_ERROR', status: 400, message: 'the holder of this account has revoked their permission for your application to access it', display: 'The holder of this account has revoked their permission for your application to access it.' },
  MFA_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: 'this account requires a software-based MFA method, which is not supported', display: 'This account requires a form of multi-factor authentication that is not currently supported.' },
  USER_INPUT_TIMEOUT: { type: 'ITEM_ERROR', status: 400, message: 'the user did not complete a step in the Link flow, and it timed out', display: 'Your session timed out. Please try again.' },
  INSUFFICIENT_CREDENTIALS: { type: 'ITEM_ERROR', status: 400, message: 'insufficient authorization was provided to complete the request', display: 'INSUFFICIENT_CREDENTIALS' },
  ACCESS_NOT_GRANTED: { type: 'ITEM_ERROR', status: 400, message: 'the user did not grant the necessary permissions for their account', display: 'This app needs access to your account, which was not granted at your bank. Please try again and allow access.' },
  // OAUTH_ERROR (plaid.com/docs/errors/oauth): re-initializing Link after the bank's redirect
  OAUTH_STATE_ID_NOT_FOUND: { type: 'OAUTH_ERROR', status: 400, message: 'the provided oauth_state_id wasn\'t found' },
  OAUTH_STATE_ID_ALREADY_PROCESSED: { type: 'OAUTH_ERROR', status: 400, message: 'the OAuth state has already been processed' },
  INCORRECT_LINK_TOKEN: { type: 'OAUTH_ERROR', status: 400, message: 'link token does not match original link token' },
  // INSTITUTION_ERROR
  INSTITUTION_DOWN: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is not currently responding to this request. please try again soon', display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.' },
  INSTITUTION_NOT_RESPONDING: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is not currently responding to this request. please try again soon', display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.' },
  INSTITUTION_NOT_AVAILABLE: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is not currently responding to this request. please try again soon', display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.' },
  INSTITUTION_NO_LONGER_SUPPORTED: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is no longer supported', display: 'This financial institution is no longer supported. We apologize for the inconvenience.' },
  // API_ERROR
  INTERNAL_SERVER_ERROR: { type: 'API_ERROR', status: 500, message: 'an unexpected error occurred', display: 'Internal Server Error. Please try again later.' },
  PLANNED_MAINTENANCE: { type: 'API_ERROR', status: 503, message: 'the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information', display: 'This feature is temporarily unavailable due to planned maintenance. Please try again later.' },
  // TRANSACTIONS_ERROR
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: { type: 'TRANSACTIONS_ERROR', status: 400, message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.' },
  // SANDBOX_ERROR
  SANDBOX_PRODUCT_NOT_ENABLED: { type: 'SANDBOX_ERROR', status: 400, message: 'The Sandbox Item does not have the product required to fire this webhook' },
  SANDBOX_WEBHOOK_INVALID: { type: 'SANDBOX_ERROR', status: 400, message: 'Webhook for this item is either not set up, or invalid. Please update the item\'s webhook and try again.' },
  // RATE_LIMIT_EXCEEDED (all HTTP 429)
  RATE_LIMIT: rate(), ACCOUNTS_LIMIT: rate(), ACCOUNTS_BALANCE_GET_LIMIT: rate(), BALANCE_LIMIT: rate(),
  ITEM_GET_LIMIT: rate(), TRANSACTIONS_LIMIT: rate(), TRANSACTIONS_SYNC_LIMIT: rate(), TRANSACTIONS_REFRESH_LIMIT: rate(),
  INVESTMENT_HOLDINGS_GET_LIMIT: rate(), INVESTMENT_TRANSACTIONS_LIMIT: rate(), INSTITUTIONS_GET_BY_ID_LIMIT: rate(),
  INSTITUTION_RATE_LIMIT: rate(), CREDITS_EXHAUSTED: rate(), AUTH_LIMIT: rate(), IDENTITY_LIMIT: rate(),
  LIABILITIES_LIMIT: rate(),
};



/** Thrown by route handlers; server.ts turns it into Plaid's error response. */
export class PlaidApiError extends Error {
  code: string;
  vars: Record<string, string>;
  constructor(code: string, vars: Record<string, string> = {}) {
    super(code);
    this.code = code;
    this.vars = vars;
  }
}

export function httpStatusOf(code: string): number {
  return CATALOG[code]?.status ?? 400;
}

function entry(code: string): Entry {
  return CATALOG[code] ?? { type: 'API_ERROR', status: 500, message: 'an unexpected error occurred' };
}

const fill = (template: string, vars: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');

/** Plaid's documentation link as its HTTP errors carry it, e.g. https://plaid.com/docs/?ref=error#item-errors. */
export function documentationUrl(code: string): string {
  return `https://plaid.com/docs/?ref=error#${entry(code).type.toLowerCase().replace(/_/g, '-').replace(/-error$/, '')}-errors`;
}

/** The body of an HTTP error answer (exactly Plaid's seven fields). */
export function plaidError(code: string, vars: Record<string, string>, requestId: string): PlaidHttpError {
  const e = entry(code);
  return {
    display_message: e.display ?? null,
    documentation_url: documentationUrl(code),
    error_code: code,
    error_message: fill(e.message, vars),
    error_type: e.type,
    request_id: requestId,
    suggested_action: null,
  };
}

/** The error as a webhook carries it: no request_id ("omitted in errors provided by webhooks"), with status. */
export function webhookError(code: string): PlaidWebhookError {
  const e = entry(code);
  return { display_message: e.display ?? null, error_code: code, error_code_reason: null, error_message: fill(e.message, { message: code.toLowerCase().replace(/_/g, ' ') }), error_type: e.type, status: e.status };
}

/**
 * An Item's error as /item/get reports it in `item.error` (inference: the webhook form without the
 * webhook-only `status`, with the documentation link and suggested action HTTP errors carry).
 */
export function itemError(code: string): Record<string, unknown> {
  const { status: _status, ...rest } = webhookError(code);
  return { ...rest, documentation_url: documentationUrl(code), suggested_action: null };
}
