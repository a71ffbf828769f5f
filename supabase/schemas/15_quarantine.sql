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

-- Whether a JSON value (absent = SQL null) is of a kind, or null/absent when nullable:
-- id (a non-empty string; a record's own id is also held to 255 characters by classify_records), text, short text (at most 100 characters), name (at most 500
-- characters, not only spaces), number (at most a double's size), non-negative number, boolean, date,
-- datetime, object, array, currency (ISO 4217: three capitals), unofficial_currency (1-16 characters), or
-- 'one of a, b, c' (one of those strings). The words of record_problem; record_check is the same rules
-- as one jsonpath (the fast gate).
create or replace function private.json_is(p_value jsonb, p_kind text, p_nullable boolean default true)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case
    when p_value is null or jsonb_typeof(p_value) = 'null' then p_nullable
    when p_kind = 'id' then jsonb_typeof(p_value) = 'string' and p_value #>> '{}' <> ''
    when p_kind = 'text' then jsonb_typeof(p_value) = 'string'
    when p_kind = 'short text' then jsonb_typeof(p_value) = 'string' and char_length(p_value #>> '{}') <= 100
    when p_kind = 'name' then jsonb_typeof(p_value) = 'string' and char_length(p_value #>> '{}') <= 500 and (p_value #>> '{}') ~ '[^ ]'
    -- A double's range (Plaid's numbers are doubles): what every money and quantity column holds.
    when p_kind = 'number' then jsonb_typeof(p_value) = 'number' and abs(p_value::numeric) <= 1.7976931348623157e308
    when p_kind = 'non-negative number' then jsonb_typeof(p_value) = 'number' and p_value::numeric between 0 and 1.7976931348623157e308
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
-- the record's table needs to its kind, with a trailing '!' when it must be present; a nested spec (an
-- object instead of a kind) is a required object whose own fields are checked.
create or replace function private.record_problem(p_record jsonb, p_fields jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case
    when jsonb_typeof(p_record) is distinct from 'object' then 'it is not a JSON object'
    else (select m.problem from (
      select case
        when jsonb_typeof(f.spec) = 'object' then
          case when jsonb_typeof(p_record -> f.key) is distinct from 'object' then format('%s is missing or not an object', f.key)
               else f.key || '.' || private.record_problem(p_record -> f.key, f.spec) end
        when private.json_is(p_record -> f.key, rtrim(f.spec #>> '{}', '!'), right(f.spec #>> '{}', 1) <> '!') then null
        when p_record -> f.key is null or jsonb_typeof(p_record -> f.key) = 'null' then format('%s is missing', f.key)
        when rtrim(f.spec #>> '{}', '!') in ('number', 'non-negative number') and jsonb_typeof(p_record -> f.key) = 'number'
          then format('%s is %s: %s', f.key, case when (p_record ->> f.key)::numeric < 0 and rtrim(f.spec #>> '{}', '!') = 'non-negative number'
            then 'negative' else 'larger than any double Plaid sends' end, left((p_record -> f.key)::text, 60))
        else format('%s is not %s: %s', f.key, case rtrim(f.spec #>> '{}', '!')
          when 'id' then 'an id (a non-empty string)' when 'text' then 'text' when 'short text' then 'text of at most 100 characters'
          when 'name' then 'a name of 1-500 characters' when 'number' then 'a number' when 'non-negative number' then 'a number'
          when 'boolean' then 'true or false' when 'object' then 'an object' when 'array' then 'an array'
          when 'date' then 'a calendar date from year 1 (YYYY-MM-DD)' when 'datetime' then 'an ISO 8601 date-time'
          when 'currency' then 'an ISO 4217 currency code' when 'unofficial_currency' then 'a currency code of 1-16 characters'
          else rtrim(f.spec #>> '{}', '!') end, left((p_record -> f.key)::text, 60))
      end as problem
      from jsonb_each(p_fields) as f(key, spec)) m
    where m.problem is not null limit 1)
  end;
end
$$;
comment on function private.record_problem(jsonb, jsonb) is
  'Why a Plaid record cannot be stored (the first field that is missing or of the wrong kind), or null.';
revoke all on function private.record_problem(jsonb, jsonb) from public, anon, authenticated, service_role;

-- The same rules as record_problem, as the text of one jsonpath predicate over the value at p_path.
create or replace function private.record_check_text(p_fields jsonb, p_path text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return (select format('(%s.type() == "object"', p_path) || coalesce(string_agg(' && (' || case
      when jsonb_typeof(f.spec) = 'object' then format('exists(%s) && %s', v.path, private.record_check_text(f.spec, v.path))
      when right(f.spec #>> '{}', 1) = '!' then format('exists(%s) && %s', v.path, c.test)
      else format('!exists(%1$s) || %1$s.type() == "null" || %2$s', v.path, c.test) end || ')', '' order by f.key), '') || ')'
  from jsonb_each(p_fields) as f(key, spec)
  cross join lateral (select p_path || '.' || to_jsonb(f.key)::text as path) v
  cross join lateral (select case rtrim(f.spec #>> '{}', '!')
      when 'id' then format('%1$s.type() == "string" && %1$s != ""', v.path)
      when 'text' then format('%1$s.type() == "string"', v.path)
      when 'short text' then format('%1$s.type() == "string" && !(%1$s like_regex "^.{101}" flag "s")', v.path)
      -- At most 500 characters: not 501 (a repetition count is at most 255).
      when 'name' then format('%1$s.type() == "string" && !(%1$s like_regex "^.{250}.{251}" flag "s") && %1$s like_regex "[^ ]"', v.path)
      when 'number' then format('%1$s.type() == "number" && %1$s.abs() <= 1.7976931348623157e308', v.path)
      when 'non-negative number' then format('%1$s.type() == "number" && %1$s >= 0 && %1$s <= 1.7976931348623157e308', v.path)
      when 'boolean' then format('%1$s.type() == "boolean"', v.path)
      when 'object' then format('%1$s.type() == "object"', v.path)
      when 'array' then format('%1$s.type() == "array"', v.path)
      -- is_plaid_date: the format, year 1 on, and (parsed in C) a day the month has.
      when 'date' then format('%1$s.type() == "string" && %1$s like_regex "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" && !(%1$s starts with "0000")'
        || ' && exists(%1$s.datetime("YYYY-MM-DD"))', v.path)
      -- is_plaid_datetime's regex; days 29-31 (rare) are checked against their month.
      when 'datetime' then format('%1$s.type() == "string" && %1$s like_regex "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
        || 'T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$" && !(%1$s starts with "0000")'
        || ' && (!(%1$s like_regex "^.{8}(29|3)") || !(%1$s like_regex "^[0-9]{4}-(02-3[01]|(0[469]|11)-31)") && (!(%1$s like_regex "^[0-9]{4}-02-29")'
        || ' || %1$s like_regex "^([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29"))', v.path)
      when 'currency' then format('%1$s.type() == "string" && %1$s like_regex "^[A-Z]{3}$"', v.path)
      when 'unofficial_currency' then format('%1$s.type() == "string" && %1$s != "" && !(%1$s like_regex "^.{17}" flag "s")', v.path)
      else format('%1$s.type() == "string" && (%2$s)', v.path,
        (select string_agg(format('%s == %s', v.path, to_jsonb(o)::text), ' || ') from unnest(string_to_array(substr(rtrim(f.spec #>> '{}', '!'), 8), ', ')) o))
    end as test) c);
end
$$;
revoke all on function private.record_check_text(jsonb, text) from public, anon, authenticated, service_role;

-- The key a record is set aside under: Plaid's id when usable, else a hash of the record.
create or replace function private.quarantine_key(p_record jsonb, p_id_field text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when jsonb_typeof(p_record -> p_id_field) = 'string' and char_length(p_record ->> p_id_field) between 1 and 255
              then p_record ->> p_id_field
              else 'sha256:' || encode(sha256(convert_to(p_record::text, 'UTF8')), 'hex') end
$$;
revoke all on function private.quarantine_key(jsonb, text) from public, anon, authenticated, service_role;

-- The rules of p_fields as one jsonpath predicate (lax: a missing optional field is fine). Matching a
-- record against it (jsonb_path_match, in C) is the gate every apply function stores records through.
create or replace function private.record_gate(p_fields jsonb)
returns jsonpath
language sql
immutable
set search_path = ''
as $$
  select ('lax ' || private.record_check_text(p_fields, '$'))::jsonpath
$$;
revoke all on function private.record_gate(jsonb) from public, anon, authenticated, service_role;

-- Plaid records classified in one set-based pass: each with its position, the key it is set aside under
-- and its problem (null: it can be stored). The rules are compiled once per call to one jsonpath that
-- every record is matched against (in C, lax mode: a missing optional field is fine); only records that
-- fail it are put into words by record_problem, so a clean page costs one match per record. p_id_field
-- names the Plaid id that keys a record (p_fields requires it as an 'id!'; null: the caller keys stored
-- records itself); a record without a usable one is keyed by its hash.
create or replace function private.classify_records(p_records jsonb, p_fields jsonb, p_id_field text)
returns table (record jsonb, n bigint, key text, problem text)
language sql
stable
set search_path = ''
as $$
  with rules as materialized (select private.record_gate(p_fields) as gate)
  select e.x, e.n,
    case when g.ok then e.x ->> p_id_field else private.quarantine_key(e.x, p_id_field) end,
    -- The gate is what stores a record; record_problem only words a refusal.
    case when g.ok then null
         when g.fits and char_length(e.x ->> p_id_field) > 255 then format('%s is longer than 255 characters', p_id_field)
         else coalesce(private.record_problem(e.x, p_fields), 'it is not shaped as this kind of record is') end
  from rules, jsonb_array_elements(private.jsonb_list(p_records)) with ordinality as e(x, n)
  cross join lateral (select coalesce(jsonb_path_match(e.x, rules.gate, '{}', true), false) as fits) f
  -- The record's own id is stored (in a column of at most 255 characters).
  cross join lateral (select f.fits, f.fits and (p_id_field is null or char_length(e.x ->> p_id_field) <= 255) as ok) g
$$;
comment on function private.classify_records(jsonb, jsonb, text) is
  'Classifies a JSON array of Plaid records in one pass: (record, position, key, problem); problem null = storable.';
revoke all on function private.classify_records(jsonb, jsonb, text) from public, anon, authenticated, service_role;

-- How many records of a response are set aside (what a run counts beside its own records).
create or replace function private.records_set_aside(p_records jsonb, p_fields jsonb, p_id_field text)
returns integer
language sql
stable
set search_path = ''
as $$
  select case when jsonb_typeof(p_records) = 'array'
    then (select count(*)::integer from private.classify_records(p_records, p_fields, p_id_field) c where c.problem is not null)
    else 0 end
$$;
revoke all on function private.records_set_aside(jsonb, jsonb, text) from public, anon, authenticated, service_role;


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


