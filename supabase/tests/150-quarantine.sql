-- Poison records never block an item (15_quarantine.sql): whatever number Plaid sends fits; a record
-- that still cannot be stored as sent is set aside with its JSON and the reason, counted in the run and
-- shown to its owner, and the rest of its response is stored. A later good version, or Plaid removing
-- it, releases it.
begin;
select plan(60);

select tests.create_supabase_user('poison_a') as a_user \gset
select tests.create_supabase_user('poison_b') as b_user \gset

-- The values the classifier accepts are exactly the ones Postgres stores ---------------------------------
select is(
  (select array_agg(d order by d) filter (where private.is_plaid_date(d))
   from unnest(array['2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '0000-01-01', '0001-01-01', '2024-04-31',
                     '2024-13-01', '20240101', '9999-12-31', '2024-1-01', ' 2024-01-01']) d),
  array['0001-01-01', '2000-02-29', '2024-02-29', '9999-12-31'], 'dates: a real day from year 1, as YYYY-MM-DD');
select is(
  (select count(*)::int from generate_series(date '0001-01-01', date '0004-12-31', interval '1 day') d
   where not private.is_plaid_date(to_char(d, 'YYYY-MM-DD'))), 0, 'every day Postgres has (four years, a leap year among them) is one');
select is(
  (select array_agg(d order by d) filter (where private.is_plaid_datetime(d))
   from unnest(array['2024-01-01T12:00:00Z', '2024-01-01T12:00:00.123456+05:30', '2024-01-01T24:00:00Z',
                     '2024-01-01 12:00:00Z', '0000-01-01T00:00:00Z', '2024-01-01T12:00:00+16:00', '2024-02-30T00:00:00Z']) d),
  array['2024-01-01T12:00:00.123456+05:30', '2024-01-01T12:00:00Z'], 'date-times: ISO 8601 with Z or an offset ≤ 14 h');
select is(private.record_problem('{"amount": "12.50", "date": "2024-01-01"}', '{"amount": "number!", "date": "date!"}'),
  'amount is not a number: "12.50"', 'a number sent as text is named with what it is');
select is(private.record_problem('[1, 2]', '{"amount": "number!"}'), 'it is not a JSON object', 'an array is not a record');
select is(private.record_problem('{"amount": 1e400}', '{"amount": "number!"}'), 'amount is larger than any double Plaid sends: 1' || repeat('0', 59),
  'a number past a double''s range (not one Plaid can send, and past the columns'' 996 digits) is named');
select is(private.record_problem('{"amount": 1.7976931348623157e308}', '{"amount": "number!"}'), null, 'the largest double is fine');
select is(private.record_problem('{"date": null}', '{"date": "date!"}'), 'date is missing', 'a required null is missing');
select is(private.record_problem('{"x": 1}', '{"date": "date"}'), null, 'an optional field may be absent');

-- The gate every record passes (one jsonpath, record_check_text) and the words (record_problem) agree:
-- every kind, with every sort of value in every field, present or absent.
with spec(f) as (values ('{"i": "id!", "t": "text", "s": "short text", "m": "name", "n": "number!", "z": "non-negative number",
    "b": "boolean", "d": "date", "dt": "datetime", "o": "object", "a": "array", "c": "currency", "u": "unofficial_currency",
    "e": "one of on, in store", "nested": {"x": "number", "y": "date!"}}'::jsonb)),
base(r) as (values ('{"i": "id-1", "t": "x", "s": "short", "m": "A name", "n": 1.5, "z": 0, "b": true, "d": "2024-02-29",
    "dt": "2024-02-29T23:59:59.5+14:00", "o": {}, "a": [], "c": "USD", "u": "DOGE", "e": "in store", "nested": {"x": 1, "y": "2000-02-29"}}'::jsonb)),
vals(v) as (select unnest(array['null', '""', '" "', '"x"', '"0000-01-01"', '"2023-02-29"', '"2024-02-29"', '"2024-02-29T12:00:00Z"',
    '"2024-02-29T24:00:00Z"', '"usd"', '"USDD"', '"on"', '["on"]', '0', '-1', '1e400', '-1e400', '1.7976931348623157e308', 'true', '{}', '[]',
    to_jsonb(repeat('x', 101))::text, to_jsonb(repeat('x', 500))::text, to_jsonb(repeat('x', 501))::text, '{"x": "1", "y": "2024-01-01"}',
    '{"y": "2024-01-01"}', '{"x": 1}'])::jsonb),
records(r) as (
  select jsonb_set(base.r, array[k], vals.v) from base, jsonb_object_keys(base.r) k, vals
  union all select base.r - k from base, jsonb_object_keys(base.r) k
  union all select jsonb_set(base.r, '{nested,x}', vals.v) from base, vals
  union all select r from base)
select is(
  (select count(*)::int from spec, private.classify_records((select jsonb_agg(r) from records), spec.f, null) c
   where (c.problem is null) is distinct from (private.record_problem(c.record, spec.f) is null)),
  0, 'the jsonpath gate and record_problem agree on every record of the corpus');
select is((select count(*)::int from private.classify_records('[{"i": "x"}, {"i": ""}]', '{"i": "id!"}', 'i') where problem is null), 1,
  'an id must not be empty');
select is((select problem from private.classify_records(jsonb_build_array(jsonb_build_object('i', repeat('x', 256))), '{"i": "id!"}', 'i')),
  'i is longer than 255 characters', 'a record''s own id is at most 255 characters (its column)');

-- Exchange: what Plaid can send fits, a poison account is set aside, the item is created -----------------
select private.create_plaid_item(:'a_user', 'item-poison-a', 'access-sandbox-poison-a', 'ins_109508', 'First Platypus Bank',
  '{}', '{transactions, liabilities, investments}', null, null, $json$[
    {"account_id": "p-chk", "balances": {"current": 1e17, "available": 1.2e16, "limit": null, "iso_currency_code": "USD"},
     "name": "Plaid Checking", "type": "depository", "subtype": "checking", "mask": "0000"},
    {"account_id": "p-card", "balances": {"current": 10, "limit": 1000, "iso_currency_code": "USD"},
     "name": "Plaid Card", "type": "credit", "subtype": "credit card", "mask": "3333"},
    {"account_id": "p-ship", "balances": {"current": 1}, "name": "Starship", "type": "spaceship", "mask": "9999"},
    {"account_id": "p-neg", "balances": {"current": 1, "limit": -5, "iso_currency_code": "USD"}, "name": "Negative", "type": "credit"}
  ]$json$::jsonb) ->> 'id' as item \gset

select is((select count(*)::int from public.plaid_accounts where item_id = :'item'), 2, 'exchange stores the accounts that can be stored');
select is((select current_balance from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
           where pa.plaid_account_id = 'p-chk'), 1e17::numeric, 'a balance of 1e17 is stored exactly, not refused or rounded');
select is((select available_balance::text from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
           where pa.plaid_account_id = 'p-chk'), '12000000000000000.0000', 'and 1.2e16 too');
select results_eq(
  format($$select record_key, reason, record ->> 'name' from public.quarantined_records where item_id = %L and kind = 'account' order by record_key$$, :'item'),
  $$values ('p-neg', 'balances.limit is negative: -5', 'Negative'),
           ('p-ship', 'type is not one of depository, credit, loan, investment, brokerage, other: "spaceship"', 'Starship')$$,
  'the accounts that cannot be stored are set aside with the reason and Plaid''s JSON');

-- A transactions page with poison records among good ones ----------------------------------------------
select c.lease_id, c.run_id from private.claim_sync(:'item', 'transactions', 'initial', 60) c \gset
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {
  "accounts": [], "has_more": true, "next_cursor": "cursor-1", "request_id": "req-1",
  "added": [
    {"transaction_id": "t-good", "account_id": "p-chk", "amount": 1.2e16, "date": "2024-03-01", "name": "Huge", "pending": false, "iso_currency_code": "USD"},
    {"transaction_id": "t-year0", "account_id": "p-chk", "amount": 5, "date": "0000-01-01", "name": "Year zero", "pending": false},
    {"transaction_id": "t-text", "account_id": "p-chk", "amount": "12.50", "date": "2024-03-02", "name": "Text amount", "pending": false},
    {"transaction_id": "t-ship", "account_id": "p-ship", "amount": 1, "date": "2024-03-03", "name": "On the starship", "pending": false},
    {"transaction_id": "t-channel", "account_id": "p-card", "amount": 2, "date": "2024-03-04", "name": "Telepathy", "payment_channel": "telepathy"},
    {"transaction_id": "t-twice", "account_id": "p-card", "amount": 3, "date": "2024-03-05", "name": "First version", "pending": true},
    42,
    {"transaction_id": "t-dt", "account_id": "p-card", "amount": 4, "date": "2024-03-06", "name": "Bad time", "datetime": "yesterday"}
  ],
  "modified": [
    {"transaction_id": "t-twice", "account_id": "p-card", "amount": 7, "date": "2024-03-05", "name": "Last version", "pending": false}
  ],
  "removed": [17, {"transaction_id": "not-stored"}]
} $json$, null, 60) as page \gset

select is(:'page'::jsonb ->> 'quarantined', '6', 'the page reports the six records it set aside');
select is(:'page'::jsonb ->> 'has_more', 'true', 'and the rest of the page is applied');
select results_eq(
  format($$select plaid_transaction_id, amount, name from public.transactions where item_id = %L order by 1$$, :'item'),
  $$values ('t-good', 1.2e16::numeric, 'Huge'), ('t-twice', 7::numeric, 'Last version')$$,
  'the good records are stored: an amount of 1.2e16 exactly, and a transaction sent twice as its last version');
select results_eq(
  format($$select record_key, reason from public.quarantined_records where item_id = %L and kind = 'transaction' order by 1$$, :'item'),
  $$values ('sha256:' || encode(sha256(convert_to('42', 'UTF8')), 'hex'), 'it is not a JSON object'),
           ('t-channel', 'payment_channel is not one of online, in store, other: "telepathy"'),
           ('t-dt', 'datetime is not an ISO 8601 date-time: "yesterday"'),
           ('t-ship', 'account_id p-ship is not an account of this connection'),
           ('t-text', 'amount is not a number: "12.50"'),
           ('t-year0', 'date is not a calendar date from year 1 (YYYY-MM-DD): "0000-01-01"')$$,
  'each poison record is set aside with the reason in words');
select is((select record from public.quarantined_records where record_key = 't-year0'),
  '{"transaction_id": "t-year0", "account_id": "p-chk", "amount": 5, "date": "0000-01-01", "name": "Year zero", "pending": false}'::jsonb,
  'with the record exactly as Plaid sent it');
select results_eq(
  format($$select cursor, transactions_total from public.plaid_sync_state where item_id = %L and product = 'transactions'$$, :'item'),
  $$values ('cursor-1', 2)$$, 'the cursor moves on: the item is not blocked');
select results_eq(format($$select quarantined, added, modified, pages from public.sync_runs where id = %L$$, :'run_id'),
  $$values (6, 8, 1, 1)$$, 'the run counts what it set aside beside what Plaid sent');

-- The next page: a fixed version is stored and released, a removed one released ------------------------
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {
  "accounts": [], "has_more": false, "next_cursor": "cursor-2", "request_id": "req-2", "added": [],
  "modified": [{"transaction_id": "t-year0", "account_id": "p-chk", "amount": 5, "date": "2024-01-01", "name": "Year zero, fixed", "pending": false}],
  "removed": [{"transaction_id": "t-text"}, {"transaction_id": "t-good"}]
} $json$, null, 60) as page2 \gset
select is(:'page2'::jsonb ->> 'quarantined', '0', 'a page without poison sets nothing aside');
select results_eq(
  format($$select plaid_transaction_id, name from public.transactions where item_id = %L order by 1$$, :'item'),
  $$values ('t-twice', 'Last version'), ('t-year0', 'Year zero, fixed')$$, 'the fixed version is stored, the removed one gone');
select results_eq(
  format($$select record_key from public.quarantined_records where item_id = %L and kind = 'transaction' and record_key like 't-%%' order by 1$$, :'item'),
  $$values ('t-channel'), ('t-dt'), ('t-ship')$$, 'and neither is set aside any more');
-- Each way off the fast path alone (a page passes its lists through one jsonpath gate, then one
-- upsert in a subtransaction): an account this connection does not have, a day the month has not
-- (the gate lets the form by, the cast refuses it), the same transaction twice ----------------------
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": true,
  "next_cursor": "cursor-3", "request_id": "req-3", "modified": [], "removed": [], "added": [
    {"transaction_id": "t-elsewhere", "account_id": "p-nowhere", "amount": 1, "date": "2024-03-07", "name": "Elsewhere"},
    {"transaction_id": "t-ok1", "account_id": "p-card", "amount": 1, "date": "2024-03-07", "name": "Fine"}]} $json$, null, 60) ->> 'quarantined' as q3 \gset
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": true,
  "next_cursor": "cursor-4", "request_id": "req-4", "modified": [], "removed": [], "added": [
    {"transaction_id": "t-feb30", "account_id": "p-card", "amount": 1, "date": "2024-02-30", "name": "No such day"},
    {"transaction_id": "t-ok2", "account_id": "p-card", "amount": 1, "date": "2024-02-29", "name": "Leap day"}]} $json$, null, 60) ->> 'quarantined' as q4 \gset
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": false,
  "next_cursor": "cursor-5", "request_id": "req-5", "removed": [],
  "added": [{"transaction_id": "t-both", "account_id": "p-card", "amount": 1, "date": "2024-03-08", "name": "Added"}],
  "modified": [{"transaction_id": "t-both", "account_id": "p-card", "amount": 2, "date": "2024-03-08", "name": "Modified"}]} $json$, null, 60) ->> 'quarantined' as q5 \gset
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": true,
  "next_cursor": "cursor-5b", "request_id": "req-5b", "modified": [], "removed": [], "added": [
    {"transaction_id": "t-when", "account_id": "p-card", "amount": 1, "date": "2024-03-09", "name": "When", "datetime": "yesterday"}]} $json$, null, 60) ->> 'quarantined' as q6 \gset
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": true,
  "next_cursor": "cursor-5c", "request_id": "req-5c", "modified": [], "removed": [], "added": [
    {"transaction_id": "t-text2", "account_id": "p-card", "amount": "3", "date": "2024-03-09", "name": "Text"}]} $json$, null, 60) ->> 'quarantined' as q7 \gset
select is(array[:'q3', :'q4', :'q5', :'q6', :'q7']::int[], array[1, 1, 0, 1, 1], 'each page sets aside its one poison record, and only that');
select results_eq(
  format($$select record_key, reason from public.quarantined_records where item_id = %L and record_key in ('t-elsewhere', 't-feb30') order by 1$$, :'item'),
  $$values ('t-elsewhere', 'account_id p-nowhere is not an account of this connection'),
           ('t-feb30', 'date is not a calendar date from year 1 (YYYY-MM-DD): "2024-02-30"')$$,
  'with the reason in words');
select results_eq(
  format($$select plaid_transaction_id, amount, name from public.transactions where item_id = %L and plaid_transaction_id in ('t-ok1', 't-ok2', 't-both') order by 1$$, :'item'),
  $$values ('t-both', 2::numeric, 'Modified'), ('t-ok1', 1::numeric, 'Fine'), ('t-ok2', 1::numeric, 'Leap day')$$,
  'the rest of each page is stored, a transaction sent twice as its last version');
select private.apply_transactions_page(:'item', :'lease_id', :'run_id', $json$ {"accounts": [], "has_more": false,
  "next_cursor": "cursor-6", "request_id": "req-6", "added": [], "modified": [], "removed": [{"transaction_id": "t-elsewhere"},
  {"transaction_id": "t-feb30"}, {"transaction_id": "t-ok1"}, {"transaction_id": "t-ok2"}, {"transaction_id": "t-both"},
  {"transaction_id": "t-when"}, {"transaction_id": "t-text2"}]} $json$, null, 60) \gset
select is((select count(*)::int from public.transactions t where t.plaid_transaction_id in ('t-ok1', 't-ok2', 't-both'))
  + (select count(*)::int from public.quarantined_records q where q.record_key in ('t-elsewhere', 't-feb30', 't-when', 't-text2')), 0,
  'removed by Plaid: gone, stored or set aside');
select is((select count(*)::int from private.finish_sync(:'item', 'transactions', :'lease_id', :'run_id', 'succeeded', null, null)), 0,
  'the run succeeds, nothing more owed');

-- A poison account gets good: stored and released, and so can its transactions be ---------------------
select is((select count(*)::int from private.apply_account_balances(:'item', $json${"accounts": [
  {"account_id": "p-ship", "balances": {"current": 3, "iso_currency_code": "USD"}, "name": "Starship", "type": "other", "mask": "9999"},
  {"account_id": "p-chk", "balances": {"current": "lots"}, "name": "Plaid Checking", "type": "depository"}]}$json$)),
  1, 'a balance refresh writes the good account and does not fail on the other');
select is((select current_balance from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
           where pa.plaid_account_id = 'p-chk'), 1e17::numeric, 'which keeps its last balance');
select results_eq(
  format($$select record_key, reason from public.quarantined_records where item_id = %L and kind = 'account' order by 1$$, :'item'),
  $$values ('p-chk', 'balances.current is not a number: "lots"'), ('p-neg', 'balances.limit is negative: -5')$$,
  'the refreshed account is released, the one that went bad is set aside');

-- Liabilities and investments: the same ------------------------------------------------------------------
select c.lease_id as l_lease, c.run_id as l_run from private.claim_sync(:'item', 'liabilities', 'initial', 60) c \gset
select is(private.apply_liabilities(:'item', :'l_lease', :'l_run', $json$ {"accounts": [], "request_id": "req-l",
  "liabilities": {"credit": [
    {"account_id": "p-card", "last_payment_amount": 1e17, "last_payment_date": "2024-02-30", "is_overdue": false},
    {"account_id": "p-ship", "last_payment_amount": 3, "is_overdue": "no"}],
  "mortgage": [{"account_id": "p-chk", "interest_rate": {"percentage": 3.5, "type": "fixed"}, "maturity_date": "2045-01-01",
                "next_monthly_payment": 1234.56}], "student": null}} $json$, 60), 1, 'liabilities: the good one is stored');
select results_eq(
  format($$select record_key, reason from public.quarantined_records where item_id = %L and kind = 'liability' order by 1$$, :'item'),
  $$values ('p-card', 'last_payment_date is not a calendar date from year 1 (YYYY-MM-DD): "2024-02-30"'),
           ('p-ship', 'is_overdue is not true or false: "no"')$$, 'and the others set aside');
select results_eq(format($$select interest_rate_percentage, minimum_payment_amount, maturity_date::text from public.liabilities where item_id = %L$$, :'item'),
  $$values (3.5::numeric, 1234.56::numeric, '2045-01-01')$$, 'mortgage fields are read from their own keys');
select is((select quarantined from public.sync_runs where id = :'l_run'), 2, 'the liabilities run counts them');
select is(private.apply_liabilities(:'item', :'l_lease', :'l_run', $json$ {"accounts": [], "request_id": "req-l2",
  "liabilities": {"credit": [{"account_id": "p-card", "last_payment_amount": 1e17, "last_payment_date": "2024-02-28"}]}} $json$, 60),
  1, 'the full set again, fixed');
select is((select count(*)::int from public.quarantined_records where item_id = :'item' and kind = 'liability'), 0,
  'what is stored now or no longer reported is released');
select is((select last_payment_amount from public.liabilities where item_id = :'item'), 1e17::numeric, 'a payment of 1e17 fits');

select c.lease_id as i_lease, c.run_id as i_run from private.claim_sync(:'item', 'investments', 'initial', 60) c \gset
select is(private.apply_holdings(:'item', :'i_lease', :'i_run', $json$ {"accounts": [], "request_id": "req-h",
  "securities": [{"security_id": "s-1", "name": "Index fund", "close_price": 1e20, "close_price_as_of": "2024-01-01"},
                 {"security_id": "s-bad", "name": "Bad", "close_price": "free"}],
  "holdings": [{"account_id": "p-chk", "security_id": "s-1", "quantity": 0.0000000001, "institution_price": 1e20, "institution_value": 1e8},
               {"account_id": "p-chk", "security_id": "s-bad", "quantity": 1, "institution_price": 1, "institution_value": 1},
               {"account_id": "p-card", "security_id": "s-1", "quantity": "many", "institution_price": 1, "institution_value": 1}]} $json$, 60),
  1, 'holdings: the good one is stored');
select is((select quantity from public.holdings where item_id = :'item'), 0.0000000001::numeric, 'a quantity of 1e-10 (ten decimals) is kept exactly');
select results_eq(
  format($$select kind, record_key, reason from public.quarantined_records where item_id = %L and kind in ('security', 'holding') order by 1, 2$$, :'item'),
  $$values ('holding', 'p-card:s-1', 'quantity is not a number: "many"'),
           ('holding', 'p-chk:s-bad', 'security_id s-bad is not a security this connection reported'),
           ('security', 's-bad', 'close_price is not a number: "free"')$$,
  'a poison security, a holding of it and a poison holding are set aside');
select is(private.apply_investment_transactions(:'item', :'i_lease', :'i_run', $json$ {"accounts": [], "request_id": "req-it",
  "securities": [], "investment_transactions": [
    {"investment_transaction_id": "it-1", "account_id": "p-chk", "security_id": "s-1", "date": "2024-01-02", "name": "Buy",
     "quantity": 1, "amount": 1e17, "price": 1e17, "fees": 0, "type": "buy", "subtype": "buy"},
    {"investment_transaction_id": "it-2", "account_id": "p-chk", "date": "2024-01-02", "name": "Gift",
     "quantity": 1, "amount": 1, "price": 1, "type": "gift"}]} $json$, 60), 1, 'investment transactions: the good one is stored');
select is((select reason from public.quarantined_records where record_key = 'it-2'),
  'type is not one of buy, sell, cancel, cash, fee, transfer: "gift"', 'and an unknown type set aside');
select is((select quarantined from public.sync_runs where id = :'i_run'), 4, 'the investments run counts all it set aside');

-- A duplicate account (another connection of the user feeds it) is skipped, never set aside ------------
select private.create_plaid_item(:'a_user', 'item-poison-dup', 'access-sandbox-poison-dup', 'ins_109508', 'First Platypus Bank',
  '{}', '{transactions, liabilities}', null, null, $json$[
    {"account_id": "d-card", "balances": {"current": 10, "iso_currency_code": "USD"}, "name": "Plaid Card", "type": "credit", "mask": "3333"},
    {"account_id": "d-card2", "balances": {"current": 5, "iso_currency_code": "USD"}, "name": "Second Card", "type": "credit", "mask": "4444"}
  ]$json$::jsonb, 'skip') ->> 'id' as dup_item \gset
select is((select count(*)::int from public.plaid_accounts where item_id = :'dup_item' and account_id is null), 1,
  'the card another connection feeds is mapped as a duplicate');
select c.lease_id as d_lease, c.run_id as d_run from private.claim_sync(:'dup_item', 'transactions', 'initial', 60) c \gset
select is(private.apply_transactions_page(:'dup_item', :'d_lease', :'d_run', $json$ {
  "accounts": [], "has_more": false, "next_cursor": "d-1", "request_id": "req-d", "modified": [], "removed": null,
  "added": [{"transaction_id": "d-t1", "account_id": "d-card", "amount": 1, "date": "2024-03-01", "name": "Counted elsewhere"},
            {"transaction_id": "d-t2", "account_id": "d-card2", "amount": 2, "date": "2024-03-01", "name": "New card"}]} $json$, null, 60) ->> 'quarantined',
  '0', 'a duplicate account''s transaction is not set aside (and a null list is empty)');
select results_eq(format($$select plaid_transaction_id from public.transactions where item_id = %L$$, :'dup_item'),
  $$values ('d-t2')$$, 'nor stored: only the new account''s is');
select is((select count(*)::int from private.finish_sync(:'dup_item', 'transactions', :'d_lease', :'d_run', 'succeeded', null, null)), 0,
  'the duplicate''s run succeeds');
select c.lease_id as dl_lease, c.run_id as dl_run from private.claim_sync(:'dup_item', 'liabilities', 'initial', 60) c \gset
select is(private.apply_liabilities(:'dup_item', :'dl_lease', :'dl_run', $json$ {"accounts": [], "request_id": "req-dl1",
  "liabilities": {"credit": [{"account_id": "d-card2", "last_payment_amount": 5}], "mortgage": null}} $json$, 60), 1, 'the new card''s liability is stored');
select is(private.apply_liabilities(:'dup_item', :'dl_lease', :'dl_run', $json$ {"accounts": [], "request_id": "req-dl2",
  "liabilities": {"credit": [{"account_id": "d-card", "last_payment_amount": 9}]}} $json$, 60), 0, 'a duplicate''s liability is skipped');
select is((select count(*)::int from public.liabilities where item_id = :'dup_item'), 0,
  'the one Plaid no longer reports goes, even beside a duplicate''s (no null in the set of reported accounts)');
select is((select count(*)::int from public.quarantined_records where item_id = :'dup_item'), 0, 'nothing of the duplicate is set aside');

-- Owners see theirs, in the read model too; nobody else does --------------------------------------------
select tests.authenticate_as('poison_a');
select is((select records_quarantined from public.item_overview where id = :'item'), 10,
  'item_overview counts the records set aside for the connection');
select is((select count(*)::int from public.quarantined_records), 10, 'the owner reads them');
select throws_ok($$delete from public.quarantined_records$$, '42501', null, 'but cannot change them');
select tests.clear_authentication();
select tests.authenticate_as('poison_b');
select is((select count(*)::int from public.quarantined_records), 0, 'another user sees none');
select tests.clear_authentication();

select private.remove_plaid_item(:'item', false);
select is((select count(*)::int from public.quarantined_records where item_id = :'item'), 0, 'removing the item removes them');

select * from finish();
rollback;
