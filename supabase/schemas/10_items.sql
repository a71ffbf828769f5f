-- Plaid Items: one row per connection (one institution login) of one user, and the item's access
-- token in Vault. The row holds only the Vault secret's id.

create table public.plaid_items (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  plaid_item_id text not null unique check (plaid_item_id <> '' and char_length(plaid_item_id) <= 255),
  institution_id text,
  institution_name text,
  status text not null default 'healthy'
    check (status in ('healthy', 'login_required', 'pending_expiration', 'pending_disconnect', 'revoked', 'error')),
  -- The last Plaid error object for this item (PlaidError: error_type, error_code, display_message, ...).
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  error_code text,
  products_available text[] not null default '{}',
  products_billed text[] not null default '{}',
  consent_expires_at timestamptz,
  webhook_url text,
  -- Vault secret id of the access token (named 'plaid_access_token:<id>'); never the token itself.
  access_token_secret_id uuid unique,
  new_accounts_available boolean not null default false,
  -- Last live /accounts/balance/get (billed per call): the per-item rate limit reads this.
  last_balance_refresh_at timestamptz,
  -- When Plaid showed the current status (a status check's /item/get, a repair, a sync error): a check
  -- that started before this is older news and is not applied (72_item_status.sql).
  status_observed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Target of the children's (user_id, item_id) foreign keys: a child row always belongs to the
  -- item's owner. Also the index for user_id (the foreign key to auth.users and every RLS filter).
  constraint plaid_items_user_id_id_key unique (user_id, id)
);

comment on table public.plaid_items is
  'A Plaid Item (one institution connection) of a user. Written by the Edge Functions; users read their own.';
comment on column public.plaid_items.access_token_secret_id is
  'Vault secret id (vault.secrets.id) of the access token. Not readable by users. The token is reachable only through private.read_item_access_token.';
comment on column public.plaid_items.status is
  'healthy | login_required | pending_expiration | pending_disconnect | revoked | error';

create trigger plaid_items_set_updated_at
  before update on public.plaid_items
  for each row execute function private.set_updated_at();

alter table public.plaid_items enable row level security;

create policy "plaid_items: owner reads"
  on public.plaid_items for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.plaid_items from public, anon, authenticated, service_role;
grant select (
  id, user_id, plaid_item_id, institution_id, institution_name, status, error, error_code,
  products_available, products_billed, consent_expires_at, webhook_url, new_accounts_available,
  last_balance_refresh_at, status_observed_at, created_at, updated_at
) on public.plaid_items to authenticated;   -- not access_token_secret_id
grant select, insert, update, delete on public.plaid_items to service_role;


-- Access tokens in Vault. Only these security-definer functions (owned by postgres, fixed empty
-- search_path) touch the tokens. A token secret is bound to its item by name
-- ('plaid_access_token:<item id>'): the functions and the clean-up trigger act only on the secret with
-- that name, so pointing access_token_secret_id at another Vault secret (e.g. the project's secret key)
-- can neither read nor delete it.

create or replace function private.item_access_token_secret_name(p_item_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'plaid_access_token:' || p_item_id::text
$$;
comment on function private.item_access_token_secret_name(uuid) is 'The Vault secret name of an item''s access token.';
revoke all on function private.item_access_token_secret_name(uuid) from public, anon, authenticated, service_role;

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
    raise exception 'plaid item % already has an access token', p_item_id using errcode = '23505';
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
revoke all on function private.store_item_access_token(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.store_item_access_token(uuid, text) to service_role;

create or replace function private.read_item_access_token(p_item_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  -- By the secret's id (a parameter of the lookup, not a join): the plan is an index lookup that
  -- decrypts one secret whatever the volatility of Vault's decrypt function. The name binds it to
  -- the item.
  select s.decrypted_secret
  from vault.decrypted_secrets s
  where s.id = (select i.access_token_secret_id from public.plaid_items i where i.id = p_item_id)
    and s.name = private.item_access_token_secret_name(p_item_id)
$$;
comment on function private.read_item_access_token(uuid) is
  'The item''s access token from Vault, or null when it has none. service_role only.';
revoke all on function private.read_item_access_token(uuid) from public, anon, authenticated, service_role;
grant execute on function private.read_item_access_token(uuid) to service_role;

-- No orphan secret on any path: replacing or clearing an item's secret id deletes its previous secret.
-- Deleting an item (directly, or by removing the user) hands its secret to the Plaid removal queue
-- instead (15_item_removals.sql): the token is deleted only once Plaid has removed the Item.
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
  'AFTER UPDATE OF access_token_secret_id on plaid_items: deletes the item''s previous Vault secret.';
revoke all on function private.delete_item_token_secret() from public, anon, authenticated, service_role;

create trigger plaid_items_replace_token_secret
  after update of access_token_secret_id on public.plaid_items
  for each row
  when (old.access_token_secret_id is not null and old.access_token_secret_id is distinct from new.access_token_secret_id)
  execute function private.delete_item_token_secret();
