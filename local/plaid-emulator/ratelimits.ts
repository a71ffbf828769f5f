// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Plaid's published Sandbox rate limits (docs errors/rate-limit-exceeded, "Sandbox" columns; REFERENCE.md
// § 6), per Item and per client, over a sliding minute of the emulator's clock. A call over a limit
// answers HTTP 429 RATE_LIMIT_EXCEEDED with the endpoint's own code; it is not counted.

export type RateLimit = {
  /** calls per minute per Item (null: no per-Item limit) */
  item: number | null;
  /** calls per minute per client (null: no per-client limit) */
  client: number | null;
  itemCode: string;
  clientCode: string;
};

const both = (item: number | null, client: number | null, code: string, clientCode = code): RateLimit => ({ item, client, itemCode: code, clientCode });

/**
 * Endpoints without a code of their own in Plaid's list (/item/remove, /liabilities/get,
 * /sandbox/transactions/create) answer the generic RATE_LIMIT (inference).
 */
export const SANDBOX_RATE_LIMITS: Record<string, RateLimit> = {
  '/accounts/balance/get': both(25, 100, 'BALANCE_LIMIT', 'ACCOUNTS_BALANCE_GET_LIMIT'),
  '/accounts/get': both(100, 5_000, 'ACCOUNTS_LIMIT'),
  '/item/get': both(40, 5_000, 'ITEM_GET_LIMIT'),
  '/item/remove': both(100, 500, 'RATE_LIMIT'),
  '/transactions/sync': both(50, 1_000, 'TRANSACTIONS_SYNC_LIMIT'),
  '/transactions/refresh': both(2, 100, 'TRANSACTIONS_REFRESH_LIMIT'),
  '/sandbox/transactions/create': both(2, 50, 'RATE_LIMIT'),
  '/liabilities/get': both(10, 1_000, 'RATE_LIMIT'),
  '/investments/holdings/get': both(100, 1_000, 'INVESTMENT_HOLDINGS_GET_LIMIT'),
  '/investments/transactions/get': both(100, 1_000, 'INVESTMENT_TRANSACTIONS_LIMIT'),
  '/institutions/get_by_id': both(null, 400, 'INSTITUTIONS_GET_BY_ID_LIMIT'),
};

/** The endpoint's own 429 code (faults use it for RATE_LIMIT_EXCEEDED). */
export function rateLimitCode(path: string): string {
  return SANDBOX_RATE_LIMITS[path]?.itemCode ?? 'RATE_LIMIT';
}

const WINDOW_MS = 60_000;

/** Sliding-window call counters. */
export class RateLimiter {
  private calls = new Map<string, number[]>();

  /** Counts the call and returns null, or returns the 429 code when a limit is reached. */
  take(path: string, itemId: string | null, now: number, opts: { clientLimits: Record<string, number>; itemLimits: boolean }): string | null {
    const limit = SANDBOX_RATE_LIMITS[path];
    if (!limit) return null;
    const client = opts.clientLimits[path] ?? limit.client;
    const keys: Array<[string, number, string]> = [];
    if (opts.itemLimits && limit.item !== null && itemId) keys.push([`item:${path}:${itemId}`, limit.item, limit.itemCode]);
    if (client !== null) keys.push([`client:${path}`, client, limit.clientCode]);
    for (const [key, max, code] of keys) if (this.recent(key, now).length >= max) return code;
    for (const [key] of keys) this.recent(key, now).push(now);
    return null;
  }

  private recent(key: string, now: number): number[] {
    let list = this.calls.get(key);
    if (!list) this.calls.set(key, (list = []));
    let drop = 0;
    while (drop < list.length && list[drop] <= now - WINDOW_MS) drop++;
    if (drop) list.splice(0, drop);
    return list;
  }

  clear(): void {
    this.calls.clear();
  }
}
