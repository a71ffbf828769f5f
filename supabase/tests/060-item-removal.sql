-- Removing an item removes its accounts' Plaid data and its Vault secret, and nothing of anyone else's.
-- Two ways, as the item-removal function offers them:
--   delete:        delete the item; its synced accounts and all their data go with it.
--   keep history:  first make its accounts manual and detach its transactions (item_id = null), then
--                  delete the item; the accounts and their transactions stay, as manual history.
begin;
select plan(31);

select tests.seed_connected_user('rm_a') as a \gset
select tests.seed_connected_user('rm_b') as b \gset
select (:'a'::jsonb ->> 'user_id') as a_user, (:'a'::jsonb ->> 'item_id') as a_item,
       (:'a'::jsonb ->> 'manual_id') as a_manual, (:'b'::jsonb ->> 'user_id') as b_user \gset
select access_token_secret_id as a_secret from public.plaid_items where id = :'a_item' \gset

-- B's data, fingerprinted, to show it is untouched.
create function pg_temp.user_rows(p_user uuid) returns table (tbl text, fingerprint text)
language plpgsql set search_path = '' as $$
declare t text;
begin
  for t in select * from tests.data_model_tables() loop
    tbl := t;
    execute format('select count(*) || '':'' || md5(coalesce(string_agg(x::text, '','' order by x::text), '''')) from public.%I x where x.user_id = $1', t)
      into fingerprint using p_user;
    return next;
  end loop;
end $$;
create temp table b_rows as select * from pg_temp.user_rows(:'b_user');

-- Delete -----------------------------------------------------------------------------------------------
select is(tests.affected_rows(format($$delete from public.plaid_items where id = %L$$, :'a_item')), 1, 'the item is deleted');
select is((select count(*)::int from public.plaid_accounts where user_id = :'a_user'), 0, 'its Plaid account mappings are gone');
select is((select count(*)::int from public.accounts where user_id = :'a_user' and source = 'plaid'), 0, 'its synced accounts are gone');
select is((select count(*)::int from public.transactions where user_id = :'a_user'), 0, 'its transactions are gone');
select is((select count(*)::int from public.liabilities where user_id = :'a_user'), 0, 'its liabilities are gone');
select is((select count(*)::int from public.securities where user_id = :'a_user'), 0, 'its securities are gone');
select is((select count(*)::int from public.holdings where user_id = :'a_user'), 0, 'its holdings are gone');
select is((select count(*)::int from public.investment_transactions where user_id = :'a_user'), 0, 'its investment transactions are gone');
select is((select count(*)::int from public.plaid_sync_state where user_id = :'a_user'), 0, 'its sync state is gone');
select is((select count(*)::int from public.sync_runs where user_id = :'a_user'), 0, 'its sync runs are gone');
select is((select r.reason from private.plaid_item_removals r join vault.secrets s on s.id = r.access_token_secret_id
           where s.id = :'a_secret'), 'item_deleted', 'its Vault secret is kept for the queued removal at Plaid');
select results_eq(
  format($$select item_id, user_id from public.webhook_events where plaid_item_id = %L$$, :'a'::jsonb ->> 'plaid_item_id'),
  $$values (null::uuid, null::uuid)$$,
  'its webhook log rows stay, detached from the item and its owner');
select is((select count(*)::int from public.accounts where id = :'a_manual'), 1, 'the user''s manual account is untouched');
select set_eq($$select * from pg_temp.user_rows('$$ || :'b_user' || $$')$$, $$select * from b_rows$$,
  'nothing of another user changed');

-- Keep history -------------------------------------------------------------------------------------------
select tests.seed_connected_user('rm_c') as c \gset
select (:'c'::jsonb ->> 'user_id') as c_user, (:'c'::jsonb ->> 'item_id') as c_item, (:'c'::jsonb ->> 'checking_id') as c_checking \gset
select access_token_secret_id as c_secret from public.plaid_items where id = :'c_item' \gset
select is(tests.affected_rows(format(
  $$update public.accounts set source = 'manual' where id in (select account_id from public.plaid_accounts where item_id = %L)$$, :'c_item')),
  3, 'keep history: the item''s three accounts become manual');
select is(tests.affected_rows(format($$update public.transactions set item_id = null where item_id = %L$$, :'c_item')),
  2, 'keep history: its transactions are detached from the item');
select is(tests.affected_rows(format($$delete from public.plaid_items where id = %L$$, :'c_item')), 1, 'keep history: the item is deleted');
select is((select count(*)::int from public.accounts where user_id = :'c_user'), 4, 'the accounts stay (3 formerly synced + 1 manual)');
select is((select count(*)::int from public.accounts where user_id = :'c_user' and source <> 'manual'), 0, '... all of them manual now');
select results_eq(
  format($$select count(*)::int, count(item_id)::int, count(plaid_transaction_id)::int from public.transactions where account_id = %L$$, :'c_checking'),
  $$values (2, 0, 2)$$, 'the transactions stay on their account, without an item');
select is((select count(*)::int from public.plaid_accounts where user_id = :'c_user'), 0, 'the Plaid mappings are gone');
select is((select count(*)::int from public.holdings where user_id = :'c_user'), 0, 'holdings (a snapshot of the item) are gone');
select is((select count(*)::int from public.plaid_sync_state where user_id = :'c_user'), 0, 'the sync state is gone');
select is((select count(*)::int from private.plaid_item_removals where access_token_secret_id = :'c_secret'), 1,
  'the Vault secret waits in the removal queue');

-- Removing the user removes everything --------------------------------------------------------------------
select tests.seed_connected_user('rm_d') as d \gset
select (:'d'::jsonb ->> 'user_id') as d_user \gset
select access_token_secret_id as d_secret from public.plaid_items where user_id = :'d_user' \gset
delete from auth.users where id = :'d_user';
select is(
  (select sum(n)::int from pg_temp.user_rows(:'d_user') r, lateral (select split_part(r.fingerprint, ':', 1)::int as n) x),
  0, 'deleting the user deletes all of their rows in every table');
select is((select count(*)::int from private.plaid_item_removals where access_token_secret_id = :'d_secret' and user_id = :'d_user'),
  1, '... except their Item''s removal at Plaid, queued with its token');

-- Plaid dropping one account: deleting its mapping deletes the synced account and its data -------------------
select tests.seed_connected_user('rm_e') as e \gset
select (:'e'::jsonb ->> 'credit_id') as e_credit, (:'e'::jsonb ->> 'checking_id') as e_checking \gset
select is(tests.affected_rows(format($$delete from public.plaid_accounts where account_id = %L$$, :'e_credit')), 1,
  'a mapping is deleted (the account disappeared at Plaid)');
select is((select count(*)::int from public.accounts where id = :'e_credit'), 0, 'its synced account is deleted');
select is((select count(*)::int from public.liabilities where account_id = :'e_credit'), 0, 'with its liability');
select is((select count(*)::int from public.accounts where id = :'e_checking'), 1, 'the item''s other accounts stay');
select is(
  (select count(*)::int from public.plaid_items where id = (:'e'::jsonb ->> 'item_id')::uuid), 1, 'the item stays');

select * from finish();
rollback;
