-- Stands in for: Supabase Vault (extension supabase_vault 0.3.x). Same schema, table, view and
-- function signatures, the same privileges (only `postgres`) and the same declared volatility: the
-- extension declares its encrypt and decrypt functions `LANGUAGE c IMMUTABLE`
-- (vault._crypto_aead_det_encrypt/_decrypt in sql/supabase_vault--0.2.8--0.3.0.sql), so the planner
-- may evaluate decrypted_secret only for the rows a query keeps; create_secret and update_secret are
-- plpgsql, VOLATILE by default. Secrets are encrypted with
-- authenticated encryption (AES-256-CBC then HMAC-SHA-256 over id || nonce || ciphertext, so the
-- secret's id is the additional data) under a root key read from a file outside the database, as
-- pgsodium's getkey script does on the platform. Requires psql variable :vault_key_path.
create schema if not exists vault;
revoke all on schema vault from public;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;
revoke all on vault.secrets from public;

select format($f$
  create or replace function vault._root_key() returns bytea
  language sql security definer set search_path = '' as $b$
    select decode(pg_catalog.btrim(pg_catalog.pg_read_file(%L), E' \n'), 'hex')
  $b$ $f$, :'vault_key_path') \gexec
revoke all on function vault._root_key() from public;

create or replace function vault._encrypt(plaintext text, secret_id uuid, nonce bytea) returns text
language sql immutable security definer set search_path = '' as $$
  with k as (select vault._root_key() as root),
  c as (
    select extensions.encrypt_iv(convert_to(plaintext, 'utf8'), extensions.hmac('enc', k.root, 'sha256'), nonce,
             'aes-cbc/pad:pkcs') as ct, extensions.hmac('mac', k.root, 'sha256') as mac_key
    from k
  )
  select encode(c.ct || extensions.hmac(uuid_send(secret_id) || nonce || c.ct, c.mac_key, 'sha256'), 'base64') from c
$$;
revoke all on function vault._encrypt(text, uuid, bytea) from public;

create or replace function vault._decrypt(secret text, secret_id uuid, nonce bytea) returns text
language plpgsql immutable security definer set search_path = '' as $$
declare
  root bytea := vault._root_key();
  raw bytea := decode(secret, 'base64');
  ct bytea := substring(raw from 1 for length(raw) - 32);
  tag bytea := substring(raw from length(raw) - 31);
begin
  if extensions.hmac(uuid_send(secret_id) || nonce || ct, extensions.hmac('mac', root, 'sha256'), 'sha256') <> tag then
    raise exception 'vault: secret % failed authentication', secret_id;
  end if;
  return convert_from(extensions.decrypt_iv(ct, extensions.hmac('enc', root, 'sha256'), nonce, 'aes-cbc/pad:pkcs'), 'utf8');
end
$$;
revoke all on function vault._decrypt(text, uuid, bytea) from public;

create or replace view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret,
         vault._decrypt(s.secret, s.id, s.nonce) as decrypted_secret,
         s.key_id, s.nonce, s.created_at, s.updated_at
  from vault.secrets s;
revoke all on vault.decrypted_secrets from public;

create or replace function vault.create_secret(
  new_secret text, new_name text = null, new_description text = '', new_key_id uuid = null
) returns uuid language plpgsql security definer set search_path = '' as $$
declare
  rec record;
begin
  if new_secret is null then raise exception 'vault: secret must not be null'; end if;
  insert into vault.secrets (secret, name, description, key_id)
  values ('', new_name, coalesce(new_description, ''), new_key_id)
  returning * into rec;
  update vault.secrets set secret = vault._encrypt(new_secret, rec.id, rec.nonce) where id = rec.id;
  return rec.id;
end
$$;

create or replace function vault.update_secret(
  secret_id uuid, new_secret text = null, new_name text = null, new_description text = null, new_key_id uuid = null
) returns void language plpgsql security definer set search_path = '' as $$
declare
  new_nonce bytea := extensions.gen_random_bytes(16);
begin
  update vault.secrets s set
    secret = case when new_secret is null then s.secret else vault._encrypt(new_secret, s.id, new_nonce) end,
    nonce = case when new_secret is null then s.nonce else new_nonce end,
    name = coalesce(new_name, s.name),
    description = coalesce(new_description, s.description),
    key_id = coalesce(new_key_id, s.key_id),
    updated_at = now()
  where s.id = secret_id;
end
$$;
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;

grant usage on schema vault to postgres;
grant select, delete on vault.secrets, vault.decrypted_secrets to postgres;
grant execute on function vault.create_secret(text, text, text, uuid) to postgres;
grant execute on function vault.update_secret(uuid, text, text, text, uuid) to postgres;
-- Functions in a view run with the caller's EXECUTE rights, so the reader of the view needs this.
grant execute on function vault._decrypt(text, uuid, bytea) to postgres;
