-- Poison records never block an item. Money columns are numeric(1000, 4) (prices and quantities
-- numeric(1000, 10)), so whatever number Plaid sends fits (its numbers are doubles: 1.2e16, 1e17, up to
-- 1.8e308). A record that still cannot be stored
-- as sent — a date Postgres has no such day for (0000-01-01, 2024-02-30), a number sent as text, a
-- currency code or account type our constraints refuse, an account this connection does not have — is
-- set aside here with Plaid's JSON and the reason, and the rest of its page is stored: the sync moves
-- on, the run counts it, the read model shows it (item_overview.records_quarantined) and the user is
-- told in words. A later version that can be stored, or Plaid removing the record, takes it out again.
--
-- The checks are set-based: every apply function classifies its records in one pass with the
-- *_problem functions below (plain SQL, no exception handling, inlined by the planner), and only the
-- records without a problem reach a cast.

-- Plaid's date (YYYY-MM-DD) that Postgres can store: year 1 or later, a day the month has.
create or replace function private.is_plaid_date(p text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    p ~ '^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
    and p !~ '-(02-3[01]|(0[469]|11)-31)$'
    and (p !~ '-02-29$' or p ~ '^([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29$'),
    false)
$$;
comment on function private.is_plaid_date(text) is 'True for a YYYY-MM-DD date Postgres can store (year ≥ 1, a real day).';
revoke all on function private.is_plaid_date(text) from public, anon, authenticated, service_role;

-- Plaid's ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)) that Postgres can store.
create or replace function private.is_plaid_datetime(p text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    private.is_plaid_date(substr(p, 1, 10))
    and substr(p, 11) ~ '^T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$',
    false)
$$;
comment on function private.is_plaid_datetime(text) is 'True for an ISO 8601 date-time with Z or an offset of at most 14 h that Postgres can store.';
revoke all on function private.is_plaid_datetime(text) from public, anon, authenticated, service_role;

-- A list Plaid may send as null (or leave out): the empty list then.
create or replace function private.json_list(p_value jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_value is null or jsonb_typeof(p_value) = 'null' then '[]'::jsonb else p_value end
$$;
revoke all on function private.json_list(jsonb) from public, anon, authenticated, service_role;

-- Whether a JSON value (absent = SQL null) is of a kind, or null/absent when nullable:
-- id (a string of 1-255 characters), text, number, boolean, date, datetime, object, array, currency (ISO
-- 4217: three capitals), unofficial_currency (1-16 characters), or 'one of a, b, c' (one of those strings).
create or replace function private.json_is(p_value jsonb, p_kind text, p_nullable boolean default true)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case
    when p_value is null or jsonb_typeof(p_value) = 'null' then p_nullable
    when p_kind = 'id' then jsonb_typeof(p_value) = 'string' and char_length(p_value #>> '{}') between 1 and 255
    when p_kind = 'text' then jsonb_typeof(p_value) = 'string'
    -- A double's range (Plaid's numbers are doubles): what every money and quantity column holds.
    when p_kind = 'number' then jsonb_typeof(p_value) = 'number' and abs(p_value::numeric) <= 1.7976931348623157e308
    when p_kind in ('boolean', 'object', 'array') then jsonb_typeof(p_value) = p_kind
    when p_kind = 'date' then jsonb_typeof(p_value) = 'string' and private.is_plaid_date(p_value #>> '{}')
    when p_kind = 'datetime' then jsonb_typeof(p_value) = 'string' and private.is_plaid_datetime(p_value #>> '{}')
    when p_kind = 'currency' then jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') ~ '^[A-Z]{3}$'
    when p_kind = 'unofficial_currency' then jsonb_typeof(p_value) = 'string' and char_length(p_value #>> '{}') between 1 and 16
    when p_kind like 'one of %' then jsonb_typeof(p_value) = 'string'
      and (p_value #>> '{}') = any (string_to_array(substr(p_kind, 8), ', '))
    else false
  end
$$;
comment on function private.json_is(jsonb, text, boolean) is 'Whether a JSON value is storable as the named kind of column (null allowed unless p_nullable is false).';
revoke all on function private.json_is(jsonb, text, boolean) from public, anon, authenticated, service_role;

-- The first field of a Plaid record that cannot be stored, as words, or null. p_fields maps each field
-- the record's table needs to its kind, with a trailing '!' when it must be present.
create or replace function private.record_problem(p_record jsonb, p_fields jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_record) is distinct from 'object' then 'it is not a JSON object'
    else (select format('%s %s', f.key, case
                when p_record -> f.key is null or jsonb_typeof(p_record -> f.key) = 'null' then 'is missing'
                when rtrim(f.kind, '!') = 'number' and jsonb_typeof(p_record -> f.key) = 'number'
                  then format('is larger than any double Plaid sends: %s', left((p_record -> f.key)::text, 60))
                else format('is not %s: %s', case rtrim(f.kind, '!')
                  when 'id' then 'an id of 1-255 characters' when 'text' then 'text' when 'number' then 'a number'
                  when 'boolean' then 'true or false' when 'object' then 'an object' when 'array' then 'an array'
                  when 'date' then 'a calendar date from year 1 (YYYY-MM-DD)' when 'datetime' then 'an ISO 8601 date-time'
                  when 'currency' then 'an ISO 4217 currency code' when 'unofficial_currency' then 'a currency code of 1-16 characters'
                  else rtrim(f.kind, '!') end, left((p_record -> f.key)::text, 60)) end)
          from jsonb_each_text(p_fields) as f(key, kind)
          where not private.json_is(p_record -> f.key, rtrim(f.kind, '!'), right(f.kind, 1) <> '!')
          limit 1)
  end
$$;
comment on function private.record_problem(jsonb, jsonb) is
  'Why a Plaid record cannot be stored (the first field that is missing or of the wrong kind), or null.';
revoke all on function private.record_problem(jsonb, jsonb) from public, anon, authenticated, service_role;


create table public.quarantined_records (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  kind text not null check (kind in ('account', 'transaction', 'liability', 'security', 'holding', 'investment_transaction')),
  -- Plaid's id of the record (account_id, transaction_id, ...), or 'sha256:<hash>' of a record without a usable one.
  record_key text not null check (char_length(record_key) between 1 and 300),
  -- Why it could not be stored, in words.
  reason text not null,
  -- The record as Plaid sent it.
  record jsonb not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  constraint quarantined_records_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint quarantined_records_item_id_kind_record_key_key unique (item_id, kind, record_key)
);
create index quarantined_records_user_id_item_id_idx on public.quarantined_records (user_id, item_id);

comment on table public.quarantined_records is
  'Plaid records that could not be stored as sent (poison records), kept with the reason; the rest of their response was stored. Written by the sync, read by users.';

alter table public.quarantined_records enable row level security;

create policy "quarantined_records: owner reads"
  on public.quarantined_records for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.quarantined_records from public, anon, authenticated, service_role;
grant select on public.quarantined_records to authenticated;
grant select, insert, update, delete on public.quarantined_records to service_role;

-- Sets records aside: p_records is a JSON array of { key, reason, record }. A record already set aside
-- takes the new version and reason. Returns how many.
create or replace function private.quarantine_records(p_item_id uuid, p_user_id uuid, p_kind text, p_records jsonb)
returns integer
language sql
security definer
set search_path = ''
as $$
  with written as (
    insert into public.quarantined_records as q (user_id, item_id, kind, record_key, reason, record)
    select distinct on (r ->> 'key') p_user_id, p_item_id, p_kind, r ->> 'key', r ->> 'reason', r -> 'record'
    from jsonb_array_elements(coalesce(p_records, '[]'::jsonb)) r
    on conflict (item_id, kind, record_key) do update
      set reason = excluded.reason, record = excluded.record, last_seen_at = now()
    returning 1
  )
  select count(*)::integer from written
$$;
comment on function private.quarantine_records(uuid, uuid, text, jsonb) is
  'Sets Plaid records that cannot be stored aside for an item ([{ key, reason, record }]); returns how many.';
revoke all on function private.quarantine_records(uuid, uuid, text, jsonb) from public, anon, authenticated, service_role;

-- The key a record is set aside under: Plaid's id when usable, else a hash of the record.
create or replace function private.quarantine_key(p_record jsonb, p_id_field text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when private.json_is(p_record -> p_id_field, 'id', false) then p_record ->> p_id_field
              else 'sha256:' || encode(sha256(convert_to(p_record::text, 'UTF8')), 'hex') end
$$;
revoke all on function private.quarantine_key(jsonb, text) from public, anon, authenticated, service_role;

