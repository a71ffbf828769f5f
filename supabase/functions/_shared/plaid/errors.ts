// Plaid's error object as a typed error. `error_code` drives behaviour; messages are for people only.
import type { PlaidError } from 'plaid';

/** Codes worth retrying with backoff (Plaid docs: transient API and institution errors). */
const transientCodes = new Set([
  'INTERNAL_SERVER_ERROR', 'PLANNED_MAINTENANCE', 'INSTITUTION_DOWN', 'INSTITUTION_NOT_RESPONDING',
  'INSTITUTION_NOT_AVAILABLE', 'INSTITUTION_RATE_LIMIT',
]);

/** Item errors that need the user (Link update mode) — retrying cannot fix them. */
export const itemStatusByErrorCode: Record<string, 'login_required' | 'revoked' | 'error'> = {
  ITEM_LOGIN_REQUIRED: 'login_required',
  ACCESS_NOT_GRANTED: 'login_required',
  ADDITIONAL_CONSENT_REQUIRED: 'login_required',
  USER_PERMISSION_REVOKED: 'revoked',
  ITEM_NOT_FOUND: 'revoked',
  INVALID_ACCESS_TOKEN: 'revoked',
  INSTITUTION_NO_LONGER_SUPPORTED: 'error',
  NO_ACCOUNTS: 'error',
};

export class PlaidApiError extends Error {
  readonly status: number;
  readonly errorType: string;
  readonly errorCode: string;
  readonly requestId: string | null;
  readonly displayMessage: string | null;
  readonly plaidError: PlaidError;

  constructor(status: number, body: PlaidError) {
    super(`Plaid ${body.error_code}: ${body.error_message}`);
    this.name = 'PlaidApiError';
    this.status = status;
    this.errorType = body.error_type;
    this.errorCode = body.error_code;
    this.requestId = body.request_id ?? null;
    this.displayMessage = body.display_message ?? null;
    this.plaidError = body;
  }

  get isRetryable(): boolean {
    return this.status === 429 || this.status >= 500 || this.errorType === 'RATE_LIMIT_EXCEEDED' || transientCodes.has(this.errorCode);
  }

  /** What a caller of our API may see: never anything but Plaid's own public fields. */
  toPublic(): { error_type: string; error_code: string; display_message: string | null; request_id: string | null } {
    return { error_type: this.errorType, error_code: this.errorCode, display_message: this.displayMessage, request_id: this.requestId };
  }
}

/** A network failure or timeout before Plaid answered. */
export class PlaidTransportError extends Error {
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean) {
    super(message);
    this.name = 'PlaidTransportError';
    this.timedOut = timedOut;
  }
  get isRetryable(): boolean { return true; }
}

export function isPlaidErrorBody(value: unknown): value is PlaidError {
  return typeof value === 'object' && value !== null && typeof (value as PlaidError).error_code === 'string'
    && typeof (value as PlaidError).error_type === 'string';
}
