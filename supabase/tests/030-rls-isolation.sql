-- For EVERY table in `public` (discovered from the catalog, so a new table is covered automatically):
-- signed in as user A, nothing of user B's can be selected, inserted, updated or deleted, and B's rows
-- are byte-for-byte unchanged afterwards; A still sees their own rows. Also through both views.
begin;
select plan((select 7 * count(*)::int + 4 from tests.data_model_tables()));

select tests.seed_connected_user('iso_a') ->> 'user_id' as a_user \gset
select tests.seed_connected_user('iso_b') ->> 'user_id' as b_user \gset
-- A link that can be undone, per user (the seed has none).
insert into public.account_links (user_id, account_id, plaid_account_id, synced_account, manual_account, synced_history, manual_history)
select a.user_id, a.id, (select pa.id from public.plaid_accounts pa where pa.user_id = a.user_id limit 1), '{}', '{}', '[]', '[]'
from public.accounts a where a.user_id in (:'a_user', :'b_user') and a.source = 'manual';

-- Runs as postgres, switches to user A (exactly as PostgREST does) for each attempt, and back.
create function tests.cross_user_checks(a_ident text, a_user uuid, b_user uuid)
returns table (passed boolean, description text)
language plpgsql
set search_path = ''
as $$
declare
  t text;
  v_cols text;
  v_upd_col text;
  v_b_count bigint;
  v_a_count bigint;
  v_seen bigint;
  v_b_before text;
  v_b_after text;
  v_b_row jsonb;
  v_rows bigint;
  v_state text;
begin
  for t in select * from tests.data_model_tables() loop
    -- As the owner: B's rows (a fingerprint), A's row count, a copy of one of B's rows with a new id.
    execute format('select count(*), md5(coalesce(string_agg(x::text, %L order by x::text), %L)) from public.%I x where x.user_id = $1', ',', '', t)
      into v_b_count, v_b_before using b_user;
    execute format('select count(*) from public.%I x where x.user_id = $1', t) into v_a_count using a_user;
    execute format('select to_jsonb(x) from public.%I x where x.user_id = $1 limit 1', t) into v_b_row using b_user;
    if v_b_row ? 'id' then v_b_row := v_b_row || jsonb_build_object('id', gen_random_uuid()); end if;
    -- A column user A may update here, if any (else any column: the privilege check is the answer).
    select c.column_name into v_upd_col from information_schema.columns c
    where c.table_schema = 'public' and c.table_name = t
      and has_column_privilege('authenticated', format('public.%I', t), c.column_name, 'UPDATE')
    order by c.ordinal_position limit 1;
    v_upd_col := coalesce(v_upd_col, 'user_id');

    passed := v_b_count > 0 and v_a_count > 0;
    description := format('%s: both users have rows (A %s, B %s)', t, v_a_count, v_b_count);
    return next;

    perform tests.authenticate_as(a_ident);

    execute format('select count(*) from public.%I x where x.user_id = $1', t) into v_seen using b_user;
    passed := v_seen = 0;
    description := format('%s: A selects none of B''s rows (saw %s)', t, v_seen);
    return next;

    execute format('select count(*) from public.%I x', t) into v_seen;
    passed := v_seen = v_a_count;
    description := format('%s: A sees exactly their own rows (%s of %s)', t, v_seen, v_a_count);
    return next;

    begin
      execute format('update public.%I set %I = %I where user_id = $1', t, v_upd_col, v_upd_col) using b_user;
      get diagnostics v_rows = row_count;
      v_state := 'ok';
    exception when others then
      v_state := sqlstate;
      v_rows := 0;
    end;
    passed := v_state in ('ok', '42501') and v_rows = 0;
    description := format('%s: A updates none of B''s rows (%s, %s rows via %s)', t, v_state, v_rows, v_upd_col);
    return next;

    begin
      execute format('delete from public.%I where user_id = $1', t) using b_user;
      get diagnostics v_rows = row_count;
      v_state := 'ok';
    exception when others then
      v_state := sqlstate;
      v_rows := 0;
    end;
    passed := v_state in ('ok', '42501') and v_rows = 0;
    description := format('%s: A deletes none of B''s rows (%s, %s rows)', t, v_state, v_rows);
    return next;

    begin
      execute format('insert into public.%I select * from jsonb_populate_record(null::public.%I, $1)', t, t) using v_b_row;
      v_state := 'ok';
    exception when others then
      v_state := sqlstate;
    end;
    passed := v_state = '42501';
    description := format('%s: A cannot insert a row owned by B (%s)', t, v_state);
    return next;

    perform tests.clear_authentication();

    execute format('select md5(coalesce(string_agg(x::text, %L order by x::text), %L)) from public.%I x where x.user_id = $1', ',', '', t)
      into v_b_after using b_user;
    passed := v_b_after = v_b_before;
    description := format('%s: B''s rows are unchanged', t);
    return next;
  end loop;
end
$$;

select ok(passed, description) from tests.cross_user_checks('iso_a', :'a_user', :'b_user');

-- The read model, through RLS of the caller.
select tests.authenticate_as('iso_a');
select is((select count(*)::int from public.account_overview), 4, 'account_overview: A sees their 4 accounts');
select is((select count(*)::int from public.item_overview), 1, 'item_overview: A sees their 1 item');
select tests.clear_authentication();
select is(
  (select count(*)::int from public.account_overview where id in (select id from public.accounts where user_id = :'b_user')),
  4, '(as owner, B has 4 accounts in the view)');
select tests.authenticate_as('iso_a');
select is(
  (select count(*)::int from public.account_overview o left join public.item_overview i on i.id = o.item_id
   where o.item_id is not null and i.id is null),
  0, 'no account row points at an item A cannot see');
select tests.clear_authentication();

select * from finish();
rollback;
