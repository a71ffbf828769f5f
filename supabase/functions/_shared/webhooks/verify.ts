// Plaid webhook verification (Plaid docs "Webhook verification"): the `Plaid-Verification` header is a
// compact JWT that must be ES256 (anything else, `none` and HS256 included, is rejected before any key
// is looked at), signed by the key its `kid` names, issued at most 5 minutes ago, and carrying the
// SHA-256 of the raw body as received. JOSE is `jose`'s; the rest is Web Crypto, so Node (vitest) and
// Deno run the same code.
import { decodeProtectedHeader, jwtVerify, type JWK, type ProtectedHeaderParameters } from 'jose';
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

/** jose's error codes, as our reasons (anything else, a key jose cannot use included, is a bad signature). */
const reasonByJoseCode: Record<string, VerificationFailure> = {
  ERR_JWS_INVALID: 'malformed_jwt',
  ERR_JOSE_ALG_NOT_ALLOWED: 'unsupported_alg',
  ERR_JWT_INVALID: 'malformed_claims',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'malformed_claims',
};

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

/** Verifies one delivery: the header value, the raw body bytes, and the time now (unix seconds). */
export async function verifyPlaidWebhook(header: string | null, rawBody: Uint8Array, resolveKey: KeyResolver, nowSeconds: number): Promise<Verification> {
  if (!header) return failure('missing_header');
  const token = header.trim();
  let jose: ProtectedHeaderParameters;
  try {
    jose = decodeProtectedHeader(token);
  } catch {
    return failure('malformed_jwt');
  }
  // Checked first, from the unverified header, as Plaid instructs: no other algorithm gets any further.
  if (jose.alg !== 'ES256') return failure('unsupported_alg');
  const kid: unknown = jose.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 200) return failure('missing_kid');

  const jwk = await resolveKey(kid);
  if (!jwk) return failure('unknown_key');
  if (jwk.expired_at !== null && jwk.expired_at !== undefined && jwk.expired_at <= nowSeconds) return failure('expired_key');

  let claims: { iat?: unknown; request_body_sha256?: unknown };
  try {
    ({ payload: claims } = await jwtVerify(token, jwk as JWK, {
      algorithms: ['ES256'], requiredClaims: ['iat', 'request_body_sha256'], currentDate: new Date(nowSeconds * 1000),
    }));
  } catch (e) {
    return failure(reasonByJoseCode[(e as { code?: string }).code ?? ''] ?? 'bad_signature');
  }
  const { iat, request_body_sha256: claimedHash } = claims;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || typeof claimedHash !== 'string') return failure('malformed_claims');
  // Plaid's 5 minutes are exact; only a clock slightly ahead of ours is tolerated.
  if (iat < nowSeconds - MAX_WEBHOOK_AGE_SECONDS) return failure('too_old');
  if (iat > nowSeconds + MAX_CLOCK_SKEW_SECONDS) return failure('issued_in_future');

  const bodySha256 = await sha256Hex(rawBody);
  if (!constantTimeEqual(bodySha256, claimedHash.toLowerCase())) return failure('body_mismatch');
  return { ok: true, kid, iat, bodySha256 };
}
