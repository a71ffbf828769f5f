-- The database decides when syncs run. Webhooks, exchange and "Sync now" dispatch at once; this sweep
-- (pg_cron, every minute) is the safety net and the schedule:
--   * requests that were made but never completed: the pg_net call was lost or failed, the run
--     crashed (its lease expired), a transient failure's backoff is over, Vault was not set yet;
--   * items not synced for longer than stale_after (missed webhooks, products without webhooks);
-- at most max_in_flight plaid-sync calls at once. A finishing run hands its slot to the next due item
-- (private.finish_sync → sweep_syncs), so a backlog drains at that concurrency without waiting for
-- the next tick. Retention keeps the logs bounded. The pg_cron jobs and the settings row are data,
-- written by a migration (supabase/migrations), not declared here.

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
comment on table private.sync_settings is
  'One row: the sweep''s and retention jobs'' settings (README § Configuration). Change with an update as postgres.';
revoke all on table private.sync_settings from public, anon, authenticated, service_role;

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
revoke all on function private.sync_in_flight(public.plaid_sync_state, interval) from public, anon, authenticated, service_role;

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
revoke all on function private.sweep_syncs(integer) from public, anon, authenticated, service_role;
grant execute on function private.sweep_syncs(integer) to service_role;

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
revoke all on function private.prune_sync_logs() from public, anon, authenticated, service_role;
grant execute on function private.prune_sync_logs() to service_role;
