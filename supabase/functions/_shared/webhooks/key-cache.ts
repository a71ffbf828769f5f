// Plaid's webhook verification keys, cached per kid for the life of the isolate (Plaid's support
// article: cache by kid). An unknown kid means Plaid rotated keys: fetch it, and refetch every cached
// key that has no expired_at yet, because the rotation may have given the old one an expiry. A kid
// Plaid does not know is remembered briefly, so forged kids cannot make us call Plaid for every request.
import type { JWKPublicKey } from 'plaid';
import type { PlaidClient } from '../plaid/client.ts';
import { PlaidApiError } from '../plaid/errors.ts';

const UNKNOWN_KID_TTL_MS = 60_000;
const MAX_CACHED_KEYS = 50;

export type KeyFetcher = (kid: string) => Promise<JWKPublicKey | null>;

/** /webhook_verification_key/get; null when Plaid says the kid does not exist (in this environment). */
export function plaidKeyFetcher(plaid: () => PlaidClient): KeyFetcher {
  return async (kid) => {
    try {
      return (await plaid().call('/webhook_verification_key/get', { key_id: kid })).key;
    } catch (e) {
      // Plaid does not know the kid (or it is not a valid key id at all): an unverifiable webhook.
      if (e instanceof PlaidApiError && (e.errorCode === 'INVALID_WEBHOOK_VERIFICATION_KEY_ID' || e.errorType === 'INVALID_REQUEST')) return null;
      throw e; // Plaid unreachable: the caller answers 503 and Plaid retries the delivery.
    }
  };
}

export class WebhookKeyCache {
  private readonly keys = new Map<string, JWKPublicKey>();
  private readonly unknown = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<JWKPublicKey | null>>();
  private readonly fetchKey: KeyFetcher;
  private readonly now: () => number;

  constructor(fetchKey: KeyFetcher, now: () => number = Date.now) {
    this.fetchKey = fetchKey;
    this.now = now;
  }

  /** The key for kid, fetching it (once, however many requests ask at the same time) when unknown. */
  resolve = async (kid: string): Promise<JWKPublicKey | null> => {
    const cached = this.keys.get(kid);
    if (cached) return cached;
    const unknownUntil = this.unknown.get(kid);
    if (unknownUntil !== undefined && unknownUntil > this.now()) return null;
    let pending = this.inflight.get(kid);
    if (!pending) {
      pending = this.refresh(kid).finally(() => this.inflight.delete(kid));
      this.inflight.set(kid, pending);
    }
    return await pending;
  };

  private async refresh(kid: string): Promise<JWKPublicKey | null> {
    const stillCurrent = [...this.keys.values()].filter((k) => k.expired_at === null || k.expired_at === undefined).map((k) => k.kid);
    const [key, ...refreshed] = await Promise.all([this.fetchKey(kid), ...stillCurrent.map((k) => this.fetchKey(k).catch(() => undefined))]);
    refreshed.forEach((k, i) => {
      if (k === null) this.keys.delete(stillCurrent[i]);
      else if (k) this.keys.set(k.kid, k);
    });
    if (!key) {
      this.unknown.set(kid, this.now() + UNKNOWN_KID_TTL_MS);
      if (this.unknown.size > MAX_CACHED_KEYS) this.unknown.delete(this.unknown.keys().next().value!);
      return null;
    }
    this.keys.set(kid, key);
    if (this.keys.size > MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }
}
