-- Rate limits of work a caller can make the server do at Plaid's (and the user's) expense: user-
-- triggered Plaid calls per user and per item, and verification key lookups for webhooks with a key id
-- we do not know. The state is here, not in a function's memory: every isolate and every concurrent
-- request sees the same buckets, and a claim is one atomic statement. The limits themselves are the
-- callers' (supabase/functions/_shared/rate-limits.ts).
--
-- Each key is a GCRA bucket (generic cell rate algorithm, a token bucket kept as one timestamp): `limit`
-- requests per `period`, all of them at once when the bucket is full. tat ("theoretical arrival
-- time") is when the bucket is full again; a request moves it period/limit later, and is refused when
-- that would put it more than one period ahead of now.

create table private.rate_limits (
  key text primary key check (char_length(key) between 1 and 200),
  tat timestamptz not null
);
create index rate_limits_tat_idx on private.rate_limits (tat);
comment on table private.rate_limits is
  'GCRA buckets of rate-limited work (private.take_rate_limits): the time each key''s bucket is full again. A missing row is a full bucket.';
revoke all on table private.rate_limits from public, anon, authenticated, service_role;

-- Takes one request from every bucket in p_keys (p_limits[i] per p_periods_seconds[i] seconds each),
-- all of them or none: allowed = false leaves every bucket as it was, and says when the fullest-blocked
-- bucket allows the request again (retry_after_seconds ≥ 1).
create or replace function private.take_rate_limits(p_keys text[], p_limits integer[], p_periods_seconds integer[])
returns table (allowed boolean, retry_after_seconds integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_wait interval;
begin
  if coalesce(cardinality(p_keys), 0) = 0 or cardinality(p_keys) <> cardinality(p_limits)
     or cardinality(p_keys) <> cardinality(p_periods_seconds)
     or exists (select 1 from unnest(p_limits, p_periods_seconds) as b(l, p) where b.l is null or b.l < 1 or b.p is null or b.p < 1) then
    raise exception 'rate limits need one limit (≥ 1) and one period (≥ 1 s) per key' using errcode = '22023';
  end if;
  insert into private.rate_limits (key, tat)
  select k, '-infinity' from unnest(p_keys) k
  on conflict (key) do nothing;
  -- One order for every caller's locks (keys sorted), so concurrent claims never deadlock.
  perform 1 from private.rate_limits r where r.key = any (p_keys) order by r.key for update;

  -- The longest wait any bucket imposes: how far past one period its tat would be after this request.
  select max(greatest(r.tat, v_now) + make_interval(secs => b.p::double precision / b.l) - make_interval(secs => b.p) - v_now)
    into v_wait
  from unnest(p_keys, p_limits, p_periods_seconds) as b(k, l, p)
  join private.rate_limits r on r.key = b.k;
  if v_wait > interval '0' then
    return query select false, greatest(1, ceil(extract(epoch from v_wait))::integer);
    return;
  end if;

  update private.rate_limits r set tat = greatest(r.tat, v_now) + make_interval(secs => b.p::double precision / b.l)
  from unnest(p_keys, p_limits, p_periods_seconds) as b(k, l, p)
  where r.key = b.k;
  -- Full buckets need no row: a few of those a day's old go with each claim (never one someone holds).
  delete from private.rate_limits r
  where r.key in (select s.key from private.rate_limits s where s.tat < v_now - interval '1 day' limit 20 for update skip locked);
  return query select true, 0;
end
$$;
comment on function private.take_rate_limits(text[], integer[], integer[]) is
  'Takes one request from every named GCRA bucket, all or none; allowed = false with retry_after_seconds when any bucket is empty.';
revoke all on function private.take_rate_limits(text[], integer[], integer[]) from public, anon, authenticated, service_role;
grant execute on function private.take_rate_limits(text[], integer[], integer[]) to service_role;
