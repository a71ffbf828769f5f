-- pgTAP helpers, equivalent to the basejump `supabase_test_helpers` (which install from the network).
-- Runs first (pg_prove sorts files) and commits, so every later test file can use the `tests` schema.
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_supabase_user(identifier text, email text default null) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  user_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, aud, role, email, raw_user_meta_data)
  values (user_id, 'authenticated', 'authenticated', coalesce(email, identifier || '@test.local'),
          jsonb_build_object('test_identifier', identifier));
  return user_id;
end
$$;

create or replace function tests.get_supabase_uid(identifier text) returns uuid
language sql stable security definer set search_path = '' as $$
  select id from auth.users where raw_user_meta_data ->> 'test_identifier' = identifier
$$;

-- Same as PostgREST per request: claims in request.jwt.claims, then `set local role`.
create or replace function tests.authenticate_as(identifier text) returns void
language plpgsql set search_path = '' as $$
declare
  uid uuid := tests.get_supabase_uid(identifier);
begin
  if uid is null then raise exception 'tests: user % not found', identifier; end if;
  perform set_config('request.jwt.claims', jsonb_build_object('sub', uid, 'role', 'authenticated',
    'email', identifier || '@test.local', 'aud', 'authenticated')::text, true);
  set local role authenticated;
end
$$;

create or replace function tests.authenticate_as_anon() returns void
language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
  set local role anon;
end
$$;

create or replace function tests.authenticate_as_service_role() returns void
language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
  set local role service_role;
end
$$;

create or replace function tests.clear_authentication() returns void
language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims', null, true);
  reset role;
end
$$;

-- pgTAP's functions call each other unqualified, so this helper needs `extensions` on its path.
create or replace function tests.rls_enabled(testing_schema text) returns text
language sql set search_path = pg_catalog, extensions as $$
  select extensions.is(
    (select count(*)::int from pg_catalog.pg_tables where schemaname = testing_schema and not rowsecurity),
    0, format('every table in schema %s has row level security enabled', testing_schema))
$$;

-- Waits (bounded) until the pg_net worker has recorded the response to a request.
create or replace function tests.wait_for_http_response(request_id bigint, timeout_ms int default 10000)
returns boolean language plpgsql set search_path = '' as $$
declare
  deadline timestamptz := clock_timestamp() + make_interval(secs => timeout_ms / 1000.0);
begin
  loop
    if exists (select 1 from net._http_response where id = request_id) then return true; end if;
    if clock_timestamp() > deadline then return false; end if;
    perform pg_sleep(0.02);
  end loop;
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

begin;
select extensions.plan(1);
select extensions.ok(true, 'test helpers installed');
select * from extensions.finish();
rollback;
