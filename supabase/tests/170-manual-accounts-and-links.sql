-- Manual accounts and links (issue 18): a manual account's currency is an ISO 4217 code ("POUNDS" and
-- "ABC" are refused, never cut); a closed account stays listed with its history but leaves the totals
-- from the day it closed; only compatible accounts link (kind, currency, open); unlinking restores both
-- accounts and both balance histories exactly; accounts kept after removing a connection keep their
-- institution and mask; a user reads only the institutions of their own connections.
begin;
select plan(38);
set local timezone = 'UTC';

select tests.seed_connected_user('ml_a') as a \gset
select tests.seed_connected_user('ml_b') as b \gset
select (:'a'::jsonb ->> 'user_id') as a_user, (:'a'::jsonb ->> 'checking_id') as a_checking,
       (:'a'::jsonb ->> 'credit_id') as a_credit, (:'a'::jsonb ->> 'manual_id') as a_manual,
       (:'a'::jsonb ->> 'item_id') as a_item, (:'b'::jsonb ->> 'item_id') as b_item,
       (:'b'::jsonb ->> 'manual_id') as b_manual, (:'b'::jsonb ->> 'user_id') as b_user \gset

-- Currencies ------------------------------------------------------------------------------------------------
select tests.authenticate_as('ml_a');
select throws_ok($$insert into public.accounts (name, type, currency) values ('Pounds', 'depository', 'POUNDS')$$,
  '22023', 'currency "POUNDS" is not an ISO 4217 currency code: choose one such as USD, EUR or GBP', '"POUNDS" is refused, not cut');
select throws_ok($$insert into public.accounts (name, type, currency) values ('Abc', 'depository', 'ABC')$$,
  '22023', null, 'an unknown three-letter code is refused');
select throws_ok($$insert into public.accounts (name, type, currency) values ('lower', 'depository', 'gbp')$$,
  '22023', null, 'codes are upper case');
select throws_ok($$insert into public.accounts (name, type, currency) values ('Test', 'depository', 'XTS')$$,
  '22023', null, 'ISO''s testing code is not money');
select lives_ok($$insert into public.accounts (name, type, currency, current_balance) values ('Pounds', 'depository', 'GBP', 10)$$,
  'GBP is a currency');
select throws_ok(format($$update public.accounts set currency = 'ABC' where id = %L$$, :'a_manual'),
  '22023', null, 'an update to an unknown code is refused');
select is((select currency from public.accounts where id = :'a_manual'), 'USD', 'and changes nothing');
select tests.clear_authentication();
select lives_ok(format($$update public.accounts set currency = 'ZZZ' where id = %L$$, :'a_checking'),
  'a synced account takes the code Plaid sends (the sync is not second-guessed)');
update public.accounts set currency = 'USD' where id = :'a_checking';

-- Closing ---------------------------------------------------------------------------------------------------
insert into public.accounts (id, user_id, name, type, current_balance, currency)
values ('30000000-0000-0000-0000-000000000001', :'a_user', 'Old savings', 'depository', 300, 'EUR');
delete from public.balance_history where account_id = '30000000-0000-0000-0000-000000000001';
insert into public.balance_history (user_id, account_id, date, balance, currency, source)
values (:'a_user', '30000000-0000-0000-0000-000000000001', current_date - 10, 100, 'EUR', 'observed'),
       (:'a_user', '30000000-0000-0000-0000-000000000001', current_date - 5, 300, 'EUR', 'observed');
select tests.authenticate_as('ml_a');
select is((select net_worth from public.net_worth where level = 'total' and currency = 'EUR'), 300::numeric, 'an open account counts');
update public.accounts set closed_at = now() - interval '2 days' where id = '30000000-0000-0000-0000-000000000001';
select is((select closed_at is not null from public.account_overview where id = '30000000-0000-0000-0000-000000000001'), true,
  'a closed account is still listed, as closed');
select is((select count(*)::int from public.net_worth where currency = 'EUR'), 0, 'a closed account is out of today''s totals');
select results_eq(
  $$select date - current_date, net_worth from public.net_worth_history(current_date - 10, current_date)
    where currency = 'EUR' and date in (current_date - 10, current_date - 5, current_date - 3, current_date - 2, current_date)
    order by date$$,
  $$values (-10, 100::numeric), (-5, 300::numeric), (-3, 300::numeric), (-2, 0::numeric), (0, 0::numeric)$$,
  'its history counts until the day it closed, and nothing after');
select is((select count(*)::int from public.balance_history where account_id = '30000000-0000-0000-0000-000000000001'), 2,
  'closing keeps its history');
select throws_ok(format($$update public.accounts set closed_at = now() where id = %L$$, :'a_checking'),
  '42501', null, 'a synced account is not closed by the user (the bank closes it)');

-- Linking: only compatible accounts --------------------------------------------------------------------------
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_credit', :'a_manual'),
  '22023', 'these accounts are of different kinds (credit and cash): link a synced account only to a manual account of the same kind',
  'a credit card does not link to a cash account');
update public.accounts set currency = 'EUR' where id = :'a_manual';
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_manual'),
  '22023', 'these accounts are in different currencies (USD and EUR): link a synced account only to a manual account in its currency',
  'a USD account does not link to a EUR one');
update public.accounts set currency = 'USD', closed_at = now() where id = :'a_manual';
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_manual'),
  '22023', '"Cash jar" is closed: reopen it before linking a bank account to it', 'a closed account is not linked');
update public.accounts set closed_at = null where id = :'a_manual';
select tests.clear_authentication();

-- Link, then unlink: both accounts and both histories as they were ---------------------------------------------
insert into public.balance_history (user_id, account_id, date, balance, currency, source)
values (:'a_user', :'a_manual', current_date - 30, 40, 'USD', 'observed'),
       (:'a_user', :'a_checking', current_date - 20, 90, 'USD', 'estimated')
on conflict do nothing;
insert into public.transactions (user_id, account_id, amount, date, name)
values (:'a_user', :'a_manual', 5, current_date - 400, 'Old manual entry');

create function pg_temp.state(p_ids uuid[]) returns text language sql as $$
  select string_agg(x, E'\n' order by x) from (
    select 'account ' || (to_jsonb(a) - 'updated_at')::text as x from public.accounts a where a.id = any (p_ids)
    union all select 'history ' || to_jsonb(h)::text from public.balance_history h where h.account_id = any (p_ids)
    union all select 'txn ' || t.id || ' ' || t.account_id from public.transactions t where t.account_id = any (p_ids)
    union all select 'mapping ' || p.plaid_account_id || ' ' || p.account_id from public.plaid_accounts p where p.account_id = any (p_ids)
  ) s
$$;
select pg_temp.state(array[:'a_checking', :'a_manual']::uuid[]) as before \gset

select tests.authenticate_as('ml_a');
select is(public.link_plaid_account_to_manual(:'a_checking', :'a_manual')::text, :'a_manual', 'compatible accounts link');
select is((select link_undoable from public.account_overview where id = :'a_manual'), true, 'the read model offers the undo');
select tests.clear_authentication();
select isnt(pg_temp.state(array[:'a_checking', :'a_manual']::uuid[]), :'before', 'the link changed both accounts');

select tests.authenticate_as('ml_b');
select throws_ok(format($$select public.unlink_account(%L)$$, :'a_manual'), 'P0002', null, 'another user cannot unlink it');
select tests.authenticate_as('ml_a');
select throws_ok(format($$select public.unlink_account(%L)$$, :'a_credit'), 'P0002',
  format('no linked account %s for this user that can be unlinked', :'a_credit'), 'an account that is not linked is refused');
select is(public.unlink_account(:'a_manual')::text, :'a_checking', 'unlinking returns the synced account');
select tests.clear_authentication();
select is(pg_temp.state(array[:'a_checking', :'a_manual']::uuid[]), :'before',
  'after unlinking, both accounts, balances, balance histories, transactions and the mapping are exactly as before');
select is((select count(*)::int from public.account_links where user_id = :'a_user'), 0, 'and the link is gone');
select tests.authenticate_as('ml_a');
select throws_ok(format($$select public.unlink_account(%L)$$, :'a_manual'), 'P0002', null, 'a second unlink is refused');

-- A linked account is not linked again elsewhere: that would delete the manual account it was and its undo.
select public.link_plaid_account_to_manual(:'a_checking', :'a_manual');
insert into public.accounts (name, type, currency) values ('Spare checking', 'depository', 'USD');
select id as a_spare from public.accounts where name = 'Spare checking' \gset
select tests.clear_authentication();
select pg_temp.state(array[:'a_manual', :'a_spare']::uuid[]) || (select count(*) from public.account_links where user_id = :'a_user') as linked \gset
select tests.authenticate_as('ml_a');
select throws_ok(format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_manual', :'a_spare'), '22023',
  '"Cash jar" is already linked to a bank account: unlink it before linking that bank account to another manual account',
  'a linked account cannot be linked to another manual account');
select tests.clear_authentication();
select is(pg_temp.state(array[:'a_manual', :'a_spare']::uuid[]) || (select count(*) from public.account_links where user_id = :'a_user'), :'linked',
  'and nothing changed: both accounts and the link are as they were');
select tests.authenticate_as('ml_a');
select is(public.unlink_account(:'a_manual')::text, :'a_checking', 'the first link can still be undone');
delete from public.accounts where id = :'a_spare';

-- What Plaid sent while linked is the synced account's after unlinking
select public.link_plaid_account_to_manual(:'a_checking', :'a_manual');
select tests.clear_authentication();
update public.account_links set linked_at = now() - interval '1 minute' where account_id = :'a_manual';
update public.accounts set current_balance = 777, balance_updated_at = clock_timestamp() where id = :'a_manual';
select tests.authenticate_as('ml_a');
select public.unlink_account(:'a_manual');
select tests.clear_authentication();
select results_eq(format($$select (select current_balance from public.accounts where id = %L), (select current_balance from public.accounts where id = %L),
    (select balance from public.balance_history where account_id = %L and date = current_date)$$, :'a_checking', :'a_manual', :'a_checking'),
  $$values (777::numeric, 42::numeric, 777::numeric)$$,
  'a balance Plaid sent while linked is the synced account''s latest, and in its history; the manual one is as it was');

-- Removing a connection but keeping its accounts: they keep their institution and mask --------------------------
select private.remove_plaid_item(:'a_item', true, false) as kept \gset
select tests.authenticate_as('ml_a');
select results_eq(format($$select source, institution_name, mask, item_id from public.account_overview where id = %L$$, :'a_checking'),
  $$values ('manual'::text, 'First Platypus Bank'::text, '0000'::text, null::uuid)$$,
  'a kept account still says which bank and which account it was');

select tests.clear_authentication();
-- Institutions: stored as Plaid sends them (what cannot be stored left out), read per user ---------------------
select ok(private.save_institution('{"institution_id": "ins_109508", "name": "First Platypus Bank", "logo": "iVBORw0KGgo=", "primary_color": "#1f1f1f", "url": "https://plaid.com"}'),
  'an institution with a logo is stored');
select ok(private.save_institution('{"institution_id": "ins_other", "name": "Someone else''s bank", "logo": "<svg onload=alert(1)>", "primary_color": "red"}'),
  'an institution with a logo that is not base64 is stored');
select is((select logo is null and primary_color is null from private.institutions where institution_id = 'ins_other'), true,
  'without the fields that cannot be stored as sent');
select ok(not private.save_institution('{"name": "No id"}'), 'an institution without an id is not stored');
select results_eq(format($$select institution_id, logo from private.institutions_of_user(%L)$$, :'b_user'),
  $$values ('ins_109508'::text, 'iVBORw0KGgo='::text)$$, 'a user gets the institutions they are connected to, not others''');
select is((select count(*)::int from private.institutions_of_user(:'a_user')), 0, 'A removed their connection: none');
select tests.authenticate_as('ml_a');
select throws_ok($$select * from private.institutions$$, '42501', null, 'users do not read the table');
select tests.clear_authentication();

select * from finish();
rollback;
