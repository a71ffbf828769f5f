-- An item's status follows Plaid's truth, whatever order or how often webhooks arrive. Plaid's ITEM
-- ERROR and LOGIN_REPAIRED bodies carry no event id or time (a second ITEM_LOGIN_REQUIRED a day later
-- is byte-identical to the first, and a retry of an old one looks like news), so they are a hint: the
-- webhook records "a status check is wanted" here, and plaid-item-status confirms with /item/get:
--   * coalesced: one check per item at a time; requests arriving meanwhile make one more check after it;
--   * rate-limited: at most one /item/get per item every 5 seconds (12 a minute, under Plaid's 15 per
--     Item per minute in Production), counting plaid-item-repaired's calls; a check asked for sooner
--     waits out the rest (at most 5 s, in the function), so a new error shows within seconds;
--   * ordered: a result is applied only if its /item/get started after the status was last set from
--     Plaid's truth (plaid_items.status_observed_at), so a slow check never undoes a newer repair.
-- Dispatch is pg_net after commit; private.sweep_item_lifecycle (pg_cron) re-dispatches lost calls
-- and retries failed ones. Revocations (USER_PERMISSION_REVOKED) stay final and are applied directly.

create table private.item_status_checks (
  item_id uuid primary key references public.plaid_items (id) on delete cascade,
  -- A check is wanted since requested_at (null = none pending).
  requested_at timestamptz,
  -- Requested again while a check held the lease: one more check after it.
  rerun boolean not null default false,
  lease_id uuid,
  lease_expires_at timestamptz,
  -- The last /item/get made (or reserved) for this item: the rate limit counts from here.
  last_call_at timestamptz,
  last_dispatched_at timestamptz,
  last_claimed_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_error jsonb check (last_error is null or jsonb_typeof(last_error) = 'object'),
  last_checked_at timestamptz,
  constraint item_status_checks_lease_complete check ((lease_id is null) = (lease_expires_at is null))
);
create index item_status_checks_requested_idx on private.item_status_checks (requested_at) where requested_at is not null;
comment on table private.item_status_checks is
  'Per item: a wanted /item/get status check (coalesced, rate-limited, leased). Written by webhooks, plaid-item-status and plaid-item-repaired.';
revoke all on table private.item_status_checks from public, anon, authenticated, service_role;

-- The least time between two /item/get calls for one item.
create or replace function private.item_status_check_interval()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '5 seconds'
$$;
revoke all on function private.item_status_check_interval() from public, anon, authenticated, service_role;

-- Any writer that changes an item's status without saying when Plaid showed it (the sync's item errors,
-- webhooks) stamps now: a status check whose /item/get started earlier is older news.
create or replace function private.stamp_item_status_observed()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status and new.status_observed_at is not distinct from old.status_observed_at then
    new.status_observed_at := pg_catalog.now();
  end if;
  return new;
end
$$;
revoke all on function private.stamp_item_status_observed() from public, anon, authenticated, service_role;

create trigger plaid_items_stamp_status_observed
  before update of status on public.plaid_items
  for each row execute function private.stamp_item_status_observed();

-- Asks for a status check of an item; dispatches plaid-item-status unless a check is running (then it
-- runs once more after) or a call is already on its way. True when dispatched.
create or replace function private.request_item_status_check(p_item_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_check private.item_status_checks;
begin
  insert into private.item_status_checks as c (item_id, requested_at)
  select i.id, now() from public.plaid_items i where i.id = p_item_id
  on conflict (item_id) do update
    set requested_at = coalesce(c.requested_at, now()),
        rerun = c.rerun or (c.lease_id is not null and c.lease_expires_at > now()),
        next_attempt_at = null
  returning * into v_check;
  if v_check.item_id is null then
    return false; -- no such item
  end if;
  if (v_check.lease_id is not null and v_check.lease_expires_at > now())
     or (v_check.last_dispatched_at > now() - interval '2 minutes'
         and (v_check.last_claimed_at is null or v_check.last_claimed_at < v_check.last_dispatched_at)) then
    return false; -- running (one more check follows), or a call not picked up yet covers it
  end if;
  perform private.dispatch_item_status_check(p_item_id);
  return true;
end
$$;
comment on function private.request_item_status_check(uuid) is
  'Records that an item''s status should be confirmed with /item/get and dispatches plaid-item-status (coalesced).';
revoke all on function private.request_item_status_check(uuid) from public, anon, authenticated, service_role;
grant execute on function private.request_item_status_check(uuid) to service_role;

create or replace function private.dispatch_item_status_check(p_item_id uuid)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request bigint := private.call_edge_function('plaid-item-status', jsonb_build_object('item_id', p_item_id));
begin
  update private.item_status_checks c set last_dispatched_at = now() where c.item_id = p_item_id;
  return v_request;
end
$$;
revoke all on function private.dispatch_item_status_check(uuid) from public, anon, authenticated, service_role;

-- Takes the item's check: a lease, the /item/get slot (wait_ms: how long to wait for it) and the
-- token. No row when nothing is wanted, a check holds the lease (it runs once more), or a retry's
-- backoff is not over.
create or replace function private.claim_item_status_check(p_item_id uuid, p_lease_seconds integer)
returns table (lease_id uuid, wait_ms integer, access_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_check private.item_status_checks;
  v_lease uuid := gen_random_uuid();
  v_at timestamptz;
begin
  select * into v_check from private.item_status_checks c where c.item_id = p_item_id for update;
  if v_check.item_id is null then
    return;
  end if;
  update private.item_status_checks c set last_claimed_at = now() where c.item_id = p_item_id;
  if v_check.lease_id is not null and v_check.lease_expires_at > now() then
    update private.item_status_checks c set rerun = true where c.item_id = p_item_id;
    return;
  end if;
  if v_check.requested_at is null or v_check.next_attempt_at > now() then
    return;
  end if;
  v_at := greatest(now(), coalesce(v_check.last_call_at + private.item_status_check_interval(), now()));
  update private.item_status_checks c set lease_id = v_lease,
    lease_expires_at = v_at + make_interval(secs => p_lease_seconds), requested_at = null, rerun = false, last_call_at = v_at
  where c.item_id = p_item_id;
  return query select v_lease, ceil(extract(epoch from v_at - now()) * 1000)::integer, private.read_item_access_token(p_item_id);
end
$$;
revoke all on function private.claim_item_status_check(uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.claim_item_status_check(uuid, integer) to service_role;

-- Plaid's truth from /item/get (p_item: its `item`), observed when the call started. An error sets the
-- status it maps to (p_error_status, the mapping the sync uses); no error makes a login_required or
-- error item healthy again (error and backoff cleared, syncs requested). Revoked stays revoked (a
-- revoked Item is connected again, not repaired); pending_* are the webhooks' (no /item/get field).
-- Applied only when no newer truth was recorded meanwhile. Returns what the status is now.
create or replace function private.apply_item_status(p_item_id uuid, p_observed_at timestamptz, p_item jsonb, p_error_status text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_item public.plaid_items;
  v_error jsonb := nullif(p_item -> 'error', 'null'::jsonb);
begin
  -- The item's sync state before the item: the lock order every writer keeps (60_sync.sql).
  perform 1 from public.plaid_sync_state s where s.item_id = p_item_id order by s.product for update;
  select * into v_item from public.plaid_items i where i.id = p_item_id for update;
  if v_item.id is null then
    return null;
  end if;
  update private.item_status_checks c set last_checked_at = now() where c.item_id = p_item_id;
  if v_item.status_observed_at > p_observed_at or v_item.status = 'revoked' then
    return v_item.status;
  end if;
  if v_error is not null then
    update public.plaid_items i set status = coalesce(p_error_status, 'error'), error = v_error,
      error_code = v_error ->> 'error_code', status_observed_at = p_observed_at
    where i.id = p_item_id;
    return coalesce(p_error_status, 'error');
  end if;
  if v_item.status in ('login_required', 'error') then
    perform private.mark_item_healthy(p_item_id, 'webhook', false);
    update public.plaid_items i set status_observed_at = p_observed_at where i.id = p_item_id;
    return 'healthy';
  end if;
  update public.plaid_items i set status_observed_at = p_observed_at where i.id = p_item_id;
  return v_item.status;
end
$$;
comment on function private.apply_item_status(uuid, timestamptz, jsonb, text) is
  'Applies /item/get''s truth to an item''s status unless newer truth was recorded since p_observed_at.';
revoke all on function private.apply_item_status(uuid, timestamptz, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function private.apply_item_status(uuid, timestamptz, jsonb, text) to service_role;

-- Ends a check: p_item (Plaid's item) applied, or p_error (the call failed: Plaid's public error
-- fields) recorded and retried with backoff; p_error_status revoked when Plaid no longer knows the
-- Item. Releases the lease; a check requested meanwhile is dispatched (it waits for its slot).
create or replace function private.finish_item_status_check(
  p_item_id uuid, p_lease_id uuid, p_observed_at timestamptz, p_item jsonb, p_error jsonb, p_error_status text
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_check private.item_status_checks;
  v_status text;
begin
  select * into v_check from private.item_status_checks c where c.item_id = p_item_id for update;
  if v_check.item_id is null or v_check.lease_id is distinct from p_lease_id then
    return null;
  end if;
  if p_item is not null then
    v_status := private.apply_item_status(p_item_id, p_observed_at, p_item, p_error_status);
  elsif p_error_status = 'revoked' then
    update public.plaid_items i set status = 'revoked', error = p_error, error_code = p_error ->> 'error_code',
      status_observed_at = p_observed_at
    where i.id = p_item_id and coalesce(i.status_observed_at, '-infinity') <= p_observed_at;
    v_status := 'revoked';
  end if;
  update private.item_status_checks c set lease_id = null, lease_expires_at = null,
    attempts = case when v_status is null then c.attempts + 1 else 0 end,
    last_error = case when v_status is null then p_error end,
    requested_at = case when v_status is null or c.rerun then coalesce(c.requested_at, now()) else c.requested_at end,
    next_attempt_at = case when v_status is null
      then now() + least(interval '1 hour', interval '30 seconds' * power(2, c.attempts)) end,
    rerun = false
  where c.item_id = p_item_id;
  if v_status is not null and v_check.rerun then
    perform private.dispatch_item_status_check(p_item_id);
  end if;
  return v_status;
end
$$;
revoke all on function private.finish_item_status_check(uuid, uuid, timestamptz, jsonb, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function private.finish_item_status_check(uuid, uuid, timestamptz, jsonb, jsonb, text) to service_role;

-- plaid-item-repaired asked Plaid itself: its /item/get counts against the item's rate limit, and a
-- check whose call started before it can no longer undo the repair (mark_item_healthy stamps the time).
create or replace function private.record_item_status_call(p_item_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into private.item_status_checks as c (item_id, last_call_at)
  select i.id, now() from public.plaid_items i where i.id = p_item_id
  on conflict (item_id) do update set last_call_at = greatest(c.last_call_at, excluded.last_call_at);
$$;
revoke all on function private.record_item_status_call(uuid) from public, anon, authenticated, service_role;
grant execute on function private.record_item_status_call(uuid) to service_role;

-- pg_cron, every minute (job nestfolio-item-lifecycle): status checks and Plaid removals whose call was
-- lost (not picked up within 2 minutes) or whose retry is due, at most p_limit calls of each kind; done
-- removals older than 30 days are pruned. Returns the calls made.
create or replace function private.sweep_item_lifecycle(p_limit integer default 50)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_checks integer := 0;
  v_removals integer := 0;
  v_pruned integer;
  v_id uuid;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('nestfolio:item_lifecycle_sweep', 0));
  for v_id in
    select c.item_id from private.item_status_checks c
    where c.requested_at is not null
      and (c.next_attempt_at is null or c.next_attempt_at <= now())
      and not coalesce(c.lease_id is not null and c.lease_expires_at > now(), false)
      and not coalesce(c.last_dispatched_at > now() - interval '2 minutes'
                       and (c.last_claimed_at is null or c.last_claimed_at < c.last_dispatched_at), false)
    order by c.requested_at
    limit p_limit
  loop
    perform private.dispatch_item_status_check(v_id);
    v_checks := v_checks + 1;
  end loop;
  for v_id in
    select r.id from private.plaid_item_removals r
    where r.done_at is null
      and (r.next_attempt_at is null or r.next_attempt_at <= now())
      and not coalesce(r.lease_id is not null and r.lease_expires_at > now(), false)
      and not coalesce(r.last_dispatched_at > now() - interval '2 minutes', false)
    order by r.requested_at
    limit p_limit
  loop
    perform private.dispatch_item_removal(v_id);
    v_removals := v_removals + 1;
  end loop;
  delete from private.plaid_item_removals r where r.done_at < now() - interval '30 days';
  get diagnostics v_pruned = row_count;
  return jsonb_build_object('status_checks', v_checks, 'removals', v_removals, 'removals_pruned', v_pruned);
end
$$;
comment on function private.sweep_item_lifecycle(integer) is
  'Re-dispatches lost or due status checks and Plaid removals (bounded); prunes old removal tombstones. pg_cron runs it every minute.';
revoke all on function private.sweep_item_lifecycle(integer) from public, anon, authenticated, service_role;
grant execute on function private.sweep_item_lifecycle(integer) to service_role;
