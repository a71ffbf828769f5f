-- Data-model test helpers (committed, like 000-setup.sql, so every later file can use them).
-- tests.seed_connected_user(identifier) creates a user with one fully populated Plaid item (token in
-- Vault, synced depository/credit/investment accounts, a manual account, transactions, a liability,
-- a security, a holding, an investment transaction, sync state, a sync run and a webhook event) and
-- returns the ids as jsonb. Runs as postgres (the owner), as the Edge Functions do.

create or replace function tests.seed_connected_user(identifier text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user uuid := tests.create_supabase_user(identifier);
  v_tag text := identifier || '-' || left(gen_random_uuid()::text, 8);
  v_item uuid;
  v_checking uuid;
  v_credit uuid;
  v_invest uuid;
  v_manual uuid;
  v_security uuid;
  v_txn uuid;
begin
  insert into public.plaid_items (user_id, plaid_item_id, institution_id, institution_name, products_available, products_billed)
  values (v_user, 'item-' || v_tag, 'ins_109508', 'First Platypus Bank', '{balance}', '{transactions,liabilities,investments}')
  returning id into v_item;
  perform private.store_item_access_token(v_item, 'access-sandbox-' || v_tag);

  insert into public.accounts (user_id, source, name, type, subtype, current_balance, available_balance, currency, balance_updated_at)
  values (v_user, 'plaid', 'Plaid Checking', 'depository', 'checking', 110.5, 100, 'USD', now())
  returning id into v_checking;
  insert into public.accounts (user_id, source, name, type, subtype, current_balance, credit_limit, currency, balance_updated_at)
  values (v_user, 'plaid', 'Plaid Credit Card', 'credit', 'credit card', 410.25, 2000, 'USD', now())
  returning id into v_credit;
  insert into public.accounts (user_id, source, name, type, subtype, current_balance, currency, balance_updated_at)
  values (v_user, 'plaid', 'Plaid Brokerage', 'investment', 'brokerage', 23631.9805, 'USD', now())
  returning id into v_invest;
  insert into public.accounts (user_id, name, type, current_balance)
  values (v_user, 'Cash jar', 'depository', 42)
  returning id into v_manual;

  insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, mask, official_name, type, subtype)
  values
    (v_user, v_item, v_checking, 'acc-chk-' || v_tag, '0000', 'Plaid Gold Standard 0% Interest Checking', 'depository', 'checking'),
    (v_user, v_item, v_credit, 'acc-cc-' || v_tag, '3333', 'Plaid Diamond 12.5% APR Interest Credit Card', 'credit', 'credit card'),
    (v_user, v_item, v_invest, 'acc-inv-' || v_tag, '5555', null, 'investment', 'brokerage');

  insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, iso_currency_code, date, name,
                                   merchant_name, pending, pfc_primary, pfc_detailed, payment_channel)
  values
    (v_user, v_checking, v_item, 'txn-1-' || v_tag, 12.34, 'USD', current_date - 2, 'Coffee', 'Starbucks', false,
     'FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE', 'in store')
  returning id into v_txn;
  insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, iso_currency_code, date, name,
                                   pending, pfc_primary, pfc_detailed, payment_channel)
  values (v_user, v_checking, v_item, 'txn-2-' || v_tag, -500, 'USD', current_date - 1, 'Payroll', true,
          'INCOME', 'INCOME_WAGES', 'other');

  insert into public.liabilities (user_id, item_id, account_id, kind, last_payment_amount, minimum_payment_amount,
                                  last_statement_balance, next_payment_due_date, details)
  values (v_user, v_item, v_credit, 'credit', 168.25, 20, 1708.77, current_date + 20,
          '{"aprs": [{"apr_percentage": 15.24, "apr_type": "purchase_apr"}]}');

  insert into public.securities (user_id, item_id, plaid_security_id, name, ticker_symbol, type, close_price, iso_currency_code)
  values (v_user, v_item, 'sec-' || v_tag, 'Achillion Pharmaceuticals Inc.', 'ACHN', 'equity', 2.11, 'USD')
  returning id into v_security;
  insert into public.holdings (user_id, item_id, account_id, security_id, quantity, institution_price, institution_value, cost_basis, iso_currency_code)
  values (v_user, v_item, v_invest, v_security, 10.5, 2.11, 22.155, 20, 'USD');
  insert into public.investment_transactions (user_id, item_id, account_id, security_id, plaid_investment_transaction_id,
                                              date, name, quantity, amount, price, fees, type, subtype, iso_currency_code)
  values (v_user, v_item, v_invest, v_security, 'invtxn-' || v_tag, current_date - 3, 'BUY Achillion', 10.5, 22.155, 2.11, 0,
          'buy', 'buy', 'USD');

  insert into public.plaid_sync_state (item_id, product, user_id, cursor, last_synced_at, initial_sync_done, transactions_total)
  values (v_item, 'transactions', v_user, 'cursor-' || v_tag, now() - interval '5 minutes', true, 2),
         (v_item, 'investments', v_user, null, now() - interval '5 minutes', true, 0);
  insert into public.sync_runs (user_id, item_id, product, trigger, started_at, finished_at, outcome, added, pages, plaid_request_ids)
  values (v_user, v_item, 'transactions', 'initial', now() - interval '6 minutes', now() - interval '5 minutes', 'succeeded', 2, 1, '{req-1}');
  insert into public.webhook_events (body_sha256, webhook_type, webhook_code, plaid_item_id, item_id, user_id, payload)
  values (encode(extensions.digest(v_tag, 'sha256'), 'hex'), 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', 'item-' || v_tag, v_item, v_user,
          jsonb_build_object('webhook_type', 'TRANSACTIONS', 'webhook_code', 'SYNC_UPDATES_AVAILABLE', 'item_id', 'item-' || v_tag));

  insert into public.quarantined_records (user_id, item_id, kind, record_key, reason, record)
  values (v_user, v_item, 'transaction', 'txn-poison-' || v_tag, 'date is not a calendar date from year 1 (YYYY-MM-DD): "0000-01-01"',
          jsonb_build_object('transaction_id', 'txn-poison-' || v_tag, 'date', '0000-01-01'));

  return jsonb_build_object(
    'user_id', v_user, 'tag', v_tag, 'item_id', v_item, 'plaid_item_id', 'item-' || v_tag,
    'checking_id', v_checking, 'credit_id', v_credit, 'investment_id', v_invest, 'manual_id', v_manual,
    'security_id', v_security, 'transaction_id', v_txn);
end
$$;
comment on function tests.seed_connected_user(text) is 'Test helper: a user with one fully populated Plaid item. Call as postgres.';
revoke all on function tests.seed_connected_user(text) from public, anon, authenticated, service_role;

-- The public tables of the data model (every table in `public`), for the systematic checks.
create or replace function tests.data_model_tables()
returns setof text
language sql
stable
set search_path = ''
as $$
  select c.relname::text from pg_catalog.pg_class c
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
  order by 1
$$;

-- Rows affected by a statement (pgTAP cannot nest a data-modifying WITH). Runs as the caller.
create or replace function tests.affected_rows(statement text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  n integer;
begin
  execute statement;
  get diagnostics n = row_count;
  return n;
end
$$;
grant execute on function tests.affected_rows(text) to anon, authenticated, service_role;

begin;
select extensions.plan(2);
select extensions.ok(
  (select count(*) from tests.data_model_tables()) >= 11, 'the data model''s tables exist');
select extensions.lives_ok(
  $$select tests.seed_connected_user('helpers-smoke')$$, 'tests.seed_connected_user builds a complete user');
select * from extensions.finish();
rollback;
