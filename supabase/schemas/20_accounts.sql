-- Accounts: Nestfolio's own accounts, manual and synced alike, and the Plaid mapping that points a
-- Plaid account at one of them. Transactions, holdings and liabilities hang off accounts.id, so
-- re-pointing the mapping (public.link_plaid_account_to_manual) keeps a manual account's history.
-- private.upsert_item_accounts is the one way from Plaid's account JSON to these rows.

create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  source text not null default 'manual' check (source in ('manual', 'plaid')),
  -- Synced accounts: Plaid's name. Manual accounts: the user's name.
  name text not null check (btrim(name) <> '' and char_length(name) <= 500),
  -- The user's own label, shown instead of name when set (editable on synced accounts too).
  display_name text check (display_name is null or (btrim(display_name) <> '' and char_length(display_name) <= 200)),
  type text not null default 'other'
    check (type in ('depository', 'credit', 'loan', 'investment', 'brokerage', 'other')),
  subtype text check (subtype is null or char_length(subtype) <= 100),
  -- Money is numeric(1000, 4) everywhere: 996 digits before the point, so every amount Plaid can send
  -- fits (its amounts are doubles: up to 1.8e308, 309 digits), with the 4 decimals money is shown with.
  current_balance numeric(1000, 4),
  available_balance numeric(1000, 4),
  credit_limit numeric(1000, 4) check (credit_limit >= 0),
  -- ISO 4217; null when Plaid reports only an unofficial currency (e.g. crypto).
  currency text default 'USD' check (currency ~ '^[A-Z]{3}$'),
  unofficial_currency_code text check (char_length(unofficial_currency_code) between 1 and 16),
  balance_updated_at timestamptz,
  hidden boolean not null default false,
  -- The user left this account out of net worth and totals (95_insights.sql); it is still listed. Users
  -- may set it on manual and synced accounts alike, like hidden (the guard trigger leaves it alone).
  exclude_from_totals boolean not null default false,
  -- Set when a manual account was linked to a synced Plaid account (it then has source 'plaid').
  linked_at timestamptz,
  -- The user closed this manual account: still listed, with its history, but out of the totals from
  -- that day on (net_worth_accounts, net_worth_history in 95_insights.sql).
  closed_at timestamptz,
  -- Where an account kept after its connection was removed came from (private.remove_plaid_item):
  -- the mapping and the item that held these are gone, the user still tells the accounts apart by them.
  institution_name text check (char_length(institution_name) <= 500),
  mask text check (char_length(mask) <= 32),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Defaults to the caller: a user creating a manual account never names (or chooses) the owner.
  -- The last column because the schema diff that writes the migrations adds a column whose default
  -- calls a function after the others; declared here too, both build the same table.
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  constraint accounts_balances_not_nan
    check (current_balance <> 'NaN' and available_balance <> 'NaN' and credit_limit <> 'NaN'),
  -- Target of the children's (user_id, account_id) foreign keys; also the user_id index.
  constraint accounts_user_id_id_key unique (user_id, id)
);

comment on table public.accounts is
  'Nestfolio accounts, manual (source manual: the user writes them) and synced (source plaid: written by the sync; the user may only hide, rename or exclude from totals).';
comment on column public.accounts.exclude_from_totals is
  'The user left this account out of net worth and totals (it is still listed). Hidden accounts are left out too.';

-- ISO 4217's current codes (List One, 2025), less XTS (testing) and XXX (no currency): the currencies a
-- manual account can be kept in. Plaid's own iso_currency_code is stored as sent (synced accounts).
create or replace function private.is_iso_4217_currency(p_code text)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select p_code = any ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BOV,BRL,BSD,BTN,BWP,
    BYN,BZD,CAD,CDF,CHE,CHF,CHW,CLF,CLP,CNY,COP,COU,CRC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,
    GHS,GIP,GMD,GNF,GTQ,GYD,HKD,HNL,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,
    LAK,LBP,LKR,LRD,LSL,LYD,MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,MXV,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,
    PAB,PEN,PGK,PHP,PKR,PLN,PYG,QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,
    TJS,TMT,TND,TOP,TRY,TTD,TWD,TZS,UAH,UGX,USD,USN,UYI,UYU,UYW,UZS,VED,VES,VND,VUV,WST,XAF,XAG,XAU,XBA,XBB,XBC,XBD,
    XCD,XCG,XDR,XOF,XPD,XPF,XPT,XSU,XUA,YER,ZAR,ZMW,ZWG}'::text[])
$$;
comment on function private.is_iso_4217_currency(text) is
  'Whether a code is a current ISO 4217 currency (List One, less XTS and XXX); the list web/src/currencies.ts offers.';
revoke all on function private.is_iso_4217_currency(text) from public, anon, authenticated, service_role;
grant execute on function private.is_iso_4217_currency(text) to authenticated, service_role;

create trigger accounts_set_updated_at
  before update on public.accounts
  for each row execute function private.set_updated_at();

-- Users may change only hidden, display_name and exclude_from_totals on synced accounts. Column grants
-- cannot tell manual from synced rows, so this trigger does; it also stamps balance_updated_at on
-- manual balance edits.
create or replace function private.accounts_guard_user_writes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.source = 'plaid' and current_user = 'authenticated'
     and (new.name, new.type, new.subtype, new.current_balance, new.available_balance, new.credit_limit,
          new.currency, new.unofficial_currency_code, new.balance_updated_at, new.closed_at)
         is distinct from
         (old.name, old.type, old.subtype, old.current_balance, old.available_balance, old.credit_limit,
          old.currency, old.unofficial_currency_code, old.balance_updated_at, old.closed_at) then
    raise exception 'synced accounts are updated by the sync: only hidden and display_name can be changed'
      using errcode = '42501';
  end if;
  -- A manual account's currency is one of ISO 4217's: "POUNDS" or "ABC" is refused, never cut or kept.
  if new.source = 'manual' and new.currency is not null
     and (tg_op = 'INSERT' or new.currency is distinct from old.currency)
     and not private.is_iso_4217_currency(new.currency) then
    raise exception 'currency "%" is not an ISO 4217 currency code: choose one such as USD, EUR or GBP', new.currency
      using errcode = '22023';
  end if;
  if new.source = 'manual' then
    if tg_op = 'INSERT' then
      if new.balance_updated_at is null and (new.current_balance is not null or new.available_balance is not null) then
        new.balance_updated_at := pg_catalog.now();
      end if;
    elsif (new.current_balance, new.available_balance, new.credit_limit)
          is distinct from (old.current_balance, old.available_balance, old.credit_limit)
          and new.balance_updated_at is not distinct from old.balance_updated_at then
      new.balance_updated_at := pg_catalog.now();
    end if;
  end if;
  return new;
end
$$;
comment on function private.accounts_guard_user_writes() is
  'BEFORE INSERT/UPDATE on accounts: users change only hidden/display_name of synced accounts; manual currencies are ISO 4217; stamps manual balance edits.';
revoke all on function private.accounts_guard_user_writes() from public, anon, authenticated, service_role;

create trigger accounts_guard_user_writes
  before insert or update on public.accounts
  for each row execute function private.accounts_guard_user_writes();

alter table public.accounts enable row level security;

create policy "accounts: owner reads"
  on public.accounts for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "accounts: owner creates manual accounts"
  on public.accounts for insert to authenticated
  with check ((select auth.uid()) = user_id and source = 'manual');

-- Which columns may change is decided by the column grants and accounts_guard_user_writes.
create policy "accounts: owner updates"
  on public.accounts for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "accounts: owner deletes manual accounts"
  on public.accounts for delete to authenticated
  using ((select auth.uid()) = user_id and source = 'manual');

-- Users write manual accounts and hide/rename/exclude synced ones (RLS and the trigger above decide which
-- rows). user_id defaults to auth.uid(), source to 'manual', balance_updated_at is stamped by the
-- trigger: none of them is writable by users.
revoke all on table public.accounts from public, anon, authenticated, service_role;
grant select, delete on public.accounts to authenticated;
grant insert (
  name, display_name, type, subtype, current_balance, available_balance, credit_limit, currency,
  unofficial_currency_code, hidden, exclude_from_totals
) on public.accounts to authenticated;
grant update (
  name, display_name, type, subtype, current_balance, available_balance, credit_limit, currency,
  unofficial_currency_code, hidden, exclude_from_totals, closed_at
) on public.accounts to authenticated;
grant select, insert, update, delete on public.accounts to service_role;


create table public.plaid_accounts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  -- The Nestfolio account this Plaid account feeds (one Plaid account per Nestfolio account); null when
  -- it feeds none because another connection of the user already feeds the same bank account (a
  -- duplicate, not imported: balances and transactions never count twice).
  account_id uuid,
  plaid_account_id text not null unique check (plaid_account_id <> '' and char_length(plaid_account_id) <= 255),
  persistent_account_id text,
  mask text,
  official_name text,
  type text not null check (type in ('depository', 'credit', 'loan', 'investment', 'brokerage', 'other')),
  subtype text,
  verification_status text,
  holder_category text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Plaid's name of the account and the item's institution, as last sent: with type and mask, how
  -- Plaid's duplicate-Item guidance recognises the same bank account in another Item.
  name text,
  institution_id text,
  -- Set when this mapping was taken over from a revoked connection of the same account (connecting the
  -- bank again): the old connection's transactions stay until this item's initial import has
  -- re-imported their period, then those the new import covers are dropped (no double counting).
  replaced_at timestamptz,
  constraint plaid_accounts_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint plaid_accounts_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  -- account_id is unique (accounts.id is, and user_id follows from it); this form also indexes the FK.
  constraint plaid_accounts_user_id_account_id_key unique (user_id, account_id)
);
create index plaid_accounts_user_id_item_id_idx on public.plaid_accounts (user_id, item_id);
-- The same bank account is fed by one connection of a user at most. Where Plaid gives a
-- persistent_account_id (Tokenized Account Number institutions: account numbers and masks differ per
-- Item, this id does not) it decides; elsewhere institution, type, mask and name do, as in Plaid's
-- duplicate-Item guidance. Per user: two people may share a joint account. Only mappings that feed an
-- account count (a duplicate is recorded with account_id null).
create unique index plaid_accounts_live_persistent_key on public.plaid_accounts (user_id, persistent_account_id)
  where account_id is not null and persistent_account_id is not null;
create unique index plaid_accounts_live_mask_key on public.plaid_accounts (user_id, institution_id, type, mask, lower(name))
  where account_id is not null and persistent_account_id is null and mask is not null;

comment on table public.plaid_accounts is
  'Maps a Plaid account (plaid_account_id) of an item to the Nestfolio account it feeds. Written by the Edge Functions.';

create trigger plaid_accounts_set_updated_at
  before update on public.plaid_accounts
  for each row execute function private.set_updated_at();

-- A synced account exists only while Plaid feeds it: deleting its mapping (the item was removed, or
-- Plaid dropped the account) deletes it, unless it was made manual first (keep-history removal).
create or replace function private.delete_unmapped_synced_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.accounts a
  where a.id = old.account_id and a.user_id = old.user_id and a.source = 'plaid';
  return null;
end
$$;
comment on function private.delete_unmapped_synced_account() is
  'AFTER DELETE on plaid_accounts: deletes the Nestfolio account if it is still a synced (source plaid) account.';
revoke all on function private.delete_unmapped_synced_account() from public, anon, authenticated, service_role;

create trigger plaid_accounts_delete_synced_account
  after delete on public.plaid_accounts
  for each row execute function private.delete_unmapped_synced_account();

alter table public.plaid_accounts enable row level security;

create policy "plaid_accounts: owner reads"
  on public.plaid_accounts for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.plaid_accounts from public, anon, authenticated, service_role;
grant select on public.plaid_accounts to authenticated;
grant select, insert, update, delete on public.plaid_accounts to service_role;


-- The user's mappings that feed the same bank account as a Plaid account JSON (AccountBase, or Link's
-- onSuccess account: id, name, mask, type) at an institution: by persistent_account_id where both
-- have one, else by institution, type, mask and name (the unique indexes above). Link's metadata has
-- no persistent id, so a pre-check matches by mask and name only.
create or replace function private.same_bank_account(p_user_id uuid, p_institution_id text, p_account jsonb)
returns setof public.plaid_accounts
language sql
stable
set search_path = ''
as $$
  select pa.* from public.plaid_accounts pa
  where pa.user_id = p_user_id and pa.account_id is not null
    and ((pa.persistent_account_id is not null and pa.persistent_account_id = p_account ->> 'persistent_account_id')
      or ((pa.persistent_account_id is null or p_account ->> 'persistent_account_id' is null)
          and pa.institution_id = p_institution_id and pa.mask = p_account ->> 'mask'
          and lower(pa.name) = lower(p_account ->> 'name')
          and pa.type = coalesce(p_account ->> 'type', pa.type)))
$$;
comment on function private.same_bank_account(uuid, text, jsonb) is
  'The user''s live mappings of the same bank account as a Plaid account JSON (persistent id, else institution/type/mask/name).';
revoke all on function private.same_bank_account(uuid, text, jsonb) from public, anon, authenticated, service_role;

-- What accounts and plaid_accounts need of a Plaid AccountBase (the kinds of private.record_problem):
-- an id, a name, a type we know, balances that are numbers (a limit that is not negative), currency codes.
create or replace function private.account_fields()
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"account_id": "id!", "name": "name!", "type": "one of depository, credit, loan, investment, brokerage, other!",
    "subtype": "short text", "balances": {"current": "number", "available": "number", "limit": "non-negative number",
    "iso_currency_code": "currency", "unofficial_currency_code": "unofficial_currency"}}'::jsonb
$$;
comment on function private.account_fields() is 'The fields a Plaid AccountBase needs to be stored (private.classify_records).';
revoke all on function private.account_fields() from public, anon, authenticated, service_role;


-- Plaid's AccountBase objects, exactly as Plaid sends them (account_id, balances {current, available,
-- limit, iso_currency_code, unofficial_currency_code}, mask, name, official_name, type, subtype,
-- verification_status, persistent_account_id, holder_category), onto an item's rows. Exchange
-- (/accounts/get), balance refresh (/accounts/balance/get) and the sync (the accounts of
-- /transactions/sync, /liabilities/get and /investments/*) all map accounts here and nowhere else.
-- A Plaid account the item does not have yet gets a Nestfolio account (Plaid's name, type, subtype)
-- and its mapping, unless another connection of the user already feeds the same bank account
-- (private.same_bank_account): then it gets a mapping without an account (a duplicate, not imported).
-- Every mapping takes Plaid's current details and every account the balances (any of which Plaid may
-- send as null). A Plaid account id mapped to another item is left alone. An account that cannot be
-- stored as sent (private.account_fields) is quarantined and changes nothing (a known account keeps
-- its last balances); the others are written. p_accounts null (no accounts in the response) maps
-- nothing. Returns the accounts written.
create or replace function private.upsert_item_accounts(p_item_id uuid, p_user_id uuid, p_accounts jsonb)
returns setof public.accounts
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_account jsonb;
  v_account_id uuid;
  v_institution text;
  v_accounts jsonb;
begin
  if p_accounts is null or jsonb_typeof(p_accounts) = 'null' then
    return;
  end if;
  if jsonb_typeof(p_accounts) <> 'array' then
    raise exception 'Plaid accounts must be a JSON array, not %', jsonb_typeof(p_accounts) using errcode = '22023';
  end if;
  -- One pass: the accounts that can be stored go on, the others are set aside (and a stored one is released).
  with classified as (
    select c.record as a, c.key, c.problem from private.classify_records(p_accounts, private.account_fields(), 'account_id') c
  ), released as (
    delete from public.quarantined_records q using classified c
    where c.problem is null and q.item_id = p_item_id and q.kind = 'account' and q.record_key = c.key
  ), quarantined as (
    insert into public.quarantined_records as q (user_id, item_id, kind, record_key, reason, record)
    select distinct on (c.key) p_user_id, p_item_id, 'account', c.key, c.problem, c.a from classified c where c.problem is not null
    on conflict (item_id, kind, record_key) do update set reason = excluded.reason, record = excluded.record, last_seen_at = now()
  )
  select coalesce(jsonb_agg(c.a) filter (where c.problem is null), '[]'::jsonb) into v_accounts from classified c;

  if exists (select 1 from jsonb_array_elements(v_accounts) a
             where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')) then
    -- A new account may reach two writers at once (a balance refresh, another product's sync page,
    -- another connection of the same user): they take turns per user, and the second finds the first
    -- one's mapping.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('plaid_user_accounts:' || p_user_id::text, 0));
    select i.institution_id into v_institution from public.plaid_items i where i.id = p_item_id;
    for v_account in
      select distinct on (a ->> 'account_id') a from jsonb_array_elements(v_accounts) a
      where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')
    loop
      v_account_id := null;
      if not exists (select 1 from private.same_bank_account(p_user_id, v_institution, v_account)) then
        insert into public.accounts (user_id, source, name, type, subtype)
        values (p_user_id, 'plaid', v_account ->> 'name', v_account ->> 'type', v_account ->> 'subtype')
        returning id into v_account_id;
      end if;
      insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, type, institution_id,
                                         persistent_account_id, mask, name)
      values (p_user_id, p_item_id, v_account_id, v_account ->> 'account_id', v_account ->> 'type', v_institution,
              v_account ->> 'persistent_account_id', v_account ->> 'mask', v_account ->> 'name');
    end loop;
  end if;

  -- Plaid's details onto every mapping: a field the response leaves out (verification_status,
  -- persistent_account_id and holder_category are optional) keeps what is known, a null clears it.
  -- Only mappings whose details changed are written (a no-change sync writes no mapping).
  update public.plaid_accounts pa set
    persistent_account_id = n.persistent_account_id, mask = n.mask, official_name = n.official_name,
    type = n.type, subtype = n.subtype, verification_status = n.verification_status,
    holder_category = n.holder_category, name = n.name
  from jsonb_array_elements(v_accounts) x
  join public.plaid_accounts cur
    on cur.plaid_account_id = x ->> 'account_id' and cur.user_id = p_user_id and cur.item_id = p_item_id
  cross join lateral jsonb_populate_record(cur, x - 'account_id') n
  where pa.id = cur.id
    and (pa.persistent_account_id, pa.mask, pa.official_name, pa.type, pa.subtype, pa.verification_status,
         pa.holder_category, pa.name)
        is distinct from
        (n.persistent_account_id, n.mask, n.official_name, n.type, n.subtype, n.verification_status,
         n.holder_category, n.name);

  -- Balances are always in Plaid's AccountBase, each of them nullable (unknown).
  return query
  update public.accounts a set
    current_balance = (x.balances ->> 'current')::numeric,
    available_balance = (x.balances ->> 'available')::numeric,
    credit_limit = (x.balances ->> 'limit')::numeric,
    currency = x.balances ->> 'iso_currency_code',
    unofficial_currency_code = x.balances ->> 'unofficial_currency_code',
    balance_updated_at = now()
  from public.plaid_accounts pa
  join jsonb_to_recordset(v_accounts) as x(account_id text, balances jsonb) on x.account_id = pa.plaid_account_id
  where pa.user_id = p_user_id and pa.item_id = p_item_id and a.user_id = p_user_id and a.id = pa.account_id
  returning a.*;
end
$$;
comment on function private.upsert_item_accounts(uuid, uuid, jsonb) is
  'Maps Plaid AccountBase JSON onto an item: creates missing accounts and mappings, refreshes mapping details and balances. Returns the accounts written.';
revoke all on function private.upsert_item_accounts(uuid, uuid, jsonb) from public, anon, authenticated, service_role;


-- A link of a synced account to a manual one (85_account_linking.sql) that can be undone: both accounts
-- and their balance histories as they were before it.
create table public.account_links (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  -- The manual account Plaid now feeds.
  account_id uuid not null,
  -- The mapping that feeds it (gone with its connection: then there is nothing to undo).
  plaid_account_id uuid not null references public.plaid_accounts (id) on delete cascade,
  -- Both accounts' rows (to_jsonb(accounts)) and balance_history rows as they were before the link.
  synced_account jsonb not null check (jsonb_typeof(synced_account) = 'object'),
  manual_account jsonb not null check (jsonb_typeof(manual_account) = 'object'),
  synced_history jsonb not null check (jsonb_typeof(synced_history) = 'array'),
  manual_history jsonb not null check (jsonb_typeof(manual_history) = 'array'),
  -- The synced account's transactions Plaid no longer feeds (kept from a replaced connection): they
  -- moved too, and move back by id. Its other transactions move back with the mapping's item.
  synced_orphan_transactions uuid[] not null default '{}',
  linked_at timestamptz not null default now(),
  constraint account_links_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  constraint account_links_user_id_account_id_key unique (user_id, account_id)
);
create index account_links_plaid_account_id_idx on public.account_links (plaid_account_id);

comment on table public.account_links is
  'Links of a synced account to a manual one that can be undone: both accounts and balance histories as they were before (public.unlink_account).';

alter table public.account_links enable row level security;

create policy "account_links: owner reads"
  on public.account_links for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.account_links from public, anon, authenticated, service_role;
grant select on public.account_links to authenticated;
grant select, insert, update, delete on public.account_links to service_role;
