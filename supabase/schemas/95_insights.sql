-- Insights: what users come for (docs/data-model.md § Insights).
--   * net worth: one read model, RLS-scoped (security_invoker views): each account's side (asset or
--     liability) and kind, and totals per currency, per kind and per institution. Hidden accounts and
--     accounts the user excluded from totals (accounts.exclude_from_totals, 20_accounts.sql) are left
--     out; currencies are never added together.
--   * balance history: one row per account per day. Observed rows are recorded by a statement trigger
--     on accounts whenever a balance is written (private.upsert_item_accounts for exchange, sync pages
--     and balance refresh; a manual edit); estimated rows are back-filled once at the end of an item's
--     initial sync by walking posted transactions back from the first observed balance, and recomputed
--     when Plaid adds, modifies or removes a transaction dated on or before it (statement triggers with
--     transition tables: never per-row work).
--   * the transactions explorer's indexes (here, beside the explorer, with the extensions they need):
--     trigram search on merchant/name scoped by user, pending transactions, a posted transaction's link
--     to the pending one it replaces, and the category filter.
-- The sync functions know nothing of this: everything here hangs off triggers on the tables they write.

-- Supabase provides both; enabled as its docs do it (Dashboard → Database → Extensions does the same).
create extension if not exists pg_trgm with schema extensions;
create extension if not exists btree_gin with schema extensions;

-- Net worth read model ---------------------------------------------------------------------------------
-- Each account's place in the totals. Liabilities are Plaid's credit and loan types; manual accounts
-- count by the kind their owner chose (the same types). A liability's balance is what is owed (Plaid's
-- sign: positive = owed), so it is subtracted; an asset's balance is added (an overdraft is negative).
create view public.net_worth_accounts
with (security_invoker = true)
as
select
  a.id as account_id,
  coalesce(a.display_name, a.name) as label,
  a.type,
  a.subtype,
  a.source,
  k.kind,
  k.kind_rank,
  a.type in ('credit', 'loan') as is_liability,
  -- ISO 4217, or Plaid's unofficial code (crypto): totals are per currency, never converted.
  coalesce(a.currency, a.unofficial_currency_code) as currency,
  a.current_balance as balance,
  a.available_balance,
  a.credit_limit,
  -- Cards: what can still be spent (Plaid's available, else limit − balance) and how much of the limit is used.
  case when a.type = 'credit' then coalesce(a.available_balance, a.credit_limit - a.current_balance) end as available_credit,
  case when a.type = 'credit' and a.credit_limit > 0 then round(a.current_balance / a.credit_limit, 4) end as utilization,
  i.id as item_id,
  i.institution_id,
  -- Kept after its connection was removed: the bank's name stored on the account (no institution_id:
  -- the web says "disconnected"), as the Accounts page's rows say it.
  coalesce(i.institution_name, a.institution_name) as institution_name,
  a.hidden,
  a.exclude_from_totals,
  not a.hidden and not a.exclude_from_totals and a.closed_at is null and a.current_balance is not null
    and coalesce(a.currency, a.unofficial_currency_code) is not null as in_totals,
  a.balance_updated_at,
  -- A closed account counts in the totals' history until the day it was closed, not after.
  (a.closed_at at time zone 'UTC')::date as closed_on
from public.accounts a
cross join lateral (
  select
    case when a.type = 'depository' then 'cash' when a.type = 'credit' then 'credit' when a.type = 'loan' then 'loan'
         when a.type in ('investment', 'brokerage') then 'investment' else 'other' end as kind,
    case when a.type = 'depository' then 1 when a.type = 'credit' then 2 when a.type = 'loan' then 3
         when a.type in ('investment', 'brokerage') then 4 else 5 end as kind_rank
) k
left join public.plaid_accounts pa on pa.account_id = a.id
left join public.plaid_items i on i.id = pa.item_id;

comment on view public.net_worth_accounts is
  'The caller''s accounts as net worth counts them: kind (cash, credit, loan, investment, other) and rank, liability or asset, currency, balance, available credit and utilisation for cards, institution, and whether the account is in the totals (not hidden, not excluded, not closed, has a balance and a currency).';

-- Totals of the accounts in_totals: per currency (level total), per currency and kind (level kind), and
-- per currency and institution (level institution; manual accounts have no institution, accounts kept
-- from a removed connection their bank's name without an institution_id).
create view public.net_worth
with (security_invoker = true)
as
select
  case when grouping(n.kind) = 0 then 'kind' when grouping(n.institution_id, n.institution_name) = 0 then 'institution'
       else 'total' end as level,
  n.currency,
  n.kind,
  min(n.kind_rank) as kind_rank,
  n.institution_id,
  n.institution_name,
  coalesce(sum(n.balance) filter (where not n.is_liability), 0) as assets,
  coalesce(sum(n.balance) filter (where n.is_liability), 0) as liabilities,
  coalesce(sum(n.balance) filter (where not n.is_liability), 0) - coalesce(sum(n.balance) filter (where n.is_liability), 0) as net_worth,
  count(*)::integer as accounts
from public.net_worth_accounts n
where n.in_totals
group by grouping sets ((n.currency), (n.currency, n.kind), (n.currency, n.institution_id, n.institution_name));

comment on view public.net_worth is
  'Net worth of the caller''s accounts in totals: assets, liabilities (amounts owed) and net worth per currency (level total), per kind and per institution. Never adds different currencies.';

-- Balance history --------------------------------------------------------------------------------------
create table public.balance_history (
  user_id uuid not null,
  account_id uuid not null,
  -- A UTC day (the database's current_date on Supabase).
  date date not null,
  -- The account's current balance at the end of that day, in the account's sign (liabilities: owed).
  -- Money is numeric(1000, 4) everywhere (20_accounts.sql): whatever balance an account holds, its day does.
  balance numeric(1000, 4) not null check (balance <> 'NaN'),
  currency text check (char_length(currency) between 1 and 16),
  -- observed: written by the sync, a balance refresh or the user; estimated: walked back from transactions.
  source text not null check (source in ('observed', 'estimated')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- One row per account per day; account_id implies user_id, which leads for RLS and the foreign key.
  constraint balance_history_pkey primary key (user_id, account_id, date),
  constraint balance_history_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade
);

-- The first observation of an account (the back-fill's anchor, the corrections' bound, the series'
-- "estimated until") without walking its estimated days.
create index balance_history_observed_idx on public.balance_history (user_id, account_id, date) where source = 'observed';

comment on table public.balance_history is
  'Daily balance per account: observed (recorded whenever a balance is written) or estimated (walked back from posted transactions before the first observation). Written by triggers only.';

create trigger balance_history_set_updated_at
  before update on public.balance_history
  for each row execute function private.set_updated_at();

alter table public.balance_history enable row level security;

create policy "balance_history: owner reads"
  on public.balance_history for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.balance_history, public.net_worth_accounts, public.net_worth
  from public, anon, authenticated, service_role;
grant select on public.balance_history, public.net_worth_accounts, public.net_worth to authenticated;
grant select, insert, update, delete on public.balance_history to service_role;
grant select on public.net_worth_accounts, public.net_worth to service_role;

-- Observed balances: whatever writes an account's balance (create_plaid_item, every sync page's
-- accounts, apply_account_balances, a user's manual edit) records that day's row, in one statement.
-- An observation replaces an estimate of the same day.
create or replace function private.record_balance_history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  -- The accounts whose balance this statement wrote (an update that wrote none records nothing).
  if tg_op = 'INSERT' then
    select array_agg(n.id) into v_ids from new_rows n where n.current_balance is not null;
  else
    select array_agg(n.id) into v_ids
    from new_rows n
    join old_rows o on o.id = n.id
    where n.current_balance is not null
      and (n.current_balance, n.currency, n.unofficial_currency_code, n.balance_updated_at)
          is distinct from (o.current_balance, o.currency, o.unofficial_currency_code, o.balance_updated_at);
  end if;
  if v_ids is null then
    return null;
  end if;
  insert into public.balance_history as h (user_id, account_id, date, balance, currency, source)
  select a.user_id, a.id, (coalesce(a.balance_updated_at, now()) at time zone 'UTC')::date, a.current_balance,
         coalesce(a.currency, a.unofficial_currency_code), 'observed'
  from public.accounts a
  where a.id = any (v_ids) and a.current_balance is not null
  on conflict (user_id, account_id, date) do update
    set balance = excluded.balance, currency = excluded.currency, source = 'observed'
    where (h.balance, h.currency, h.source) is distinct from (excluded.balance, excluded.currency, excluded.source);
  return null;
end
$$;
comment on function private.record_balance_history() is
  'AFTER INSERT/UPDATE (statement) on accounts: records each written balance as that UTC day''s observed balance.';

create trigger accounts_record_balance_history_insert
  after insert on public.accounts
  referencing new table as new_rows
  for each statement execute function private.record_balance_history();
create trigger accounts_record_balance_history_update
  after update on public.accounts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.record_balance_history();

-- Estimated balances of depository and credit accounts before their first observed balance: the end of
-- day d is the first observation minus (cash) or plus (credit: amounts add to what is owed) the posted
-- transactions dated after d up to that day. Pending transactions are left out (Plaid's current balance
-- does not include them for depository accounts). Loans and investments are not estimated: interest
-- and prices move them without transactions, so their history starts at their first observation.
-- Recomputes the given accounts' estimates from scratch, in one set-based statement. Returns the rows.
create or replace function private.estimate_balance_history(p_account_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows integer;
begin
  delete from public.balance_history h
  using public.accounts a
  where a.id = any (p_account_ids) and h.user_id = a.user_id and h.account_id = a.id and h.source = 'estimated';
  with anchor as (
    select a.id, a.user_id, case when a.type = 'credit' then -1 else 1 end as sign, o.date as anchor_date,
           o.balance as anchor_balance, o.currency
    from public.accounts a
    cross join lateral (
      select h.date, h.balance, h.currency from public.balance_history h
      where h.user_id = a.user_id and h.account_id = a.id and h.source = 'observed'
      order by h.date limit 1) o
    where a.id = any (p_account_ids) and a.type in ('depository', 'credit')
  ), daily as (
    select t.account_id, t.date, sum(t.amount) as amount
    from anchor an
    join public.transactions t on t.user_id = an.user_id and t.account_id = an.id
    where not t.pending and t.date <= an.anchor_date
    group by t.account_id, t.date
  ), bounds as (
    select an.*, d.first_date, d.total
    from anchor an
    join (select account_id, min(date) as first_date, sum(amount) as total from daily group by account_id) d on d.account_id = an.id
  ), days as (
    select b.id, b.user_id, b.sign, b.anchor_balance, b.currency, b.total, g.day::date as date
    from bounds b
    cross join lateral generate_series(b.first_date - 1, b.anchor_date - 1, interval '1 day') g(day)
  )
  insert into public.balance_history (user_id, account_id, date, balance, currency, source)
  select d.user_id, d.id, d.date,
         d.anchor_balance + d.sign * (d.total - coalesce(sum(dl.amount) over (partition by d.id order by d.date), 0)),
         d.currency, 'estimated'
  from days d
  left join daily dl on dl.account_id = d.id and dl.date = d.date
  on conflict (user_id, account_id, date) do nothing;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;
comment on function private.estimate_balance_history(uuid[]) is
  'Recomputes the estimated daily balances of depository and credit accounts before their first observed balance, from posted transactions.';

-- Back-fill once, when an item's initial transactions sync completes (the last page sets
-- initial_sync_done in the same transaction as its data). Triggers of one event fire in name order: this
-- one's name sorts after plaid_sync_state_drop_replaced_history (90_item_lifecycle.sql), so a connection
-- that took over a revoked one is estimated from the transactions that remain.
create or replace function private.backfill_balance_history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.estimate_balance_history(array(
    select pa.account_id from public.plaid_accounts pa where pa.user_id = new.user_id and pa.item_id = new.item_id));
  return null;
end
$$;
comment on function private.backfill_balance_history() is
  'AFTER UPDATE on plaid_sync_state: back-fills the item''s balance history when its initial transactions sync completes.';

create trigger plaid_sync_state_estimate_balance_history
  after update of initial_sync_done on public.plaid_sync_state
  for each row
  when (new.product = 'transactions' and new.initial_sync_done and not old.initial_sync_done)
  execute function private.backfill_balance_history();

-- Corrections: Plaid added, modified or removed posted transactions dated on or before an account's
-- first observation (later ones do not move any estimate). Skipped while the account's item is still in
-- its initial sync (the back-fill at its end covers those); one recompute per affected account.
create or replace function private.correct_balance_history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_users uuid[];
  v_changed uuid[];
  v_earliest date[];
  v_accounts uuid[];
begin
  -- The earliest changed posted date per account, from whichever transition tables this event has.
  if tg_op = 'INSERT' then
    select array_agg(c.user_id), array_agg(c.account_id), array_agg(c.earliest) into v_users, v_changed, v_earliest
    from (select n.user_id, n.account_id, min(n.date) as earliest from new_rows n where not n.pending group by 1, 2) c;
  elsif tg_op = 'DELETE' then
    select array_agg(c.user_id), array_agg(c.account_id), array_agg(c.earliest) into v_users, v_changed, v_earliest
    from (select o.user_id, o.account_id, min(o.date) as earliest from old_rows o where not o.pending group by 1, 2) c;
  else
    select array_agg(c.user_id), array_agg(c.account_id), array_agg(c.earliest) into v_users, v_changed, v_earliest
    from (
      select n.user_id, x.account_id, min(x.date) as earliest
      from old_rows o
      join new_rows n on n.id = o.id
      cross join lateral (values (o.account_id, o.date, o.pending), (n.account_id, n.date, n.pending)) x(account_id, date, pending)
      where (o.amount, o.date, o.pending, o.account_id) is distinct from (n.amount, n.date, n.pending, n.account_id)
        and not x.pending
      group by 1, 2) c;
  end if;
  if v_changed is null then
    return null;
  end if;
  select array_agg(c.account_id) into v_accounts
  from unnest(v_users, v_changed, v_earliest) c(user_id, account_id, earliest)
  join public.accounts a on a.id = c.account_id and a.type in ('depository', 'credit')
  where not exists (
      select 1 from public.plaid_accounts pa
      join public.plaid_sync_state s on s.item_id = pa.item_id and s.product = 'transactions'
      where pa.user_id = c.user_id and pa.account_id = c.account_id and not s.initial_sync_done)
    and c.earliest <= (
      select min(h.date) from public.balance_history h
      where h.user_id = a.user_id and h.account_id = a.id and h.source = 'observed');
  if v_accounts is not null then
    perform private.estimate_balance_history(v_accounts);
  end if;
  return null;
end
$$;
comment on function private.correct_balance_history() is
  'AFTER INSERT/UPDATE/DELETE (statement) on transactions: recomputes the estimated history of accounts whose posted transactions before their first observation changed.';

create trigger transactions_correct_balance_history_insert
  after insert on public.transactions
  referencing new table as new_rows
  for each statement execute function private.correct_balance_history();
create trigger transactions_correct_balance_history_update
  after update on public.transactions
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.correct_balance_history();
create trigger transactions_correct_balance_history_delete
  after delete on public.transactions
  referencing old table as old_rows
  for each statement execute function private.correct_balance_history();

revoke all on function private.record_balance_history(), private.estimate_balance_history(uuid[]),
  private.backfill_balance_history(), private.correct_balance_history()
  from public, anon, authenticated, service_role;

-- Daily series for the charts (security invoker: RLS of the caller applies). A day without a row
-- carries the last known balance forward; p_from null = from the first day with a balance.
create or replace function public.account_balance_history(p_account_id uuid, p_from date, p_to date)
returns table (date date, balance numeric, currency text, estimated boolean)
language sql
stable
security invoker
set search_path = ''
as $$
  with bounds as (
    select coalesce(p_from, (select min(h.date) from public.balance_history h where h.account_id = p_account_id)) as f
  ), pts as (
    select h.date, h.balance, h.currency, h.source
    from public.balance_history h, bounds b
    where h.account_id = p_account_id and h.date > b.f and h.date <= p_to
    union all
    (select b.f, h.balance, h.currency, h.source
     from public.balance_history h, bounds b
     where h.account_id = p_account_id and h.date <= b.f
     order by h.date desc limit 1)
  ), grid as (
    select g.day::date as date, p.balance, p.currency, p.source, count(p.balance) over (order by g.day) as grp
    from bounds b
    cross join lateral generate_series(b.f, p_to, interval '1 day') g(day)
    left join pts p on p.date = g.day
  )
  select g.date, first_value(g.balance) over w, first_value(g.currency) over w, first_value(g.source) over w = 'estimated'
  from grid g
  where g.grp > 0
  window w as (partition by g.grp order by g.date)
  order by g.date
$$;
comment on function public.account_balance_history(uuid, date, date) is
  'One account''s balance for every day from p_from (null: its first day) to p_to, the last known balance carried forward; estimated = walked back from transactions.';

-- Net worth per currency for every day: each account in totals contributes its balance as of that day
-- (carried forward), assets added, liabilities subtracted. Before an account's first balance, that first
-- balance is carried back, so connecting a mortgage today is not a cliff in the chart; a closed account
-- counts until the day it was closed; days before the last account's first observation are marked
-- estimated, as are back-filled ones.
-- Computed from balance changes (one running sum per currency): its cost follows the rows in the
-- window, not accounts × days.
create or replace function public.net_worth_history(p_from date, p_to date)
returns table (date date, currency text, assets numeric, liabilities numeric, net_worth numeric, estimated boolean)
language sql
stable
security invoker
set search_path = ''
as $$
  with acc as (
    select n.account_id, n.is_liability, n.closed_on,
           (select min(h.date) from public.balance_history h where h.account_id = n.account_id) as first_date,
           (select min(h.date) from public.balance_history h where h.account_id = n.account_id and h.source = 'observed') as first_observed
    from public.net_worth_accounts n
    where not n.hidden and not n.exclude_from_totals
  ), bounds as (
    select coalesce(p_from, (select min(acc.first_date) from acc)) as f, (select max(acc.first_observed) from acc) as observed_from
  ), starts as (
    -- Each account's balance on the first day: its last one before, or else its first one (carried back).
    select acc.account_id, acc.is_liability, acc.closed_on, coalesce(l.balance, n.balance) as balance,
           coalesce(l.currency, n.currency) as currency
    from acc
    cross join bounds b
    left join lateral (
      select h.balance, h.currency from public.balance_history h
      where h.account_id = acc.account_id and h.date <= b.f order by h.date desc limit 1) l on true
    left join lateral (
      select h.balance, h.currency from public.balance_history h
      where h.account_id = acc.account_id and h.date > b.f order by h.date limit 1) n on true
    where coalesce(l.balance, n.balance) is not null and (acc.closed_on is null or acc.closed_on > b.f)
  ), changes as (
    -- Every later day, account by account in the primary key's date order (no sort of all rows).
    select d.date, d.currency, s.is_liability, d.balance, d.before, d.before_currency
    from starts s
    cross join bounds b
    cross join lateral (
      select h.date, h.currency, h.balance,
             coalesce(lag(h.balance) over w, s.balance) as before, coalesce(lag(h.currency) over w, s.currency) as before_currency
      from public.balance_history h
      where h.account_id = s.account_id and h.date > b.f and h.date <= p_to and (s.closed_on is null or h.date < s.closed_on)
      window w as (order by h.date)) d
  ), deltas as (
    select b.f as date, s.currency, s.is_liability, s.balance as delta
    from starts s cross join bounds b
    union all
    select c.date, c.currency, c.is_liability, c.balance - case when c.before_currency = c.currency then c.before else 0 end
    from changes c
    union all
    -- A change of currency moves the balance: the old currency loses what the account had in it.
    select c.date, c.before_currency, c.is_liability, -c.before
    from changes c where c.before_currency <> c.currency
    union all
    -- A closed account leaves the totals on the day it was closed, with the balance it had then.
    select s.closed_on, coalesce(last.currency, s.currency), s.is_liability, -coalesce(last.balance, s.balance)
    from starts s
    cross join bounds b
    left join lateral (
      select h.balance, h.currency from public.balance_history h
      where h.account_id = s.account_id and h.date > b.f and h.date < s.closed_on order by h.date desc limit 1) last on true
    where s.closed_on <= p_to
  ), running as (
    select d.date, d.currency,
           sum(coalesce(sum(d.delta) filter (where not d.is_liability), 0)) over w as assets,
           sum(coalesce(sum(d.delta) filter (where d.is_liability), 0)) over w as liabilities
    from deltas d
    group by d.date, d.currency
    window w as (partition by d.currency order by d.date)
  ), spans as (
    -- Each day with a change holds until the next one (or p_to): no day × currency grid to join.
    select r.currency, r.assets, r.liabilities, r.date as first_day,
           coalesce(lead(r.date) over (partition by r.currency order by r.date) - 1, p_to) as last_day
    from running r
  )
  select d.day::date, s.currency, s.assets, s.liabilities, s.assets - s.liabilities,
         d.day < (select b.observed_from from bounds b)
  from spans s
  cross join lateral generate_series(s.first_day, s.last_day, interval '1 day') d(day)
  order by s.currency, d.day
$$;
comment on function public.net_worth_history(date, date) is
  'Net worth per currency for every day from p_from (null: the first day with a balance) to p_to, from the caller''s balance history (accounts in totals), balances carried forward (and an account''s first balance carried back); estimated = a day before every account had an observed balance.';

revoke all on function public.account_balance_history(uuid, date, date), public.net_worth_history(date, date)
  from public, anon, authenticated, service_role;
grant execute on function public.account_balance_history(uuid, date, date), public.net_worth_history(date, date)
  to authenticated, service_role;

-- Transactions explorer --------------------------------------------------------------------------------
-- Search by merchant or name: a trigram GIN index led by user_id (btree_gin), so a search only reads the
-- caller's posting lists. The explorer's queries use exactly this expression.
create index transactions_search_idx on public.transactions
  using gin (user_id, (coalesce(merchant_name, '') || ' ' || name) extensions.gin_trgm_ops);
-- Pending transactions are few: their own index answers "pending only" without walking the history.
create index transactions_user_id_pending_date_idx on public.transactions (user_id, date desc, id desc) where pending;
-- A posted transaction names the pending one it replaces (Plaid's pending_transaction_id).
create index transactions_user_id_pending_transaction_id_idx on public.transactions (user_id, pending_transaction_id)
  where pending_transaction_id is not null;
-- Category filter (personal_finance_category primary) in date order.
create index transactions_user_id_pfc_primary_date_idx on public.transactions (user_id, pfc_primary, date desc, id desc);
