-- What a signed-in user may write (manual accounts; hide/rename synced accounts) and may not (any other
-- column or table, even their own rows); anon gets nothing anywhere; service_role writes through grants.
begin;
-- per table: 3 own-row write checks + 1 anon read; + each view's anon read; + 22 fixed checks.
select plan((select 4 * count(*)::int + 22 from tests.data_model_tables())
  + (select count(*)::int from pg_views where schemaname = 'public'));

select tests.seed_connected_user('w_a') as a \gset
select tests.seed_connected_user('w_b') as b \gset
select (:'a'::jsonb ->> 'checking_id') as a_checking, (:'a'::jsonb ->> 'manual_id') as a_manual,
       (:'a'::jsonb ->> 'user_id') as a_user, (:'b'::jsonb ->> 'user_id') as b_user \gset

-- Manual accounts -----------------------------------------------------------------------------------
select tests.authenticate_as('w_a');
select lives_ok(
  $$insert into public.accounts (name, type, current_balance, currency) values ('Savings tin', 'depository', 250, 'EUR')$$,
  'a user creates a manual account');
select tests.clear_authentication();
select results_eq(
  $$select user_id, source, balance_updated_at is not null from public.accounts where name = 'Savings tin'$$,
  format($$values (%L::uuid, 'manual'::text, true)$$, :'a_user'),
  'the new account is the caller''s, manual, with balance_updated_at stamped');
select tests.authenticate_as('w_a');
select throws_ok(
  $$insert into public.accounts (name, source) values ('Fake synced', 'plaid')$$,
  '42501', null, 'a user cannot create a synced account');
select throws_ok(
  format($$insert into public.accounts (name, user_id) values ('Planted', %L)$$, :'b_user'),
  '42501', null, 'a user cannot create an account for someone else');
select is(
  tests.affected_rows(format($$update public.accounts set name = 'Cash jar (kitchen)', current_balance = 43.5 where id = %L$$, :'a_manual')),
  1, 'a user edits their manual account');
select throws_ok(
  format($$update public.accounts set user_id = %L where id = %L$$, :'b_user', :'a_manual'),
  '42501', null, 'a user cannot hand an account to someone else');
select throws_ok(
  format($$update public.accounts set source = 'plaid' where id = %L$$, :'a_manual'),
  '42501', null, 'a user cannot turn a manual account into a synced one');
select throws_ok(
  format($$update public.accounts set balance_updated_at = now() - interval '1 year' where id = %L$$, :'a_manual'),
  '42501', null, 'a user cannot back-date balance_updated_at');

-- Synced accounts: hidden and display_name only ---------------------------------------------------------
select is(
  tests.affected_rows(format($$update public.accounts set hidden = true, display_name = 'Everyday' where id = %L$$, :'a_checking')),
  1, 'a user hides and renames their synced account');
select throws_ok(
  format($$update public.accounts set current_balance = 1000000 where id = %L$$, :'a_checking'),
  '42501', 'synced accounts are updated by the sync: only hidden and display_name can be changed',
  'a user cannot change a synced account''s balance');
select throws_ok(
  format($$update public.accounts set name = 'Renamed', type = 'credit' where id = %L$$, :'a_checking'),
  '42501', null, 'a user cannot change a synced account''s name or type');
select is(
  tests.affected_rows(format($$delete from public.accounts where id = %L$$, :'a_checking')),
  0, 'a user cannot delete a synced account (0 rows)');
select is(
  tests.affected_rows(format($$delete from public.accounts where id = %L$$, :'a_manual')),
  1, 'a user deletes their manual account');
select tests.clear_authentication();
select results_eq(
  format($$select hidden, display_name, current_balance, name from public.accounts where id = %L$$, :'a_checking'),
  $$values (true, 'Everyday'::text, 110.5::numeric(20,4), 'Plaid Checking'::text)$$,
  'the synced account is hidden and renamed, its synced data untouched');
select is((select count(*)::int from public.accounts where id = :'a_manual'), 0, 'the manual account is gone');

-- Every other table: no user writes at all, not even on their own rows --------------------------------
create function tests.own_row_writes(a_ident text, a_user uuid)
returns table (passed boolean, description text)
language plpgsql
set search_path = ''
as $$
declare
  t text;
  v_row jsonb;
  v_state text;
begin
  for t in select * from tests.data_model_tables() where data_model_tables <> 'accounts' loop
    execute format('select to_jsonb(x) from public.%I x where x.user_id = $1 limit 1', t) into v_row using a_user;
    if v_row ? 'id' then v_row := v_row || jsonb_build_object('id', gen_random_uuid()); end if;
    perform tests.authenticate_as(a_ident);
    begin
      execute format('insert into public.%I select * from jsonb_populate_record(null::public.%I, $1)', t, t) using v_row;
      v_state := 'ok';
    exception when others then v_state := sqlstate;
    end;
    passed := v_state = '42501'; description := format('%s: a user cannot insert, even for themselves (%s)', t, v_state);
    return next;
    begin
      execute format('update public.%I set user_id = user_id where user_id = $1', t) using a_user;
      v_state := 'ok';
    exception when others then v_state := sqlstate;
    end;
    passed := v_state = '42501'; description := format('%s: a user cannot update their own rows (%s)', t, v_state);
    return next;
    begin
      execute format('delete from public.%I where user_id = $1', t) using a_user;
      v_state := 'ok';
    exception when others then v_state := sqlstate;
    end;
    passed := v_state = '42501'; description := format('%s: a user cannot delete their own rows (%s)', t, v_state);
    return next;
    perform tests.clear_authentication();
  end loop;
end
$$;
select ok(passed, description) from tests.own_row_writes('w_a', :'a_user');
-- (accounts are covered above; three more checks keep the plan arithmetic per table)
select tests.authenticate_as('w_a');
select throws_ok($$truncate public.accounts$$, '42501', null, 'a user cannot truncate accounts');
select throws_ok(format($$update public.accounts set id = gen_random_uuid() where id = %L$$, :'a_checking'),
  '42501', null, 'a user cannot change an account id');
select throws_ok(format($$update public.accounts set linked_at = now() where id = %L$$, :'a_checking'),
  '42501', null, 'a user cannot set linked_at');
select tests.clear_authentication();

-- anon: nothing, anywhere ------------------------------------------------------------------------------
create function tests.anon_checks()
returns table (passed boolean, description text)
language plpgsql
set search_path = ''
as $$
declare
  r record;
  v_state text;
begin
  for r in
    select c.relname::text as name from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v')
    order by 1
  loop
    perform tests.authenticate_as_anon();
    begin
      execute format('select count(*) from public.%I', r.name);
      v_state := 'ok';
    exception when others then v_state := sqlstate;
    end;
    perform tests.clear_authentication();
    passed := v_state = '42501'; description := format('anon cannot read %s (%s)', r.name, v_state);
    return next;
  end loop;
end
$$;
select ok(passed, description) from tests.anon_checks();
select tests.authenticate_as_anon();
select throws_ok(
  format($$select public.link_plaid_account_to_manual(%L, %L)$$, :'a_checking', :'a_manual'),
  '42501', null, 'anon cannot call the linking RPC');
select throws_ok(format($$select private.read_item_access_token(%L)$$, :'a'::jsonb ->> 'item_id'),
  '42501', null, 'anon cannot read an access token');
select throws_ok($$insert into public.accounts (name) values ('anon account')$$, '42501', null, 'anon cannot create accounts');
select tests.clear_authentication();

-- service_role: the server's grants work ---------------------------------------------------------------
select tests.authenticate_as_service_role();
select lives_ok(
  format($$insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name)
           values (%L, %L, %L, 'svc-txn', 9.99, current_date, 'Service write')$$,
         :'a_user', :'a_checking', :'a'::jsonb ->> 'item_id'),
  'service_role inserts transactions');
select is((select count(*)::int from public.accounts), 8, 'service_role reads every user''s rows (it bypasses RLS)');
select lives_ok(
  format($$update public.accounts set current_balance = 99 where id = %L$$, :'a_checking'),
  'service_role updates a synced account''s balance (the guard only restricts users)');
select throws_ok($$select * from vault.secrets$$, '42501', null, 'service_role cannot read Vault directly');
select tests.clear_authentication();

select * from finish();
rollback;
