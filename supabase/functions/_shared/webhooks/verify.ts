// Plaid webhook verification (Plaid docs "Webhook verification"): the `Plaid-Verification` header is a
// compact JWT that must be ES256 (anything else, `none` and HS256 included, is rejected before any key
// is looked at), signed by the key its `kid` names, issued at most 5 minutes ago, and carrying the
// SHA-256 of the raw body as received. Web Crypto only, so Node (vitest) and Deno run the same code.
import type { JWKPublicKey } from 'plaid';

export const MAX_WEBHOOK_AGE_SECONDS = 5 * 60;
/** Tolerated clock skew for an `iat` ahead of ours; anything later is a forged or broken token. */
export const MAX_CLOCK_SKEW_SECONDS = 30;

export type VerificationFailure =
  | 'missing_header' | 'malformed_jwt' | 'unsupported_alg' | 'missing_kid' | 'unknown_key' | 'expired_key'
  | 'bad_signature' | 'malformed_claims' | 'too_old' | 'issued_in_future' | 'body_mismatch';

export type Verification = { ok: true; kid: string; iat: number; bodySha256: string } | { ok: false; reason: VerificationFailure };

/** Resolves a kid to Plaid's public key (a cache in front of /webhook_verification_key/get); null when Plaid does not know it. */
export type KeyResolver = (kid: string) => Promise<JWKPublicKey | null>;

const failure = (reason: VerificationFailure): Verification => ({ ok: false, reason });

function base64UrlDecode(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(base64UrlDecode(segment)));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two strings in time that depends only on their length (Plaid: use a constant-time compare). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function signatureValid(jwk: JWKPublicKey, signingInput: string, signature: Uint8Array): Promise<boolean> {
  // ES256 signatures in a JWS are the raw 64-byte r||s, which is what Web Crypto's ECDSA verifies.
  if (signature.byteLength !== 64 || jwk.kty !== 'EC' || jwk.crv !== 'P-256') return false;
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature as Uint8Array<ArrayBuffer>,
      new TextEncoder().encode(signingInput));
  } catch {
    return false;
  }
}

/** Verifies one delivery: the header value, the raw body bytes, and the time now (unix seconds). */
export async function verifyPlaidWebhook(header: string | null, rawBody: Uint8Array, resolveKey: KeyResolver, nowSeconds: number): Promise<Verification> {
  if (!header) return failure('missing_header');
  const parts = header.trim().split('.');
  if (parts.length !== 3) return failure('malformed_jwt');
  const [headerSegment, payloadSegment, signatureSegment] = parts;
  const jose = decodeJson(headerSegment);
  if (!jose) return failure('malformed_jwt');
  // Checked first, from the unverified header, as Plaid instructs: no other algorithm gets any further.
  if (jose.alg !== 'ES256') return failure('unsupported_alg');
  if (typeof jose.kid !== 'string' || jose.kid.length === 0 || jose.kid.length > 200) return failure('missing_kid');

  const jwk = await resolveKey(jose.kid);
  if (!jwk) return failure('unknown_key');
  if (jwk.expired_at !== null && jwk.expired_at !== undefined && jwk.expired_at <= nowSeconds) return failure('expired_key');

  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(signatureSegment);
  } catch {
    return failure('malformed_jwt');
  }
  if (!(await signatureValid(jwk, `${headerSegment}.${payloadSegment}`, signature))) return failure('bad_signature');

  const claims = decodeJson(payloadSegment);
  const iat = claims?.iat;
  const claimedHash = claims?.request_body_sha256;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || typeof claimedHash !== 'string') return failure('malformed_claims');
  if (iat < nowSeconds - MAX_WEBHOOK_AGE_SECONDS) return failure('too_old');
  if (iat > nowSeconds + MAX_CLOCK_SKEW_SECONDS) return failure('issued_in_future');

  const bodySha256 = await sha256Hex(rawBody);
  if (!constantTimeEqual(bodySha256, claimedHash.toLowerCase())) return failure('body_mismatch');
  return { ok: true, kid: jose.kid, iat, bodySha256 };
}
