-- Item access tokens in Vault. Only these security-definer functions (owned by postgres, fixed empty
-- search_path, EXECUTE for service_role only) touch the tokens; plaid_items holds the secret's id.
-- A token secret is bound to its item by name ('plaid_access_token:<item id>'): the functions and
-- the clean-up trigger act only on the secret with that name, so pointing access_token_secret_id at
-- another Vault secret (e.g. the project's secret key) can neither read nor delete it.

create or replace function private.item_access_token_secret_name(p_item_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'plaid_access_token:' || p_item_id::text
$$;
comment on function private.item_access_token_secret_name(uuid) is 'The Vault secret name of an item''s access token.';

create or replace function private.store_item_access_token(p_item_id uuid, p_access_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing uuid;
  v_secret_id uuid;
begin
  if p_access_token is null or pg_catalog.btrim(p_access_token) = '' then
    raise exception 'access token must not be empty' using errcode = '22023';
  end if;
  select i.access_token_secret_id into v_existing
  from public.plaid_items i where i.id = p_item_id
  for update;
  if not found then
    raise exception 'plaid item % not found', p_item_id using errcode = 'P0002';
  end if;
  if v_existing is not null then
    raise exception 'plaid item % already has an access token (use private.rotate_item_access_token)', p_item_id
      using errcode = '23505';
  end if;
  v_secret_id := vault.create_secret(
    p_access_token,
    private.item_access_token_secret_name(p_item_id),
    'Plaid access token of public.plaid_items ' || p_item_id::text);
  update public.plaid_items set access_token_secret_id = v_secret_id where id = p_item_id;
  return v_secret_id;
end
$$;
comment on function private.store_item_access_token(uuid, text) is
  'Stores a new item''s access token in Vault and records the secret id on the item. Returns the secret id. service_role only.';

create or replace function private.read_item_access_token(p_item_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select s.decrypted_secret
  from public.plaid_items i
  join vault.decrypted_secrets s
    on s.id = i.access_token_secret_id and s.name = private.item_access_token_secret_name(i.id)
  where i.id = p_item_id
$$;
comment on function private.read_item_access_token(uuid) is
  'The item''s access token from Vault, or null when it has none. service_role only.';

create or replace function private.rotate_item_access_token(p_item_id uuid, p_access_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing uuid;
  v_secret_id uuid;
begin
  if p_access_token is null or pg_catalog.btrim(p_access_token) = '' then
    raise exception 'access token must not be empty' using errcode = '22023';
  end if;
  select i.access_token_secret_id into v_existing
  from public.plaid_items i where i.id = p_item_id
  for update;
  if not found then
    raise exception 'plaid item % not found', p_item_id using errcode = 'P0002';
  end if;
  select s.id into v_secret_id
  from vault.secrets s
  where s.id = v_existing and s.name = private.item_access_token_secret_name(p_item_id);
  if v_secret_id is not null then
    -- Same secret id, new ciphertext and nonce.
    perform vault.update_secret(v_secret_id, p_access_token);
  else
    -- No (valid) secret yet: clear a dangling id first, then store.
    update public.plaid_items set access_token_secret_id = null where id = p_item_id and access_token_secret_id is not null;
    delete from vault.secrets s where s.name = private.item_access_token_secret_name(p_item_id);
    v_secret_id := vault.create_secret(
      p_access_token,
      private.item_access_token_secret_name(p_item_id),
      'Plaid access token of public.plaid_items ' || p_item_id::text);
    update public.plaid_items set access_token_secret_id = v_secret_id where id = p_item_id;
  end if;
  return v_secret_id;
end
$$;
comment on function private.rotate_item_access_token(uuid, text) is
  'Replaces the item''s access token (e.g. after /item/access_token/invalidate); stores it if missing. Returns the secret id. service_role only.';

create or replace function private.delete_item_access_token(p_item_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  perform 1 from public.plaid_items i where i.id = p_item_id for update;
  delete from vault.secrets s where s.name = private.item_access_token_secret_name(p_item_id);
  get diagnostics v_deleted = row_count;
  update public.plaid_items set access_token_secret_id = null where id = p_item_id and access_token_secret_id is not null;
  return v_deleted > 0;
end
$$;
comment on function private.delete_item_access_token(uuid) is
  'Deletes the item''s access token from Vault and clears the item''s secret id. True when a secret was deleted. service_role only.';

-- No orphan secret on any path: deleting an item (directly, by removing the user, ...) or replacing
-- or clearing its secret id deletes the item's previous secret.
create or replace function private.delete_item_token_secret()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from vault.secrets s
  where s.id = old.access_token_secret_id and s.name = private.item_access_token_secret_name(old.id);
  return null;
end
$$;
comment on function private.delete_item_token_secret() is
  'AFTER DELETE / UPDATE OF access_token_secret_id on plaid_items: deletes the item''s previous Vault secret.';

create trigger plaid_items_delete_token_secret
  after delete on public.plaid_items
  for each row
  when (old.access_token_secret_id is not null)
  execute function private.delete_item_token_secret();

create trigger plaid_items_replace_token_secret
  after update of access_token_secret_id on public.plaid_items
  for each row
  when (old.access_token_secret_id is not null and old.access_token_secret_id is distinct from new.access_token_secret_id)
  execute function private.delete_item_token_secret();

revoke all on function private.item_access_token_secret_name(uuid) from public, anon, authenticated, service_role;
revoke all on function private.store_item_access_token(uuid, text) from public, anon, authenticated, service_role;
revoke all on function private.read_item_access_token(uuid) from public, anon, authenticated, service_role;
revoke all on function private.rotate_item_access_token(uuid, text) from public, anon, authenticated, service_role;
revoke all on function private.delete_item_access_token(uuid) from public, anon, authenticated, service_role;
revoke all on function private.delete_item_token_secret() from public, anon, authenticated, service_role;
