-- Insights read models: net worth (sign rules, kinds, institutions, currencies never added, hidden and
-- excluded accounts left out, cards' available credit and utilisation), the balance history (observed
-- rows from balance writes, the back-fill at the end of the initial sync, corrections when Plaid adds,
-- modifies or removes past transactions) and the daily series, all under RLS and isolated per user.
begin;
select plan(53);
set local timezone = 'UTC';

-- A user with a connection in its initial sync: checking, card, mortgage, 401k, and manual accounts.
select tests.create_supabase_user('nw_a') as a_user \gset
select tests.create_supabase_user('nw_b') as b_user \gset
insert into public.plaid_items (id, user_id, plaid_item_id, institution_id, institution_name)
values ('10000000-0000-0000-0000-000000000001', :'a_user', 'item-nw-a', 'ins_1', 'First Platypus Bank'),
       ('10000000-0000-0000-0000-000000000002', :'a_user', 'item-nw-a2', 'ins_2', 'Tartan Bank');
insert into public.plaid_sync_state (item_id, product, user_id, initial_sync_done)
values ('10000000-0000-0000-0000-000000000001', 'transactions', :'a_user', false);
insert into public.accounts (id, user_id, source, name, type, subtype, current_balance, available_balance, credit_limit, currency, balance_updated_at)
values
  ('20000000-0000-0000-0000-000000000001', :'a_user', 'plaid', 'Checking', 'depository', 'checking', 1000, 990, null, 'USD', now()),
  ('20000000-0000-0000-0000-000000000002', :'a_user', 'plaid', 'Card', 'credit', 'credit card', 400, null, 2000, 'USD', now()),
  ('20000000-0000-0000-0000-000000000003', :'a_user', 'plaid', 'Mortgage', 'loan', 'mortgage', 56302.06, null, null, 'USD', now()),
  ('20000000-0000-0000-0000-000000000004', :'a_user', 'plaid', '401k', 'investment', '401k', 23631.98, null, null, 'USD', now()),
  ('20000000-0000-0000-0000-000000000005', :'a_user', 'plaid', 'Savings', 'depository', 'savings', 500, 500, null, 'USD', now());
insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, type, subtype)
values
  (:'a_user', '10000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000001', 'pa-nw-1', 'depository', 'checking'),
  (:'a_user', '10000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000002', 'pa-nw-2', 'credit', 'credit card'),
  (:'a_user', '10000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000003', 'pa-nw-3', 'loan', 'mortgage'),
  (:'a_user', '10000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000004', 'pa-nw-4', 'investment', '401k'),
  (:'a_user', '10000000-0000-0000-0000-000000000002', '20000000-0000-0000-0000-000000000005', 'pa-nw-5', 'depository', 'savings');
insert into public.accounts (id, user_id, name, type, current_balance, currency)
values
  ('20000000-0000-0000-0000-000000000010', :'a_user', 'Cash jar', 'depository', 42, 'USD'),
  ('20000000-0000-0000-0000-000000000011', :'a_user', 'Car loan from Dad', 'loan', 3000, 'USD'),
  ('20000000-0000-0000-0000-000000000012', :'a_user', 'Paris flat', 'other', 250000, 'EUR'),
  ('20000000-0000-0000-0000-000000000013', :'a_user', 'Old wallet', 'depository', 999, 'USD'),
  ('20000000-0000-0000-0000-000000000014', :'a_user', 'Gift card', 'depository', 75, 'USD'),
  ('20000000-0000-0000-0000-000000000015', :'a_user', 'No balance yet', 'depository', null, 'USD');
update public.accounts set hidden = true where id = '20000000-0000-0000-0000-000000000013';
update public.accounts set exclude_from_totals = true where id = '20000000-0000-0000-0000-000000000014';
-- User B: one account, so isolation has something to leak.
insert into public.accounts (user_id, name, type, current_balance, currency) values (:'b_user', 'B cash', 'depository', 7, 'USD');

-- Net worth -----------------------------------------------------------------------------------------------
select tests.authenticate_as('nw_a');
select results_eq(
  $$select currency, assets, liabilities, net_worth, accounts from public.net_worth where level = 'total' order by currency$$,
  $$values ('EUR'::text, 250000::numeric, 0::numeric, 250000::numeric, 1),
           ('USD'::text, 25173.98::numeric, 59702.06::numeric, -34528.08::numeric, 7)$$,
  'totals per currency: assets added, liabilities (card, mortgage, manual loan) subtracted, EUR never added to USD');
select results_eq(
  $$select kind, kind_rank, assets, liabilities from public.net_worth where level = 'kind' and currency = 'USD' order by kind_rank$$,
  $$values ('cash'::text, 1, 1542::numeric, 0::numeric), ('credit'::text, 2, 0::numeric, 400::numeric),
           ('loan'::text, 3, 0::numeric, 59302.06::numeric), ('investment'::text, 4, 23631.98::numeric, 0::numeric)$$,
  'per kind: cash, credit, loans, investments in that order');
select results_eq(
  $$select institution_name, assets, liabilities, accounts from public.net_worth
    where level = 'institution' and currency = 'USD' order by institution_name nulls last$$,
  $$values ('First Platypus Bank'::text, 24631.98::numeric, 56702.06::numeric, 4),
           ('Tartan Bank'::text, 500::numeric, 0::numeric, 1), (null::text, 42::numeric, 3000::numeric, 2)$$,
  'per institution subtotals (manual accounts have none)');
-- An account kept from a removed connection (manual now, its bank's name stored): named by its bank,
-- counted apart from the live connections (no institution_id) and from accounts never connected.
select tests.clear_authentication();
insert into public.accounts (id, user_id, name, type, current_balance, currency, institution_name, mask)
values ('20000000-0000-0000-0000-000000000016', :'a_user', 'Kept checking', 'depository', 10, 'USD', 'Tartan Bank', '0000');
select tests.authenticate_as('nw_a');
select results_eq(
  $$select institution_id, institution_name, item_id from public.net_worth_accounts where label = 'Kept checking'$$,
  $$values (null::text, 'Tartan Bank'::text, null::uuid)$$,
  'a kept account names the bank it came from, with no connection');
select results_eq(
  $$select institution_id, institution_name, assets from public.net_worth
    where level = 'institution' and currency = 'USD' and institution_name = 'Tartan Bank' order by institution_id nulls last$$,
  $$values ('ins_2'::text, 'Tartan Bank'::text, 500::numeric), (null::text, 'Tartan Bank'::text, 10::numeric)$$,
  '… and its subtotal stays apart from the live connection''s');
select tests.clear_authentication();
delete from public.accounts where id = '20000000-0000-0000-0000-000000000016';
select tests.authenticate_as('nw_a');
select results_eq(
  $$select label, in_totals from public.net_worth_accounts where not in_totals order by label$$,
  $$values ('Gift card'::text, false), ('No balance yet'::text, false), ('Old wallet'::text, false)$$,
  'hidden, excluded and balance-less accounts are left out of the totals');
select results_eq(
  $$select kind, is_liability from public.net_worth_accounts where label in ('Car loan from Dad', 'Paris flat') order by label$$,
  $$values ('loan'::text, true), ('other'::text, false)$$,
  'manual accounts count by the kind their owner chose');
select results_eq(
  $$select available_credit, utilization from public.net_worth_accounts where label = 'Card'$$,
  $$values (1600::numeric, 0.2000::numeric)$$,
  'a card: available credit (limit − balance when Plaid gives none) and utilisation');
select is((select available_credit from public.net_worth_accounts where label = 'Checking'), null, 'only cards have available credit');
select is((select count(*)::int from public.net_worth_accounts), 11, 'A sees their 11 accounts');
select lives_ok($$update public.accounts set exclude_from_totals = true where id = '20000000-0000-0000-0000-000000000004'$$,
  'a user may exclude a synced account from totals');
select is((select assets from public.net_worth where level = 'total' and currency = 'USD'), 1542::numeric,
  '… and the totals follow at once');
select throws_ok($$insert into public.balance_history (user_id, account_id, date, balance, source)
  values (auth.uid(), '20000000-0000-0000-0000-000000000010', current_date - 10, 1, 'observed')$$,
  '42501', null, 'users cannot write their balance history');
select tests.clear_authentication();

select tests.authenticate_as('nw_b');
select is((select count(*)::int from public.net_worth_accounts), 1, 'B sees only their own account in the read model');
select results_eq($$select currency, assets, accounts from public.net_worth where level = 'total'$$,
  $$values ('USD'::text, 7::numeric, 1)$$, 'B''s totals are B''s alone');
select is((select count(*)::int from public.balance_history), 1, 'B sees only their own balance history');
select is((select count(*)::int from public.account_balance_history('20000000-0000-0000-0000-000000000001', current_date - 5, current_date)),
  0, 'B gets no series for A''s account');
select is((select count(*)::int from public.net_worth_history(current_date - 5, current_date) where net_worth <> 7), 0,
  'B''s net worth history has none of A''s accounts');
select tests.clear_authentication();

-- Observed balances ----------------------------------------------------------------------------------------
select is((select count(*)::int from public.balance_history where user_id = :'a_user' and source = 'observed'), 10,
  'every account with a balance got today''s observed row');
update public.accounts set current_balance = 1010, balance_updated_at = now() where id = '20000000-0000-0000-0000-000000000001';
update public.accounts set current_balance = 1020, balance_updated_at = now() where id = '20000000-0000-0000-0000-000000000001';
select results_eq(
  $$select date, balance, source from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001'$$,
  $$values (current_date, 1020::numeric, 'observed'::text)$$,
  'one row per account per day: the day''s latest balance');
update public.accounts set hidden = false where id = '20000000-0000-0000-0000-000000000001';
select is((select count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001'), 1,
  'an update that writes no balance records nothing');
update public.accounts set current_balance = 1000, balance_updated_at = now() where id = '20000000-0000-0000-0000-000000000001';

-- Back-fill at the end of the initial sync ------------------------------------------------------------------
-- Checking (cash): money out is positive. Card (credit): purchases add to what is owed.
insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending)
values
  (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t1', 100, current_date - 5, 'Rent part', false),
  (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t2', -300, current_date - 3, 'Payroll', false),
  (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t3', 50, current_date - 1, 'Groceries', false),
  (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t4', 999, current_date - 1, 'Pending hold', true),
  (:'a_user', '20000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000001', 'nw-t5', 40, current_date - 2, 'Coffee', false),
  (:'a_user', '20000000-0000-0000-0000-000000000003', '10000000-0000-0000-0000-000000000001', 'nw-t6', -2000, current_date - 4, 'Mortgage payment', false);
select is((select count(*)::int from public.balance_history where user_id = :'a_user' and source = 'estimated'), 0,
  'nothing is estimated while the item''s initial sync runs');
update public.plaid_sync_state set initial_sync_done = true where item_id = '10000000-0000-0000-0000-000000000001';
select results_eq(
  $$select date, balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' order by date$$,
  $$values (current_date - 6, 850::numeric), (current_date - 5, 750::numeric), (current_date - 4, 750::numeric),
           (current_date - 3, 1050::numeric), (current_date - 2, 1050::numeric), (current_date - 1, 1000::numeric),
           (current_date, 1000::numeric)$$,
  'checking: walked back from today''s balance through posted transactions (pending left out), one row per day');
select results_eq(
  $$select date, balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000002' order by date$$,
  $$values (current_date - 3, 360::numeric), (current_date - 2, 400::numeric), (current_date - 1, 400::numeric),
           (current_date, 400::numeric)$$,
  'card: a purchase added to what is owed, so the day before it owed less');
select is((select count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000003'), 1,
  'a loan is not estimated (interest moves it without transactions): its history starts at its first observation');
select is((select count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date < current_date and source <> 'estimated'), 0,
  'rows before the first observation are marked estimated');

-- Corrections ----------------------------------------------------------------------------------------------
update public.transactions set amount = 150 where plaid_transaction_id = 'nw-t1';
select is((select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date = current_date - 6),
  900::numeric, 'Plaid modified a past amount: the days before it are corrected');
select is((select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date = current_date - 5),
  750::numeric, '… the days after it are not');
delete from public.transactions where plaid_transaction_id = 'nw-t3';
select results_eq(
  $$select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date in (current_date - 6, current_date - 2, current_date - 1) order by date$$,
  $$values (850::numeric), (1000::numeric), (1000::numeric)$$,
  'Plaid removed a past transaction: the days before it are corrected');
insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending)
values (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t7', 25, current_date - 9, 'Late arrival', false);
select results_eq(
  $$select min(date), count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001'$$,
  $$values (current_date - 10, 11)$$,
  'a transaction older than the history extends it back');
select is((select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date = current_date - 10),
  875::numeric, '… walked back through it');
update public.transactions set date = current_date - 2 where plaid_transaction_id = 'nw-t1';
select is((select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date = current_date - 4),
  850::numeric, 'a transaction moved to another day moves the estimates with it');
select is((select balance from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and date = current_date - 3),
  1150::numeric, '… on both sides of the move');
select md5(string_agg(format('%s %s', date, balance), ',' order by date)) as before from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' \gset
insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending)
values (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t8', 5, current_date + 1, 'Tomorrow', false),
       (:'a_user', '20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'nw-t9', 5, current_date - 3, 'Still pending', true);
update public.transactions set item_id = item_id where user_id = :'a_user';
select is((select md5(string_agg(format('%s %s', date, balance), ',' order by date)) from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001'),
  :'before', 'transactions after the first observation, pending ones and rewrites that change nothing leave the history alone');
update public.accounts set current_balance = 900, balance_updated_at = now() where id = '20000000-0000-0000-0000-000000000001';
select is((select count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000001' and source = 'observed'), 1,
  'a later balance write replaces today''s observation only');

-- Daily series -------------------------------------------------------------------------------------------
-- Past observations of the savings account (as if recorded by earlier syncs): carried forward between them.
insert into public.balance_history (user_id, account_id, date, balance, currency, source)
values (:'a_user', '20000000-0000-0000-0000-000000000005', current_date - 4, 300, 'USD', 'observed'),
       (:'a_user', '20000000-0000-0000-0000-000000000005', current_date - 2, 450, 'USD', 'observed');
select tests.authenticate_as('nw_a');
select results_eq(
  $$select date, balance, estimated from public.account_balance_history('20000000-0000-0000-0000-000000000005', current_date - 5, current_date)$$,
  $$values (current_date - 4, 300::numeric, false), (current_date - 3, 300::numeric, false),
           (current_date - 2, 450::numeric, false), (current_date - 1, 450::numeric, false), (current_date, 500::numeric, false)$$,
  'an account''s daily series starts at its first balance and carries each balance forward');
select results_eq(
  $$select date, balance, estimated from public.account_balance_history('20000000-0000-0000-0000-000000000001', current_date - 7, current_date - 6)$$,
  $$values (current_date - 7, 850::numeric, true), (current_date - 6, 850::numeric, true)$$,
  'estimated days say so');
select is((select min(date) from public.account_balance_history('20000000-0000-0000-0000-000000000001', null, current_date)),
  current_date - 10, 'no start date: from the account''s first day');
select results_eq(
  $$select date, assets, liabilities, net_worth from public.net_worth_history(current_date - 1, current_date) where currency = 'USD'$$,
  $$values (current_date - 1, 1492::numeric, 59702.06::numeric, -58210.06::numeric),
           (current_date, 1442::numeric, 59702.06::numeric, -58260.06::numeric)$$,
  'net worth per day: each account in totals as of that day (checking 1000 → 900, savings 450 → 500), liabilities subtracted');
select results_eq(
  $$select currency, count(*)::int from public.net_worth_history(current_date - 1, current_date) group by currency order by currency$$,
  $$values ('EUR'::text, 2), ('USD'::text, 2)$$,
  'one series per currency, never added together');
select results_eq(
  $$select net_worth, estimated from public.net_worth_history(current_date - 6, current_date - 6) where currency = 'USD'$$,
  $$values (-58470.06::numeric, true)$$,
  'before an account''s first balance its first balance is carried back (no cliff on the day it was connected), marked estimated');
select results_eq(
  $$select date, estimated from public.net_worth_history(current_date - 1, current_date) where currency = 'USD'$$,
  $$values (current_date - 1, true), (current_date, false)$$,
  'days before the last account''s first observation are estimated, the rest observed');
select ok((select count(*) = 11 and min(date) = current_date - 10 from public.net_worth_history(null, current_date) where currency = 'USD'),
  'no start date: from the first day any account in totals has a balance');
select tests.clear_authentication();

-- A manual account whose currency changes: its balance leaves the old currency and joins the new one.
insert into public.accounts (id, user_id, name, type, current_balance, currency)
values ('20000000-0000-0000-0000-000000000016', :'a_user', 'Moving money', 'depository', 100, 'USD');
insert into public.balance_history (user_id, account_id, date, balance, currency, source)
values (:'a_user', '20000000-0000-0000-0000-000000000016', current_date - 1, 100, 'USD', 'observed');
update public.accounts set currency = 'GBP', current_balance = 80 where id = '20000000-0000-0000-0000-000000000016';
select tests.authenticate_as('nw_a');
select results_eq(
  $$select date, currency, net_worth from public.net_worth_history(current_date - 1, current_date) where currency <> 'EUR' order by currency, date$$,
  $$values (current_date, 'GBP'::text, 80::numeric), (current_date - 1, 'USD'::text, -58110.06::numeric), (current_date, 'USD'::text, -58260.06::numeric)$$,
  'a currency change moves the account''s balance from the old currency''s series to the new one''s');
select tests.clear_authentication();

-- Deleting an account deletes its history ---------------------------------------------------------------------
delete from public.accounts where id = '20000000-0000-0000-0000-000000000010';
select is((select count(*)::int from public.balance_history where account_id = '20000000-0000-0000-0000-000000000010'), 0,
  'an account''s history goes with it');
select ok(not has_table_privilege('service_role', 'public.balance_history', 'truncate'), 'service_role cannot truncate the history');

-- Through the product's own writers: the exchange (upsert_item_accounts, with an account set aside and
-- a duplicate), sync pages that end the initial import, a balance refresh ------------------------------
select tests.create_supabase_user('nw_c') as c_user \gset
select private.create_plaid_item(:'c_user', 'item-nw-c', 'access-sandbox-nw-c', 'ins_109508', 'First Platypus Bank',
  '{}', '{transactions}', null, null, $json$[
    {"account_id": "c-chk", "balances": {"current": 500, "iso_currency_code": "USD"}, "name": "Checking", "type": "depository", "mask": "0000"},
    {"account_id": "c-bad", "balances": {"current": "lots"}, "name": "Bad", "type": "depository", "mask": "1111"}
  ]$json$::jsonb) ->> 'id' as c_item \gset
select results_eq(format($$select h.balance, h.source from public.balance_history h where h.user_id = %L$$, :'c_user'),
  $$values (500::numeric, 'observed'::text)$$, 'the exchange records the balance it wrote; an account set aside records none');
select private.create_plaid_item(:'c_user', 'item-nw-c2', 'access-sandbox-nw-c2', 'ins_109508', 'First Platypus Bank',
  '{}', '{transactions}', null, null, $json$[
    {"account_id": "c2-chk", "balances": {"current": 999, "iso_currency_code": "USD"}, "name": "Checking", "type": "depository", "mask": "0000"},
    {"account_id": "c2-sav", "balances": {"current": 50, "iso_currency_code": "USD"}, "name": "Savings", "type": "depository", "mask": "2222"}
  ]$json$::jsonb, 'skip') ->> 'id' as c_item2 \gset
select results_eq(format($$select h.balance from public.balance_history h where h.user_id = %L order by h.balance$$, :'c_user'),
  $$values (50::numeric), (500::numeric)$$, 'a duplicate of an account records nothing (the bank account counts once)');
select c.lease_id as c_lease, c.run_id as c_run from private.claim_sync(:'c_item', 'transactions', 'initial', 60) c \gset
select is(private.apply_transactions_page(:'c_item', :'c_lease', :'c_run', jsonb_build_object('accounts', null, 'has_more', false,
  'next_cursor', 'c-1', 'request_id', 'req-c1', 'transactions_update_status', 'INITIAL_UPDATE_COMPLETE', 'modified', '[]'::jsonb, 'removed', '[]'::jsonb,
  'added', jsonb_build_array(jsonb_build_object('transaction_id', 'c-t1', 'account_id', 'c-chk', 'amount', 100,
    'date', (current_date - 2)::text, 'name', 'Groceries'))), null, 60) ->> 'stored', '1', 'the first 30 days are stored');
select is((select count(*)::int from public.balance_history where user_id = :'c_user' and source = 'estimated'), 0,
  'nothing is estimated before Plaid has the whole history');
select private.apply_transactions_page(:'c_item', :'c_lease', :'c_run', $json$ {"has_more": false, "next_cursor": "c-2",
  "request_id": "req-c2", "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE", "added": [], "modified": [], "removed": []} $json$,
  null, 60) as c_page \gset
select results_eq(format($$select date, balance, source from public.balance_history h where h.user_id = %L and h.balance <> 50 order by date$$, :'c_user'),
  $$values (current_date - 3, 600::numeric, 'estimated'::text), (current_date - 2, 500::numeric, 'estimated'::text),
           (current_date - 1, 500::numeric, 'estimated'::text), (current_date, 500::numeric, 'observed'::text)$$,
  'the sync page that ends the import (HISTORICAL_UPDATE_COMPLETE) back-fills the history');
select is((select count(*)::int from private.apply_account_balances(:'c_item', $json$ {"accounts": [
  {"account_id": "c-chk", "balances": {"current": 450, "iso_currency_code": "USD"}, "name": "Checking", "type": "depository", "mask": "0000"}]} $json$)),
  1, 'a balance refresh writes the balance');
select is((select balance from public.balance_history h where h.user_id = :'c_user' and h.date = current_date and h.balance <> 50), 450::numeric,
  '… and today''s observation follows it');

select * from finish();
rollback;
