-- The sync engine's SQL half (docs/sync.md). Every sync request is database state: exchange, webhook,
-- "Sync now" and the schedule all call private.request_sync, which records the request and, when no
-- run holds the item's lease, calls plaid-sync through pg_net with the project URL and secret key
-- from Vault (Supabase's scheduling recipe). A run holds a lease (fencing token) per item and product;
-- each page of data is written together with its cursor by one call, and a write carrying a stale
-- lease is refused, so a run that was presumed dead can never overwrite a newer one.

-- Custom SQLSTATE: the caller's lease is no longer the item's (expired and taken over).
-- 'NF410' is mapped to the run outcome 'superseded' by the engine.

-- The last pg_net call made for this item and product: with net._http_response it tells whether the
-- call was answered (plaid-sync answers only after it has taken the lease or coalesced the request),
-- so the sweep and support can see a lost call.
alter table public.plaid_sync_state
  add column last_dispatch_id bigint,
  add column last_dispatched_at timestamptz;
comment on column public.plaid_sync_state.last_dispatch_id is
  'pg_net request id of the last plaid-sync call for this item and product (see net._http_response).';

create or replace function private.dispatch_sync(p_item_id uuid, p_product text, p_trigger text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
  v_request bigint;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'secret_key';
  if v_url is null or v_key is null then
    raise warning 'plaid-sync not called: set the Vault secrets project_url and secret_key (README, Deploy)';
    return null;
  end if;
  -- Sent after commit (nothing is sent if the caller rolls back). plaid-sync answers 202 at once.
  v_request := net.http_post(
    url := v_url || '/functions/v1/plaid-sync',
    headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
    body := jsonb_build_object('item_id', p_item_id, 'product', p_product, 'trigger', p_trigger),
    timeout_milliseconds := 10000);
  update public.plaid_sync_state s set last_dispatch_id = v_request, last_dispatched_at = now()
  where s.item_id = p_item_id and s.product = p_product;
  return v_request;
end
$$;
comment on function private.dispatch_sync(uuid, text, text) is
  'Calls plaid-sync for one item and product through pg_net (after commit). Returns the pg_net request id.';

create or replace function private.item_is_syncable(p_status text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  -- Items that need the user (update mode) are not retried until repaired.
  select p_status in ('healthy', 'pending_expiration', 'pending_disconnect')
$$;

create or replace function private.request_sync(p_item_id uuid, p_product text, p_trigger text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found then
    return false;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id, requested_at)
  select i.id, p_product, i.user_id, now() from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do update
    set requested_at = coalesce(s.requested_at, now()),
        -- A fresh request from a person or Plaid is worth trying now, whatever the backoff said.
        next_attempt_at = case when p_trigger in ('manual', 'webhook', 'initial') then null else s.next_attempt_at end,
        rerun_requested = s.rerun_requested or (s.lease_id is not null and s.lease_expires_at > now())
  returning * into v_state;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    return false; -- the running pass picks it up (rerun_requested)
  end if;
  if not private.item_is_syncable(v_status) then
    return false;
  end if;
  perform private.dispatch_sync(p_item_id, p_product, p_trigger);
  return true;
end
$$;
comment on function private.request_sync(uuid, text, text) is
  'Records a sync request for an item and product; dispatches plaid-sync unless a run holds the lease (then one more pass follows) or the item needs the user. True when dispatched.';

-- Takes the lease for one item and product. Returns no row when another run holds a live lease (the
-- request is then coalesced into one more pass of that run) or the item needs the user.
create or replace function private.claim_sync(p_item_id uuid, p_product text, p_trigger text, p_lease_seconds integer)
returns table (lease_id uuid, run_id uuid, user_id uuid, cursor text, loop_start_cursor text, has_more boolean,
               initial_sync_done boolean, access_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
  v_lease uuid := gen_random_uuid();
  v_run uuid;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found or not private.item_is_syncable(v_status) then
    return;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id)
  select i.id, p_product, i.user_id from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do nothing;
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    update public.plaid_sync_state s set rerun_requested = true where s.item_id = p_item_id and s.product = p_product;
    return;
  end if;
  if v_state.lease_id is not null then
    -- The previous holder's lease expired (crashed or killed run): its run record says so.
    update public.sync_runs r set outcome = 'superseded', finished_at = greatest(now(), r.started_at)
    where r.item_id = p_item_id and r.product = p_product and r.lease_id = v_state.lease_id and r.outcome = 'running';
  end if;
  update public.plaid_sync_state s
  set lease_id = v_lease, lease_expires_at = now() + make_interval(secs => p_lease_seconds), running_since = now(),
      rerun_requested = false
  where s.item_id = p_item_id and s.product = p_product;
  insert into public.sync_runs (user_id, item_id, product, trigger, lease_id)
  values (v_state.user_id, p_item_id, p_product, p_trigger, v_lease)
  returning id into v_run;
  -- The token comes with the lease: one round trip fewer per run (a no-change sync costs three).
  return query select v_lease, v_run, v_state.user_id, v_state.cursor, v_state.loop_start_cursor, v_state.has_more,
    v_state.initial_sync_done, private.read_item_access_token(p_item_id);
end
$$;
comment on function private.claim_sync(uuid, text, text, integer) is
  'Takes the item/product sync lease, opens a sync_runs row and returns the cursor state and access token; no row when a live lease exists (then rerun_requested) or the item needs the user.';

-- Locks the item's state row for a write of the run holding p_lease_id, extending the lease
-- (heartbeat). Raises NF410 when the lease is no longer this run's.
create or replace function private.hold_lease(p_item_id uuid, p_product text, p_lease_id uuid, p_lease_seconds integer)
returns public.plaid_sync_state
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
begin
  select * into v_state from public.plaid_sync_state s
  where s.item_id = p_item_id and s.product = p_product for update;
  if not found or v_state.lease_id is distinct from p_lease_id or v_state.lease_expires_at <= now() then
    raise exception 'sync lease % for item % (%) is no longer held', p_lease_id, p_item_id, p_product using errcode = 'NF410';
  end if;
  update public.plaid_sync_state s set lease_expires_at = now() + make_interval(secs => p_lease_seconds)
  where s.item_id = p_item_id and s.product = p_product;
  return v_state;
end
$$;

-- Creates the Nestfolio account and mapping for Plaid accounts this item does not have yet, and
-- writes balances for all of them. p_accounts is Plaid's AccountBase array.
create or replace function private.upsert_item_accounts(p_item_id uuid, p_user_id uuid, p_accounts jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_account jsonb;
  v_account_id uuid;
begin
  for v_account in
    select a from jsonb_array_elements(coalesce(p_accounts, '[]'::jsonb)) a
    where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')
  loop
    insert into public.accounts (user_id, source, name, type, subtype, currency, unofficial_currency_code)
    values (p_user_id, 'plaid', v_account ->> 'name', v_account ->> 'type', v_account ->> 'subtype',
            v_account -> 'balances' ->> 'iso_currency_code', v_account -> 'balances' ->> 'unofficial_currency_code')
    returning id into v_account_id;
    insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, persistent_account_id, mask,
                                       official_name, type, subtype)
    values (p_user_id, p_item_id, v_account_id, v_account ->> 'account_id', v_account ->> 'persistent_account_id',
            v_account ->> 'mask', v_account ->> 'official_name', v_account ->> 'type', v_account ->> 'subtype');
  end loop;
  update public.accounts a
  set current_balance = (b.balances ->> 'current')::numeric,
      available_balance = (b.balances ->> 'available')::numeric,
      credit_limit = (b.balances ->> 'limit')::numeric,
      currency = b.balances ->> 'iso_currency_code',
      unofficial_currency_code = b.balances ->> 'unofficial_currency_code',
      balance_updated_at = now()
  from public.plaid_accounts pa
  join jsonb_to_recordset(coalesce(p_accounts, '[]'::jsonb)) as b(account_id text, balances jsonb) on b.account_id = pa.plaid_account_id
  where pa.user_id = p_user_id and pa.item_id = p_item_id and a.user_id = p_user_id and a.id = pa.account_id;
end
$$;

-- One /transactions/sync page, applied with its cursor in one transaction (one round trip).
-- p_page is Plaid's response as received. The cursor only ever moves together with its data.
create or replace function private.apply_transactions_page(
  p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_page jsonb, p_loop_start_cursor text, p_lease_seconds integer
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state := private.hold_lease(p_item_id, 'transactions', p_lease_id, p_lease_seconds);
  v_user uuid := v_state.user_id;
  v_has_more boolean := coalesce((p_page ->> 'has_more')::boolean, false);
  v_inserted integer := 0;
  v_deleted integer := 0;
  v_added integer := jsonb_array_length(coalesce(p_page -> 'added', '[]'::jsonb));
  v_modified integer := jsonb_array_length(coalesce(p_page -> 'modified', '[]'::jsonb));
  v_removed integer := jsonb_array_length(coalesce(p_page -> 'removed', '[]'::jsonb));
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_page -> 'accounts');

  with rows as (
    select t.* from jsonb_to_recordset(coalesce(p_page -> 'added', '[]'::jsonb) || coalesce(p_page -> 'modified', '[]'::jsonb))
      as t(transaction_id text, account_id text, amount numeric, iso_currency_code text, unofficial_currency_code text,
           date date, authorized_date date, datetime timestamptz, authorized_datetime timestamptz, name text,
           merchant_name text, merchant_entity_id text, logo_url text, website text, pending boolean,
           pending_transaction_id text, personal_finance_category jsonb, payment_channel text, transaction_code text,
           original_description text, check_number text, location jsonb, counterparties jsonb)
  ), upserted as (
    insert into public.transactions as tx (user_id, account_id, item_id, plaid_transaction_id, amount, iso_currency_code,
      unofficial_currency_code, date, authorized_date, datetime, authorized_datetime, name, merchant_name,
      merchant_entity_id, logo_url, website, pending, pending_transaction_id, pfc_primary, pfc_detailed, pfc_confidence,
      payment_channel, transaction_code, original_description, check_number, location, counterparties)
    select v_user, pa.account_id, p_item_id, r.transaction_id, r.amount, r.iso_currency_code, r.unofficial_currency_code,
      r.date, r.authorized_date, r.datetime, r.authorized_datetime, r.name, r.merchant_name, r.merchant_entity_id,
      r.logo_url, r.website, coalesce(r.pending, false), r.pending_transaction_id,
      r.personal_finance_category ->> 'primary', r.personal_finance_category ->> 'detailed',
      r.personal_finance_category ->> 'confidence_level', r.payment_channel, r.transaction_code, r.original_description,
      r.check_number, r.location, r.counterparties
    from rows r
    join public.plaid_accounts pa on pa.plaid_account_id = r.account_id and pa.user_id = v_user and pa.item_id = p_item_id
    on conflict (plaid_transaction_id) do update set
      account_id = excluded.account_id, amount = excluded.amount, iso_currency_code = excluded.iso_currency_code,
      unofficial_currency_code = excluded.unofficial_currency_code, date = excluded.date,
      authorized_date = excluded.authorized_date, datetime = excluded.datetime,
      authorized_datetime = excluded.authorized_datetime, name = excluded.name, merchant_name = excluded.merchant_name,
      merchant_entity_id = excluded.merchant_entity_id, logo_url = excluded.logo_url, website = excluded.website,
      pending = excluded.pending, pending_transaction_id = excluded.pending_transaction_id,
      pfc_primary = excluded.pfc_primary, pfc_detailed = excluded.pfc_detailed, pfc_confidence = excluded.pfc_confidence,
      payment_channel = excluded.payment_channel, transaction_code = excluded.transaction_code,
      original_description = excluded.original_description, check_number = excluded.check_number,
      location = excluded.location, counterparties = excluded.counterparties
    -- A Plaid id belongs to one user's item: never let another item's data overwrite a row.
    where tx.user_id = excluded.user_id and tx.item_id is not distinct from excluded.item_id
    returning (xmax = 0) as inserted
  )
  select count(*) filter (where inserted) into v_inserted from upserted;

  delete from public.transactions t
  using jsonb_to_recordset(coalesce(p_page -> 'removed', '[]'::jsonb)) as r(transaction_id text)
  where t.user_id = v_user and t.item_id = p_item_id and t.plaid_transaction_id = r.transaction_id;
  get diagnostics v_deleted = row_count;

  update public.plaid_sync_state s set
    cursor = p_page ->> 'next_cursor',
    has_more = v_has_more,
    -- Kept while a pagination loop is open: Plaid's restart point after a mutation during pagination.
    loop_start_cursor = case when v_has_more then p_loop_start_cursor end,
    transactions_total = greatest(0, s.transactions_total + v_inserted - v_deleted),
    initial_sync_done = s.initial_sync_done or not v_has_more
  where s.item_id = p_item_id and s.product = 'transactions';

  update public.sync_runs r set added = r.added + v_added, modified = r.modified + v_modified,
    removed = r.removed + v_removed, pages = r.pages + 1,
    plaid_request_ids = r.plaid_request_ids || array[p_page ->> 'request_id']
  where r.id = p_run_id;

  return jsonb_build_object('has_more', v_has_more, 'next_cursor', p_page ->> 'next_cursor',
    'added', v_added, 'modified', v_modified, 'removed', v_removed, 'stored', v_inserted - v_deleted);
end
$$;
comment on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) is
  'Applies one /transactions/sync page (upserts, deletes, balances, new accounts) and advances the cursor in one transaction, under the run''s lease.';

-- Liabilities: the full current set for the item's credit and loan accounts.
create or replace function private.apply_liabilities(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'liabilities', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  with l as (
    select 'credit' as kind, x from jsonb_array_elements(coalesce(p_response -> 'liabilities' -> 'credit', '[]'::jsonb)) x
    union all
    select 'mortgage', x from jsonb_array_elements(coalesce(p_response -> 'liabilities' -> 'mortgage', '[]'::jsonb)) x
    union all
    select 'student', x from jsonb_array_elements(coalesce(p_response -> 'liabilities' -> 'student', '[]'::jsonb)) x
  ), upserted as (
    insert into public.liabilities as li (user_id, item_id, account_id, kind, last_payment_amount, last_payment_date,
      next_payment_due_date, minimum_payment_amount, last_statement_balance, last_statement_issue_date, is_overdue,
      origination_date, origination_principal_amount, interest_rate_percentage, outstanding_interest_amount,
      past_due_amount, ytd_interest_paid, ytd_principal_paid, maturity_date, details)
    select v_user, p_item_id, pa.account_id, l.kind,
      (l.x ->> 'last_payment_amount')::numeric, (l.x ->> 'last_payment_date')::date,
      (l.x ->> 'next_payment_due_date')::date,
      coalesce(l.x ->> 'minimum_payment_amount', l.x ->> 'next_monthly_payment')::numeric,
      (l.x ->> 'last_statement_balance')::numeric, (l.x ->> 'last_statement_issue_date')::date,
      (l.x ->> 'is_overdue')::boolean, (l.x ->> 'origination_date')::date,
      (l.x ->> 'origination_principal_amount')::numeric,
      coalesce(l.x -> 'interest_rate' ->> 'percentage', l.x ->> 'interest_rate_percentage')::numeric,
      (l.x ->> 'outstanding_interest_amount')::numeric, (l.x ->> 'past_due_amount')::numeric,
      (l.x ->> 'ytd_interest_paid')::numeric, (l.x ->> 'ytd_principal_paid')::numeric,
      coalesce(l.x ->> 'maturity_date', l.x ->> 'expected_payoff_date')::date, l.x
    from l join public.plaid_accounts pa on pa.plaid_account_id = l.x ->> 'account_id' and pa.user_id = v_user and pa.item_id = p_item_id
    on conflict (account_id) do update set kind = excluded.kind, last_payment_amount = excluded.last_payment_amount,
      last_payment_date = excluded.last_payment_date, next_payment_due_date = excluded.next_payment_due_date,
      minimum_payment_amount = excluded.minimum_payment_amount, last_statement_balance = excluded.last_statement_balance,
      last_statement_issue_date = excluded.last_statement_issue_date, is_overdue = excluded.is_overdue,
      origination_date = excluded.origination_date, origination_principal_amount = excluded.origination_principal_amount,
      interest_rate_percentage = excluded.interest_rate_percentage,
      outstanding_interest_amount = excluded.outstanding_interest_amount, past_due_amount = excluded.past_due_amount,
      ytd_interest_paid = excluded.ytd_interest_paid, ytd_principal_paid = excluded.ytd_principal_paid,
      maturity_date = excluded.maturity_date, details = excluded.details
    where li.user_id = excluded.user_id
    returning li.account_id
  )
  select count(*) into v_count from upserted;
  delete from public.liabilities li
  where li.user_id = v_user and li.item_id = p_item_id
    and li.account_id not in (select pa.account_id from public.plaid_accounts pa
      join (select x ->> 'account_id' as id from jsonb_array_elements(
        coalesce(p_response -> 'liabilities' -> 'credit', '[]'::jsonb) || coalesce(p_response -> 'liabilities' -> 'mortgage', '[]'::jsonb)
        || coalesce(p_response -> 'liabilities' -> 'student', '[]'::jsonb)) x) seen on seen.id = pa.plaid_account_id
      where pa.user_id = v_user and pa.item_id = p_item_id);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;

-- Investments: securities and holdings (the full current set) from /investments/holdings/get.
create or replace function private.apply_holdings(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'investments', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  perform private.upsert_securities(p_item_id, v_user, p_response -> 'securities');
  with upserted as (
    insert into public.holdings as h (user_id, item_id, account_id, security_id, quantity, institution_price,
      institution_price_as_of, institution_value, cost_basis, vested_quantity, vested_value, iso_currency_code,
      unofficial_currency_code)
    select v_user, p_item_id, pa.account_id, s.id, x.quantity, x.institution_price, x.institution_price_as_of,
      x.institution_value, x.cost_basis, x.vested_quantity, x.vested_value, x.iso_currency_code, x.unofficial_currency_code
    from jsonb_to_recordset(coalesce(p_response -> 'holdings', '[]'::jsonb)) as x(account_id text, security_id text,
      quantity numeric, institution_price numeric, institution_price_as_of date, institution_value numeric,
      cost_basis numeric, vested_quantity numeric, vested_value numeric, iso_currency_code text, unofficial_currency_code text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.user_id = v_user and pa.item_id = p_item_id
    join public.securities s on s.item_id = p_item_id and s.plaid_security_id = x.security_id
    on conflict (account_id, security_id) do update set quantity = excluded.quantity,
      institution_price = excluded.institution_price, institution_price_as_of = excluded.institution_price_as_of,
      institution_value = excluded.institution_value, cost_basis = excluded.cost_basis,
      vested_quantity = excluded.vested_quantity, vested_value = excluded.vested_value,
      iso_currency_code = excluded.iso_currency_code, unofficial_currency_code = excluded.unofficial_currency_code
    where h.user_id = excluded.user_id
    returning h.id
  )
  select count(*) into v_count from upserted;
  -- Positions Plaid no longer reports are closed.
  delete from public.holdings h
  where h.user_id = v_user and h.item_id = p_item_id and not exists (
    select 1 from jsonb_to_recordset(coalesce(p_response -> 'holdings', '[]'::jsonb)) as x(account_id text, security_id text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.item_id = p_item_id
    join public.securities s on s.item_id = p_item_id and s.plaid_security_id = x.security_id
    where pa.account_id = h.account_id and s.id = h.security_id);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;

create or replace function private.upsert_securities(p_item_id uuid, p_user_id uuid, p_securities jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.securities as s (user_id, item_id, plaid_security_id, name, ticker_symbol, type, is_cash_equivalent,
    isin, cusip, institution_security_id, institution_id, proxy_security_id, market_identifier_code, sector, industry,
    close_price, close_price_as_of, iso_currency_code, unofficial_currency_code, details)
  select p_user_id, p_item_id, x ->> 'security_id', x ->> 'name', x ->> 'ticker_symbol', x ->> 'type',
    (x ->> 'is_cash_equivalent')::boolean, x ->> 'isin', x ->> 'cusip', x ->> 'institution_security_id',
    x ->> 'institution_id', x ->> 'proxy_security_id', x ->> 'market_identifier_code', x ->> 'sector', x ->> 'industry',
    (x ->> 'close_price')::numeric, (x ->> 'close_price_as_of')::date, x ->> 'iso_currency_code',
    x ->> 'unofficial_currency_code',
    jsonb_strip_nulls(jsonb_build_object('option_contract', x -> 'option_contract', 'fixed_income', x -> 'fixed_income'))
  from jsonb_array_elements(coalesce(p_securities, '[]'::jsonb)) x
  on conflict (item_id, plaid_security_id) do update set name = excluded.name, ticker_symbol = excluded.ticker_symbol,
    type = excluded.type, is_cash_equivalent = excluded.is_cash_equivalent, close_price = excluded.close_price,
    close_price_as_of = excluded.close_price_as_of, iso_currency_code = excluded.iso_currency_code,
    unofficial_currency_code = excluded.unofficial_currency_code, details = excluded.details
  where s.user_id = excluded.user_id;
$$;

-- One page of /investments/transactions/get (offset pagination), upserted by Plaid's id.
create or replace function private.apply_investment_transactions(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'investments', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  perform private.upsert_securities(p_item_id, v_user, p_response -> 'securities');
  with upserted as (
    insert into public.investment_transactions as it (user_id, item_id, account_id, security_id,
      plaid_investment_transaction_id, date, name, quantity, amount, price, fees, type, subtype, iso_currency_code,
      unofficial_currency_code)
    select v_user, p_item_id, pa.account_id, s.id, x.investment_transaction_id, x.date, x.name, x.quantity, x.amount,
      x.price, x.fees, x.type, x.subtype, x.iso_currency_code, x.unofficial_currency_code
    from jsonb_to_recordset(coalesce(p_response -> 'investment_transactions', '[]'::jsonb)) as x(
      investment_transaction_id text, account_id text, security_id text, date date, name text, quantity numeric,
      amount numeric, price numeric, fees numeric, type text, subtype text, iso_currency_code text,
      unofficial_currency_code text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.user_id = v_user and pa.item_id = p_item_id
    left join public.securities s on s.item_id = p_item_id and s.plaid_security_id = x.security_id
    on conflict (plaid_investment_transaction_id) do update set account_id = excluded.account_id,
      security_id = excluded.security_id, date = excluded.date, name = excluded.name, quantity = excluded.quantity,
      amount = excluded.amount, price = excluded.price, fees = excluded.fees, type = excluded.type,
      subtype = excluded.subtype, iso_currency_code = excluded.iso_currency_code,
      unofficial_currency_code = excluded.unofficial_currency_code
    where it.user_id = excluded.user_id
    returning it.id
  )
  select count(*) into v_count from upserted;
  update public.sync_runs r set pages = r.pages + 1, added = r.added + v_count,
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;

-- Ends a run. p_outcome: succeeded | continued (budget used up: a follow-up invocation is dispatched)
-- | failed (p_item_status set for item errors that need the user; otherwise transient, retried with
-- backoff) | superseded. Returns true when another pass was requested while this one ran.
create or replace function private.finish_sync(
  p_item_id uuid, p_product text, p_lease_id uuid, p_run_id uuid, p_outcome text, p_error jsonb, p_item_status text
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_rerun boolean;
begin
  update public.sync_runs r set outcome = p_outcome, finished_at = greatest(now(), r.started_at),
    error = p_error, error_code = p_error ->> 'error_code'
  where r.id = p_run_id and r.outcome = 'running';
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  if not found or v_state.lease_id is distinct from p_lease_id then
    return false; -- superseded: the state belongs to another run now
  end if;
  v_rerun := v_state.rerun_requested;
  update public.plaid_sync_state s set
    lease_id = null, lease_expires_at = null, running_since = null, rerun_requested = false,
    last_synced_at = case when p_outcome = 'succeeded' then now() else s.last_synced_at end,
    requested_at = case
      when p_outcome = 'succeeded' and not v_rerun then null
      when p_outcome = 'succeeded' then now()
      else coalesce(s.requested_at, now()) end,
    attempts = case when p_outcome = 'failed' and p_item_status is null then s.attempts + 1
                    when p_outcome in ('succeeded', 'continued') then 0 else s.attempts end,
    -- Transient failures back off exponentially: 1, 2, 4, ... minutes, at most 6 hours.
    next_attempt_at = case when p_outcome = 'failed' and p_item_status is null
      then now() + least(interval '6 hours', interval '1 minute' * power(2, s.attempts)) else null end,
    last_error = case when p_outcome = 'failed' then p_error when p_outcome = 'succeeded' then null else s.last_error end,
    last_error_at = case when p_outcome = 'failed' then now() else s.last_error_at end
  where s.item_id = p_item_id and s.product = p_product;
  if p_item_status is not null then
    update public.plaid_items i set status = p_item_status, error = p_error, error_code = p_error ->> 'error_code'
    where i.id = p_item_id;
  elsif p_outcome = 'succeeded' then
    update public.plaid_items i set status = 'healthy', error = null, error_code = null
    where i.id = p_item_id and i.status = 'error';
  end if;
  if p_outcome = 'continued' then
    perform private.dispatch_sync(p_item_id, p_product, 'follow_up');
  end if;
  return v_rerun and p_outcome = 'succeeded';
end
$$;
comment on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text) is
  'Releases the run''s lease and records its outcome (retry backoff, item status, follow-up dispatch). True when one more pass is due.';

-- The initial sync is requested in the exchange's transaction; dispatch it after that commit too.
create or replace function private.dispatch_requested_syncs(p_item_id uuid, p_trigger text)
returns integer
language sql
security definer
set search_path = ''
as $$
  select count(private.dispatch_sync(s.item_id, s.product, p_trigger))::integer
  from public.plaid_sync_state s where s.item_id = p_item_id and s.requested_at is not null;
$$;

revoke all on function private.dispatch_sync(uuid, text, text), private.item_is_syncable(text),
  private.request_sync(uuid, text, text), private.claim_sync(uuid, text, text, integer),
  private.hold_lease(uuid, text, uuid, integer), private.upsert_item_accounts(uuid, uuid, jsonb),
  private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer),
  private.apply_liabilities(uuid, uuid, uuid, jsonb, integer), private.apply_holdings(uuid, uuid, uuid, jsonb, integer),
  private.upsert_securities(uuid, uuid, jsonb), private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer),
  private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text), private.dispatch_requested_syncs(uuid, text)
  from public, anon, authenticated;
grant execute on function private.request_sync(uuid, text, text), private.dispatch_sync(uuid, text, text),
  private.claim_sync(uuid, text, text, integer), private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer),
  private.apply_liabilities(uuid, uuid, uuid, jsonb, integer), private.apply_holdings(uuid, uuid, uuid, jsonb, integer),
  private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer),
  private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text), private.dispatch_requested_syncs(uuid, text)
  to service_role;
