// Stands in for: signing in with Supabase Auth. Exists only in the local stack: creates (or reuses) the
// auth.users row for an email and signs an access token with Supabase's claim shape.
import type { Cluster } from './postgres.ts';
import type { LocalKeys } from './keys.ts';
import { signUserJwt } from './jwt.ts';

export type LocalSession = { user_id: string; email: string; access_token: string; expires_at: number; token_type: 'bearer' };

export async function mintSession(cluster: Cluster, keys: LocalKeys, apiUrl: string, email: string, opts: { expiresInSeconds?: number } = {}): Promise<LocalSession> {
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`not an email address: ${email}`);
  const userId = cluster.psql(`
    with existing as (select id from auth.users where email = :'email'),
    created as (
      insert into auth.users (id, aud, role, email, raw_app_meta_data)
      select gen_random_uuid(), 'authenticated', 'authenticated', :'email', '{"provider": "email", "providers": ["email"]}'
      where not exists (select 1 from existing)
      returning id)
    select id from existing union all select id from created`, { vars: { email } });
  const { token, expiresAt } = await signUserJwt(keys.signingJwk, `${apiUrl}/auth/v1`, { sub: userId, email, expiresInSeconds: opts.expiresInSeconds });
  return { user_id: userId, email, access_token: token, expires_at: expiresAt, token_type: 'bearer' };
}
