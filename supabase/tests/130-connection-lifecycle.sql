-- A connection's life without holes (issue 15): Plaid's nullable lists fed as JSON, the Plaid removal
-- queue (never an Item the product stores; tokens kept until Plaid is done), duplicates refused or
-- skipped by the database, a revoked connection taken over with its history, "delete all my bank data",
-- and a failed sync waiting for its retry shown as such.
begin;
select plan(56);

create function pg_temp.accounts_json(p_prefix text, p_specs jsonb) returns jsonb language sql as $$
  select jsonb_agg(jsonb_build_object('account_id', p_prefix || '-' || (s ->> 'mask'), 'mask', s ->> 'mask', 'name', s ->> 'name',
    'official_name', null, 'type', s ->> 'type', 'subtype', s ->> 'subtype', 'persistent_account_id', s -> 'persistent',
    'balances', jsonb_build_object('current', 10, 'available', null, 'limit', null, 'iso_currency_code', 'USD',
                                   'unofficial_currency_code', null)))
  from jsonb_array_elements(p_specs) s $$;
create function pg_temp.create_item(p_user uuid, p_plaid_item text, p_specs jsonb, p_duplicates text default 'refuse',
                                    p_billed text[] default '{transactions}') returns jsonb language sql as $$
  select private.create_plaid_item(p_user, p_plaid_item, 'access-sandbox-' || p_plaid_item, 'ins_109508', 'First Platypus Bank',
    '{}', p_billed, null, null, pg_temp.accounts_json(p_plaid_item, p_specs), p_duplicates) $$;

-- Plaid's nullable lists ------------------------------------------------------------------------------------
select throws_ok($$select private.jsonb_list('{"a": 1}')$$, '22023', null, 'a Plaid list that is an object is refused, not guessed at');
select is(private.jsonb_list('null'::jsonb), '[]'::jsonb, 'a JSON null list is empty');

select tests.create_supabase_user('lc_null') as null_user \gset
select pg_temp.create_item(:'null_user', 'item-lc-null', '[
  {"mask": "3333", "name": "Plaid Credit Card", "type": "credit", "subtype": "credit card"},
  {"mask": "7777", "name": "Plaid Student Loan", "type": "loan", "subtype": "student"}]', 'refuse',
  '{transactions,liabilities,investments}') ->> 'id' as null_item \gset
select * from private.claim_sync(:'null_item', 'liabilities', 'manual', 60) \gset l_
select is(private.apply_liabilities(:'null_item', :'l_lease_id', :'l_run_id', $json$
  {"accounts": null, "item": {}, "request_id": "r1", "liabilities": {"credit": null, "mortgage": null, "student": [
    {"account_id": "item-lc-null-7777", "interest_rate_percentage": 5.25, "last_payment_amount": null,
     "expected_payoff_date": null, "repayment_plan": null, "servicer_address": null}]}}$json$, 60),
  1, '/liabilities/get with credit and mortgage null: the student loan is stored');
select results_eq(format($$select kind, interest_rate_percentage from public.liabilities where item_id = %L$$, :'null_item'),
  $$values ('student', 5.25::numeric(9,6))$$, '… as Plaid sent it');
select lives_ok(format($$select private.apply_liabilities(%L, %L, %L, '{"liabilities": {"credit": null, "mortgage": null, "student": null}}', 60)$$,
  :'null_item', :'l_lease_id', :'l_run_id'), 'every liabilities list null: nothing to store, no error');
select is((select count(*)::int from public.liabilities where item_id = :'null_item'), 0, '… and the liabilities Plaid no longer lists are gone');
select * from private.claim_sync(:'null_item', 'transactions', 'manual', 60) \gset t_
select is(private.apply_transactions_page(:'null_item', :'t_lease_id', :'t_run_id',
  '{"added": null, "modified": null, "removed": null, "accounts": null, "has_more": false, "next_cursor": "c1", "transactions_update_status": "NOT_READY", "request_id": "r2"}',
  null, 60) ->> 'stored', '0', 'a /transactions/sync page with null lists stores nothing and advances the cursor');
select is((select cursor from public.plaid_sync_state where item_id = :'null_item' and product = 'transactions'), 'c1', '… to Plaid''s next_cursor');
select * from private.claim_sync(:'null_item', 'investments', 'manual', 60) \gset i_
select is(private.apply_holdings(:'null_item', :'i_lease_id', :'i_run_id',
  '{"accounts": null, "holdings": null, "securities": null, "request_id": "r3"}', 60), 0, 'holdings and securities null: none');
select is(private.apply_investment_transactions(:'null_item', :'i_lease_id', :'i_run_id',
  '{"accounts": null, "investment_transactions": null, "securities": null, "request_id": "r4"}', 60), 0,
  'investment transactions null: none');

-- The Plaid removal queue ---------------------------------------------------------------------------------------
select tests.seed_connected_user('lc_rm') as rm \gset
select (:'rm'::jsonb ->> 'user_id') as rm_user, (:'rm'::jsonb ->> 'item_id') as rm_item, (:'rm'::jsonb ->> 'plaid_item_id') as rm_plaid \gset
select is(private.abandon_plaid_item(:'rm_user', :'rm_plaid', 'access-sandbox-x', 'duplicate'), null,
  'an exchanged Item that an item row holds is never queued for removal (it is a live connection)');
select private.abandon_plaid_item(:'rm_user', 'item-lc-new', 'access-sandbox-lc-new', 'not_stored') as removal \gset
select isnt(:'removal'::uuid, null, 'an Item no row holds is queued for removal');
select is((select s.decrypted_secret from vault.decrypted_secrets s join private.plaid_item_removals r on r.access_token_secret_id = s.id
           where r.id = :'removal'), 'access-sandbox-lc-new', '… with its token in Vault');
select is(private.abandon_plaid_item(:'rm_user', 'item-lc-new', 'access-sandbox-lc-new', 'not_stored'), :'removal'::uuid,
  'queuing it again is the same entry');
select throws_ok($$select pg_temp.create_item(tests.get_supabase_uid('lc_rm'), 'item-lc-new', '[{"mask": "0000", "name": "X", "type": "depository"}]')$$,
  '55000', null, 'an Item being removed can never be stored');
select * from private.claim_item_removal(:'removal', 60) \gset rm_
select is(:'rm_access_token'::text, 'access-sandbox-lc-new', 'a removal call claims the entry and its token');
select is((select count(*)::int from private.claim_item_removal(:'removal', 60)), 0, '… one call at a time');
select is(private.finish_item_removal(:'removal', :'rm_lease_id', 'failed', '{"error_code": "INTERNAL_SERVER_ERROR"}'), false,
  'Plaid failed: not done');
select ok((select attempts = 1 and next_attempt_at > now() from private.plaid_item_removals where id = :'removal'), '… retried with backoff');
select is((select count(*)::int from private.claim_item_removal(:'removal', 60)), 0, '… not before its backoff is over');
update private.plaid_item_removals set next_attempt_at = now() - interval '1 second' where id = :'removal';
select * from private.claim_item_removal(:'removal', 60) \gset rm2_
select is(private.finish_item_removal(:'removal', :'rm2_lease_id', 'gone', null), true, 'ITEM_NOT_FOUND at Plaid: done');
select is((select count(*)::int from vault.secrets where name = private.removal_token_secret_name(:'removal')), 0, '… and the token is deleted');
select private.abandon_plaid_item(:'rm_user', 'item-lc-lost', 'access-sandbox-lc-lost', 'not_stored') as lost \gset
update private.plaid_item_removals set last_dispatched_at = now() - interval '3 minutes' where id = :'lost';
select is(private.sweep_item_lifecycle() ->> 'removals', '1', 'the sweep calls again for a removal whose call was lost');
select private.remove_plaid_item((select id from public.plaid_items where user_id = :'rm_user'), false, true) as _ \gset
select is((select count(*)::int from private.plaid_item_removals where plaid_item_id = :'rm_plaid'), 0,
  'an item Plaid already removed (plaid-item-remove) is deleted with its token, nothing queued');

-- Duplicates ---------------------------------------------------------------------------------------------------
select tests.create_supabase_user('lc_dup') as dup_user \gset
select pg_temp.create_item(:'dup_user', 'item-lc-d1', '[
  {"mask": "0000", "name": "Plaid Checking", "type": "depository", "subtype": "checking"},
  {"mask": "1111", "name": "Plaid Saving", "type": "depository", "subtype": "savings"}]') ->> 'id' as d1 \gset
select is(private.check_link_accounts(:'dup_user', 'ins_109508',
  '[{"id": "l1", "name": "Plaid Checking", "mask": "0000", "type": "depository"}, {"id": "l2", "name": "Plaid CD", "mask": "2222", "type": "depository"}]'),
  jsonb_build_object('result', 'duplicate', 'item', jsonb_build_object('id', :'d1', 'institution_name', 'First Platypus Bank', 'status', 'healthy'),
    'accounts', '[{"id": "l1", "name": "Plaid Checking", "mask": "0000", "connected": true}, {"id": "l2", "name": "Plaid CD", "mask": "2222", "connected": false}]'::jsonb),
  'the pre-check names the connection and which of Link''s accounts it already has');
select is(private.check_link_accounts(:'dup_user', 'ins_109509', '[{"id": "l1", "name": "Plaid Checking", "mask": "0000"}]') ->> 'result', 'new',
  'the same mask and name at another institution is another account');
select throws_ok($$select pg_temp.create_item(tests.get_supabase_uid('lc_dup'), 'item-lc-d2', '[
  {"mask": "0000", "name": "Plaid Checking", "type": "depository"}, {"mask": "2222", "name": "Plaid CD", "type": "depository"}]')$$,
  'NF409', null, 'connecting an account that is already connected is refused by default');
select pg_temp.create_item(:'dup_user', 'item-lc-d2', '[
  {"mask": "0000", "name": "Plaid Checking", "type": "depository"}, {"mask": "2222", "name": "Plaid CD", "type": "depository"}]', 'skip') as d2 \gset
select is(:'d2'::jsonb -> 'skipped_duplicates', '["0000"]', 'with duplicates: skip, only the new accounts are connected');
select is(jsonb_path_query_array(:'d2'::jsonb, '$.accounts[*].name'), '["Plaid CD"]', '… the new one');
select results_eq(format($$select mask, account_id is null from public.plaid_accounts where item_id = %L order by mask$$, :'d2'::jsonb ->> 'id'),
  $$values ('0000', true), ('2222', false)$$, '… the duplicate recorded without an account (never counted twice)');
select is((select account_count from public.item_overview where id = (:'d2'::jsonb ->> 'id')::uuid), 1, 'the read model counts the imported account only');
select * from private.claim_sync((:'d2'::jsonb ->> 'id')::uuid, 'transactions', 'manual', 60) \gset d2_
select is(private.apply_transactions_page((:'d2'::jsonb ->> 'id')::uuid, :'d2_lease_id', :'d2_run_id', $json$
  {"added": [{"transaction_id": "t-dup", "account_id": "item-lc-d2-0000", "amount": 1, "date": "2026-01-02", "name": "Twice?", "pending": false, "payment_channel": "other"},
             {"transaction_id": "t-new", "account_id": "item-lc-d2-2222", "amount": 2, "date": "2026-01-02", "name": "New", "pending": false, "payment_channel": "other"}],
   "modified": [], "removed": [], "accounts": [], "has_more": false, "next_cursor": "c", "request_id": "r"}$json$, null, 60) ->> 'stored', '1',
  'a sync page stores the new account''s transactions, never the duplicate''s (its other connection brings them)');
select throws_ok($$select pg_temp.create_item(tests.get_supabase_uid('lc_dup'), 'item-lc-d3', '[{"mask": "1111", "name": "Plaid Saving", "type": "depository"}]', 'skip')$$,
  'NF409', null, 'nothing new: refused even with skip');
select is((select count(*)::int from private.plaid_item_removals where plaid_item_id = 'item-lc-d3'), 0,
  '… (the exchange then queues its removal: that Item was never stored)');
select throws_ok(format($$insert into public.plaid_accounts (user_id, item_id, account_id, plaid_account_id, type, institution_id, mask, name)
  values (%L, %L, (select id from public.accounts where user_id = %L and name = 'Plaid Saving'), 'acc-dup', 'depository', 'ins_109508', '1111', 'plaid saving')$$,
  :'dup_user', :'d1', :'dup_user'), '23505', null, 'the database refuses a second live mapping of the same bank account');
select tests.create_supabase_user('lc_dup_partner') as partner \gset
select lives_ok($$select pg_temp.create_item(tests.get_supabase_uid('lc_dup_partner'), 'item-lc-p1', '[{"mask": "0000", "name": "Plaid Checking", "type": "depository"}]')$$,
  'another person may connect the same (joint) account');
select pg_temp.create_item(:'dup_user', 'item-lc-tan1', '[{"mask": "4444", "name": "Chase Checking", "type": "depository", "persistent": "pers-1"}]') as _ \gset
select throws_ok($$select pg_temp.create_item(tests.get_supabase_uid('lc_dup'), 'item-lc-tan2', '[{"mask": "9999", "name": "Chase Checking", "type": "depository", "persistent": "pers-1"}]')$$,
  'NF409', null, 'a Tokenized Account Number bank: the same persistent_account_id is the same account whatever its mask');

-- A revoked connection taken over --------------------------------------------------------------------------------
select tests.create_supabase_user('lc_rev') as rev_user \gset
select pg_temp.create_item(:'rev_user', 'item-lc-r1', '[
  {"mask": "0000", "name": "Plaid Checking", "type": "depository"}, {"mask": "1111", "name": "Plaid Saving", "type": "depository"}]') ->> 'id' as r1 \gset
select id as r1_chk from public.accounts where user_id = :'rev_user' and name = 'Plaid Checking' \gset
select id as r1_sav from public.accounts where user_id = :'rev_user' and name = 'Plaid Saving' \gset
insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending) values
  (:'rev_user', :'r1_chk', :'r1', 'old-400', 1, current_date - 400, 'Old history', false),
  (:'rev_user', :'r1_chk', :'r1', 'old-10', 2, current_date - 10, 'Re-sent by the new item', false),
  (:'rev_user', :'r1_chk', :'r1', 'old-pending', 3, current_date, 'Old pending', true),
  (:'rev_user', :'r1_sav', :'r1', 'old-sav', 4, current_date - 5, 'Saving history', false);
update public.plaid_items set status = 'revoked' where id = :'r1';
select is(private.check_link_accounts(:'rev_user', 'ins_109508', '[{"id": "l1", "name": "Plaid Checking", "mask": "0000"}]') ->> 'result',
  'replaces_revoked', 'the pre-check says connecting again restores the revoked connection');
select pg_temp.create_item(:'rev_user', 'item-lc-r2', '[{"mask": "0000", "name": "Plaid Checking", "type": "depository"}]') as r2 \gset
select (:'r2'::jsonb ->> 'id') as r2_id \gset
select is((:'r2'::jsonb ->> 'replaced_revoked')::boolean, true, 'connecting the revoked bank again replaces it');
select is(jsonb_path_query_array(:'r2'::jsonb, '$.accounts[*].id'), jsonb_build_array(:'r1_chk'), '… its account keeps its id');
select is((select item_id from public.plaid_accounts where account_id = :'r1_chk'), :'r2_id'::uuid, '… and is fed by the new item');
select is((select count(*)::int from public.plaid_items where id = :'r1'), 0, 'the revoked item is gone');
select is((select reason from private.plaid_item_removals where plaid_item_id = 'item-lc-r1'), 'replaced', '… its removal at Plaid queued');
select is((select source from public.accounts where id = :'r1_sav'), 'manual', 'an account not connected again stays, as a manual account');
select is((select count(*)::int from public.transactions where account_id = :'r1_sav'), 1, '… with its history');
select is((select count(*)::int from public.transactions where account_id = :'r1_chk'), 3, 'the taken-over account keeps its history meanwhile');
insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending) values
  (:'rev_user', :'r1_chk', :'r2_id', 'new-20', 2, current_date - 20, 'First of the new import', false),
  (:'rev_user', :'r1_chk', :'r2_id', 'new-10', 2, current_date - 10, 'Re-sent by the new item', false);
update public.plaid_sync_state set initial_sync_done = true where item_id = :'r2_id' and product = 'transactions';
select results_eq(format($$select plaid_transaction_id from public.transactions where account_id = %L order by date$$, :'r1_chk'),
  $$values ('old-400'), ('new-20'), ('new-10')$$,
  'once the new import is done, the old copies of its period go (and old pending ones); older history stays');

-- Plaid's account without an id (never sent, but not trusted): the takeover does not move it, nothing fails.
select tests.create_supabase_user('lc_rev_noid') as rev_noid \gset
select pg_temp.create_item(:'rev_noid', 'item-lc-n1', '[{"mask": "0000", "name": "Plaid Checking", "type": "depository"}]') ->> 'id' as n1 \gset
update public.plaid_items set status = 'revoked' where id = :'n1';
select lives_ok(format($$select private.create_plaid_item(%L, 'item-lc-n2', 'access-sandbox-item-lc-n2', 'ins_109508', 'First Platypus Bank',
    '{}', '{transactions}', null, null, pg_temp.accounts_json('item-lc-n2', '[{"mask": "0000", "name": "Plaid Checking", "type": "depository"}]') #- '{0,account_id}', 'refuse')$$,
  :'rev_noid'), 'connecting a revoked bank again with an account Plaid sent without an id does not fail');
select is((select source from public.accounts where user_id = :'rev_noid' and name = 'Plaid Checking'), 'manual',
  '… that account is kept, as a manual account with its history');

-- Delete all my bank data -----------------------------------------------------------------------------------------
select tests.seed_connected_user('lc_all') as everything \gset
select (:'everything'::jsonb ->> 'user_id') as all_user \gset
select private.delete_user_bank_data(:'all_user') as deleted \gset
select is(:'deleted'::jsonb - 'removals', '{"connections": 1, "accounts": 4, "transactions": 2}', 'every connection and account, manual ones too');
select is(jsonb_array_length(:'deleted'::jsonb -> 'removals'), 1, '… the connection''s removal at Plaid queued');
select is((select sum(split_part(fingerprint, ':', 1)::int)::int from (
  select (select count(*)::text from public.accounts where user_id = :'all_user') || ':' as fingerprint
  union all select (select count(*)::text from public.transactions where user_id = :'all_user') || ':'
  union all select (select count(*)::text from public.plaid_items where user_id = :'all_user') || ':') x), 0, 'nothing of it is left');
select is((select count(*)::int from auth.users where id = :'all_user'), 1, 'the sign-in stays');

-- A sync waiting for its retry is not "in progress" --------------------------------------------------------------------
update public.plaid_sync_state set requested_at = now() - interval '1 minute', next_attempt_at = now() + interval '4 minutes', attempts = 3,
  last_error = '{"error_code": "INSTITUTION_DOWN", "display_message": "The bank is down"}', last_error_at = now() - interval '1 minute'
where item_id = :'d1' and product = 'transactions';
select results_eq(format($$select sync_in_progress, sync_retry_at > now(), last_sync_error_code, last_sync_error_display_message
  from public.item_overview where id = %L$$, :'d1'),
  $$values (false, true, 'INSTITUTION_DOWN', 'The bank is down')$$,
  'a sync that failed and waits: not in progress; the next retry, the error in words');
update public.plaid_sync_state set next_attempt_at = now() - interval '1 second' where item_id = :'d1' and product = 'transactions';
select results_eq(format($$select sync_in_progress, sync_retry_at from public.item_overview where id = %L$$, :'d1'),
  $$values (true, null::timestamptz)$$, 'once its retry is due it is in progress again');

-- Status observed ---------------------------------------------------------------------------------------------
update public.plaid_items set status_observed_at = null where id = :'d1';
update public.plaid_items set status = 'error' where id = :'d1';
select isnt((select status_observed_at from public.plaid_items where id = :'d1'), null,
  'any status change (a sync''s item error) stamps when Plaid showed it, so an older status check cannot undo it');

select * from finish();
rollback;
