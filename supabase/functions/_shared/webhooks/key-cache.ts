// Plaid's webhook verification keys, cached per kid (Plaid's support article: cache by kid), with the
// number of times a webhook can make us ask Plaid bounded:
// - single flight: however many deliveries ask for one kid at once, one /webhook_verification_key/get;
// - a global rate for kids we do not have: before asking Plaid for one, the caller's permit (a bucket in
//   Postgres shared by every isolate, rate-limits.ts) is taken; when it is empty the delivery is refused
//   with 429 and Plaid retries it later;
// - a negative cache: a kid Plaid does not know is not asked for again for a minute.
// A cached key is trusted for at most REVALIDATE_AFTER_MS: then it is fetched again before use, so a
// key Plaid expired (expired_at, which verify.ts honours) or stopped serving is not trusted forever;
// while Plaid cannot be reached the cached key serves for at most MAX_UNVALIDATED_MS. An unknown kid
// means Plaid rotated keys: every cached key without an expiry (not checked in the last minute) is
// refetched too, since the rotation may have given the old one an expired_at.
import type { JWKPublicKey } from 'plaid';
import type { PlaidClient } from '../plaid/client.ts';
import { PlaidApiError } from '../plaid/errors.ts';

const UNKNOWN_KID_TTL_MS = 60_000;
const MAX_CACHED_KEYS = 50;
/** An unknown kid refetches cached keys without an expiry that were last checked at least this long ago. */
const RECHECK_ON_ROTATION_AFTER_MS = 60_000;
/** How long a fetched key is used without asking Plaid about it again. */
export const REVALIDATE_AFTER_MS = 10 * 60_000;
/** How long a cached key keeps serving while Plaid cannot be asked (after that: 503, Plaid retries). */
export const MAX_UNVALIDATED_MS = 60 * 60_000;

export type KeyFetcher = (kid: string) => Promise<JWKPublicKey | null>;
/** Resolves when a lookup of a kid we do not have may be made now; throws (the 429) when not. */
export type LookupPermit = () => Promise<void>;

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

type Cached = { key: JWKPublicKey; checkedAt: number };

export class WebhookKeyCache {
  private readonly keys = new Map<string, Cached>();
  private readonly unknown = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<JWKPublicKey | null>>();
  private readonly fetchKey: KeyFetcher;
  private readonly now: () => number;

  constructor(fetchKey: KeyFetcher, now: () => number = Date.now) {
    this.fetchKey = fetchKey;
    this.now = now;
  }

  /** The key for kid: from the cache while fresh, else from Plaid (once, however many ask at once). */
  resolve = async (kid: string, permit?: LookupPermit): Promise<JWKPublicKey | null> => {
    const cached = this.keys.get(kid);
    if (cached && this.now() - cached.checkedAt < REVALIDATE_AFTER_MS) return cached.key;
    if (!cached) {
      const unknownUntil = this.unknown.get(kid);
      if (unknownUntil !== undefined && unknownUntil > this.now()) return null;
    }
    let pending = this.inflight.get(kid);
    if (!pending) {
      pending = (cached ? this.revalidate(kid, cached) : this.lookUp(kid, permit)).finally(() => this.inflight.delete(kid));
      this.inflight.set(kid, pending);
    }
    return await pending;
  };

  /** A cached key past REVALIDATE_AFTER_MS: Plaid's current word on it (no permit: the cache bounds these). */
  private async revalidate(kid: string, cached: Cached): Promise<JWKPublicKey | null> {
    let key: JWKPublicKey | null;
    try {
      key = await this.fetchKey(kid);
    } catch (e) {
      if (this.now() - cached.checkedAt < MAX_UNVALIDATED_MS) return cached.key;
      throw e;
    }
    if (!key) {
      this.keys.delete(kid);
      return null;
    }
    this.keys.set(kid, { key, checkedAt: this.now() });
    return key;
  }

  /** A kid we do not have: a rotation, or a forgery. Takes the permit first. */
  private async lookUp(kid: string, permit?: LookupPermit): Promise<JWKPublicKey | null> {
    await permit?.();
    // Keys checked within the last minute are as current as a refetch would make them.
    const stillCurrent = [...this.keys.values()]
      .filter((c) => (c.key.expired_at === null || c.key.expired_at === undefined) && this.now() - c.checkedAt >= RECHECK_ON_ROTATION_AFTER_MS)
      .map((c) => c.key.kid);
    const [key, ...refreshed] = await Promise.all([this.fetchKey(kid), ...stillCurrent.map((k) => this.fetchKey(k).catch(() => undefined))]);
    const at = this.now();
    refreshed.forEach((k, i) => {
      if (k === null) this.keys.delete(stillCurrent[i]);
      else if (k) this.keys.set(k.kid, { key: k, checkedAt: at });
    });
    if (!key) {
      this.unknown.set(kid, at + UNKNOWN_KID_TTL_MS);
      if (this.unknown.size > MAX_CACHED_KEYS) this.unknown.delete(this.unknown.keys().next().value!);
      return null;
    }
    this.keys.set(kid, { key, checkedAt: at });
    if (this.keys.size > MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }
}
