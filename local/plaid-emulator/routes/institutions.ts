// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /institutions/get_by_id and /webhook_verification_key/get.
import { PlaidApiError } from '../errors.ts';
import { institutionById, institutionJson } from '../data/institutions.ts';
import type { Handler } from './types.ts';

export const institutionsGetById: Handler = ({ body }) => {
  const def = institutionById(body.institution_id);
  if (!def || !def.country_codes.some((c) => body.country_codes.includes(c))) throw new PlaidApiError('INVALID_INSTITUTION');
  // "institution status is not available in the Sandbox environment", so include_status adds nothing.
  return { institution: institutionJson(def, body.options ?? {}) };
};

export const webhookVerificationKeyGet: Handler = ({ state, body }) => {
  const key = state.webhooks.key(body.key_id);
  if (!key) throw new PlaidApiError('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
  return { key: { ...key } };
};
