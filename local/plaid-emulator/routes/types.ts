// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The shape of a Plaid endpoint handler: it gets the validated JSON body and returns the 200 body
// (server.ts adds request_id) or throws PlaidApiError.
import type { EmulatorState } from '../state.ts';
import { PlaidApiError } from '../errors.ts';
import type { Item } from '../items.ts';

// Bodies are schema-validated before a handler runs, so fields have the spec's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;
/**
 * How the answer is delivered, for faults a handler finds (a page-targeted /transactions/sync rule):
 * the answer is decided when the call arrives, then sent latencyMs later, or never (hangMs set: the
 * socket is held that long and dropped), as over a slow or broken network.
 */
export type Delivery = { latencyMs: number; hangMs: number | null };
export type Ctx = { state: EmulatorState; body: Body; requestId: string; delivery: Delivery };
export type Handler = (ctx: Ctx) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** options.account_ids must all belong to the Item (Plaid: INVALID_ACCOUNT_ID). */
export function checkAccountIds(item: Item, ids: unknown): string[] | null {
  if (!Array.isArray(ids)) return null;
  for (const id of ids) if (!item.accounts.some((a) => a.account_id === id)) throw new PlaidApiError('INVALID_ACCOUNT_ID');
  return ids as string[];
}

/** Calling a product endpoint adds the product to the Item if its institution supports it. */
export function requireProduct(item: Item, product: string): void {
  if (item.products.includes(product)) return;
  if (!item.institution.products.includes(product)) {
    throw new PlaidApiError('PRODUCTS_NOT_SUPPORTED', { message: `the following products are not supported by this institution: ${product}` });
  }
  item.products = [...item.products, product].sort();
}

/** A webhook URL as the spec's `format: url` fields take it: absolute http(s) with a host. */
export function isWebhookUrl(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** INVALID_FIELD for a webhook field that is present and not a URL (null or absent is no webhook). */
export function checkWebhookField(field: string, value: unknown): void {
  if (value !== undefined && value !== null && !isWebhookUrl(value)) {
    throw new PlaidApiError('INVALID_FIELD', { message: `${field} must be a valid URL` });
  }
}

export const iso8601 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
