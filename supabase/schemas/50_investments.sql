-- Investments (/investments/holdings/get and /investments/transactions/get): securities as Plaid
-- reports them for an item, holdings of an account, and investment transactions. Prices and
-- quantities keep 10 decimals (fractional shares, crypto); money amounts keep 4. Any size Plaid can
-- send fits (numeric(1000, …): its numbers are doubles, at most 309 digits before the point).

create table public.securities (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  -- Plaid's security_id (unique per item here: Plaid may describe one security differently per item).
  plaid_security_id text not null check (plaid_security_id <> '' and char_length(plaid_security_id) <= 255),
  name text,
  ticker_symbol text,
  type text,
  is_cash_equivalent boolean,
  isin text,
  cusip text,
  institution_security_id text,
  institution_id text,
  proxy_security_id text,
  market_identifier_code text,
  sector text,
  industry text,
  close_price numeric(1000, 10) check (close_price <> 'NaN'),
  close_price_as_of date,
  iso_currency_code text check (iso_currency_code ~ '^[A-Z]{3}$'),
  unofficial_currency_code text check (char_length(unofficial_currency_code) between 1 and 16),
  -- option_contract, fixed_income and anything else Plaid adds.
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint securities_item_id_plaid_security_id_key unique (item_id, plaid_security_id),
  constraint securities_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  -- Target of (user_id, security_id) foreign keys.
  constraint securities_user_id_id_key unique (user_id, id)
);
create index securities_user_id_item_id_idx on public.securities (user_id, item_id);

comment on table public.securities is 'Securities referenced by an item''s holdings and investment transactions. Written by the sync.';

create trigger securities_set_updated_at
  before update on public.securities
  for each row execute function private.set_updated_at();

alter table public.securities enable row level security;

create policy "securities: owner reads"
  on public.securities for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.securities from public, anon, authenticated, service_role;
grant select on public.securities to authenticated;
grant select, insert, update, delete on public.securities to service_role;


create table public.holdings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  account_id uuid not null,
  security_id uuid not null,
  quantity numeric(1000, 10) not null check (quantity <> 'NaN'),
  institution_price numeric(1000, 10) not null check (institution_price <> 'NaN'),
  institution_price_as_of date,
  institution_value numeric(1000, 4) not null check (institution_value <> 'NaN'),
  cost_basis numeric(1000, 4) check (cost_basis <> 'NaN'),
  vested_quantity numeric(1000, 10) check (vested_quantity <> 'NaN'),
  vested_value numeric(1000, 4) check (vested_value <> 'NaN'),
  iso_currency_code text check (iso_currency_code ~ '^[A-Z]{3}$'),
  unofficial_currency_code text check (char_length(unofficial_currency_code) between 1 and 16),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint holdings_account_id_security_id_key unique (account_id, security_id),
  constraint holdings_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint holdings_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  constraint holdings_security_fkey foreign key (user_id, security_id)
    references public.securities (user_id, id) on delete cascade
);
create index holdings_user_id_item_id_idx on public.holdings (user_id, item_id);
create index holdings_user_id_account_id_idx on public.holdings (user_id, account_id);
create index holdings_user_id_security_id_idx on public.holdings (user_id, security_id);

comment on table public.holdings is 'Positions of an investment account (Plaid /investments/holdings/get). Written by the sync.';

create trigger holdings_set_updated_at
  before update on public.holdings
  for each row execute function private.set_updated_at();

alter table public.holdings enable row level security;

create policy "holdings: owner reads"
  on public.holdings for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.holdings from public, anon, authenticated, service_role;
grant select on public.holdings to authenticated;
grant select, insert, update, delete on public.holdings to service_role;


create table public.investment_transactions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  account_id uuid not null,
  security_id uuid,
  plaid_investment_transaction_id text not null unique
    check (plaid_investment_transaction_id <> '' and char_length(plaid_investment_transaction_id) <= 255),
  date date not null,
  name text not null,
  quantity numeric(1000, 10) not null check (quantity <> 'NaN'),
  -- Plaid's sign: positive = cash debited from the account.
  amount numeric(1000, 4) not null check (amount <> 'NaN'),
  price numeric(1000, 10) not null check (price <> 'NaN'),
  fees numeric(1000, 4) check (fees <> 'NaN'),
  type text not null check (type in ('buy', 'sell', 'cancel', 'cash', 'fee', 'transfer')),
  subtype text,
  iso_currency_code text check (iso_currency_code ~ '^[A-Z]{3}$'),
  unofficial_currency_code text check (char_length(unofficial_currency_code) between 1 and 16),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint investment_transactions_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint investment_transactions_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  -- Deleting a security keeps the transaction (only security_id is cleared; user_id stays).
  constraint investment_transactions_security_fkey foreign key (user_id, security_id)
    references public.securities (user_id, id) on delete set null (security_id)
);
create index investment_transactions_user_id_date_idx on public.investment_transactions (user_id, date desc, id desc);
create index investment_transactions_user_id_account_id_date_idx
  on public.investment_transactions (user_id, account_id, date desc, id desc);
create index investment_transactions_user_id_item_id_idx on public.investment_transactions (user_id, item_id);
create index investment_transactions_user_id_security_id_idx on public.investment_transactions (user_id, security_id);

comment on table public.investment_transactions is
  'Investment account activity (Plaid /investments/transactions/get). amount: positive = cash debited. Written by the sync.';

create trigger investment_transactions_set_updated_at
  before update on public.investment_transactions
  for each row execute function private.set_updated_at();

alter table public.investment_transactions enable row level security;

create policy "investment_transactions: owner reads"
  on public.investment_transactions for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.investment_transactions from public, anon, authenticated, service_role;
grant select on public.investment_transactions to authenticated;
grant select, insert, update, delete on public.investment_transactions to service_role;
