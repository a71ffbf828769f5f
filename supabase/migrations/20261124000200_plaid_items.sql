-- Plaid Items: one row per connection (one institution login) of one user. The access token lives
-- only in Vault; the row holds the Vault secret's id (see 20261124000900_item_access_tokens.sql).

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
