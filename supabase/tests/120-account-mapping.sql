-- One way from Plaid's account JSON to rows: private.upsert_item_accounts maps Plaid's AccountBase objects
-- exactly as Plaid sends them, for exchange (create_plaid_item), balance refresh (apply_account_balances)
-- and the sync's responses; every field Plaid may send as null or leave out is taken as such.
begin;
select plan(37);

select tests.create_supabase_user('map_a') as a_user \gset
select tests.create_supabase_user('map_b') as b_user \gset

-- Exchange: /accounts/get's accounts as received -------------------------------------------------------
select private.create_plaid_item(:'a_user', 'item-map-a', 'access-sandbox-map-a', 'ins_109508', 'First Platypus Bank',
  '{balance}', '{transactions}', null, null, $json$[
    {"account_id": "map-chk", "balances": {"available": 100, "current": 110.5, "iso_currency_code": "USD", "limit": null,
      "unofficial_currency_code": null}, "holder_category": "personal", "mask": "0000", "name": "Plaid Checking",
      "official_name": "Plaid Gold Standard 0% Interest Checking", "persistent_account_id": "persist-chk",
      "subtype": "checking", "type": "depository", "verification_status": "automatically_verified"},
    {"account_id": "map-crypto", "balances": {"available": null, "current": null, "iso_currency_code": null,
      "limit": null, "unofficial_currency_code": "DOGE"}, "holder_category": null, "mask": null, "name": "Dogecoin wallet",
      "official_name": null, "subtype": "crypto exchange", "type": "investment"}
  ]$json$::jsonb) as created \gset
select (:'created'::jsonb ->> 'id') as item \gset

select is(jsonb_path_query_array(:'created'::jsonb, '$.accounts[*].name'), '["Plaid Checking", "Dogecoin wallet"]',
  'exchange returns the accounts in Plaid''s order');
select results_eq(
  format($$select a.name, a.type, a.subtype, a.current_balance, a.available_balance, a.credit_limit, a.currency,
                  a.unofficial_currency_code, a.source, a.balance_updated_at is not null
           from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
           where pa.item_id = %L order by pa.plaid_account_id$$, :'item'),
  $$values ('Plaid Checking', 'depository', 'checking', 110.5::numeric, 100::numeric, null::numeric, 'USD', null, 'plaid', true),
           ('Dogecoin wallet', 'investment', 'crypto exchange', null, null, null, null, 'DOGE', 'plaid', true)$$,
  'accounts: Plaid''s name, type, subtype and balances (null where Plaid sent null), its currency or unofficial currency');
select results_eq(
  format($$select plaid_account_id, mask, official_name, persistent_account_id, type, subtype, verification_status,
                  holder_category, user_id
           from public.plaid_accounts where item_id = %L order by plaid_account_id$$, :'item'),
  format($$values ('map-chk', '0000', 'Plaid Gold Standard 0%% Interest Checking', 'persist-chk', 'depository', 'checking',
                   'automatically_verified', 'personal', %1$L::uuid),
                  ('map-crypto', null, null, null, 'investment', 'crypto exchange', null, null, %1$L::uuid)$$, :'a_user'),
  'mappings: mask, official name, persistent id, type, subtype, verification_status and holder_category as Plaid sent them');

-- A sync response: new balances, changed details, a new account, one account twice ---------------------
select ctid as crypto_ctid from public.plaid_accounts where plaid_account_id = 'map-crypto' \gset
select is(
  (select count(*)::int from private.upsert_item_accounts(:'item', :'a_user', $json$[
    {"account_id": "map-chk", "balances": {"available": 90, "current": 95.25, "iso_currency_code": "USD", "limit": null,
      "unofficial_currency_code": null}, "holder_category": "personal", "mask": "0000", "name": "Plaid Checking",
      "official_name": "Plaid Gold Standard 0% Interest Checking", "persistent_account_id": "persist-chk",
      "subtype": "checking", "type": "depository", "verification_status": "manually_verified"},
    {"account_id": "map-crypto", "balances": {"available": null, "current": null, "iso_currency_code": null,
      "limit": null, "unofficial_currency_code": "DOGE"}, "holder_category": null, "mask": null, "name": "Dogecoin wallet",
      "official_name": null, "subtype": "crypto exchange", "type": "investment"},
    {"account_id": "map-card", "balances": {"available": null, "current": 410, "iso_currency_code": "USD", "limit": 2000,
      "unofficial_currency_code": null}, "holder_category": "business", "mask": "3333", "name": "Plaid Credit Card",
      "official_name": null, "persistent_account_id": null, "subtype": "credit card", "type": "credit"},
    {"account_id": "map-card", "balances": {"available": null, "current": 410, "iso_currency_code": "USD", "limit": 2000,
      "unofficial_currency_code": null}, "holder_category": "business", "mask": "3333", "name": "Plaid Credit Card",
      "official_name": null, "persistent_account_id": null, "subtype": "credit card", "type": "credit"}
  ]$json$)),
  3, 'a sync response writes each account once, the new one included');
select is((select verification_status from public.plaid_accounts where plaid_account_id = 'map-chk'), 'manually_verified',
  'a changed verification_status is written');
select is(
  (select array[a.current_balance, a.available_balance] from public.accounts a
   join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = 'map-chk'),
  array[95.25, 90]::numeric[], 'the balances are written');
select is((select ctid from public.plaid_accounts where plaid_account_id = 'map-crypto'), :'crypto_ctid'::tid,
  'an unchanged mapping is not rewritten');
select results_eq(
  $$select a.name, a.type, a.current_balance, a.credit_limit, a.currency, pa.holder_category, pa.mask
    from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = 'map-card'$$,
  $$values ('Plaid Credit Card', 'credit', 410::numeric, 2000::numeric, 'USD', 'business', '3333')$$,
  'a new account in a sync response gets its account and mapping');
select is((select count(*)::int from public.accounts where user_id = :'a_user'), 3, 'one account per Plaid account');

-- What Plaid may leave out -------------------------------------------------------------------------------
select is((select count(*)::int from private.upsert_item_accounts(:'item', :'a_user', null)), 0,
  'no accounts in the response (SQL null) maps nothing');
select is((select count(*)::int from private.upsert_item_accounts(:'item', :'a_user', 'null')), 0,
  'accounts: null maps nothing');
select is((select count(*)::int from private.upsert_item_accounts(:'item', :'a_user', '[]')), 0, 'an empty list maps nothing');
select throws_ok(format($$select private.upsert_item_accounts(%L, %L, '{"account_id": "x"}')$$, :'item', :'a_user'),
  '22023', 'Plaid accounts must be a JSON array, not object', 'an object where the list belongs is refused');
select is(
  (select array[a.current_balance, a.available_balance] from private.upsert_item_accounts(:'item', :'a_user',
     '[{"account_id": "map-chk", "balances": {"current": null, "available": null, "limit": null, "iso_currency_code": "USD"},
        "name": "Plaid Checking", "type": "depository", "subtype": "checking", "mask": "0000"}]') a),
  array[null, null]::numeric[], 'null balances are stored as unknown');
select is((select verification_status from public.plaid_accounts where plaid_account_id = 'map-chk'), 'manually_verified',
  'an optional field the response leaves out keeps what is known');
select is(
  (select count(*)::int from private.upsert_item_accounts(:'item', :'a_user',
     '[{"account_id": "map-chk", "balances": {"current": null, "available": null, "limit": null, "iso_currency_code": "USD"},
        "name": "Plaid Checking", "type": "depository", "subtype": "checking", "mask": "0000", "verification_status": null}]')),
  1, 'a response sending verification_status: null');
select is((select verification_status from public.plaid_accounts where plaid_account_id = 'map-chk'), null,
  'clears it');
select is((select currency from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
           where pa.plaid_account_id = 'map-chk'), 'USD', 'the currency stays what Plaid sent');
select is((select current_balance from private.upsert_item_accounts(:'item', :'a_user',
    '[{"account_id": "map-chk", "balances": {"current": 1e17}, "name": "Plaid Checking", "type": "depository"}]')),
  1e17::numeric, 'a balance of 1e17 (Plaid''s amounts are doubles) is stored exactly, not refused or rounded');
select is((select array_agg(a.current_balance) from private.upsert_item_accounts(:'item', :'a_user',
    '[{"account_id": "map-chk", "balances": {"current": null}, "name": "Plaid Checking", "type": "depository"}]') a),
  array[null]::numeric[], 'and back to unknown');

-- Another user's Plaid account id: left alone ------------------------------------------------------------
select private.create_plaid_item(:'b_user', 'item-map-b', 'access-sandbox-map-b', 'ins_3', 'Tattersall',
  '{}', '{}', null, null, '[]') ->> 'id' as item_b \gset
select is(
  (select count(*)::int from private.upsert_item_accounts(:'item_b', :'b_user',
     '[{"account_id": "map-chk", "balances": {"current": 1}, "name": "Stolen", "type": "depository", "holder_category": "business"}]')),
  0, 'a Plaid account id mapped to another item is not mapped again');
select is((select count(*)::int from public.accounts where user_id = :'b_user'), 0, 'no account is created for it');
select results_eq(
  $$select a.current_balance, pa.holder_category, pa.item_id::text from public.accounts a
    join public.plaid_accounts pa on pa.account_id = a.id where pa.plaid_account_id = 'map-chk'$$,
  format($$values (null::numeric, 'personal', %L)$$, :'item'),
  'and the owner''s account and mapping are untouched');

-- Balance refresh: /accounts/balance/get's response as received ------------------------------------------
select results_eq(
  format($$select current_balance, available_balance, credit_limit, currency from private.apply_account_balances(%L,
    '{"accounts": [{"account_id": "map-card", "balances": {"available": 1590, "current": 410.1, "iso_currency_code": "USD",
       "limit": 2000, "unofficial_currency_code": null}, "holder_category": "business", "mask": "3333",
       "name": "Plaid Credit Card", "official_name": null, "subtype": "credit card", "type": "credit"}],
      "item": {"item_id": "item-map-a"}, "request_id": "req-balance"}')$$, :'item'),
  $$values (410.1::numeric, 1590::numeric, 2000::numeric, 'USD')$$,
  'a balance refresh writes and returns the balances of the accounts in the response');
select is(
  (select count(*)::int from private.apply_account_balances(:'item',
    '{"accounts": [{"account_id": "map-new", "balances": {"available": 5, "current": 5, "iso_currency_code": "USD"},
       "name": "Plaid Saving", "type": "depository", "subtype": "savings", "mask": "1111", "holder_category": "personal"}]}')),
  1, 'an account that appeared at the bank is created by a balance refresh as by a sync');
select is((select count(*)::int from public.plaid_accounts where item_id = :'item'), 4, 'the item now maps four accounts');
select is((select count(*)::int from private.apply_account_balances(gen_random_uuid(), '{"accounts": []}')), 0,
  'an unknown item returns nothing');
select is((select count(*)::int from private.apply_account_balances(:'item', '{"request_id": "no-accounts"}')), 0,
  'a response without accounts changes nothing');

-- Exchange refuses what is not Plaid's accounts list, and writes nothing ---------------------------------
select throws_ok(format($$select private.create_plaid_item(%L, 'item-map-null', 'access-sandbox-null', 'ins_1', 'Bank',
    '{}', '{}', null, null, 'null')$$, :'b_user'),
  '22023', 'p_accounts must be Plaid''s accounts array', 'exchange refuses accounts: null');
select throws_ok(format($$select private.create_plaid_item(%L, 'item-map-null', 'access-sandbox-null', 'ins_1', 'Bank',
    '{}', '{}', null, null, null)$$, :'b_user'),
  '22023', 'p_accounts must be Plaid''s accounts array', 'exchange refuses a response without accounts');
select is((select count(*)::int from public.plaid_items where plaid_item_id = 'item-map-null'), 0, 'no item was written');
select throws_ok(format($$select private.create_plaid_item(%L, 'item-map-bad', '', 'ins_1', 'Bank',
    '{}', '{}', null, null, '[{"account_id": "map-bad", "balances": {"current": 1}, "name": "Bad", "type": "depository"}]')$$, :'b_user'),
  '22023', null, 'exchange refuses an item it cannot store whole (here: no access token, found after the item row is written)');
select is((select count(*)::int from public.plaid_items where plaid_item_id = 'item-map-bad'), 0,
  'and writes no item (one transaction)');
select is((select count(*)::int from public.plaid_accounts where plaid_account_id like 'map-bad%'), 0, 'and no account');

-- Privileges ---------------------------------------------------------------------------------------------
select tests.authenticate_as('map_a');
select throws_ok(format($$select private.upsert_item_accounts(%L, %L, '[]')$$, :'item', :'a_user'), '42501', null,
  'users cannot map accounts');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok(format($$select private.upsert_item_accounts(%L, %L, '[]')$$, :'item', :'a_user'), '42501', null,
  'service_role cannot call the mapping directly (only through exchange, balance refresh and sync)');
select lives_ok(format($$select private.apply_account_balances(%L, '{"accounts": []}')$$, :'item'),
  'service_role refreshes balances through apply_account_balances');
select tests.clear_authentication();

select * from finish();
rollback;
