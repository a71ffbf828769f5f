// User access tokens, checked completely. @supabase/server's user gate (withRequiredClaims, the same
// verification as withSupabase({ auth: 'user' }) without loading supabase-js: a cold worker starts
// faster) verifies the signature against the project's JWKS, `exp` when present, and (given the
// options below) `aud` and `iss`; a user token is more than that, as hosted Supabase Auth issues it:
// `role` authenticated, `aud` the one string "authenticated", `sub` the user's uuid (lowercase), `exp`
// present and at most Supabase Auth's longest expiry away, `iat` present and not in the future. Only
// such tokens reach a handler, and `withPostgresClient` never assumes any other role: a correctly signed
// token naming `service_role` or `postgres` is refused here with the other bad tokens (401 INVALID_JWT).
import { defineMiddleware } from '@supabase/middleware';
import { withRequiredClaims } from '@supabase/server/middleware/required-claims';
import { withSupabaseCors } from './cors.ts';
import type { Env } from './function.ts';
import { errorResponse } from './http.ts';

/** Supabase Auth's longest configurable access token expiry (JWT expiry limit: one week). */
export const MAX_TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
/** How far ahead of our clock a token's `iat` may be (clock skew between Auth and the functions). */
export const MAX_CLOCK_SKEW_SECONDS = 30;

// Lowercase, as Supabase Auth writes it: the user id is also a key as text (rate-limit buckets, logs),
// where the same uuid in capitals would be another user.
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The project's Auth URL: what Supabase Auth puts in `iss`. */
export function authIssuer(env: Env): string {
  return `${(env.SUPABASE_URL ?? '').replace(/\/+$/, '')}/auth/v1`;
}

/**
 * What is wrong with the claims of a verified token for a user function, or null. `aud`, `iss` and an
 * expired `exp` are @supabase/server's checks (made before this); nowSeconds is our clock.
 */
export function userClaimsProblem(claims: Record<string, unknown>, nowSeconds: number): string | null {
  const { role, sub, exp, iat, aud } = claims;
  if (role !== 'authenticated') {
    return role === undefined ? 'it has no "role" claim' : `its role ${JSON.stringify(role)} is not a signed-in user's ("authenticated")`;
  }
  // @supabase/server accepts a list that contains the audience; Supabase Auth writes the one string.
  if (aud !== 'authenticated') return `its "aud" claim ${JSON.stringify(aud)} is not the one audience of a user token ("authenticated")`;
  if (typeof sub !== 'string' || !uuid.test(sub)) return 'its "sub" claim is not a user id (a lowercase uuid)';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'it has no numeric "exp" claim: a user token always expires';
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'it has no numeric "iat" claim';
  if (iat > nowSeconds + MAX_CLOCK_SKEW_SECONDS) return 'its "iat" claim is in the future';
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS || exp > nowSeconds + MAX_TOKEN_LIFETIME_SECONDS) {
    return `it is valid for longer than Supabase Auth issues tokens (${MAX_TOKEN_LIFETIME_SECONDS} s)`;
  }
  return null;
}

/** A 401 INVALID_JWT worded as @supabase/server words its own (envelope.ts), in the one envelope. */
export function invalidJwt(reason: string, hint: string): Response {
  return errorResponse(401, 'INVALID_JWT', `The JWT in the Authorization header failed verification: ${reason}.`,
    { details: { hint, acceptedAuthModes: ['user'] } });
}

type Claims = { jwtClaims: Record<string, unknown> | null };

/** After the user gate: refuses verified tokens that are not complete user tokens. */
export const withCompleteUserClaims = defineMiddleware<'completeUserClaims', { now?: () => number }, Claims, true>({
  key: 'completeUserClaims',
  run: (config) => (_req, ctx) => {
    const nowSeconds = Math.floor((config.now ?? Date.now)() / 1000);
    const problem = userClaimsProblem(ctx.jwtClaims ?? {}, nowSeconds);
    if (problem) {
      return Promise.resolve(invalidJwt(problem,
        'A user function takes the access token Supabase Auth issued to a signed-in user (role "authenticated"): sign in again.'));
    }
    return Promise.resolve({ completeUserClaims: true as const });
  },
});

/** An apikey header and no bearer token (a key the gateway did not recognise): an unusable credential,
 *  as withSupabase answers it and docs/api.md says (the required-claims gate would call it missing). */
export const withNoBareApiKey = defineMiddleware<'noBareApiKey', Record<never, never>, Record<never, never>, true>({
  key: 'noBareApiKey',
  run: () => (req) => {
    if (req.headers.has('authorization') || !req.headers.has('apikey')) return Promise.resolve({ noBareApiKey: true as const });
    return Promise.resolve(errorResponse(401, 'UNUSABLE_CREDENTIAL',
      'The request carried an apikey header, which no accepted auth mode reads: this function takes a signed-in user\'s access token.',
      { details: { acceptedAuthModes: ['user'], hint: 'Send the access token of a signed-in user as "Authorization: Bearer <token>".' } }));
  },
});

/** The user auth of every user function: CORS as withSupabase answers it, the signature, `aud` and
 *  `iss` (@supabase/server), then the rest. */
export function withUserAuth(env: Env) {
  return [withSupabaseCors({}), withNoBareApiKey({}), withRequiredClaims({ audience: 'authenticated', issuer: authIssuer(env) }), withCompleteUserClaims({})] as const;
}
