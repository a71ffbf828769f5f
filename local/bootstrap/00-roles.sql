-- Stands in for: Supabase's roles and grants (supabase/postgres init scripts, 2026 defaults).
-- Same names, attributes and memberships as the platform; `postgres` is not a superuser there, so
-- it is not one here either. New tables in `public` get no automatic grants (2026-05-30 default).
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
  if not exists (select from pg_roles where rolname = 'postgres') then
    create role postgres nosuperuser createdb createrole login replication bypassrls password 'postgres';
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

grant all on database postgres to postgres;
grant usage, create on schema public to postgres;
grant usage on schema public to anon, authenticated, service_role;

-- Functions: Postgres's own default (EXECUTE for PUBLIC on every new function) is left as the
-- platform leaves it; the project's migrations revoke it (supabase/schemas/00_private.sql). A revoke
-- `in schema` here would do nothing: it cannot take away what the global default gives.

-- As on the platform, extension functions (pgtap, pgcrypto, ...) resolve without a schema prefix.
alter database postgres set search_path to "$user", public, extensions;
