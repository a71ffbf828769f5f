-- public.link_plaid_account_to_manual: a user links one of their synced accounts to one of their manual
-- accounts. The manual account keeps its history and receives the synced account's data; Plaid feeds it
-- from then on; the synced account row is deleted. Anyone else's ids: an error and no change at all.
begin;
select plan(27);

select tests.seed_connected_user('lnk_a') as a \gset
select tests.seed_connected_user('lnk_b') as b \gset
select (:'a'::jsonb ->> 'user_id') as a_user, (:'a'::jsonb ->> 'checking_id') as a_checking,
       (:'a'::jsonb ->> 'credit_id') as a_credit, (:'a'::jsonb ->> 'manual_id') as a_manual,
       (:'a'::jsonb ->> 'item_id') as a_item,
       (:'b'::jsonb ->> 'user_id') as b_user, (:'b'::jsonb ->> 'checking_id') as b_checking,
       (:'b'::jsonb ->> 'manual_id') as b_manual \gset

-- The manual account has history of its own (e.g. kept from an earlier connection).
insert into public.transactions (user_id, account_id, amount, date, name)
values (:'a_user', :'a_manual', 5, current_date - 400, 'Old manual entry');

create function pg_temp.snapshot() returns text language sql as $$
  select md5(string_agg(x, '|' order by x)) from (
    select 'a' || to_jsonb(a)::text as x from public.accounts a
    union all select 'p' || to_jsonb(p)::text from public.plaid_accounts p
    union all select 't' || to_jsonb(t)::text from public.transactions t
    union all select 'l' || to_jsonb(l)::text from public.liabilities l
  ) s
$$;
select pg_temp.snapshot() as before \gset

-- Refusals: nothing changes ---------------------------------------------------------------------------
select tests.authenticate_as('lnk_a');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'b_checking', :'a_manual'),
  'P0002', format('no synced account %s for this user', :'b_checking'), 'another user''s synced account is refused');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'b_manual'),
  'P0002', format('no manual account %s for this user', :'b_manual'), 'another user''s manual account is refused');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'b_checking', :'b_manual'),
  'P0002', null, 'another user''s two accounts are refused');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_credit'),
  'P0002', null, 'the target must be a manual account');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_manual', :'a_checking'),
  'P0002', null, 'the source must be a synced account');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_checking'),
  '22023', null, 'two different accounts are needed');
select throws_ok(format($$select public.link_plaid_account_to_manual(gen_random_uuid(), %L)$$, :'a_manual'),
  'P0002', null, 'an unknown account is refused like another user''s');
select throws_ok(format($$select private.link_plaid_account_to_manual(%L, %L)$$, :'b_checking', :'a_manual'),
  'P0002', null, 'calling the private implementation directly checks the same');
select tests.clear_authentication();
select is(pg_temp.snapshot(), :'before', 'after all refusals, accounts, mappings, transactions and liabilities are unchanged');

select tests.authenticate_as_service_role();
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_manual'),
  '42501', null, 'service_role does not call the user RPC');
select tests.clear_authentication();
select throws_ok(format($$select private.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_manual'),
  '42501', 'not signed in', 'without a signed-in user the implementation refuses');

-- The link ------------------------------------------------------------------------------------------------
select tests.authenticate_as('lnk_a');
select is(public.link_plaid_account_to_manual(:'a_checking', :'a_manual')::text, :'a_manual', 'the RPC returns the manual account');
select tests.clear_authentication();

select is((select count(*)::int from public.accounts where id = :'a_checking'), 0, 'the synced account row is gone');
select is((select account_id::text from public.plaid_accounts where plaid_account_id = 'acc-chk-' || (:'a'::jsonb ->> 'tag')),
  :'a_manual', 'the Plaid account now feeds the manual account');
select is((select count(*)::int from public.transactions where account_id = :'a_manual'), 3,
  'the manual account has its own history plus the synced transactions');
select is((select count(*)::int from public.transactions where account_id = :'a_manual' and item_id = :'a_item'), 2,
  'the moved transactions still belong to the item (a later sync updates them in place)');
select results_eq(
  format($$select source, name, display_name, type, subtype, current_balance, available_balance, linked_at is not null
           from public.accounts where id = %L$$, :'a_manual'),
  $$values ('plaid'::text, 'Plaid Checking'::text, 'Cash jar'::text, 'depository'::text, 'checking'::text,
            110.5::numeric(20,4), 100::numeric(20,4), true)$$,
  'the manual account is now synced: Plaid''s name, type and balances, the user''s name as display_name');
select is((select count(*)::int from public.accounts where user_id = :'a_user'), 3, 'A has one account fewer');

select tests.authenticate_as('lnk_a');
select results_eq(
  format($$select source, label, item_id::text, mask from public.account_overview where id = %L$$, :'a_manual'),
  format($$values ('plaid'::text, 'Cash jar'::text, %L::text, '0000'::text)$$, :'a_item'),
  'the read model shows the linked account with its item and mask');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_credit', :'a_manual'),
  'P0002', null, 'a linked account cannot be linked again');
select throws_ok(format($$update public.accounts set current_balance = 1 where id = %L$$, :'a_manual'),
  '42501', null, 'the linked account is a synced account now: its balance is the sync''s');
select is(tests.affected_rows(format($$delete from public.accounts where id = %L$$, :'a_manual')), 0,
  'the linked account cannot be deleted by the user');
select tests.clear_authentication();

select is((select count(*)::int from public.accounts where user_id = :'b_user'), 4, 'B''s accounts are untouched');

-- A credit account with a liability: the liability moves too ------------------------------------------------
insert into public.accounts (user_id, name, type) values (:'a_user', 'Card (manual)', 'credit');
select id as a_manual_card from public.accounts where user_id = :'a_user' and name = 'Card (manual)' \gset
select tests.authenticate_as('lnk_a');
select is(public.link_plaid_account_to_manual(:'a_credit', :'a_manual_card')::text, :'a_manual_card', 'a credit account links');
select tests.clear_authentication();
select is((select account_id::text from public.liabilities where user_id = :'a_user'), :'a_manual_card', 'its liability moved along');

-- Removing the item afterwards (delete): the linked accounts go, like any synced account ---------------------
delete from public.plaid_items where id = :'a_item';
select is((select count(*)::int from public.accounts where id in (:'a_manual', :'a_manual_card')), 0,
  'removing the item deletes linked accounts too (keep-history removal makes them manual first)');
select is((select count(*)::int from public.transactions where user_id = :'a_user'), 0, 'with all their transactions');

select * from finish();
rollback;
