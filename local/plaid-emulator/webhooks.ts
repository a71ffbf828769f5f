// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Webhook delivery signed as Plaid signs it: the body is JSON with 2-space indent, the
// `Plaid-Verification` header carries an ES256 JWT {iat, request_body_sha256} whose `kid` names a key
// served by /webhook_verification_key/get. Keys are derived from the seed and can be rotated; a rotated
// key stays valid until its expired_at. Every delivery is recorded for the control API.
// Delivery is Plaid's (docs api/webhooks): a non-2xx answer, or none within 10 s, is retried with a delay
// that grows 4x from 30 s for up to 24 h (the schedule can be compressed), and deliveries can arrive
// twice or out of order: a seeded share of them is duplicated or held back so a later one overtakes it.
import { createECDH, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { Rng, uuid } from './rng.ts';

export type Jwk = { alg: 'ES256'; created_at: number; crv: 'P-256'; expired_at: number | null; kid: string; kty: 'EC'; use: 'sig'; x: string; y: string };
type SigningKey = { jwk: Jwk; privateKey: KeyObject };

export type Delivery = {
  delivery_id: string;
  item_id: string;
  url: string;
  webhook_type: string;
  webhook_code: string;
  body: Record<string, unknown>;
  kid: string;
  status: 'pending' | 'delivered' | 'failed' | 'suppressed';
  http_status: number | null;
  error: string | null;
  attempts: number;
  created_at: string;
  finished_at: string | null;
  /** a second delivery of the same webhook (Plaid may deliver one twice): the original's delivery_id */
  duplicate_of: string | null;
  /** held back this long before its first attempt, so a later webhook may overtake it (0: not held) */
  held_ms: number;
};

/**
 * How webhooks are delivered. Plaid's retry schedule is 30 s, 2 min, 8 min, ... (4x) while the retries
 * stay within 24 h: six retries. `retryBaseMs` compresses it (same number of retries, each delay
 * base * 4^k). A share of deliveries is duplicated (`duplicateRate`) or held back `reorderDelayMs`
 * (`reorderRate`); which ones is decided per Item and per its n-th webhook from the seed.
 */
export type DeliveryPolicy = { retryBaseMs: number; duplicateRate: number; reorderRate: number; reorderDelayMs: number };

/** Plaid retries for up to 24 h with delays 30 s * 4^k: 30 s, 2, 8, 32, 128, 512 min (about 11.4 h in all). */
export const PLAID_RETRY_BASE_MS = 30_000;
export const PLAID_RETRIES = 6;

export type WebhookOptions = {
  seed: number;
  clock: () => number;
  log: (line: string) => void;
  delayMs: number;
};

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class Webhooks {
  opts: WebhookOptions;
  keys: SigningKey[] = [];
  deliveries: Delivery[] = [];
  mode: 'immediate' | 'off' = 'immediate';
  delayMs: number;
  policy: DeliveryPolicy = { retryBaseMs: PLAID_RETRY_BASE_MS, duplicateRate: 0, reorderRate: 0, reorderDelayMs: 0 };
  /** Plaid waits 10 s for an answer (webhook_timeout_ms compresses it) */
  timeoutMs = 10_000;
  /** webhooks sent per Item so far: the per-Item sequence number keys the seeded duplicate/reorder choice */
  private sentPerItem = new Map<string, number>();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private waiters: Array<{ pred: (d: Delivery) => boolean; resolve: (d: Delivery) => void }> = [];
  private closed = false;

  constructor(opts: WebhookOptions) {
    this.opts = opts;
    this.delayMs = opts.delayMs;
    this.keys.push(this.makeKey(0));
  }

  /** P-256 key number n, derived from the seed so the same seed serves the same keys. */
  private makeKey(n: number): SigningKey {
    const d = createHash('sha256').update(`plaid-emulator:webhook-key:${this.opts.seed}:${n}`).digest();
    d[0] &= 0x7f; // keep the scalar below the curve order
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const pub = ecdh.getPublicKey();
    const x = b64url(pub.subarray(1, 33));
    const y = b64url(pub.subarray(33, 65));
    const privateKey = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64url(d), x, y }, format: 'jwk' });
    const jwk: Jwk = { alg: 'ES256', created_at: Math.floor(this.opts.clock() / 1000), crv: 'P-256', expired_at: null, kid: uuid(this.opts.seed, `webhook-kid:${n}`), kty: 'EC', use: 'sig', x, y };
    return { jwk, privateKey };
  }

  current(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  key(kid: string): Jwk | undefined {
    return this.keys.find((k) => k.jwk.kid === kid)?.jwk;
  }

  /** New signing key; the previous one expires `graceMs` from now (still verifiable until then). */
  rotate(graceMs: number): { kid: string; previous_kid: string; previous_expired_at: number } {
    const prev = this.current();
    prev.jwk.expired_at = Math.floor((this.opts.clock() + graceMs) / 1000);
    const next = this.makeKey(this.keys.length);
    this.keys.push(next);
    return { kid: next.jwk.kid, previous_kid: prev.jwk.kid, previous_expired_at: prev.jwk.expired_at };
  }

  /** The Plaid-Verification JWT for a body (iat: now, unless a test asks for another time), signed with jose. */
  async signBody(body: string, iat = Math.floor(this.opts.clock() / 1000)): Promise<string> {
    const k = this.current();
    return await new SignJWT({ iat, request_body_sha256: createHash('sha256').update(body).digest('hex') })
      .setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid, typ: 'JWT' })
      .sign(k.privateKey);
  }

  /** Queue a webhook to `url` (null url: nothing is sent, nothing recorded). */
  send(url: string | null, payload: Record<string, unknown>): Delivery | null {
    if (!url || this.closed) return null;
    const itemId = String(payload.item_id ?? '');
    const n = this.sentPerItem.get(itemId) ?? 0;
    this.sentPerItem.set(itemId, n + 1);
    const rng = Rng.of(this.opts.seed, `webhook-delivery:${itemId}:${n}`);
    const held = rng.chance(this.policy.reorderRate) ? this.policy.reorderDelayMs : 0;
    const d = this.record(url, payload, null, held);
    if (this.mode === 'off') {
      this.finish(d, 'suppressed', null, null);
      return d;
    }
    this.schedule(() => this.attempt(d), this.delayMs + held);
    if (rng.chance(this.policy.duplicateRate)) {
      // The same webhook again, a little later (up to the reorder delay, so it may also come after newer ones).
      const again = Math.round(rng.next() * Math.max(this.policy.reorderDelayMs, 1));
      const dup = this.record(url, payload, d.delivery_id, held + again);
      this.schedule(() => this.attempt(dup), this.delayMs + held + again);
    }
    return d;
  }

  private record(url: string, payload: Record<string, unknown>, duplicateOf: string | null, heldMs: number): Delivery {
    const d: Delivery = {
      delivery_id: uuid(this.opts.seed, `delivery:${this.deliveries.length}`),
      item_id: String(payload.item_id ?? ''),
      url,
      webhook_type: String(payload.webhook_type),
      webhook_code: String(payload.webhook_code),
      body: payload,
      kid: this.current().jwk.kid,
      status: 'pending',
      http_status: null,
      error: null,
      attempts: 0,
      created_at: new Date(this.opts.clock()).toISOString(),
      finished_at: null,
      duplicate_of: duplicateOf,
      held_ms: heldMs,
    };
    this.deliveries.push(d);
    return d;
  }

  private schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async attempt(d: Delivery): Promise<void> {
    if (this.closed) return;
    d.attempts++;
    const body = JSON.stringify(d.body, null, 2);
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Plaid-Verification': await this.signBody(body) },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return this.finish(d, 'delivered', res.status, null);
      this.retryOrFail(d, res.status, `receiver answered HTTP ${res.status}`);
    } catch (e) {
      this.retryOrFail(d, null, (e as Error).message);
    }
  }

  private retryOrFail(d: Delivery, status: number | null, error: string): void {
    if (d.attempts <= PLAID_RETRIES && !this.closed) {
      d.http_status = status;
      d.error = error;
      // Plaid retries with a delay that grows 4x from 30 s (compressed by retryBaseMs).
      this.schedule(() => this.attempt(d), this.policy.retryBaseMs * 4 ** (d.attempts - 1));
      return;
    }
    this.finish(d, 'failed', status, error);
  }

  private finish(d: Delivery, status: Delivery['status'], http: number | null, error: string | null): void {
    d.status = status;
    d.http_status = http;
    d.error = error;
    d.finished_at = new Date(this.opts.clock()).toISOString();
    const how = `${d.duplicate_of ? ' duplicate' : ''}${d.held_ms ? ` held ${d.held_ms}ms` : ''}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;
    this.opts.log(`webhook ${d.webhook_type}:${d.webhook_code} item=${d.item_id} -> ${d.url} ${status}${http ? ` ${http}` : ''}${how}${error ? ` (${error})` : ''}`);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(d)) return true;
      w.resolve(d);
      return false;
    });
  }

  /** Resolves with the first finished delivery (already finished ones included) matching `pred`. */
  waitFor(pred: (d: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    const done = this.deliveries.find((d) => d.status !== 'pending' && pred(d));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (d: Delivery) => { clearTimeout(t); resolve(d); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching webhook delivery within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
