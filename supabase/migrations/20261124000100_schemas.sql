-- Schemas and shared helpers for the Nestfolio data model (docs/data-model.md).
--   public   user-facing tables and views, exposed through the Data API; RLS on every table.
--   private  security-definer functions and internal helpers; never exposed through the Data API.
-- Every object gets its privileges explicitly in 20261124001100_grants.sql (no automatic grants on the
-- platform since 2026); functions are revoked from PUBLIC where they are created.

-- Provided by the platform on every project (gen_random_uuid() is core; pgcrypto lives in
-- `extensions`). Stated as documentation: a no-op where the extension is enabled.
create extension if not exists pgcrypto with schema extensions;

create schema if not exists private;
comment on schema private is
  'Nestfolio internals: security-definer functions (Vault access, account linking) and trigger helpers. Not exposed through the Data API.';
revoke all on schema private from public;

-- Postgres grants EXECUTE on new functions to PUBLIC by default; never for functions created by this
-- project's migrations (each function is granted to exactly the roles that need it).
alter default privileges for role postgres in schema private revoke execute on functions from public;
alter default privileges for role postgres in schema public revoke execute on functions from public;

-- The one updated_at trigger function every table uses.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
comment on function private.set_updated_at() is 'BEFORE UPDATE trigger: stamps updated_at.';
revoke all on function private.set_updated_at() from public, anon, authenticated, service_role;
