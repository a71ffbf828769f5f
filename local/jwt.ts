// Stands in for: Supabase Auth's access tokens. Signs ES256 JWTs with the local signing key and
// Supabase's claim shape, so @supabase/server verifies them against the JWKS exactly as on the platform.
import { importJWK, SignJWT, type JWK } from 'jose';

/** The local ES256 signing key (private JWK) with the key id its tokens carry. */
export type SigningJwk = JWK & { kid: string; alg: 'ES256' };

export type SessionClaims = {
  sub: string;
  email: string;
  role?: 'authenticated';
  sessionId?: string;
  expiresInSeconds?: number;
};

export async function signUserJwt(jwk: SigningJwk, issuer: string, c: SessionClaims): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + (c.expiresInSeconds ?? 3600);
  const key = await importJWK(jwk, 'ES256');
  const token = await new SignJWT({
    email: c.email,
    phone: '',
    role: c.role ?? 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }],
    session_id: c.sessionId ?? crypto.randomUUID(),
    is_anonymous: false,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
  })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(c.sub)
    .setAudience('authenticated')
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(key);
  return { token, expiresAt };
}

/** The JWT the gateway substitutes for an sb_ API key (legacy compatibility): no `sub`, role only. */
export async function signRoleJwt(jwk: SigningJwk, issuer: string, role: 'anon' | 'service_role'): Promise<string> {
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ role })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}
