-- The UI's read model (account_overview, item_overview): balances, source, item status, last synced,
-- sync progress and action_needed, read as the user under RLS.
begin;
select plan(28);

select tests.seed_connected_user('rm_view') as a \gset
select (:'a'::jsonb ->> 'item_id') as item, (:'a'::jsonb ->> 'checking_id') as checking,
       (:'a'::jsonb ->> 'manual_id') as manual \gset

create function pg_temp.action_needed(p_account uuid) returns text language sql as $$
  select action_needed from public.account_overview where id = p_account
$$;
grant execute on function pg_temp.action_needed(uuid) to authenticated;

select tests.authenticate_as('rm_view');
select results_eq(
  format($$select name, label, type, subtype, current_balance, available_balance, currency, source, hidden, mask,
                  institution_name, item_id::text, item_status, action_needed, initial_sync_done, transactions_synced, sync_in_progress
           from public.account_overview where id = %L$$, :'checking'),
  format($$values ('Plaid Checking'::text, 'Plaid Checking'::text, 'depository'::text, 'checking'::text, 110.5::numeric, 100::numeric,
                   'USD'::text, 'plaid'::text, false, '0000'::text, 'First Platypus Bank'::text, %L::text, 'healthy'::text,
                   null::text, true, 2, false)$$, :'item'),
  'a synced account: balances, source, institution, item status, progress, nothing to do');
select ok((select last_synced_at is not null and balance_updated_at is not null from public.account_overview where id = :'checking'),
  'a synced account shows when it was last synced and when its balance was updated');
select results_eq(
  format($$select source, item_id, item_status, action_needed, current_balance, sync_in_progress
           from public.account_overview where id = %L$$, :'manual'),
  $$values ('manual'::text, null::uuid, null::text, null::text, 42::numeric, null::boolean)$$,
  'a manual account: no item, nothing to do');
select results_eq(
  format($$select institution_name, status, account_count, initial_sync_done, transactions_synced, sync_in_progress, action_needed
           from public.item_overview where id = %L$$, :'item'),
  $$values ('First Platypus Bank'::text, 'healthy'::text, 3, true, 2, false, null::text)$$,
  'item_overview: one connection with three accounts');
select tests.clear_authentication();

-- action_needed for each item status ------------------------------------------------------------------------
create function pg_temp.action_for(p_item uuid, p_account uuid, p_status text, p_new_accounts boolean) returns text
language plpgsql as $$
declare v text;
begin
  update public.plaid_items set status = p_status, new_accounts_available = p_new_accounts where id = p_item;
  perform tests.authenticate_as('rm_view');
  v := pg_temp.action_needed(p_account);
  perform tests.clear_authentication();
  return v;
end $$;
select is(pg_temp.action_for(:'item', :'checking', 'login_required', false), 'reconnect', 'login_required → reconnect');
select is(pg_temp.action_for(:'item', :'checking', 'pending_expiration', false), 'reconnect', 'pending_expiration → reconnect');
select is(pg_temp.action_for(:'item', :'checking', 'pending_disconnect', false), 'reconnect', 'pending_disconnect → reconnect');
select is(pg_temp.action_for(:'item', :'checking', 'revoked', false), 'reconnect_required_revoked', 'revoked → reconnect_required_revoked');
select is(pg_temp.action_for(:'item', :'checking', 'error', false), 'error', 'error → error');
select is(pg_temp.action_for(:'item', :'checking', 'healthy', true), 'new_accounts', 'new accounts available → new_accounts');
select is(pg_temp.action_for(:'item', :'checking', 'login_required', true), 'reconnect', 'reconnecting comes before new accounts');
select is(pg_temp.action_for(:'item', :'checking', 'healthy', false), null, 'healthy → nothing to do');
select is(pg_temp.action_needed(:'manual'), null, 'a manual account never needs action');

update public.plaid_items
set status = 'login_required', error_code = 'ITEM_LOGIN_REQUIRED',
    error = '{"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "display_message": "Please sign in again."}'
where id = :'item';
select tests.authenticate_as('rm_view');
select results_eq(
  format($$select error_code, action_needed from public.account_overview where id = %L$$, :'checking'),
  $$values ('ITEM_LOGIN_REQUIRED'::text, 'reconnect'::text)$$, 'the account shows the item''s error code');
select is((select error_display_message from public.item_overview where id = :'item'), 'Please sign in again.',
  'item_overview carries Plaid''s display message');
select tests.clear_authentication();

-- Sync progress ---------------------------------------------------------------------------------------------
update public.plaid_sync_state set requested_at = now() where item_id = :'item' and product = 'transactions';
select tests.authenticate_as('rm_view');
select results_eq(format($$select sync_in_progress, sync_running from public.item_overview where id = %L$$, :'item'),
  $$values (true, false)$$, 'a requested sync shows as in progress (queued)');
select tests.clear_authentication();
update public.plaid_sync_state
set running_since = now(), lease_id = gen_random_uuid(), lease_expires_at = now() + interval '2 minutes', requested_at = null,
    initial_sync_done = false, transactions_total = 1500
where item_id = :'item' and product = 'transactions';
select tests.authenticate_as('rm_view');
select results_eq(
  format($$select sync_in_progress, initial_sync_done, transactions_synced from public.account_overview where id = %L$$, :'checking'),
  $$values (true, false, 1500)$$, 'a running initial sync shows its progress');
select is((select sync_running from public.item_overview where id = :'item'), true, 'a held lease is a running sync');
select tests.clear_authentication();
update public.plaid_sync_state set lease_expires_at = now() - interval '1 second' where item_id = :'item' and product = 'transactions';
select tests.authenticate_as('rm_view');
select is((select sync_running from public.item_overview where id = :'item'), false, 'an expired lease is not a running sync');
select tests.clear_authentication();
update public.plaid_sync_state
set last_error = '{"error_type": "API_ERROR", "error_code": "INTERNAL_SERVER_ERROR"}', last_error_at = now()
where item_id = :'item' and product = 'investments';
select tests.authenticate_as('rm_view');
select is((select last_sync_error_code from public.item_overview where id = :'item'), 'INTERNAL_SERVER_ERROR',
  'the latest sync error of any product is shown');

-- Hidden and renamed accounts ---------------------------------------------------------------------------------
update public.accounts set hidden = true, display_name = 'Bills' where id = :'checking';
select results_eq(format($$select hidden, label from public.account_overview where id = %L$$, :'checking'),
  $$values (true, 'Bills'::text)$$, 'hidden accounts stay in the read model (the UI filters), with their label');

-- Column grants hold through the views ----------------------------------------------------------------------------
select throws_ok($$select access_token_secret_id from public.item_overview$$, '42703', null,
  'item_overview has no secret id column');
select lives_ok($$select * from public.item_overview$$, 'select * on item_overview works for a user');
select lives_ok($$select * from public.account_overview$$, 'select * on account_overview works for a user');
select tests.clear_authentication();

-- What the last successful sync changed -------------------------------------------------------------------------
-- A first success (the import), then a sync continued over two invocations: the runs since the previous
-- success count whole; a failed run and another product's run do not count.
delete from public.sync_runs where item_id = :'item';
insert into public.sync_runs (user_id, item_id, product, trigger, started_at, finished_at, outcome, added, modified, removed)
select user_id, id, p, t, now() - s * interval '1 minute', now() - s * interval '1 minute' + interval '1 second', o, a, m, r
from public.plaid_items, (values
  ('transactions', 'initial', 50, 'succeeded', 120, 0, 0),
  ('transactions', 'retry', 40, 'failed', 0, 0, 0),
  ('transactions', 'webhook', 30, 'continued', 10, 1, 0),
  ('transactions', 'follow_up', 20, 'succeeded', 2, 0, 1),
  ('liabilities', 'webhook', 10, 'succeeded', 99, 99, 99)) v(p, t, s, o, a, m, r)
where id = :'item';
select tests.authenticate_as('rm_view');
select results_eq(format($$select last_sync_added, last_sync_modified, last_sync_removed, last_sync_was_import
                           from public.item_overview where id = %L$$, :'item'),
  $$values (12, 1, 1, false)$$, 'the last sync''s changes are summed over its runs since the previous success');
select ok((select last_sync_finished_at > now() - interval '20 minutes' from public.item_overview where id = :'item'),
  'and it says when that sync finished');
select tests.clear_authentication();
delete from public.sync_runs where item_id = :'item' and started_at > now() - interval '45 minutes';
select tests.authenticate_as('rm_view');
select results_eq(format($$select last_sync_added, last_sync_was_import from public.item_overview where id = %L$$, :'item'),
  $$values (120, true)$$, 'a first success is the import');
select tests.clear_authentication();
-- Plaid not ready at the first sync (NOT_READY: nothing added); the webhook's sync brings the history.
update public.sync_runs set added = 0 where item_id = :'item';
insert into public.sync_runs (user_id, item_id, product, trigger, started_at, finished_at, outcome, added, modified, removed)
select user_id, id, 'transactions', 'webhook', now() - interval '5 minutes', now() - interval '4 minutes', 'succeeded', 2920, 0, 0
from public.plaid_items where id = :'item';
select tests.authenticate_as('rm_view');
select results_eq(format($$select last_sync_added, last_sync_was_import from public.item_overview where id = %L$$, :'item'),
  $$values (2920, true)$$, 'a sync after one that stored nothing is still the import');
select tests.clear_authentication();

select * from finish();
rollback;
