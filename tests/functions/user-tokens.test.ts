// User tokens are checked completely (supabase/functions/_shared/auth.ts): tokens signed with the
// project's real signing key, but not what Supabase Auth issues to a signed-in user (another role, a
// sub that is no lowercase uuid, the wrong audience or issuer, no or an endless expiry, issued in the future),
// and tokens of a user who was deleted, are 401 INVALID_JWT in the envelope on every user function,
// and nothing is written or asked of Plaid.
import { importJWK, SignJWT } from 'jose';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { callFunction, emulator, plaid, sandboxPublicToken } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });

const userFunctions = ['plaid-link-token', 'plaid-exchange-token', 'plaid-accounts', 'plaid-balance', 'plaid-item-remove',
  'accounts-link', 'plaid-item-repaired', 'transactions', 'accounts-manual', 'plaid-sync'];

/** A body each function would accept (the token is what is wrong). */
const bodies: Record<string, unknown> = {
  'plaid-link-token': {}, 'plaid-exchange-token': { public_token: 'public-sandbox-abc' }, 'plaid-accounts': {},
  'plaid-balance': { item_id: crypto.randomUUID() }, 'plaid-item-remove': { item_id: crypto.randomUUID(), keep_history: true },
  'accounts-link': { synced_account_id: crypto.randomUUID(), manual_account_id: crypto.randomUUID() },
  'plaid-item-repaired': { item_id: crypto.randomUUID() }, transactions: {}, 'accounts-manual': { action: 'create', name: 'Jar', type: 'other' },
  'plaid-sync': { item_id: crypto.randomUUID() },
};

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the project's signing key: Supabase Auth's claims for userId, with overrides (undefined drops a claim). */
async function forge(userId: string, overrides: Record<string, unknown>): Promise<string> {
  const { signingJwk } = testStack.keys;
  const claims: Record<string, unknown> = {
    iss: `${testStack.apiUrl}/auth/v1`, sub: userId, aud: 'authenticated', exp: now() + 3600, iat: now(),
    email: 'forged@test.local', role: 'authenticated', aal: 'aal1', session_id: crypto.randomUUID(), is_anonymous: false,
    ...overrides,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: signingJwk.kid, typ: 'JWT' }).sign(await importJWK(signingJwk, 'ES256'));
}

async function call(name: string, token: string, body: unknown = bodies[name]) {
  return await callFunction(name, body, { session: { access_token: token } as never });
}

async function rowsOf(userId: string): Promise<number> {
  const [r] = await sql`select
    (select count(*) from public.plaid_items where user_id = ${userId}) + (select count(*) from public.accounts where user_id = ${userId})
    + (select count(*) from public.plaid_sync_state where user_id = ${userId}) as n`;
  return Number(r.n);
}

describe('user tokens', () => {
  const wrong: Array<[string, (userId: string) => Record<string, unknown>, RegExp]> = [
    ['role service_role', () => ({ role: 'service_role' }), /role "service_role"/],
    ['role postgres', () => ({ role: 'postgres' }), /role "postgres"/],
    ['role anon', () => ({ role: 'anon' }), /role "anon"/],
    ['no role', () => ({ role: undefined }), /no "role"/],
    ['a sub that is not a uuid', () => ({ sub: 'not-a-uuid' }), /"sub".*uuid/],
    // The same user in capitals: another text key (rate-limit buckets) for the same user.
    ['the user\'s id in capitals', (userId) => ({ sub: userId.toUpperCase() }), /"sub".*lowercase uuid/],
    ['no aud', () => ({ aud: undefined }), /"aud"/],
    ['aud anon', () => ({ aud: 'anon' }), /"aud"/],
    ['an aud list with another audience', () => ({ aud: ['authenticated', 'elsewhere'] }), /"aud".*one audience/],
    ['another project\'s issuer', () => ({ iss: 'https://elsewhere.supabase.co/auth/v1' }), /"iss"/],
    ['no exp', () => ({ exp: undefined }), /"exp"/],
    ['an exp a year away', () => ({ exp: now() + 365 * 86400 }), /longer than/],
    ['no iat', () => ({ iat: undefined }), /"iat"/],
    ['an iat an hour ahead', () => ({ iat: now() + 3600, exp: now() + 7200 }), /"iat".*future/],
  ];

  it.each(wrong)('a correctly signed token with %s is 401 INVALID_JWT on every user function', async (_label, claims, reason) => {
    const s = await newSession('forged');
    const token = await forge(s.user_id, claims(s.user_id));
    const before = await rowsOf(s.user_id);
    for (const name of userFunctions) {
      const res = await call(name, token);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({ name, status: 401, code: 'INVALID_JWT' });
      expect(res.body.error.message).toMatch(reason);
    }
    expect(await rowsOf(s.user_id)).toBe(before);
    // health/user makes the same check.
    const health = await fetch(testStack.functionUrl('health/user'), { headers: { Authorization: `Bearer ${token}` } });
    expect(health.status).toBe(401);
  });

  it('the same claims as Supabase Auth issues are accepted (the forger is right when nothing is overridden)', async () => {
    const s = await newSession('genuine');
    const res = await call('plaid-accounts', await forge(s.user_id, {}));
    expect(res.status).toBe(200);
  });

  it('a still valid token of a deleted user is 401 on every user function, writes nothing and calls Plaid for nothing', async () => {
    const s = await newSession('deleted');
    const publicToken = await sandboxPublicToken();
    await sql`delete from auth.users where id = ${s.user_id}`;
    for (const name of userFunctions) {
      const body = name === 'plaid-exchange-token' ? { public_token: publicToken } : bodies[name];
      const res = await call(name, s.access_token, body);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({ name, status: 401, code: 'INVALID_JWT' });
      expect(res.body.error.message).toMatch(/user no longer exists/);
    }
    expect(await rowsOf(s.user_id)).toBe(0);
    // The public token was never exchanged: Plaid has no Item created and removed for a user who is gone.
    const item = await emulator<{ item_id: string; removed: boolean }>('GET', `/items/${publicToken}`);
    expect(item.removed).toBe(false);
    const exchanged = await plaid<{ item_id: string }>('/item/public_token/exchange', { public_token: publicToken });
    expect(exchanged.item_id).toBe(item.item_id);
  });
});
