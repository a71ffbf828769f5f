// Product settings read from the function environment (`supabase secrets set` on the platform,
// supabase/functions/.env locally). Every variable and its default is in README § Configuration.
import { z } from 'zod';
import type { Env } from './function.ts';

const list = (fallback: string) => z.string().default(fallback).transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean));

const schema = z.object({
  SUPABASE_URL: z.url(),
  PLAID_CLIENT_NAME: z.string().min(1).max(30).default('Nestfolio'),
  PLAID_PRODUCTS: list('transactions'),
  PLAID_OPTIONAL_PRODUCTS: list('liabilities,investments'),
  PLAID_COUNTRY_CODES: list('US'),
  PLAID_LANGUAGE: z.string().default('en'),
  PLAID_TRANSACTIONS_DAYS_REQUESTED: z.coerce.number().int().min(1).max(730).default(730),
  /** Where Plaid sends webhooks; defaults to this project's plaid-webhook function. */
  PLAID_WEBHOOK_URL: z.url().optional(),
  /** OAuth redirect URI registered in the Plaid Dashboard (optional). */
  PLAID_REDIRECT_URI: z.url().optional(),
  BALANCE_REFRESH_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
});

export type AppConfig = z.infer<typeof schema> & { webhookUrl: string };

export function appConfigFrom(env: Env): AppConfig {
  const c = schema.parse(env);
  return { ...c, webhookUrl: c.PLAID_WEBHOOK_URL ?? `${c.SUPABASE_URL.replace(/\/$/, '')}/functions/v1/plaid-webhook` };
}
