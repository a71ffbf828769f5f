-- Stands in for: pg_net 0.20 (supabase/pg_net). Same schema, function signatures, argument names and
-- defaults, the same request queue and response tables. As with pg_net, a call only enqueues; a
-- background worker (local/pg-net-worker.ts) sends the request after the calling transaction commits
-- (it is woken by NOTIFY, which Postgres delivers only on commit) and records the response. No retry.
create schema if not exists net;
revoke all on schema net from public;

create table if not exists net.http_request_queue (
  id bigserial primary key,
  method text not null check (method in ('GET', 'POST', 'DELETE')),
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds int not null
);

create unlogged table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index if not exists _http_response_created_idx on net._http_response (created);

create or replace function net._encode_url_with_params(url text, params jsonb) returns text
language sql immutable set search_path = '' as $$
  select case when params is null or params = '{}'::jsonb then url else
    url || case when strpos(url, '?') > 0 then '&' else '?' end || (
      select string_agg(
        (select string_agg(case when ch ~ '[A-Za-z0-9_.~-]' then ch
                                else upper(regexp_replace(encode(convert_to(ch, 'utf8'), 'hex'), '(..)', '%\1', 'g')) end, '')
           from regexp_split_to_table(kv.key, '') ch)
        || '=' ||
        (select string_agg(case when ch ~ '[A-Za-z0-9_.~-]' then ch
                                else upper(regexp_replace(encode(convert_to(ch, 'utf8'), 'hex'), '(..)', '%\1', 'g')) end, '')
           from regexp_split_to_table(kv.value, '') ch), '&')
      from jsonb_each_text(params) kv)
  end
$$;

create or replace function net._enqueue(method text, url text, params jsonb, headers jsonb, body bytea, timeout_milliseconds int)
returns bigint language plpgsql security definer set search_path = '' as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (method, net._encode_url_with_params(url, params), coalesce(headers, '{}'::jsonb), body, timeout_milliseconds)
  returning id into request_id;
  perform pg_notify('pg_net_wake', request_id::text);
  return request_id;
end
$$;

create or replace function net.http_get(
  url text, params jsonb default '{}'::jsonb, headers jsonb default '{}'::jsonb, timeout_milliseconds int default 5000
) returns bigint language sql security definer set search_path = '' as $$
  select net._enqueue('GET', url, params, headers, null, timeout_milliseconds)
$$;

create or replace function net.http_post(
  url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb, timeout_milliseconds int default 5000
) returns bigint language plpgsql security definer set search_path = '' as $$
begin
  if body is null then
    raise exception 'body must not be null';
  end if;
  if not exists (select 1 from jsonb_each_text(headers) h
                 where lower(h.key) = 'content-type' and h.value like 'application/json%') then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  return net._enqueue('POST', url, params, headers, convert_to(body::text, 'utf8'), timeout_milliseconds);
end
$$;

create or replace function net.http_delete(
  url text, params jsonb default '{}'::jsonb, headers jsonb default '{}'::jsonb, timeout_milliseconds int default 5000
) returns bigint language sql security definer set search_path = '' as $$
  select net._enqueue('DELETE', url, params, headers, null, timeout_milliseconds)
$$;

create or replace function net.wake() returns void language sql security definer set search_path = '' as $$
  select pg_notify('pg_net_wake', '')
$$;

revoke all on all functions in schema net from public;
revoke all on all tables in schema net from public;
grant usage on schema net to postgres, service_role;
grant execute on function net.http_get(text, jsonb, jsonb, int), net.http_post(text, jsonb, jsonb, jsonb, int),
  net.http_delete(text, jsonb, jsonb, int), net.wake() to postgres, service_role;
grant select, delete on net._http_response to postgres, service_role;
grant select, delete on net.http_request_queue to postgres;
