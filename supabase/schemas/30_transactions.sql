-- Transactions of an account, from /transactions/sync. item_id is nullable so a removed item's
-- history can be kept (as manual history) by nulling item_id before the item is deleted.

create table public.transactions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  account_id uuid not null,
  item_id uuid,
  -- Plaid's transaction_id; null only for transactions not from Plaid.
  plaid_transaction_id text unique check (plaid_transaction_id <> '' and char_length(plaid_transaction_id) <= 255),
  -- Plaid's sign: positive = money out of the account, negative = money in.
  amount numeric(1000, 4) not null check (amount <> 'NaN'),
  iso_currency_code text check (iso_currency_code ~ '^[A-Z]{3}$'),
  unofficial_currency_code text check (char_length(unofficial_currency_code) between 1 and 16),
  -- Posted date (or the occurred date while pending).
  date date not null,
  authorized_date date,
  datetime timestamptz,
  authorized_datetime timestamptz,
  name text not null,
  merchant_name text,
  merchant_entity_id text,
  logo_url text,
  website text,
  pending boolean not null default false,
  pending_transaction_id text,
  -- personal_finance_category: primary, detailed, confidence_level.
  pfc_primary text,
  pfc_detailed text,
  pfc_confidence text,
  payment_channel text check (payment_channel in ('online', 'in store', 'other')),
  transaction_code text,
  original_description text,
  check_number text,
  location jsonb check (location is null or jsonb_typeof(location) = 'object'),
  counterparties jsonb check (counterparties is null or jsonb_typeof(counterparties) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint transactions_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  constraint transactions_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  -- Rows from an item are Plaid's (they carry Plaid's id).
  constraint transactions_item_rows_have_plaid_id check (item_id is null or plaid_transaction_id is not null)
);

-- The UI's queries: a user's transactions by date, an account's transactions by date. Both also
-- cover the foreign keys (user_id, account_id) and (user_id, item_id) with their leading columns.
create index transactions_user_id_date_idx on public.transactions (user_id, date desc, id desc);
create index transactions_user_id_account_id_date_idx on public.transactions (user_id, account_id, date desc, id desc);
create index transactions_user_id_item_id_idx on public.transactions (user_id, item_id);

comment on table public.transactions is
  'Account transactions (Plaid /transactions/sync). amount uses Plaid''s sign: positive = money out. Written by the sync.';

create trigger transactions_set_updated_at
  before update on public.transactions
  for each row execute function private.set_updated_at();

alter table public.transactions enable row level security;

create policy "transactions: owner reads"
  on public.transactions for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.transactions from public, anon, authenticated, service_role;
grant select on public.transactions to authenticated;
grant select, insert, update, delete on public.transactions to service_role;
