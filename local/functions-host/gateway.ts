// Stands in for: the platform's API gateway in front of Edge Functions (Kong). It keeps the same
// observable behaviour: `verify_jwt` from supabase/config.toml (default true) answers 401 for a
// missing or invalid JWT before the function runs, and an sb_ API key in `apikey` (with no user JWT)
// is replaced by a role JWT, as the platform does for legacy compatibility.
import { createLocalJWKSet, jwtVerify } from 'jose';

/** Reads `[functions.<name>] verify_jwt = <bool>` from config.toml; everything else is ignored here. */
export function parseVerifyJwt(toml: string): Map<string, boolean> {
  const result = new Map<string, boolean>();
  let current: string | null = null;
  for (const raw of toml.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const section = line.match(/^\[functions\.("?)([A-Za-z0-9_-]+)\1\]$/);
    if (section) { current = section[2]; continue; }
    if (line.startsWith('[')) { current = null; continue; }
    const setting = line.match(/^verify_jwt\s*=\s*(true|false)$/);
    if (current && setting) result.set(current, setting[1] === 'true');
  }
  return result;
}

export type GatewayKeys = {
  publishableKey: string;
  secretKey: string;
  jwks: { keys: JsonWebKey[] };
  anonJwt: string;
  serviceRoleJwt: string;
};

/** Applies the gateway's header rewrite and JWT check. Returns a Response to short-circuit, or headers. */
export async function applyGateway(headers: Headers, verifyJwt: boolean, keys: GatewayKeys): Promise<Response | Headers> {
  const out = new Headers(headers);
  const auth = out.get('authorization');
  const apikey = out.get('apikey');
  if (!auth || auth.startsWith('Bearer sb_')) {
    if (apikey === keys.secretKey) out.set('authorization', `Bearer ${keys.serviceRoleJwt}`);
    else if (apikey === keys.publishableKey) out.set('authorization', `Bearer ${keys.anonJwt}`);
  }
  if (!verifyJwt) return out;
  const bearer = out.get('authorization');
  if (!bearer?.startsWith('Bearer ')) return Response.json({ msg: 'Missing authorization header' }, { status: 401 });
  try {
    await jwtVerify(bearer.slice(7), createLocalJWKSet(keys.jwks as { keys: import('jose').JWK[] }));
  } catch {
    return Response.json({ msg: 'Invalid JWT' }, { status: 401 });
  }
  return out;
}
