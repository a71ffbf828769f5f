-- The database decides when syncs run. Webhooks, exchange and "Sync now" dispatch at once; this sweep
-- (pg_cron, every minute) is the safety net and the schedule:
--   * requests that were made but never completed: the pg_net call was lost or failed, the run
--     crashed (its lease expired), a transient failure's backoff is over, Vault was not set yet;
--   * items not synced for longer than stale_after (missed webhooks, products without webhooks);
-- at most max_in_flight plaid-sync calls at once. A finishing run hands its slot to the next due item
-- (private.finish_sync → sweep_syncs), so a backlog drains at that concurrency without waiting for
-- the next tick. Retention jobs keep the logs bounded.

create table private.sync_settings (
  id boolean primary key default true check (id),
  -- A product not synced for this long is synced again (the schedule; webhooks usually come first).
  stale_after interval not null default interval '12 hours' check (stale_after > interval '0'),
  -- A plaid-sync call neither answered nor holding a lease after this long is presumed lost.
  lost_after interval not null default interval '2 minutes' check (lost_after > interval '0'),
  -- plaid-sync calls in flight at once (pg_net calls not yet answered + runs holding a lease).
  max_in_flight integer not null default 20 check (max_in_flight > 0),
  -- Most calls one sweep makes.
  sweep_batch integer not null default 200 check (sweep_batch > 0),
  webhook_events_retention interval not null default interval '90 days',
  sync_runs_retention interval not null default interval '90 days',
  http_responses_retention interval not null default interval '6 hours'
);
insert into private.sync_settings default values;
comment on table private.sync_settings is
  'One row: the sweep''s and retention jobs'' settings (README § Configuration). Change with an update as postgres.';
revoke all on table private.sync_settings from public, anon, authenticated, service_role;

-- When plaid-sync last picked up a call for this item and product (took the lease or coalesced the
-- request): a call made after that and not picked up within lost_after was lost. (pg_net's own
-- net._http_response has no index on id, so looking calls up there would not scale.)
alter table public.plaid_sync_state add column last_claimed_at timestamptz;
comment on column public.plaid_sync_state.last_claimed_at is
  'When plaid-sync last took the lease or coalesced a request; a later dispatch not yet claimed is in flight.';

-- The sweep's queries: due requests and stale products, and what is in flight.
create index plaid_sync_state_requested_at_idx on public.plaid_sync_state (requested_at) where requested_at is not null;
create index plaid_sync_state_last_synced_at_idx on public.plaid_sync_state (last_synced_at nulls first) where requested_at is null;
-- Only calls not picked up yet and runs holding a lease: small, whatever the number of items.
create index plaid_sync_state_unclaimed_dispatch_idx on public.plaid_sync_state (last_dispatched_at)
  where last_claimed_at is null or last_claimed_at < last_dispatched_at;
create index plaid_sync_state_lease_expires_at_idx on public.plaid_sync_state (lease_expires_at) where lease_id is not null;

-- In flight: a run holds a live lease, or a call went out recently and plaid-sync has not picked it
-- up yet. A call that failed (plaid-sync down, 5xx) counts as in flight until lost_after.
create or replace function private.sync_in_flight(p_state public.plaid_sync_state, p_lost_after interval)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(p_state.lease_id is not null and p_state.lease_expires_at > now(), false)
      or coalesce(p_state.last_dispatched_at > now() - p_lost_after
          and (p_state.last_claimed_at is null or p_state.last_claimed_at < p_state.last_dispatched_at), false)
$$;

-- Dispatches plaid-sync for due work, at most p_limit calls (and never past max_in_flight). Returns
-- the number of calls made. Called by pg_cron and by finish_sync; sweeps are serialized.
create or replace function private.sweep_syncs(p_limit integer default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings private.sync_settings;
  v_slots integer;
  v_dispatched integer := 0;
  v_row record;
begin
  -- One sweep at a time (finishing runs sweep while pg_cron does): each sees the others' dispatches.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('nestfolio:sync_sweep', 0));
  select * into v_settings from private.sync_settings;
  -- In flight (private.sync_in_flight), counted through the two small partial indexes.
  select v_settings.max_in_flight
    - (select count(*) from public.plaid_sync_state s where s.lease_id is not null and s.lease_expires_at > now())
    - (select count(*) from public.plaid_sync_state s
       where (s.last_claimed_at is null or s.last_claimed_at < s.last_dispatched_at)
         and s.last_dispatched_at > now() - v_settings.lost_after
         and not coalesce(s.lease_id is not null and s.lease_expires_at > now(), false))
    into v_slots;
  v_slots := least(v_slots, v_settings.sweep_batch, coalesce(p_limit, v_settings.sweep_batch));

  -- Requested and not completed: never dispatched, lost, failed, crashed, or backoff over.
  for v_row in
    select s.item_id, s.product, s.attempts
    from public.plaid_sync_state s
    join public.plaid_items i on i.id = s.item_id and private.item_is_syncable(i.status)
    where s.requested_at is not null
      and (s.next_attempt_at is null or s.next_attempt_at <= now())
      and not private.sync_in_flight(s, v_settings.lost_after)
    order by s.requested_at
    limit greatest(v_slots, 0)
    for update of s skip locked
  loop
    perform private.dispatch_sync(v_row.item_id, v_row.product, case when v_row.attempts > 0 then 'retry' else 'cron' end);
    v_dispatched := v_dispatched + 1;
  end loop;

  -- Not synced for too long: requested now, by the schedule.
  for v_row in
    select s.item_id, s.product
    from public.plaid_sync_state s
    join public.plaid_items i on i.id = s.item_id and private.item_is_syncable(i.status)
    where s.requested_at is null
      and (s.last_synced_at is null or s.last_synced_at < now() - v_settings.stale_after)
      and not private.sync_in_flight(s, v_settings.lost_after)
    order by s.last_synced_at nulls first
    limit greatest(v_slots - v_dispatched, 0)
    for update of s skip locked
  loop
    update public.plaid_sync_state s set requested_at = now() where s.item_id = v_row.item_id and s.product = v_row.product;
    perform private.dispatch_sync(v_row.item_id, v_row.product, 'cron');
    v_dispatched := v_dispatched + 1;
  end loop;
  return v_dispatched;
end
$$;
comment on function private.sweep_syncs(integer) is
  'Dispatches plaid-sync for requested-but-not-completed and stale item products, within max_in_flight. pg_cron runs it every minute.';

-- Retention: pg_net keeps responses 6 h itself on the platform; webhook log and sync runs are kept
-- for the configured time, except each item/product's latest run (the UI's "last sync").
create or replace function private.prune_sync_logs()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings private.sync_settings;
  v_responses integer;
  v_events integer;
  v_runs integer;
begin
  select * into v_settings from private.sync_settings;
  delete from net._http_response r where r.created < now() - v_settings.http_responses_retention;
  get diagnostics v_responses = row_count;
  delete from public.webhook_events e where e.last_received_at < now() - v_settings.webhook_events_retention;
  get diagnostics v_events = row_count;
  delete from public.sync_runs r
  where r.started_at < now() - v_settings.sync_runs_retention and r.outcome <> 'running'
    and r.id <> (select l.id from public.sync_runs l where l.item_id = r.item_id and l.product = r.product
                 order by l.started_at desc limit 1);
  get diagnostics v_runs = row_count;
  return jsonb_build_object('http_responses', v_responses, 'webhook_events', v_events, 'sync_runs', v_runs);
end
$$;
comment on function private.prune_sync_logs() is
  'Deletes pg_net responses, webhook events and sync runs older than their retention (private.sync_settings).';

revoke all on function private.sync_in_flight(public.plaid_sync_state, interval), private.sweep_syncs(integer),
  private.prune_sync_logs() from public, anon, authenticated;
grant execute on function private.sweep_syncs(integer), private.prune_sync_logs() to service_role;

-- plaid-sync picking up a call is recorded (last_claimed_at). Same as 20261124003000's claim_sync
-- otherwise.
create or replace function private.claim_sync(p_item_id uuid, p_product text, p_trigger text, p_lease_seconds integer)
returns table (lease_id uuid, run_id uuid, user_id uuid, cursor text, loop_start_cursor text, has_more boolean,
               initial_sync_done boolean, access_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
  v_lease uuid := gen_random_uuid();
  v_run uuid;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found or not private.item_is_syncable(v_status) then
    return;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id)
  select i.id, p_product, i.user_id from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do nothing;
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  if not found then
    return; -- the item was removed meanwhile
  end if;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    update public.plaid_sync_state s set rerun_requested = true, last_claimed_at = now()
    where s.item_id = p_item_id and s.product = p_product;
    return;
  end if;
  if v_state.lease_id is not null then
    -- The previous holder's lease expired (crashed or killed run): its run record says so.
    update public.sync_runs r set outcome = 'superseded', finished_at = greatest(now(), r.started_at)
    where r.item_id = p_item_id and r.product = p_product and r.lease_id = v_state.lease_id and r.outcome = 'running';
  end if;
  update public.plaid_sync_state s
  set lease_id = v_lease, lease_expires_at = now() + make_interval(secs => p_lease_seconds), running_since = now(),
      rerun_requested = false, last_claimed_at = now()
  where s.item_id = p_item_id and s.product = p_product;
  insert into public.sync_runs (user_id, item_id, product, trigger, lease_id)
  values (v_state.user_id, p_item_id, p_product, p_trigger, v_lease)
  returning id into v_run;
  -- The token comes with the lease: one round trip fewer per run (a no-change sync costs three).
  return query select v_lease, v_run, v_state.user_id, v_state.cursor, v_state.loop_start_cursor, v_state.has_more,
    v_state.initial_sync_done, private.read_item_access_token(p_item_id);
exception when foreign_key_violation then
  return; -- the item was removed while its first state row was being created: nothing to sync
end
$$;

-- A finishing run hands its slot to the next due item. Same as 20261124003000's finish_sync plus the
-- last statement.
create or replace function private.finish_sync(
  p_item_id uuid, p_product text, p_lease_id uuid, p_run_id uuid, p_outcome text, p_error jsonb, p_item_status text
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_rerun boolean;
begin
  -- The item's sync state is locked before anything else of the item (its runs, the item itself), as
  -- every writer does (see 20261125000300): one lock order, no deadlocks with item removal.
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  update public.sync_runs r set outcome = p_outcome, finished_at = greatest(now(), r.started_at),
    error = p_error, error_code = p_error ->> 'error_code'
  where r.id = p_run_id and r.outcome = 'running';
  if v_state.item_id is null or v_state.lease_id is distinct from p_lease_id then
    return false; -- superseded (the state belongs to another run now) or the item was removed
  end if;
  v_rerun := v_state.rerun_requested;
  update public.plaid_sync_state s set
    lease_id = null, lease_expires_at = null, running_since = null, rerun_requested = false,
    last_synced_at = case when p_outcome = 'succeeded' then now() else s.last_synced_at end,
    requested_at = case
      when p_outcome = 'succeeded' and not v_rerun then null
      when p_outcome = 'succeeded' then now()
      else coalesce(s.requested_at, now()) end,
    attempts = case when p_outcome = 'failed' and p_item_status is null then s.attempts + 1
                    when p_outcome in ('succeeded', 'continued') then 0 else s.attempts end,
    -- Transient failures back off exponentially: 1, 2, 4, ... minutes, at most 6 hours.
    next_attempt_at = case when p_outcome = 'failed' and p_item_status is null
      then now() + least(interval '6 hours', interval '1 minute' * power(2, s.attempts)) else null end,
    last_error = case when p_outcome = 'failed' then p_error when p_outcome = 'succeeded' then null else s.last_error end,
    last_error_at = case when p_outcome = 'failed' then now() else s.last_error_at end
  where s.item_id = p_item_id and s.product = p_product;
  if p_item_status is not null then
    update public.plaid_items i set status = p_item_status, error = p_error, error_code = p_error ->> 'error_code'
    where i.id = p_item_id;
  elsif p_outcome = 'succeeded' then
    update public.plaid_items i set status = 'healthy', error = null, error_code = null
    where i.id = p_item_id and i.status = 'error';
  end if;
  if p_outcome = 'continued' then
    perform private.dispatch_sync(p_item_id, p_product, 'follow_up');
  elsif not (v_rerun and p_outcome = 'succeeded') then
    -- This run's slot is free: the next due item takes it (a no-op when nothing is due).
    perform private.sweep_syncs(1);
  end if;
  return v_rerun and p_outcome = 'succeeded';
end
$$;

-- The schedule. cron.schedule replaces a job of the same name, so re-running this is harmless.
select cron.schedule('nestfolio-sync-sweep', '* * * * *', 'select private.sweep_syncs()');
select cron.schedule('nestfolio-prune-sync-logs', '17 3 * * *', 'select private.prune_sync_logs()');
