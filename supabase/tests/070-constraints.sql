-- Constraints reject bad enum values, malformed values and duplicates; composite foreign keys keep every
-- child row with its parent's owner; the webhook log is idempotent per body.
begin;
select plan(48);

select tests.seed_connected_user('con_a') as a \gset
select tests.seed_connected_user('con_b') as b \gset
select (:'a'::jsonb ->> 'user_id') as a_user, (:'a'::jsonb ->> 'item_id') as a_item, (:'a'::jsonb ->> 'tag') as a_tag,
       (:'a'::jsonb ->> 'checking_id') as a_checking, (:'a'::jsonb ->> 'investment_id') as a_invest,
       (:'a'::jsonb ->> 'credit_id') as a_credit, (:'a'::jsonb ->> 'security_id') as a_security,
       (:'a'::jsonb ->> 'manual_id') as a_manual,
       (:'b'::jsonb ->> 'user_id') as b_user, (:'b'::jsonb ->> 'item_id') as b_item,
       (:'b'::jsonb ->> 'checking_id') as b_checking \gset

-- Enums (23514) ----------------------------------------------------------------------------------------
select throws_ok(format($$update public.plaid_items set status = 'sleeping' where id = %L$$, :'a_item'), '23514', null, 'plaid_items.status');
select throws_ok(format($$update public.accounts set source = 'import' where id = %L$$, :'a_manual'), '23514', null, 'accounts.source');
select throws_ok(format($$update public.accounts set type = 'savings' where id = %L$$, :'a_manual'), '23514', null, 'accounts.type');
select throws_ok(format($$update public.plaid_accounts set type = 'checking' where account_id = %L$$, :'a_checking'), '23514', null, 'plaid_accounts.type');
select throws_ok(format($$update public.transactions set payment_channel = 'phone' where user_id = %L$$, :'a_user'), '23514', null, 'transactions.payment_channel');
select throws_ok(format($$update public.liabilities set kind = 'auto' where user_id = %L$$, :'a_user'), '23514', null, 'liabilities.kind');
select throws_ok(format($$update public.investment_transactions set type = 'dividend' where user_id = %L$$, :'a_user'), '23514', null, 'investment_transactions.type');
select throws_ok(format($$update public.plaid_sync_state set product = 'auth' where item_id = %L and product = 'investments'$$, :'a_item'), '23514', null, 'plaid_sync_state.product');
select throws_ok(format($$update public.sync_runs set trigger = 'user' where user_id = %L$$, :'a_user'), '23514', null, 'sync_runs.trigger');
select throws_ok(format($$update public.sync_runs set outcome = 'done' where user_id = %L$$, :'a_user'), '23514', null, 'sync_runs.outcome');
select throws_ok(format($$update public.webhook_events set outcome = 'ok' where user_id = %L$$, :'a_user'), '23514', null, 'webhook_events.outcome');

-- Values (23514) ---------------------------------------------------------------------------------------
select throws_ok(format($$update public.accounts set currency = 'usd' where id = %L$$, :'a_checking'), '23514', null, 'currency must be ISO 4217 upper case');
select throws_ok(format($$update public.transactions set iso_currency_code = 'DOLLAR' where user_id = %L$$, :'a_user'), '23514', null, 'transaction currency code');
select throws_ok(format($$update public.accounts set credit_limit = -1 where id = %L$$, :'a_credit'), '23514', null, 'credit_limit is never negative');
select throws_ok(format($$update public.accounts set current_balance = 'NaN' where id = %L$$, :'a_manual'), '23514', null, 'a balance is never NaN');
select throws_ok(format($$update public.transactions set amount = 'NaN' where user_id = %L$$, :'a_user'), '23514', null, 'an amount is never NaN');
select throws_ok(format($$update public.holdings set quantity = 'NaN' where user_id = %L$$, :'a_user'), '23514', null, 'a quantity is never NaN');
update public.accounts set current_balance = 1.7976931348623157e308 where id = :'a_manual';
select is((select current_balance from public.accounts where id = :'a_manual'), 1.7976931348623157e308::numeric,
  'a balance as large as any double Plaid can send is stored exactly (numeric(1000, 4))');
select throws_ok(format($$update public.accounts set name = '   ' where id = %L$$, :'a_manual'), '23514', null, 'an account name is not blank');
select throws_ok(format($$update public.plaid_items set plaid_item_id = '' where id = %L$$, :'a_item'), '23514', null, 'a Plaid item id is not empty');
select throws_ok(format($$update public.sync_runs set finished_at = started_at - interval '1 second' where user_id = %L$$, :'a_user'), '23514', null, 'a run cannot finish before it starts');
select throws_ok(format($$update public.sync_runs set outcome = 'running' where user_id = %L$$, :'a_user'), '23514', null, 'a finished run is not running');
select throws_ok(format($$update public.sync_runs set added = -1 where user_id = %L$$, :'a_user'), '23514', null, 'counts are never negative');
select throws_ok(format($$update public.plaid_sync_state set lease_id = gen_random_uuid() where item_id = %L$$, :'a_item'), '23514', null, 'a lease has an expiry');
select throws_ok(format($$update public.plaid_sync_state set attempts = -1 where item_id = %L$$, :'a_item'), '23514', null, 'attempts are never negative');
select throws_ok(format($$update public.webhook_events set body_sha256 = 'not-a-hash' where user_id = %L$$, :'a_user'), '23514', null, 'body_sha256 is a hex SHA-256');
select throws_ok(format($$update public.webhook_events set delivery_count = 0 where user_id = %L$$, :'a_user'), '23514', null, 'delivery_count is at least 1');
select throws_ok(
  format($$insert into public.transactions (user_id, account_id, item_id, amount, date, name) values (%L, %L, %L, 1, current_date, 'x')$$,
         :'a_user', :'a_checking', :'a_item'),
  '23514', null, 'a transaction from an item carries Plaid''s transaction id');

-- Duplicates (23505) --------------------------------------------------------------------------------------
select throws_ok(format($$insert into public.plaid_items (user_id, plaid_item_id) values (%L, 'item-' || %L)$$, :'b_user', :'a_tag'),
  '23505', null, 'a Plaid item id is stored once');
select throws_ok(
  format($$insert into public.accounts (id, user_id, source, name) values (gen_random_uuid(), %L, 'plaid', 'dup') returning id$$, :'a_user')
  || format($$; insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, type)
             select %L, %L, id, 'acc-chk-' || %L, 'depository' from public.accounts where name = 'dup'$$, :'a_user', :'a_item', :'a_tag'),
  '23505', null, 'a Plaid account id is stored once');
select throws_ok(
  format($$insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, type) values (%L, %L, %L, 'acc-other', 'depository')$$,
         :'a_user', :'a_item', :'a_checking'),
  '23505', null, 'a Nestfolio account is fed by one Plaid account at most');
select throws_ok(
  format($$insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name)
           values (%L, %L, %L, 'txn-1-' || %L, 1, current_date, 'dup')$$, :'a_user', :'a_checking', :'a_item', :'a_tag'),
  '23505', null, 'a Plaid transaction id is stored once');
select throws_ok(
  format($$insert into public.investment_transactions (user_id, item_id, account_id, plaid_investment_transaction_id, date, name, quantity, amount, price, type)
           values (%L, %L, %L, 'invtxn-' || %L, current_date, 'dup', 1, 1, 1, 'buy')$$, :'a_user', :'a_item', :'a_invest', :'a_tag'),
  '23505', null, 'a Plaid investment transaction id is stored once');
select throws_ok(
  format($$insert into public.securities (user_id, item_id, plaid_security_id) values (%L, %L, 'sec-' || %L)$$, :'a_user', :'a_item', :'a_tag'),
  '23505', null, 'a security is stored once per item');
select throws_ok(
  format($$insert into public.holdings (user_id, item_id, account_id, security_id, quantity, institution_price, institution_value)
           values (%L, %L, %L, %L, 1, 1, 1)$$, :'a_user', :'a_item', :'a_invest', :'a_security'),
  '23505', null, 'an account holds a security in one row');
select throws_ok(
  format($$insert into public.liabilities (user_id, item_id, account_id, kind) values (%L, %L, %L, 'credit')$$, :'a_user', :'a_item', :'a_credit'),
  '23505', null, 'an account has one liability row');
select throws_ok(
  format($$insert into public.plaid_sync_state (item_id, product, user_id) values (%L, 'transactions', %L)$$, :'a_item', :'a_user'),
  '23505', null, 'one sync state per item and product');
select throws_ok(
  format($$insert into public.plaid_items (user_id, plaid_item_id, access_token_secret_id)
           select %L, 'item-dup-secret', access_token_secret_id from public.plaid_items where id = %L$$, :'b_user', :'a_item'),
  '23505', null, 'two items never share a Vault secret');

-- Webhook log: the same delivery twice is one row ---------------------------------------------------------
-- What plaid-webhook does with a verified delivery.
create function pg_temp.record_webhook(body text) returns integer
language sql as $$
  insert into public.webhook_events (body_sha256, webhook_type, webhook_code, plaid_item_id, payload)
  values (encode(extensions.digest(body, 'sha256'), 'hex'), 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', 'item-x', body::jsonb)
  on conflict (body_sha256) do update
    set delivery_count = public.webhook_events.delivery_count + 1, last_received_at = now()
  returning delivery_count
$$;
select is(pg_temp.record_webhook('{"webhook_code": "SYNC_UPDATES_AVAILABLE", "n": 1}'), 1, 'a first delivery is recorded');
select is(pg_temp.record_webhook('{"webhook_code": "SYNC_UPDATES_AVAILABLE", "n": 1}'), 2, 'a redelivery counts on the same row');
select results_eq(
  $$select count(*)::int, max(delivery_count) from public.webhook_events where payload ->> 'n' = '1'$$,
  $$values (1, 2)$$, 'a redelivered webhook is one row with delivery_count 2');
select throws_ok(
  $$insert into public.webhook_events (body_sha256, webhook_type, webhook_code, payload)
    select body_sha256, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', '{}' from public.webhook_events where payload ->> 'n' = '1'$$,
  '23505', null, 'a second row for the same body is refused');

-- Composite foreign keys: a child row always belongs to its parent's owner (23503) --------------------------
select throws_ok(
  format($$insert into public.transactions (user_id, account_id, amount, date, name) values (%L, %L, 1, current_date, 'x')$$, :'a_user', :'b_checking'),
  '23503', null, 'a transaction of A cannot sit on B''s account');
select throws_ok(
  format($$insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name)
           values (%L, %L, %L, 'txn-cross', 1, current_date, 'x')$$, :'a_user', :'a_checking', :'b_item'),
  '23503', null, 'a transaction of A cannot belong to B''s item');
select throws_ok(
  format($$update public.plaid_accounts set account_id = %L where account_id = %L$$, :'b_checking', :'a_checking'),
  '23503', null, 'A''s Plaid account cannot feed B''s account');
select throws_ok(
  format($$update public.holdings set security_id = (select id from public.securities where user_id = %L) where user_id = %L$$, :'b_user', :'a_user'),
  '23503', null, 'A''s holding cannot reference B''s security');
select throws_ok(
  format($$update public.webhook_events set item_id = %L where item_id is null and payload ->> 'n' = '1'$$, :'a_item'),
  '23503', null, 'a webhook log row names an item together with its owner (MATCH FULL)');
select throws_ok(
  format($$update public.sync_runs set user_id = %L where user_id = %L$$, :'b_user', :'a_user'),
  '23503', null, 'a sync run cannot be moved to another user');

select * from finish();
rollback;
