-- Schemas and the shared helper of the Nestfolio data model (docs/data-model.md).
--   public   user-facing tables and views, exposed through the Data API; RLS on every table.
--   private  security-definer functions and internal helpers; never exposed through the Data API.
-- Every object states its privileges beside it, for each role (the platform grants nothing on new
-- tables since 2026): functions are revoked from PUBLIC and granted to exactly the roles that need them.

create schema if not exists private;
comment on schema private is
  'Nestfolio internals: security-definer functions (Vault access, account linking) and trigger helpers. Not exposed through the Data API.';
-- authenticated: the account-linking RPC's implementation; service_role: the server's functions.
grant usage on schema private to authenticated, service_role;

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

-- Plaid's lists as SQL iterates them. Plaid's spec makes some lists nullable (e.g. /liabilities/get's
-- credit, mortgage and student: "null" for a user without one) and a JSON null is not an SQL NULL, so
-- coalesce(x, '[]') does not catch it: every list from Plaid is read through this function. An absent
-- or null list is empty; anything else that is not an array is refused (malformed, never guessed at).
create or replace function private.jsonb_list(p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is null or jsonb_typeof(p_value) = 'null' then
    return '[]'::jsonb;
  elsif jsonb_typeof(p_value) = 'array' then
    return p_value;
  end if;
  raise exception 'a Plaid list must be a JSON array or null, not %', jsonb_typeof(p_value) using errcode = '22023';
end
$$;
comment on function private.jsonb_list(jsonb) is 'A Plaid list (array, null or absent) as a JSON array: [] for null or absent.';
revoke all on function private.jsonb_list(jsonb) from public, anon, authenticated, service_role;
