-- The sync engine's page half: each Plaid response is applied with its bookkeeping in one call and one
-- transaction, under the run's lease (private.hold_lease raises NF410 for a run that lost it). A
-- response's accounts go through private.upsert_item_accounts before its rows.

-- A /transactions/sync transaction as apply_transactions_page reads it: Plaid's field names, the
-- types they are stored as. The engine sends a page's transactions with exactly these fields
-- (PAGE_TRANSACTION_FIELDS in _shared/sync/transactions.ts; tests/sync/page-fields.test.ts).
create type private.plaid_transaction as (
  transaction_id text, account_id text, amount numeric, iso_currency_code text, unofficial_currency_code text,
  date date, authorized_date date, datetime timestamptz, authorized_datetime timestamptz, name text,
  merchant_name text, merchant_entity_id text, logo_url text, website text, pending boolean,
  pending_transaction_id text, personal_finance_category jsonb, payment_channel text, transaction_code text,
  original_description text, check_number text, location jsonb, counterparties jsonb
);
comment on type private.plaid_transaction is 'A /transactions/sync transaction as private.apply_transactions_page reads it.';

-- One /transactions/sync page, applied with its cursor in one transaction (one round trip). p_page is
-- Plaid's response, its transactions projected by the engine to the fields read here (names and
-- shapes as Plaid sends them; null fields left out, read as null). The cursor only ever moves
-- together with its data. Shaped for bulk speed: one set-based upsert of the page's added and
-- modified rows, one delete, one update of the state row (which also extends the lease), and the
-- accounts only when the page brings one not mapped yet (before its transactions) or ends the loop
-- (its balances).
create or replace function private.apply_transactions_page(
  p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_page jsonb, p_loop_start_cursor text, p_lease_seconds integer
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid;
  v_has_more boolean := coalesce((p_page ->> 'has_more')::boolean, false);
  v_added jsonb := private.jsonb_list(p_page -> 'added');
  v_modified jsonb := private.jsonb_list(p_page -> 'modified');
  v_removed jsonb := private.jsonb_list(p_page -> 'removed');
  v_accounts jsonb := p_page -> 'accounts';
  v_inserted integer := 0;
  v_deleted integer := 0;
begin
  -- A page and its cursor commit together, so this transaction need not wait for its WAL to reach
  -- disk: should the server crash first, both are lost together and the page is fetched again (the
  -- cursor is never ahead of the data); finish_sync's commit makes the whole run durable.
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  -- The run's lease, checked with the state row locked (private.hold_lease's check; the state update
  -- below extends the lease, so the row gets one new version per page).
  select s.user_id into v_user from public.plaid_sync_state s
  where s.item_id = p_item_id and s.product = 'transactions' and s.lease_id = p_lease_id and s.lease_expires_at > now()
  for update;
  if not found then
    raise exception 'sync lease % for item % (transactions) is no longer held', p_lease_id, p_item_id using errcode = 'NF410';
  end if;

  -- Accounts: a new one is mapped before its transactions; balances are written with the loop's last
  -- page (every page repeats them; the exchange stored them first).
  if not v_has_more or exists (
    select 1 from jsonb_array_elements(private.jsonb_list(v_accounts)) a
    where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')
  ) then
    perform private.upsert_item_accounts(p_item_id, v_user, v_accounts);
  end if;

  with rows as (
    select * from jsonb_populate_recordset(null::private.plaid_transaction, v_added)
    union all
    select * from jsonb_populate_recordset(null::private.plaid_transaction, v_modified)
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
    -- Only accounts this item feeds: a duplicate (account_id null) is fed by another connection.
    join public.plaid_accounts pa on pa.plaid_account_id = r.account_id and pa.user_id = v_user and pa.item_id = p_item_id
      and pa.account_id is not null
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

  if jsonb_array_length(v_removed) > 0 then
    delete from public.transactions t
    using jsonb_to_recordset(v_removed) as r(transaction_id text)
    where t.user_id = v_user and t.item_id = p_item_id and t.plaid_transaction_id = r.transaction_id;
    get diagnostics v_deleted = row_count;
  end if;

  update public.plaid_sync_state s set
    lease_expires_at = now() + make_interval(secs => p_lease_seconds),
    cursor = p_page ->> 'next_cursor',
    has_more = v_has_more,
    -- Kept while a pagination loop is open: Plaid's restart point after a mutation during pagination.
    loop_start_cursor = case when v_has_more then p_loop_start_cursor end,
    transactions_total = greatest(0, s.transactions_total + v_inserted - v_deleted),
    -- The initial import is done only when Plaid has the whole history: a new Item's first pages answer
    -- NOT_READY (no data) and then INITIAL_UPDATE_COMPLETE (30 days), each without has_more (Plaid's
    -- Transactions guide). TRANSACTIONS_UPDATE_STATUS_UNKNOWN means Plaid will tell nothing more; a page
    -- without the field (older API versions) counts as complete.
    initial_sync_done = s.initial_sync_done or (not v_has_more
      and coalesce(p_page ->> 'transactions_update_status', 'HISTORICAL_UPDATE_COMPLETE')
          in ('HISTORICAL_UPDATE_COMPLETE', 'TRANSACTIONS_UPDATE_STATUS_UNKNOWN'))
  where s.item_id = p_item_id and s.product = 'transactions';

  update public.sync_runs r set added = r.added + jsonb_array_length(v_added),
    modified = r.modified + jsonb_array_length(v_modified), removed = r.removed + jsonb_array_length(v_removed),
    pages = r.pages + 1, plaid_request_ids = r.plaid_request_ids || array[p_page ->> 'request_id']
  where r.id = p_run_id;

  return jsonb_build_object('has_more', v_has_more, 'next_cursor', p_page ->> 'next_cursor',
    'added', jsonb_array_length(v_added), 'modified', jsonb_array_length(v_modified),
    'removed', jsonb_array_length(v_removed), 'stored', v_inserted - v_deleted);
end
$$;
comment on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) is
  'Applies one /transactions/sync page (upserts, deletes, new accounts; balances with the loop''s last page) and advances the cursor in one transaction, under the run''s lease; the initial import is done once Plaid reports HISTORICAL_UPDATE_COMPLETE.';
revoke all on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) to service_role;

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
    select 'credit' as kind, x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'credit')) x
    union all
    select 'mortgage', x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'mortgage')) x
    union all
    select 'student', x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'student')) x
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
      and pa.account_id is not null
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
        private.jsonb_list(p_response -> 'liabilities' -> 'credit') || private.jsonb_list(p_response -> 'liabilities' -> 'mortgage')
        || private.jsonb_list(p_response -> 'liabilities' -> 'student')) x) seen on seen.id = pa.plaid_account_id
      where pa.user_id = v_user and pa.item_id = p_item_id);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;
revoke all on function private.apply_liabilities(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_liabilities(uuid, uuid, uuid, jsonb, integer) to service_role;

-- Securities as an investments response describes them (upserted per item).
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
  from jsonb_array_elements(private.jsonb_list(p_securities)) x
  on conflict (item_id, plaid_security_id) do update set name = excluded.name, ticker_symbol = excluded.ticker_symbol,
    type = excluded.type, is_cash_equivalent = excluded.is_cash_equivalent, close_price = excluded.close_price,
    close_price_as_of = excluded.close_price_as_of, iso_currency_code = excluded.iso_currency_code,
    unofficial_currency_code = excluded.unofficial_currency_code, details = excluded.details
  where s.user_id = excluded.user_id;
$$;
revoke all on function private.upsert_securities(uuid, uuid, jsonb) from public, anon, authenticated, service_role;

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
    from jsonb_to_recordset(private.jsonb_list(p_response -> 'holdings')) as x(account_id text, security_id text,
      quantity numeric, institution_price numeric, institution_price_as_of date, institution_value numeric,
      cost_basis numeric, vested_quantity numeric, vested_value numeric, iso_currency_code text, unofficial_currency_code text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.user_id = v_user and pa.item_id = p_item_id
      and pa.account_id is not null
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
    select 1 from jsonb_to_recordset(private.jsonb_list(p_response -> 'holdings')) as x(account_id text, security_id text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.item_id = p_item_id
    join public.securities s on s.item_id = p_item_id and s.plaid_security_id = x.security_id
    where pa.account_id = h.account_id and s.id = h.security_id);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;
revoke all on function private.apply_holdings(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_holdings(uuid, uuid, uuid, jsonb, integer) to service_role;

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
    from jsonb_to_recordset(private.jsonb_list(p_response -> 'investment_transactions')) as x(
      investment_transaction_id text, account_id text, security_id text, date date, name text, quantity numeric,
      amount numeric, price numeric, fees numeric, type text, subtype text, iso_currency_code text,
      unofficial_currency_code text)
    join public.plaid_accounts pa on pa.plaid_account_id = x.account_id and pa.user_id = v_user and pa.item_id = p_item_id
      and pa.account_id is not null
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
revoke all on function private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer) to service_role;
