-- The sync engine's page half: each Plaid response is applied with its bookkeeping in one call and one
-- transaction, under the run's lease (private.hold_lease raises NF410 for a run that lost it). A
-- response's accounts go through private.upsert_item_accounts before its rows.

-- A /transactions/sync transaction as apply_transactions_page reads it: Plaid's field names, the
-- types they are stored as (dates and date-times as Plaid's text, which the function checks for
-- Plaid's format before the cast: the casts would also take 'yesterday'). The engine sends a page's
-- transactions with exactly these fields (PAGE_TRANSACTION_FIELDS in _shared/sync/transactions.ts;
-- tests/sync/page-fields.test.ts).
create type private.plaid_transaction as (
  transaction_id text, account_id text, amount numeric, iso_currency_code text, unofficial_currency_code text,
  date text, authorized_date text, datetime text, authorized_datetime text, name text,
  merchant_name text, merchant_entity_id text, logo_url text, website text, pending boolean,
  pending_transaction_id text, personal_finance_category jsonb, payment_channel text, transaction_code text,
  original_description text, check_number text, location jsonb, counterparties jsonb
);
comment on type private.plaid_transaction is 'A /transactions/sync transaction as private.apply_transactions_page reads it.';

-- What a Plaid transaction needs to be stored as sent (the kinds of private.record_problem).
create or replace function private.transaction_fields()
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"transaction_id": "id!", "account_id": "id!", "amount": "number!", "date": "date!", "name": "text!",
    "authorized_date": "date", "datetime": "datetime", "authorized_datetime": "datetime", "pending": "boolean",
    "iso_currency_code": "currency", "unofficial_currency_code": "unofficial_currency",
    "payment_channel": "one of online, in store, other", "personal_finance_category": "object", "location": "object",
    "counterparties": "array"}'::jsonb
$$;
comment on function private.transaction_fields() is 'The fields a Plaid transaction needs to be stored (private.classify_records).';
revoke all on function private.transaction_fields() from public, anon, authenticated, service_role;

-- The fast path's gate: one jsonpath over a whole JSON array of transactions (one call, in C, per
-- list) that finds a record that is not an object or has a field of the wrong JSON type (the casts
-- into private.plaid_transaction take "12.50" for a number, 42 for text, "true" for true). A missing
-- field passes (a required one then fails NOT NULL). With the format checks of the dates, the casts
-- and the constraints of public.transactions, the fast path refuses what transaction_fields() does;
-- matching every record against the full rules would cost several times more: those only word a
-- refusal, on the careful path.
create or replace function private.transactions_gate()
returns jsonpath
language sql
immutable
set search_path = ''
as $$
  select 'lax $[*] ? (@.type() != "object" || @.transaction_id.type() != "string" || @.account_id.type() != "string"
    || @.amount.type() != "number" || @.name.type() != "string" || @.pending.type() != "boolean"
    || @.personal_finance_category.type() != "object")'::jsonpath
$$;
revoke all on function private.transactions_gate() from public, anon, authenticated, service_role;

-- Raised by apply_transactions_page's fast path for a transaction it cannot store as sent (the page
-- then takes the careful path, which sets it aside with the reason in words).
create or replace function private.refuse_transaction(p_transaction_id text, p_why text)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'transaction %: %', p_transaction_id, p_why using errcode = 'NF422';
end
$$;
revoke all on function private.refuse_transaction(text, text) from public, anon, authenticated, service_role;

-- Plaid's date (YYYY-MM-DD) and date-time (ISO 8601 with Z or an offset) formats, as the fast path checks
-- them before the casts (which take other forms too); is_plaid_date and is_plaid_datetime also check the day.
create or replace function private.plaid_date_format() returns text language sql immutable set search_path = ''
as $$ select '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' $$;
create or replace function private.plaid_datetime_format() returns text language sql immutable set search_path = ''
as $$ select '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' $$;
revoke all on function private.plaid_date_format(), private.plaid_datetime_format() from public, anon, authenticated, service_role;

-- One /transactions/sync page, applied with its cursor in one transaction (one round trip). p_page is
-- Plaid's response, its transactions projected by the engine to the fields read here (names and
-- shapes as Plaid sends them; null fields left out, read as null). The cursor only ever moves
-- together with its data. Accounts go first, only when the page brings one not mapped yet (before
-- its transactions) or ends the loop (its balances).
-- Two paths, one outcome. The fast one (every page without a poison record): the page's lists pass
-- private.transactions_gate() in one jsonpath match each, then one set-based upsert of its added and
-- modified rows, in a subtransaction. Should a record still fail (a cast, a date's format, a
-- constraint, an account this connection does not have, the same transaction twice in the page), the
-- subtransaction is undone and the careful path classifies the page record by record (15_quarantine.sql): a
-- transaction that cannot be stored as sent, or whose account is not one of this connection's, is
-- set aside in quarantined_records and the rest of the page is stored; the same transaction twice
-- (added and modified) counts once, as its last version. Either way a transaction of a duplicate
-- account (a mapping without an account: another connection feeds it) is skipped, and a stored or
-- removed record is no longer set aside. Every list is read through private.jsonb_list.
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
  -- What Plaid sent (the run's counts), whatever is stored of it.
  v_added_count integer := jsonb_array_length(v_added);
  v_modified_count integer := jsonb_array_length(v_modified);
  v_accounts jsonb := p_page -> 'accounts';
  v_inserted integer := 0;
  v_deleted integer := 0;
  v_quarantined integer := 0;
  v_set_aside boolean;
  v_fast boolean;
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
  -- page (every page repeats them; the exchange stored them first). One that cannot be stored is set
  -- aside (and stays unmapped, so each page counts it again).
  if not v_has_more or exists (
    select 1 from jsonb_array_elements(private.jsonb_list(v_accounts)) a
    where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')
  ) then
    perform private.upsert_item_accounts(p_item_id, v_user, v_accounts);
    -- Only an account set aside stays unmapped: classified again (to count it) only then.
    if exists (select 1 from jsonb_array_elements(private.jsonb_list(v_accounts)) a
               where not exists (select 1 from public.plaid_accounts pa where pa.plaid_account_id = a ->> 'account_id')) then
      v_quarantined := private.records_set_aside(v_accounts, private.account_fields(), 'account_id');
    end if;
  end if;
  -- Whether any transaction of this item is set aside (one index probe): only then is there any to release.
  v_set_aside := exists (select 1 from public.quarantined_records q where q.item_id = p_item_id and q.kind = 'transaction');

  -- The fast path first: the page's lists pass the gate, then one upsert in a subtransaction. Should
  -- anything refuse a record, the upsert is undone and the careful path sets aside what cannot be
  -- stored; the rest goes through the same upsert, whose failure is then an error of the run.
  v_fast := not (jsonb_path_exists(v_added, private.transactions_gate()) or jsonb_path_exists(v_modified, private.transactions_gate()));
  loop
    if not v_fast then
      -- classify_records, inline (no set-returning function copying every record): the gate once per
      -- call, then one match per record; only a record that fails it is put into words.
      with rules as materialized (
        select f as fields, private.record_gate(f) as gate from (values (private.transaction_fields())) s(f)
      ), page as (
        select e.x, e.n,
          case when g.ok then e.x ->> 'transaction_id' else private.quarantine_key(e.x, 'transaction_id') end as key,
          case when g.ok then null
               when g.fits then 'transaction_id is longer than 255 characters'
               else coalesce(private.record_problem(e.x, rules.fields), 'it is not shaped as this kind of record is') end as problem
        from rules, jsonb_array_elements(v_added || v_modified) with ordinality as e(x, n)
        cross join lateral (select coalesce(jsonb_path_match(e.x, rules.gate, '{}', true), false) as fits) f
        cross join lateral (select f.fits, f.fits and char_length(e.x ->> 'transaction_id') <= 255 as ok) g
      ), latest as (
        select distinct on (p.key) p.* from page p order by p.key, p.n desc
      ), classified as (
        select l.x, l.n, l.key, pa.account_id,
          coalesce(l.problem, case when pa.id is null
            then format('account_id %s is not an account of this connection', l.x ->> 'account_id') end) as problem
        from latest l
        left join public.plaid_accounts pa
          on l.problem is null and pa.plaid_account_id = l.x ->> 'account_id' and pa.user_id = v_user and pa.item_id = p_item_id
      ), quarantined as (
        insert into public.quarantined_records as q (user_id, item_id, kind, record_key, reason, record)
        select v_user, p_item_id, 'transaction', c.key, c.problem, c.x from classified c where c.problem is not null
        on conflict (item_id, kind, record_key) do update set reason = excluded.reason, record = excluded.record, last_seen_at = now()
        returning 1
      )
      -- What can be stored goes on to the upsert (which releases any earlier version set aside): the
      -- last version of each, in page order.
      select coalesce(jsonb_agg(c.x order by c.n) filter (where c.problem is null), '[]'::jsonb),
        v_quarantined + (select count(*) from quarantined)
        into v_added, v_quarantined
      from classified c;
      v_modified := '[]';
    end if;
    begin
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
          r.date::date, r.authorized_date::date, r.datetime::timestamptz, r.authorized_datetime::timestamptz, r.name,
          r.merchant_name, r.merchant_entity_id,
          r.logo_url, r.website, coalesce(r.pending, false), r.pending_transaction_id,
          r.personal_finance_category ->> 'primary', r.personal_finance_category ->> 'detailed',
          r.personal_finance_category ->> 'confidence_level', r.payment_channel, r.transaction_code, r.original_description,
          r.check_number, r.location, r.counterparties
        from rows r
        left join public.plaid_accounts pa on pa.plaid_account_id = r.account_id and pa.user_id = v_user and pa.item_id = p_item_id
        -- Not this connection's account, or a date not in Plaid's format: refused (the careful path sets
        -- the record aside). A duplicate's mapping (account_id null) feeds no account: another
        -- connection feeds it, so its records are skipped.
        where case
          when pa.id is null then private.refuse_transaction(r.transaction_id, 'account_id is not an account of this connection')
          when not (r.date ~ private.plaid_date_format() and coalesce(r.authorized_date ~ private.plaid_date_format(), true)
                    and coalesce(r.datetime ~ private.plaid_datetime_format(), true)
                    and coalesce(r.authorized_datetime ~ private.plaid_datetime_format(), true))
            then private.refuse_transaction(r.transaction_id, 'a date is not in Plaid''s format')
          else pa.account_id is not null end
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
      if v_set_aside then
        -- Stored now: a version set aside earlier is no longer.
        delete from public.quarantined_records q
        using (select x ->> 'transaction_id' as id from jsonb_array_elements(v_added || v_modified) x) s
        where q.item_id = p_item_id and q.kind = 'transaction' and q.record_key = s.id;
      end if;
      exit;
    exception
      -- A record the gate let by but Postgres refuses, one of another account, one sent twice.
      when data_exception or integrity_constraint_violation or cardinality_violation or sqlstate 'NF422' then
        if not v_fast then
          raise;
        end if;
        v_fast := false;
    end;
  end loop;

  -- Removed by Plaid: gone here too, whether stored or set aside (an entry without an id removes nothing).
  if jsonb_array_length(v_removed) > 0 then
    delete from public.transactions t
    using jsonb_array_elements(v_removed) r
    where t.user_id = v_user and t.item_id = p_item_id and t.plaid_transaction_id = r ->> 'transaction_id';
    get diagnostics v_deleted = row_count;
    if v_set_aside then
      delete from public.quarantined_records q
      using jsonb_array_elements(v_removed) r
      where q.item_id = p_item_id and q.kind = 'transaction' and q.record_key = r ->> 'transaction_id';
    end if;
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

  update public.sync_runs r set added = r.added + v_added_count,
    modified = r.modified + v_modified_count, removed = r.removed + jsonb_array_length(v_removed),
    pages = r.pages + 1, quarantined = r.quarantined + v_quarantined,
    plaid_request_ids = r.plaid_request_ids || array[p_page ->> 'request_id']
  where r.id = p_run_id;

  return jsonb_build_object('has_more', v_has_more, 'next_cursor', p_page ->> 'next_cursor',
    'added', v_added_count, 'modified', v_modified_count,
    'removed', jsonb_array_length(v_removed), 'stored', v_inserted - v_deleted, 'quarantined', v_quarantined);
end
$$;
comment on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) is
  'Applies one /transactions/sync page (upserts, deletes, new accounts; balances with the loop''s last page) and advances the cursor in one transaction, under the run''s lease; records that cannot be stored are quarantined, the rest stored; the initial import is done once Plaid reports HISTORICAL_UPDATE_COMPLETE.';
revoke all on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) to service_role;

-- Liabilities: the full current set for the item's credit and loan accounts. A liability that cannot
-- be stored as sent is set aside and its last stored version (if any) kept; one Plaid no longer reports
-- goes, set aside or not.
create or replace function private.apply_liabilities(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'liabilities', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
  v_set_aside integer;
  v_set_aside_keys text[];
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  with l as (
    select 'credit' as kind, x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'credit')) x
    union all
    select 'mortgage', x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'mortgage')) x
    union all
    select 'student', x from jsonb_array_elements(private.jsonb_list(p_response -> 'liabilities' -> 'student')) x
  ), checked as (
    select l.kind, c.record as x, c.key,
      coalesce(c.problem, case when jsonb_typeof(c.record -> 'interest_rate' -> 'percentage') not in ('number', 'null')
        then format('interest_rate.percentage is not a number: %s', left((c.record -> 'interest_rate' -> 'percentage')::text, 60)) end) as problem
    from l cross join lateral private.classify_records(jsonb_build_array(l.x), '{"account_id": "id!", "interest_rate": "object",
      "last_payment_amount": "number", "last_payment_date": "date", "next_payment_due_date": "date",
      "minimum_payment_amount": "number", "next_monthly_payment": "number", "last_statement_balance": "number",
      "last_statement_issue_date": "date", "is_overdue": "boolean", "origination_date": "date",
      "origination_principal_amount": "number", "interest_rate_percentage": "number",
      "outstanding_interest_amount": "number", "past_due_amount": "number", "ytd_interest_paid": "number",
      "ytd_principal_paid": "number", "maturity_date": "date", "expected_payoff_date": "date"}', 'account_id') c
  ), classified as (
    select c.kind, c.x, c.key, pa.account_id,
      coalesce(c.problem, case when pa.id is null
        then format('account_id %s is not an account of this connection', c.x ->> 'account_id') end) as problem
    from checked c
    left join public.plaid_accounts pa
      on c.problem is null and pa.plaid_account_id = c.x ->> 'account_id' and pa.user_id = v_user and pa.item_id = p_item_id
  ), quarantined as (
    select private.quarantine_records(p_item_id, v_user, 'liability',
      jsonb_agg(jsonb_build_object('key', c.key, 'reason', c.problem, 'record', c.x))) as n
    from classified c where c.problem is not null
  ), upserted as (
    insert into public.liabilities as li (user_id, item_id, account_id, kind, last_payment_amount, last_payment_date,
      next_payment_due_date, minimum_payment_amount, last_statement_balance, last_statement_issue_date, is_overdue,
      origination_date, origination_principal_amount, interest_rate_percentage, outstanding_interest_amount,
      past_due_amount, ytd_interest_paid, ytd_principal_paid, maturity_date, details)
    select v_user, p_item_id, c.account_id, c.kind, r.last_payment_amount, r.last_payment_date, r.next_payment_due_date,
      coalesce(r.minimum_payment_amount, r.next_monthly_payment), r.last_statement_balance, r.last_statement_issue_date,
      r.is_overdue, r.origination_date, r.origination_principal_amount,
      coalesce(ir.percentage, r.interest_rate_percentage), r.outstanding_interest_amount, r.past_due_amount,
      r.ytd_interest_paid, r.ytd_principal_paid, coalesce(r.maturity_date, r.expected_payoff_date), c.x
    from classified c
    -- Only records without a problem reach the casts.
    cross join lateral jsonb_to_record(case when c.problem is null then c.x end) as r(last_payment_amount numeric,
      last_payment_date date, next_payment_due_date date, minimum_payment_amount numeric, next_monthly_payment numeric,
      last_statement_balance numeric, last_statement_issue_date date, is_overdue boolean, origination_date date,
      origination_principal_amount numeric, interest_rate_percentage numeric, outstanding_interest_amount numeric,
      past_due_amount numeric, ytd_interest_paid numeric, ytd_principal_paid numeric, maturity_date date,
      expected_payoff_date date)
    cross join lateral (select (case when c.problem is null then c.x -> 'interest_rate' ->> 'percentage' end)::numeric as percentage) ir
    where c.problem is null and c.account_id is not null
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
  select (select count(*) from upserted), (select q.n from quarantined q),
    (select coalesce(array_agg(c.key), '{}') from classified c where c.problem is not null)
    into v_count, v_set_aside, v_set_aside_keys;
  -- Plaid's full set: what it no longer reports goes (a reported liability set aside keeps its last row),
  -- and so does whatever was set aside and is no longer (this response set aside again what still is).
  delete from public.liabilities li
  where li.user_id = v_user and li.item_id = p_item_id
    and li.account_id not in (select pa.account_id from public.plaid_accounts pa
      join (select x ->> 'account_id' as id from jsonb_array_elements(
        private.jsonb_list(p_response -> 'liabilities' -> 'credit') || private.jsonb_list(p_response -> 'liabilities' -> 'mortgage')
        || private.jsonb_list(p_response -> 'liabilities' -> 'student')) x) seen on seen.id = pa.plaid_account_id
      -- A duplicate's mapping has no account (and a null would make this NOT IN match nothing).
      where pa.user_id = v_user and pa.item_id = p_item_id and pa.account_id is not null);
  delete from public.quarantined_records q where q.item_id = p_item_id and q.kind = 'liability' and q.record_key <> all (v_set_aside_keys);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    quarantined = r.quarantined + v_set_aside + private.records_set_aside(p_response -> 'accounts', private.account_fields(), 'account_id'),
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;
revoke all on function private.apply_liabilities(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_liabilities(uuid, uuid, uuid, jsonb, integer) to service_role;

-- What securities need of a Plaid security (the kinds of private.record_problem).
create or replace function private.security_fields()
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"security_id": "id!", "close_price": "number", "close_price_as_of": "date", "is_cash_equivalent": "boolean",
    "iso_currency_code": "currency", "unofficial_currency_code": "unofficial_currency"}'::jsonb
$$;
revoke all on function private.security_fields() from public, anon, authenticated, service_role;


-- Securities as an investments response describes them (upserted per item); one that cannot be stored
-- as sent is set aside, and so are the holdings of it.
create or replace function private.upsert_securities(p_item_id uuid, p_user_id uuid, p_securities jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  with classified as (
    select c.record as x, c.key, c.problem from private.classify_records(p_securities, private.security_fields(), 'security_id') c
  ), quarantined as (
    select private.quarantine_records(p_item_id, p_user_id, 'security',
      jsonb_agg(jsonb_build_object('key', c.key, 'reason', c.problem, 'record', c.x))) as n
    from classified c where c.problem is not null
  ), released as (
    delete from public.quarantined_records q using classified c
    where c.problem is null and q.item_id = p_item_id and q.kind = 'security' and q.record_key = c.key
  ), upserted as (
    insert into public.securities as s (user_id, item_id, plaid_security_id, name, ticker_symbol, type, is_cash_equivalent,
      isin, cusip, institution_security_id, institution_id, proxy_security_id, market_identifier_code, sector, industry,
      close_price, close_price_as_of, iso_currency_code, unofficial_currency_code, details)
    select p_user_id, p_item_id, r.security_id, r.name, r.ticker_symbol, r.type, r.is_cash_equivalent, r.isin, r.cusip,
      r.institution_security_id, r.institution_id, r.proxy_security_id, r.market_identifier_code, r.sector, r.industry,
      r.close_price, r.close_price_as_of, r.iso_currency_code, r.unofficial_currency_code,
      jsonb_strip_nulls(jsonb_build_object('option_contract', c.x -> 'option_contract', 'fixed_income', c.x -> 'fixed_income'))
    from classified c
    cross join lateral jsonb_to_record(case when c.problem is null then c.x end) as r(security_id text, name text,
      ticker_symbol text, type text, is_cash_equivalent boolean, isin text, cusip text, institution_security_id text,
      institution_id text, proxy_security_id text, market_identifier_code text, sector text, industry text,
      close_price numeric, close_price_as_of date, iso_currency_code text, unofficial_currency_code text)
    where c.problem is null
    on conflict (item_id, plaid_security_id) do update set name = excluded.name, ticker_symbol = excluded.ticker_symbol,
      type = excluded.type, is_cash_equivalent = excluded.is_cash_equivalent, close_price = excluded.close_price,
      close_price_as_of = excluded.close_price_as_of, iso_currency_code = excluded.iso_currency_code,
      unofficial_currency_code = excluded.unofficial_currency_code, details = excluded.details
    where s.user_id = excluded.user_id
    returning 1
  )
  select (select q.n from quarantined q);
$$;
revoke all on function private.upsert_securities(uuid, uuid, jsonb) from public, anon, authenticated, service_role;

-- Investments: securities and holdings (the full current set) from /investments/holdings/get. A holding
-- that cannot be stored as sent (or of an account or security this connection does not have) is set
-- aside and its last stored version kept; one Plaid no longer reports goes.
create or replace function private.apply_holdings(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'investments', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
  v_set_aside integer;
  v_set_aside_keys text[];
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  perform private.upsert_securities(p_item_id, v_user, p_response -> 'securities');
  with checked as (
    -- A holding is keyed by its account and security.
    select c.record as x, coalesce(case when jsonb_typeof(c.record -> 'account_id') = 'string' and jsonb_typeof(c.record -> 'security_id') = 'string'
      then (c.record ->> 'account_id') || ':' || (c.record ->> 'security_id') end, c.key) as key, c.problem
    from private.classify_records(p_response -> 'holdings', '{"account_id": "id!", "security_id": "id!",
      "quantity": "number!", "institution_price": "number!", "institution_value": "number!",
      "institution_price_as_of": "date", "cost_basis": "number", "vested_quantity": "number", "vested_value": "number",
      "iso_currency_code": "currency", "unofficial_currency_code": "unofficial_currency"}', null) c
  ), classified as (
    select c.x, c.key, pa.account_id, s.id as security_id,
      coalesce(c.problem,
        case when pa.id is null then format('account_id %s is not an account of this connection', c.x ->> 'account_id')
             when s.id is null then format('security_id %s is not a security this connection reported', c.x ->> 'security_id') end) as problem
    from checked c
    left join public.plaid_accounts pa
      on c.problem is null and pa.plaid_account_id = c.x ->> 'account_id' and pa.user_id = v_user and pa.item_id = p_item_id
    left join public.securities s on c.problem is null and s.item_id = p_item_id and s.plaid_security_id = c.x ->> 'security_id'
  ), quarantined as (
    select private.quarantine_records(p_item_id, v_user, 'holding',
      jsonb_agg(jsonb_build_object('key', c.key, 'reason', c.problem, 'record', c.x))) as n
    from classified c where c.problem is not null
  ), upserted as (
    insert into public.holdings as h (user_id, item_id, account_id, security_id, quantity, institution_price,
      institution_price_as_of, institution_value, cost_basis, vested_quantity, vested_value, iso_currency_code,
      unofficial_currency_code)
    select v_user, p_item_id, c.account_id, c.security_id, r.quantity, r.institution_price, r.institution_price_as_of,
      r.institution_value, r.cost_basis, r.vested_quantity, r.vested_value, r.iso_currency_code, r.unofficial_currency_code
    from classified c
    cross join lateral jsonb_to_record(case when c.problem is null then c.x end) as r(quantity numeric,
      institution_price numeric, institution_price_as_of date, institution_value numeric, cost_basis numeric,
      vested_quantity numeric, vested_value numeric, iso_currency_code text, unofficial_currency_code text)
    where c.problem is null and c.account_id is not null
    on conflict (account_id, security_id) do update set quantity = excluded.quantity,
      institution_price = excluded.institution_price, institution_price_as_of = excluded.institution_price_as_of,
      institution_value = excluded.institution_value, cost_basis = excluded.cost_basis,
      vested_quantity = excluded.vested_quantity, vested_value = excluded.vested_value,
      iso_currency_code = excluded.iso_currency_code, unofficial_currency_code = excluded.unofficial_currency_code
    where h.user_id = excluded.user_id
    returning h.id
  )
  select (select count(*) from upserted), (select q.n from quarantined q),
    (select coalesce(array_agg(c.key), '{}') from classified c where c.problem is not null)
    into v_count, v_set_aside, v_set_aside_keys;
  -- Positions Plaid no longer reports are closed (a reported one set aside keeps its last row).
  delete from public.holdings h
  where h.user_id = v_user and h.item_id = p_item_id and not exists (
    select 1 from jsonb_array_elements(private.jsonb_list(p_response -> 'holdings')) x
    join public.plaid_accounts pa on pa.plaid_account_id = x ->> 'account_id' and pa.item_id = p_item_id
    join public.securities s on s.item_id = p_item_id and s.plaid_security_id = x ->> 'security_id'
    where pa.account_id = h.account_id and s.id = h.security_id);
  -- The full set again: what was set aside and is no longer reported (or now stored) is released.
  delete from public.quarantined_records q where q.item_id = p_item_id and q.kind = 'holding' and q.record_key <> all (v_set_aside_keys);
  update public.sync_runs r set pages = r.pages + 1, modified = r.modified + v_count,
    quarantined = r.quarantined + v_set_aside + private.records_set_aside(p_response -> 'accounts', private.account_fields(), 'account_id')
      + private.records_set_aside(p_response -> 'securities', private.security_fields(), 'security_id'),
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;
revoke all on function private.apply_holdings(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_holdings(uuid, uuid, uuid, jsonb, integer) to service_role;

-- One page of /investments/transactions/get (offset pagination), upserted by Plaid's id; one that cannot
-- be stored as sent (or of an account this connection does not have) is set aside.
create or replace function private.apply_investment_transactions(p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_response jsonb, p_lease_seconds integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.hold_lease(p_item_id, 'investments', p_lease_id, p_lease_seconds)).user_id;
  v_count integer;
  v_set_aside integer;
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_response -> 'accounts');
  perform private.upsert_securities(p_item_id, v_user, p_response -> 'securities');
  with checked as (
    select c.record as x, c.n, c.key, c.problem
    from private.classify_records(p_response -> 'investment_transactions', '{"investment_transaction_id": "id!",
      "account_id": "id!", "date": "date!", "name": "text!", "quantity": "number!", "amount": "number!", "price": "number!",
      "fees": "number", "type": "one of buy, sell, cancel, cash, fee, transfer!", "security_id": "text",
      "iso_currency_code": "currency", "unofficial_currency_code": "unofficial_currency"}', 'investment_transaction_id') c
  ), latest as (
    select distinct on (c.key) c.* from checked c order by c.key, c.n desc
  ), classified as (
    select l.x, l.key, pa.account_id,
      coalesce(l.problem, case when pa.id is null
        then format('account_id %s is not an account of this connection', l.x ->> 'account_id') end) as problem
    from latest l
    left join public.plaid_accounts pa
      on l.problem is null and pa.plaid_account_id = l.x ->> 'account_id' and pa.user_id = v_user and pa.item_id = p_item_id
  ), quarantined as (
    select private.quarantine_records(p_item_id, v_user, 'investment_transaction',
      jsonb_agg(jsonb_build_object('key', c.key, 'reason', c.problem, 'record', c.x))) as n
    from classified c where c.problem is not null
  ), released as (
    delete from public.quarantined_records q using classified c
    where c.problem is null and q.item_id = p_item_id and q.kind = 'investment_transaction' and q.record_key = c.key
  ), upserted as (
    insert into public.investment_transactions as it (user_id, item_id, account_id, security_id,
      plaid_investment_transaction_id, date, name, quantity, amount, price, fees, type, subtype, iso_currency_code,
      unofficial_currency_code)
    select v_user, p_item_id, c.account_id, s.id, r.investment_transaction_id, r.date, r.name, r.quantity, r.amount,
      r.price, r.fees, r.type, r.subtype, r.iso_currency_code, r.unofficial_currency_code
    from classified c
    cross join lateral jsonb_to_record(case when c.problem is null then c.x end) as r(investment_transaction_id text,
      security_id text, date date, name text, quantity numeric, amount numeric, price numeric, fees numeric, type text,
      subtype text, iso_currency_code text, unofficial_currency_code text)
    left join public.securities s on s.item_id = p_item_id and s.plaid_security_id = r.security_id
    where c.problem is null and c.account_id is not null
    on conflict (plaid_investment_transaction_id) do update set account_id = excluded.account_id,
      security_id = excluded.security_id, date = excluded.date, name = excluded.name, quantity = excluded.quantity,
      amount = excluded.amount, price = excluded.price, fees = excluded.fees, type = excluded.type,
      subtype = excluded.subtype, iso_currency_code = excluded.iso_currency_code,
      unofficial_currency_code = excluded.unofficial_currency_code
    where it.user_id = excluded.user_id
    returning it.id
  )
  select (select count(*) from upserted), (select q.n from quarantined q) into v_count, v_set_aside;
  update public.sync_runs r set pages = r.pages + 1, added = r.added + v_count,
    quarantined = r.quarantined + v_set_aside + private.records_set_aside(p_response -> 'accounts', private.account_fields(), 'account_id')
      + private.records_set_aside(p_response -> 'securities', private.security_fields(), 'security_id'),
    plaid_request_ids = r.plaid_request_ids || array[p_response ->> 'request_id'] where r.id = p_run_id;
  return v_count;
end
$$;
revoke all on function private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function private.apply_investment_transactions(uuid, uuid, uuid, jsonb, integer) to service_role;
