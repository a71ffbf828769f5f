-- Stands in for: the extensions Supabase pre-installs in the `extensions` schema, plus pg_cron
-- (the real extension) and plpgsql_check (for `supabase db lint`). On the platform `postgres` may
-- create these itself; here the superuser creates them so migrations' `create extension if not
-- exists` are no-ops, as they are on a project where they are enabled.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
-- Supabase installs pg_cron into pg_catalog (its objects live in the `cron` schema).
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists plpgsql_check with schema extensions;

grant usage on schema cron to postgres;
grant all on all tables in schema cron to postgres;
grant all on all sequences in schema cron to postgres;
grant execute on all functions in schema cron to postgres;
