// Plaid configuration from the environment (passed in, so this module stays runtime-neutral).
import { z } from 'zod';

const baseUrls = { sandbox: 'https://sandbox.plaid.com', production: 'https://production.plaid.com' } as const;

const schema = z.object({
  PLAID_ENV: z.enum(['sandbox', 'production']).default('sandbox'),
  PLAID_CLIENT_ID: z.string().min(1, 'PLAID_CLIENT_ID is not set'),
  PLAID_SECRET: z.string().min(1, 'PLAID_SECRET is not set'),
  /** Overrides the environment's URL (the local emulator). */
  PLAID_BASE_URL: z.url().optional(),
  PLAID_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  PLAID_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  PLAID_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).default(250),
  PLAID_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).default(4_000),
});

export type PlaidConfig = {
  env: 'sandbox' | 'production';
  baseUrl: string;
  clientId: string;
  secret: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
};

export function plaidConfigFrom(env: Record<string, string | undefined>): PlaidConfig {
  const e = schema.parse(env);
  return {
    env: e.PLAID_ENV,
    baseUrl: (e.PLAID_BASE_URL ?? baseUrls[e.PLAID_ENV]).replace(/\/$/, ''),
    clientId: e.PLAID_CLIENT_ID,
    secret: e.PLAID_SECRET,
    timeoutMs: e.PLAID_TIMEOUT_MS,
    maxRetries: e.PLAID_MAX_RETRIES,
    retryBaseDelayMs: e.PLAID_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: e.PLAID_RETRY_MAX_DELAY_MS,
  };
}
