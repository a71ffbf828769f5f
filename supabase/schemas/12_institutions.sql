-- Institutions: what Plaid's /institutions/get_by_id (options.include_optional_metadata) says about a
-- bank, fetched once per institution after a connection is made (never holding up the connection) and
-- kept here: the logo and colour the Accounts page shows beside a connection (an initial when Plaid
-- has no logo). Public data about a bank, but which banks are in the table tells who uses them: it is
-- private, and the accounts read model (plaid-accounts) hands a user only their own connections' rows.

create table private.institutions (
  institution_id text primary key check (institution_id <> '' and char_length(institution_id) <= 255),
  name text not null check (char_length(name) <= 500),
  -- Plaid's logo: a base64-encoded PNG (152×152), or null when Plaid has none.
  logo text check (logo ~ '^[A-Za-z0-9+/]+={0,2}$' and char_length(logo) <= 500000),
  -- Plaid's hexadecimal primary colour, e.g. #1f1f1f.
  primary_color text check (primary_color ~ '^#[0-9A-Fa-f]{6}$'),
  url text check (char_length(url) <= 2000),
  fetched_at timestamptz not null default now()
);
comment on table private.institutions is
  'Plaid''s institution metadata (logo, primary colour, url), fetched once per institution (private.save_institution).';
revoke all on table private.institutions from public, anon, authenticated, service_role;

-- Fetches of institutions not stored yet. A failed /institutions/get_by_id (a rate limit, Plaid down,
-- INVALID_INSTITUTION) is tried again with backoff, 1 min, 4 min, 16 min, ... at most a day apart, when
-- a connection is made or the accounts page is read: never on every page load, never never. A claim
-- holds the next attempt back for 2 minutes (one fetch at a time); storing the institution ends it.
create table private.institution_fetches (
  institution_id text primary key check (institution_id <> '' and char_length(institution_id) <= 255),
  failures integer not null default 0 check (failures >= 0),
  -- Until then no fetch starts: the claim of the one running, or the backoff after a failure.
  next_attempt_at timestamptz not null,
  last_attempt_at timestamptz not null default now(),
  -- Plaid's error_code of the last failure (or TIMEOUT, NETWORK_ERROR, INVALID_RESPONSE).
  last_error_code text check (char_length(last_error_code) <= 100)
);
comment on table private.institution_fetches is
  'Pending /institutions/get_by_id fetches: one at a time per institution, failures retried with backoff (private.claim_institution_fetch).';
revoke all on table private.institution_fetches from public, anon, authenticated, service_role;

-- Claims the fetch of an institution: true when it is not stored and no fetch is running or backing off.
create or replace function private.claim_institution_fetch(p_institution_id text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claimed boolean;
begin
  if coalesce(p_institution_id, '') = '' or char_length(p_institution_id) > 255
     or exists (select 1 from private.institutions n where n.institution_id = p_institution_id) then
    return false;
  end if;
  insert into private.institution_fetches as f (institution_id, next_attempt_at)
  values (p_institution_id, now() + interval '2 minutes')
  on conflict (institution_id) do update
    set next_attempt_at = now() + interval '2 minutes', last_attempt_at = now()
    where f.next_attempt_at <= now()
  returning true into v_claimed;
  return coalesce(v_claimed, false);
end
$$;
comment on function private.claim_institution_fetch(text) is
  'Claims an institution''s /institutions/get_by_id fetch: false when stored, running or backing off after a failure.';
revoke all on function private.claim_institution_fetch(text) from public, anon, authenticated, service_role;
grant execute on function private.claim_institution_fetch(text) to service_role;

-- A claimed fetch failed: the next one waits 1 min × 4^(failures so far), at most a day. Returns when.
create or replace function private.institution_fetch_failed(p_institution_id text, p_error_code text)
returns timestamptz
language sql
security definer
set search_path = ''
as $$
  update private.institution_fetches f
  set failures = f.failures + 1, last_error_code = left(p_error_code, 100),
      next_attempt_at = now() + least(interval '1 day', interval '1 minute' * power(4, least(f.failures, 10)))
  where f.institution_id = p_institution_id
  returning f.next_attempt_at
$$;
comment on function private.institution_fetch_failed(text, text) is
  'Records a failed /institutions/get_by_id: the next attempt after a backoff of 1 min, 4 min, 16 min, ... at most a day.';
revoke all on function private.institution_fetch_failed(text, text) from public, anon, authenticated, service_role;
grant execute on function private.institution_fetch_failed(text, text) to service_role;

-- Plaid's Institution object as /institutions/get_by_id returns it; what cannot be stored as sent (a
-- logo that is not base64, a colour that is not #rrggbb, an over-long url) is left out, the rest kept.
-- Returns whether the institution is stored (false for an object without an id or name).
create or replace function private.save_institution(p_institution jsonb)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_institution ->> 'institution_id';
  v_name text := p_institution ->> 'name';
  v_logo text := p_institution ->> 'logo';
  v_color text := p_institution ->> 'primary_color';
  v_url text := p_institution ->> 'url';
begin
  if jsonb_typeof(p_institution) <> 'object' or coalesce(v_id, '') = '' or char_length(v_id) > 255
     or v_name is null or char_length(v_name) > 500 then
    return false;
  end if;
  insert into private.institutions (institution_id, name, logo, primary_color, url)
  values (v_id, v_name,
          case when v_logo ~ '^[A-Za-z0-9+/]+={0,2}$' and char_length(v_logo) <= 500000 then v_logo end,
          case when v_color ~ '^#[0-9A-Fa-f]{6}$' then v_color end,
          case when char_length(v_url) <= 2000 then v_url end)
  on conflict (institution_id) do update
    set name = excluded.name, logo = excluded.logo, primary_color = excluded.primary_color, url = excluded.url,
        fetched_at = now();
  delete from private.institution_fetches f where f.institution_id = v_id;
  return true;
end
$$;
comment on function private.save_institution(jsonb) is
  'Stores Plaid''s Institution JSON (get_by_id with optional metadata): name, logo, primary colour, url; invalid fields left out.';
revoke all on function private.save_institution(jsonb) from public, anon, authenticated, service_role;
grant execute on function private.save_institution(jsonb) to service_role;

-- The logos and colours of a user's connections' institutions (the accounts read model).
create or replace function private.institutions_of_user(p_user_id uuid)
returns table (institution_id text, logo text, primary_color text)
language sql
stable
security definer
set search_path = ''
as $$
  select n.institution_id, n.logo, n.primary_color from private.institutions n
  where n.institution_id in (select i.institution_id from public.plaid_items i where i.user_id = p_user_id)
$$;
comment on function private.institutions_of_user(uuid) is 'Logo and primary colour of the institutions a user is connected to.';
revoke all on function private.institutions_of_user(uuid) from public, anon, authenticated, service_role;
grant execute on function private.institutions_of_user(uuid) to service_role;
