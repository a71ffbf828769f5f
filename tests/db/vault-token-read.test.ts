// An item's access token is read by its Vault secret's id, so the read decrypts one secret however
// many there are and whatever the volatility Vault declares for its decrypt function (the plan of a
// join with vault.decrypted_secrets decrypts every secret when that function is not inlinable). And the
// local Vault declares the volatility the real supabase_vault extension does.
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { testStack } from '../support/stack.ts';

const admin = postgres(testStack.adminDbUrl, { max: 1, onnotice: () => {} });
afterAll(() => admin.end());

/** Rolled back at the end: nothing of it is seen by the other tests. */
class Rollback extends Error {}

/**
 * Decrypts counted while reading one item's token among `others` more secrets, with Vault's decrypt
 * function declared `volatility` (swapped for a counting wrapper inside a transaction that is rolled back).
 */
async function decryptsPerRead(volatility: 'volatile' | 'immutable', others: number): Promise<{ token: string; decrypts: number }> {
  let result: { token: string; decrypts: number } | undefined;
  await admin.begin(async (tx) => {
    await tx`select count(vault.create_secret('other-' || g, 'token-read-test-' || g || '-' || gen_random_uuid())) from generate_series(1, ${others}) g`;
    const [{ id: userId }] = await tx`insert into auth.users (id, aud, role, email)
      values (gen_random_uuid(), 'authenticated', 'authenticated', 'token-read-' || gen_random_uuid() || '@test.local') returning id`;
    const [{ id: itemId }] = await tx`insert into public.plaid_items (user_id, plaid_item_id) values (${userId}, 'item-token-read-' || gen_random_uuid()) returning id`;
    await tx`select private.store_item_access_token(${itemId}, 'access-sandbox-token-read')`;
    await tx`alter function vault._decrypt(text, uuid, bytea) rename to _decrypt_counted`;
    await tx.unsafe(`create function vault._decrypt(secret text, secret_id uuid, nonce bytea) returns text
      language plpgsql ${volatility} security definer set search_path = '' as $$
      begin
        perform pg_catalog.set_config('nestfolio.decrypts',
          (coalesce(nullif(pg_catalog.current_setting('nestfolio.decrypts', true), ''), '0')::int + 1)::text, true);
        return vault._decrypt_counted(secret, secret_id, nonce);
      end $$`);
    await tx`create or replace view vault.decrypted_secrets as
      select s.id, s.name, s.description, s.secret, vault._decrypt(s.secret, s.id, s.nonce) as decrypted_secret,
             s.key_id, s.nonce, s.created_at, s.updated_at
      from vault.secrets s`;
    await tx`grant execute on function vault._decrypt(text, uuid, bytea) to postgres`;
    await tx`set local role postgres`; // the functions' owner, as plaid-sync's connection is
    const [{ token }] = await tx`select private.read_item_access_token(${itemId}) as token`;
    const [{ n }] = await tx`select coalesce(nullif(current_setting('nestfolio.decrypts', true), ''), '0')::int as n`;
    result = { token, decrypts: n };
    throw new Rollback();
  }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
  return result!;
}

describe('reading an item access token', () => {
  it.each(['volatile', 'immutable'] as const)('decrypts only that secret when Vault\'s decrypt is %s', async (volatility) => {
    const { token, decrypts } = await decryptsPerRead(volatility, 300);
    expect(token).toBe('access-sandbox-token-read');
    expect(decrypts).toBe(1);
  });

  it('the local Vault declares the volatility supabase_vault does (decrypt and encrypt IMMUTABLE, the API VOLATILE)', async () => {
    const rows = await admin`select p.proname, p.provolatile from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'vault' and p.proname in ('_decrypt', '_encrypt', 'create_secret', 'update_secret') order by p.proname`;
    expect(rows.map((r) => [r.proname, r.provolatile])).toEqual([
      ['_decrypt', 'i'], ['_encrypt', 'i'], ['create_secret', 'v'], ['update_secret', 'v'],
    ]);
  });
});
